#!/usr/bin/env bash
# usage: tests/lab/fixtures.sh [KERNEL-SCENARIO...]
# Refreshes the golden fixture hosts tests/hosts/lab-<kernel>-<scenario>/ from the host
# trees captured by the last lab run (tests/lab/work/results): irqsight's own snapshot
# (out/snap) when the guest could take one, else the busybox capture (out/raw). The
# lab snapshots live only there (tests/hosts/LAB.md); SOURCE.md and the expected.*
# files of a fixture are kept, the tree is replaced, and its empty directories (which
# git drops) are listed in .empty-dirs. Only text files and PCI config-space files;
# review `git diff --stat` and re-bless the goldens (UPDATE=1 tests/golden.sh) after.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEFAULT="6.1-intel-ir 6.12-intel-ir 6.12-intel-noir 6.12-no-iommu 6.12-amd-badparam 6.1-nomsi 6.12-hotspot 6.12-numa"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in ${@:-$DEFAULT}; do
	res=tests/lab/work/results/$n/out
	src=$res/snap
	[ -f "$src/proc/interrupts" ] || src=$res/raw
	[ -f "$src/proc/interrupts" ] || { echo "fixtures: no capture in tests/lab/work/results/$n" >&2; exit 1; }
	dst=tests/hosts/lab-$n
	# everything but what the fixture adds to the capture (tests/fixture.sh store keeps
	# SOURCE.md and expected.*, writes .empty-dirs, packs again when the fixture is packed)
	rm -rf "$tmp/tree"
	cp -a "$src" "$tmp/tree"
	rm -f "$tmp/tree/proc/uptime"
	tests/fixture.sh store "$tmp/tree" "$dst"
	echo "fixtures: $dst from ${src#tests/lab/work/results/} ($(find "$tmp/tree" -type f | wc -l) files, $(du -sk --apparent-size "$tmp/tree" | cut -f1) KiB)"
done
