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
# 9. sampled check under real disk interrupts: O_DIRECT reads make virtio-blk (or whatever
# holds /) interrupt on the CPU its effective_affinity_list names; as root the tracepoint
# recorder measures the handler's time there, and the hotspot evidence carries it.
rootdev=$(findmnt -n -o SOURCE / 2>/dev/null)
disk=$(lsblk -no PKNAME "$rootdev" 2>/dev/null | head -n1)
[ -n "$disk" ] || disk=$(basename "$rootdev")
# the disk's Linux IRQs: its PCI function's msi_irqs (virtio: the parent of virtioN)
pcidir=$(readlink -f "/sys/block/$disk/device" 2>/dev/null)
while [ -n "$pcidir" ] && [ "$pcidir" != / ] && [ ! -d "$pcidir/msi_irqs" ]; do pcidir=$(dirname "$pcidir"); done
dirqs=""
if [ -d "$pcidir/msi_irqs" ]; then
	for n in $(ls "$pcidir/msi_irqs"); do
		# request/IO queues only, not the config vector
		if grep -Eq "^ *$n:.*(req|q[0-9]|queue)" /proc/interrupts && ! grep -Eq "^ *$n:.*config" /proc/interrupts; then
			dirqs="$dirqs $n"
		fi
	done
fi
tracefs_mounts() { awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "tracefs") print $5; break } }' /proc/self/mountinfo | sort | tr '\n' ' '; }
tracefs_before=$(tracefs_mounts)
load_pid=""
start_load() {
	# the block device itself when it may be opened, else a file on the root filesystem
	if dd if="/dev/$disk" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null; then
		src="/dev/$disk"
	else
		src="$t/direct.dat"
		[ -s "$src" ] || dd if=/dev/urandom of="$src" bs=1M count=64 conv=fsync 2>/dev/null
	fi
	( while :; do dd if="$src" of=/dev/null bs=4k count=16384 iflag=direct 2>/dev/null; done ) &
	load_pid=$!
	sleep 0.5
}
stop_load() {
	[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
	load_pid=""
}
trap 'stop_load; rm -rf "$t"' EXIT
if [ -z "$dirqs" ]; then
	bad "no MSI request IRQ found for the root disk '$disk' ($pcidir)"
else
	start_load
	"$BIN" --json check --interval 2 >"$t/traced.json"; rc=$?
	"$BIN" --json check --interval 2 --no-trace >"$t/notrace.json"; rc2=$?
	"$BIN" check --prometheus --interval 1 --no-trace >"$t/notrace.prom"
	as_user "$BIN" --json check --interval 1 >"$t/usersample.json"; rc3=$?
	stop_load
	if python3 - "$t/traced.json" "$dirqs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); irqs = [int(x) for x in sys.argv[2].split()]
fails = []
h = d["host"]
if h.get("time_source") != "tracepoints":
    fails.append(f"time_source {h.get('time_source')}: {h.get('time_note')}")
if not h.get("trace") or h["trace"]["events"] <= 0:
    fails.append(f"trace {h.get('trace')}")
rows = {q["name"]: q for q in d["irqs"]}
cpus = {c["cpu"]: c for c in d["cpus"]["per_cpu"]}
busiest = None
for n in irqs:
    eff = open(f"/proc/irq/{n}/effective_affinity_list").read().strip()
    q = rows.get(str(n))
    if not q:
        fails.append(f"IRQ {n} missing"); continue
    if "-" in eff or "," in eff:
        continue    # several CPUs: no single one to check
    cpu = int(eff)
    rate = q["rate"] or 0
    tp = (q.get("time_pct") or {}).get(str(cpu), 0)
    print(f"    IRQ {n} {q['actions']}: {rate:.0f}/s, {tp}% of CPU {cpu} (effective_affinity_list {eff})")
    if rate < 100:
        continue    # this queue was idle
    if tp <= 0:
        fails.append(f"IRQ {n}: no tracepoint time on CPU {cpu}: {q.get('time_pct')}")
    c = cpus[cpu]
    if not (c["irq_pct"] and c["irq_pct"] > 0 and c["irq_pct_source"] == "tracepoints"):
        fails.append(f"CPU {cpu}: irq_pct {c['irq_pct']} from {c['irq_pct_source']}")
    others = [k for k, v in (q.get("time_pct") or {}).items() if k != str(cpu) and v > 0.05 * tp]
    if others:
        fails.append(f"IRQ {n}: time on CPUs {others} besides {cpu}")
    if not busiest or rate > busiest[1]:
        busiest = (n, rate, cpu)
if not busiest:
    fails.append("no disk IRQ moved under O_DIRECT reads")
else:
    n, rate, cpu = busiest
    hs = [f for f in d["findings"] if f["id"] == "irq-hotspot"]
    if len(irqs) == 1 and not hs:
        fails.append(f"no irq-hotspot although IRQ {n} takes {rate:.0f}/s on CPU {cpu}")
    for f in hs:
        ev = {e["key"]: e["value"] for e in f["evidence"]}
        print("    irq-hotspot:", ev.get("tracepoints"))
        if f["cpu"] != cpu:
            fails.append(f"irq-hotspot on CPU {f['cpu']}, expected {cpu}")
        if f"IRQ {n} " not in ev.get("tracepoints", "") or not ev.get("tracepoints", "").startswith(f"CPU {cpu}: "):
            fails.append(f"hotspot tracepoints evidence: {ev.get('tracepoints')}")
        line = ev.get(f"irq {n}", "")
        pct = line.split("% of its time, tracepoints")[0].rsplit(" ", 1)[-1] if "% of its time, tracepoints" in line else "0"
        if float(pct) <= 0:
            fails.append(f"irq {n} evidence without its time: {line}")
for f in fails:
    print("   ", f)
sys.exit(1 if fails else 0)
PY
	then ok "check --interval 2 as root: tracepoint time of disk IRQ(s)$dirqs on their effective CPU, in hotspot evidence (rc=$rc)"
	else bad "check --interval 2 as root: tracepoint times (rc=$rc)"; fi

	if python3 - "$t/notrace.json" "$t/notrace.prom" "$t/usersample.json" <<'PY'
import json, sys
fails = []
for path, who in ((sys.argv[1], "--no-trace"), (sys.argv[3], "nobody")):
    d = json.load(open(path)); h = d["host"]
    acc = h.get("irq_time_accounted")
    if acc not in ("yes", "no"):
        fails.append(f"{who}: irq_time_accounted {acc!r}: the live kernel's accounting was not read")
    if h.get("trace") is not None or h.get("time_source") == "tracepoints":
        fails.append(f"{who}: traced anyway: {h.get('time_source')}")
    if who == "nobody" and "not root" not in (h.get("time_note") or ""):
        fails.append(f"nobody: time_note does not say why: {h.get('time_note')}")
    for c in d["cpus"]["per_cpu"]:
        if acc == "no":
            # the kernel does not account hardirq time: unknown, never 0
            if c["irq_pct"] is not None or c["irq_pct_source"] != "none":
                fails.append(f"{who}: CPU {c['cpu']} irq_pct {c['irq_pct']} ({c['irq_pct_source']}) on a kernel without IRQ time accounting")
            if c["softirq_pct"] is not None and c["softirq_pct_source"] != "stat-tick":
                fails.append(f"{who}: CPU {c['cpu']} softirq_pct source {c['softirq_pct_source']}")
        elif acc == "yes" and (c["irq_pct"] is None or c["irq_pct_source"] != "stat"):
            fails.append(f"{who}: CPU {c['cpu']} irq_pct {c['irq_pct']} although the kernel accounts it")
    if acc == "no":
        for f in d["findings"]:
            if f["id"] in ("irq-hotspot", "softirq-hotspot"):
                ev = {e["key"]: e["value"] for e in f["evidence"]}
                if "not accounted by this kernel" not in ev.get("proc/stat", ""):
                    fails.append(f"{who}: {f['id']} evidence: {ev.get('proc/stat')}")
        print(f"    {who}: irq_pct null on every CPU ({h.get('time_source')}); {h.get('time_note')[:90]}...")
prom = open(sys.argv[2]).read()
if json.load(open(sys.argv[1]))["host"]["irq_time_accounted"] == "no":
    if "irqsight_cpu_irq_seconds_total" in prom or "irqsight_cpu_irq_time_ratio{" in prom:
        fails.append("prometheus: /proc/stat irq series on a kernel that does not account it")
for f in fails:
    print("   ", f)
sys.exit(1 if fails else 0)
PY
	then ok "check --interval 2 --no-trace / as nobody: irq_pct null (not 0) when the kernel does not account it (rc=$rc2, $rc3)"
	else bad "check without tracepoints: unknown irq time (rc=$rc2, $rc3)"; fi
fi
tracefs_after=$(tracefs_mounts)
if [ "$tracefs_before" = "$tracefs_after" ]; then ok "tracefs mounts as found ('$tracefs_before')"; else bad "tracefs mounts changed: '$tracefs_before' -> '$tracefs_after'"; fi

echo "live: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
