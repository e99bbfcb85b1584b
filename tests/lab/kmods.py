#!/usr/bin/env python3
"""Module load order for the lab guest, from the kernel's own modules.dep.

usage: kmods.py MODDIR MODULE...

MODDIR is an extracted lib/modules/<version> on which depmod has run. Prints one
path (relative to MODDIR) per line, dependencies first, in an order that plain
`insmod` can follow (the guest has no modprobe database). Modules built into the
kernel (modules.builtin) are left out. "softdep X pre: Y" lines of modules.softdep
and crypto algorithms that a library module asks for at init time are followed too:
crc-t10dif and crc64-rocksoft (nvme-core's helpers on 6.1) request their crypto
drivers with request_module(), which a bare initramfs cannot answer, so the generic
drivers are loaded before them.
"""
import os
import re
import sys

# Crypto drivers that a helper library asks for at init (lib/crc-t10dif.c,
# lib/crc64-rocksoft.c); loaded before the library when they are modules.
INIT_REQUESTS = {
    "crc_t10dif": ["crct10dif_generic"],
    "crc64_rocksoft": ["crc64_rocksoft_generic"],
}


def modname(path):
    base = os.path.basename(path)
    base = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", base)
    return base.replace("-", "_")


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: kmods.py MODDIR MODULE...")
    moddir = sys.argv[1]
    deps = {}   # name -> (path, [dep names])
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[modname(path)] = (path, [modname(p) for p in rest.split()])
    builtin = set()
    try:
        with open(os.path.join(moddir, "modules.builtin")) as f:
            builtin = {modname(l.strip()) for l in f if l.strip()}
    except FileNotFoundError:
        pass
    aliases = {}
    try:
        with open(os.path.join(moddir, "modules.alias")) as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and p[0] == "alias":
                    aliases.setdefault(p[1].replace("-", "_"), []).append(p[2])
    except FileNotFoundError:
        pass
    softpre = {}
    try:
        with open(os.path.join(moddir, "modules.softdep")) as f:
            for line in f:
                m = re.match(r"softdep\s+(\S+)\s+pre:\s*(.*?)(\s+post:.*)?$", line.strip())
                if m:
                    softpre.setdefault(m.group(1).replace("-", "_"), []).extend(m.group(2).split())
    except FileNotFoundError:
        pass

    def resolve(name):
        """A module name or an alias -> the module names to load (generic drivers only)."""
        name = name.replace("-", "_")
        if name in deps or name in builtin:
            return [name]
        cands = aliases.get(name, [])
        generic = [c for c in cands if c.endswith("_generic")]
        return generic or []

    order = []
    seen = set()

    def visit(name, stack=()):
        if name in seen or name in builtin:
            return
        if name not in deps:
            sys.exit("kmods: module '%s' is neither in modules.dep nor built in" % name)
        if name in stack:
            sys.exit("kmods: dependency loop at '%s'" % name)
        seen.add(name)
        path, hard = deps[name]
        pre = []
        for s in softpre.get(name, []) + INIT_REQUESTS.get(name, []):
            pre.extend(resolve(s))
        # modules.dep lists the deepest dependencies last (modprobe loads from the end)
        for d in pre + list(reversed(hard)):
            visit(d, stack + (name,))
        order.append(path)

    for top in sys.argv[2:]:
        top = top.replace("-", "_")
        if top in builtin:
            continue
        visit(top)
    for p in order:
        print(p)


if __name__ == "__main__":
    main()
