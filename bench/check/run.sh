#!/bin/sh
# Benchmark (not a timed test): `irqsight --root DIR check --no-sample` on a synthetic host of
# 512 CPUs, 8,192 IRQs and 256 devices (bench/gen-host.py, ~46 MB of /proc/interrupts),
# against `cat` of the same files to /dev/null and against util-linux `lsirq` reading the same
# /proc/interrupts (bind-mounted over /proc/interrupts in a private mount namespace).
# Two trees: the full one (/proc/irq and sysfs too), and a copy of only the three counter
# files (proc/interrupts, softirqs, stat: hard links in BENCH_HOST-counters).
# Targets (issue 18): counters only, irqsight wall time <= 3x the cat of the three files and
# max RSS <= 32 MB; the full tree, under the time of a cat of all its files.
#
#   IRQSIGHT=./irqsight  RUNS=5  BENCH_HOST=bench/work/host-512  bench/check/run.sh
#   BENCH_MODE=counters (or full) runs one of the two.
#
# Needs python3, GNU time (/usr/bin/time, package "time"), and for the lsirq row root plus
# lsirq (package util-linux-extra on Debian 12). Rows that cannot run say why.
set -u
LC_ALL=C; export LC_ALL
cd "$(dirname "$0")/../.."

IRQSIGHT=${IRQSIGHT:-./irqsight}
RUNS=${RUNS:-5}
HOST=${BENCH_HOST:-bench/work/host-512}
GTIME=/usr/bin/time

if [ ! -f "$HOST/proc/interrupts" ] || [ bench/gen-host.py -nt "$HOST/proc/interrupts" ]; then
	rm -rf "$HOST"
	python3 bench/gen-host.py "$HOST" || exit 1
fi
[ -x "$GTIME" ] || { echo "bench/check: $GTIME is missing (apt-get install time)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
# The files `check` reads (the snapshot layout less what it only lists: msi_irqs/N, smp_affinity
# masks, the kernel log): the fair "cat of the same files" baseline.
find "$HOST" -type f ! -path '*/msi_irqs/*' ! -name smp_affinity ! -name dmesg -print0 > "$TMP/read"
nread=$(tr -cd '\0' < "$TMP/read" | wc -c)
mb=$(awk -v b="$(wc -c < "$HOST/proc/interrupts")" 'BEGIN { printf "%.1f", b / 1e6 }')

now_ns() { date +%s%N; }

# measure LABEL CMD...: best wall time (ms) and the max RSS (MB) of that run over RUNS runs,
# after one warm-up run (page cache hot for everyone). Sets $ms and $rss. Fails when the
# command exits with >= 3 (irqsight: 3 = could not run) or a signal.
measure() {
	_label=$1; shift
	"$@" > /dev/null 2> "$TMP/err"; _rc=$?
	if [ $_rc -ge 3 ]; then
		echo "bench/check: '$_label' failed (exit $_rc):" >&2
		head -5 "$TMP/err" >&2
		return 1
	fi
	ms=; rss=
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		_t0=$(now_ns)
		"$GTIME" -f "%M" -o "$TMP/rss" "$@" > /dev/null 2>/dev/null
		_t1=$(now_ns)
		_ms=$(( (_t1 - _t0) / 1000000 ))
		_rss=$(tail -n 1 "$TMP/rss")
		if [ -z "$ms" ] || [ "$_ms" -lt "$ms" ]; then ms=$_ms; rss=$_rss; fi
		_i=$((_i + 1))
	done
	rss=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
	return 0
}

row() { printf '%-46s %9s %10s  %s\n' "$1" "$2" "$3" "$4"; }

COUNTERS=$HOST-counters
if [ ! -f "$COUNTERS/proc/interrupts" ] || [ "$HOST/proc/interrupts" -nt "$COUNTERS/proc/interrupts" ]; then
	rm -rf "$COUNTERS"
	mkdir -p "$COUNTERS/proc" || exit 1
	for f in interrupts softirqs stat; do
		ln "$HOST/proc/$f" "$COUNTERS/proc/$f" 2>/dev/null || cp "$HOST/proc/$f" "$COUNTERS/proc/$f" || exit 1
	done
fi
MODE=${BENCH_MODE:-both}

export TMP
status=0

# bench_tree DIR KIND: the cat rows, then irqsight's, with the verdict for KIND (full, counters).
bench_tree() {
	_dir=$1 _kind=$2
	find "$_dir" -type f -print0 > "$TMP/files"
	_nfiles=$(tr -cd '\0' < "$TMP/files" | wc -c)
	echo
	echo "bench/check: $_dir ($_kind): 512 CPUs, 8192 IRQs, 256 devices; proc/interrupts $mb MB, $_nfiles files; best of $RUNS"
	row "what" "wall ms" "max RSS MB" "note"
	if [ "$_kind" = full ]; then
		measure "cat read" sh -c 'xargs -0 cat < "$TMP/read"' || return 1
		_cat_ms=$ms
		row "cat of the $nread files check reads" "$ms" "$rss" "baseline (xargs cat > /dev/null)"
	fi
	measure "cat all" sh -c 'xargs -0 cat < "$TMP/files"' || return 1
	[ "$_kind" = full ] || _cat_ms=$ms
	row "cat of all $_nfiles files > /dev/null" "$ms" "$rss" "$([ "$_kind" = full ] || echo baseline)"
	measure "cat interrupts" cat "$_dir/proc/interrupts" || return 1
	row "cat proc/interrupts > /dev/null" "$ms" "$rss" ""
	if [ -x "$IRQSIGHT" ] && measure "irqsight" "$IRQSIGHT" --root "$_dir" check --no-sample; then
		_ratio=$(awk -v a="$ms" -v b="$_cat_ms" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		if [ "$_kind" = full ]; then
			_verdict=$(awk -v r="$_ratio" 'BEGIN { print (r < 1.0 ? "time ok (< 1x)" : "time OVER 1x") }')
		else
			_verdict=$(awk -v r="$_ratio" -v m="$rss" 'BEGIN {
				print ((r <= 3.0 ? "time ok" : "time OVER 3x") ", " (m <= 32 ? "memory ok" : "memory OVER 32 MB")) }')
		fi
		row "irqsight --root DIR check --no-sample" "$ms" "$rss" "${_ratio}x cat; $_verdict"
		measure "irqsight json" "$IRQSIGHT" --root "$_dir" --json check --no-sample &&
			row "irqsight --root DIR --json check --no-sample" "$ms" "$rss" ""
	else
		row "irqsight --root DIR check --no-sample" "-" "-" "not run: '$IRQSIGHT' missing or failed"
		return 1
	fi
}

if [ "$MODE" != counters ]; then
	bench_tree "$HOST" full || status=1
fi
if [ "$MODE" != full ]; then
	bench_tree "$COUNTERS" counters || status=1
fi
echo

# lsirq reads /proc/interrupts only; give it the synthetic file in a private mount namespace.
if command -v lsirq > /dev/null && command -v unshare > /dev/null && [ "$(id -u)" = 0 ]; then
	abs=$(cd "$HOST/proc" && pwd)/interrupts
	# the namespace itself costs a little: measure it with `true` and report both
	if unshare -m sh -c 'mount --bind "$1" /proc/interrupts && [ "$(head -c 20 /proc/interrupts)" = "$(head -c 20 "$1")" ]' sh "$abs"; then
		measure "ns" unshare -m sh -c 'mount --bind "$1" /proc/interrupts && exec true' sh "$abs" && ns_ms=$ms
		measure "lsirq" unshare -m sh -c 'mount --bind "$1" /proc/interrupts && exec lsirq' sh "$abs" &&
			row "lsirq (synthetic /proc/interrupts)" "$ms" "$rss" "incl. ${ns_ms} ms unshare+mount"
		measure "lsirq -J" unshare -m sh -c 'mount --bind "$1" /proc/interrupts && exec lsirq -J' sh "$abs" &&
			row "lsirq -J" "$ms" "$rss" ""
	else
		row "lsirq" "-" "-" "not run: bind mount over /proc/interrupts failed"
	fi
else
	row "lsirq" "-" "-" "not run: needs root, unshare and lsirq (util-linux-extra)"
fi
exit $status
