#!/usr/bin/env python3
"""Every finding id has its proof and its page, and every page its id.

The ids are read at run time from the rule table (src/rules/table.c and the src/rules/
files it includes: today the one list src/rules/rules.def, whatever form the list takes:
the id is the first string literal of a line that looks like one, "iommu-off"), never
listed here, so a new rule is checked
the day it is added. For each id:

  - a firing fixture: some tests/rules/<id>/fires/<case>/expect with "fires <id>"
    (tests/stages/16-rules.sh proves that expectation against the binary);
  - a quiet fixture: some tests/rules/<id>/quiet/<case>/expect that says the id stays
    away ("absent <id>", "count <id> 0") or, for an id that is always reported (ok),
    that some evidence of it stays away ("noevidence <id> ...");
  - a "## <id>" section in docs/findings.md.
And the other way: a "## <id>" section of docs/findings.md, or a tests/rules/<dir>
other than tools/, whose id is not in the table is documented but never emitted.

Prints one line per problem and ends with "findings: N passed, N failed" (one check per
id and direction). Usage: check_ids.py [REPO_ROOT]
"""
import os
import re
import sys

ID = re.compile(r'^[a-z0-9]+(?:-[a-z0-9]+)+$|^[a-z0-9]+$')
LIT = re.compile(r'"((?:[^"\\]|\\.)*)"')
INC = re.compile(r'^\s*#\s*include\s+"(rules/[^"]+)"')


def table_ids(root):
    """Ids in table order: the first string literal of each code line, when it is an id."""
    seen, ids, todo = set(), [], [os.path.join(root, 'src/rules/table.c')]
    while todo:
        path = todo.pop(0)
        if path in seen or not os.path.isfile(path):
            continue
        seen.add(path)
        in_comment = False
        with open(path, encoding='utf-8') as f:
            for line in f:
                m = INC.match(line)
                if m:
                    todo.append(os.path.join(root, 'src', m.group(1)))
                    continue
                s = line.strip()
                if in_comment:
                    if '*/' in s:
                        in_comment = False
                    continue
                if s.startswith('/*'):
                    in_comment = '*/' not in s
                    continue
                if s.startswith(('//', '*', '#')):
                    continue
                s = re.sub(r'/\*.*?(\*/|$)', '', s).split('//', 1)[0]	# trailing comments
                m = LIT.search(s)
                # an entry: the id is an argument, a comma follows it
                if m and s[m.end():].lstrip().startswith(',') and ID.match(m.group(1)) and \
                        m.group(1) not in ids:
                    ids.append(m.group(1))
    return ids


def expects(root, rid, kind):
    d = os.path.join(root, 'tests/rules', rid, kind)
    out = []
    if os.path.isdir(d):
        for case in sorted(os.listdir(d)):
            p = os.path.join(d, case, 'expect')
            if os.path.isfile(p):
                with open(p, encoding='utf-8') as f:
                    lines = [l.split('#', 1)[0].split() for l in f]
                out.append((case, [l for l in lines if l]))
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../..')
    ids = table_ids(root)
    passed = failed = 0

    def result(ok, msg):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print('FAIL ' + msg)

    # a table that cannot be read must not pass as "nothing to check"
    if len(ids) < 5 or 'ok' not in ids:
        print('FAIL cannot read the finding ids from src/rules/table.c (found: %s)' % ', '.join(ids))
        print('findings: 0 passed, 1 failed')
        return 1

    with open(os.path.join(root, 'docs/findings.md'), encoding='utf-8') as f:
        sections = [m.group(1) for m in re.finditer(r'^## +(\S+)\s*$', f.read(), re.M)]

    for rid in ids:
        fires = [c for c, ls in expects(root, rid, 'fires') if any(l[:2] == ['fires', rid] for l in ls)]
        result(fires, '%s: no firing fixture (tests/rules/%s/fires/<case>/expect with "fires %s")'
               % (rid, rid, rid))
        quiet = [c for c, ls in expects(root, rid, 'quiet')
                 if any(l[:2] == ['absent', rid] or l == ['count', rid, '0'] or
                        l[:2] == ['noevidence', rid] for l in ls)]
        result(quiet, '%s: no quiet fixture (tests/rules/%s/quiet/<case>/expect with "absent %s")'
               % (rid, rid, rid))
        result(rid in sections, '%s: no "## %s" section in docs/findings.md' % (rid, rid))
    for sec in sections:
        if ID.match(sec):
            result(sec in ids, '%s: documented in docs/findings.md but not in the rule table' % sec)
    rdir = os.path.join(root, 'tests/rules')
    for d in sorted(os.listdir(rdir)):
        if os.path.isdir(os.path.join(rdir, d)) and d != 'tools':
            result(d in ids, '%s: tests/rules/%s has fixtures for an id not in the rule table' % (d, d))
    print('findings: %d passed, %d failed (%d ids)' % (passed, failed, len(ids)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
