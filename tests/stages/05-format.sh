#!/bin/sh
# House style (.clang-format) on the C lines changed since the merge base with origin/main
# (on main itself, the lines of its newest commit)
# (LINT_BASE=REV to compare with another revision): untouched code is never checked, so
# code older than the style file does not fail it (tests/lint/format-check.py; --fix there
# rewrites the reported lines). Branches written before .clang-format fail it on their own
# changes: after merging one, `LINT_BASE=main tests/lint/format-check.py --fix` formats them.
cd "$(dirname "$0")/../.." || exit 3
exec python3 tests/lint/format-check.py
