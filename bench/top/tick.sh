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
#    row bumped, alternating), and the row cache off (every row parsed); then with sleeps
#    of 500 ms and 1 s before each tick and read (cold, as top runs).
# 2. cat, lsirq and mpstat on the bind-mounted files, as whole processes. mpstat counts
#    CPUs from /sys/devices/system/cpu/cpuN, so a directory with 512 of them is
#    bind-mounted there too (without it, it reads 2 CPUs' columns of 512).
# 3. `irqsight top --batch --interval 1`: CPU time of 24 minus 4 iterations, over 20 s.
set -e
cd "$(dirname "$0")/../.."
H=${1:-/tmp/irqsight-host512}
[ -f "$H/proc/interrupts" ] || python3 bench/gen-host.py "$H" >/dev/null
H2=$H-moved
if [ ! -f "$H2/proc/interrupts" ] || [ "$H2/proc/interrupts" -ot "$H/proc/interrupts" ]; then
	mkdir -p "$H2/proc"
	cp "$H/proc/softirqs" "$H2/proc/"
	python3 - "$H/proc" "$H2/proc" <<'PY'
import re, sys
src, dst = sys.argv[1], sys.argv[2]
out = open(dst + "/interrupts", "w")
n = 0
bumped = []
for line in open(src + "/interrupts"):
    m = re.match(r"(\s*(\d+):)(\s+)(\d+)", line)
    if m:
        n += 1
        if n % 10 == 0:  # one count of every 10th IRQ row moves, width kept
            w = len(m.group(3)) + len(m.group(4))
            line = m.group(1) + str(int(m.group(4)) + 1).rjust(w) + line[m.end():]
            bumped.append(int(m.group(2)))
    out.write(line)
# /proc/stat's intr sums move with the counts, as the kernel's do
with open(dst + "/stat", "w") as st:
    for line in open(src + "/stat"):
        if line.startswith("intr "):
            f = line.split()
            for irq in bumped:
                f[2 + irq] = str(int(f[2 + irq]) + 1)
            f[1] = str(int(f[1]) + len(bumped))
            line = " ".join(f) + "\n"
        st.write(line)
PY
fi
[ -x ./irqsight ] || make -s irqsight
B=$(mktemp -d)
trap 'rm -rf "$B"' EXIT
${CC:-cc} -O2 -std=c17 -D_GNU_SOURCE -Isrc -o "$B/tickbench" bench/top/tickbench.c \
	src/sample/reading.c src/sample/rates.c src/parse/interrupts.c src/parse/softirqs.c \
	src/parse/stat.c src/source/source.c src/util/*.c -lm -lpthread
ncpu=$(awk '/^cpu[0-9]/{n++} END{print n}' "$H/proc/stat")
mkdir -p "$B/cpu"
cp "$H/sys/devices/system/cpu/online" "$H/sys/devices/system/cpu/possible" "$H/sys/devices/system/cpu/present" "$B/cpu/" 2>/dev/null
i=0; while [ $i -lt "$ncpu" ]; do mkdir "$B/cpu/cpu$i"; echo 1 > "$B/cpu/cpu$i/online"; i=$((i + 1)); done
unshare -m --propagation private sh -c '
H=$1 H2=$2 B=$3; N=${N:-10}
for f in interrupts softirqs stat; do mount --bind "$H/proc/$f" /proc/$f; done
mount --bind "$B/cpu" /sys/devices/system/cpu
echo "files: $(wc -c < /proc/interrupts) + $(wc -c < /proc/softirqs) + $(wc -c < /proc/stat) bytes"
echo "-- tickbench (per tick, inside the process)"
"$B/tickbench" / 60
"$B/tickbench" "$H" 60 "$H2"
"$B/tickbench" / 10 nocache
echo "-- the same, sleeping 500 ms before each tick and each read (cold caches, as top runs)"
TICKBENCH_SLEEP_MS=500 "$B/tickbench" / 12
echo "-- the same with 1 s sleeps, the pace of top --interval 1: read ms / 10 = % of one CPU that reading the files once a second costs"
TICKBENCH_SLEEP_MS=1000 "$B/tickbench" / 12
echo "-- whole processes"
cpu() { /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -1; }
per() { awk -v n=$2 "{printf \"%-44s %8.1f ms wall %8.1f ms cpu\\n\", \"$1\", \$1*1000/n, (\$2+\$3)*1000/n}"; }
cat /proc/interrupts >/dev/null
cpu sh -c "for i in \$(seq $N); do cat /proc/interrupts /proc/softirqs /proc/stat >/dev/null; done" | per "cat of the three files" $N
command -v lsirq >/dev/null && cpu sh -c "for i in \$(seq $N); do lsirq >/dev/null; done" | per "lsirq (util-linux)" $N
if command -v mpstat >/dev/null; then
	# -I ALL as the issue names it, then its parts; the CPU time of 1 interval, and of
	# each further one (6 intervals minus 1, over 5); "exits:" when it crashed
	for m in "-I ALL" "-I SUM" "-I SCPU" "-I CPU" ""; do
		/usr/bin/time -f "%e %U %S" mpstat $m -P ALL 1 1 >/dev/null 2>"$B/mp1" || true
		/usr/bin/time -f "%e %U %S" mpstat $m -P ALL 1 6 >/dev/null 2>"$B/mp6" || true
		crash=$(grep -h -m1 -o "stack smashing detected\|Segmentation fault" "$B/mp1" "$B/mp6" | head -1)
		tail -1 "$B/mp1" >"$B/t1"
		tail -1 "$B/mp6" >"$B/t6"
		awk -v m="mpstat $m -P ALL 1 N" -v crash="$crash" "NR == 1 {w = \$1; c = \$2 + \$3; next}
			{printf \"%-44s %8.1f ms wall %8.1f ms cpu, \", m, w * 1000, c * 1000
			 if (crash != \"\") printf \"exits: %s\\n\", crash
			 else printf \"then %.1f ms cpu per interval\\n\", (\$2 + \$3 - c) * 1000 / 5}" "$B/t1" "$B/t6"
	done
fi
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
