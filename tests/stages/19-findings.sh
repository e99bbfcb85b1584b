#!/bin/sh
# Every finding id of the rule table (read at run time from src/rules/table.c and the
# rules/rules.def it includes) has a
# firing and a quiet fixture in tests/rules/<id>/ and a "## <id>" section in
# docs/findings.md; no section or fixture folder names an id the table lacks
# (tests/rules/tools/check_ids.py). No build needed: 16-rules proves the fixtures.
cd "$(dirname "$0")/../.." || exit 3
exec python3 tests/rules/tools/check_ids.py .
