# no IOMMU device: no DMAR/IVRS table
import os


def raw(t):
    d = t.dmesg()
    t.ok("ACPI: DMAR" not in d and "ACPI: IVRS" not in d, "raw: no DMAR or IVRS ACPI table")
    units = os.path.join(t.out, "raw/sys/class/iommu")
    t.ok(not os.path.isdir(units) or not os.listdir(units), "raw: no unit in /sys/class/iommu")
    t.ok(t.interrupts() and not any(r["chip"].startswith("IR-") for r in t.interrupts()),
         "raw: no IR- chip in /proc/interrupts")


def verdict(t):
    t.ok(t.platform("iommu") == "off", "platform.iommu is off (%s)" % t.platform("iommu"))
    t.ok(t.platform("interrupt_remapping") == "off",
         "platform.interrupt_remapping is off (%s)" % t.platform("interrupt_remapping"))
    # severity fits the host (issue 2): no vfio-pci device here, so never critical; and
    # the guest is itself a VM running no VMs, where irqsight's documented policy is info
    t.ok((t.json() or {}).get("platform", {}).get("virtual_machine") is True,
         "platform.virtual_machine is true in a QEMU guest")
    t.has("iommu-off", "info")
    t.lacks("ir-disabled", "bad-boot-param", "pci-nomsi", "intx-fallback")
