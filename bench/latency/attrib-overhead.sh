#!/bin/sh
# Benchmark (not a test): what attribution (tracepoint recording) adds to the p99 that
# `irqsight latency` measures, at 20,000 interrupts/s on the probed CPU.
# The load is bench/irqgen.c: function-call IPIs (membarrier) to a spinning thread on CPU
# W, because this VM's virtio-blk reaches ~10,000 IRQs/s at most.
# 1. Whole runs: rounds alternate with and without attribution (--no-attrib).
# 2. Inside one process (bench/latency/abbench.c): the recorder is opened once and
#    enabled for one ~250 ms slice of each pair, in random order, for as long as part 1
#    took; the two conditions' histograms are merged. Runs seconds apart drift more on a
#    shared VM than the effect; paired slices share the drift.
#   bench/latency/attrib-overhead.sh [ROUNDS] [SECONDS] [RATE]    (root, 2+ CPUs)
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-5} secs=${2:-10} rate=${3:-20000}
W=1 M=0
[ "$(nproc)" -ge 2 ] || { echo "attrib-overhead: needs 2 CPUs" >&2; exit 2; }
[ -x ./irqsight ] || make -s irqsight
G=$(mktemp -d)
trap 'rm -rf "$G"' EXIT
${CC:-cc} -O2 -o "$G/irqgen" bench/irqgen.c -lpthread
# the ftrace recorder's page walker where libtraceevent is installed (as the Makefile builds it)
TE=
pkg-config --exists libtraceevent 2>/dev/null && TE="src/opt/libtraceevent/trace_page.c $(pkg-config --cflags --libs libtraceevent)"
# shellcheck disable=SC2086
${CC:-cc} -O2 -std=c17 -D_GNU_SOURCE -Isrc -o "$G/abbench" bench/latency/abbench.c src/sample/probe.c \
	src/sample/trace.c src/sample/hist.c src/parse/softirqs.c src/parse/interrupts.c src/util/*.c $TE -lm -lpthread
one() { # $1 = label, rest = extra latency options
	label=$1; shift
	"$G/irqgen" "$rate" $((secs + 2)) $W $M >"$G/gen" & g=$!
	sleep 1
	./irqsight latency --cpus $W -d "${secs}s" --json "$@" >"$G/l.json" 2>/dev/null
	wait $g
	python3 - "$G/l.json" "$G/gen" "$label" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); c = d["cpus"][0]
gen = open(sys.argv[2]).read().split()
print("%-10s p50 %5d us  p99 %5d us  p99.9 %5d us  max %6d us  (%s CAL/s on the CPU)"
      % (sys.argv[3], c["p50_us"], c["p99_us"], c["p99_9_us"], c["max_us"], gen[2]))
PY
}
for r in $(seq "$rounds"); do
	one plain --no-attrib
	one attrib
done | tee "$G/all"
python3 - "$G/all" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
p = {k: [int(r[5]) for r in rows if r[0] == k] for k in ("plain", "attrib")}
a, b = statistics.median(p["plain"]), statistics.median(p["attrib"])
print("median p99: %d us without attribution, %d us with: %+.1f%%" % (a, b, (b - a) * 100.0 / a if a else 0))
PY
echo "-- in one process: recording on for one slice of each pair ($((2 * rounds * secs)) s)"
"$G/irqgen" "$rate" $((2 * rounds * secs + 4)) $W $M >"$G/gen" & g=$!
sleep 1
"$G/abbench" $W $M $((2 * rounds * secs)) 250
wait $g
echo "load: $(cat "$G/gen")"
