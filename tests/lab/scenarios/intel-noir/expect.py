# Intel VT-d, intremap=off: DMA translation on, MSIs not remapped


def raw(t):
    d = t.dmesg()
    t.ok("DMAR: Intel(R) Virtualization Technology for Directed I/O" in d, "raw: VT-d initialised")
    t.ok("Enabled IRQ remapping" not in d, "raw: no 'Enabled IRQ remapping' in the log")
    rows = t.device_rows()
    t.ok(rows and all(r["chip"].startswith("PCI-MSI") for r in rows),
         "raw: every device IRQ is on a plain PCI-MSI(X) chip (%s)" % sorted({r["chip"] for r in rows}))


def verdict(t):
    t.ok(t.platform("iommu") == "on", "platform.iommu is on (%s)" % t.platform("iommu"))
    t.ok(t.platform("interrupt_remapping") == "off",
         "platform.interrupt_remapping is off (%s)" % t.platform("interrupt_remapping"))
    t.has("ir-disabled", "critical")
    t.lacks("iommu-off", "ir-firmware-disabled", "bad-boot-param", "pci-nomsi", "intx-fallback")
