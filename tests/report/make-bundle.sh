#!/usr/bin/env bash
# A `fix` bundle (docs/report.md, "Bundles") made from real parts, for
# tests/stages/82-report.sh:  tests/report/make-bundle.sh IRQSIGHT DIR
#   check-before.json  `--json check` of a copy of the 80-CPU RT worker with a pinned VM
#   plan               `plan` of that copy
#   journal            `apply --yes plan` on the copy (its own state directory; this host
#                      is never touched: --root writes only under the copy)
#   check-after.json   `--json check` of the copy after the apply
#   latency-*.json     the saved latency pair of this directory (a 2-CPU guest)
#   summary.json/.txt  fix-bundle/: hand-written in the shape `fix` writes (issue 20)
# The parts come from different hosts and the numbers of the summary are made up: it is
# the page that is under test, not a fix.
set -eu
BIN=$(realpath "$1")
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
# the pinned-VM scenario is stored as an overlay on its base (tests/fixture.sh)
host=$(cd "$here/../.." && . tests/fixture.sh && realpath "$(fixture_root scenario-rt-worker-80cpu-pinned-vm-irqbalance)")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$dir"
cp -a "$host" "$scratch/h"
chmod -R u+w "$scratch/h"
mkdir -p "$scratch/state"
"$BIN" --root "$scratch/h" --json check >"$dir/check-before.json" || [ $? -le 2 ]
"$BIN" --root "$scratch/h" plan -o "$dir/plan" >/dev/null
"$BIN" --root "$scratch/h" apply --yes --state-dir "$scratch/state" "$dir/plan" >/dev/null 2>&1
cp "$scratch"/state/journal-*.txt "$dir/journal"
"$BIN" --root "$scratch/h" --json check >"$dir/check-after.json" || [ $? -le 2 ]
cp "$here/latency-before.json" "$here/latency-after.json" "$here/fix-bundle/summary.json" \
	"$here/fix-bundle/summary.txt" "$dir/"
