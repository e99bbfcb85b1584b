# stutter: fix moves the virtio-net IRQs and RPS off the VM CPUs 2-3 and proves it from
# data; the guest's own /proc/interrupts readings say the interrupts left 2-3; the verdict
# agrees with its interval; the whole fix takes under 5 minutes; rollback restores every
# mask.


def affinity(t, name):
    out = {}
    for line in (t.read("aff-" + name, "") or "").splitlines():
        k, _, v = line.partition(" ")
        out[k] = v
    return out


def net_irqs(t):
    for line in (t.read("stutter", "") or "").splitlines():
        if line.startswith("irqs"):
            return [int(x) for x in line.split()[1:]]
    return []


def counts(t, name, irqs):
    """Per-CPU counts of the given IRQs in a /proc/interrupts copy."""
    text = t.read(name, "") or ""
    lines = text.splitlines()
    if not lines:
        return None
    ncpu = len(lines[0].split())
    res = [0] * ncpu
    for line in lines[1:]:
        head, _, rest = line.partition(":")
        if head.strip().isdigit() and int(head) in irqs:
            for c, v in enumerate(rest.split()[:ncpu]):
                res[c] += int(v)
    return res


def delta(t, a, b, irqs):
    x, y = counts(t, a, irqs), counts(t, b, irqs)
    if x is None or y is None:
        return None
    return [q - p for p, q in zip(x, y)]


def raw(t):
    irqs = net_irqs(t)
    t.ok(len(irqs) >= 2, "virtio-net IRQs found and pinned to CPUs 2-3 (%s)" % irqs)
    pinned = affinity(t, "pinned")
    t.ok(irqs and all(pinned.get("irq%d" % i) == "2-3" for i in irqs), "their smp_affinity_list reads 2-3")
    t.ok(any(k.endswith("rps_cpus") and v.strip("0,") == "c" for k, v in pinned.items()),
         "RPS of the virtio-net rx queue on CPUs 2-3 (c)")
    d = delta(t, "int-pre-a", "int-pre-b", irqs)
    t.ok(d is not None and sum(d[2:4]) >= 250,
         "before: the host's stream lands on CPUs 2-3: %s interrupts in 5 s per CPU" % d)


def verdict(t):
    fx = t.load("fix.json")
    if not t.ok(fx is not None, "fix --json gave JSON (rc %s; %s)"
                % ((t.read("fix.rc", "") or "").strip(), (t.read("fix.err", "") or "").strip()[-300:])):
        return
    rc = (t.read("fix.rc", "") or "").strip()
    irqs = net_irqs(t)
    pre = delta(t, "int-pre-a", "int-pre-b", irqs)
    post = delta(t, "int-post-a", "int-post-b", irqs)
    t.ok(post is not None, "the guest read /proc/interrupts while fix measured after the apply")
    if pre and post:
        before, after = sum(pre[2:4]), sum(post[2:4])
        t.ok(after <= max(10, before // 50),
             "after: virtio-net interrupts on CPUs 2-3 near zero (%d in 5 s, %d before; per CPU %s -> %s)"
             % (after, before, pre, post))
        t.ok(sum(post[0:2]) >= 250, "after: the stream still arrives, on CPUs 0-1 (%s)" % post)
    applied = affinity(t, "applied")
    t.ok(irqs and all(applied.get("irq%d" % i) == "0-1" for i in irqs),
         "after the apply: the virtio-net IRQs read 0-1 (%s)" % [applied.get("irq%d" % i) for i in irqs])
    lat = fx.get("latency") or {}
    ci = lat.get("p99_diff_ci95_us")
    v = fx.get("verdict")
    t.ok(ci is not None and v in ("better", "same", "worse"), "a verdict with its interval (%s, %s)" % (v, ci))
    if ci:
        lo, hi = ci
        want = "better" if hi < 0 else "worse" if lo > 0 else "same"
        t.ok(v == want, "the verdict agrees with its interval: %s, p99 %s -> %s us, diff %s, 95%% [%s, %s]"
             % (v, lat.get("p99_us", {}).get("before"), lat.get("p99_us", {}).get("after"),
                lat.get("p99_diff_us"), lo, hi))
        t.ok(v != "better" or hi < 0, "never better when the interval holds zero")
    b, a = fx.get("before") or {}, fx.get("after") or {}
    t.ok(b.get("device_irqs_per_s", 0) > 2 * a.get("device_irqs_per_s", 1e9),
         "fix's own rates: device interrupts on the VM CPUs %s/s -> %s/s"
         % (b.get("device_irqs_per_s"), a.get("device_irqs_per_s")))
    outcome = fx.get("outcome")
    want_rc = {"confirmed": "0", "rolled-back": "1"}.get(outcome)
    t.ok(want_rc is not None and rc == want_rc, "outcome %s (%s), exit %s" % (outcome, fx.get("reason"), rc))
    t.ok(outcome != "confirmed" or v in ("better", "same"), "a worse verdict is never kept")
    secs = int((t.read("fix.seconds", "0") or "0").strip() or 0)
    t.ok(0 < secs < 300 and fx.get("elapsed_s", 0) < 300,
         "fix took %d s in the guest (its own elapsed %.0f s), under 5 minutes" % (secs, fx.get("elapsed_s", 0)))
    for f in ("check-before.json", "check-after.json", "latency-before.json", "latency-after.json", "plan",
              "journal", "summary.txt", "summary.json"):
        t.ok(bool(t.read("fix/" + f, "")), "bundle has %s" % f)
    # rollback restores every mask the guest had before the fix
    rb = t.read("rollback.rc", "").strip()
    pinned, back = affinity(t, "pinned"), affinity(t, "rolledback")
    diff = sorted(k for k in pinned if back.get(k) != pinned[k])
    t.ok(rb == "0" and not diff, "rollback (rc %s) restores every mask (differs: %s)" % (rb, diff[:8]))
    print("  note fix: verdict %s, p50 %s, p99 %s, p99.9 %s, device irqs/s on 2-3 %s -> %s, %s s"
          % (v, lat.get("p50_us"), lat.get("p99_us"), lat.get("p99_9_us"), b.get("device_irqs_per_s"),
             a.get("device_irqs_per_s"), fx.get("elapsed_s")))
