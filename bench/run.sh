#!/bin/sh
# Runs every benchmark: bench/*/run.sh (each prints its own table). Not part of `make check`.
cd "$(dirname "$0")/.." || exit 1
rc=0
for b in bench/*/run.sh; do
	[ -x "$b" ] || continue
	echo "== $b"
	"$b" || rc=1
done
exit $rc
