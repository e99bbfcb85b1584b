#!/usr/bin/env python3
"""Whole-tree bad input (tests/stages/18-badinput.sh).

Copies fixture hosts from tests/hosts/ into a temporary directory and breaks one file
(or directory) at a time: empty, cut in the middle of a line, random bytes, NULs, one
10 MB line, missing, a directory, a FIFO, a dangling symlink, a symlink loop, mode 000
read as nobody, CPU numbering with holes. For each, it runs

    irqsight --root TREE --json check --no-sample

and checks: no signal and no hang, exit status 0/1/2 (3 only where the case says the
root cannot be used, with a message naming the file, or with a report whose summary is
UNKNOWN because proc/interrupts gave nothing to judge), valid JSON, an unreadable[] entry
naming the bad file where it could not be read or parsed, and that the facts that depend
on it are "unknown"/null rather than a confident "no". The tree is restored after each case.

Usage: badinput.py IRQSIGHT [FILTER]   (prints one line per case, then
"badinput: N passed, N failed")
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fixture  # noqa: E402  (tests/fixture.py)

HOSTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hosts")
LONG = 10 << 20
TIMEOUT = 60

# ---------------------------------------------------------------- mutations


def _data(path):
    with open(path, "rb") as f:
        return f.read()


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def cut_mid_line(data):
    """Cut inside the middle non-empty line, inside a number when the line has one."""
    lines = data.split(b"\n")
    full = [i for i, l in enumerate(lines) if l.strip()]
    mid = full[len(full) // 2] if full else 0
    start = sum(len(l) + 1 for l in lines[:mid])
    line = lines[mid]
    digits = [i for i, c in enumerate(line) if 48 <= c <= 57 and i + 1 < len(line) and 48 <= line[i + 1] <= 57]
    at = digits[len(digits) // 2] + 1 if digits else max(1, (len(line) + 1) // 2)
    return data[: start + at]


def m_empty(p):
    _write(p, b"")


def m_truncated(p):
    _write(p, cut_mid_line(_data(p)))


def m_garbage(p):
    rnd = random.Random(0x1b5)
    _write(p, bytes(rnd.getrandbits(8) for _ in range(65536)))


def m_garbage100k(p):
    """100 KB of random bytes (issue 16: this gave "OK", exit 0)."""
    rnd = random.Random(16)
    _write(p, bytes(rnd.getrandbits(8) for _ in range(100 * 1024)))


def m_nuls(p):
    d = bytearray(_data(p))
    for i in range(6, len(d), 7):
        d[i] = 0
    _write(p, bytes(d))


def m_long(p):
    _write(p, b"9 " * (LONG // 2))


def m_long_inline(p):
    lines = _data(p).split(b"\n")
    lines.insert(min(2, len(lines)), b"x" * LONG)
    _write(p, b"\n".join(lines))


def _remove(p):
    if os.path.islink(p) or not os.path.isdir(p):
        os.remove(p)
    else:
        shutil.rmtree(p)


def m_missing(p):
    _remove(p)


def m_dir(p):
    _remove(p)
    os.mkdir(p)


def m_file(p):
    _remove(p)
    _write(p, b"msix\n")


def m_fifo(p):
    _remove(p)
    os.mkfifo(p)


def m_dangling(p):
    _remove(p)
    os.symlink("does-not-exist", p)


def m_loop(p):
    _remove(p)
    os.symlink(os.path.basename(p), p)


def m_escape(p):
    """An absolute symlink to the same path on this machine: it must not be followed
    out of the snapshot (the report would describe this host)."""
    rel = os.path.relpath(p, CUR_ROOT[0])
    _remove(p)
    os.symlink("/" + rel, p)


def m_mode000(p):
    os.chmod(p, 0)


def m_empty_dir(p):
    shutil.rmtree(p)
    os.mkdir(p)


def m_junk_entries(p):
    """msi_irqs/ with names that are no IRQ numbers and contents that are no modes."""
    shutil.rmtree(p)
    os.mkdir(p)
    for name, body in (("abc", b"msix\n"), ("-5", b"msi\n"), ("99999999999999999999", b"\x00\xff"), ("37", b"bogus\n")):
        _write(os.path.join(p, name), body)


def holes(step):
    """Renumber the header's CPUs 0, step, 2*step, ... (offline CPUs between them)."""

    def m(p):
        d = _data(p)
        nl = d.index(b"\n")
        hdr = d[:nl].decode()
        n = [0]

        def repl(tok):
            if tok.startswith("CPU"):
                v = "CPU%d" % (n[0] * step)
                n[0] += 1
                return v.ljust(len(tok))
            return tok

        out = " ".join(repl(t) if t else t for t in hdr.split(" "))
        _write(p, out.encode() + d[nl:])

    return m


def cut_at(n):
    """Binary files (PCI config): cut after n bytes, inside a capability."""

    def m(p):
        _write(p, _data(p)[:n])

    return m


def _sub(path, old, new, count=1):
    d = _data(path)
    assert old in d, (path, old)
    _write(path, d.replace(old, new, count))


def m_holes_tree(root):
    """The 2-CPU tree with CPU 1 renumbered 5 everywhere (CPUs 1-4 offline)."""
    _sub(os.path.join(root, "proc/interrupts"), b"CPU1 ", b"CPU5 ")
    _sub(os.path.join(root, "proc/softirqs"), b"CPU1 ", b"CPU5 ")
    _sub(os.path.join(root, "proc/stat"), b"\ncpu1 ", b"\ncpu5 ")
    cpu = os.path.join(root, "sys/devices/system/cpu")
    _write(os.path.join(cpu, "online"), b"0,5\n")
    _write(os.path.join(cpu, "present"), b"0,5\n")
    _write(os.path.join(cpu, "possible"), b"0-5\n")
    _write(os.path.join(root, "sys/devices/system/node/node0/cpulist"), b"0,5\n")
    irq = os.path.join(root, "proc/irq")
    for n in os.listdir(irq):
        for f, old, new in (("smp_affinity_list", b"0-1", b"0,5"), ("effective_affinity_list", b"1", b"5")):
            p = os.path.join(irq, n, f)
            if os.path.exists(p) and _data(p).strip() == old:
                _write(p, new + b"\n")


MUT = {
    "empty": m_empty, "truncated": m_truncated, "garbage": m_garbage, "garbage100k": m_garbage100k, "nuls": m_nuls,
    "long": m_long, "long-inline": m_long_inline, "missing": m_missing, "dir": m_dir,
    "file": m_file, "fifo": m_fifo, "dangling": m_dangling, "loop": m_loop,
    "nobody": m_mode000, "empty-dir": m_empty_dir, "junk-entries": m_junk_entries,
    "holes2": holes(2), "holes5": holes(5), "holes-tree": m_holes_tree,
    "cut@0x9e": cut_at(0x9e), "cut@0x46": cut_at(0x46), "escape": m_escape,
}
CUR_ROOT = [None]  # the tree being mutated (m_escape needs the path inside it)

# ---------------------------------------------------------------- checks on the report


def dev(report, bdf):
    return next((d for d in report["devices"] if d["bdf"] == bdf), None)


def irq(report, name):
    return next((q for q in report["irqs"] if q["name"] == name), None)


def expect_caps(bdf, msix="unknown", msi="unknown"):
    def check(r):
        d = dev(r, bdf)
        if not d:
            return "device %s missing from the report" % bdf
        for cap, want in (("msix", msix), ("msi", msi)):
            if d[cap]["capable"] != want:
                return "%s %s.capable is %r, expected %r" % (bdf, cap, d[cap]["capable"], want)
        return None

    return check


def expect_caps_unknown(bdf):
    return expect_caps(bdf)


def expect_irq_mode_not_wrong(bdf, good):
    def check(r):
        d = dev(r, bdf)
        if not d:
            return "device %s missing" % bdf
        if d["irq_mode"] not in good:
            return "%s irq_mode %r, expected one of %s" % (bdf, d["irq_mode"], good)
        return None

    return check


def expect_affinity_unknown(name):
    def check(r):
        q = irq(r, name)
        if q is None:
            return "IRQ %s missing" % name
        if q["smp_affinity"] is not None:
            return "IRQ %s smp_affinity %r, expected null (unknown)" % (name, q["smp_affinity"])
        return None

    return check


def expect_softirqs_unknown(r):
    for c in r["cpus"]["per_cpu"]:
        if c["softirqs"] is not None:
            return "cpu %d softirqs present, expected null" % c["cpu"]
    return None


def expect_ir_unknown(r):
    v = r["platform"]["interrupt_remapping"]
    return None if v == "unknown" else "interrupt_remapping %r, expected unknown" % v


def expect_not_ok(r):
    """/proc/interrupts unusable: the summary is UNKNOWN (exit 3) or a warning/critical
    that still names the unknown, never "ok"; no CPU gets a device-interrupt figure."""
    s = r.get("summary") or {}
    if s.get("status") == "ok" or "proc/interrupts" not in (s.get("unknown_reason") or ""):
        return "summary %r: expected status unknown (or worse) naming proc/interrupts" % (s,)
    for c in r["cpus"]["per_cpu"]:
        if c.get("device_irqs") is not None or c.get("device_irq_share") is not None:
            return "cpu %d device_irqs %r / share %r, expected null" % (
                c["cpu"], c.get("device_irqs"), c.get("device_irq_share"))
    if any(f["id"] == "single-vector" for f in r["findings"]):
        return "single-vector fired without vector counts"
    return None


def expect_vectors(bdf, want):
    def check(r):
        d = dev(r, bdf)
        if not d or d.get("vectors_in_use") != want:
            return "%s vectors_in_use %r, expected %r (msi_irqs/)" % (bdf, d and d.get("vectors_in_use"), want)
        return None

    return check


def expect_isolated_unknown(r):
    v = r["cpus"]["isolated"]
    return None if v is None else "cpus.isolated %r, expected null (unknown)" % v


def expect_online(want, counts_on_listed_cpus=True):
    def check(r):
        v = r["cpus"]["online"]
        if v != want:
            return "cpus.online %r, expected %r" % (v, want)
        ids = {str(c["cpu"]) for c in r["cpus"]["per_cpu"]}
        for q in r["irqs"]:
            bad = set(q["per_cpu"]) - ids
            if bad and counts_on_listed_cpus:
                return "IRQ %s counts on CPUs %s not in per_cpu" % (q["name"], sorted(bad))
        return None

    return check


def expect_cpu5(r):
    """holes-tree: CPU 5 has the counts CPU 1 had (IRQ 38, virtio-blk req.0: 41158 on CPU1)."""
    c5 = next((c for c in r["cpus"]["per_cpu"] if c["cpu"] == 5), None)
    if not c5:
        return "no per_cpu entry for CPU 5"
    if not c5["softirqs"] or c5["softirqs"]["BLOCK"] != 41158:
        return "CPU 5 softirqs %r, expected BLOCK 41158 (CPU1's)" % (c5["softirqs"],)
    if any(c["cpu"] in (1, 2, 3, 4) for c in r["cpus"]["per_cpu"]):
        return "offline CPUs 1-4 listed in per_cpu"
    return None


def expect_nirqs(n):
    """The rows around a bad line are all kept."""

    def check(r):
        return None if len(r["irqs"]) == n else "%d IRQ rows, expected %d" % (len(r["irqs"]), n)

    return check


def expect_not_this_host_cmdline(r):
    live = open("/proc/cmdline").read().strip()
    got = (r.get("platform") or {}).get("cmdline") or ""
    return "the command line of this machine was read through the symlink" if live and got.strip() == live else None


# ---------------------------------------------------------------- the cases

LF = "live-firecracker-virtio-root"
LAB = "lab-6.12-intel-ir"
BIG = "ocp-rt-worker-80cpu-isolcpus-managed-irq"

READ_ERRORS = ["missing", "dir", "fifo", "dangling", "loop", "nobody"]
CONTENT = ["empty", "truncated", "garbage", "nuls", "long", "long-inline"]

# case(): one case per mutation of path in host. unreadable: the unreadable[] path the
# report must list (when need(mutation) says so); checks: more checks on the report (only:
# {check: [mutations]} limits one to some mutations); rc3: mutations whose answer is exit 3.
CASES = []


def case(host, path, muts, unreadable=None, need=None, checks=(), rc3=(), only=None):
    for m in muts:
        CASES.append(dict(host=host, path=path, mut=m, unreadable=unreadable,
                          need=(need(m) if callable(need) else need if need is not None else True),
                          checks=[c for c in checks if only is None or m in only.get(c, [m])],
                          rc3=m in rc3))


# proc/interrupts: the log and command line are there, so an unreadable file is judged
# without IRQs (unknown), never a refusal to run.
case(LF, "proc/interrupts", CONTENT + READ_ERRORS, "proc/interrupts",
     need=lambda m: m not in ("truncated",),
     checks=[expect_ir_unknown, expect_not_ok],
     only={expect_ir_unknown: ["empty", "garbage", "long"] + READ_ERRORS,
           expect_not_ok: ["empty", "garbage", "long", "nuls"] + READ_ERRORS})
# 100 KB of random bytes on the live-shaped tree: UNKNOWN (exit 3), never OK; no device
# figures; no single-vector from "0 vectors" (msi_irqs/ lists three)
case(LF, "proc/interrupts", ["garbage100k"], "proc/interrupts",
     checks=[expect_not_ok, expect_ir_unknown, expect_vectors("0000:00:03.0", 3)])
# a 10 MB line after the header: skipped (noted, above), the 34 rows around it kept
case(LF, "proc/interrupts", ["long-inline"], None, need=False, checks=[expect_nirqs(34)])
# only the header renumbered: it and sysfs disagree (a CPU hotplugged between the reads)
case(LF, "proc/interrupts", ["holes5"], None, need=False, checks=[expect_online("0-1", False)])
case(LF, ".", ["holes-tree"], None, need=False, checks=[expect_online("0,5"), expect_cpu5])
case(LF, "proc/softirqs", CONTENT + READ_ERRORS, "proc/softirqs",
     need=lambda m: m not in ("truncated", "nuls", "long-inline"),
     checks=[expect_softirqs_unknown],
     only={expect_softirqs_unknown: ["empty", "garbage", "long"] + READ_ERRORS})
case(LF, "proc/stat", CONTENT + READ_ERRORS, "proc/stat",
     need=lambda m: m not in ("truncated", "nuls", "long-inline"))
case(LF, "proc/cmdline", CONTENT + READ_ERRORS, "proc/cmdline",
     need=lambda m: m in READ_ERRORS)
CFG = "sys/bus/pci/devices/0000:00:03.0/config"
case(LF, CFG, ["empty", "garbage", "long"] + READ_ERRORS,
     "sys/bus/pci/devices/*/config", checks=[expect_caps_unknown("0000:00:03.0")])
# cut inside the MSI-X capability (0x98-0xa3): MSI-X unknown; the list's end was read, so MSI is "no"
case(LF, CFG, ["cut@0x9e"], "sys/bus/pci/devices/*/config", checks=[expect_caps("0000:00:03.0", "unknown", "no")])
MSI = "sys/bus/pci/devices/0000:00:03.0/msi_irqs"
case(LF, MSI, ["file", "nobody"], "sys/bus/pci/devices/*/msi_irqs",
     checks=[expect_irq_mode_not_wrong("0000:00:03.0", ("msix", "unknown"))])
case(LF, MSI, ["missing", "empty-dir", "junk-entries", "dangling"], None, need=False,
     checks=[expect_irq_mode_not_wrong("0000:00:03.0", ("msix", "unknown"))])
AFF = "proc/irq/37/smp_affinity_list"
case(LF, AFF, ["empty", "truncated", "garbage", "long"] + READ_ERRORS,
     "proc/irq/*/smp_affinity_list", checks=[expect_affinity_unknown("37")])
case(LF, "dmesg", CONTENT + READ_ERRORS, "dmesg",
     need=lambda m: m not in ("truncated", "nuls", "long-inline"))

# A real kernel under QEMU with interrupt remapping (its verdict comes from the log and chips)
case(LAB, "proc/interrupts", ["truncated", "garbage", "long-inline", "holes2"], "proc/interrupts",
     need=lambda m: m == "garbage", checks=[expect_not_ok], only={expect_not_ok: ["garbage"]})
case(LAB, "dmesg", ["empty", "garbage", "long", "missing", "nobody"], "dmesg")
# QEMU NVMe: MSI-X at 0x40 (the first capability); cut inside it, the rest is unread
case(LAB, "sys/bus/pci/devices/0000:00:02.0/config", ["cut@0x46", "garbage", "empty"],
     "sys/bus/pci/devices/*/config", checks=[expect_caps_unknown("0000:00:02.0")])

# 80-CPU bare-metal RT worker (2 sockets, isolcpus): no log but a command line, so an
# unreadable proc/interrupts is judged without IRQs
case(BIG, "proc/interrupts", ["truncated", "garbage", "long-inline", "nuls"], "proc/interrupts",
     need=lambda m: m in ("garbage", "long-inline", "nuls"),
     checks=[expect_not_ok], only={expect_not_ok: ["garbage", "nuls"]})
case(BIG, "proc/interrupts", ["empty", "missing", "dir", "nobody"], "proc/interrupts", checks=[expect_not_ok])
case(BIG, "proc/interrupts", ["holes2"], None, need=False,
     checks=[expect_online(",".join(str(i) for i in range(0, 160, 2)))])
case(BIG, "proc/softirqs", ["garbage", "empty", "missing"], "proc/softirqs", checks=[expect_softirqs_unknown])
case(BIG, "proc/cmdline", ["missing", "dir", "nobody"], "proc/cmdline", checks=[expect_isolated_unknown])
# absolute symlinks in a snapshot resolve inside it (openat2 RESOLVE_IN_ROOT), never to
# this machine's files
case(BIG, "proc/cmdline", ["escape"], "proc/cmdline", checks=[expect_not_this_host_cmdline])
case(BIG, "proc/interrupts", ["escape"], "proc/interrupts", checks=[expect_ir_unknown])
case(BIG, "proc/irq/151/smp_affinity_list", ["garbage", "empty", "missing", "loop"],
     "proc/irq/*/smp_affinity_list", checks=[expect_affinity_unknown("151")])

# 80-CPU 4-socket Westmere-EX with only proc/: without proc/interrupts nothing is left to
# judge, so exit 3 naming the file is the answer
WEX = "westmere-ex-80cpu-megasas-cpu2-no-ir"
case(WEX, "proc/interrupts", ["missing", "dir", "fifo", "loop", "nobody", "dangling"], None, need=False,
     rc3=["missing", "dir", "fifo", "loop", "nobody", "dangling"])
case(WEX, "proc/interrupts", ["empty", "garbage", "long", "long-inline", "truncated", "nuls"], "proc/interrupts",
     need=lambda m: m != "truncated", checks=[expect_not_ok], only={expect_not_ok: ["empty", "garbage", "long", "nuls"]})
case(WEX, "proc/interrupts", ["holes2"], None, need=False,
     checks=[expect_online(",".join(str(i) for i in range(0, 160, 2)))])

# ---------------------------------------------------------------- running


def prepare(host, tmp):
    """A private copy of the host's tree as golden.sh reads it (tests/fixture.py)."""
    dst = os.path.join(tmp, host)
    fixture.copy(os.path.join(HOSTS, host), dst)
    return dst


def as_nobody():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return None
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]


def run(binary, root, nobody):
    if nobody:
        # nobody may not reach the checkout: run a copy from the (0755) temporary directory
        binary = os.path.join(os.path.dirname(root), "irqsight")
    cmd = (as_nobody() if nobody else []) + [binary, "--root", root, "--json", "check", "--no-sample"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out after %d s" % TIMEOUT
    return p.returncode, p.stdout, p.stderr


def judge(c, rc, out, err, root):
    if rc is None:
        return "hang: " + err.decode()
    if rc < 0 or rc >= 128:
        return "killed by signal %d: %s" % (-rc if rc < 0 else rc - 128, err.decode(errors="replace")[:300])
    if b"AddressSanitizer" in err or b"runtime error:" in err:
        return "sanitizer: " + err.decode(errors="replace")[:300]
    r = None
    if rc == 3 and not c["rc3"]:
        # A report whose /proc/interrupts gave nothing to judge and nothing above info
        # otherwise: UNKNOWN (exit 3) with the full report, never OK (issue 16).
        try:
            r = json.loads(out)
        except ValueError:
            return "exit 3 (%s)" % err.decode(errors="replace").strip()[:200]
        s = r.get("summary") or {}
        if s.get("status") != "unknown" or "proc/interrupts" not in (s.get("unknown_reason") or ""):
            return "exit 3 with a report whose summary is %r" % (s,)
    elif rc == 3:
        if c["path"].encode() not in err:
            return "exit 3 without naming %s: %s" % (c["path"], err.decode(errors="replace").strip())
        return None
    elif rc not in (0, 1, 2):
        return "exit status %d" % rc
    if c["rc3"]:
        return "expected exit 3 (root unusable), got %d" % rc
    if r is None:
        try:
            r = json.loads(out)
        except ValueError as e:
            return "invalid JSON: %s" % e
    if c["unreadable"] and c["need"]:
        if not any(u["path"] == c["unreadable"] for u in r.get("unreadable", [])):
            return "no unreadable[] entry for %s (have: %s)" % (
                c["unreadable"], ", ".join("%s: %s" % (u["path"], u["reason"]) for u in r["unreadable"]))
    for chk in c["checks"]:
        msg = chk(r)
        if msg:
            return msg
    return None


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./irqsight")
    filt = sys.argv[2] if len(sys.argv) > 2 else ""
    nobody = as_nobody()
    tmp = tempfile.mkdtemp(prefix="badinput.")
    os.chmod(tmp, 0o755)  # nobody must reach the tree
    shutil.copy2(binary, os.path.join(tmp, "irqsight"))
    os.chmod(os.path.join(tmp, "irqsight"), 0o755)
    passed = failed = skipped = 0
    trees = {}
    try:
        for c in CASES:
            name = "%s %s %s" % (c["host"], c["path"], c["mut"])
            if filt and filt not in name:
                continue
            if c["mut"] == "nobody" and not nobody:
                skipped += 1
                print("skip %s (not root or no setpriv)" % name)
                continue
            if c["host"] not in trees:
                trees[c["host"]] = prepare(c["host"], tmp)
            root = trees[c["host"]]
            target = os.path.normpath(os.path.join(root, c["path"]))
            if c["mut"] != "missing" and not os.path.lexists(target):
                failed += 1
                print("FAIL %s: the fixture has no %s" % (name, c["path"]))
                continue
            saved = os.path.join(tmp, "saved")
            if os.path.lexists(saved):
                _remove(saved)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.copytree(target, saved, symlinks=True)
            else:
                shutil.copy2(target, saved, follow_symlinks=False)
            try:
                CUR_ROOT[0] = root
                MUT[c["mut"]](target)
                rc, out, err = run(binary, root, c["mut"] == "nobody")
                msg = judge(c, rc, out, err, root)
            finally:
                if os.path.lexists(target):
                    if not os.path.islink(target):
                        os.chmod(target, 0o755 if os.path.isdir(target) else 0o644)
                    _remove(target)
                if os.path.isdir(saved) and not os.path.islink(saved):
                    shutil.copytree(saved, target, symlinks=True)
                else:
                    shutil.copy2(saved, target, follow_symlinks=False)
            if msg:
                failed += 1
                print("FAIL %s: %s" % (name, msg))
            else:
                passed += 1
                print("ok   %s (exit %d)" % (name, rc))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if skipped:
        print("badinput: %d case(s) skipped" % skipped)
    print("badinput: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
