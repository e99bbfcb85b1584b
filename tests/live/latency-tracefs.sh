#!/bin/sh
# `irqsight latency` leaves tracing as it found it (docs/latency.md, "Tracing state"), in
# two private mount namespaces (other processes' mounts cannot interfere, and nothing the
# test mounts is seen outside):
#  1. tracefs unmounted: irqsight mounts it to read event ids and formats and must leave
#     it unmounted (normal exit, SIGINT, SIGKILL);
#  2. tracefs mounted by the test: every file irqsight could have changed is recorded
#     before and after each run (normal exit, SIGINT, SIGKILL) and compared, and the
#     test's mount must still be there (and no other). The runs must really use the
#     tracepoint recorder (JSON method and recorder, its perf_event or trace_pipe_raw fds
#     while running), or the comparison would prove nothing. Both recorders: ftrace
#     (the default) and --recorder perf.
#  3. SIGKILL of the recorder and of its guardian together (a process group killed
#     whole): the instance is left, and the next run removes it.
# What src/sample/trace.c touches: the tracefs mount (mount/umount when none is there);
# events/{irq,irq_vectors}/*/{id,format} (read); perf: perf_event_open fds (per process,
# disabled until the run, closed by the kernel when the process dies); ftrace: its own
# instance instances/irqsight-<pid>-<n>-<nonce> (created, set up, removed on exit; after SIGKILL
# by the guardian shell within a moment, which the test waits up to 5 s for);
# /proc/sys/kernel/perf_event_paranoid (read); RLIMIT_NOFILE (its own). It writes nothing
# else in tracefs, so the snapshot holds the global tracing switches, every irq/irq_vectors
# event's enable, filter and trigger, the instances, and the kernel's perf_event sysctls.
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
	grep -q "\"method\": \"tracepoints\"" "$2/u.json" && grep -q "\"recorder\": \"ftrace\"" "$2/u.json" || exit 5
	"$1" latency -d 60s --cpus 0 >/dev/null 2>&1 & p=$!; sleep 1; kill -INT $p || exit 6; wait $p; [ "$(n)" -eq 0 ] || exit 3
	"$1" latency -d 60s --cpus 0 >/dev/null 2>&1 & p=$!; sleep 1; kill -KILL $p || exit 7; wait $p
	# SIGKILL: the guardian unmounts once the dead process'"'"'s files are closed
	i=0; while [ "$(n)" -ne 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(n)" -eq 0 ] || exit 4
	echo "unmounted $((i * 100)) ms after SIGKILL"
	"$1" latency -d 300ms --cpus 0 --recorder perf --json >"$2/up.json" 2>&1 || exit 1; [ "$(n)" -eq 0 ] || exit 2
	grep -q "\"recorder\": \"perf\"" "$2/up.json" || exit 5
	exit 0' sh "$I" "$tmp" >"$tmp/ns1" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "tracefs unmounted: irqsight mounts it and leaves it unmounted (normal exit with tracepoints through ftrace and perf, SIGINT, SIGKILL: $(grep -o 'unmounted [0-9]* ms' "$tmp/ns1"))" ||
	bad "tracefs unmounted: rc $rc (2/3/4: left mounted after normal exit/SIGINT/SIGKILL; 5: no tracepoints; 6/7: exited before the signal) $(cat "$tmp/ns1")"

# 2. tracefs mounted by the test at /sys/kernel/tracing (where irqsight would mount it)
script=$(cat <<'EOS'
I=$1 tmp=$2 self=$3
for m in $(grep -E " - tracefs " /proc/self/mountinfo | awk '{print $5}' | sort -r); do umount "$m" || exit 9; done
mount -t tracefs nodev /sys/kernel/tracing || exit 9
mounts() { grep -E " - tracefs " /proc/self/mountinfo | awk '{print $5}' | tr '\n' ' '; }
mounts >"$tmp/m0"
"$self" --snapshot-in /sys/kernel/tracing >"$tmp/s0"
rec_fds() { ls -l /proc/"$1"/fd 2>/dev/null | grep -cE 'perf_event|trace_pipe_raw'; }
ours() { ls /sys/kernel/tracing/instances 2>/dev/null | grep -c '^irqsight-'; }
# run MODE REC: one run with --recorder REC, then the snapshot and the mounts
run() {
	k=$1.$2
	case $1 in
	exit)
		"$I" latency -d 500ms --cpus 0 --recorder "$2" --json >"$tmp/$k.json" 2>"$tmp/$k.err"
		echo "rc $?" >"$tmp/$k.rc"
		;;
	int|kill)
		"$I" latency -d 60s --cpus 0 --recorder "$2" --json >"$tmp/$k.json" 2>"$tmp/$k.err" &
		p=$!
		sleep 1
		rec_fds $p >"$tmp/$k.fds"
		ours >"$tmp/$k.inst"
		# the instance as set up: mono clock, only CPU 0 traced, its ring on CPU 0 only
		d=$(ls -d /sys/kernel/tracing/instances/irqsight-* 2>/dev/null | head -1)
		[ -n "$d" ] && printf '%s|%s|%s|%s\n' "$(cat "$d/trace_clock")" "$(cat "$d/tracing_cpumask")" \
			"$(cat "$d/per_cpu/cpu0/buffer_size_kb")" "$(cat "$d/per_cpu/cpu1/buffer_size_kb" 2>/dev/null)" >"$tmp/$k.setup"
		kill -"$(echo "$1" | tr a-z A-Z)" $p
		wait $p
		echo "rc $?" >"$tmp/$k.rc"
		# after SIGKILL the guardian removes the instance once the dead process's files
		# are closed: wait for it (up to 5 s), and say how long it took
		i=0; while [ "$(ours)" -ne 0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		echo $((i * 100)) >"$tmp/$k.wait"
		;;
	esac
	mut=${LATENCY_TRACEFS_MUTATE:-}
	case $mut in */filter) echo 'common_pid == 1' >"/sys/kernel/tracing/$mut" ;; '') ;; *) exit 7 ;; esac
	"$self" --snapshot-in /sys/kernel/tracing >"$tmp/s.$k"
	[ -n "$mut" ] && echo 0 >"/sys/kernel/tracing/$mut"
	mounts >"$tmp/m.$k"
}
for r in ftrace perf; do run exit $r; run int $r; run kill $r; done
# the guardian killed alone: the recorder must not die of it (SIGPIPE) and still cleans up
"$I" latency -d 2s --cpus 0 --recorder ftrace --json >"$tmp/g.json" 2>&1 &
p=$!
sleep 1
g=$(pgrep -f "irqsight-$p-[0-9]" | head -1)
[ -n "$g" ] && kill -KILL "$g"
wait $p
echo "rc $? guardian ${g:-none}" >"$tmp/g.rc"
ours >"$tmp/g.after"
# 3. recorder and guardian killed together: the instance stays until the next run
"$I" latency -d 60s --cpus 0 --recorder ftrace >/dev/null 2>&1 &
p=$!
sleep 1
g=$(pgrep -f "irqsight-$p-[0-9]" | head -1)	# the guardian names the instance
[ -n "$g" ] && kill -KILL "$g"
kill -KILL $p
wait $p
sleep 0.3
ours >"$tmp/orphan.before"
"$I" latency -d 300ms --cpus 1 --recorder ftrace >/dev/null 2>&1
ours >"$tmp/orphan.after"
exit 0
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
	for r in ftrace perf; do
		grep -q '"method": "tracepoints"' "$tmp/exit.$r.json" && grep -q "\"recorder\": \"$r\"" "$tmp/exit.$r.json" &&
			[ "$(cat "$tmp/exit.$r.rc")" = "rc 0" ] &&
			ok "tracefs mounted: normal run used the tracepoint recorder through $r" ||
			bad "tracefs mounted: --recorder $r run $(cat "$tmp/exit.$r.rc"), $(grep -oE '"(method|recorder)": "[a-z]*"' "$tmp/exit.$r.json" | tr '\n' ' ') $(head -3 "$tmp/exit.$r.err")"
		for m in int kill; do
			k=$m.$r M=SIG$(echo $m | tr a-z A-Z)
			f=$(cat "$tmp/$k.fds" 2>/dev/null || echo 0)
			[ "${f:-0}" -gt 0 ] && ok "$M run ($r) had $f recorder fds open (recording)" ||
				bad "$M run ($r) had no perf_event or trace_pipe_raw fds: the recorder did not run"
			if [ $r = ftrace ]; then
				[ "$(cat "$tmp/$k.inst")" = 1 ] && ok "$M run (ftrace) recorded in its own tracefs instance" ||
					bad "$M run (ftrace): $(cat "$tmp/$k.inst") irqsight instances while recording, not 1"
				# trace_clock|tracing_cpumask|cpu0 kB|cpu1 kB: [mono] chosen, mask 1 (any
				# width), ~1024 kB on the recorded CPU (the kernel rounds to its pages), the
				# minimum elsewhere
				st=$(cat "$tmp/$k.setup" 2>/dev/null)
				echo "$st" | awk -F'|' '$1 ~ /\[mono\]/ && $2 ~ /^0*1$/ && $3 >= 1000 && $3 < 1100 && ($4 == "" || $4 < 64) { ok = 1 } END { exit !ok }' &&
					ok "$M run (ftrace): instance uses the mono clock, traces CPU 0 only, 1 MB ring there ($st)" ||
					bad "$M run (ftrace): instance set up as [$st]"
			fi
		done
		for m in exit int kill; do
			k=$m.$r
			what=$(case $m in exit) echo "normal exit" ;; int) echo SIGINT ;; kill) echo "SIGKILL (instance gone after $(cat "$tmp/$k.wait") ms)" ;; esac)
			if cmp -s "$tmp/s0" "$tmp/s.$k"; then
				ok "tracefs mounted, $r, $what: tracing and perf settings as found"
			else
				bad "tracefs mounted, $r, $what: settings changed: $(diff "$tmp/s0" "$tmp/s.$k" | grep '^[<>]' | head -6 | tr '\n' ' ')"
			fi
			cmp -s "$tmp/m0" "$tmp/m.$k" && ok "tracefs mounted, $r, $what: the test's mount kept, no other ($(cat "$tmp/m.$k"))" ||
				bad "tracefs mounted, $r, $what: tracefs mounts were [$(cat "$tmp/m0")], now [$(cat "$tmp/m.$k")]"
		done
	done
	grep -q '^rc 0 guardian [0-9]' "$tmp/g.rc" && grep -q '"recorder": "ftrace"' "$tmp/g.json" && [ "$(cat "$tmp/g.after")" = 0 ] &&
		ok "guardian SIGKILLed during a run: the recorder reports (exit 0) and removes its instance itself" ||
		bad "guardian SIGKILLed during a run: $(cat "$tmp/g.rc"), $(cat "$tmp/g.after") instances left: $(tail -2 "$tmp/g.json")"
	[ "$(cat "$tmp/orphan.before")" = 1 ] && [ "$(cat "$tmp/orphan.after")" = 0 ] &&
		ok "recorder and guardian both SIGKILLed: the instance left behind is removed by the next run" ||
		bad "recorder and guardian both SIGKILLed: instances before/after the next run $(cat "$tmp/orphan.before")/$(cat "$tmp/orphan.after"), want 1/0"
fi
echo "latency-tracefs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
