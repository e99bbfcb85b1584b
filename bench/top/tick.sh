#!/bin/sh
# Benchmark (not a test): cost of one `top` sampling tick on a synthetic 512-CPU /
# 8,192-IRQ host, side by side with cat, lsirq and mpstat on the same files, and the CPU
# share of `top --batch` at a 1 s interval.
#   bench/top/tick.sh [HOSTDIR]    (root; HOSTDIR from bench/gen-host.py, generated if absent)
#
# 1. bench/top/tickbench (built here from the sources): reading + rates per tick, timed
#    inside the process (no start-up, no rendering), interleaved with a cat-style read of
#    the same three files; the files are the synthetic host's, bind-mounted over /proc in
#    a private mount namespace. Three cases: nothing changed between ticks (a static
#    file), 10% of the rows changed every tick (HOSTDIR and a copy with every 10th IRQ
#    row bumped, alternating), and the row cache off (every row parsed).
# 2. cat, lsirq and mpstat on the bind-mounted files, as whole processes.
# 3. `irqsight top --batch --interval 1`: CPU time of 24 minus 4 iterations, over 20 s.
set -e
cd "$(dirname "$0")/../.."
H=${1:-/tmp/irqsight-host512}
[ -f "$H/proc/interrupts" ] || python3 bench/gen-host.py "$H" >/dev/null
H2=$H-moved
if [ ! -f "$H2/proc/interrupts" ] || [ "$H2/proc/interrupts" -ot "$H/proc/interrupts" ]; then
	mkdir -p "$H2/proc"
	cp "$H/proc/softirqs" "$H/proc/stat" "$H2/proc/"
	python3 - "$H/proc/interrupts" "$H2/proc/interrupts" <<'PY'
import re, sys
out = open(sys.argv[2], "w")
n = 0
for line in open(sys.argv[1]):
    m = re.match(r"(\s*\d+:)(\s+)(\d+)", line)
    if m:
        n += 1
        if n % 10 == 0:  # one count of every 10th IRQ row moves, width kept
            w = len(m.group(2)) + len(m.group(3))
            line = m.group(1) + str(int(m.group(3)) + 1).rjust(w) + line[m.end():]
    out.write(line)
PY
fi
[ -x ./irqsight ] || make -s irqsight
B=$(mktemp -d)
trap 'rm -rf "$B"' EXIT
${CC:-cc} -O2 -std=c17 -D_GNU_SOURCE -Isrc -o "$B/tickbench" bench/top/tickbench.c \
	src/sample/reading.c src/sample/rates.c src/parse/interrupts.c src/parse/softirqs.c \
	src/parse/stat.c src/source/source.c src/util/*.c -lm -lpthread
unshare -m --propagation private sh -c '
H=$1 H2=$2 B=$3; N=${N:-10}
for f in interrupts softirqs stat; do mount --bind "$H/proc/$f" /proc/$f; done
echo "files: $(wc -c < /proc/interrupts) + $(wc -c < /proc/softirqs) + $(wc -c < /proc/stat) bytes"
echo "-- tickbench (per tick, inside the process)"
"$B/tickbench" / 60
"$B/tickbench" "$H" 60 "$H2"
"$B/tickbench" / 10 nocache
echo "-- the same, sleeping 500 ms before each tick and each read (cold caches, as top runs)"
TICKBENCH_SLEEP_MS=500 "$B/tickbench" / 12
echo "-- whole processes"
cpu() { /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -1; }
per() { awk -v n=$2 "{printf \"%-44s %8.1f ms wall %8.1f ms cpu\\n\", \"$1\", \$1*1000/n, (\$2+\$3)*1000/n}"; }
cat /proc/interrupts >/dev/null
cpu sh -c "for i in \$(seq $N); do cat /proc/interrupts /proc/softirqs /proc/stat >/dev/null; done" | per "cat of the three files" $N
command -v lsirq >/dev/null && cpu sh -c "for i in \$(seq $N); do lsirq >/dev/null; done" | per "lsirq (util-linux)" $N
command -v mpstat >/dev/null && cpu mpstat -I ALL -P ALL 1 1 | awk "{printf \"%-44s %8.1f ms wall %8.1f ms cpu\\n\", \"mpstat -I ALL -P ALL 1 1 (2 readings, 1 s)\", \$1*1000, (\$2+\$3)*1000}"
echo "-- irqsight top --batch --interval 1 (steady state: 24 minus 4 iterations, rusage in us)"
python3 - <<PY
import resource, subprocess
def cpu(n):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["./irqsight", "top", "--batch", "--no-trace", "--interval", "1", "--iterations", str(n)],
                   stdout=subprocess.DEVNULL, check=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
c = (cpu(24) - cpu(4)) / 20
print("top --batch at 1 s: %.1f ms CPU per interval = %.2f%% of one CPU" % (c * 1000, c * 100))
PY
# The floor: cat of the same three files once a second (its CPU time from rusage).
python3 - <<PY
import resource, subprocess, time
n = 8
for i in range(n):
    time.sleep(1)
    subprocess.run(["cat", "/proc/interrupts", "/proc/softirqs", "/proc/stat"], stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
c = (r.ru_utime + r.ru_stime) / n
print("cat of the three files once a second: %.1f ms CPU each = %.2f%% of one CPU" % (c * 1000, c * 100))
PY
' sh "$H" "$H2" "$B"
