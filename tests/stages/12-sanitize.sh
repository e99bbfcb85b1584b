#!/usr/bin/env bash
# ASan+UBSan: `make sanitize` builds irqsight and the unit tests into build-san/ (objects of
# their own, never build/'s). On that build: the unit tests, the golden tests
# (tests/golden.sh), the rule fixtures (tests/stages/16-rules.sh), plan / apply (dry
# run) / export / baseline on every fixture host, report of one fixture and of the saved
# latency pair (tests/report), and a few short read-only commands on
# this machine (check, snapshot, top, latency, export). The runtimes stop at the first error
# (halt_on_error, abort_on_error; leaks checked at exit) and write their reports under
# build-san/logs/: every report is one failure, whatever the test around it decided.
# Prints "sanitize: N passed, N failed" (the sums of the suites, plus one per report).
set -u
cd "$(dirname "$0")/../.."
. tests/fixture.sh
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
logs=$PWD/build-san/logs
summary() {
	echo "sanitize: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

if ! make -s -j"$(nproc)" sanitize >"$tmp/build" 2>&1; then
	sed 's/^/    /' "$tmp/build" | tail -n 30
	echo "FAIL make sanitize"
	fail=$((fail + 1))
	summary
fi
rm -rf "$logs"
mkdir -p "$logs"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:log_path=$logs/asan"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
export LSAN_OPTIONS="log_path=$logs/lsan"
ulimit -c 0

# suite NAME CMD...: run one suite, add its "NAME: N passed, N failed" to ours.
suite() {
	local name=$1; shift
	local t0=$SECONDS
	("$@") >"$tmp/$name" 2>&1
	local rc=$? line p f
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$tmp/$name" | tail -n 1)
	p=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/p' <<<"$line")
	if [ -z "$line" ] || { [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
		f=$((${f:-0} + 1))
		echo "FAIL $name (exit $rc, no failure counted)"
	fi
	if [ "${f:-0}" -ne 0 ]; then
		grep -E '^(FAIL|---|    )' "$tmp/$name" | head -n 40 | sed 's/^/    /'
	fi
	echo "  $name: ${p:-0} passed, ${f:-0} failed ($((SECONDS - t0)) s)"
	pass=$((pass + ${p:-0}))
	fail=$((fail + f))
}

suite unit build-san/unit-tests
suite golden env IRQSIGHT=build-san/irqsight tests/golden.sh
suite rules env IRQSIGHT=build-san/irqsight tests/stages/16-rules.sh

# The other commands that read a host, on every fixture: plan, a dry-run apply of it,
# export, baseline save and check. Their output is tested elsewhere; here only that
# they run to an exit status of their own (no signal) and leave no report.
commands() {
	local p=0 f=0 h bad
	export IRQSIGHT_STATE_DIR=$tmp/state
	B() { "$@" >/dev/null 2>"$tmp/cmd.err"; [ $? -lt 128 ] || bad="$bad [$*]"; }
	for h in $(fixture_roots tests/hosts/*/ tests/fleet/hosts/*/ examples/*/); do
		bad=
		B build-san/irqsight --root "$h" plan -o "$tmp/plan"
		[ -s "$tmp/plan" ] && B build-san/irqsight --root "$h" apply "$tmp/plan"
		B build-san/irqsight --root "$h" --json plan
		B build-san/irqsight --root "$h" export -
		B build-san/irqsight --root "$h" baseline save "$tmp/baseline"
		[ -s "$tmp/baseline" ] && B build-san/irqsight --root "$h" --json baseline check "$tmp/baseline"
		rm -f "$tmp/plan" "$tmp/baseline"
		if [ -z "$bad" ]; then
			p=$((p + 1))
		else
			f=$((f + 1))
			echo "FAIL $h: killed by a signal:$bad"
		fi
	done
	echo "commands: $p passed, $f failed"
	[ "$f" -eq 0 ]
}
suite commands commands

# report on one fixture (the 80-CPU worker: findings, ~540 heat-map rows, roles), from
# the saved latency pair (histograms) and from a fix bundle, and the latency JSON that
# carries the histogram.
reports() {
	local p=0 f=0 I=build-san/irqsight
	R() { "$@" >/dev/null 2>"$tmp/report.err"; local rc=$?
		if [ $rc -lt 128 ]; then p=$((p + 1)); else f=$((f + 1)); echo "FAIL $* (rc $rc)"; fi; }
	R $I --root "$(fixture_root ocp-rt-worker-80cpu-isolcpus-managed-irq)" report -o "$tmp/r.html"
	R $I report --from tests/report/latency-before.json tests/report/latency-after.json -o "$tmp/l.html"
	# a fix bundle through the json-c loader: two checks (one only as its summary), the
	# latency pair, summary.json and the texts
	R tests/report/make-bundle.sh $I "$tmp/bundle"
	R $I report --from "$tmp/bundle" -o "$tmp/b.html"
	R $I latency -d 300ms --cpus 0 --save "$tmp/lat.json"
	echo "reports: $p passed, $f failed"
	[ "$f" -eq 0 ]
}
suite reports reports

# This machine, read-only and briefly: sampled check (tracepoints when root), snapshot and
# check of it, top, latency, export.
live() {
	local p=0 f=0 I=build-san/irqsight
	L() { "$@" >/dev/null 2>"$tmp/live.err"; local rc=$?
		if [ $rc -lt 128 ]; then p=$((p + 1)); else f=$((f + 1)); echo "FAIL $* (rc $rc)"; fi; }
	L $I check --interval 0.5
	L $I --json check --interval 0.3 --no-trace
	L $I snapshot "$tmp/snap"
	L $I --root "$tmp/snap" --json check --no-sample
	L $I top --batch --interval 0.2 --iterations 3 --top 0
	L $I top --json --interval 0.2 --iterations 2
	L $I latency -d 300ms --cpus 0
	L $I export -
	echo "live: $p passed, $f failed"
	[ "$f" -eq 0 ]
}
suite live live

# Any report at all is a failure: a test can pass with one (a leak exits 1, which is also
# "warning" for check; the rule fixtures do not look at stderr).
for r in "$logs"/*; do
	[ -e "$r" ] || continue
	echo "FAIL sanitizer report $r:"
	grep -E 'ERROR|SUMMARY|runtime error|^ +#[0-9]+ .*/(src|tests)/' "$r" | head -n 20 | sed 's/^/    /'
	fail=$((fail + 1))
done
summary
