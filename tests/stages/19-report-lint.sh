#!/bin/sh
# The text report of every fixture (tests/hosts, tests/rules cases, examples/) as an
# operator reads and pastes it: no line over 80 columns, no placeholder in a `$` line,
# every `$ irqsight ...` line runs against a copy of its fixture (plans and journals in a
# temporary directory), every other `$` line passes `sh -n` and starts with a command
# (tests/lint/report_lint.py). IRQSIGHT (default ./irqsight) may name another build.
cd "$(dirname "$0")/../.." || exit 3
BIN=${IRQSIGHT:-./irqsight}
if [ ! -x "$BIN" ]; then
	[ "$BIN" = ./irqsight ] && make -s irqsight >/dev/null || { echo "report-lint: 0 passed, 1 failed"; exit 1; }
fi
exec python3 tests/lint/report_lint.py "$BIN"
