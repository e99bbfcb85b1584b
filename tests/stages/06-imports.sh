#!/bin/sh
# The shape of src/: the include graph has no arrow up the layers (util < source < parse <
# sample < model < act < rules < render < cmd < main; the core never includes src/opt/)
# and no loop between .c files (tests/lint/imports.py), and no function is longer than
# 120 lines outside the allow-listed parsers' state machines (tests/lint/funclen.py).
# Both allow-lists only shrink: an entry that matches nothing fails. No build needed.
cd "$(dirname "$0")/../.." || exit 3
out=$(python3 tests/lint/imports.py; echo "rc=$?"; python3 tests/lint/funclen.py; echo "rc=$?")
printf '%s\n' "$out" | grep -v '^rc=\|^imports: \|^funclen: '
pass=0 fail=0
for l in $(printf '%s\n' "$out" | sed -n 's/^\(imports\|funclen\): \([0-9]*\) passed, \([0-9]*\) failed.*/\2:\3/p'); do
	pass=$((pass + ${l%%:*}))
	fail=$((fail + ${l##*:}))
done
# a checker that crashed printed no count: that is a failure, not "nothing to check"
n=$(printf '%s\n' "$out" | grep -c '^\(imports\|funclen\): ')
[ "$n" = 2 ] || fail=$((fail + 1))
echo "imports: $pass passed, $fail failed"
[ "$fail" = 0 ]
