# Two NUMA nodes (CPUs 0-1 and 2-3); a 2-queue virtio-net behind a pxb-pcie on node 0
# (0000:41:00.0) and a 4-queue one behind a pxb-pcie on node 1 (0000:81:00.0); the
# standard devices on pcie.0 have no node. The plans (made in the guest, and again on
# the host from the guest's snapshot) spread each device's queues over the housekeeping
# CPUs of its own node.
import json
import os
import re
import subprocess

NODE0_DEV = "0000:41:00.0"  # pxb0 (bus_nr 0x40) -> root port -> virtio-net, 2 queue pairs
NODE1_DEV = "0000:81:00.0"  # pxb1 (bus_nr 0x80) -> root port -> virtio-net, 4 queue pairs
# The plans the guest made (guest.sh: lab_plan NAME ARGS...)
PLANS = {
    "hk02": ["--housekeeping", "0,2"],
    "vm1": ["--vm-cpus", "1"],
    "vm23": ["--vm-cpus", "2-3"],
}
QUEUE = re.compile(r"^virtio\d+-(input|output)\.(\d+)$")


def sysfs(t, rel):
    return (t.read("raw/sys/" + rel, "") or "").strip()


def raw(t):
    t.ok(sysfs(t, "devices/system/node/online") == "0-1", "raw: nodes 0-1 online (%s)" % sysfs(t, "devices/system/node/online"))
    t.ok(sysfs(t, "devices/system/node/node0/cpulist") == "0-1",
         "raw: node0/cpulist is 0-1 (%s)" % sysfs(t, "devices/system/node/node0/cpulist"))
    t.ok(sysfs(t, "devices/system/node/node1/cpulist") == "2-3",
         "raw: node1/cpulist is 2-3 (%s)" % sysfs(t, "devices/system/node/node1/cpulist"))
    drivers = t.pci_drivers()
    for bdf, node, local, nvec in ((NODE0_DEV, "0", "0-1", 5), (NODE1_DEV, "1", "2-3", 9)):
        base = "bus/pci/devices/%s/" % bdf
        t.ok(drivers.get(bdf) == "virtio-pci", "raw: %s is bound to virtio-pci (%s)" % (bdf, drivers.get(bdf)))
        t.ok(sysfs(t, base + "numa_node") == node,
             "raw: %s numa_node is %s (%s)" % (bdf, node, sysfs(t, base + "numa_node") or "missing"))
        t.ok(sysfs(t, base + "local_cpulist") == local,
             "raw: %s local_cpulist is %s (%s)" % (bdf, local, sysfs(t, base + "local_cpulist")))
        d = os.path.join(t.out, "raw/sys/" + base + "msi_irqs")
        n = len(os.listdir(d)) if os.path.isdir(d) else 0
        t.ok(n == nvec, "raw: %s has %d MSI-X vectors in use (config + %d queue vectors): %d"
             % (bdf, nvec, nvec - 1, n))
    # devices on pcie.0 itself have no node (QEMU gives the main root bus no _PXM)
    nonode = [b for b in drivers if b.startswith("0000:00:") and sysfs(t, "bus/pci/devices/%s/numa_node" % b) != "-1"]
    t.ok(not nonode, "raw: devices on pcie.0 have numa_node -1%s" % (" (not: %s)" % nonode if nonode else ""))
    for name in PLANS:
        t.ok(t.read("plan-%s.rc" % name, "").strip() == "0",
             "plan %s exits 0 in the guest (%s)" % (" ".join(PLANS[name]), (t.read("plan-%s.err" % name, "") or "").strip()[:200]))


def queue_rows(plan, bdf):
    """(queue index, entry) of the device's queue vectors; and its other vectors."""
    qs, other = [], []
    for e in plan.get("irqs", []):
        if e.get("device") != bdf:
            continue
        m = QUEUE.match(e.get("name") or "")
        if m:
            qs.append((int(m.group(2)), e))
        else:
            other.append(e)
    return qs, other


def check_device(t, plan, label, bdf, nq, spread, other_cpus):
    """Queue k of the device must be planned on spread[k % len(spread)], rx and tx alike;
    its other vectors (config) on other_cpus."""
    qs, other = queue_rows(plan, bdf)
    t.ok(len(qs) == 2 * nq and all(e["kind"] == "move" for _, e in qs),
         "%s: %s has %d movable queue vectors (%d)" % (label, bdf, 2 * nq, len(qs)))
    bad = ["%s->%s" % (e["name"], e.get("planned")) for k, e in qs if e.get("planned") != spread[k % len(spread)]]
    t.ok(not bad, "%s: %s queues one CPU each over %s in queue order%s"
         % (label, bdf, ",".join(spread), (" (wrong: %s)" % ", ".join(bad)) if bad else ""))
    got = sorted({e.get("planned") for _, e in qs})
    t.ok(got == sorted(set(spread[:nq])), "%s: %s queue vectors land on CPUs %s only (%s)"
         % (label, bdf, ",".join(sorted(set(spread[:nq]))), got))
    cfg = [e for e in other if (e.get("name") or "").endswith("-config")]
    t.ok(len(cfg) == 1 and cfg[0].get("planned") == other_cpus,
         "%s: %s config vector (not a queue) gets %s (%s)"
         % (label, bdf, other_cpus, [(e.get("name"), e.get("planned"), e.get("why")) for e in cfg]))
    return qs


def verdict(t):
    # check --json reports the node of every device
    for bdf, node in ((NODE0_DEV, 0), (NODE1_DEV, 1)):
        dev = t.device(bdf) or {}
        t.ok(dev.get("numa_node") == node, "check --json: %s numa_node %d (%s)" % (bdf, node, dev.get("numa_node")))
        t.ok(dev.get("local_cpulist") == ("0-1" if node == 0 else "2-3"),
             "check --json: %s local_cpulist (%s)" % (bdf, dev.get("local_cpulist")))
    on_bus0 = [d for d in t.devices() if (d.get("bdf") or "").startswith("0000:00:") and d.get("driver")]
    t.ok(on_bus0 and all(d.get("numa_node") in (None, -1) for d in on_bus0),
         "check --json: pcie.0 devices have no node (%s)" % sorted({str(d.get("numa_node")) for d in on_bus0}))

    plans = {n: t.load("plan-%s.json" % n) for n in PLANS}
    if not t.ok(all(plans.values()), "plan --json gave JSON for %s" % ", ".join(PLANS)):
        return

    # --housekeeping 0,2: node 0 keeps CPU 0, node 1 keeps CPU 2
    p = plans["hk02"]
    t.ok(p["housekeeping"] == "0,2" and p["vm_cpus"] == "1,3", "hk02: housekeeping 0,2, VM CPUs 1,3")
    check_device(t, p, "hk02", NODE0_DEV, 2, ["0"], "0")
    qs = check_device(t, p, "hk02", NODE1_DEV, 4, ["2"], "2")
    t.ok(all("NUMA node 1" in (e.get("why") or "") for _, e in qs), "hk02: node-1 queues say why (its NUMA node 1)")
    unk = [e for e in p["irqs"] if e["kind"] == "move" and (e.get("device") or "").startswith("0000:00:")]
    t.ok(unk and all(e.get("planned") == "0,2" and "NUMA node unknown" in e.get("why", "") for e in unk),
         "hk02: movable IRQs of node-less pcie.0 devices get every housekeeping CPU (0,2)")
    man = [e for e in p["irqs"] if e["kind"] == "managed"]
    t.ok(any(re.match(r"nvme\d+q[1-9]", e.get("name") or "") for e in man)
         and any(re.match(r"virtio\d+-req\.\d", e.get("name") or "") for e in man),
         "hk02: NVMe I/O and virtio-blk request queues listed as kernel-managed (%d)" % len(man))
    bp = "isolcpus=managed_irq,domain,1,3 irqaffinity=0,2"
    t.ok(p["boot_params"] == bp, "hk02: boot parameters %s (%s)" % (bp, p["boot_params"]))
    t.ok(all(e.get("planned") is None and ("boot with " + bp in e["why"] or "housekeeping CPUs already" in e["why"])
             for e in man), "hk02: each managed IRQ says it stays, with the boot parameters when on a VM CPU")
    rps = {r["device"]: r["cpus"] for r in p.get("rps", [])}
    t.ok(rps.get(NODE0_DEV) == "0" and rps.get(NODE1_DEV) == "2", "hk02: RPS CPUs by node (%s)" % rps)

    # --vm-cpus 1: housekeeping 0,2,3; node 1's four queues alternate 2,3
    p = plans["vm1"]
    t.ok(p["housekeeping"] == "0,2-3", "vm1: housekeeping 0,2-3 (%s)" % p["housekeeping"])
    check_device(t, p, "vm1", NODE0_DEV, 2, ["0"], "0")
    check_device(t, p, "vm1", NODE1_DEV, 4, ["2", "3"], "2-3")

    # --vm-cpus 2-3: node 1 has no housekeeping CPU left: all housekeeping CPUs (0-1)
    p = plans["vm23"]
    t.ok(p["housekeeping"] == "0-1", "vm23: housekeeping 0-1 (%s)" % p["housekeeping"])
    check_device(t, p, "vm23", NODE0_DEV, 2, ["0", "1"], "0-1")
    qs = check_device(t, p, "vm23", NODE1_DEV, 4, ["0", "1"], "0-1")
    t.ok(all("NUMA node 1 has no housekeeping CPU" in (e.get("why") or "") for _, e in qs),
         "vm23: node-1 queues say node 1 has no housekeeping CPU")

    # The same plans from the guest's snapshot on the host (what the golden fixture holds)
    snap = os.path.join(t.out, "snap")
    for name, args in PLANS.items():
        r = subprocess.run([t.irqsight, "--root", snap, "--json", "plan"] + args,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            host = json.loads(r.stdout)
        except ValueError:
            host = None
        key = lambda pl: sorted((e["irq"], e["kind"], e.get("device"), e.get("planned")) for e in pl["irqs"])
        t.ok(host is not None and key(host) == key(plans[name]) and host["boot_params"] == plans[name]["boot_params"],
             "plan %s from the snapshot (--root, on the host) equals the plan made live in the guest" % " ".join(args))
