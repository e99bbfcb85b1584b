#!/usr/bin/env python3
"""Compare irqsight's MSI/MSI-X decoder with pciutils' `lspci -vv` on lspci -x dumps.

usage: compare.py DECODER DUMP...

For every device of every dump, two views are compared:
  full  the dump as it is (256 or 4096 bytes per device);
  64B   the same device cut to its first 64 bytes, which is what the kernel gives a reader
        without CAP_SYS_ADMIN (drivers/pci/pci-sysfs.c).
Each view is given to `lspci -D -n -vv -F` and to DECODER (tests/pcidump/decode.c, which
runs src/parse/pci_config.c); a device passes when both views agree.

What "agree" means, per capability (MSI 0x05, MSI-X 0x11):
- lspci lists the capabilities in list order. The kernel's pci_find_capability() stops at a
  pointer below 0x40 (lspci follows it) and returns the FIRST matching capability, so the
  expected answer comes from the first MSI (MSI-X) entry before any entry at an offset
  below 0x40.
- That entry exists: we must say present, at the same offset, with the same Enable and
  Count (MSI: Count=enabled/capable; MSI-X: Count=table size, and Masked).
- lspci printed "<access denied>" before such an entry (the list runs past the readable
  bytes), or "<access denied to the rest>" (a CardBus header cut short): we must say
  unknown, never absent.
- Otherwise the walk ended (0 pointer, Status Cap-, <chain broken>, <chain looped>, or a
  pointer below 0x40): we must say absent, not unknown.
Prints one line per mismatch and the result line "pcidump: N passed, N failed".
"""
import os
import re
import subprocess
import sys
import tempfile

DEV_RE = re.compile(r'^([0-9a-f]{4,5}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ')
DUMP_DEV_RE = re.compile(r'^([0-9a-fA-F]{4,5}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7] ')
HEX_RE = re.compile(r'^([0-9a-fA-F]{2,8}): ')
CAP_RE = re.compile(r'^\tCapabilities: \[([0-9a-f]{2})\] (.*)$')
MSI_RE = re.compile(r'^MSI: Enable([+-]) Count=(\d+)/(\d+) Maskable([+-]) 64bit([+-])')
MSIX_RE = re.compile(r'^MSI-X: Enable([+-]) Count=(\d+) Masked([+-])')


def lspci_view(path):
    """{bdf: [device dict]} from lspci -vv; a list per bdf in case a dump repeats one."""
    env = dict(os.environ, LC_ALL='C')
    p = subprocess.run(['lspci', '-D', '-n', '-vv', '-F', path], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError('lspci -F %s: exit %d: %s' % (path, p.returncode, p.stderr.strip()))
    devs = {}
    cur = None
    for line in p.stdout.splitlines():
        m = DEV_RE.match(line)
        if m:
            cur = {'caps': [], 'denied': False, 'ended': None}
            devs.setdefault(m.group(1), []).append(cur)
            continue
        if cur is None:
            continue
        # "Capabilities: <access denied>": the list runs past the readable bytes;
        # "<access denied to the rest>": a CardBus header cut at 64 bytes (lspci then
        # shows no capabilities at all).
        if line in ('\tCapabilities: <access denied>', '\t<access denied to the rest>'):
            cur['denied'] = True
            continue
        if not line.startswith('\tCapabilities: '):
            continue
        m = CAP_RE.match(line)
        if not m:
            continue	# extended capabilities: "[100 v1] ..."
        off, text = int(m.group(1), 16), m.group(2)
        if text.startswith('<chain '):
            cur['ended'] = text
            continue
        mm, mx = MSI_RE.match(text), MSIX_RE.match(text)
        cap = {'off': off, 'kind': 'msi' if mm else 'msix' if mx else 'other'}
        if mm:
            cap.update(enable=mm.group(1), count='%s/%s' % (mm.group(2), mm.group(3)))
        if mx:
            cap.update(enable=mx.group(1), count=mx.group(2), masked=mx.group(3))
        cur['caps'].append(cap)
    return devs


def our_view(decoder, path):
    p = subprocess.run([decoder, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError('%s %s: exit %d: %s' % (decoder, path, p.returncode,
                                                   p.stderr.strip()))
    devs = {}
    for line in p.stdout.splitlines():
        bdf, *kv = line.split()
        devs.setdefault(bdf, []).append(dict(x.split('=', 1) for x in kv))
    return devs


def expected(ldev, kind):
    """What the kernel would find, from lspci's walk: (state, cap or None)."""
    for cap in ldev['caps']:
        if cap['off'] < 0x40:
            return 'no', None	# the kernel's walk stops here; lspci goes on
        if cap['kind'] == kind:
            return 'yes', cap
    return ('unknown' if ldev['denied'] else 'no'), None


def compare_dev(ldev, odev):
    """List of mismatch strings (empty: agree)."""
    bad = []
    if 'header' in odev:
        return ['our decoder could not read the header (len=%s)' % odev.get('len')]
    for kind, name in (('msi', 'MSI'), ('msix', 'MSI-X')):
        state, cap = expected(ldev, kind)
        ours = odev.get(kind)
        if ours != state:
            what = ('present at [%02x] Enable%s Count=%s' % (cap['off'], cap['enable'],
                                                             cap['count'])
                    if cap else 'access denied' if state == 'unknown' else 'absent')
            bad.append('%s: lspci %s, ours %s' % (name, what, ours))
            continue
        if state != 'yes':
            continue
        want = {'offset': '%02x' % cap['off'], 'enable': cap['enable'], 'count': cap['count']}
        if kind == 'msix':
            want['masked'] = cap['masked']
        for k, v in want.items():
            got = odev.get('%s_%s' % (kind, k))
            if got != v:
                bad.append('%s %s: lspci %s, ours %s' % (name, k, v, got))
    return bad


def cut_to_64(src, dst):
    """Write src with only config bytes 0x00-0x3f of each device (as unprivileged sysfs)."""
    out = []
    with open(src) as f:
        for line in f:
            m = HEX_RE.match(line)
            if m and not DUMP_DEV_RE.match(line):
                start = int(m.group(1), 16)
                if start >= 0x40:
                    continue
                n = 0x40 - start
                rest = line[m.end():].split()
                if len(rest) > n:
                    line = '%s: %s\n' % (m.group(1), ' '.join(rest[:n]))
            out.append(line)
    with open(dst, 'w') as f:
        f.writelines(out)


def main():
    decoder, dumps = sys.argv[1], sys.argv[2:]
    passed = failed = 0
    stats = {'msi': 0, 'msix': 0, 'denied64': 0}
    per_dir = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in dumps:
            name = os.path.basename(path)
            short = os.path.join(tmp, name)
            cut_to_64(path, short)
            views = []
            try:
                for label, p in (('full', path), ('64B', short)):
                    views.append((label, lspci_view(p), our_view(decoder, p)))
            except RuntimeError as e:
                print('FAIL %s: %s' % (name, e))
                failed += 1
                continue
            n = per_dir.setdefault(os.path.dirname(path) or '.', [0, 0])
            n[0] += 1
            order = list(views[0][1])
            for bdf in views[0][2]:
                if bdf not in order:
                    order.append(bdf)
            n[1] += len(order)
            for bdf in order:
                msgs = []
                for label, lv, ov in views:
                    ls, os_ = lv.get(bdf, []), ov.get(bdf, [])
                    if len(ls) != len(os_):
                        msgs.append('%s: lspci shows it %d time(s), our decoder %d' %
                                    (label, len(ls), len(os_)))
                        continue
                    for ld, od in zip(ls, os_):
                        msgs += ['%s: %s' % (label, m) for m in compare_dev(ld, od)]
                        if label == 'full':
                            stats['msi'] += od.get('msi') == 'yes'
                            stats['msix'] += od.get('msix') == 'yes'
                        elif ld['denied']:
                            stats['denied64'] += 1
                if msgs:
                    failed += 1
                    for m in msgs:
                        print('FAIL %s %s %s' % (name, bdf, m))
                else:
                    passed += 1
    for d, n in sorted(per_dir.items()):
        print('pcidump: %s: %d devices in %d files' % (d, n[1], n[0]))
    print('pcidump: MSI present on %d, MSI-X on %d; %d unknown when cut to 64 bytes' %
          (stats['msi'], stats['msix'], stats['denied64']))
    print('pcidump: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
