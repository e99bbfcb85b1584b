#!/usr/bin/env bash
# roles: over every fixture root (tests/hosts, tests/rules cases, examples), the planner
# never targets a CPU the roles model reserves (isolated, nohz_full, pinned vCPU) unless
# --housekeeping names it, and then warns; --vm-cpus adds to the reservations; every
# `irqsight ...` fix line of the report runs as printed against the root
# (tests/plan/roles_check.py). Prints "roles: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 3
. tests/fixture.sh
BIN=${IRQSIGHT:-./irqsight}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
if [ ! -x "$BIN" ]; then
	echo "roles: cannot run '$BIN' (run make first)"
	echo "roles: 0 passed, 1 failed"
	exit 1
fi
T=$(mktemp -d /tmp/irqsight-roles.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
# every tree as check reads it (tests/fixture.sh unpacks the packed ones)
roots=$(fixture_roots tests/hosts/*/ tests/rules/*/*/*/ examples/*/)
for r in $roots; do
	[ -e "$r/proc" ] || [ -e "$r/dmesg" ] || continue
	w=$T/$(echo "$r" | tr / _)
	mkdir -p "$w"
	out=$(python3 tests/plan/roles_check.py "$BIN" "$r" "$w" 2>&1)
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^FAIL ' <<<"$out")
	pass=$((pass + p))
	fail=$((fail + f))
	grep '^FAIL ' <<<"$out"
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $r: no result ($out)"
		fail=$((fail + 1))
	fi
	rm -rf "$w"
done
echo "roles: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
