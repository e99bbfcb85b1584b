#!/usr/bin/env python3
"""Run the Exec lines of a Type=oneshot unit the way systemd does, without systemd.

    run-unit.py UNIT LOG [NAME=VALUE ...] [--drop KEY] [--no-ignore]

What is emulated (systemd.service(5), systemd.exec(5)), and nothing else:
  * Environment= lines in order (later assignments win), then the NAME=VALUE arguments,
    as a drop-in's Environment= would; the process gets only these and PATH;
  * ExecStartPre= then ExecStart= lines in order; a "-" prefix ignores a failure; any other
    prefix (@ : + !) is refused (not emulated);
  * command lines split with systemd's quoting (shlex in POSIX mode is the same for the
    quotes and backslashes used here); "$NAME" as a word of its own and "${NAME}" anywhere
    are substituted; "%%" is "%" and any other % specifier is refused;
  * a command succeeds with exit 0 or an exit status in SuccessExitStatus= (ExecStart=
    only: ExecStartPre= commands are control processes, for which SuccessExitStatus= does
    not apply); the first failure fails the unit and no later command runs;
  * StandardOutput=journal / StandardError=journal: both go to LOG (appended), and
    JOURNAL_STREAM is set to LOG's "<dev>:<inode>" as systemd sets it for the stream.
--drop KEY leaves the unit's KEY= lines out, --no-ignore treats "-" as absent (both for
negative controls: a test must see the difference).

Prints one line per command ("ran RC [ignored] CMD") and then "unit: success" or
"unit: failed (CMD exited RC)"; exits 0 for success, 1 for a failed unit, 3 for a unit
this script cannot emulate.
"""
import os
import re
import shlex
import subprocess
import sys


def die(msg):
    print(f"run-unit: {msg}", file=sys.stderr)
    sys.exit(3)


def parse(path, drop):
    sec, items = None, []
    cont = ""
    for raw in open(path):
        line = raw.rstrip("\n")
        if cont:
            line, cont = cont + line, ""
        if line.endswith("\\"):
            cont = line[:-1] + " "
            continue
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        if s.startswith("[") and s.endswith("]"):
            sec = s[1:-1]
            continue
        if sec != "Service" or "=" not in s:
            continue
        k, v = s.split("=", 1)
        k = k.strip()
        if k not in drop:
            items.append((k, v.strip()))
    return items


def substitute(words, env):
    out = []
    for w in words:
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", w)
        if m:
            out.extend(env.get(m.group(1), "").split())
            continue
        w = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), w)
        out.append(w)
    return out


def specifiers(s):
    if re.search(r"%[^%]", s.replace("%%", "")):
        die(f"a % specifier is not emulated: {s}")
    return s.replace("%%", "%")


def main():
    args = sys.argv[1:]
    drop = set()
    no_ignore = "--no-ignore" in args
    args = [a for a in args if a != "--no-ignore"]
    while "--drop" in args:
        i = args.index("--drop")
        drop.add(args[i + 1])
        del args[i:i + 2]
    if len(args) < 2:
        die("usage: run-unit.py UNIT LOG [NAME=VALUE ...] [--drop KEY]")
    unit, log = args[0], args[1]
    items = parse(unit, drop)
    types = [v for k, v in items if k == "Type"]
    if types != ["oneshot"]:
        die(f"only Type=oneshot is emulated, not {types}")
    for k, v in items:
        if k in ("StandardOutput", "StandardError") and v != "journal":
            die(f"{k}={v} is not emulated")
        if k in ("ExecStartPost", "ExecCondition", "ExecStop", "ExecStopPost", "RemainAfterExit"):
            die(f"{k}= is not emulated")
    env = {}
    for k, v in items:
        if k == "Environment":
            for a in shlex.split(specifiers(v)):
                n, _, val = a.partition("=")
                env[n] = val
    for a in args[2:]:
        n, _, val = a.partition("=")
        env[n] = val
    success = {0}
    for k, v in items:
        if k == "SuccessExitStatus":
            for tok in v.split():
                if not tok.isdigit():
                    die(f"SuccessExitStatus={tok} (signals) is not emulated")
                success.add(int(tok))
    cmds = [(k, v) for k, v in items if k in ("ExecStartPre", "ExecStart")]
    if not any(k == "ExecStart" for k, _ in cmds):
        die("no ExecStart=")
    with open(log, "a") as f:
        st = os.fstat(f.fileno())
        penv = dict(env, PATH=os.environ.get("PATH", "/usr/bin:/bin"),
                    JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        for k, v in cmds:
            ignore = False
            while v and v[0] in "-@:+!":
                if v[0] != "-":
                    die(f"prefix {v[0]!r} in {k}= is not emulated")
                ignore, v = not no_ignore, v[1:]
            argv = substitute(shlex.split(specifiers(v)), env)
            f.flush()
            rc = subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=f, env=penv)
            ok = rc == 0 or (k == "ExecStart" and rc in success)
            print(f"ran {rc}{' ignored' if ignore and not ok else ''} {k}={v}")
            if not ok and not ignore:
                print(f"unit: failed ({k} exited {rc})")
                return 1
    print("unit: success")
    return 0


if __name__ == "__main__":
    sys.exit(main())
