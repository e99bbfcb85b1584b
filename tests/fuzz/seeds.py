#!/usr/bin/env python3
"""Build a seed corpus for one fuzz harness from the real data already in the repository.

Usage: seeds.py NAME MAX_LEN OUTDIR

Copies the files the parser NAME reads in production (fixture hosts under tests/hosts,
tests/rules, tests/fleet/hosts and examples; tests/unit/data (the parser unit tests'
captures in tests/unit/data/parse/KIND/ included); tests/plan; saved
baselines) and the inputs in tests/fuzz/regressions/NAME/ into OUTDIR,
each cut to MAX_LEN bytes at a line boundary (binary PCI config space: cut anywhere),
named by content hash so that duplicates collapse. Nothing here is committed: the
corpus is rebuilt on every run of tests/stages/14-fuzz.sh.
"""
import glob
import hashlib
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'rules', 'tools'))
import hex2bin  # noqa: E402

# Host trees: every fixture root in the repository.
TREES = ['tests/hosts/*', 'tests/rules/*/*/*', 'tests/fleet/hosts/*', 'examples/*']
MAX_SEEDS = 300

# Log lines about what klog.c recognises, gathered into extra seeds (a boot log's
# first MAX_LEN bytes rarely reach the IOMMU lines).
KLOG_LINES = re.compile(rb'DMAR|AMD-Vi|x2apic|IOMMU|iommu|remapping|Command line|nobody cared|'
                        rb'Disabling IRQ|vector|Falling back|falling back|AVIC|Hypervisor|'
                        rb'Linux version|Unknown kernel command line')

JOURNAL = b'''irqsight-journal 1
started time=2025-01-01T00:00:00.000000Z pid=42 command=apply root=/ plan=/etc/irqsight/plan
set path=proc/irq/41/smp_affinity_list old=0-1 new=0 what="irq 41 virtio3-rx"
set path=proc/irq/default_smp_affinity old=ffffffff,ffffffff new=1 what="default \\"affinity\\""
done time=2025-01-01T00:00:01.000000Z written=2 failed=0
rollback time=2025-01-01T00:00:02.000000Z restored=2 failed=0
'''


def unit(kind):
    """tests/unit/data/parse/KIND/*: the parser unit tests' real captures."""
    return repo(f'tests/unit/data/parse/{kind}/*')


def lspci_x(data):
    """Config spaces of an `lspci -x/-xxx/-xxxx` dump ("00: 86 80 ..." after each device line)."""
    out, cur = [], bytearray()
    for line in data.decode(errors='replace').splitlines():
        m = re.match(r'^([0-9a-f]{2,3}): ((?:[0-9a-f]{2} ?){1,16})$', line.strip())
        if m:
            cur += bytes.fromhex(m.group(2))
        elif cur:
            out.append(bytes(cur))
            cur = bytearray()
    if cur:
        out.append(bytes(cur))
    return out


def files(*patterns):
    out = []
    for pat in patterns:
        for tree in TREES:
            out += glob.glob(os.path.join(ROOT, tree, pat))
    return sorted(p for p in set(out) if os.path.isfile(p))


def repo(*patterns):
    return sorted(p for pat in patterns for p in glob.glob(os.path.join(ROOT, pat)) if os.path.isfile(p))


def read(path):
    with open(path, 'rb') as f:
        data = f.read()
    if path.endswith('.hex'):
        data = hex2bin.convert(data.decode())
    return data


def cut_lines(data, n):
    """The first n bytes, ending at a line boundary when there is one."""
    if len(data) <= n:
        return data
    head = data[:n]
    nl = head.rfind(b'\n')
    return head[:nl + 1] if nl > 0 else head


def head_and_tail(data, n):
    """The first line (a header) and as many of the last lines as fit."""
    lines = data.splitlines(keepends=True)
    if len(data) <= n or len(lines) < 3:
        return None
    out = [lines[0]]
    size = len(lines[0])
    tail = []
    for line in reversed(lines[1:]):
        if size + len(line) > n:
            break
        tail.append(line)
        size += len(line)
    return b''.join(out + tail[::-1])


def seeds(name, n):
    text = lambda paths: [cut_lines(read(p), n) for p in paths]  # noqa: E731
    if name == 'interrupts':
        paths = files('proc/interrupts') + repo('tests/unit/data/sample/x86-*') + unit('interrupts')
        out = text(paths)
        out += [s for s in (head_and_tail(read(p), n) for p in paths) if s]
        return out
    if name == 'softirqs':
        return text(files('proc/softirqs') + repo('tests/unit/data/sample/softirqs-*') + unit('softirqs'))
    if name == 'stat':
        return text(files('proc/stat') + repo('tests/unit/data/sample/stat-*') + unit('stat'))
    if name == 'cmdline':
        out = text(files('proc/cmdline') + unit('cmdline'))
        for p in files('dmesg'):
            out += [m.group(1) + b'\n' for m in re.finditer(rb'[Cc]ommand line: ([^\n]*)', read(p))]
        return [s[:n] for s in out]
    if name == 'klog':
        out = []
        for p in files('dmesg') + unit('dmesg'):
            data = read(p)
            out.append(cut_lines(data, n))
            picked = b''.join(l for l in data.splitlines(keepends=True) if KLOG_LINES.search(l))
            if picked:
                out.append(cut_lines(picked, n))
        return out
    if name == 'pci_config':
        out = [read(p)[:n] for p in files('sys/bus/pci/devices/*/config', 'sys/bus/pci/devices/*/config.hex')]
        out += [read(p)[:n] for p in unit('pci-config')]
        return out + [c[:n] for p in unit('pcidumps') for c in lspci_x(read(p))]
    if name == 'task':
        return text(files('proc/[0-9]*/stat', 'proc/[0-9]*/status',
                          'proc/[0-9]*/task/[0-9]*/stat', 'proc/[0-9]*/task/[0-9]*/status') + unit('task'))
    if name == 'envfile':
        return text(files('etc/default/irqbalance', 'etc/sysconfig/irqbalance') + unit('envfile'))
    if name == 'planfile':
        return text(repo('tests/plan/*.plan')) + [JOURNAL]
    if name == 'keepstate':
        return text(repo('tests/rules/keep-contested/*/*/var/lib/irqsight/keep.state'))
    if name == 'journal':
        return [JOURNAL]
    if name == 'rollback':
        # The set lines alone: the harness supplies the header naming its scratch tree.
        return [b''.join(l for l in JOURNAL.splitlines(keepends=True) if l.startswith(b'set ')), JOURNAL]
    if name == 'baseline':
        return text(repo('tests/fleet/baselines/*.baseline'))
    if name == 'cpuset':
        return [read(p)[:n] for p in files(
            'proc/irq/*/smp_affinity_list', 'proc/irq/*/effective_affinity_list',
            'proc/irq/*/smp_affinity', 'proc/irq/*/effective_affinity', 'proc/irq/default_smp_affinity',
            'sys/devices/system/cpu/online', 'sys/devices/system/cpu/possible',
            'sys/devices/system/cpu/isolated', 'sys/devices/system/cpu/nohz_full',
            'sys/devices/system/node/node*/cpulist', 'sys/bus/pci/devices/*/local_cpulist',
            'sys/bus/pci/devices/*/local_cpus')]
    if name == 'html':
        # what report --from reads: check JSON of the fixtures, saved latency files
        return [read(p)[:n] for p in repo('tests/report/*.json', 'tests/hosts/*/expected.json')]
    raise SystemExit(f'seeds.py: no seeds known for {name!r}')


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    name, n, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(outdir, exist_ok=True)
    seen = set()
    # Inputs that once found a bug are good places to start from too.
    found = [read(p)[:n] for p in repo(f'tests/fuzz/regressions/{name}/*')]
    for data in seeds(name, n) + found:
        h = hashlib.sha1(data).hexdigest()[:16]
        if not data or h in seen:
            continue
        seen.add(h)
        with open(os.path.join(outdir, h), 'wb') as f:
            f.write(data)
        if len(seen) >= MAX_SEEDS:
            break
    print(len(seen))


if __name__ == '__main__':
    main()
