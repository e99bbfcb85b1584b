#!/usr/bin/env python3
"""`irqsight --root UNTRUSTED snapshot OUT` never copies this host's files, nor writes
outside OUT, whatever links UNTRUSTED holds.

    snapshot_links.py IRQSIGHT [FIXTURE]

A copy of a fixture host gets links to files and directories outside it: absolute and
relative (with enough ".." to climb out), at the leaf (proc/interrupts -> /etc/hostname,
the issue's case) and in the directories above what the readers read (proc/irq,
sys/class/net/IF, a PCI device's driver link). Outside files hold a marker. Then:
  * every planted name is one the readers consumed (a clean snapshot of the unplanted
    copy has it), so each link is really walked;
  * no file in OUT holds the marker or the host's /etc/hostname or /etc/os-release where
    a planted link named them (the tree has its own, which the readers use: a copy that
    reopened the path outside the root would take the host's);
  * the outside trees are unchanged (nothing written through a link kept in OUT), and
    `--root OUT check` runs (OUT stays a usable snapshot).
Prints "snapshot-links: N passed, N failed".
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

irqsight = os.path.abspath(sys.argv[1])
fixture = sys.argv[2] if len(sys.argv) > 2 else "tests/hosts/lab-6.12-intel-ir"
passed = failed = 0


def ok(msg):
    global passed
    passed += 1
    print(f"ok - {msg}")


def nok(msg):
    global failed
    failed += 1
    print(f"not ok - {msg}")


def tree_state(top):
    """Every entry under top (links not followed): path -> (kind, content hash / target)."""
    out = {}
    for d, dirs, files in os.walk(top):
        for n in dirs + files:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, top)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", "")
            else:
                with open(p, "rb") as f:
                    out[rel] = ("file", hashlib.sha256(f.read()).hexdigest())
    return out


def files_of(top):
    """Regular files under top (no link followed): rel -> bytes."""
    out = {}
    for d, dirs, files in os.walk(top):
        for n in files:
            p = os.path.join(d, n)
            if not os.path.islink(p) and os.path.isfile(p):
                with open(p, "rb") as f:
                    out[os.path.relpath(p, top)] = f.read()
    return out


def snapshot(root, out):
    r = subprocess.run([irqsight, "--root", root, "snapshot", out], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    return r.returncode, r.stderr.decode(errors="replace")


def host(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


tmp = tempfile.mkdtemp(prefix="snaplinks.")
try:
    src = os.path.join(tmp, "untrusted")
    shutil.copytree(fixture, src, symlinks=True)
    # What the readers consume from the clean copy: the planted names must be among them.
    rc, err = snapshot(src, os.path.join(tmp, "clean"))
    clean = tree_state(os.path.join(tmp, "clean"))
    if rc:
        nok(f"snapshot of the clean copy: exit {rc}: {err.strip()}")

    marker = b"OUTSIDE-THE-ROOT-" + os.urandom(8).hex().encode() + b"\n"
    outside = os.path.join(tmp, "outside")
    os.makedirs(outside)
    with open(os.path.join(outside, "secret"), "wb") as f:
        f.write(marker)
    climb = "../" * 24	# more than any depth in the tree: ".." stops at the root

    def inside(path):
        """Where an absolute path resolves inside the tree (RESOLVE_IN_ROOT)."""
        return os.path.join(src, path.lstrip("/"))

    def decoy(path, data):
        """The same absolute path inside the tree too, so the readers' own (root-safe)
        open succeeds and the snapshot copies the file: a copy that reopened the path
        outside the root would take this host's file instead."""
        os.makedirs(os.path.dirname(inside(path)), exist_ok=True)
        with open(inside(path), "wb") as f:
            f.write(data)

    def mirror(rel, name):
        """outside/name: a copy of src/rel, every file holding the marker; the same
        path inside the tree gets the real copy (a decoy the readers can use)."""
        dst = os.path.join(outside, name)
        shutil.copytree(os.path.join(src, rel), dst, symlinks=True)
        shutil.copytree(os.path.join(src, rel), inside(dst), symlinks=True)
        for d, _, files in os.walk(dst):
            for n in files:
                if os.path.islink(os.path.join(d, n)):
                    continue
                with open(os.path.join(d, n), "wb") as f:
                    f.write(marker)
        return dst

    plants = []	# (rel, target, expected host content or None, what)

    def plant(rel, target, hostfile=None, what=""):
        p = os.path.join(src, rel)
        if not os.path.lexists(p):
            nok(f"fixture has no {rel} to replace")
            return
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.unlink(p)
        os.symlink(target, p)
        plants.append((rel, target, hostfile, what))

    # leaf, absolute, to this host's own files (the case)
    with open(os.path.join(src, "proc/interrupts"), "rb") as f:
        decoy("/etc/hostname", f.read())
    with open(os.path.join(src, "proc/cmdline"), "rb") as f:
        decoy("/etc/os-release", f.read())
    decoy(outside + "/secret", b"inside the root\n")
    plant("proc/interrupts", "/etc/hostname", "/etc/hostname", "leaf, absolute, host file")
    plant("proc/cmdline", "/etc/os-release", "/etc/os-release", "leaf, absolute, host file")
    # leaf, absolute and relative-with-.., to a marker file outside the tree
    plant("proc/softirqs", outside + "/secret", None, "leaf, absolute, outside file")
    plant("proc/stat", climb + outside.lstrip("/") + "/secret", None, "leaf, relative with ..")
    # directories above what the readers read
    plant("proc/irq", mirror("proc/irq", "irq"), None, "directory, absolute")
    net = sorted(os.listdir(os.path.join(src, "sys/class/net")))[0]
    plant(f"sys/class/net/{net}", climb + mirror(f"sys/class/net/{net}", "net").lstrip("/"), None,
          "directory, relative with ..")
    dev = "sys/bus/pci/devices"
    drv = next((f"{dev}/{d}/driver" for d in sorted(os.listdir(os.path.join(src, dev)))
                if os.path.islink(os.path.join(src, dev, d, "driver"))), None)
    if drv:
        os.makedirs(os.path.join(outside, "driver"))
        shutil.copy(os.path.join(outside, "secret"), os.path.join(outside, "driver", "secret"))
        plant(drv, outside + "/driver", None, "link the readers readlink, absolute")
    for rel, _, _, what in plants:
        if rel in clean:
            ok(f"{rel} ({what}) is read by the snapshot")
        else:
            nok(f"{rel} ({what}) is not read by the snapshot: the link would not be walked")

    before = tree_state(outside)
    hosts = {p: host(p) for p in ("/etc/hostname", "/etc/os-release")}
    out = os.path.join(tmp, "out")
    rc, err = snapshot(src, out)
    if rc < 0 or rc > 3:
        nok(f"snapshot with planted links: exit {rc}: {err.strip()}")
    else:
        ok(f"snapshot with planted links: exit {rc}")
    got = files_of(out)
    leaks = sorted(r for r, b in got.items() if marker.strip() in b)
    if leaks:
        nok(f"outside file content copied into OUT: {', '.join(leaks[:5])}")
    else:
        ok(f"no outside content in OUT ({len(got)} files)")
    for rel, target, hostfile, what in plants:
        if not hostfile:
            continue
        h = hosts[hostfile]
        b = got.get(rel)
        if h and b == h:
            nok(f"OUT/{rel} is this host's {hostfile} ({what})")
        elif b != host(inside(hostfile)):
            nok(f"OUT/{rel} is not the tree's own {hostfile} either: {b!r:.80}")
        else:
            ok(f"OUT/{rel} is the tree's own {hostfile}, not this host's")
    after = tree_state(outside)
    if after == before:
        ok("nothing written outside OUT through a link (outside trees unchanged)")
    else:
        diff = sorted(set(after.items()) ^ set(before.items()))
        nok(f"outside trees changed: {diff[:5]}")
    escaped = [p for p in os.listdir(tmp) if p not in ("untrusted", "clean", "outside", "out")]
    if escaped:
        nok(f"entries created next to OUT: {escaped}")
    else:
        ok("nothing created next to OUT")
    r = subprocess.run([irqsight, "--root", out, "--json", "check", "--no-sample"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    if 0 <= r.returncode <= 2:
        ok(f"--root OUT check: exit {r.returncode}")
    else:
        nok(f"--root OUT check: exit {r.returncode}: {r.stderr.decode(errors='replace')[:300]}")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print(f"snapshot-links: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
