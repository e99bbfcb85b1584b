#!/usr/bin/env bash
# Live tests of `check` and `snapshot` on this machine (a Linux VM with virtio MSI-X
# devices and no IOMMU), as root and as an unprivileged user.
set -u
cd "$(dirname "$0")/../.."
BIN=${IRQSIGHT:-./irqsight}
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
chmod 755 "$t"

as_user() {
	# Run as an unprivileged user (nobody), without privileges.
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"
}

# The facts the test compares against come straight from sysfs, not from irqsight.
python_check() { # $1 = json file, $2 = "root" | "user"
	python3 - "$1" "$2" <<'PY'
import json, os, sys, glob, subprocess
d = json.load(open(sys.argv[1])); who = sys.argv[2]
fails = []
devs = {x["bdf"]: x for x in d["devices"]}
for path in sorted(glob.glob("/sys/bus/pci/devices/*")):
    bdf = os.path.basename(path)
    m = glob.glob(path + "/msi_irqs/*")
    if not m:
        continue
    mode = open(m[0]).read().strip()
    dj = devs.get(bdf)
    if not dj:
        fails.append(f"{bdf}: missing from devices[]"); continue
    if dj["irq_mode"] != mode:
        fails.append(f"{bdf}: irq_mode {dj['irq_mode']} but sysfs says {mode}")
    if dj["vectors_in_use"] != len(m):
        fails.append(f"{bdf}: vectors_in_use {dj['vectors_in_use']} but msi_irqs has {len(m)}")
    if sorted(dj["irqs"]) != sorted(int(os.path.basename(x)) for x in m):
        fails.append(f"{bdf}: irqs {dj['irqs']} differ from msi_irqs")
    if who == "root":
        # The MSI-X table size agrees with lspci's decoding of the same config space.
        out = subprocess.run(["lspci", "-vv", "-s", bdf], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "MSI-X:" in line:
                cnt = int(line.split("Count=")[1].split()[0])
                en = "Enable+" in line
                if dj["msix"]["table_size"] != cnt or dj["msix"]["enabled"] != en:
                    fails.append(f"{bdf}: msix {dj['msix']} vs lspci '{line.strip()}'")
    else:
        # 64 bytes of config space: capabilities are unknown, never "no".
        if dj["msix"]["capable"] != "unknown":
            fails.append(f"{bdf}: msix.capable is {dj['msix']['capable']} without root")
empty = lambda p: not os.path.isdir(p) or not os.listdir(p)
want = "off" if empty("/sys/class/iommu") and empty("/sys/kernel/iommu_groups") else "on"
if d["platform"]["iommu"] != want:
    fails.append(f"platform.iommu {d['platform']['iommu']}, expected {want}")
ids = [f["id"] for f in d["findings"]]
if want == "off" and "iommu-off" not in ids:
    fails.append("iommu-off finding missing")
if "ok" not in ids:
    fails.append("no ok summary")
for f in fails:
    print("   ", f)
sys.exit(1 if fails else 0)
PY
}

findings_of() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("\n".join(sorted(f["id"]+" "+f["severity"] for f in d["findings"])))' "$1"; }

# 1. root, sampled
"$BIN" --json check --interval 0.5 >"$t/root.json"; rc=$?
if [ "$rc" -le 2 ] && python_check "$t/root.json" root; then ok "check as root: devices, vectors, IOMMU verdict (rc=$rc)"; else bad "check as root (rc=$rc)"; fi

# 2. unprivileged
as_user "$BIN" --json check --interval 0.5 >"$t/user.json"; rc=$?
if [ "$rc" -le 2 ] && python_check "$t/user.json" user; then ok "check as nobody: same devices, capabilities unknown (rc=$rc)"; else bad "check as nobody (rc=$rc)"; fi

# 3. the text report has its sections and fits 80 columns
"$BIN" --color=never check --no-sample >"$t/report.txt"
missing=""
for s in Platform Devices "CPU load" VMs irqbalance Findings Summary; do grep -q "^$s" "$t/report.txt" || missing="$missing $s"; done
wide=$(awk 'length($0) > 80 && !/^    \$ /' "$t/report.txt" | wc -l)
if [ -z "$missing" ] && [ "$wide" -eq 0 ]; then ok "text report: sections present, 80 columns"; else bad "text report: missing [$missing], $wide wide lines"; fi

# 4. snapshot as root, then --root: the same findings as live
"$BIN" --json check --no-sample >"$t/live.json"
"$BIN" snapshot "$t/snap" 2>/dev/null
"$BIN" --root "$t/snap" --json check >"$t/snap.json"
if [ -s "$t/snap.json" ] && diff <(findings_of "$t/live.json") <(findings_of "$t/snap.json") >/dev/null; then
	ok "snapshot (root) then --root: same findings"
else
	bad "snapshot (root) then --root differs:"; diff <(findings_of "$t/live.json") <(findings_of "$t/snap.json")
fi
# platform verdicts and device table identical too
if python3 - "$t/live.json" "$t/snap.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda d: (d["platform"]["iommu"], d["platform"]["interrupt_remapping"], d["platform"]["ir_mode"],
                 [(x["bdf"], x["driver"], x["irq_mode"], x["vectors_in_use"], x["msix"]) for x in d["devices"]])
sys.exit(0 if key(a) == key(b) else 1)
PY
then ok "snapshot (root) then --root: same platform and devices"; else bad "snapshot platform/devices differ"; fi

# 5. snapshot as nobody, analysed by root: still the unprivileged view, same findings
mkdir "$t/usnap" && chown 65534:65534 "$t/usnap"
as_user "$BIN" --json check --no-sample >"$t/ulive.json"
as_user "$BIN" snapshot "$t/usnap" 2>/dev/null
"$BIN" --root "$t/usnap" --json check >"$t/usnap.json"
if diff <(findings_of "$t/ulive.json") <(findings_of "$t/usnap.json") >/dev/null; then
	ok "snapshot (nobody) then --root: same findings"
else
	bad "snapshot (nobody) differs:"; diff <(findings_of "$t/ulive.json") <(findings_of "$t/usnap.json")
fi

# 6. no secrets in a snapshot: no environ or cmdline of any process
if ! find "$t/snap" \( -name environ -o -name cmdline -o -name mem \) -path '*/proc/[0-9]*' | grep -q .; then
	ok "snapshot holds no process environ/cmdline"
else
	bad "snapshot holds process environ/cmdline"
fi

# 7. refusals and errors: exit 3 with a message
"$BIN" snapshot "$t/snap" 2>"$t/err"; rc=$?
if [ "$rc" -eq 3 ] && grep -q "non-empty" "$t/err"; then ok "snapshot refuses a non-empty directory"; else bad "snapshot into non-empty dir: rc=$rc"; fi
"$BIN" --root "$t/nonexistent" check 2>"$t/err"; rc=$?
if [ "$rc" -eq 3 ] && grep -q "cannot open root" "$t/err"; then ok "missing --root: exit 3"; else bad "missing --root: rc=$rc"; fi
mkdir "$t/empty"
"$BIN" --root "$t/empty" check 2>"$t/err"; rc=$?
if [ "$rc" -eq 3 ] && grep -q "proc/interrupts" "$t/err"; then ok "root without proc/interrupts: exit 3"; else bad "empty root: rc=$rc"; fi
"$BIN" check --bogus 2>/dev/null; rc=$?
if [ "$rc" -eq 3 ]; then ok "bad option: exit 3"; else bad "bad option: rc=$rc"; fi

# 8. the static binary runs the same triage
if make -s static >/dev/null 2>&1; then
	./irqsight-static --root "$t/snap" --json check >"$t/static.json"; src=$?
	if file ./irqsight-static | grep -q 'statically linked' && [ "$src" -le 2 ] &&
		diff <(findings_of "$t/snap.json") <(findings_of "$t/static.json") >/dev/null; then
		ok "static binary: statically linked, same findings"
	else
		bad "static binary"
	fi
else
	bad "make static failed"
fi
echo "live: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
