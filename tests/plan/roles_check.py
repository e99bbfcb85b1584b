#!/usr/bin/env python3
"""Plan safety and fix lines over one fixture root (tests/stages/72-roles.sh).

usage: roles_check.py IRQSIGHT ROOT TMPDIR

For the root:
 1. the reserved CPUs, from `--json check`: every CPU whose cpus.per_cpu[] entry is
    isolated, nohz_full or has a "vm" role;
 2. `plan` (no flags): exit 0 with no planned CPU (irq/default-affinity/rps lines) among
    them, or exit 3 saying "give --vm-cpus LIST";
 3. `plan --vm-cpus X` (X: one unreserved CPU, when two are left): X is kept free too,
    and the kernel's reservations still hold;
 4. `plan --housekeeping H` with H naming a reserved CPU: the table and the plan file
    carry the warning line, and every target is inside H;
 5. the table of 2. fits 80 columns;
 6. every `irqsight ...` fix line of the report runs as printed against the root (plan
    written to a temp file, apply as a dry run, persist into a temp prefix), and none has
    a placeholder.
Prints one "ok ..." / "FAIL ..." line per check; exit status 1 when any failed.
"""
import json
import os
import re
import shlex
import subprocess
import sys

BIN, ROOT, TMP = sys.argv[1], sys.argv[2], sys.argv[3]
NAME = ROOT
fails = 0


def report(ok, what, detail=""):
    global fails
    if ok:
        print(f"ok   {NAME}: {what}")
    else:
        fails += 1
        print(f"FAIL {NAME}: {what}{': ' + detail if detail else ''}")


def cpus_of(text):
    out = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-")
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(part))
    return out


def listing(s):
    """0-4,11-79: the kernel's list form."""
    out, run_ = [], []
    for c in sorted(s):
        if run_ and c == run_[-1] + 1:
            run_.append(c)
            continue
        if run_:
            out.append(f"{run_[0]}-{run_[-1]}" if len(run_) > 1 else str(run_[0]))
        run_ = [c]
    if run_:
        out.append(f"{run_[0]}-{run_[-1]}" if len(run_) > 1 else str(run_[0]))
    return ",".join(out)


def run(args):
    p = subprocess.run([BIN, "--root", ROOT] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def targets(plan_path):
    """CPU -> where the plan puts interrupts (irq, default-affinity, rps lines)."""
    out = {}
    with open(plan_path) as f:
        for line in f:
            m = None
            if line.startswith("irq ") or line.startswith("rps "):
                m = re.search(r"\bcpus=(\S+)", line)
            elif line.startswith("default-affinity "):
                m = re.match(r"default-affinity (\S+)", line)
            if m:
                for c in cpus_of(m.group(1)):
                    out.setdefault(c, line.split()[0] + " " + " ".join(line.split()[1:4]))
    return out


rc, out, err = run(["--json", "check", "--no-sample"])
try:
    report_json = json.loads(out)
except ValueError:
    report(rc == 3, "check --json gives no report only when it cannot run", f"exit {rc}")
    sys.exit(1 if fails else 0)
per_cpu = (report_json.get("cpus") or {}).get("per_cpu") or []
reserved = set()
online = set()
for c in per_cpu:
    online.add(c["cpu"])
    if c.get("isolated") or c.get("nohz_full") or any(r.get("role") == "vm" for r in c.get("roles", [])):
        reserved.add(c["cpu"])
hk_free = sorted(online - reserved)

plan = os.path.join(TMP, "plan")
rc, out, err = run(["plan", "-o", plan])
long_lines = [l for l in out.splitlines() if len(l) > 80 and plan not in l]	# the user's path may be long
report(not long_lines, "plan's table fits 80 columns", long_lines[0] if long_lines else "")
if rc == 0:
    bad = {c: w for c, w in targets(plan).items() if c in reserved}
    report(not bad, f"plan targets no reserved CPU ({listing(reserved) or 'none'})",
           "; ".join(f"CPU {c} by {w}" for c, w in sorted(bad.items())[:5]))
else:
    # nothing reserved: ask; no CPU known at all (a kernel log alone): say so
    why = "give --vm-cpus LIST" if per_cpu else "cannot tell which CPUs are online"
    report(rc == 3 and why in err, f"plan exits 3: {why}", f"exit {rc}: {err.strip()}")

if len(hk_free) >= 2:
    x = hk_free[-1]
    rc, out, err = run(["plan", "--vm-cpus", str(x), "-o", plan])
    ok = rc == 0
    bad = {}
    if ok:
        bad = {c: w for c, w in targets(plan).items() if c in reserved or c == x}
    report(ok and not bad, f"plan --vm-cpus {x} adds to the reservations",
           f"exit {rc}: {err.strip()}" if not ok else "; ".join(f"CPU {c} by {w}" for c, w in sorted(bad.items())[:5]))

if reserved and online:
    r0 = min(reserved & online) if reserved & online else None
    if r0 is not None:
        hk = {r0} | ({hk_free[0]} if hk_free else set())
        rc, out, err = run(["plan", "--housekeeping", listing(hk), "-o", plan])
        warned = "warning: --housekeeping names CPU(s)" in out
        in_file = rc == 0 and "# warning: --housekeeping names CPU(s)" in open(plan).read()
        outside = {c for c in targets(plan) if c not in hk} if rc == 0 else set()
        report(rc == 0 and warned and in_file and not outside,
               f"plan --housekeeping {listing(hk)} (reserved CPU {r0}) warns and stays inside",
               f"exit {rc}, warned {warned}, in file {in_file}, outside {listing(outside)}: {err.strip()}")

# 6. The irqsight fix lines, in order per finding, as a shell would run them.
for f in report_json.get("findings", []):
    lines = [x for x in f.get("fix") or [] if x.startswith("irqsight ")]
    if not lines:
        continue
    work = os.path.join(TMP, "fix-" + f["id"])
    os.makedirs(work, exist_ok=True)
    for line in lines:
        bad_ph = re.search(r"<[^>]*>|\bPLAN\b|\bLIST\b", line.split("#")[0])
        report(not bad_ph, f"{f['id']}: no placeholder in '{line}'")
        cmd = line.split("#")[0]
        # each command of a "a && b" line in turn: the root for plan/apply, temp paths
        ok = True
        detail = ""
        for part in cmd.split(" && "):
            w = shlex.split(part)
            if not w or w[0] != "irqsight":
                continue
            w = [os.path.join(work, "plan") if x == "/etc/irqsight/plan" else x for x in w]
            sub = w[1]
            if sub == "apply":
                # a dry run (never write into the fixture), JSON to tell what a snapshot
                # lacks (proc/irq/default_smp_affinity, ...: exit 1, "missing") from a failure
                w = [BIN, "--root", ROOT, "--json"] + [x for x in w[1:] if x != "--yes"]
            elif sub == "plan":
                w = [BIN, "--root", ROOT] + w[1:]
            elif sub == "persist":
                os.makedirs(os.path.join(work, "dest"), exist_ok=True)
                w = [BIN, "persist", "--dest", os.path.join(work, "dest"), "--binary", "/usr/sbin/irqsight"] + w[2:]
            else:
                w = [BIN, "--root", ROOT] + w[1:]
            p = subprocess.run(w, capture_output=True, text=True)
            rc = p.returncode
            if sub == "apply" and rc == 1:
                try:
                    s = json.loads(p.stdout)["summary"]
                    rc = 0 if s["failed"] == 0 and s["missing"] > 0 else 1
                except (ValueError, KeyError):
                    pass
            if rc != 0:
                ok = False
                detail = f"'{' '.join(w)}' exit {p.returncode}: {(p.stderr or p.stdout).strip()[-300:]}"
                break
        report(ok, f"{f['id']}: '{line}' runs", detail)

sys.exit(1 if fails else 0)
