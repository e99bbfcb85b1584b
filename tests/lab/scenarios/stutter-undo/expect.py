# stutter-undo: every fix here ends rolled back, read back by the guest: SIGKILL after the
# apply (the guardian at the deadline), a lost terminal (SIGHUP, shell killed), a worse
# verdict (rolled back automatically).


def affinity(t, name):
    out = {}
    for line in (t.read("aff-" + name, "") or "").splitlines():
        k, _, v = line.partition(" ")
        out[k] = v
    return out


def kv(t, name):
    out = {}
    for line in (t.read(name, "") or "").splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


def net_irqs(t):
    for line in (t.read("stutter", "") or "").splitlines():
        if line.startswith("irqs"):
            return [int(x) for x in line.split()[1:]]
    return []


def changed(t, name):
    pinned, applied = affinity(t, "pinned"), affinity(t, name)
    return sorted(k for k in pinned if applied.get(k) != pinned[k])


def restored(t, what, name):
    pinned, back = affinity(t, "pinned"), affinity(t, name)
    diff = sorted(k for k in pinned if back.get(k) != pinned[k])
    t.ok(len(pinned) > 10 and not diff, "%s: every mask read back as before the fix (differs: %s)" % (what, diff[:8]))


def raw(t):
    irqs = net_irqs(t)
    pinned = affinity(t, "pinned")
    t.ok(len(irqs) >= 2 and all(pinned.get("irq%d" % i) == "2-3" for i in irqs),
         "virtio-net IRQs %s pinned to CPUs 2-3" % irqs)


def verdict(t):
    irqs = ["irq%d" % i for i in net_irqs(t)]
    # SIGKILL
    ch = changed(t, "kill-applied")
    t.ok(all(i in ch for i in irqs), "kill: the fix was applied (%d values changed)" % len(ch))
    t.ok((t.read("kill.rc", "") or "").strip() == "137", "kill: irqsight died of SIGKILL (rc %s)"
         % (t.read("kill.rc", "") or "").strip())
    last, pend = kv(t, "kill.last"), kv(t, "kill.pending")
    t.ok(last.get("outcome") == "rolled-back" and last.get("reason") == "deadline" and last.get("failed") == "0",
         "kill: the guardian rolled back at the deadline (%s)" % last)
    try:
        at, deadline = int(last.get("time", "0")), int(pend.get("deadline", "0"))
        killed = int((t.read("kill.killed-at", "0") or "0").strip())
    except ValueError:
        at = deadline = killed = 0
    t.ok(deadline and at >= deadline and killed < deadline,
         "kill: killed before the deadline, rolled back at it (killed %+d s, rolled back %+d s from it)"
         % (killed - deadline, at - deadline))
    restored(t, "kill", "kill-after")
    # lost terminal
    ch = changed(t, "hup-applied")
    t.ok(all(i in ch for i in irqs), "hup: the fix was applied (%d values changed)" % len(ch))
    last = kv(t, "hup.last")
    t.ok(last.get("outcome") == "rolled-back" and last.get("reason") == "abort" and last.get("failed") == "0",
         "hup: the guardian rolled back when the terminal went away (%s)" % last)
    hj = t.load("hup.json") or {}
    t.ok(hj.get("outcome") == "rolled-back" and "signal" in (hj.get("reason") or ""),
         "hup: irqsight had it rolled back and said why (%s: %s)" % (hj.get("outcome"), hj.get("reason")))
    restored(t, "hup", "hup-after")
    # worse
    wj = t.load("worse.json") or {}
    rc = (t.read("worse.rc", "") or "").strip()
    ch = changed(t, "worse-applied")
    t.ok(all(i in ch for i in irqs), "worse: the fix was applied (%d values changed)" % len(ch))
    ci = (wj.get("latency") or {}).get("p99_diff_ci95_us")
    t.ok(wj.get("verdict") == "worse" and ci and ci[0] > 0, "worse: verdict worse, interval %s above zero" % ci)
    t.ok(wj.get("outcome") == "rolled-back" and rc == "1", "worse: rolled back automatically (outcome %s, exit %s)"
         % (wj.get("outcome"), rc))
    restored(t, "worse", "worse-after")
    st = (t.read("state", "") or "").split()
    t.ok("fix-pending" not in st and "fix-guardian.pid" not in st, "no guardian left behind (%s)" % st)
