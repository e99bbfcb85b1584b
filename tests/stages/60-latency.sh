#!/bin/sh
# irqsight latency on this machine: options and refusals, JSON/histogram/save/compare,
# Ctrl-C, tracefs left as found, a short side by side with cyclictest (generous tolerance:
# a noisy shared VM), and attribution on real disk interrupts (tests/live/latency-attrib.sh).
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
t() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
I=./irqsight
tron() { cat /sys/kernel/tracing/tracing_on 2>/dev/null; cat /sys/kernel/tracing/set_event 2>/dev/null; }
t0=$(tron)

# refusals (exit 3, a message that names the problem)
$I latency --cpus 4096 -d 100ms >"$tmp/o" 2>"$tmp/e"; rc=$?
t "nonexistent CPU refused" '[ $rc -eq 3 ] && grep -q "CPU 4096 does not exist" "$tmp/e"'
ncpu=$(nproc)
$I latency --cpus "0-$ncpu" -d 100ms >"$tmp/o" 2>"$tmp/e"; rc=$?
t "more CPUs than exist refused" '[ $rc -eq 3 ] && grep -q "does not exist" "$tmp/e"'
$I latency -d 5x >/dev/null 2>"$tmp/e"; rc=$?
t "bad duration refused" '[ $rc -eq 3 ] && grep -q -- "--duration" "$tmp/e"'

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
fi

# Ctrl-C: stops at once, reports what was measured
$I latency -d 60s --json >"$tmp/i.json" 2>"$tmp/e" &
pid=$!
sleep 1.2
kill -INT $pid
s=$(date +%s%N); wait $pid; rc=$?; e=$(( ($(date +%s%N) - s) / 1000000 ))
t "SIGINT: exit 0 within 1 s (${e} ms), interrupted report" '[ $rc -eq 0 ] && [ $e -lt 1000 ] && python3 -c "
import json,sys; d=json.load(open(\"$tmp/i.json\")); sys.exit(0 if d[\"interrupted\"] and all(c[\"samples\"]>500 for c in d[\"cpus\"]) else 1)"'
# Tracing state: checked in a private mount namespace with tracefs unmounted, so that
# irqsight has to mount it itself and other processes' mounts cannot interfere.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	unshare -m --propagation private sh -c '
		for m in $(grep -E " - tracefs " /proc/self/mountinfo | awk "{print \$5}" | sort -r); do umount "$m" || exit 9; done
		n() { grep -cE " - tracefs " /proc/self/mountinfo; }
		'"$I"' latency -d 300ms --cpus 0 >/dev/null 2>&1 || exit 1; [ "$(n)" -eq 0 ] || exit 2
		'"$I"' latency -d 60s --cpus 0 >/dev/null 2>&1 & p=$!; sleep 1; kill -INT $p; wait $p; [ "$(n)" -eq 0 ] || exit 3
		'"$I"' latency -d 60s --cpus 0 >/dev/null 2>&1 & p=$!; sleep 1; kill -KILL $p; wait $p; [ "$(n)" -eq 0 ] || exit 4
		exit 0' >"$tmp/ns" 2>&1; rc=$?
	t "tracefs not left mounted (normal exit, SIGINT, SIGKILL; rc $rc)" '[ $rc -eq 0 ]'
fi
t "tracing_on and set_event as found" '[ "$(tron)" = "$t0" ]'

# side by side with cyclictest, at the same time on one CPU (shared host noise); generous
if [ "$(id -u)" -eq 0 ] && command -v cyclictest >/dev/null; then
	cpu=$((ncpu - 1))
	python3 bench/latency/compare.py $I $cpu 1000 3 50 40 0.3 1 both >"$tmp/b" 2>&1; rc=$?
	sed 's/^/# /' "$tmp/b"
	t "cyclictest and irqsight agree (50% / 40 us; CPU time)" '[ $rc -eq 0 ]'
else
	echo "# cyclictest comparison skipped (needs root and rt-tests)"
fi

# attribution on disk interrupts
tests/live/latency-attrib.sh 4 >"$tmp/l" 2>&1
sed 's/^/# /' "$tmp/l"
lp=$(sed -nE 's/^latency-attrib: ([0-9]+) passed, ([0-9]+) failed/\1/p' "$tmp/l")
lf=$(sed -nE 's/^latency-attrib: ([0-9]+) passed, ([0-9]+) failed/\2/p' "$tmp/l")
pass=$((pass + ${lp:-0})); fail=$((fail + ${lf:-1}))
t "tracing state as found after the attribution test" '[ "$(tron)" = "$t0" ]'

echo "latency: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
