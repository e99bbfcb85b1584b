# apply/rollback on a real kernel: movable IRQs move, managed queues refuse with a
# reason, a second apply is a no-op, rollback restores every mask.
import re


def raw(t):
    before = t.pairs("before")
    t.ok(len(before) > 10, "raw: %d IRQ affinities dumped before apply" % len(before))
    t.ok(t.read("plan.rc", "").strip() == "0", "plan exits 0 (%s)" % (t.read("plan.err", "") or "").strip()[:200])


def verdict(t):
    before, applied, back = t.pairs("before"), t.pairs("applied"), t.pairs("rolledback")
    ap, ap2, rb = t.load("apply.json"), t.load("apply2.json"), t.load("rollback.json")
    t.ok(ap is not None and ap2 is not None and rb is not None, "apply, apply again and rollback print JSON")
    if not (ap and ap2 and rb):
        return
    ops = ap["operations"]
    written = [o for o in ops if o["result"] == "written" and o.get("irq") is not None]
    t.ok(len(written) >= 3, "apply wrote %d IRQ affinities" % len(written))
    moved = [o for o in written if applied.get(str(o["irq"])) == o["planned"]]
    t.ok(len(moved) == len(written), "read back: %d of %d written IRQs show the planned mask" % (len(moved), len(written)))
    t.ok(all(o.get("readback") == o["planned"] for o in written), "apply's own read-back matches for every write")
    t.ok(all(applied.get(str(o["irq"])) == "0" for o in written if o["name"] and "nvme" not in o["name"]),
         "moved IRQs are on housekeeping CPU 0")
    nm = [o for o in ops if o["result"] == "not-movable"]
    nm_names = " ".join((o.get("name") or "") for o in nm)
    t.ok("nvme" in nm_names, "NVMe managed queues reported not movable (%s)" % nm_names[:120])
    vblk = [o for o in nm if re.match(r"virtio\d+-req\.\d+$", o.get("name") or "")]
    t.ok(len(vblk) >= 1 and all("managed" in (o.get("why") or "") for o in vblk),
         "virtio-blk managed request queues reported not movable, with the reason (%s)"
         % "; ".join("%s: %s" % (o.get("name"), (o.get("why") or "")[:60]) for o in vblk[:2]))
    t.ok(all(o.get("why") for o in nm), "every not-movable IRQ carries a reason")
    t.ok(ap["summary"]["failed"] == 0, "apply: no failures (%s)" % ap["summary"])
    t.ok(ap2["summary"]["written"] == 0 and ap2["summary"]["failed"] == 0,
         "second apply writes nothing (%s)" % ap2["summary"])
    t.ok(t.read("rollback.rc", "").strip() == "0", "rollback exits 0")
    diff = sorted(k for k in before if back.get(k) != before[k])
    t.ok(not diff, "rollback restores every smp_affinity_list (differs: %s)" % diff[:10])
    t.ok(t.read("rolledback.default", "") == t.read("before.default", ""), "rollback restores default_smp_affinity")
    t.ok((t.read("journals", "") or "").strip() != "", "apply left a journal in /var/lib/irqsight")
    # keep's write watcher: fanotify on procfs on this kernel
    kw = (t.read("keep-writer", "") or "").split()
    log = t.read("keep.log", "") or ""
    line = [l for l in log.splitlines() if len(kw) == 4 and ("corrected irq %s " % kw[0]) in l and "reason=foreign-write" in l]
    t.ok(len(kw) == 4 and kw[3] == "0" and line and ('reason=foreign-write writer="%s (pid %s)"' % (kw[2], kw[1])) in line[0],
         "keep sees a write to /proc/irq/%s/smp_affinity_list (fanotify) and names the writer %s: %s"
         % (kw[0] if kw else "?", "%s (pid %s)" % (kw[2], kw[1]) if len(kw) == 4 else "?",
            line[0][:160] if line else log.strip()[-200:]))
