# AMD-Vi booted with amd_iommu=on: the kernel rejects the option and carries on


def raw(t):
    d = t.dmesg()
    t.ok("AMD-Vi: Unknown option - 'on'" in d, "raw: kernel says \"AMD-Vi: Unknown option - 'on'\"")
    t.ok("AMD-Vi: Interrupt remapping enabled" in d, "raw: remapping still enabled")
    t.ok("amd_iommu=on" in t.cmdline().split(), "raw: amd_iommu=on on the command line")


def verdict(t):
    if t.has("bad-boot-param"):
        f = t.finding("bad-boot-param")
        t.ok("Unknown option - 'on'" in t.evidence_text(f),
             "bad-boot-param evidence quotes the kernel's answer")
        t.ok(any("amd_iommu=on" in x for x in f.get("fix", [])), "bad-boot-param fix drops amd_iommu=on")
    t.ok(t.platform("iommu") == "on", "platform.iommu is on (%s)" % t.platform("iommu"))
    t.ok(t.platform("interrupt_remapping") == "on",
         "platform.interrupt_remapping is on (%s)" % t.platform("interrupt_remapping"))
    t.lacks("ir-disabled", "iommu-off")
