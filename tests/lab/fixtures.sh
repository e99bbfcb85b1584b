#!/usr/bin/env bash
# usage: tests/lab/fixtures.sh [KERNEL-SCENARIO...]
# Copies host trees captured by the last lab run (tests/lab/work/results) into
# tests/lab/fixtures/<kernel>-<scenario>/ for golden tests: irqsight's own snapshot
# (out/snap) when the guest could take one, else the busybox capture (out/raw).
# Only text files and PCI config-space files; review `git diff --stat` after.
set -euo pipefail
cd "$(dirname "$0")"
DEFAULT="6.1-intel-ir 6.12-intel-ir 6.12-intel-noir 6.12-no-iommu 6.12-amd-badparam 6.1-nomsi 6.12-hotspot 6.12-numa"
for n in ${@:-$DEFAULT}; do
	res=work/results/$n/out
	src=$res/snap
	[ -f "$src/proc/interrupts" ] || src=$res/raw
	[ -f "$src/proc/interrupts" ] || { echo "fixtures: no capture in work/results/$n" >&2; exit 1; }
	dst=fixtures/$n
	rm -rf "$dst"
	mkdir -p "$dst"
	cp -a "$src/." "$dst/"
	rm -f "$dst/proc/uptime"
	echo "fixtures: $dst from ${src#work/results/} ($(find "$dst" -type f | wc -l) files, $(du -sk --apparent-size "$dst" | cut -f1) KiB)"
done
