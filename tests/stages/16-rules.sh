#!/bin/sh
# Rule fixtures: every tests/rules/<id>/<fires|quiet>/<case>/ is a host tree with an
# `expect` file; run `irqsight --root CASE --json check --no-sample` on it and check
# every expectation (tests/rules/tools/check_case.py, tests/rules/README.md).
# IRQSIGHT (default ./irqsight) may name another build, e.g. the sanitizer one.
cd "$(dirname "$0")/../.." || exit 3
BIN=${IRQSIGHT:-./irqsight}
if [ ! -x "$BIN" ]; then
	[ "$BIN" = ./irqsight ] && make -s irqsight >/dev/null || { echo "rules: 0 passed, 1 failed"; exit 1; }
fi
pass=0
fail=0
for exp in tests/rules/*/*/*/expect; do
	[ -f "$exp" ] || continue
	case_dir=${exp%/expect}
	if python3 tests/rules/tools/check_case.py "$BIN" "$case_dir" "${case_dir#tests/rules/}"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "rules: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
