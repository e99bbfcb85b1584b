# AMD-Vi, intremap=on, iommu=pt (no amd_iommu= option)


def raw(t):
    d = t.dmesg()
    t.ok("AMD-Vi: Interrupt remapping enabled" in d, "raw: 'AMD-Vi: Interrupt remapping enabled'")
    t.ok("Unknown option" not in d, "raw: no unknown AMD-Vi option")
    rows = [r for r in t.device_rows() if r["names"] != "AMD-Vi"]
    t.ok(rows and all(r["chip"].startswith("IR-PCI-MSI") for r in rows),
         "raw: every device IRQ is on an IR-PCI-MSI(X) chip (%s)" % sorted({r["chip"] for r in rows}))


def verdict(t):
    t.ok(t.platform("iommu") == "on", "platform.iommu is on (%s)" % t.platform("iommu"))
    t.ok(t.platform("interrupt_remapping") == "on",
         "platform.interrupt_remapping is on (%s)" % t.platform("interrupt_remapping"))
    t.lacks("ir-disabled", "iommu-off", "bad-boot-param", "pci-nomsi", "intx-fallback")
