#!/usr/bin/env python3
"""Run irqsight on one rule fixture and check its `expect` file.

A case is a directory holding a host tree (proc/, sys/, dmesg, ...) and an `expect`
file. The tree is copied to a temporary root first, where the directories listed in
`.empty-dirs` (one path a line: git stores no empty directory, and an empty
sys/class/iommu means "no IOMMU") are made; `expect`, `NOTES` and `.empty-dirs` never
reach the analysed root. The convention of tests/hosts (tests/README.md).

expect lines ('#' starts a comment):
  fires ID [SEVERITY]      a finding ID exists (with that severity, if given)
  absent ID                no finding ID
  count ID N               exactly N findings ID
  evidence ID TEXT         some evidence value (or "key: value") of a finding ID contains TEXT
  noevidence ID TEXT       no evidence of any finding ID contains TEXT
  exit N                   exit status of `check`
  PATH VALUE               JSON value at PATH equals VALUE; PATH is dotted keys,
                           [N] list index or [key=value] list selection,
                           e.g. platform.iommu off, devices[bdf=0000:01:00.0].irq_mode msi.
                           VALUE null/true/false/numbers compare as JSON values.

Prints one line: "ok   CASE" or "FAIL CASE" followed by one indented line per failed
expectation. Exit status 0 when every expectation holds.
Usage: check_case.py IRQSIGHT CASE_DIR [NAME]
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
import fixture  # noqa: E402  (tests/fixture.py)


def prepare(case, root):
    """A copy of the case's tree (tests/fixture.py): its .empty-dirs made, its notes left out."""
    fixture.copy(case, root)


def walk(doc, path):
    for m in re.finditer(r'([^.\[\]]+)|\[([^\]]*)\]', path):
        key, sel = m.group(1), m.group(2)
        if key is not None:
            if not isinstance(doc, dict) or key not in doc:
                raise KeyError(f"no key '{key}'")
            doc = doc[key]
        elif re.fullmatch(r'-?\d+', sel):
            doc = doc[int(sel)]
        else:
            k, _, v = sel.partition('=')
            hits = [x for x in doc if isinstance(x, dict) and str(x.get(k)) == v]
            if not hits:
                raise KeyError(f"no element with {k}={v}")
            doc = hits[0]
    return doc


def same(actual, want):
    if actual is None:
        return want == 'null'
    if isinstance(actual, bool):
        return want == ('true' if actual else 'false')
    if isinstance(actual, (int, float)):
        try:
            return abs(float(want) - actual) < 1e-9
        except ValueError:
            return False
    if isinstance(actual, str):
        return actual == want
    return json.dumps(actual, sort_keys=True) == want


def ev_texts(f):
    for e in f.get('evidence') or []:
        yield f"{e.get('key')}: {e.get('value')}"


def check(line, rc, doc):
    """Returns None when the expectation holds, else why not."""
    words = line.split()
    verb = words[0]
    finds = doc.get('findings', []) if doc else []

    def of(fid):
        return [f for f in finds if f.get('id') == fid]

    if verb == 'exit':
        return None if rc == int(words[1]) else f"exit status {rc}"
    if doc is None:
        return "no JSON report"
    if verb == 'fires':
        hits = of(words[1])
        if not hits:
            return f"not found; findings: {', '.join(f['id'] + '/' + f['severity'] for f in finds)}"
        if len(words) > 2 and not any(f['severity'] == words[2] for f in hits):
            return f"severity {', '.join(f['severity'] for f in hits)}"
        return None
    if verb == 'absent':
        hits = of(words[1])
        return None if not hits else f"fired: {hits[0].get('title')}"
    if verb == 'count':
        n = len(of(words[1]))
        return None if n == int(words[2]) else f"{n} found"
    if verb in ('evidence', 'noevidence'):
        text = line.split(None, 2)[2]
        found = any(text in t for f in of(words[1]) for t in ev_texts(f))
        if verb == 'evidence' and not found:
            return "no such evidence; have: " + ' | '.join(t for f in of(words[1]) for t in ev_texts(f))
        if verb == 'noevidence' and found:
            return "evidence present"
        return None
    if verb in ('says', 'nosays'):
        # the finding's sentences (title, meaning, decision): what it asserts
        text = line.split(None, 2)[2]
        said = [f.get(k) or '' for f in of(words[1]) for k in ('title', 'meaning', 'decision')]
        found = any(text in t for t in said)
        if verb == 'says' and not found:
            return "not said; have: " + ' | '.join(said)
        if verb == 'nosays' and found:
            return "said"
        return None
    path, _, want = line.partition(' ')
    want = want.strip()
    try:
        actual = walk(doc, path)
    except (KeyError, IndexError, TypeError) as e:
        return f"path: {e}"
    return None if same(actual, want) else f"is {json.dumps(actual)}"


def main():
    irqsight, case = sys.argv[1], sys.argv[2].rstrip('/')
    name = sys.argv[3] if len(sys.argv) > 3 else case
    with open(os.path.join(case, 'expect')) as f:
        lines = [l.split('#', 1)[0].strip() for l in f]
    lines = [l for l in lines if l]
    tmp = tempfile.mkdtemp(prefix='irqsight-rule-')
    try:
        root = os.path.join(tmp, 'root')
        prepare(case, root)
        p = subprocess.run([irqsight, '--root', root, '--json', 'check', '--no-sample'],
                           capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = None
    fails = []
    if not lines:
        fails.append(('expect', 'is empty'))
    for l in lines:
        try:
            why = check(l, p.returncode, doc)
        except (IndexError, ValueError) as e:
            why = f"bad expect line ({e})"
        if why:
            fails.append((l, why))
    if fails:
        print(f"FAIL {name}")
        for l, why in fails:
            print(f"     {l}: {why}")
        if doc is None and p.stderr:
            print(f"     stderr: {p.stderr.strip()[:300]}")
        return 1
    print(f"ok   {name}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
