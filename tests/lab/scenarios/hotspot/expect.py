# every movable IRQ pinned to CPU0, O_DIRECT disk reads on CPU0
import re


def raw(t):
    pinned = (t.read("pinned", "") or "").split()
    t.ok(len(pinned) > 5, "raw: movable IRQs pinned to CPU0 (%d)" % len(pinned))
    rows = [r for r in t.device_rows()]
    tot = [sum(c) for c in zip(*[r["counts"] for r in rows])] if rows else []
    share = tot[0] / sum(tot) if tot and sum(tot) else 0
    t.ok(share > 0.8, "raw: CPU0 took %.0f%% of device interrupts" % (share * 100))


def verdict(t):
    ids = t.ids()
    # The hot CPU is CPU 0: cpu0-overload is the one finding for it (irq-hotspot stays quiet
    # about CPU 0 rather than repeat the same evidence: one cause, one finding).
    hot = ids & {"cpu0-overload", "irq-hotspot", "queue-affinity-collapsed"}
    t.ok(hot, "cpu0-overload, irq-hotspot or queue-affinity-collapsed raised (found: %s)"
         % (", ".join(sorted(ids)) or "none"))
    t.ok(not {"cpu0-overload", "irq-hotspot"} <= ids,
         "CPU 0's load is one finding, not cpu0-overload and irq-hotspot both (found: %s)"
         % ", ".join(sorted(ids)))
    for fid in sorted(hot):
        f = t.finding(fid)
        if f.get("cpu") is not None:
            t.ok(f.get("cpu") == 0, "%s names CPU %s (want 0)" % (fid, f.get("cpu")))
        else:
            ev = t.evidence_text(f)
            t.ok(re.search(r"cpu\W{0,4}0(\D|$)", ev, re.I),
                 "%s evidence names CPU0 (%s)" % (fid, ev[:160]))
