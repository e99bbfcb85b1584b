#!/bin/sh
# Stage: live tests of the sampler, the tracepoint recorder, `irqsight top` and a
# real VM process (QEMU) on this machine. Prints "top: N passed, N failed".
cd "$(dirname "$0")/../.." || exit 3
P=0 F=0
for t in tests/live/top.sh tests/live/trace.sh tests/live/vm.sh; do
	out=$(sh "$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' | tail -1)
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/'); f=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed.*/\1/')
	[ -n "$line" ] || { p=0; f=1; echo "FAIL $t printed no summary (rc=$rc)"; }
	[ $rc != 0 ] && [ "${f:-0}" = 0 ] && f=1
	P=$((P + ${p:-0})); F=$((F + ${f:-0}))
done
echo "top: $P passed, $F failed"
[ $F = 0 ]
