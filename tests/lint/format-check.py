#!/usr/bin/env python3
"""House style on changed lines only: clang-format (.clang-format) on the lines of C files
that differ from a base revision, so untouched code, written before the style file, never
fails the check.

    tests/lint/format-check.py [--base REV] [--fix] [FILE...]

The base is --base, else $LINT_BASE, else the merge base of HEAD with origin/main (or
main) when HEAD is ahead of it, else HEAD~1 (on main itself, as in CI, the newest commit's
own lines); with none of them (a tarball) nothing is checked. FILEs
limit the check to those paths; the working tree is compared, so uncommitted edits count.
One difference is not reported: the tab the code puts before a trailing comment, which
clang-format cannot write (it is house style; clang-format's single space is accepted too).
--fix rewrites the changed lines in place instead of reporting them.
Prints the lines clang-format would write differently and "format: N passed, N failed"
(one per file).
"""
import difflib
import os
import re
import shutil
import subprocess
import sys


def git(*args):
    r = subprocess.run(['git', *args], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def find_base(arg):
    if arg:
        return arg
    if os.environ.get('LINT_BASE'):
        return os.environ['LINT_BASE']
    head = (git('rev-parse', 'HEAD') or '').strip()
    for ref in ('origin/main', 'main'):
        mb = git('merge-base', 'HEAD', ref)
        if mb and mb.strip() != head:
            return mb.strip()
    # HEAD is main itself (CI's fresh clone): check the lines of the newest commit, so the
    # stage still checks something there.
    parent = git('rev-parse', '--verify', '-q', 'HEAD~1')
    return parent.strip() if parent else None


def changed_ranges(base, path):
    out = git('diff', '-U0', '--no-color', base, '--', path) or ''
    ranges = []
    for m in re.finditer(r'^@@ -\S+ \+(\d+)(?:,(\d+))? @@', out, re.M):
        start, n = int(m.group(1)), int(m.group(2) or 1)
        if n:
            ranges.append((start, start + n - 1))
    return ranges


def norm(line):
    return re.sub(r'(\S)[ \t]+(/\*|//)', r'\1 \2', line)


def main():
    args = sys.argv[1:]
    base = fix = None
    files = []
    while args:
        a = args.pop(0)
        if a == '--base' and args:
            base = args.pop(0)
        elif a == '--fix':
            fix = True
        else:
            files.append(os.path.normpath(a))
    os.chdir(git('rev-parse', '--show-toplevel').strip())
    clang_format = shutil.which('clang-format')
    if not clang_format:
        print('FAIL clang-format is not installed (sudo tests/setup-deps.sh: tests/deps/core.txt)')
        print('format: 0 passed, 1 failed')
        return 1
    base = find_base(base)
    if not base:
        print('format: 0 passed, 0 failed (no base revision to compare with: nothing changed)')
        return 0
    names = (git('diff', '--name-only', '--diff-filter=AM', base, '--', '*.c', '*.h') or '').split()
    untracked = (git('ls-files', '--others', '--exclude-standard', '--', '*.c', '*.h') or '').split()
    names = sorted(set(names + untracked))
    if files:
        names = [n for n in names if n in files]
    passed = failed = 0
    for path in names:
        if not os.path.isfile(path):
            continue
        tracked = path not in untracked
        ranges = changed_ranges(base, path) if tracked else [(1, 1 << 30)]
        if not ranges:
            continue
        with open(path, encoding='utf-8') as f:
            text = f.read()
        cmd = [clang_format, '--style=file', '--assume-filename=' + path]
        cmd += ['--lines=%d:%d' % r for r in ranges]
        r = subprocess.run(cmd, input=text, capture_output=True, text=True)
        if r.returncode != 0:
            print('FAIL %s: clang-format: %s' % (path, r.stderr.strip()))
            failed += 1
            continue
        old, new = text.splitlines(), r.stdout.splitlines()
        bad, fixed = [], []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if tag == 'equal' or [norm(x) for x in old[i1:i2]] == [norm(x) for x in new[j1:j2]]:
                fixed += old[i1:i2]	# what clang-format would only respace stays as written
                continue
            bad.append((i1 + 1, old[i1:i2], new[j1:j2]))
            fixed += new[j1:j2]
        if not bad:
            passed += 1
            continue
        if fix:
            with open(path, 'w', encoding='utf-8') as f:
                f.write('\n'.join(fixed) + ('\n' if text.endswith('\n') else ''))
            print('fixed %s (%d places)' % (path, len(bad)))
            passed += 1
            continue
        failed += 1
        print('FAIL %s: %d place(s) not in house style (tests/lint/format-check.py --fix %s)' % (path, len(bad), path))
        for line, was, want in bad[:10]:
            print('  line %d:' % line)
            for x in was:
                print('    - ' + x)
            for x in want:
                print('    + ' + x)
    print('format: %d passed, %d failed (changed lines since %s)' % (passed, failed, base[:12]))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
