#!/usr/bin/env python3
"""Convert a PCI config-space hex dump into the binary `config` file sysfs shows.

Input: the `lspci -x`/`-xxx`/`-xxxx` layout ("00: 86 80 ..." — offset, colon, bytes),
as lspci prints it or a datasheet gives it; '#' lines are comments. The tool to write a
fixture's binary config (tests/README.md: fixtures store it binary, the case's NOTES say
where the bytes come from).
Offsets must be contiguous from 0: the output is exactly the bytes listed, so a
64-byte dump gives a 64-byte file (what a non-root reader of sysfs gets).

Usage: hex2bin.py IN.hex OUT
"""
import sys


def convert(text):
    out = bytearray()
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        off, sep, rest = line.partition(':')
        if not sep:
            raise ValueError(f"line {n}: no 'offset:'")
        if int(off, 16) != len(out):
            raise ValueError(f"line {n}: offset {off} but {len(out):#x} bytes so far")
        out += bytes(int(b, 16) for b in rest.split())
    return bytes(out)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: hex2bin.py IN.hex OUT")
    with open(sys.argv[1]) as f:
        data = convert(f.read())
    with open(sys.argv[2], 'wb') as f:
        f.write(data)


if __name__ == '__main__':
    main()
