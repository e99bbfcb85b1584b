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
    # one intx-fallback finding per device, named in its "device" field
    fell = {f.get("device") for f in t.findings() if f.get("id") == "intx-fallback"}
    for bdf, drv in t.pci_drivers().items():
        if drv in FALLBACK_DRIVERS:
            t.ok(bdf in fell, "intx-fallback raised for %s (%s) (devices: %s)"
                 % (bdf, drv, ", ".join(sorted(x for x in fell if x)) or "none"))
    e1000e = [f for f in t.findings() if f.get("id") == "intx-fallback"
              and t.pci_drivers().get(f.get("device")) == "e1000e"]
    t.ok(e1000e and "Falling back" in t.evidence_text(e1000e[0]),
         "e1000e's intx-fallback evidence quotes its fallback message")
    for bdf, drv in t.pci_drivers().items():
        if drv in FALLBACK_DRIVERS + ("nvme",):
            dev = t.device(bdf) or {}
            t.ok(dev.get("irq_mode") == "intx", "device %s (%s) irq_mode is intx (%s)"
                 % (bdf, drv, dev.get("irq_mode")))
