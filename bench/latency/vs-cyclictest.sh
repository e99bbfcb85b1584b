#!/bin/sh
# irqsight latency side by side with Debian's cyclictest (rt-tests) on the same CPU, interval
# and duration: p50/p99 must agree within 10% or 10 µs (whichever is larger) and the probe must
# cost no more CPU time than cyclictest. Runs are sequential (never both at once on one CPU).
#   bench/latency/vs-cyclictest.sh [CPU] [INTERVAL_US] [SECONDS] [ROUNDS] [seq|both]
# Needs root (SCHED_FIFO, mlockall) and cyclictest (tests/deps/latency.txt).
set -eu
cd "$(dirname "$0")/../.."
cpu=${1:-$(($(nproc) - 1))}
interval=${2:-1000}
secs=${3:-10}
rounds=${4:-3}
mode=${5:-seq}	# "both": run them at the same time on the CPU (see compare.py)
command -v cyclictest >/dev/null || { echo "vs-cyclictest: cyclictest missing (apt-get install rt-tests)" >&2; exit 2; }
[ -x ./irqsight ] || make -s irqsight
exec python3 bench/latency/compare.py ./irqsight "$cpu" "$interval" "$secs" 10 10 0.05 "$rounds" "$mode"
