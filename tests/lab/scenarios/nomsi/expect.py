# pci=nomsi: every device on a legacy IO-APIC line
FALLBACK_DRIVERS = ("virtio-pci", "e1000e")


def raw(t):
    d = t.dmesg()
    t.ok("pci=nomsi" in t.cmdline().split(), "raw: pci=nomsi on the command line")
    t.ok(not any("PCI-MSI" in r["chip"] for r in t.interrupts()), "raw: no MSI chip in /proc/interrupts")
    t.ok("Falling back to MSI interrupts" in d and "Falling back to legacy interrupts" in d,
         "raw: e1000e logged its MSI-X -> MSI -> legacy fallback")
    names = " ".join(r["names"] for r in t.device_rows() if r["chip"] == "IO-APIC" and "fasteoi" in r["hwirq"])
    t.ok(all(n in names for n in ("eth1", "virtio0", "virtio1", "nvme0q0")),
         "raw: e1000e, virtio and nvme handlers on IO-APIC fasteoi lines (%s)" % names)


def verdict(t):
    t.has("pci-nomsi")
    if t.has("intx-fallback"):
        ev = t.evidence_text(t.finding("intx-fallback"))
        for bdf, drv in t.pci_drivers().items():
            if drv in FALLBACK_DRIVERS:
                t.ok(bdf in ev, "intx-fallback evidence names %s (%s)" % (bdf, drv))
    for bdf, drv in t.pci_drivers().items():
        if drv in FALLBACK_DRIVERS + ("nvme",):
            dev = t.device(bdf) or {}
            t.ok(dev.get("irq_mode") == "intx", "device %s (%s) irq_mode is intx (%s)"
                 % (bdf, drv, dev.get("irq_mode")))
