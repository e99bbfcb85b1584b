#!/usr/bin/env python3
"""The golden view of `irqsight --json check` and the shape check of the whole output.

A host's expected.json is not the whole dump (1 MB on the 112-CPU master, mostly the
per-IRQ table) but what the golden test is about:

  - the sections a verdict rests on, whole: schema, tool, host, platform, cpus (without
    its per_cpu table), vms, vm_threads, irqbalance, findings, unreadable, summary;
  - the size of the three big tables ("len(irqs)", "len(devices)", "len(cpus.per_cpu)");
  - every object a finding points at (its "device", "irq", "cpu"), under a key that says
    where it is: "devices[bdf=0000:3b:00.0]", "irqs[irq=41]", "cpus.per_cpu[cpu=7]";
  - what the fixture's expected.paths adds, one selector a line ('#' starts a comment), in
    the syntax of the rule cases' expect files: "irqs[name=LOC]", "cpus.per_cpu[cpu=3].roles",
    "devices[bdf=0000:00:03.0].msix".

Numbers keep the tool's own spelling ("0.000"), so the view differs from the output only by
what it leaves out.

Everything left out is still checked for shape: every key path of the output (arrays as
[], CPU-keyed maps as *) must be in tests/hosts/check-shape.txt with one of its types, and
a key marked there as always present must be in every object of its parent. The shape file
is written from all the fixtures by `UPDATE=1 tests/golden.sh` (review it like a golden).

usage: golden_view.py check OUTPUT.json SHAPE [PATHS]   view on stdout, shape errors on
                                                         stderr (exit 1)
       golden_view.py shape [--merge OLD] OUTPUT.json... > SHAPE
                                                         the shape file of these outputs
                                                         (with OLD's types kept)
       golden_view.py cover SHAPE OUTPUT.json...        every path of SHAPE occurs in one
"""
import json
import re
import sys

MARK = '\ufdd0num:'  # a noncharacter: never in the tool's output
WHOLE = ['schema', 'tool', 'host', 'platform', 'cpus', 'vms', 'vm_threads', 'irqbalance',
         'findings', 'unreadable', 'summary']
TABLES = [('irqs', 'irqs'), ('devices', 'devices'), ('cpus.per_cpu', 'cpus', 'per_cpu')]
POINTS = [('device', 'devices', 'bdf'), ('irq', 'irqs', 'irq'), ('cpu', 'cpus.per_cpu', 'cpu')]


def load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f, parse_float=lambda s: MARK + s)


def dump(doc):
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    return re.sub('"' + MARK + r'([-+0-9.eE]+)"', r'\1', text) + '\n'


def walk(doc, path):
    """A selector: keys joined by '.', a list element by [key=value] or [N]."""
    for part in re.findall(r'[^.\[\]]+|\[[^\]]*\]', path):
        if not part.startswith('['):
            doc = doc[part]
            continue
        sel = part[1:-1]
        if sel.isdigit():
            doc = doc[int(sel)]
            continue
        k, _, v = sel.partition('=')
        hits = [x for x in doc if isinstance(x, dict) and str(x.get(k)) == v]
        if not hits:
            raise KeyError(f'no element with {k}={v}')
        doc = hits[0]
    return doc


def selectors(paths_file):
    if not paths_file:
        return []
    out = []
    with open(paths_file, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                out.append(line)
    return out


def view(doc, extra):
    out = {}
    for k in WHOLE:
        if k not in doc:
            continue
        v = doc[k]
        if k == 'cpus' and isinstance(v, dict):
            v = {ck: cv for ck, cv in v.items() if ck != 'per_cpu'}
        out[k] = v
    for name, *keys in TABLES:
        t = doc
        for key in keys:
            t = t.get(key) if isinstance(t, dict) else None
        if isinstance(t, list):
            out[f'len({name})'] = len(t)
    for f in doc.get('findings') or []:
        for field, table, key in POINTS:
            val = f.get(field)
            if val is None:
                continue
            sel = f'{table}[{key}={val}]'
            try:
                out.setdefault(sel, walk(doc, sel))
            except (KeyError, IndexError, TypeError):
                out.setdefault(sel, None)  # a finding that points at nothing: shown so
    for sel in extra:
        try:
            out[sel] = walk(doc, sel)
        except (KeyError, IndexError, TypeError) as e:
            out[sel] = f'(absent: {e})'
    return out


def kind(v):
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'bool'
    if isinstance(v, int) or (isinstance(v, str) and v.startswith(MARK)):
        return 'number'
    if isinstance(v, str):
        return 'string'
    if isinstance(v, list):
        return 'array'
    return 'object'


def is_map(d):
    """A map keyed by CPU id ({"0": n, "7": n}): its keys are data, not schema."""
    return bool(d) and all(k.isdigit() for k in d)


def paths(doc, at='', types=None, parents=None):
    """types: path -> set of kinds; parents: object path -> [set of keys of each instance]."""
    if types is None:
        types, parents = {}, {}
    types.setdefault(at or '.', set()).add(kind(doc))
    if isinstance(doc, dict):
        if is_map(doc):
            for v in doc.values():
                paths(v, f'{at}.*', types, parents)
        else:
            parents.setdefault(at or '.', []).append(set(doc))
            for k, v in doc.items():
                paths(v, f'{at}.{k}' if at else k, types, parents)
    elif isinstance(doc, list):
        for v in doc:
            paths(v, f'{at}[]', types, parents)
    return types, parents


def read_shape(path):
    shape = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].split()
            if line:
                shape[line[0]] = (set(line[1].split('|')), len(line) > 2 and line[2] == 'always')
    return shape


def check_shape(doc, shape):
    errs = []
    types, parents = paths(doc)
    for p, ks in sorted(types.items()):
        if p not in shape:
            errs.append(f'{p}: not in the shape file ({"|".join(sorted(ks))})')
        elif not ks <= shape[p][0]:
            errs.append(f'{p}: {"|".join(sorted(ks - shape[p][0]))}, the shape file says {"|".join(sorted(shape[p][0]))}')
    for p, (_, always) in shape.items():
        if not always:
            continue
        parent, key = (p.rsplit('.', 1) if '.' in p else ('.', p))
        for keys in parents.get(parent, []):
            if key not in keys:
                errs.append(f'{p}: missing from an object of {parent}')
                break
    return errs


def write_shape(docs, old=None):
    """The shape of docs; with old (a shape file), its types are kept too: a type written
    there by hand (a key null on no fixture yet) survives a re-bless."""
    types, parents = {}, {}
    for d in docs:
        paths(d, '', types, parents)
    for p, (ks, _) in (old or {}).items():
        if p in types:
            types[p] |= ks
    lines = ['# The shape of `irqsight --json check` over every fixture host (docs/json.md):',
             '# PATH TYPES [always]. Arrays are [], maps keyed by CPU id are *; "always": in',
             '# every object of its parent. Written by UPDATE=1 tests/golden.sh; review it.']
    for p in sorted(types):
        parent, key = (p.rsplit('.', 1) if '.' in p else ('.', p))
        always = p != '.' and key != '*' and not key.endswith('[]') and parent in parents \
            and all(key in ks for ks in parents[parent])
        lines.append(f'{p} {"|".join(sorted(types[p]))}' + (' always' if always else ''))
    return '\n'.join(lines) + '\n'


def main(argv):
    if len(argv) >= 4 and argv[1] == 'check':
        doc = load(argv[2])
        errs = check_shape(doc, read_shape(argv[3]))
        sys.stdout.write(dump(view(doc, selectors(argv[4] if len(argv) > 4 else None))))
        for e in errs:
            print(f'shape: {e}', file=sys.stderr)
        return 1 if errs else 0
    if len(argv) >= 3 and argv[1] == 'shape':
        old = None
        if argv[2] == '--merge' and len(argv) >= 4:
            old, argv = read_shape(argv[3]), argv[2:]
        sys.stdout.write(write_shape((load(p) for p in argv[2:]), old))
        return 0
    if len(argv) >= 4 and argv[1] == 'cover':
        shape = read_shape(argv[2])
        seen = {}
        for p in argv[3:]:
            paths(load(p), '', seen, {})
        missing = [p for p in shape if p not in seen]
        for p in missing:
            print(f'shape: {p} is in the shape file but in no fixture\'s output', file=sys.stderr)
        return 1 if missing else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
