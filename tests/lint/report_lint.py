#!/usr/bin/env python3
"""Lint the text report of every fixture: what an operator reads and pastes must hold.

For every host tree under tests/hosts/*/, tests/rules/<id>/<fires|quiet>/<case>/ and
examples/*/, run `irqsight --root TREE --color=never check --no-sample` and check:

  width        no line is wider than 80 columns (counted in characters, not bytes; the
               header's root path counts as @HOST@, as in the goldens: it is kept whole);
  placeholder  no `$` line carries a placeholder: `<iface>`, `<N>`, or one of the
               upper-case stand-ins PLAN, FILE, N, CPU, CPULIST, DOMAIN, VCPU, IFACE;
  irqsight     every `$ irqsight ...` line runs against its fixture: a fresh copy of the
               tree is the root (`irqsight` becomes `irqsight --root COPY`), and
               /etc/irqsight paths (plans, journals) become a temporary directory; it
               must exit 0, 1 or 2 (2 and 1 are check's verdicts; 3 means "could not run");
  shell        every other `$` line passes `sh -n`, and each command in it starts with a
               known command name (prose such as "enable VT-d in the firmware setup" is
               valid shell syntax but not a command);
  coherence    within a finding: a `see: ID` names a finding that fired in this report,
               a "Note: Or ..." follows a `$` line (an "or" needs something before it),
               no evidence item is printed twice; anywhere: nothing is cut with … inside
               a PCI address (0000:03:00.… is no device).

A `$` line that ends with ` \\` continues on the next line (a wrapped command).

Usage: report_lint.py [--only NAME] [--no-run] [--list] IRQSIGHT
Prints one FAIL line per problem, then "report-lint: N passed, N failed" (one per fixture).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, 'tests'))
import fixture  # noqa: E402

WIDTH = 80

# Commands a fix line may start with. A new fix line with another command adds it here
# (after checking that the command exists on the hosts the line is printed for).
KNOWN = {
    'irqsight', 'echo', 'printf', 'cat', 'grep', 'sed', 'tee', 'for', 'do', 'done',
    'ethtool', 'systemctl', 'update-grub', 'grub2-mkconfig', 'grubby', 'rpm-ostree',
    'proxmox-boot-tool', 'kernelstub', 'bootctl', 'kernel-install', 'update-initramfs',
    'dracut', 'modinfo', 'modprobe', 'lspci', 'dmesg', 'virsh', 'oc', 'reboot',
    'taskset', 'seq', 'sort', 'head', 'tail', 'awk', 'cut', 'tr', 'xargs', 'ls', 'test', 'true', 'readlink',
}

ANGLE = re.compile(r'<[A-Za-z][A-Za-z0-9 _.-]*>')
# upper-case stand-ins, looked for outside quotes ('s/(0|N|n)//' is a sed expression)
UPPER = re.compile(r'(?<![A-Za-z0-9_$/-])(PLAN|FILE|N|CPU|CPULIST|DOMAIN|VCPU|IFACE)(?![A-Za-z0-9_])')


def fixtures(only):
    out = []
    fixture.prepare_all()
    for base in ('tests/hosts', 'examples'):
        d = os.path.join(TOP, base)
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if name != 'tools' and os.path.isdir(p) and fixture.has_tree(p):
                out.append((f'{base}/{name}', p))
    rules = os.path.join(TOP, 'tests', 'rules')
    for rid in sorted(os.listdir(rules)):
        for kind in ('fires', 'quiet'):
            k = os.path.join(rules, rid, kind)
            if not os.path.isdir(k):
                continue
            for case in sorted(os.listdir(k)):
                p = os.path.join(k, case)
                if os.path.isfile(os.path.join(p, 'expect')):
                    out.append((f'tests/rules/{rid}/{kind}/{case}', p))
    return [f for f in out if not only or only in f[0]]


def prepare(src, dst):
    """The tree as golden.sh and the rules runner hand it to irqsight (tests/fixture.py)."""
    fixture.copy(src, dst)


def dollar_lines(text):
    """The `$` lines of a report, wrapped ones joined: (line number, command)."""
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        if s.startswith('$ '):
            n = i + 1
            cmd = s[2:]
            while cmd.endswith(' \\') and i + 1 < len(lines):
                i += 1
                cmd = cmd[:-1] + lines[i].strip()
            yield n, cmd
        i += 1


def command_words(cmd):
    """First word of each simple command (split on ; && || | and shell keywords)."""
    # drop quoted strings and comments first, so their words are not taken for commands
    s = re.sub(r"'[^']*'|\"[^\"]*\"", 'Q', cmd)
    s = re.sub(r'(^|\s)#.*$', '', s)
    words = []
    # a command substitution is a word of its command; its own commands are checked too
    while True:
        m = re.search(r'\$\(([^()]*)\)', s)
        if not m:
            break
        words += command_words(m.group(1))
        s = s[:m.start()] + 'S' + s[m.end():]
    for part in re.split(r'&&|\|\||[;|]', s):
        w = part.split()
        while w and re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*=\S*', w[0]):
            w = w[1:]	# VAR=value before a command
        while w and w[0] in ('do', 'then', 'else', '!'):
            w = w[1:]
        if w:
            words.append(w[0])
    return words


def run_irqsight(binary, tree, cmds, tmp):
    """Run a run of consecutive `$ irqsight` lines, in order, against one fresh copy of
    the tree (a finding's `plan -o FILE`, `apply FILE --yes`, `persist FILE` use what the
    line before wrote). The first that fails: (index, rc, last stderr line); else None."""
    work = tempfile.mkdtemp(dir=tmp)
    root = os.path.join(work, 'root')
    prepare(tree, root)
    etc = os.path.join(work, 'etc-irqsight')
    os.makedirs(etc)
    env = dict(os.environ, IRQSIGHT_BIN=os.path.abspath(binary), IRQSIGHT_ROOT=root,
               IRQSIGHT_WORK=work, IRQSIGHT_STATE_DIR=os.path.join(work, 'state'), LC_ALL='C')
    failed = None
    for k, cmd in enumerate(cmds):
        line = cmd.replace('/etc/irqsight', etc)
        # Nothing of this host is written: journals go to the work directory
        # (IRQSIGHT_STATE_DIR) and persist installs under it (--dest), never into /etc.
        script = ('irqsight() {\n'
                  '  if [ "$1" = persist ]; then shift\n'
                  '    set -- persist --dest "$IRQSIGHT_WORK/dest" "$@"; fi\n'
                  '  "$IRQSIGHT_BIN" --root "$IRQSIGHT_ROOT" "$@"\n'
                  '}\n'
                  f'mkdir -p "$IRQSIGHT_WORK/dest"\ncd "$IRQSIGHT_WORK" || exit 99\n{line}\n')
        try:
            p = subprocess.run(['sh', '-c', script], capture_output=True, text=True,
                               timeout=120, env=env)
            rc, err = p.returncode, (p.stderr or p.stdout).strip().split('\n')[-1][:200]
        except subprocess.TimeoutExpired:
            rc, err = 124, 'timed out'
        if rc not in (0, 1, 2):
            failed = (k, rc, err)
            break
    shutil.rmtree(work, ignore_errors=True)
    return failed


def needs_copy(tree):
    """A rule case holds expect and NOTES, which are not the host's: it runs from a copy.
    A host tree runs from its root as golden.sh gives it (tests/fixture.sh)."""
    return os.path.isfile(os.path.join(tree, 'expect'))


FINDING = re.compile(r'^  (CRITICAL|WARNING|INFO)\s+(\S+)$')
CUT_BDF = re.compile(r'([0-9a-f]{4}:[0-9a-f:.]*)[,)\]]?…')
BDF = re.compile(r'[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]')


def coherence(text):
    """What a reader trips over although every line is valid: see the module docstring."""
    out = []
    lines = text.split('\n')
    fired = {m.group(2) for m in map(FINDING.match, lines) if m}
    blocks = []	# [(id, [(line number, line)])]
    for n, line in enumerate(lines, 1):
        m = FINDING.match(line)
        if m:
            blocks.append((m.group(2), []))
        elif blocks and (line.startswith('    ') or not line):
            blocks[-1][1].append((n, line))
        elif blocks and line.strip():
            blocks.append((None, []))	# a section after the findings
        for c in CUT_BDF.finditer(line):
            if not BDF.fullmatch(c.group(1)):
                out.append(('coherence', f'line {n}: cut inside a PCI address: {c.group(0)}'))
    for fid, body in blocks:
        if fid is None:
            continue
        items, dollar = [], False
        for n, line in body:
            if line.startswith('    - '):
                items.append([n, line[6:]])
            elif line.startswith('        ') and items and not line.startswith('         '):
                items[-1][1] += ' ' + line.strip()
            elif not line.startswith('    -'):
                items and items[-1].append(None)	# the list ended
            if line.startswith('    $ '):
                dollar = True
            if line.startswith('    Note: Or ') and not dollar:
                out.append(('coherence', f'line {n}: {fid}: "Note: Or" with no $ line before it'))
        seen = set()
        for it in items:
            n, val = it[0], it[1]
            if val in seen:
                out.append(('coherence', f'line {n}: {fid}: evidence printed twice: {val[:60]}'))
            seen.add(val)
            m = re.match(r'see: ([a-z0-9-]+)', val)
            if m and m.group(1) not in fired:
                out.append(('coherence', f'line {n}: {fid}: see: {m.group(1)}, which did not fire'))
    return out


def lint(binary, name, tree, tmp, run, report):
    root = os.path.join(tmp, 'root')
    shutil.rmtree(root, ignore_errors=True)
    copied = needs_copy(tree)
    if copied:
        prepare(tree, root)
    else:
        root = fixture.root(tree)
    p = subprocess.run([binary, '--root', root, '--color=never', 'check', '--no-sample'],
                       capture_output=True, timeout=120, env=dict(os.environ, LC_ALL='C'))
    if copied:
        shutil.rmtree(root, ignore_errors=True)
    problems = []
    # exit 3 is UNKNOWN (no usable /proc/interrupts): a report all the same, linted too
    if p.returncode > 3 or not p.stdout.strip():
        problems.append(('run', f'check exited {p.returncode}'))
    # The header names the root as a path of this machine (the goldens write @HOST@):
    # its length is the checkout's, not the report's.
    text = p.stdout.decode('utf-8', errors='replace').replace(os.path.realpath(root), '@HOST@')
    for n, line in enumerate(text.split('\n'), 1):
        if len(line) > WIDTH:
            problems.append(('width', f'line {n}: {len(line)} columns: {line.strip()[:70]}'))
    problems += coherence(text)
    group = []	# consecutive `$ irqsight` lines: (line number, command)

    def flush():
        if group and run:
            failed = run_irqsight(binary, tree, [c for _, c in group], tmp)
            if failed:
                k, rc, err = failed
                n, cmd = group[k]
                problems.append(('irqsight', f'line {n}: exit {rc} ({err}): {cmd[:100]}'))
        group.clear()

    for n, cmd in dollar_lines(text):
        code = re.sub(r'(^|\s)#.*$', '', cmd)
        m = ANGLE.search(code) or UPPER.search(re.sub(r"'[^']*'", "''", code))
        if m:
            problems.append(('placeholder', f'line {n}: {m.group(0)!r} in: {cmd[:100]}'))
        if cmd.startswith('irqsight ') or cmd == 'irqsight':
            group.append((n, cmd))
            continue
        flush()
        sh = subprocess.run(['sh', '-n', '-c', cmd], capture_output=True, text=True)
        if sh.returncode != 0:
            problems.append(('shell', f'line {n}: sh -n: {sh.stderr.strip()[:80]}: {cmd[:100]}'))
            continue
        bad = [w for w in command_words(cmd) if w not in KNOWN]
        if bad:
            problems.append(('shell', f'line {n}: not a known command {bad[0]!r}: {cmd[:100]}'))
    flush()
    for kind, msg in problems:
        report.append((name, kind, msg))
    return not problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--only', default='')
    ap.add_argument('--no-run', action='store_true', help='skip running the $ irqsight lines')
    ap.add_argument('--skip', action='append', default=[],
                    help='report this kind of problem but do not fail on it')
    ap.add_argument('irqsight')
    a = ap.parse_args()
    if not os.access(a.irqsight, os.X_OK):
        print(f"report-lint: cannot run '{a.irqsight}' (run make first)")
        print('report-lint: 0 passed, 1 failed')
        return 1
    passed = failed = 0
    counts = {}
    tmp = tempfile.mkdtemp(prefix='irqsight-lint-')
    try:
        for name, tree in fixtures(a.only):
            report = []
            lint(a.irqsight, name, tree, tmp, not a.no_run, report)
            hard = [r for r in report if r[1] not in a.skip]
            for _, kind, msg in report:
                counts[kind] = counts.get(kind, 0) + 1
                print(f"{'FAIL' if kind not in a.skip else 'note'} {name}: {kind}: {msg}")
            if hard:
                failed += 1
            else:
                passed += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if counts:
        print('report-lint: problems by kind: ' +
              ', '.join(f'{k} {v}' for k, v in sorted(counts.items())))
    print(f'report-lint: {passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
