#!/usr/bin/env python3
"""The include graph of src/ has no arrow up the layers and no loop between files.

Layers, lowest first (an arrow may only point down or stay in its folder):

    util < source < parse < sample < model < act < rules < render < cmd < main

util also holds src/version.h; main is src/main.c. This is the order the code keeps, not
a wish: model/build_sample.c builds the model's rates from sample/ readings (sample sits
under model), and rules check through act/plan.h that the plan their fix lines print can be
made (act sits under rules; act itself reads only the model). src/opt/ may include any
core header; no core file includes anything under src/opt/.

Loops: a file-level graph of the .c files, A -> B when A includes a header declaring a
function that B defines and A calls it. Any cycle (a strongly connected set of more than
one file) fails: host.c calling build_irqs.c, which calls back into host.c, is one.

Known exceptions live in ALLOW below, each with its reason and owner; an entry that no
longer matches anything fails too, so the list only shrinks.
Prints one line per problem and ends with "imports: N passed, N failed".
Usage: imports.py [REPO_ROOT]
"""
import os
import re
import sys

ORDER = ['util', 'source', 'parse', 'sample', 'model', 'act', 'rules', 'render', 'cmd', 'main']

# (from file, to include) -> why it is allowed for now. Keep it empty where possible.
ALLOW = {
}

INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DEF_HEAD = re.compile(r'^[A-Za-z_][^;{}]*?\b([A-Za-z_]\w*)\s*\(', re.M)
DECL = re.compile(r'^(?!static\b)(?!#)(?!typedef\b)[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\(', re.M)


def layer(rel):
    """rel: path under src/."""
    parts = rel.split('/')
    if len(parts) == 1:
        return 'main' if rel == 'main.c' else 'util'
    return parts[0]


def strip_comments(s):
    s = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), s, flags=re.S)
    return re.sub(r'//[^\n]*', '', s)


def definitions(text):
    """Names of the non-static functions a .c file defines (kernel style: `{` in column 0)."""
    names = set()
    lines = text.split('\n')
    for i, l in enumerate(lines):
        if l.startswith('{'):
            j = i - 1
            while j >= 0 and (not lines[j] or lines[j][0] in ' \t'):
                j -= 1
            if j >= 0 and not lines[j].startswith('static'):
                m = DEF_HEAD.match(lines[j])
                if m:
                    names.add(m.group(1))
    return names


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../..')
    src = os.path.join(root, 'src')
    files = {}
    for d, _, fs in os.walk(src):
        for f in fs:
            if f.endswith(('.c', '.h', '.def', '.inc')):
                rel = os.path.relpath(os.path.join(d, f), src)
                with open(os.path.join(d, f), encoding='utf-8', errors='replace') as fh:
                    files[rel] = strip_comments(fh.read())
    passed = failed = 0
    used = set()

    def result(ok, msg):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print('FAIL ' + msg)

    # 1. layers
    incs = {}
    for rel, text in sorted(files.items()):
        incs[rel] = []
        for inc in INC.findall(text):
            tgt = inc if inc in files else os.path.normpath(os.path.join(os.path.dirname(rel), inc))
            if tgt not in files:
                continue	# a system or generated header
            incs[rel].append(tgt)
            a, b = layer(rel), layer(tgt)
            if a == 'opt':
                continue
            key = ('src/' + rel, inc)
            if key in ALLOW:
                used.add(key)
                continue
            if b == 'opt':
                result(False, 'src/%s includes %s: the core never includes src/opt/' % (rel, inc))
            elif ORDER.index(b) > ORDER.index(a):
                result(False, 'src/%s includes %s: %s is above %s (%s)' % (rel, inc, b, a, ' < '.join(ORDER)))
            else:
                result(True, '')
    for key, why in sorted(ALLOW.items()):
        result(key in used, 'allow-list entry %s -> %s matches nothing any more: remove it (%s)'
               % (key[0], key[1], why))

    # 2. loops between .c files
    defs = {rel: definitions(t) for rel, t in files.items() if rel.endswith('.c')}
    decls = {}
    for rel, t in files.items():
        if rel.endswith('.h'):
            decls[rel] = set(DECL.findall(t))
    definer = {}
    for rel, names in defs.items():
        for n in names:
            definer.setdefault(n, set()).add(rel)

    def reach_headers(rel, seen):
        for h in incs.get(rel, []):
            if h not in seen:
                seen.add(h)
                reach_headers(h, seen)
        return seen

    edges = {rel: set() for rel in defs}
    for rel in defs:
        body = files[rel]
        words = set(re.findall(r'\b[A-Za-z_]\w*\b', body))
        for h in reach_headers(rel, set()):
            for name in decls.get(h, set()) & words:
                for other in definer.get(name, ()):
                    if other != rel:
                        edges[rel].add(other)
    # Tarjan's strongly connected components
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            strong(v)
    for comp in comps:
        if len(comp) > 1:
            comp = sorted(comp)
            pairs = ['src/%s -> src/%s' % (a, b) for a in comp for b in sorted(edges[a]) if b in comp]
            result(False, 'a loop between %d files: %s' % (len(comp), '; '.join(pairs)))
        else:
            result(True, '')
    print('imports: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
