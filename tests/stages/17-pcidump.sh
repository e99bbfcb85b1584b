#!/bin/sh
# MSI/MSI-X decoder vs pciutils: every device of every real config-space dump in
# tests/pcidump/dumps/, and of the hand-made list edge cases in tests/pcidump/edge/, is
# decoded by src/parse/pci_config.c (build/pcidump-decode) and by `lspci -vv -F`, in full
# and cut to 64 bytes; presence, Enable and Count must agree. One pass per device
# (tests/pcidump/compare.py, tests/pcidump/README.md).
cd "$(dirname "$0")/../.." || exit 3
if ! command -v lspci >/dev/null 2>&1; then
	echo "pcidump: lspci not found (pciutils, tests/deps/core.txt)"
	echo "pcidump: 0 passed, 1 failed"
	exit 1
fi
if ! make -s build/pcidump-decode >/dev/null; then
	echo "pcidump: cannot build build/pcidump-decode"
	echo "pcidump: 0 passed, 1 failed"
	exit 1
fi
exec python3 tests/pcidump/compare.py build/pcidump-decode tests/pcidump/dumps/*.lspci-x.txt \
	tests/pcidump/edge/*.lspci-x.txt
