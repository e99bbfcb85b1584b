#!/bin/sh
# Live: a real VM process. Debian's qemu-system-x86_64 (TCG, paused with -S so it
# uses no CPU, but its vCPU threads exist), named with `-name guest=db1,process=db1,
# debug-threads=on` and pinned with taskset to one CPU. Then:
#  - `check --no-sample` groups its "CPU n/TCG" threads as one VM named db1 with its pid;
#  - `top --json` / `--batch` show its vCPUs on that CPU;
#  - a second QEMU named only on its command line (`-name guest=<marker>`) is found
#    but named "<comm>[pid]", and the marker is nowhere in check, top or a snapshot
#    (irqsight never reads cmdline/environ);
#  - with a busy disk IRQ on that CPU (O_DIRECT reads; the IRQ moved there when its
#    smp_affinity is writable, else the VM pinned to the CPU the kernel chose for it),
#    `check --interval 2` raises vcpu-irq-overlap naming db1, and top shows both.
# QEMU and the load are killed and every smp_affinity_list written is restored on
# exit (trap). Not root or no QEMU is a FAIL: qemu-system-x86 is in tests/deps/.
# Prints "vm: N passed, N failed".
cd "$(dirname "$0")/../.." || exit 3
BIN=${IRQSIGHT:-./irqsight}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
summary() { echo "vm: $pass passed, $fail failed"; [ $fail = 0 ]; exit; }
QEMU=${QEMU:-qemu-system-x86_64}

[ "$(id -u)" = 0 ] || { ko "must run as root (pins IRQs, reads every process, O_DIRECT disk reads)"; summary; }
command -v "$QEMU" >/dev/null 2>&1 || { ko "$QEMU not found: install qemu-system-x86 (tests/deps/top.txt)"; summary; }
command -v taskset >/dev/null 2>&1 || { ko "taskset not found (util-linux)"; summary; }
[ -x "$BIN" ] || { ko "no $BIN: run make first"; summary; }

tmp=$(mktemp -d) || exit 3
qpid= q2pid= loadpid=
restore=$tmp/restore	# "IRQ original-smp_affinity_list" per line, for every IRQ we moved
: > "$restore"
cleanup() {
	[ -n "$loadpid" ] && kill "$loadpid" 2>/dev/null
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	[ -n "$q2pid" ] && kill "$q2pid" 2>/dev/null
	for p in $loadpid $qpid $q2pid; do wait "$p" 2>/dev/null; done
	while read -r n orig; do
		echo "$orig" > "/proc/irq/$n/smp_affinity_list" 2>/dev/null ||
			echo "FAIL could not restore IRQ $n smp_affinity_list to $orig"
	done < "$restore"
	rm -rf "$tmp" "$loadfile"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- the disk and its request IRQs (as tests/live/trace.sh finds them)
loadfile=/var/tmp/irqsight-vmload.$$
src=$(findmnt -no SOURCE -T /var/tmp 2>/dev/null)
disk=$(lsblk -ndo PKNAME "$src" 2>/dev/null); [ -n "$disk" ] || disk=$(basename "$src")
vdev=$(basename "$(readlink -f "/sys/block/$disk/device" 2>/dev/null)")
irqs=$(grep -E " ${vdev}-req\.[0-9]+\$| ${vdev}-request\$| ${vdev}q[1-9][0-9]*\$" /proc/interrupts | awk -F: '{gsub(/ /,"",$1); print $1}')
target=$(grep -E '^cpu[0-9]+ ' /proc/stat | tail -1 | sed -E 's/^cpu([0-9]+).*/\1/')
moved=0
if [ -n "$vdev" ] && [ -n "$irqs" ]; then
	# Move the request IRQs to the target CPU where the kernel lets us (not managed) ...
	for n in $irqs; do
		orig=$(cat "/proc/irq/$n/smp_affinity_list")
		echo "$n $orig" >> "$restore"
		if echo "$target" > "/proc/irq/$n/smp_affinity_list" 2>/dev/null; then
			moved=$((moved + 1))
		else
			sed -i "\$d" "$restore"	# not changed: nothing to restore
		fi
	done
	# ... else take the CPU the kernel chose for a managed one (blk-mq maps a queue
	# per CPU set; the reads below run on that CPU, so they use that queue).
	busy=
	for n in $irqs; do
		[ "$(cat "/proc/irq/$n/effective_affinity_list" 2>/dev/null)" = "$target" ] && { busy=$n; break; }
	done
	if [ -z "$busy" ]; then
		busy=$(echo "$irqs" | head -1)
		target=$(cat "/proc/irq/$busy/effective_affinity_list" 2>/dev/null)
	fi
	echo "disk $disk ($vdev): request IRQ(s) $(echo $irqs); $moved moved; busy IRQ $busy on CPU $target"
else
	busy=
	echo "no request IRQ found for disk $disk under /var/tmp"
fi
case "$target" in ''|*[!0-9]*) ko "no single target CPU (effective affinity '$target')"; summary ;; esac

# ---- the VM
taskset -c "$target" "$QEMU" -accel tcg -M q35 -smp 2 -m 64 -nodefaults -display none -S \
	-name guest=db1,process=db1,debug-threads=on < /dev/null > "$tmp/qemu.log" 2>&1 &
qpid=$!
marker=irqsightsecret$$
"$QEMU" -accel tcg -M q35 -smp 1 -m 64 -nodefaults -display none -S \
	-name "guest=$marker,debug-threads=on" < /dev/null > "$tmp/qemu2.log" 2>&1 &
q2pid=$!
i=0
while [ $i -lt 50 ]; do
	n=$(cat /proc/$qpid/task/*/comm 2>/dev/null | grep -c '^CPU [0-9]*/TCG$')
	n2=$(cat /proc/$q2pid/task/*/comm 2>/dev/null | grep -c '^CPU [0-9]*/TCG$')
	[ "$n" = 2 ] && [ "$n2" = 1 ] && break
	sleep 0.2; i=$((i + 1))
done
if [ "$n" = 2 ] && [ "$n2" = 1 ]; then
	ok "QEMU pid $qpid runs with 2 vCPU threads ($(cat /proc/$qpid/task/*/comm | grep TCG | tr '\n' ' ')) on CPU $target"
else
	ko "QEMU vCPU threads not there (db1: $n, second: $n2): $(cat "$tmp/qemu.log" "$tmp/qemu2.log")"
	summary
fi
# the facts, from /proc directly
for t in /proc/$qpid/task/*; do
	c=$(cat "$t/comm"); case "$c" in "CPU "*/TCG) echo "$(basename "$t") $c";; esac
done > "$tmp/tcg"

# ---- check --no-sample: one VM db1 with its pid and both vCPU threads
timeout 60 "$BIN" --json check --no-sample > "$tmp/check.json" 2> "$tmp/check.err"
python3 - "$tmp/check.json" "$qpid" "$target" "$tmp/tcg" <<'PY' && ok "check: one VM 'db1' (pid $qpid, qemu), vCPUs 0,1 grouped, pinned to CPU $target" || ko "check --no-sample: VM db1 not found as expected"
import json, sys
d = json.load(open(sys.argv[1])); pid = int(sys.argv[2]); cpu = sys.argv[3]
want = {}
for l in open(sys.argv[4]):
    tid, comm = l.strip().split(" ", 1)
    want[int(tid)] = comm
vms = [v for v in d["vms"] if v["pid"] == pid]
assert len(vms) == 1, vms
v = vms[0]
print("  vm:", v)
assert v["name"] == "db1" and v["vmm"] == "qemu" and v["vcpus"] == 2, v
assert v["vcpus_pinned"] is True and v["vcpu_cpus"] == cpu, v
th = [t for t in d["vm_threads"] if t["pid"] == pid]
assert {t["tid"]: t["comm"] for t in th} == want, (th, want)
assert sorted(t["vcpu"] for t in th) == [0, 1]
assert all(t["vm"] == "db1" and t["kind"] == "vcpu-tcg" and t["pinned"] and t["allowed_cpus"] == cpu for t in th), th
assert all(t["last_cpu"] == int(cpu) for t in th), th
assert len([x for x in d["vms"] if x["name"] == "db1"]) == 1
PY
python3 - "$tmp/check.json" "$q2pid" "$marker" <<'PY' && ok "check: a QEMU named only on its command line is 'qemu-system-x86[$q2pid]'" || ko "check: second QEMU named wrongly"
import json, sys
d = json.load(open(sys.argv[1])); pid = int(sys.argv[2])
v = [v for v in d["vms"] if v["pid"] == pid]
assert len(v) == 1 and v[0]["name"] == "qemu-system-x86[%d]" % pid and v[0]["vcpus"] == 1, v
PY

# ---- top: the vCPUs on the target CPU
timeout 60 "$BIN" top --json --no-trace -n 1 -d 0.5 > "$tmp/top.json" 2> "$tmp/top.err"
python3 - "$tmp/top.json" "$qpid" "$target" <<'PY' && ok "top --json: CPU $target shows db1:0,1, the VM lists both vCPU threads there" || ko "top --json: vCPUs of db1 not on CPU $target"
import json, sys
o = json.loads(open(sys.argv[1]).readline()); pid = int(sys.argv[2]); cpu = int(sys.argv[3])
row = [c for c in o["cpus"] if c["cpu"] == cpu][0]
print("  cpu %d vcpus: %s" % (cpu, row["vcpus"]))
assert row["vcpus"] and "db1:0,1" in row["vcpus"].split(" "), row
assert not any(c["vcpus"] and "db1:" in c["vcpus"] for c in o["cpus"] if c["cpu"] != cpu)
v = [v for v in o["vms"] if v["pid"] == pid]
assert len(v) == 1 and v[0]["name"] == "db1" and v[0]["vcpus"] == 2 and v[0]["vcpus_pinned"], v
th = v[0]["threads"]
assert [t["vcpu"] for t in th] == [0, 1] and all(t["cpu"] == cpu and t["kind"] == "vcpu-tcg" for t in th), th
PY
timeout 60 "$BIN" top --batch --no-trace -n 1 -d 0.5 > "$tmp/top.txt" 2>&1
if awk -v c="$target" '$1 == c && / vCPUs: / {print; f=1} END {exit !f}' "$tmp/top.txt" | grep -q 'vCPUs: .*db1:0,1' &&
	grep -q "^VM db1 (pid $qpid, qemu): 2 vCPU(s) pinned to $target" "$tmp/top.txt"; then
	ok "top --batch: CPU $target row has 'vCPUs: db1:0,1' and a 'VM db1 (pid $qpid, qemu)' line"
else
	ko "top --batch: $(grep -E "vCPUs|^VM " "$tmp/top.txt")"
fi

# ---- nothing from the command line anywhere
timeout 120 "$BIN" snapshot "$tmp/snap" > /dev/null 2>&1
if [ -d "$tmp/snap/proc/$q2pid" ] && ! grep -rqs "$marker" "$tmp/check.json" "$tmp/top.json" "$tmp/top.txt" "$tmp/snap" &&
	! ls "$tmp/snap/proc/$q2pid/cmdline" "$tmp/snap/proc/$q2pid/environ" > /dev/null 2>&1; then
	ok "the name given only on the command line is in no output and no snapshot (no cmdline/environ read)"
else
	ko "command-line name '$marker' leaked: $(grep -rls "$marker" "$tmp/check.json" "$tmp/top.json" "$tmp/top.txt" "$tmp/snap" | head -3)"
fi
kill "$q2pid" 2>/dev/null; wait "$q2pid" 2>/dev/null; q2pid=

# ---- a busy device IRQ on the vCPUs' CPU
if [ -z "$busy" ]; then
	ko "no disk request IRQ to load: cannot test vcpu-irq-overlap"
	summary
fi
dd if=/dev/zero of="$loadfile" bs=1M count=16 oflag=direct 2>/dev/null || { ko "cannot write $loadfile"; summary; }
# O_DIRECT 4 KiB reads, one at a time, on the target CPU (its blk-mq queue), for at most 60 s
taskset -c "$target" python3 - "$loadfile" <<'PY' &
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)
size = os.fstat(fd).st_size
end = time.monotonic() + 60
off = 0
while time.monotonic() < end:
    os.preadv(fd, [buf], off)
    off = (off + 4096) % size
PY
loadpid=$!
sleep 0.5
timeout 60 "$BIN" --json check --interval 2 > "$tmp/load.json" 2> "$tmp/load.err"
python3 - "$tmp/load.json" "$qpid" "$target" "$busy" <<'PY' && ok "check --interval 2: vcpu-irq-overlap names VM db1 (pid $qpid) on CPU $target with IRQ $busy" || ko "check --interval 2: no vcpu-irq-overlap for db1 ($(cat "$tmp/load.err"))"
import json, sys
d = json.load(open(sys.argv[1])); pid = sys.argv[2]; cpu = int(sys.argv[3]); irq = sys.argv[4]
q = [x for x in d["irqs"] if x["name"] == irq][0]
print("  IRQ %s rate %s/s" % (irq, q["rate"]))
assert q["rate"] and q["rate"] >= 1000, q["rate"]
fs = [f for f in d["findings"] if f["id"] == "vcpu-irq-overlap"]
def about_db1(f):
    text = f["title"] + " " + " ".join(e["key"] + " " + e["value"] for e in f["evidence"])
    return "db1" in text and pid in text
mine = [f for f in fs if about_db1(f)]
assert len(mine) == 1, [f["title"] for f in fs]
f = mine[0]
print("  %s: %s" % (f["severity"], f["title"]))
ev = " | ".join(e["key"] + ": " + e["value"] for e in f["evidence"])
print("  evidence:", ev)
assert f["severity"] == "warning", f["severity"]	# pinned vCPUs
assert f["cpu"] == cpu, f["cpu"]
assert ("IRQ %s " % irq) in ev, ev
assert "CPU 0/TCG" in ev and "CPU 1/TCG" in ev, ev
PY
timeout 60 "$BIN" top --json --no-trace -n 1 -d 1 > "$tmp/topload.json" 2>&1
python3 - "$tmp/topload.json" "$target" "$busy" <<'PY' && ok "top under load: CPU $target has db1:0,1 beside its busiest IRQ $busy" || ko "top under load: CPU $target row wrong"
import json, sys
o = json.loads(open(sys.argv[1]).readline()); cpu = int(sys.argv[2]); irq = sys.argv[3]
row = [c for c in o["cpus"] if c["cpu"] == cpu][0]
print("  cpu %d: %.0f dev IRQs/s, top_irq %s, vcpus %s" % (cpu, row["dev_irq_rate"], row["top_irq"], row["vcpus"]))
assert "db1:0,1" in (row["vcpus"] or "").split(" ")
assert row["top_irq"] and row["top_irq"].split(" ")[0] == irq and row["dev_irq_rate"] >= 1000
PY

# ---- restore and verify
kill "$loadpid" 2>/dev/null; wait "$loadpid" 2>/dev/null; loadpid=
kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
[ ! -d "/proc/$qpid" ] && ok "QEMU pid $qpid ended" || ko "QEMU pid $qpid still there"
qpid=
bad=
while read -r n orig; do
	echo "$orig" > "/proc/irq/$n/smp_affinity_list" 2>/dev/null
	[ "$(cat "/proc/irq/$n/smp_affinity_list")" = "$orig" ] || bad="$bad $n"
done < "$restore"
: > "$restore"
if [ -n "$bad" ]; then
	ko "IRQ(s)$bad not restored"
elif [ $moved = 0 ]; then
	ok "no IRQ affinity changed (kernel-managed: the kernel placed IRQ $busy on CPU $target)"
else
	ok "smp_affinity_list of the $moved moved IRQ(s) restored"
fi
summary
