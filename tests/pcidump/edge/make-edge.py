#!/usr/bin/env python3
"""Writes edge-cases.lspci-x.txt: hand-made devices (aaaa:bbbb, not real hardware) for the
capability-list cases no real dump in ../dumps/ has. tests/stages/17-pcidump.sh compares
them with `lspci -vv` like the real dumps. Run it again after changing a case."""
import os


def dev(bdf, desc, caps, first=0x40, status=0x0010, htype=0, length=256, extra=None):
    c = bytearray(256)
    c[0:4] = bytes([0xaa, 0xaa, 0xbb, 0xbb])        # aaaa:bbbb
    c[4:6] = (0x0406).to_bytes(2, 'little')         # Mem+ BusMaster+ DisINTx+
    c[6:8] = status.to_bytes(2, 'little')
    c[8:12] = bytes([0x01, 0x00, 0x00, 0xff])        # rev 01, class ff00
    c[0x0e] = htype
    if htype == 2:
        c[0x0a:0x0c] = bytes([0x07, 0x06])           # class 0607, CardBus bridge
        c[0x14] = first
    else:
        c[0x34] = first
    c[0x3d] = 1
    for off, cid, nxt, ctl, body in caps:
        c[off] = cid
        c[off + 1] = nxt
        c[off + 2:off + 4] = ctl.to_bytes(2, 'little')
        c[off + 4:off + 4 + len(body)] = body
    for off, val in (extra or {}).items():
        c[off] = val
    lines = ['%s %s' % (bdf, desc)]
    for row in range(0, length, 16):
        lines.append('%02x: %s' % (row, ' '.join('%02x' % b for b in c[row:row + 16])))
    return '\n'.join(lines) + '\n\n'


def PM(off, nxt):
    return (off, 0x01, nxt, 0x0003, b'\x08\x00')


def MSI(off, nxt, ctl):
    return (off, 0x05, nxt, ctl, b'\x00\x00\xe0\xfe')


def MSIX(off, nxt, ctl):
    return (off, 0x11, nxt, ctl, b'\x00\x20\x00\x00\x00\x30\x00\x00')


out = [
    # MSI Enable+ MMC=2 (4 capable) MME=1 (2 enabled); then a second MSI and two MSI-X.
    dev('00:01.0', 'edge: two MSI and two MSI-X capabilities (the first one counts)',
        [MSI(0x40, 0x50, 0x0015), MSI(0x50, 0x60, 0x0000),
         MSIX(0x60, 0x70, 0x8007), MSIX(0x70, 0x00, 0x4000)]),
    dev('00:02.0', 'edge: the list loops back (lspci: <chain looped>)',
        [PM(0x40, 0x50), MSIX(0x50, 0x40, 0xc00f)]),
    dev('00:03.0', 'edge: capability id 0xff ends the list (lspci: <chain broken>)',
        [PM(0x40, 0x50), (0x50, 0xff, 0x60, 0xffff, b''), MSI(0x60, 0x00, 0x0081)]),
    dev('00:04.0', 'edge: a pointer below 0x40 (the kernel stops there, lspci goes on)',
        [PM(0x40, 0x30), MSI(0x80, 0x00, 0x0001)], extra={0x30: 0x00, 0x31: 0x80}),
    dev('00:05.0', 'edge: the list runs past the 128 dumped bytes (MSI seen, MSI-X not)',
        [PM(0x40, 0x50), MSI(0x50, 0xc0, 0x0001), MSIX(0xc0, 0x00, 0x8000)], length=128),
    dev('00:06.0', 'edge: CardBus bridge, capability pointer at 0x14',
        [PM(0x80, 0x90), MSI(0x90, 0x00, 0x0001)], first=0x80, htype=2),
    dev('00:07.0', 'edge: Status Cap- with a pointer and an MSI capability behind it',
        [MSI(0x40, 0x00, 0x0001)], status=0x0000),
    dev('00:08.0', 'edge: Status Cap+ with a 0 pointer (an empty list)', [], first=0x00),
]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, 'edge-cases.lspci-x.txt'), 'w') as f:
    f.write(''.join(out))
