#!/bin/sh
# Whole-tree bad input: copy fixture hosts (tests/hosts/), break one file at a time
# (empty, cut mid-line, random bytes, NULs, a 10 MB line, missing, a directory, a FIFO,
# a dangling or looping symlink, mode 000 read as nobody, CPU ids with holes) and run
# `irqsight --root T --json check --no-sample` on each: no crash or hang, exit 0/1/2
# (3 only where the root is unusable, or with an UNKNOWN report when proc/interrupts gave
# nothing to judge: never OK, no device-interrupt figures), valid JSON, an unreadable[] entry for the bad
# file, and unknown rather than "no" for what depended on it (tests/badinput/badinput.py).
cd "$(dirname "$0")/../.." || exit 3
IRQSIGHT=${IRQSIGHT:-./irqsight}
if [ ! -x "$IRQSIGHT" ]; then
	# build the default binary; another one that is missing is an error, not a rebuild
	[ "$IRQSIGHT" = ./irqsight ] && make -s irqsight >/dev/null ||
		{ echo "badinput: cannot run $IRQSIGHT"; echo "badinput: 0 passed, 1 failed"; exit 1; }
fi
exec python3 tests/badinput/badinput.py "$IRQSIGHT" ${BADINPUT_ONLY:+"$BADINPUT_ONLY"}
