#!/usr/bin/env python3
"""No function in src/ is longer than 120 lines, except the parsers' state machines below.

A function runs from its head (the line in column 0 before the `{` in column 0, kernel
style) to the `}` in column 0 that closes it; its length counts both. An entry of ALLOW
names a function that may be longer and why; an entry whose function is gone or has come
under the limit fails, so the list only shrinks.
Prints one line per function over the limit and ends with "funclen: N passed, N failed".
Usage: funclen.py [REPO_ROOT]
"""
import os
import re
import sys

LIMIT = 120
HEAD = re.compile(r'\b([A-Za-z_]\w*)\s*\(')

# 'path:function' -> why it may be longer than LIMIT. Parsers' state machines, and the
# functions of cmd/ and opt/ that their owner is splitting (remove each line with it).
ALLOW = {
    'src/parse/interrupts.c:pi_parse_row':
        'parser: one left-to-right scan of a /proc/interrupts row (name, counts, chip, hwirq, '
        'flow, actions) whose field boundaries depend on each other; the hot path of check and top',
    'src/parse/klog.c:parse_klog':
        'parser: the kernel log line loop (continuation lines, prefixes, boot start, the matcher '
        'table and the per-line state it keeps)',
}


def functions(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    i = 0
    while i < len(lines):
        if lines[i].startswith('{'):
            j = i - 1
            while j >= 0 and (not lines[j] or lines[j][0] in ' \t'):
                j -= 1
            m = HEAD.search(lines[j]) if j >= 0 else None
            k = i + 1
            while k < len(lines) and not lines[k].startswith('}'):
                k += 1
            if m and '=' not in lines[j].split('(')[0]:
                yield m.group(1), j + 1, k - j + 1
            i = k
        i += 1


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../..')
    passed = failed = 0
    seen = set()
    for d, _, fs in sorted(os.walk(os.path.join(root, 'src'))):
        for f in sorted(fs):
            if not f.endswith('.c'):
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, root)
            for name, line, n in functions(path):
                key = '%s:%s' % (rel, name)
                if n <= LIMIT:
                    passed += 1
                elif key in ALLOW:
                    seen.add(key)
                    passed += 1
                else:
                    failed += 1
                    print('FAIL %s:%d: %s is %d lines (limit %d)' % (rel, line, name, n, LIMIT))
    for key in sorted(ALLOW):
        if key not in seen:
            failed += 1
            print('FAIL allow-list entry %s: no such function over %d lines any more: remove it' % (key, LIMIT))
    print('funclen: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
