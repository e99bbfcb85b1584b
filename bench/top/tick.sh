#!/bin/sh
# Benchmark (not a test): cost of one `top` sampling tick on a synthetic 512-CPU /
# 8,192-IRQ host, with its proc files bind-mounted over /proc in a private mount
# namespace, side by side with cat, lsirq and mpstat on the same files.
#   bench/top/tick.sh [HOSTDIR]    (root; HOSTDIR from bench/gen-host.py, generated if absent)
set -e
cd "$(dirname "$0")/../.."
H=${1:-/tmp/irqsight-host512}
if [ ! -f "$H/proc/interrupts" ]; then
	GEN=bench/gen-host.py; [ -f $GEN ] || { git show fixtures:bench/gen-host.py > /tmp/gen-host.py; GEN=/tmp/gen-host.py; }
	python3 $GEN "$H" >/dev/null
fi
exec unshare -m --propagation private sh -c '
H=$1; N=${N:-10}
for f in interrupts softirqs stat; do mount --bind "$H/proc/$f" /proc/$f; done
cpu() { /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -1; }
per() { awk -v n=$2 "{printf \"%-44s %8.1f ms wall %8.1f ms cpu\\n\", \"$1\", \$1*1000/n, (\$2+\$3)*1000/n}"; }
echo "files: $(wc -c < /proc/interrupts) + $(wc -c < /proc/softirqs) + $(wc -c < /proc/stat) bytes"
cat /proc/interrupts >/dev/null
cpu sh -c "for i in \$(seq $N); do cat /proc/interrupts /proc/softirqs /proc/stat >/dev/null; done" | per "cat of the three files" $N
# top: --iterations N takes N+1 readings; subtract the 0.1 s sleeps from wall.
r=$(cpu ./irqsight top --json --no-trace --interval 0.1 --iterations $N)
echo "$r" | awk -v n=$N "{printf \"%-44s %8.1f ms wall %8.1f ms cpu\\n\", \"irqsight top tick (reading + rates + JSON)\", (\$1-0.1*n)*1000/(n+1), (\$2+\$3)*1000/(n+1)}"
command -v lsirq >/dev/null && cpu sh -c "for i in \$(seq $N); do lsirq >/dev/null; done" | per "lsirq (util-linux)" $N
command -v mpstat >/dev/null && cpu mpstat -I ALL -P ALL 1 1 | awk "{printf \"%-44s %8.1f ms wall %8.1f ms cpu\\n\", \"mpstat -I ALL -P ALL 1 1 (2 readings, 1 s)\", \$1*1000, (\$2+\$3)*1000}"
' sh "$H"
