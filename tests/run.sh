#!/usr/bin/env bash
# Runs every test stage of `make check` and ends with one line "N passed, N failed".
# Each stage prints its own "<stage>: N passed, N failed" line; this sums them.
set -u
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

stage() {
	local name=$1; shift
	echo "== $name"
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local line
	line=$(grep -E '^[a-z0-9_ -]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		local p f
		p=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
		f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
		total_pass=$((total_pass + p))
		total_fail=$((total_fail + f))
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "$name: exited $rc"; total_fail=$((total_fail + 1))
		fi
	else
		echo "$name: no result line (exit $rc)"
		total_fail=$((total_fail + 1))
	fi
}

# What the stages must leave as they found it on this machine (tests/host-state.sh).
before=$(mktemp)
trap 'rm -f "$log" "$before"' EXIT
tests/host-state.sh >"$before"

for s in tests/stages/*.sh; do
	[ -x "$s" ] || continue
	stage "$(basename "$s" .sh)" "$s"
done
echo "== host-untouched"
if tests/host-state.sh | diff -u "$before" - >"$log"; then
	echo "host-untouched: 1 passed, 0 failed"
	total_pass=$((total_pass + 1))
else
	echo "the stages changed this machine (tests/host-state.sh, before vs after):"
	head -n 40 "$log"
	echo "host-untouched: 0 passed, 1 failed"
	total_fail=$((total_fail + 1))
fi
echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
