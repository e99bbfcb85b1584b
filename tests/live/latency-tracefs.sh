#!/bin/sh
# `irqsight latency` leaves tracing as it found it (docs/latency.md, "Tracing state"), in
# two private mount namespaces (other processes' mounts cannot interfere, and nothing the
# test mounts is seen outside):
#  1. tracefs unmounted: irqsight mounts it to read event ids and formats and must leave
#     it unmounted (normal exit, SIGINT, SIGKILL);
#  2. tracefs mounted by the test: every file irqsight could have changed is recorded
#     before and after each run (normal exit, SIGINT, SIGKILL) and compared, and the
#     test's mount must still be there (and no other). The runs must really use the
#     tracepoint recorder (JSON method, perf_event fds while running), or the comparison
#     would prove nothing.
# What src/sample/trace.c touches: the tracefs mount (mount/umount when none is there);
# events/{irq,irq_vectors}/*/{id,format} (read); perf_event_open fds (per process, disabled
# until the run, closed by the kernel when the process dies); /proc/sys/kernel/
# perf_event_paranoid (read); RLIMIT_NOFILE (its own). It writes nothing in tracefs, so
# the snapshot holds the global tracing switches, every irq/irq_vectors event's enable,
# filter and trigger, the instances, and the kernel's perf_event sysctls.
#   tests/live/latency-tracefs.sh            (root; "latency-tracefs: N passed, N failed")
#   tests/live/latency-tracefs.sh --snapshot (root; prints the snapshot, for other tests)
# IRQSIGHT names the binary (default ./irqsight). Negative control only:
# LATENCY_TRACEFS_MUTATE=events/irq/softirq_raise/filter sets that filter after each run
# (as if irqsight had), so the comparison must fail; it is cleared again before the next.
set -u
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/../.."
I=${IRQSIGHT:-./irqsight}
case $I in /*) ;; *) I=$PWD/$I ;; esac

# snap DIR: the state under a mounted tracefs DIR, one "name=value" line per file.
snap() {
	(
		cd "$1" || exit 1
		for f in tracing_on set_event set_event_pid set_event_notrace_pid current_tracer trace_clock \
			tracing_cpumask buffer_size_kb events/enable \
			events/irq/enable events/irq/*/enable events/irq/*/filter events/irq/*/trigger \
			events/irq_vectors/enable events/irq_vectors/*/enable events/irq_vectors/*/filter \
			events/irq_vectors/*/trigger; do
			[ -e "$f" ] && printf '%s=%s\n' "$f" "$(tr '\n' ' ' <"$f" 2>&1)"
		done
		printf 'instances=%s\n' "$(ls instances 2>&1 | tr '\n' ' ')"
	)
	for k in perf_event_paranoid perf_event_mlock_kb perf_event_max_sample_rate perf_cpu_time_max_percent \
		perf_event_max_stack perf_event_max_contexts_per_stack; do
		[ -r "/proc/sys/kernel/$k" ] && printf '%s=%s\n' "$k" "$(cat "/proc/sys/kernel/$k")"
	done
}

if [ "${1:-}" = --snapshot ]; then
	# tracefs mounted at a scratch directory in a private namespace: the host's mounts stay
	# as they are.
	d=$(mktemp -d)
	unshare -m --propagation private sh -c 'mount -t tracefs nodev "$1" && exec "$2" --snapshot-in "$1"' sh "$d" "$self"
	rc=$?
	rmdir "$d"
	exit $rc
fi
if [ "${1:-}" = --snapshot-in ]; then
	snap "$2"
	exit 0
fi

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
if [ "$(id -u)" -ne 0 ]; then
	echo "latency-tracefs: skipped (needs root)"; echo "latency-tracefs: 0 passed, 0 failed"; exit 0
fi
if ! command -v unshare >/dev/null || ! unshare -m true 2>/dev/null; then
	# root without private mount namespaces: a failure, not a skip
	echo "latency-tracefs: unshare -m does not work here"
	echo "latency-tracefs: 0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. tracefs unmounted
unshare -m --propagation private sh -c '
	for m in $(grep -E " - tracefs " /proc/self/mountinfo | awk "{print \$5}" | sort -r); do umount "$m" || exit 9; done
	n() { grep -cE " - tracefs " /proc/self/mountinfo; }
	[ "$(n)" -eq 0 ] || exit 8
	"$1" latency -d 300ms --cpus 0 --json >"$2/u.json" 2>&1 || exit 1; [ "$(n)" -eq 0 ] || exit 2
	grep -q "\"method\": \"tracepoints\"" "$2/u.json" || exit 5
	"$1" latency -d 60s --cpus 0 >/dev/null 2>&1 & p=$!; sleep 1; kill -INT $p || exit 6; wait $p; [ "$(n)" -eq 0 ] || exit 3
	"$1" latency -d 60s --cpus 0 >/dev/null 2>&1 & p=$!; sleep 1; kill -KILL $p || exit 7; wait $p; [ "$(n)" -eq 0 ] || exit 4
	exit 0' sh "$I" "$tmp" >"$tmp/ns1" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "tracefs unmounted: irqsight mounts it and leaves it unmounted (normal exit with tracepoints, SIGINT, SIGKILL)" ||
	bad "tracefs unmounted: rc $rc (2/3/4: left mounted after normal exit/SIGINT/SIGKILL; 5: no tracepoints; 6/7: exited before the signal) $(cat "$tmp/ns1")"

# 2. tracefs mounted by the test at /sys/kernel/tracing (where irqsight would mount it)
script=$(cat <<'EOS'
I=$1 tmp=$2 self=$3
for m in $(grep -E " - tracefs " /proc/self/mountinfo | awk '{print $5}' | sort -r); do umount "$m" || exit 9; done
mount -t tracefs nodev /sys/kernel/tracing || exit 9
mounts() { grep -E " - tracefs " /proc/self/mountinfo | awk '{print $5}' | tr '\n' ' '; }
mounts >"$tmp/m0"
"$self" --snapshot-in /sys/kernel/tracing >"$tmp/s0"
perf_fds() { ls -l /proc/"$1"/fd 2>/dev/null | grep -c 'perf_event'; }
# run MODE: one run, then the snapshot and the mounts
run() {
	case $1 in
	exit)
		"$I" latency -d 500ms --cpus 0 --json >"$tmp/exit.json" 2>"$tmp/exit.err"
		echo "rc $?" >"$tmp/exit.rc"
		;;
	int|kill)
		"$I" latency -d 60s --cpus 0 --json >"$tmp/$1.json" 2>"$tmp/$1.err" &
		p=$!
		sleep 1
		perf_fds $p >"$tmp/$1.fds"
		kill -"$(echo "$1" | tr a-z A-Z)" $p
		wait $p
		echo "rc $?" >"$tmp/$1.rc"
		;;
	esac
	mut=${LATENCY_TRACEFS_MUTATE:-}
	case $mut in */filter) echo 'common_pid == 1' >"/sys/kernel/tracing/$mut" ;; '') ;; *) exit 7 ;; esac
	"$self" --snapshot-in /sys/kernel/tracing >"$tmp/s.$1"
	[ -n "$mut" ] && echo 0 >"/sys/kernel/tracing/$mut"
	mounts >"$tmp/m.$1"
}
run exit; run int; run kill
EOS
)
unshare -m --propagation private sh -c "$script" sh "$I" "$tmp" "$self" >"$tmp/ns2" 2>&1
rc=$?
if [ $rc -ne 0 ] || [ ! -s "$tmp/s0" ]; then
	bad "tracefs mounted: could not run (rc $rc) $(cat "$tmp/ns2")"
else
	n=$(wc -l <"$tmp/s0")
	grep -q '^events/irq/irq_handler_entry/enable=' "$tmp/s0" && [ "$n" -gt 20 ] &&
		ok "snapshot of $n tracing/perf settings (tracing_on, set_event, events/{irq,irq_vectors}/*/{enable,filter,trigger}, perf_event sysctls)" ||
		bad "snapshot incomplete ($n lines): $(head -5 "$tmp/s0")"
	grep -q '"method": "tracepoints"' "$tmp/exit.json" && [ "$(cat "$tmp/exit.rc")" = "rc 0" ] &&
		ok "tracefs mounted: normal run used the tracepoint recorder" ||
		bad "tracefs mounted: normal run $(cat "$tmp/exit.rc"), method $(grep -o '"method": "[a-z]*"' "$tmp/exit.json") $(head -3 "$tmp/exit.err")"
	for m in int kill; do
		f=$(cat "$tmp/$m.fds" 2>/dev/null || echo 0)
		[ "${f:-0}" -gt 0 ] && ok "SIG$(echo $m | tr a-z A-Z) run had $f perf_event fds open (recording)" ||
			bad "SIG$(echo $m | tr a-z A-Z) run had no perf_event fds: the recorder did not run"
	done
	for m in exit int kill; do
		what=$(case $m in exit) echo "normal exit" ;; int) echo SIGINT ;; kill) echo SIGKILL ;; esac)
		if cmp -s "$tmp/s0" "$tmp/s.$m"; then
			ok "tracefs mounted, $what: tracing and perf settings as found"
		else
			bad "tracefs mounted, $what: settings changed: $(diff "$tmp/s0" "$tmp/s.$m" | grep '^[<>]' | head -6 | tr '\n' ' ')"
		fi
		cmp -s "$tmp/m0" "$tmp/m.$m" && ok "tracefs mounted, $what: the test's mount kept, no other ($(cat "$tmp/m.$m"))" ||
			bad "tracefs mounted, $what: tracefs mounts were [$(cat "$tmp/m0")], now [$(cat "$tmp/m.$m")]"
	done
fi
echo "latency-tracefs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
