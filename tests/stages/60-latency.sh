#!/bin/sh
# irqsight latency on this machine: options and refusals, JSON/histogram/save/compare,
# Ctrl-C, the non-root fallback (coarse attribution, SCHED_OTHER), tracing and tracefs left
# as found (tests/live/latency-tracefs.sh), a short side by side with cyclictest (generous
# tolerance: a noisy shared VM), and attribution on real disk interrupts
# (tests/live/latency-attrib.sh).
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
t() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
I=./irqsight
root=false
[ "$(id -u)" -eq 0 ] && root=true
# The tracing and perf settings (tracefs mounted in a private namespace to read them;
# tests/live/latency-tracefs.sh --snapshot), compared at the end of the stage.
if $root; then
	tests/live/latency-tracefs.sh --snapshot >"$tmp/trace0" 2>&1
	t "tracing settings readable ($(wc -l <"$tmp/trace0") lines)" '[ $(grep -c "^events/irq/.*/enable=" "$tmp/trace0") -ge 7 ]'
fi

# refusals (exit 3, a message that names the problem)
$I latency --cpus 4096 -d 100ms >"$tmp/o" 2>"$tmp/e"; rc=$?
t "nonexistent CPU refused" '[ $rc -eq 3 ] && grep -q "CPU 4096 does not exist" "$tmp/e"'
ncpu=$(nproc)
$I latency --cpus "0-$ncpu" -d 100ms >"$tmp/o" 2>"$tmp/e"; rc=$?
t "more CPUs than exist refused" '[ $rc -eq 3 ] && grep -q "does not exist" "$tmp/e"'
$I latency -d 5x >/dev/null 2>"$tmp/e"; rc=$?
t "bad duration refused" '[ $rc -eq 3 ] && grep -q -- "--duration" "$tmp/e"'
$I latency --recorder bpf -d 100ms >/dev/null 2>"$tmp/e"; rc=$?
t "unknown --recorder refused" '[ $rc -eq 3 ] && grep -q -- "--recorder takes ftrace, perf or auto" "$tmp/e"'

# a run: JSON, histogram, save
$I latency -d 1s -i 500 --histogram "$tmp/h.txt" --save "$tmp/before.json" --json >"$tmp/a.json" 2>"$tmp/e"; rc=$?
t "run exits 0" '[ $rc -eq 0 ]'
python3 - "$tmp/a.json" "$tmp/h.txt" "$tmp/before.json" "$ncpu" <<'PY' >"$tmp/py" 2>&1; rc=$?
import json, sys
a = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[3])); n = int(sys.argv[4])
assert a["schema"] == "irqsight-latency" and a == s, "saved file differs from --json output"
assert len(a["cpus"]) == n, f"{len(a['cpus'])} CPUs reported, {n} online"
for c in a["cpus"]:
    # 1 s at 500 us: about 2000 wake-ups (a late one skips intended times)
    assert 1000 <= c["samples"] + c["overruns"] <= 2100, c
    v = [c["min_us"], c["p50_us"], c["p90_us"], c["p99_us"], c["p99_9_us"], c["p99_99_us"], c["max_us"]]
    assert v == sorted(v), f"quantiles not monotone: {v}"
rows = [l.split() for l in open(sys.argv[2]) if not l.startswith("#")]
hdr = [l for l in open(sys.argv[2]) if l.startswith("# latency_us")][0].split()
assert len(hdr) == 2 + n and all(len(r) == 1 + n for r in rows), "histogram columns"
for k, c in enumerate(a["cpus"]):
    assert sum(int(r[1 + k]) for r in rows) + c["overflow"] == c["samples"], "histogram counts"
    assert int(rows[c["p50_us"]][1 + k]) > 0, "p50 bucket empty"
PY
[ $rc -ne 0 ] && sed "s/^/# /" "$tmp/py"
t "JSON, --save and --histogram agree" '[ $rc -eq 0 ]'

# --compare (normal build: json-c)
$I latency -d 500ms --no-attrib --compare "$tmp/before.json" >"$tmp/c.txt" 2>"$tmp/e"; rc=$?
t "--compare table" '[ $rc -eq 0 ] && grep -q "before   after  change" "$tmp/c.txt" && [ $(grep -cE "^ +[0-9]+ +[0-9]+ +[0-9]+ +[-+0-9]+%" "$tmp/c.txt") -eq $ncpu ]'
$I --json latency -d 300ms --no-attrib --compare "$tmp/before.json" >"$tmp/c.json" 2>"$tmp/e"; rc=$?
t "--compare JSON carries the saved p99" '[ $rc -eq 0 ] && python3 -c "
import json,sys; b=json.load(open(\"$tmp/before.json\")); c=json.load(open(\"$tmp/c.json\"))[\"compare\"][\"cpus\"]
sys.exit(0 if [x[\"p99_us\"][\"before\"] for x in c]==[x[\"p99_us\"] for x in b[\"cpus\"]] else 1)"'
echo '{"x":1}' >"$tmp/bad.json"
$I latency -d 100ms --compare "$tmp/bad.json" >/dev/null 2>"$tmp/e"; rc=$?
t "--compare refuses a foreign file before measuring" '[ $rc -eq 3 ] && grep -q "not a file written by irqsight" "$tmp/e"'
if [ -x ./irqsight-static ]; then
	./irqsight-static latency -d 100ms --compare "$tmp/before.json" >/dev/null 2>"$tmp/e"; rc=$?
	t "static build: --compare not available" '[ $rc -eq 3 ] && grep -q "not available in this build" "$tmp/e"'
	if $root; then
		# no libtraceevent in the static binary: auto records through perf, an explicit
		# ftrace falls back to the coarse method and says why
		./irqsight-static latency -d 300ms --cpus 0 --json >"$tmp/st.json" 2>"$tmp/e"; rc=$?
		t "static build: tracepoints recorded through perf" '[ $rc -eq 0 ] && grep -q "\"recorder\": \"perf\"" "$tmp/st.json"'
		./irqsight-static latency -d 300ms --cpus 0 --recorder ftrace --json >"$tmp/st.json" 2>"$tmp/e"; rc=$?
		t "static build: --recorder ftrace says it is not part of the build, falls back to counts" \
			'[ $rc -eq 0 ] && grep -q "ftrace recorder is not part of this build" "$tmp/e" && grep -q "\"method\": \"counts\"" "$tmp/st.json"'
	fi
fi

# Ctrl-C: stops at once, reports what was measured
$I latency -d 60s --json >"$tmp/i.json" 2>"$tmp/e" &
pid=$!
# from when the probe threads run (start-up opens the tracepoints, which can take most of
# a second on a loaded VM), 0.8 s of measuring
for _ in $(seq 50); do [ "$(ls /proc/$pid/task 2>/dev/null | wc -l)" -gt "$ncpu" ] && break; sleep 0.1; done
sleep 0.8
kill -INT $pid
s=$(date +%s%N); wait $pid; rc=$?; e=$(( ($(date +%s%N) - s) / 1000000 ))
# The bound is 2 s: closing the perf events makes the kernel unregister each tracepoint's
# probe with an RCU grace period (20-60 ms each on this VM, serialised in the kernel even
# though irqsight closes them from parallel threads): 0.7-0.9 s measured, more when loaded.
t "SIGINT: exit 0 within 2 s (${e} ms), interrupted report" '[ $rc -eq 0 ] && [ $e -lt 2000 ] && python3 -c "
import json,sys; d=json.load(open(\"$tmp/i.json\")); sys.exit(0 if d[\"interrupted\"] and all(c[\"samples\"]>500 for c in d[\"cpus\"]) else 1)"'
# Not root: no tracepoints and no SCHED_FIFO. The run goes on with the coarse count method
# and says so (stderr, attribution.method/note/tracepoints_unavailable), in text too.
if ! $root; then
	nr() { "$@"; }	# already not root
elif command -v setpriv >/dev/null; then
	nr() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
else
	nr() { return 99; }
fi
{
	nr $I latency -d 1s --json >"$tmp/nr.json" 2>"$tmp/nr.err"; rc=$?
	python3 - "$tmp/nr.json" "$tmp/nr.err" <<'PY' >"$tmp/py" 2>&1; prc=$?
import json, sys
d = json.load(open(sys.argv[1])); err = open(sys.argv[2]).read()
a = d["attribution"]
assert a["method"] == "counts", f"method {a['method']}"
assert a["note"].startswith("coarse:"), f"note {a['note']!r}"
assert a["tracepoints_unavailable"] and "root" in a["tracepoints_unavailable"], a["tracepoints_unavailable"]
assert a.get("interval_ms", 0) > 0, "no sampling interval"
assert "coarser: per" in err and "not per spike" in err, f"no 'coarser' warning on stderr: {err!r}"
assert d["sched"]["policy"] == "SCHED_OTHER" and d["sched"]["note"], d["sched"]
assert "cannot use SCHED_FIFO" in err, "no SCHED_FIFO warning on stderr"
assert all("spikes" in c and c["samples"] > 0 for c in d["cpus"]), "no spike attribution per CPU"
PY
	[ $prc -ne 0 ] && sed "s/^/# /" "$tmp/py"
	t "not root: exit 0, attribution.method counts, coarse note, reason, 'coarser' warning, SCHED_OTHER" '[ $rc -eq 0 ] && [ $prc -eq 0 ]'
	nr $I latency -d 500ms >"$tmp/nr.txt" 2>"$tmp/nr.err"; rc=$?
	t "not root, text: says the attribution is coarse" '[ $rc -eq 0 ] && grep -q "interrupt counts (coarse)" "$tmp/nr.txt" && grep -q "coarser" "$tmp/nr.err"'
}

# Tracing state after normal exit, SIGINT and SIGKILL, with tracefs unmounted and mounted
# (tests/live/latency-tracefs.sh: private mount namespaces).
tests/live/latency-tracefs.sh >"$tmp/tf" 2>&1
sed 's/^/# /' "$tmp/tf"
tp=$(sed -nE 's/^latency-tracefs: ([0-9]+) passed, ([0-9]+) failed/\1/p' "$tmp/tf")
tf=$(sed -nE 's/^latency-tracefs: ([0-9]+) passed, ([0-9]+) failed/\2/p' "$tmp/tf")
pass=$((pass + ${tp:-0})); fail=$((fail + ${tf:-1}))

# side by side with cyclictest, at the same time on one CPU (shared host noise); generous
if [ "$(id -u)" -eq 0 ] && command -v cyclictest >/dev/null; then
	cpu=$((ncpu - 1))
	# the medians of three 3 s rounds, up to three tries (every try shown). p50 within 50%
	# or 40 µs; p99 only within 50% or 150 µs: 3000 wake-ups make a round's p99 the 30th
	# worst, and this shared VM's host stalls flip it between ~45 and ~115-150 µs from
	# round to round for either tool (cyclictest 114 / irqsight 46 µs, then 46 / 98, in
	# one CI run, p50 26-32 in all). The bench (vs-cyclictest.sh, README) holds the
	# issue's 10% / 10 µs comparison.
	for try in 1 2 3; do
		python3 bench/latency/compare.py $I $cpu 1000 3 50 40 0.3 3 both 150 >"$tmp/b" 2>&1; rc=$?
		sed "s/^/# try $try: /" "$tmp/b"
		[ $rc -eq 0 ] && break
	done
	t "cyclictest and irqsight agree (p50 50% / 40 us, p99 50% / 150 us; CPU time)" '[ $rc -eq 0 ]'
else
	echo "# cyclictest comparison skipped (needs root and rt-tests)"
fi

# attribution on disk interrupts
tests/live/latency-attrib.sh 4 >"$tmp/l" 2>&1
sed 's/^/# /' "$tmp/l"
lp=$(sed -nE 's/^latency-attrib: ([0-9]+) passed, ([0-9]+) failed/\1/p' "$tmp/l")
lf=$(sed -nE 's/^latency-attrib: ([0-9]+) passed, ([0-9]+) failed/\2/p' "$tmp/l")
pass=$((pass + ${lp:-0})); fail=$((fail + ${lf:-1}))
if $root; then
	tests/live/latency-tracefs.sh --snapshot >"$tmp/trace1" 2>&1
	diff "$tmp/trace0" "$tmp/trace1" >"$tmp/trace.diff"; rc=$?
	[ $rc -ne 0 ] && sed 's/^/# /' "$tmp/trace.diff"
	t "tracing and perf settings at the end of the stage as at its start" '[ $rc -eq 0 ]'
fi

echo "latency: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
