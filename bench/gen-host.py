#!/usr/bin/env python3
"""Generate a large synthetic host tree for benchmarks (not a test fixture).

  gen-host.py [--cpus 512] [--irqs 8192] [--devices 256] [--seed 1] DIR

Default: 512 CPUs on 8 NUMA nodes, 8,192 IRQs, 256 PCI devices, written in the layout
`irqsight --root DIR` reads:
  proc/interrupts      the 6.13-7.1 x86 format (kernel/irq/proc.c:show_interrupts: "%*d:",
                       " %10u" per online CPU, chip, hwirq, "-edge", actions), per-device
                       IR-PCI-MSIX-<bdf> chips, x86 architecture rows; ~46 MB
  proc/softirqs, proc/stat (cpu lines, intr line with a total per IRQ, softirq line),
  proc/cmdline, proc/sys/kernel/osrelease,
  proc/irq/N/{smp_affinity,smp_affinity_list,effective_affinity_list,node}, default_smp_affinity
  sys/bus/pci/devices/BDF/{class,vendor,device,subsystem_*,irq,numa_node,local_cpulist,
                       config (4096 bytes: PM, MSI, PCIe and MSI-X capabilities),
                       msi_irqs/N, driver -> ../../../bus/pci/drivers/NAME}
  sys/devices/system/cpu/{online,possible,present}, sys/devices/system/node/nodeN/cpulist
  sys/kernel/iommu_groups/N/devices/BDF, sys/class/iommu/dmarN, dmesg (DMAR/IR lines)
The content is deterministic for a given seed. The IRQ count includes 8 IO-APIC lines and one
DMAR-MSI per node; the rest are device vectors (NICs with 64 queues, NVMe with 33, others).
"""
import argparse
import os
import random
import struct
import sys


def cpulist(cpus):
    cpus = sorted(cpus)
    out, i = [], 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(out)


def cpumask(cpus, ncpu):
    bits = 0
    for c in cpus:
        bits |= 1 << c
    h = "%0*x" % ((ncpu + 3) // 4, bits)
    groups = []
    while h:
        groups.insert(0, h[-8:])
        h = h[:-8]
    return ",".join(groups)


def write(root, rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb" if isinstance(data, bytes) else "w") as fh:
        fh.write(data)


def config_space(vendor, device, cls, msix_vectors, intx_pin):
    """4096 bytes: type 0 header + capability list PM(0x40) -> MSI(0x50) -> PCIe(0x70) -> MSI-X(0xb0)."""
    c = bytearray(4096)
    struct.pack_into("<HH", c, 0, vendor, device)
    struct.pack_into("<H", c, 4, 0x0406)          # Memory, Bus Master, INTx Disable (0x400)
    struct.pack_into("<H", c, 6, 0x0010)          # Capabilities List
    c[8] = 1                                      # revision
    c[9], c[10], c[11] = cls & 0xff, (cls >> 8) & 0xff, (cls >> 16) & 0xff
    c[0x0e] = 0
    struct.pack_into("<I", c, 0x10, 0xfb000004)   # BAR0 (64-bit mem)
    struct.pack_into("<HH", c, 0x2c, vendor, 0x0001)
    c[0x34] = 0x40
    c[0x3c], c[0x3d] = 0xff, intx_pin
    c[0x40], c[0x41] = 0x01, 0x50                 # PM
    struct.pack_into("<H", c, 0x42, 0x0003)
    c[0x50], c[0x51] = 0x05, 0x70                 # MSI: 64-bit, maskable, 32 capable, disabled
    struct.pack_into("<H", c, 0x52, (1 << 8) | (1 << 7) | (5 << 1))
    c[0x70], c[0x71] = 0x10, 0xb0                 # PCI Express endpoint
    struct.pack_into("<H", c, 0x72, 0x0002)
    c[0xb0], c[0xb1] = 0x11, 0x00                 # MSI-X: enabled, table size
    struct.pack_into("<H", c, 0xb2, 0x8000 | ((msix_vectors - 1) & 0x7ff))
    struct.pack_into("<I", c, 0xb4, 0x00000000)   # table: BAR0 offset 0
    struct.pack_into("<I", c, 0xb8, 0x00002000)   # PBA: BAR0 offset 0x2000
    return bytes(c)


ARCH_ROWS = [
    ("NMI", "Non-maskable interrupts"), ("LOC", "Local timer interrupts"),
    ("SPU", "Spurious interrupts"), ("PMI", "Performance monitoring interrupts"),
    ("IWI", "IRQ work interrupts"), ("RTR", "APIC ICR read retries"),
    ("RES", "Rescheduling interrupts"), ("CAL", "Function call interrupts"),
    ("TLB", "TLB shootdowns"), ("TRM", "Thermal event interrupts"),
    ("THR", "Threshold APIC interrupts"), ("DFR", "Deferred Error APIC interrupts"),
    ("MCE", "Machine check exceptions"), ("MCP", "Machine check polls"),
]
TAIL_ROWS = [("PIN", "Posted-interrupt notification event"),
             ("NPI", "Nested posted-interrupt event"),
             ("PIW", "Posted-interrupt wakeup event")]
SOFTIRQS = ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED",
            "HRTIMER", "RCU"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--cpus", type=int, default=512)
    ap.add_argument("--irqs", type=int, default=8192)
    ap.add_argument("--devices", type=int, default=256)
    ap.add_argument("--nodes", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("dir")
    a = ap.parse_args()
    if os.path.exists(a.dir) and os.listdir(a.dir):
        sys.exit("gen-host: '%s' exists and is not empty" % a.dir)
    rnd = random.Random(a.seed)
    root, ncpu = a.dir, a.cpus
    cpus = list(range(ncpu))
    per_node = ncpu // a.nodes
    node_of = lambda c: min(c // per_node, a.nodes - 1)

    # --- IRQ table: (irq, chip, hwirq, flow, action, affinity cpu, device index or None)
    irqs = []
    legacy = [(0, 2, "edge", "timer"), (1, 1, "edge", "i8042"), (4, 4, "edge", "ttyS0"),
              (8, 8, "edge", "rtc0"), (9, 9, "fasteoi", "acpi"), (12, 12, "edge", "i8042"),
              (16, 16, "fasteoi", "i801_smbus"), (18, 18, "fasteoi", "ehci_hcd:usb1")]
    for n, hw, flow, act in legacy:
        irqs.append((n, "IR-IO-APIC", hw, flow, act, 0, None))
    nxt = 24
    for u in range(a.nodes):
        irqs.append((nxt, "DMAR-MSI", u, "edge", "dmar%d" % u, 0, None))
        nxt += 1
    budget = a.irqs - len(irqs)
    # device kinds: NIC 64 vectors (misc + 63 TxRx), NVMe 33 (q0..q32), others share the rest
    devs = []
    nic = nvme = 0
    for d in range(a.devices):
        node = d * a.nodes // a.devices
        bus = 0x10 + d
        bdf = "0000:%02x:00.0" % (bus & 0xff) if bus < 0x100 else "0001:%02x:00.0" % (bus & 0xff)
        if d % 4 == 0:
            kind, nvec = "nic", 64
        elif d % 4 == 1:
            kind, nvec = "nvme", 33
        else:
            kind, nvec = "other", 0
        devs.append(dict(bdf=bdf, node=node, kind=kind, nvec=nvec, irqs=[]))
    fixed = sum(x["nvec"] for x in devs)
    others = [x for x in devs if x["kind"] == "other"]
    rest = budget - fixed
    if rest < len(others):
        sys.exit("gen-host: %d IRQs are too few for %d devices" % (a.irqs, a.devices))
    for i, x in enumerate(others):
        x["nvec"] = rest // len(others) + (1 if i < rest % len(others) else 0)
    for x in devs:
        node_cpus = [c for c in cpus if node_of(c) == x["node"]]
        if x["kind"] == "nic":
            nic += 1
            x["driver"], x["cls"], x["ids"] = "ice", 0x020000, (0x8086, 0x159b)
            names = ["ice-%s:misc" % x["bdf"]] + ["ens%dnp0-TxRx-%d" % (nic, q) for q in range(x["nvec"] - 1)]
        elif x["kind"] == "nvme":
            x["driver"], x["cls"], x["ids"] = "nvme", 0x010802, (0x144d, 0xa824)
            names = ["nvme%dq%d" % (nvme, q) for q in range(x["nvec"])]
            nvme += 1
        else:
            x["driver"], x["cls"], x["ids"] = "mlx5_core", 0x020700, (0x15b3, 0x101d)
            names = ["mlx5_comp%d@pci:%s" % (q, x["bdf"]) for q in range(x["nvec"])]
        for v, name in enumerate(names):
            cpu = node_cpus[(v * 7 + len(irqs)) % len(node_cpus)]
            irqs.append((nxt, "IR-PCI-MSIX-" + x["bdf"], v, "edge", name, cpu, x))
            x["irqs"].append(nxt)
            nxt += 1
    nr_irqs = nxt + 64
    prec = 3
    j = nr_irqs
    while j >= 1000 and prec < 10:
        j //= 10
        prec += 1

    # --- proc/interrupts
    os.makedirs(os.path.join(root, "proc"), exist_ok=True)
    irq_totals = {}
    zero = " %10u" % 0
    with open(os.path.join(root, "proc", "interrupts"), "w") as fh:
        fh.write(" " * (prec + 8) + "".join("CPU%-8d" % c for c in cpus) + "\n")
        for n, chip, hw, flow, act, cpu, dev in irqs:
            counts = {}
            if dev is not None or act in ("timer", "acpi", "ttyS0"):
                counts[cpu] = rnd.randrange(1000, 50_000_000) if dev is not None else rnd.randrange(1, 5000)
                for _ in range(rnd.randrange(0, 4)):  # traces of earlier affinities
                    counts[rnd.randrange(ncpu)] = rnd.randrange(1, 20000)
            irq_totals[n] = sum(counts.values())
            row = ["%*d:" % (prec, n)]
            row.extend(" %10u" % counts[c] if c in counts else zero for c in cpus)
            row.append(" %8s %*d-%-8s  %s\n" % (chip, prec, hw, flow, act))
            fh.write("".join(row))
        for sym, desc in ARCH_ROWS:
            fh.write("%*s: " % (prec, sym) + "".join("%10u " % rnd.randrange(0, 10_000_000) for _ in cpus)
                     + "  " + desc + "\n")
        fh.write("%*s: %10u\n" % (prec, "ERR", 0))
        fh.write("%*s: %10u\n" % (prec, "MIS", 0))
        for sym, desc in TAIL_ROWS:
            fh.write("%*s: " % (prec, sym) + "".join("%10u " % 0 for _ in cpus) + "  " + desc + "\n")

    # --- proc/softirqs (kernel/softirq.c:show_softirqs: 20 spaces, "CPU%-8d", "%12s:", " %10u")
    with open(os.path.join(root, "proc", "softirqs"), "w") as fh:
        fh.write("                    " + "".join("CPU%-8d" % c for c in cpus) + "\n")
        for s in SOFTIRQS:
            fh.write("%12s:" % s + "".join(" %10u" % rnd.randrange(0, 90_000_000) for _ in cpus) + "\n")

    # --- proc/stat
    with open(os.path.join(root, "proc", "stat"), "w") as fh:
        def cpuline(label):
            v = [rnd.randrange(0, 10_000_000) for _ in range(10)]
            v[8] = v[9] = 0
            return label + " " + " ".join(str(x) for x in v) + "\n"
        fh.write(cpuline("cpu "))
        for c in cpus:
            fh.write(cpuline("cpu%d" % c))
        per = [irq_totals.get(i, 0) for i in range(nr_irqs)]
        fh.write("intr %d %s\n" % (sum(per), " ".join(str(x) for x in per)))
        fh.write("ctxt 98765432101\nbtime 1700000000\nprocesses 1234567\nprocs_running 3\nprocs_blocked 0\n")
        sirq = [rnd.randrange(0, 10**9) for _ in SOFTIRQS]
        fh.write("softirq %d %s\n" % (sum(sirq), " ".join(str(x) for x in sirq)))

    write(root, "proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.12.0-bench root=/dev/nvme0n1p2 ro "
          "intel_iommu=on iommu=pt\n")
    write(root, "proc/sys/kernel/osrelease", "6.12.0-bench\n")

    # --- proc/irq
    allmask = cpumask(cpus, ncpu)
    write(root, "proc/irq/default_smp_affinity", allmask + "\n")
    for n, chip, hw, flow, act, cpu, dev in irqs:
        d = "proc/irq/%d/" % n
        if dev is not None:
            # managed queue vectors: affinity = the queue's CPU
            aff = [cpu]
        else:
            aff = cpus
        write(root, d + "smp_affinity", cpumask(aff, ncpu) + "\n")
        write(root, d + "smp_affinity_list", cpulist(aff) + "\n")
        write(root, d + "effective_affinity_list", "%d\n" % cpu)
        write(root, d + "node", "%d\n" % (dev["node"] if dev is not None else 0))

    # --- PCI devices
    for g, x in enumerate(devs):
        d = "sys/bus/pci/devices/%s/" % x["bdf"]
        node_cpus = [c for c in cpus if node_of(c) == x["node"]]
        write(root, d + "class", "0x%06x\n" % x["cls"])
        write(root, d + "vendor", "0x%04x\n" % x["ids"][0])
        write(root, d + "device", "0x%04x\n" % x["ids"][1])
        write(root, d + "subsystem_vendor", "0x%04x\n" % x["ids"][0])
        write(root, d + "subsystem_device", "0x0001\n")
        write(root, d + "irq", "%d\n" % x["irqs"][0])
        write(root, d + "numa_node", "%d\n" % x["node"])
        write(root, d + "local_cpulist", cpulist(node_cpus) + "\n")
        write(root, d + "config", config_space(x["ids"][0], x["ids"][1], x["cls"], x["nvec"], 1))
        for n in x["irqs"]:
            write(root, d + "msi_irqs/%d" % n, "msix\n")
        os.symlink("../../../bus/pci/drivers/%s" % x["driver"], os.path.join(root, d + "driver"))
        os.symlink("../../../kernel/iommu_groups/%d" % g, os.path.join(root, d + "iommu_group"))
        gd = os.path.join(root, "sys/kernel/iommu_groups/%d/devices" % g)
        os.makedirs(gd, exist_ok=True)
        os.symlink("../../../../devices/pci0000:00/%s" % x["bdf"], os.path.join(gd, x["bdf"]))
    for u in range(a.nodes):
        os.makedirs(os.path.join(root, "sys/class/iommu/dmar%d" % u), exist_ok=True)

    allcpus = cpulist(cpus) + "\n"
    for f in ("online", "possible", "present"):
        write(root, "sys/devices/system/cpu/" + f, allcpus)
    for u in range(a.nodes):
        write(root, "sys/devices/system/node/node%d/cpulist" % u,
              cpulist([c for c in cpus if node_of(c) == u]) + "\n")

    write(root, "dmesg",
          "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.12.0-bench root=/dev/nvme0n1p2 ro intel_iommu=on iommu=pt\n"
          "[    0.010000] DMAR: IOMMU enabled\n"
          "[    0.020000] DMAR-IR: Queued invalidation will be enabled to support x2apic and Intr-remapping.\n"
          "[    0.020100] DMAR-IR: Enabled IRQ remapping in x2apic mode\n"
          "[    0.030000] x2apic enabled\n")
    size = os.path.getsize(os.path.join(root, "proc", "interrupts"))
    print("gen-host: %s: %d CPUs, %d IRQs (%d device vectors), %d devices, proc/interrupts %.1f MB"
          % (root, ncpu, len(irqs), sum(x["nvec"] for x in devs), len(devs), size / 1e6))


if __name__ == "__main__":
    main()
