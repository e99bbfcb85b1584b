# Intel VT-d, intremap=on, intel_iommu=on iommu=pt
DEVICE_DRIVERS = ("virtio-pci", "nvme", "e1000e")


def raw(t):
    d = t.dmesg()
    t.ok("DMAR-IR: Enabled IRQ remapping in xapic mode" in d,
         "raw: kernel enabled IRQ remapping in xapic mode")
    rows = t.device_rows()
    t.ok(rows and all(r["chip"].startswith("IR-PCI-MSI") for r in rows),
         "raw: every device IRQ is on an IR-PCI-MSI(X) chip (%s)" % sorted({r["chip"] for r in rows}))
    t.ok(any(r["chip"] == "DMAR-MSI" for r in t.interrupts()), "raw: dmar0 fault IRQ present")


def verdict(t):
    t.ok(t.platform("iommu") == "on", "platform.iommu is on (%s)" % t.platform("iommu"))
    t.ok(t.platform("interrupt_remapping") == "on",
         "platform.interrupt_remapping is on (%s)" % t.platform("interrupt_remapping"))
    t.ok(t.platform("ir_mode") == "xapic", "platform.ir_mode is xapic (%s)" % t.platform("ir_mode"))
    t.lacks("ir-disabled", "iommu-off", "bad-boot-param", "pci-nomsi", "intx-fallback", "msix-disabled")
    for bdf, drv in t.pci_drivers().items():
        if drv in DEVICE_DRIVERS:
            dev = t.device(bdf) or {}
            t.ok(dev.get("irq_mode") == "msix", "device %s (%s) irq_mode is msix (%s)"
                 % (bdf, drv, dev.get("irq_mode")))
