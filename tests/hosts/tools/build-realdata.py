#!/usr/bin/env python3
"""Build tests/hosts/<name>/ fixture trees from ../shared/realdata.

Every file is copied byte for byte from the corpus (MANIFEST.md names its origin).
The only transformation is the irq-affinity listing ("irq/N/file:content", made with
`grep -r . irq | sort -V`), which is split back into proc/irq/N/file with the newline
the kernel writes after each value. Nothing is invented unless a host's entry says
SCENARIO, and then SOURCE.md names every added file.

  build-realdata.py [--realdata DIR] [--out tests/hosts] [NAME...]

An existing host directory is rebuilt from scratch, keeping expected.* files.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# name -> dict(files=[(realdata path, dest path)], affinity=realdata path or None,
#              empty=[dirs], scenario=callable or None, shows=text)
HOSTS = {}


def host(name, files, shows, affinity=None, empty=(), scenario=None, scenario_doc="", base=None):
    # base: a host this one is laid over (tests/fixture.sh, BASE): only the scenario's own
    # files are written here, the base's files are listed in SOURCE.md but not copied
    HOSTS[name] = dict(files=files, shows=shows, affinity=affinity, empty=list(empty),
                       scenario=scenario, scenario_doc=scenario_doc, base=base)


I, S, C, ST, D, A = "interrupts/", "softirqs/", "cmdline/", "stat/", "dmesg/", "irq-affinity/"

host("ocp-master-112cpu-ice-nvme-ahci-hotspot", [
    (I + "x86-112cpu-2s-ocp-master-ice-irdma-4nvme-ir-pci-msix-nto-mustgather.txt", "proc/interrupts"),
    (S + "x86-112cpu-2s-ocp-master-ice-irdma-4nvme-ir-pci-msix-nto-mustgather.txt", "proc/softirqs"),
    (C + "x86-112cpu-2s-ocp-master-ice-irdma-4nvme-ir-pci-msix-nto-mustgather.txt", "proc/cmdline"),
], affinity=A + "x86-112cpu-2s-ocp-master-ice-irdma-4nvme-ir-pci-msix-proc-irq-nto-mustgather.txt",
    shows="""112-CPU bare-metal OpenShift master (RHEL 9.4, 5.14). Chips are IR-IO-APIC and
per-device IR-PCI-MSIX-<bdf>: interrupt remapping is ON (IOMMU state itself unknown: no log,
no sysfs; the cmdline has no intel_iommu=). Four ice ports and four NVMe with one vector per CPU
(multiqueue, MSI-X). Count-based hotspot: ahci (IRQ 720, effective affinity 60) is the largest
single source, CPU60 takes ~37% of all device interrupts; 34 CPUs have none. Expect
irq-hotspot (warning) naming CPU60/ahci; no intx findings; irqbalance unknown (no /proc/PID).""")

host("ocp-rt-worker-80cpu-isolcpus-managed-irq", [
    (I + "x86-80cpu-2s-ocp-rt-worker-i40e-megasas-isolcpus-managed-irq-nto-mustgather.txt", "proc/interrupts"),
    (S + "x86-80cpu-2s-ocp-rt-worker-i40e-megasas-isolcpus-managed-irq-nto-mustgather.txt", "proc/softirqs"),
    (C + "x86-80cpu-2s-ocp-rt-worker-i40e-megasas-isolcpus-managed-irq-nto-mustgather.txt", "proc/cmdline"),
], affinity=A + "x86-80cpu-2s-ocp-rt-worker-i40e-megasas-isolcpus-managed-irq-proc-irq-nto-mustgather.txt",
    shows="""80-CPU RT worker (RHEL 9.4 5.14+rt) with intel_iommu=on iommu=pt
isolcpus=managed_irq,0-4,11-79 nohz_full=0-4,11-79 (housekeeping CPUs 5-10). Remapping ON
(IR-PCI-MSIX chips, 6 DMAR-MSI units). The eno3-TxRx-0..7 queue IRQs 151-158 have
smp_affinity_list/effective_affinity_list on ISOLATED CPUs 42,24,16,66,78,38,22,76 (up to 794k
interrupts there): device IRQ load on isolated CPUs. No VM threads captured, so vcpu-* findings
cannot fire; the isolation conflict itself should be visible (IRQs with affinity on isolcpus).""")

host("ocp-worker-32cpu-i40e-megasas-nvme", [
    (I + "x86-32cpu-2s-ocp-worker-i40e-megasas-nvme-nto-mustgather.txt", "proc/interrupts"),
    (S + "x86-32cpu-2s-ocp-worker-i40e-megasas-nvme-nto-mustgather.txt", "proc/softirqs"),
    (C + "x86-32cpu-2s-ocp-worker-i40e-megasas-nvme-nto-mustgather.txt", "proc/cmdline"),
], affinity=A + "x86-32cpu-2s-ocp-worker-i40e-megasas-nvme-proc-irq-nto-mustgather.txt",
    shows="""32-CPU bare-metal OpenShift worker (RHEL 9.4 5.14), no tuning options on the
cmdline. IR-PCI-MSIX per-device chips (remapping ON), i40e/megasas/nvme with one vector per CPU.
A comparatively healthy multiqueue host: no intx, no collapsed queues expected.""")

host("ocp-sno-12cpu-kvm-guest-virtio-msix", [
    (I + "x86-12cpu-ocp-sno-kvm-guest-virtio-pci-msix-nto-mustgather.txt", "proc/interrupts"),
    (S + "x86-12cpu-ocp-sno-kvm-guest-virtio-pci-msix-nto-mustgather.txt", "proc/softirqs"),
    (C + "x86-12cpu-ocp-sno-kvm-guest-virtio-pci-msix-nto-mustgather.txt", "proc/cmdline"),
], affinity=A + "x86-12cpu-ocp-sno-kvm-guest-virtio-pci-msix-proc-irq-nto-mustgather.txt",
    shows="""12-CPU single-node OpenShift KVM guest (RHEL 9.4 5.14): non-remapped PCI-MSIX-<bdf>
chips (no IR; a guest without a vIOMMU), virtio-blk req.0..11 one per CPU, virtio-net
input/output. Expect the remapping verdict "off" (or unknown IOMMU), MSI-X devices.""")

host("ocp46-rt-worker-80cpu-mlx5-old-ir-pci-msi", [
    (I + "x86-80cpu-2s-ocp46-rt-worker-mlx5-4nvme-megasas-old-ir-pci-msi-nto-mustgather.txt", "proc/interrupts"),
    (C + "x86-80cpu-2s-ocp46-rt-worker-mlx5-isolcpus-managed-irq-5-10-intel-iommu-nto-mustgather.txt", "proc/cmdline"),
], affinity=A + "x86-80cpu-2s-ocp46-rt-worker-mlx5-4nvme-megasas-proc-irq-nto-mustgather.txt",
    shows="""80-CPU RT worker (RHEL 8.2 4.18 rt): intel_iommu=on iommu=pt isolcpus=managed_irq,5-10.
Old chip column "IR-PCI-MSI <hwirq>-edge" (remapping ON, no bdf in the chip name; devices come
from names like mlx5_comp0@pci:0000:19:00.0). 518M device interrupts; counts accumulated on CPUs
different from today's affinity (mlx5_comp0 44M mostly on CPU4, affinity now 14): a count-based
hotspot should be stated as historical.""")

host("openstack-vm-24cpu-virtio-net-cpu7-hotspot", [
    (I + "x86-24cpu-openstack-vm-virtio-net-1.2g-on-cpu7-hotspot-nto-mustgather.txt", "proc/interrupts"),
    (C + "rhcos-4.18-openstack-vm-plain-nto-mustgather.txt", "proc/cmdline"),
], affinity=A + "x86-24cpu-openstack-vm-virtio-net-1.2g-on-cpu7-hotspot-proc-irq-nto-mustgather.txt",
    shows="""24-CPU OpenStack KVM guest (RHEL 8.2 4.18). Plain IO-APIC / PCI-MSI chips (no IR).
virtio1-input.0 (IRQ 34, affinity 7) has 1,218,439,781 interrupts on CPU7 = 96% of all device
interrupts: extreme irq-hotspot on CPU7 (warning). virtio-net runs ONE rx queue on 24 CPUs:
single-vector / single-queue (single-vector finding expected if the rule counts queues).""")

host("gce-vm-2cpu-intel-iommu-on-no-dmar-table", [
    (I + "x86-2cpu-gce-vm-ocp-virtio-pci-msi-nto-mustgather.txt", "proc/interrupts"),
    (S + "x86-2cpu-gce-vm-ocp-nto-mustgather.txt", "proc/softirqs"),
    (C + "x86-2cpu-gce-vm-ocp-isolcpus-managed-irq-1-nohz-full-intel-iommu-nto-mustgather.txt", "proc/cmdline"),
    (D + "intel-gce-vm-ocp-4.18-dmar-iommu-enabled-no-dmar-table-x2apic-no-ir-full.txt", "dmesg"),
], shows="""2-CPU Google Compute Engine VM (RHEL 8.5 4.18), intel_iommu=on iommu=pt
isolcpus=managed_irq,1 nohz_full=1. The log says "DMAR: IOMMU enabled" but there is no DMAR
table, no DRHD, no "Enabled IRQ remapping": plain PCI-MSI chips. So interrupt remapping is OFF
although intel_iommu=on was asked for (ir-disabled or iommu-off: no real IOMMU exists; a VM
without vIOMMU). Multiqueue virtio-net input/output.0-3.""")

host("twaite-8cpu-eth0-68m-on-cpu0", [
    (I + "x86-8cpu-ir-ioapic-edge-eth0-68m-all-on-cpu0.txt", "proc/interrupts"),
    (S + "x86-8cpu-twaite-eth0-cpu0.txt", "proc/softirqs"),
    (ST + "x86-8cpu-twaite.txt", "proc/stat"),
], shows="""8-CPU Ubuntu 3.2 machine, old combined IR chip names (IR-IO-APIC-edge, IR-PCI-MSI-edge,
DMAR_MSI-edge: remapping ON). Single-vector eth0 with 68.0M interrupts, ahci 1.6M and ehci 236k,
ALL on CPU0; softirqs NET_RX 68.06M on CPU0 (16 columns: 8 possible-but-offline CPUs all zero).
Expect irq-hotspot + softirq-hotspot + cpu0-overload on CPU0, single-vector for eth0.""")

host("csm-8cpu-em1-54m-on-cpu2", [
    (I + "x86-8cpu-ubuntu-3.13-ir-ioapic-edge-em1-54m-on-cpu2-hotspot.txt", "proc/interrupts"),
    (S + "x86-8cpu-16possible-ubuntu-3.13-net-rx-hotspot-cpu2-block-iopoll.txt", "proc/softirqs"),
    (ST + "x86-8cpu-ubuntu-3.13-csm-proc-snapshot.txt", "proc/stat"),
], shows="""8-CPU Ubuntu 3.13 desktop, old combined IR chip names (remapping ON). Single-vector
em1 with 54.3M interrupts on CPU2 (ahci also on CPU2); NET_RX 54.3M on CPU2. softirqs has 16
columns, CPUs 8-15 possible-but-offline (all zero). Expect irq-hotspot and softirq-hotspot on
CPU2 (not CPU0), single-vector for em1.""")

host("sysstat-8cpu-desktop-rt2800pci-intx", [
    (I + "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root1.txt", "proc/interrupts"),
    (S + "x86-8cpu-desktop-sysstat-root1.txt", "proc/softirqs"),
    (ST + "x86-8cpu-desktop-sysstat-root1.txt", "proc/stat"),
], shows="""8-CPU desktop (4.x), plain IO-APIC / PCI-MSI chips: no IR. Legacy INTx devices on
IO-APIC fasteoi lines 16-23 (ehci_hcd, snd_hda_intel, i801_smbus, rt2800pci wifi 180k on CPU4);
MSI ahci/xhci/enp6s0. NET_RX concentrated on CPU3 (enp6s0). Expect remapping off (no IR chips;
IOMMU unknown), rt2800pci on INTx (intx-fallback needs its config space, which is absent: it can
only be "INTx in use"), softirq NET_RX hotspot on CPU3 by count.""")

host("amd-opteron-48cpu-eth0-shared-intx-cpu0", [
    (I + "x86-48cpu-amd-opteron-8439-4s-ioapic-only-eth0-shared-intx-cpu0.txt", "proc/interrupts"),
], shows="""48-CPU 4-socket AMD Opteron 8439 SE, Linux 2.6.35: NO MSI at all, every device on
IO-APIC INTx. The NIC eth0 shares IRQ 23 with ehci_hcd:usb1 (IO-APIC-fasteoi) with 40.8M
interrupts all on CPU0. Expect intx-shared (eth0 + ehci on line 23), irq-hotspot/cpu0-overload on
CPU0, remapping off (plain IO-APIC chips).""")

host("raptorlake-32cpu-vfio-nvme-iommu-on", [
    (I + "x86-32cpu-raptorlake-host-ir-vfio-msix-nvme-passthrough-iommu-on.txt", "proc/interrupts"),
], shows="""32-CPU Intel desktop KVM host, kernel 6.x, IOMMU on: NVMe 0000:03:00.0 bound to vfio-pci
("vfio-msix[N](0000:03:00.0)", 9 vectors), host NVMe nvme1/nvme2, igc, iwlwifi, IR-IO-APIC and
IR-PCI-MSIX chips, DMAR-MSI dmar0: remapping ON. A passthrough host with remapping on: no
iommu/ir finding expected.""")

host("raptorlake-32cpu-intel-iommu-off-ir-on", [
    (I + "x86-32cpu-raptorlake-host-ir-nvme-intel-iommu-off-same-machine.txt", "proc/interrupts"),
], shows="""The same 32-CPU host booted with the IOMMU off: no vfio lines, 03:00.0 back on nvme,
but the chips are STILL IR-IO-APIC / IR-PCI-MSIX and DMAR-MSI dmar0 exists: interrupt remapping
stays ON when DMA remapping is off. A tool must not conclude "IR off" from "IOMMU off".""")

host("n100-4cpu-ir-without-iommu", [
    (I + "x86-4cpu-intel-n100-minipc-intel-iommu-off-still-ir-remapped.txt", "proc/interrupts"),
], empty=["sys/class/iommu"], shows="""4-CPU Intel N100 mini PC: IR-IO-APIC / IR-PCI-MSI(X)-<bdf> chips and DMAR-MSI
dmar0/dmar1 (remapping ON) while /sys/class/iommu is empty (the same note shows `ls
/sys/class/iommu/` printing nothing; that empty directory is recreated from .empty-dirs). IOMMU
(DMA remapping) off, interrupt remapping on. Multiqueue NICs enp1s0/enp3s0 and nvme0 on MSI-X.""")

host("westmere-ex-80cpu-megasas-cpu2-no-ir", [
    (I + "x86-80cpu-westmere-ex-4s-ioapic-msi-no-ir-eth1-queues-cpu0-before.txt", "proc/interrupts"),
], shows="""80-CPU 4-socket Xeon E7-8870, Linux 3.2: old combined chip names IO-APIC-edge/fasteoi
and PCI-MSI-edge with no IR prefix: remapping OFF (IOMMU unknown). NOTE: MANIFEST.md says the
eth1 queues sit "mostly on CPU0"; the data says otherwise: eth1-TxRx-0..7 (5-15M each) are each
on their own CPU (40,36,33,38,35,34,39,37) with only 22-48 counts on CPU0, and the 16 ioat-msix
vectors have 3 counts each on CPU0. So no queue-affinity-collapsed for eth1. The single-vector
megasas (IRQ 102) has 7.13M on CPU2 (99.9%): the largest single-CPU source. Shared INTx USB
lines. Expect remapping off and at most an irq-hotspot on CPU2 / CPU40 by count.""")

host("amd-opteron-6376-32cpu-eth0-queues-cpu0-no-ir", [
    (I + "x86-32cpu-amd-opteron-6376-no-iommu-pci-msi-hpsa.txt", "proc/interrupts"),
], shows="""32-CPU AMD Opteron 6376 HP server, Debian 4.13: plain IO-APIC / PCI-MSI chips: no
interrupt remapping (the IOMMU state itself is unknown: no log, no sysfs). The NIC's five vectors eth0-tx-0 and eth0-rx-1..4 (IRQs 63-67) have ALL
their counts on CPU0 (2877, 2341, 402, 550, 36): the queue IRQs collapsed on one CPU
(queue-affinity-collapsed, by count; counts are small, the host had just booted). hpsa2-msix0..31
spread one per CPU (healthy). Shared INTx USB lines, pata_atiixp legacy 14/15.""")

host("el9-1cpu-kvm-guest-shared-intx", [
    (I + "x86-1cpu-kvm-guest-el9-pci-msix-per-device-chip-shared-intx.txt", "proc/interrupts"),
    (S + "x86-1cpu-kvm-guest-el9.txt", "proc/softirqs"),
    (C + "centos-stream9-5.14-cloud-kvm-guest.txt", "proc/cmdline"),
], shows="""1-CPU KVM guest, CentOS Stream 9 5.14: per-device PCI-MSIX-0000:00:0N.0 chips (no IR),
virtio-blk/net/scsi/gpu on MSI-X; shared INTx IO-APIC 11-fasteoi "uhci_hcd:usb1, virtio6"
(a virtio device on a shared legacy line: intx-shared). With one CPU no hotspot finding makes
sense (everything is on CPU0 by necessity).""")

host("graviton-arm64-8cpu-ena-nvme", [
    (I + "arm64-8cpu-graviton-gicv3-its-ena-nvme-node-exporter-fixture.txt", "proc/interrupts"),
], shows="""8-CPU arm64 AWS Graviton (ACPI): GICv3 PPIs/SPIs and ITS-MSI lines (no space after the
colon on some rows), 2 NVMe and ENA eth0-Tx-Rx-0..7 one queue per CPU, IPI0-IPI6 rows, Err row.
x86 notions (IO-APIC, DMAR, x2APIC) do not apply: IOMMU/IR should be unknown, not "off".""")

host("hyperv-2cpu-rhcos-no-pci-irqs", [
    (I + "x86-2cpu-hyperv-guest-rhcos-no-pci-irqs-sosreport.txt", "proc/interrupts"),
    (S + "x86-2cpu-hyperv-guest-rhcos-sosreport.txt", "proc/softirqs"),
    (ST + "x86-2cpu-hyperv-guest-rhcos-sosreport.txt", "proc/stat"),
    (C + "rhcos-4.18-el8-openshift-master-metal.txt", "proc/cmdline"),
], shows="""2-CPU Hyper-V guest (RHCOS master sosreport): no PCI/MSI device lines at all (VMBus),
only rtc0/acpi IO-APIC rows and IPI rows with large HYP/HVS counts. No device -> no device
findings; the report must not crash or invent devices.""")

host("chromebook-4cpu-adln-ir-x2apic", [
    (I + "x86-4cpu-chromebook-adln-ir-ioapic-ir-pci-msix-per-device-intel-gpio.txt", "proc/interrupts"),
    (D + "intel-chromebook-alderlake-n-dmar-ir-x2apic-enabled-full.txt", "dmesg"),
], shows="""4-CPU Chromebook (Alder Lake-N, ChromeOS 6.6): the log has "DMAR: IOMMU enabled" and
"DMAR-IR: Enabled IRQ remapping in x2apic mode"; chips IR-IO-APIC / IR-PCI-MSIX-<bdf>. IOMMU on,
remapping on in x2apic mode. Many shared idma64/i2c_designware INTx lines (intx-shared, info or
warning); i2c_designware.5 538k on CPU1.""")

host("dmesg-only-amd-5700u-proxmox-bad-amd-iommu-on", [
    (D + "amd-ryzen7-5700u-proxmox-amd-vi-ir-x2apic-enabled-bad-option-on-full.txt", "dmesg"),
], shows="""Kernel log only (no proc/interrupts of this machine exists in the corpus): AMD Ryzen 7
5700U Proxmox host with GPU passthrough. "AMD-Vi: Unknown option - 'on'" (amd_iommu=on is not an
AMD option) -> bad-boot-param; "AMD-Vi: Interrupt remapping enabled", "X2APIC enabled": IOMMU and
remapping ON. proc/interrupts is absent on purpose: the report must list it in unreadable[] and
still give the log-based verdicts (or exit 3 if the tool cannot run without it).""")

host("dmesg-only-hp-dl380g6-ir-bios-erratum", [
    (D + "intel-hp-dl380-g6-5520-5.15-dmar-ir-bios-erratum-ir-disabled-excerpt.txt", "dmesg"),
], shows="""Kernel log excerpt only: HP ProLiant DL380 G6 (Intel 5520 IOH), Ubuntu 5.15: "DMAR-IR:
This system BIOS has enabled interrupt remapping on a chipset that contains an erratum making that
feature unstable ... interrupt remapping is being disabled" -> ir-firmware-disabled (critical or
warning), quoting that message. proc/interrupts absent on purpose.""")

host("dmesg-only-dell-r520-ir-xapic-optout", [
    (D + "intel-dell-r520-48cpu-el7-5.1-dmar-ir-xapic-bios-x2apic-optout-full.txt", "dmesg"),
], shows="""Full kernel log only: Dell PowerEdge R520 (48 CPUs, 5.1.7): "DMAR-IR: x2apic is disabled
because BIOS sets x2apic opt out bit", "Enabled IRQ remapping in xapic mode" -> ir-xapic-optout;
remapping ON (xapic). No intel_iommu= on its command line, so DMA remapping state follows the
kernel default (look for "DMAR: IOMMU enabled"). proc/interrupts absent on purpose.""")

host("broadwell-ep-32cpu-ir-hpsa-msix", [
    (I + "x86-32cpu-broadwell-ep-ir-pci-msi-hpsa-msix-dmar.txt", "proc/interrupts"),
], shows="""32-CPU 2-socket Xeon E5-2620 v4 HP server, Debian 4.13: IR-IO-APIC + IR-PCI-MSI chips,
DMAR-MSI dmar0/dmar1 (remapping ON). hpsa0-msix0..31 one per CPU; eth0-3 tx/rx queues (eth1-3
idle, counts only on CPU0); hpilo on a shared INTx line.""")

host("kvm-guest-4cpu-virtio-intx-procfs", [
    (I + "x86-4cpu-kvm-guest-virtio-ioapic-procfs-fixture.txt", "proc/interrupts"),
], shows="""4-CPU KVM guest (prometheus/procfs fixture): non-remapped PCI-MSI virtio queues spread
one per CPU, but virtio1 sits on the legacy IO-APIC line 22 (fasteoi): a virtio device on INTx.
Without config space the tool cannot prove MSI capability: "INTx in use", fallback unknown.""")


# ---- SCENARIO: the 80-CPU RT worker above plus a pinned QEMU VM and irqbalance ----
def rt_worker_vm(out):
    """Add a QEMU process whose 8 vCPU threads are pinned one-to-one on the isolated CPUs that
    take the eno3 queue IRQs (42,24,16,66,78,38,22,76), and irqbalance running with the stock
    RHEL /etc/sysconfig/irqbalance (no banned CPU list)."""
    ncpu = 80

    def mask(cpus):
        bits = 0
        for c in cpus:
            bits |= 1 << c
        hexs = "%0*x" % ((ncpu + 3) // 4, bits)
        groups = []
        while hexs:
            groups.insert(0, hexs[-8:])
            hexs = hexs[:-8]
        return ",".join(groups)

    def cpulist(cpus):
        cpus = sorted(cpus)
        out_, i = [], 0
        while i < len(cpus):
            j = i
            while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
                j += 1
            out_.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
            i = j + 1
        return ",".join(out_)

    def stat(pid, comm, ppid, cpu, utime, stime, guest):
        # 52 fields (fs/proc/array.c:do_task_stat); field 39 processor, 43 guest_time
        f = [str(pid), "(%s)" % comm, "S", str(ppid), str(pid), str(pid), "0", "-1", "4194624",
             "0", "0", "0", "0", str(utime), str(stime), "0", "0", "20", "0", "1", "0",
             "1000", "0", "0", "18446744073709551615", "0", "0", "0", "0", "0", "0", "0",
             "0", "0", "0", "0", "0", "-1", str(cpu), "0", "0", "0", str(guest), "0", "0", "0",
             "0", "0", "0", "0", "0", "0"]
        assert len(f) == 52
        f[4] = str(pid)
        return " ".join(f) + "\n"

    def status(name, tgid, pid, ppid, cpus):
        return ("Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
                "PPid:\t%d\nCpus_allowed:\t%s\nCpus_allowed_list:\t%s\n"
                % (name, tgid, pid, ppid, mask(cpus), cpulist(cpus)))

    def write(rel, text):
        p = os.path.join(out, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as fh:
            fh.write(text)

    housekeeping = list(range(5, 11))
    qemu = 4242
    threads = [(qemu, "qemu-kvm", housekeeping, 7, 0)]
    vcpu_cpus = [42, 24, 16, 66, 78, 38, 22, 76]
    for n, cpu in enumerate(vcpu_cpus):
        threads.append((qemu + 10 + n, "CPU %d/KVM" % n, [cpu], cpu, 500000 + n))
    for pid, comm, cpus, last, guest in threads:
        base = "proc/%d/task/%d/" % (qemu, pid)
        write(base + "comm", comm + "\n")
        write(base + "stat", stat(pid, comm, 1, last, 1000 + guest, 100, guest))
        write(base + "status", status(comm, qemu, pid, 1, cpus))
    write("proc/%d/comm" % qemu, "qemu-kvm\n")
    write("proc/%d/stat" % qemu, stat(qemu, "qemu-kvm", 1, 7, 1000, 100, 0))
    write("proc/%d/status" % qemu, status("qemu-kvm", qemu, qemu, 1, housekeeping))
    irqb = 1500
    write("proc/%d/comm" % irqb, "irqbalance\n")
    write("proc/%d/stat" % irqb, stat(irqb, "irqbalance", 1, 5, 10, 5, 0))
    write("proc/%d/status" % irqb, status("irqbalance", irqb, irqb, 1, housekeeping))
    write("proc/%d/task/%d/comm" % (irqb, irqb), "irqbalance\n")
    write("proc/%d/task/%d/stat" % (irqb, irqb), stat(irqb, "irqbalance", 1, 5, 10, 5, 0))
    write("proc/%d/task/%d/status" % (irqb, irqb), status("irqbalance", irqb, irqb, 1, housekeeping))
    write("etc/sysconfig/irqbalance",
          "# irqbalance is a daemon process that distributes interrupts across\n"
          "# CPUS on SMP systems.  The default is to rebalance once every 10\n"
          "# seconds.  This is the environment file that is specified to systemd via the\n"
          "# EnvironmentFile key in the service unit file (or via whatever method the init\n"
          "# system you're using has.\n"
          "#\n"
          "#IRQBALANCE_ONESHOT=\n"
          "#IRQBALANCE_BANNED_CPUS=\n"
          "#IRQBALANCE_ARGS=\n")


host("scenario-rt-worker-80cpu-pinned-vm-irqbalance", list(HOSTS["ocp-rt-worker-80cpu-isolcpus-managed-irq"]["files"]),
     affinity=HOSTS["ocp-rt-worker-80cpu-isolcpus-managed-irq"]["affinity"],
     scenario=rt_worker_vm, base="ocp-rt-worker-80cpu-isolcpus-managed-irq",
     scenario_doc="""SCENARIO (added, not captured): proc/4242 is a QEMU process ("qemu-kvm", allowed on
housekeeping CPUs 5-10) with 8 vCPU threads "CPU 0/KVM".."CPU 7/KVM" (tids 4252-4259), each pinned
to one of CPUs 42,24,16,66,78,38,22,76 (last CPU = that CPU, guest_time > 0); proc/1500 is
irqbalance (allowed 5-10); etc/sysconfig/irqbalance is the stock RHEL file with every setting
commented out (no IRQBALANCE_BANNED_CPUS). All proc/interrupts, softirqs, cmdline and proc/irq
numbers are the real captured ones, untouched.""",
     shows="""The real 80-CPU RT worker (see ocp-rt-worker-80cpu-isolcpus-managed-irq) with a VM whose
vCPUs are pinned exactly on the isolated CPUs that take the eno3 queue IRQs (151-158, up to 794k
each). Expect vcpu-irq-overlap (each vCPU CPU is the effective affinity of a hot eno3 queue IRQ) and
whatever the base host shows. irqbalance runs with no IRQBALANCE_BANNED_CPU* set, but since 1.x
irqbalance then bans the isolated and nohz_full CPUs itself (cputree.c), here 0-4,11-79: so
irqbalance-vs-isolation should NOT fire (this fixture checks that the default ban is modelled).""")

host("haswell-4cpu-6.17-ath9k-shared-intx-no-header", [
    (I + "x86-4cpu-haswell-laptop-6.17-ir-pmn-ath9k-shared-intx-hwinfo-embedded-no-header.txt", "proc/interrupts"),
], shows="""4-CPU Haswell-ULT laptop, Arch 6.17, /proc/interrupts as hwinfo embeds it (no CPU header,
two extra leading spaces). Per-device IR-PCI-MSI(X)-<bdf> chips: remapping ON; IOMMU unknown (no
DMAR-MSI row, no sysfs, no log). The Atheros ath9k wifi (3.8M) shares legacy line
"IR-IO-APIC 19-fasteoi mmc0, ath9k": intx-shared (warning). i915 takes 77% of CPU2's device
interrupts, CPU2 80% of all: irq-hotspot on CPU2. The ok list must not count "0 on INTx" beside
the INTx line (issue 16): it refers to intx-shared.""")

host("kvm-host-128cpu-vfio-msix-posted-excerpt", [
    (I + "x86-128cpu-kvm-host-vfio-msix-posted-interrupts-zero-host-counts-grep-excerpt.txt", "proc/interrupts"),
], shows="""A grep of /proc/interrupts on a 128-CPU KVM host: five vfio-msix[N](0000:c8:00.0) rows on
IR-PCI-MSIX-0000:c8:00.0, every count 0 (posted interrupts deliver them to the vCPU). No header:
CPU ids assumed 0..127. vfio-pci binds only devices in an IOMMU group, so the IOMMU is ON from
these rows (issue 16: it used to say unknown); remapping ON (IR- chips). Nothing busy: no hotspot,
no intx; load too little to judge.""")

host("dmesg-only-intel-laptop-vfio-probe-failed-no-dma-remapping", [
    (D + "intel-laptop-dmar-ir-x2apic-enabled-but-no-dma-remapping-vfio-probe-fails-grep-excerpt.txt", "dmesg"),
    (D + "intel-laptop-vfio-pci-probe-failed-error-22-no-iommu-group-excerpt.txt", "dmesg"),
], shows="""Two excerpts of one Intel laptop's kernel log, appended in time order: the DMAR grep (one
DRHD, "DMAR-IR: Enabled IRQ remapping in x2apic mode", no "DMAR: IOMMU enabled" or VT-d init:
DMA remapping off per the source's note) and the VFIO lines ("vfio-pci: probe of 0000:03:00.0
failed with error -22", the device had no iommu_group). Expect vfio-probe-failed (warning) naming
0000:03:00.0; remapping ON (x2apic); IOMMU unknown (an excerpt proves nothing missing).
proc/interrupts absent: the summary carries the unknown reason.""")


def parse_manifest(path):
    rows = {}
    section = None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^## (\S+)/", line)
        if m:
            section = m.group(1)
            continue
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) < 6:
            continue
        rows[section + "/" + cells[0].strip("`")] = dict(
            repo=cells[1], where=cells[2], commit=cells[3].strip("`"), license=cells[4], what=cells[5])
    return rows


def split_affinity(src, out):
    """'irq/N/file:content' -> out/proc/irq/N/file with content + '\\n'."""
    n = 0
    with open(src, "rb") as fh:
        for raw in fh:
            line = raw.rstrip(b"\n")
            path, sep, value = line.partition(b":")
            if not sep or not path.startswith(b"irq/"):
                raise SystemExit("%s: unexpected line %r" % (src, line))
            dest = os.path.join(out, "proc", path.decode())
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as o:
                o.write(value + b"\n")
            n += 1
    return n


def build(name, spec, realdata, outdir, manifest):
    out = os.path.join(outdir, name)
    keep = {}
    packed = os.path.isfile(os.path.join(out, "tree.tar.xz"))
    if os.path.isdir(out):
        for f in os.listdir(out):
            if f.startswith("expected."):
                keep[f] = open(os.path.join(out, f), "rb").read()
        shutil.rmtree(out)
    os.makedirs(out)
    origin = []
    for src, dst in spec["files"]:
        if spec["base"]:
            origin.append((src, dst))
            continue
        d = os.path.join(out, dst)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        if any(o[1] == dst for o in origin):
            # a second corpus file for the same path (two excerpts of one machine's log):
            # appended unchanged, in the order listed
            with open(d, "ab") as o, open(os.path.join(realdata, src), "rb") as i:
                o.write(i.read())
        else:
            shutil.copyfile(os.path.join(realdata, src), d)
        origin.append((src, dst))
    if spec["affinity"] and not spec["base"]:
        split_affinity(os.path.join(realdata, spec["affinity"]), out)
        origin.append((spec["affinity"], "proc/irq/N/{smp_affinity_list,effective_affinity_list,node}, "
                       "proc/irq/default_smp_affinity (split from the listing, newline restored)"))
    for d in spec["empty"]:
        os.makedirs(os.path.join(out, d), exist_ok=True)
    if spec["empty"]:
        with open(os.path.join(out, ".empty-dirs"), "w") as fh:
            fh.write("".join(d + "\n" for d in sorted(spec["empty"])))
    if spec["scenario"]:
        spec["scenario"](out)
    if spec["affinity"] and spec["base"]:
        origin.append((spec["affinity"], "proc/irq/N/{smp_affinity_list,effective_affinity_list,node}, "
                       "proc/irq/default_smp_affinity (split from the listing, newline restored)"))
    if spec["base"]:
        with open(os.path.join(out, "BASE"), "w") as fh:
            fh.write("tests/hosts/%s\n" % spec["base"])
    for f, data in keep.items():
        with open(os.path.join(out, f), "wb") as fh:
            fh.write(data)
    if packed:
        subprocess.run([os.path.join(REPO, "tests", "fixture.sh"), "pack", out], cwd=REPO, check=True)

    lines = ["# %s" % name, "", "## What it should show", "", spec["shows"].strip(), ""]
    if spec["scenario_doc"]:
        lines += ["## Added for the scenario (not real data)", "", spec["scenario_doc"].strip(), ""]
    lines += ["## Origin", "",
              "Built by `tests/hosts/tools/build-realdata.py` from ../shared/realdata "
              "(bytes copied unchanged; see its MANIFEST.md).", ""]
    if spec["base"]:
        lines += ["Laid over tests/hosts/%s (BASE; tests/fixture.sh): the files below are that "
                  "host's, this folder holds only what the scenario adds." % spec["base"], ""]
    for src, dst in origin:
        m = manifest.get(src, {})
        lines.append("- `%s` <- realdata/`%s`" % (dst, src))
        if m:
            lines.append("  - %s, `%s`, commit `%s` (%s)" % (m["repo"], m["where"][:160], m["commit"], m["license"]))
            lines.append("  - %s" % m["what"])
    if spec["empty"]:
        lines.append("- empty directories recreated from `.empty-dirs`: %s" % ", ".join(spec["empty"]))
    lines.append("")
    lines.append("Everything not listed is absent on purpose: absent means unknown.")
    with open(os.path.join(out, "SOURCE.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--realdata", default=os.path.join(REPO, "..", "..", "shared", "realdata"))
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "hosts"))
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    if not os.path.isdir(a.realdata):
        a.realdata = "/work/shared/realdata"
    manifest = parse_manifest(os.path.join(a.realdata, "MANIFEST.md"))
    names = a.names or list(HOSTS)
    for n in names:
        if n not in HOSTS:
            sys.exit("unknown host %s" % n)
        build(n, HOSTS[n], a.realdata, a.out, manifest)
        print("built", n)


if __name__ == "__main__":
    main()
