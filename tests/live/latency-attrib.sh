#!/bin/sh
# Attribution on real interrupts: O_DIRECT reads keep the root virtio-blk queue busy; its
# IRQ is kernel-managed, so the CPU it fires on is read from effective_affinity_list. The
# spikes on that CPU must be attributed to that IRQ itself (its own share, not only the
# BLOCK softirq it raises), and the other CPU must not be attributed to that IRQ. Asserts
# attribution only, never absolute latency (the machine is a shared VM: which spikes the
# host causes varies from run to run, so a method whose checks fail is run again, up to
# three tries, all shown). As root the precise (tracepoint) method must be available: its
# absence is a failure, not a skip: through the ftrace recorder (the default) on the IRQ's
# CPU as it is, idle between requests, and through perf with that CPU kept busy (perf gets
# no sample for an interrupt in the idle task on some kernels, this CI VM's among them).
# The coarse /proc count method is tested too (--coarse).
#   tests/live/latency-attrib.sh [SECONDS]        (root; prints "latency-attrib: N passed, N failed")
#   LATENCY_ATTRIB_MIN_SHARE=X  the IRQ's share required on its CPU (default 0.10; a
#                               negative control sets it above 1 to see the check fail)
set -u
cd "$(dirname "$0")/../.."
secs=${1:-5}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
done_() { echo "latency-attrib: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if [ "$(id -u)" -ne 0 ]; then echo "latency-attrib: skipped (needs root)"; echo "latency-attrib: 0 passed, 0 failed"; exit 0; fi
# the busiest virtio request-queue IRQ: the root disk's
line=$(grep -E 'virtio[0-9]+-req' /proc/interrupts | awk '{s=0; for (i=2;i<=NF;i++) if ($i ~ /^[0-9]+$/) s+=$i; print s, $0}' | sort -rn | head -n 1)
irq=$(echo "$line" | awk '{sub(":","",$2); print $2}')
if [ -z "$irq" ]; then echo "latency-attrib: skipped (no virtio-blk IRQ)"; echo "latency-attrib: 0 passed, 0 failed"; exit 0; fi
cpu=$(cut -d, -f1 "/proc/irq/$irq/effective_affinity_list" | cut -d- -f1)
other=$(awk -v c="$cpu" 'BEGIN{FS="[,-]"} {for (i=$1; i<=($NF); i++) if (i != c) {print i; exit}}' /sys/devices/system/cpu/online)
if [ -z "$other" ]; then echo "latency-attrib: skipped (one CPU)"; echo "latency-attrib: 0 passed, 0 failed"; exit 0; fi
echo "# IRQ $irq fires on CPU $cpu; control CPU $other"

tmp=$(mktemp -d)
load=$tmp/load.bin
loadpid=
spin=
cleanup() { [ -n "$loadpid" ] && kill "$loadpid" 2>/dev/null; [ -n "$spin" ] && kill "$spin" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
dd if=/dev/urandom of="$load" bs=1M count=96 status=none conv=fsync
# submit from the IRQ's CPU so that completions (and BLOCK) stay there
taskset -c "$cpu" sh -c "while :; do dd if='$load' of=/dev/null bs=4k iflag=direct status=none || exit; done" &
loadpid=$!
sleep 0.3

check() {	# label json: label is the method, or tracepoints/RECORDER
	python3 - "$1" "$2" "$irq" "$cpu" "$other" "${LATENCY_ATTRIB_MIN_SHARE:-0.10}" <<'PY'
import json, sys
method, path, irq, cpu, other = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
need = float(sys.argv[6])
d = json.load(open(path))
got = d["attribution"]["method"]
if "/" in method:
    got += "/" + str(d["attribution"].get("recorder"))
if got != method:
    print(f"FAIL {method}: ran with {got} ({d['attribution'].get('tracepoints_unavailable')})"); sys.exit(1)
by = {c["cpu"]: c for c in d["cpus"]}
def share(c, kind, key):
    for x in c["spikes"]["causes"]:
        if x["kind"] == kind and (x.get("id") == key or x["name"] == key):
            return x["share"]
    return 0.0
def top(c, n=3):
    return ", ".join(f'{x["kind"]} {x.get("id", "")} {x["name"]} {x["share"]:.2f}' for x in c["spikes"]["causes"][:n])
rc = 0
c, o = by[cpu], by[other]
irq_c, blk_c = share(c, "irq", irq), share(c, "softirq", "BLOCK")
irq_o, blk_o = share(o, "irq", irq), share(o, "softirq", "BLOCK")
print(f"# {method} CPU{cpu}: {c['spikes']['count']} spikes > {c['spikes']['threshold_us']} us: {top(c)}; IRQ {irq} {irq_c:.2f}, BLOCK {blk_c:.2f}")
print(f"# {method} CPU{other}: {o['spikes']['count']} spikes > {o['spikes']['threshold_us']} us: {top(o)}; IRQ {irq} {irq_o:.2f}, BLOCK {blk_o:.2f}")
if c["spikes"]["count"] < 10:
    print(f"FAIL {method}: only {c['spikes']['count']} spikes on CPU{cpu}: nothing to attribute"); rc = 1
# The IRQ's own share: BLOCK alone (raised by it, but also by other completions) is not enough.
if irq_c >= need:
    print(f"ok   {method}: CPU{cpu} spikes attributed to IRQ {irq} itself ({irq_c:.2f} >= {need:.2f}; BLOCK {blk_c:.2f})")
else:
    print(f"FAIL {method}: CPU{cpu} spikes not attributed to IRQ {irq} ({irq_c:.2f} < {need:.2f}; BLOCK {blk_c:.2f})"); rc = 1
if irq_o == 0 and blk_o <= max(blk_c / 2, 0.05):
    print(f"ok   {method}: CPU{other} not attributed to IRQ {irq} (BLOCK {blk_o:.2f})")
else:
    print(f"FAIL {method}: CPU{other} attributed to IRQ {irq} ({irq_o:.2f}) / BLOCK ({blk_o:.2f})"); rc = 1
if method == "counts":
    # coarse ranks by events: the disk IRQ must be among the busiest sources on its CPU
    names = [(x["kind"], x.get("id")) for x in c["spikes"]["causes"][:3]]
    if ("irq", irq) in names:
        print(f"ok   counts: IRQ {irq} among the top 3 sources on CPU{cpu}")
    else:
        print(f"FAIL counts: IRQ {irq} not among the top 3 on CPU{cpu}"); rc = 1
sys.exit(rc)
PY
}

# run LABEL [extra-args...]: up to three tries (a host that preempts this VM for
# hundreds of µs makes most spikes its own, not the IRQ's); the first try that passes
# every check counts, else the last one's results (every try is printed).
run() {
	m=$1; shift
	f=$(echo "$m" | tr / -)
	for try in 1 2 3; do
		if ./irqsight latency --cpus "$cpu,$other" -d "${secs}s" --json "$@" >"$tmp/$f.json" 2>"$tmp/$f.err"; then
			out=$(check "$m" "$tmp/$f.json"); r=$?
		else
			out="FAIL $m: irqsight latency failed: $(cat "$tmp/$f.err")"; r=1
		fi
		# a method that is not there does not come with a second try
		if [ "$r" -eq 0 ] || [ "$try" -eq 3 ] || echo "$out" | grep -q "^FAIL $m: ran with"; then
			break
		fi
		echo "$out" | sed "s/^/# try $try: /"
		echo "# $m: try $try failed; once more"
	done
	echo "$out"
	p=$(echo "$out" | grep -c '^ok'); f=$(echo "$out" | grep -c '^FAIL')
	pass=$((pass + p)); fail=$((fail + f))
	[ "$r" -ne 0 ] && [ "$f" -eq 0 ] && bad "$m: checker failed"
}

cov_of() {	# json cpu: that CPU's spikes.coverage ("null" when too few counted)
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c={x["cpu"]: x for x in d["cpus"]}[int(sys.argv[2])]["spikes"]["coverage"]; print("null" if c is None else c)' "$1" "$2" 2>/dev/null
}
# Coverage as the tool reports it, from runs on the loaded CPU as it is (idle between
# requests), through each recorder: the text must say a window's "no interrupt" is only
# "no recorded interrupt" exactly when the JSON's coverage of that CPU is below 0.9.
# Through perf that is so on kernels that write no tracepoint sample for an interrupt in
# the idle task (this CI VM's among them); the ftrace recorder must see them (>= 0.9).
for r in ftrace perf; do
	./irqsight latency --cpus "$cpu" -d 2s --recorder $r --save "$tmp/idle.$r.json" >"$tmp/idle.$r.txt" 2>"$tmp/idle.$r.err"
	cov=$(cov_of "$tmp/idle.$r.json" "$cpu")
	echo "# coverage of CPU$cpu through $r, idle between requests: $cov"
	if [ -z "$cov" ]; then
		bad "$r: no spikes.coverage in the JSON: $(head -c 300 "$tmp/idle.$r.err")"
	elif [ "$cov" != null ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 0.9 else 1)" "$cov"; then
		grep -q "tracepoints saw only" "$tmp/idle.$r.txt" && grep -Eq "^Incomplete: the (kernel wrote no tracepoint sample|recorder saw only part)" "$tmp/idle.$r.txt" &&
			ok "$r: coverage $cov: the text says some interrupts were not seen" || bad "$r: coverage $cov, the text does not say so: $(tail -5 "$tmp/idle.$r.txt")"
	else
		grep -Eq "tracepoints saw only|no recorded interrupt" "$tmp/idle.$r.txt" &&
			bad "$r: coverage $cov, yet the text says interrupts were not seen" || ok "$r: coverage $cov: the text claims no gap"
	fi
	if [ $r = ftrace ]; then
		[ "$cov" != null ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.9 else 1)" "$cov" 2>/dev/null &&
			ok "ftrace: the recorder saw $cov of the idle CPU$cpu's interrupts and softirqs" ||
			bad "ftrace: coverage of the idle CPU$cpu is $cov (< 0.9)"
	fi
done

# As root (checked above) the tracepoints must work; check() fails the run that fell back.
# ftrace, the IRQ's CPU as it is (idle between requests):
run tracepoints/ftrace --recorder ftrace
c=$(cov_of "$tmp/tracepoints-ftrace.json" "$cpu")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.8 else 1)" "$c" 2>/dev/null &&
	ok "tracepoints/ftrace: the recorder saw $c of CPU$cpu's interrupts and softirqs (idle between requests)" ||
	bad "tracepoints/ftrace: coverage of CPU$cpu is $c (< 0.8): samples lost"
# perf, with the CPU kept busy at the lowest priority (a host running vCPUs is): interrupts
# then hit a task, and every one is sampled; the recorder must see them.
nice -n 19 taskset -c "$cpu" sh -c 'while :; do :; done' &
spin=$!
run tracepoints/perf --recorder perf
c=$(cov_of "$tmp/tracepoints-perf.json" "$cpu")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0.8 else 1)" "$c" 2>/dev/null &&
	ok "tracepoints/perf: the recorder saw $c of CPU$cpu's interrupts and softirqs (busy CPU)" ||
	bad "tracepoints/perf: coverage of CPU$cpu on a busy CPU is $c (< 0.8): samples lost"
kill "$spin" 2>/dev/null; wait "$spin" 2>/dev/null; spin=
run counts --coarse
done_
