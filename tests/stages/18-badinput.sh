#!/bin/sh
# Whole-tree bad input: copy fixture hosts (tests/hosts/), break one file at a time
# (empty, cut mid-line, random bytes, NULs, a 10 MB line, missing, a directory, a FIFO,
# a dangling or looping symlink, mode 000 read as nobody, CPU ids with holes) and run
# `irqsight --root T --json check --no-sample` on each: no crash or hang, exit 0/1/2
# (3 only where the root is unusable, or with an UNKNOWN report when proc/interrupts gave
# nothing to judge: never OK, no device-interrupt figures), valid JSON, an unreadable[] entry for the bad
# file, and unknown rather than "no" for what depended on it (tests/badinput/badinput.py).
# Then a snapshot of a tree with links planted to files outside it copies none of them
# (tests/badinput/snapshot_links.py).
cd "$(dirname "$0")/../.." || exit 3
IRQSIGHT=${IRQSIGHT:-./irqsight}
if [ ! -x "$IRQSIGHT" ]; then
	# build the default binary; another one that is missing is an error, not a rebuild
	[ "$IRQSIGHT" = ./irqsight ] && make -s irqsight >/dev/null ||
		{ echo "badinput: cannot run $IRQSIGHT"; echo "badinput: 0 passed, 1 failed"; exit 1; }
fi
[ -n "${BADINPUT_ONLY:-}" ] && exec python3 tests/badinput/badinput.py "$IRQSIGHT" "$BADINPUT_ONLY"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# counts "NAME: N passed, N failed" of the last run into $p $f
counts() {
	p=$(sed -nE 's/^[a-z-]+: ([0-9]+) passed, ([0-9]+) failed$/\1/p' "$log" | tail -1)
	f=$(sed -nE 's/^[a-z-]+: ([0-9]+) passed, ([0-9]+) failed$/\2/p' "$log" | tail -1)
	[ -n "$p" ] || { p=0; f=1; echo "not ok - $1: no result line"; }
}
python3 tests/badinput/badinput.py "$IRQSIGHT" | tee "$log"
counts badinput.py
pass=$p fail=$f
# `--root UNTRUSTED snapshot OUT` with links out of the tree planted.
python3 tests/badinput/snapshot_links.py "$IRQSIGHT" | tee "$log"
counts snapshot_links.py
pass=$((pass + p)) fail=$((fail + f))
echo "badinput: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
