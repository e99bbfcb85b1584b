#!/usr/bin/env python3
"""Host-side assertions for one lab guest run.

usage: check.py SCENARIO_DIR RESULT_DIR SERIES IRQSIGHT

RESULT_DIR/out is what the guest sent (see guest/lib.sh): check.json (+ .rc, .err),
check-nosample.json, snap/ (irqsight snapshot), raw/ (busybox capture of the same
files), interrupts, guest.log. SCENARIO_DIR/expect.py defines
    raw(t)      assertions on the raw guest state: proves the scenario is what it
                claims to be (the lab checking itself), and
    verdict(t)  assertions on irqsight's JSON verdicts.
Every run also asserts that the exit status matches the worst finding and that
`irqsight --root snap check --json --no-sample` on the host gives the same findings
as the same command live in the guest. Prints one line per assertion; exit status 0
when all hold.
"""
import importlib.util
import json
import os
import re
import subprocess
import sys

SEVERITY_RC = {"info": 0, "warning": 1, "critical": 2}


class T:
    def __init__(self, scdir, res, series, irqsight):
        self.scdir = scdir
        self.res = res
        self.out = os.path.join(res, "out")
        self.series = series
        self.irqsight = irqsight
        self.failed = 0
        self.passed = 0
        self._json = {}

    # --- reporting ------------------------------------------------------------
    def ok(self, cond, what):
        if cond:
            self.passed += 1
            print("  ok   %s" % what)
        else:
            self.failed += 1
            print("  FAIL %s" % what)
        return bool(cond)

    # --- raw guest state --------------------------------------------------------
    def read(self, rel, default=None):
        try:
            with open(os.path.join(self.out, rel), errors="replace") as f:
                return f.read()
        except OSError:
            return default

    def load(self, rel):
        """An output file as JSON; None when it is missing or not JSON (no note)."""
        try:
            return json.loads(self.read(rel, "") or "null")
        except ValueError:
            return None

    def pairs(self, rel):
        """An output file of "KEY VALUE" lines as a dict (other lines skipped)."""
        out = {}
        for line in (self.read(rel, "") or "").splitlines():
            parts = line.split()
            if len(parts) == 2:
                out[parts[0]] = parts[1]
        return out

    def dmesg(self):
        return self.read("raw/dmesg", "")

    def cmdline(self):
        return self.read("raw/proc/cmdline", "").strip()

    def interrupts(self):
        """Rows of the guest's /proc/interrupts (taken last) with a numeric IRQ:
        dicts irq, counts (per CPU), chip, hwirq, names. Tokens, not columns."""
        text = self.read("interrupts", "")
        lines = text.splitlines()
        if not lines:
            return []
        ncpu = len(lines[0].split())
        rows = []
        for line in lines[1:]:
            head, _, rest = line.partition(":")
            if not head.strip().isdigit():
                continue
            tok = rest.split()
            counts = [int(x) for x in tok[:ncpu]]
            tail = tok[ncpu:]
            chip = tail[0] if tail else ""
            hw = tail[1] if len(tail) > 1 else ""
            names = " ".join(tail[2:])
            rows.append({"irq": int(head), "counts": counts, "chip": chip,
                         "hwirq": hw, "names": names})
        return rows

    def device_rows(self):
        """Rows of PCI device interrupts: the MSI chips, or IO-APIC lines above 15."""
        return [r for r in self.interrupts()
                if "PCI-MSI" in r["chip"] or ("IO-APIC" in r["chip"] and r["irq"] >= 16)]

    def pci_drivers(self):
        """bdf -> driver name, from the raw capture's driver symlinks."""
        base = os.path.join(self.out, "raw/sys/bus/pci/devices")
        res = {}
        for bdf in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            link = os.path.join(base, bdf, "driver")
            if os.path.islink(link):
                res[bdf] = os.path.basename(os.readlink(link))
        return res

    # --- irqsight -------------------------------------------------------------------
    def json(self, name="check.json"):
        if name not in self._json:
            try:
                with open(os.path.join(self.out, name)) as f:
                    self._json[name] = json.load(f)
            except (OSError, ValueError) as e:
                self._json[name] = None
                err = self.read(name.replace(".json", ".err"), "").strip()
                print("  note %s unusable: %s%s" % (name, e, (" (stderr: %s)" % err[:200]) if err else ""))
        return self._json[name]

    def platform(self, key):
        j = self.json()
        return (j or {}).get("platform", {}).get(key)

    def findings(self, name="check.json"):
        j = self.json(name) or {}
        return j.get("findings", [])

    def finding(self, fid, name="check.json"):
        for f in self.findings(name):
            if f.get("id") == fid:
                return f
        return None

    def ids(self, name="check.json"):
        return {f.get("id") for f in self.findings(name)}

    def has(self, fid, severity=None):
        f = self.finding(fid)
        if f is None:
            return self.ok(False, "finding %s raised (found: %s)" % (fid, ", ".join(sorted(self.ids())) or "none"))
        if severity is not None:
            return self.ok(f.get("severity") == severity,
                           "finding %s is %s (got %s)" % (fid, severity, f.get("severity")))
        return self.ok(True, "finding %s raised" % fid)

    def lacks(self, *fids):
        for fid in fids:
            self.ok(fid not in self.ids(), "finding %s not raised" % fid)

    def devices(self):
        return (self.json() or {}).get("devices", [])

    def device(self, bdf):
        for d in self.devices():
            if d.get("bdf") == bdf:
                return d
        return None

    @staticmethod
    def evidence_text(f):
        return json.dumps(f.get("evidence", ""), sort_keys=True) if f else ""


def finding_key(f):
    # what the finding is about, not its counts (the snapshot is read moments later)
    return (f.get("id"), f.get("severity"), str(f.get("device")), str(f.get("irq")), str(f.get("cpu")))


def device_key(d):
    return json.dumps([d.get(k) for k in ("bdf", "driver", "irq_mode", "msix", "msi", "intx",
                                           "vectors_in_use", "numa_node", "iommu_group")],
                      sort_keys=True)


def common_irqsight(t):
    j = t.json()
    if not t.ok(j is not None, "check --json gave JSON"):
        return False
    rc = t.read("check.rc", "").strip()
    worst = max([SEVERITY_RC.get(f.get("severity"), 0) for f in t.findings()] or [0])
    t.ok(rc == str(worst), "check exit status %s matches the worst finding (%d)" % (rc, worst))
    # the guest runs irqsight as root on a real kernel: every file it wants is readable
    un = ["%s: %s" % (u.get("path"), u.get("reason")) for u in j.get("unreadable", [])]
    t.ok(not un, "nothing unreadable as root on a real kernel%s" % (" (%s)" % "; ".join(un) if un else ""))
    return True


def common_snapshot(t):
    """A snapshot taken in the guest, analysed on the host with --root: same findings."""
    live = t.json("check-nosample.json")
    if not t.ok(live is not None, "check --json --no-sample gave JSON"):
        return
    src = t.read("snapshot.rc", "").strip()
    if not t.ok(src == "0", "irqsight snapshot succeeded in the guest (rc %s: %s)"
                % (src, t.read("snapshot.log", "").strip()[:200])):
        return
    p = subprocess.run([t.irqsight, "--root", os.path.join(t.out, "snap"), "check", "--json",
                        "--no-sample"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        outside = json.loads(p.stdout)
    except ValueError as e:
        t.ok(False, "--root check on the host gave JSON (%s; %s)" % (e, p.stderr.strip()[:200]))
        return
    a = sorted(finding_key(f) for f in live.get("findings", []))
    b = sorted(finding_key(f) for f in outside.get("findings", []))
    t.ok(a == b, "--root snapshot on the host gives the same findings as live in the guest"
         + ("" if a == b else " (live %s, --root %s)" % (a, b)))
    t.ok(live.get("platform") == outside.get("platform"),
         "--root snapshot gives the same platform block")
    da = sorted(device_key(d) for d in live.get("devices", []))
    db = sorted(device_key(d) for d in outside.get("devices", []))
    t.ok(len(da) > 0, "the live report lists the guest's PCI devices (%d)" % len(da))
    t.ok(da == db, "--root snapshot gives the same devices (driver, irq_mode, MSI/MSI-X, vectors)"
         + ("" if da == db else " (live %s, --root %s)" % (da, db)))
    rc = t.read("check-nosample.rc", "").strip()
    t.ok(str(p.returncode) == rc, "--root exit status %d equals live %s" % (p.returncode, rc))


def main():
    scdir, res, series, irqsight = sys.argv[1:5]
    t = T(scdir, res, series, irqsight)
    if not t.ok(os.path.exists(os.path.join(t.out, "guest.log")),
                "guest finished and sent its results (boot rc %s, see %s/console*.log)"
                % ((t.read("../boot.rc", "?") or "?").strip(), res)):
        return 1
    spec = importlib.util.spec_from_file_location("expect", os.path.join(scdir, "expect.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.raw(t)
    # The systemd guest (GUEST=systemd in its conf) asserts its own runs: it has no
    # busybox capture for the common checks.
    if os.environ.get("GUEST") == "systemd":
        mod.verdict(t)
    elif common_irqsight(t):
        mod.verdict(t)
    if os.environ.get("GUEST") != "systemd":
        common_snapshot(t)
    print("  %d assertions held, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
