#!/usr/bin/env bash
# libFuzzer, one harness per parser (tests/fuzz/fuzz_NAME.c, `make fuzz` -> build-fuzz/,
# ASan+UBSan): replay tests/fuzz/regressions/NAME/* (inputs that once crashed), then fuzz
# for FUZZ_TIME seconds (default 6) from seeds gathered out of the repository's real data
# (tests/fuzz/seeds.py). One pass per harness when neither found a crash, a leak, a hang,
# a sanitizer report or a broken check. A new crash input is kept under build-fuzz/run/NAME/.
# Prints "fuzz: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
T=${FUZZ_TIME:-6}
W=build-fuzz/run
pass=0 fail=0
unset ASAN_OPTIONS LSAN_OPTIONS
export UBSAN_OPTIONS=print_stacktrace=1
ulimit -c 0

mkdir -p "$W"
if ! make -s -j"$(nproc)" fuzz >"$W/build.log" 2>&1; then
	sed 's/^/    /' "$W/build.log" | tail -n 30
	echo "FAIL make fuzz"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

# NAME MAX_LEN: the longest input worth trying (a few /proc/interrupts rows of a wide host;
# a config space is 4 KiB; a CPU list longer than a few hundred bytes only repeats itself;
# a journal of a few dozen writes; rollback replays on a scratch tree, so fewer lines).
while read -r name max; do
	bin=build-fuzz/fuzz_$name
	d=$W/$name
	rm -rf "$d"
	mkdir -p "$d/corpus" "$d/crash"
	t0=$SECONDS
	ok=1 why= log=
	if [ ! -x "$bin" ]; then
		ok=0 why="no harness $bin"
	fi
	reg=(tests/fuzz/regressions/"$name"/*)
	nreg=0
	if [ $ok = 1 ] && [ -e "${reg[0]}" ]; then
		nreg=${#reg[@]}
		if ! "$bin" -rss_limit_mb=1024 -timeout=10 "${reg[@]}" </dev/null >"$d/regressions.log" 2>&1; then
			ok=0 why="a regression input fails again"
			log=$d/regressions.log
		fi
	fi
	if [ $ok = 1 ]; then
		nseeds=$(python3 tests/fuzz/seeds.py "$name" "$max" "$d/seeds" </dev/null)
		log=$d/fuzz.log
		if ! "$bin" -max_total_time="$T" -max_len="$max" -rss_limit_mb=1024 -timeout=10 \
			-artifact_prefix="$d/crash/" -print_final_stats=1 "$d/corpus" "$d/seeds" </dev/null >"$log" 2>&1; then
			ok=0 why="crash input: $(ls "$d"/crash/* 2>/dev/null | head -n 1)"
		fi
	fi
	if [ $ok = 1 ]; then
		runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
		cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
		echo "ok   $name: ${runs:-?} runs, $cov, ${nseeds:-0} seeds, $nreg regressions ($((SECONDS - t0)) s)"
		pass=$((pass + 1))
	else
		echo "FAIL $name: $why"
		# The report, and the stack frames in our own code.
		[ -n "$log" ] && grep -E 'ERROR|SUMMARY|check failed|runtime error|^ +#[0-9]+ .*/(src|tests)/|Test unit written|Running:' "$log" |
			head -n 25 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done <<'EOF'
interrupts 16384
softirqs 8192
stat 8192
cmdline 4096
klog 16384
pci_config 4096
task 4096
envfile 4096
planfile 4096
keepstate 4096
journal 8192
rollback 4096
cpuset 256
baseline 8192
html 16384
EOF
# A harness that this table forgot is a failure, not a silent skip.
for f in tests/fuzz/fuzz_*.c; do
	n=$(basename "$f" .c)
	n=${n#fuzz_}
	[ -d "$W/$n" ] || { echo "FAIL $n: tests/fuzz/fuzz_$n.c is not in the table of tests/stages/14-fuzz.sh"; fail=$((fail + 1)); }
done

echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
