#!/bin/sh
# The QEMU lab (tests/lab, docs/lab.md): real Debian 6.1 and 6.12 kernels under
# qemu-system-x86_64; each scenario's verdicts asserted. Slow (a few minutes on 2
# cores with TCG); never skipped: without qemu, busybox-static or a way to fetch the
# kernels it fails loudly ("lab: 0 passed, 1 failed").
cd "$(dirname "$0")/../.." || exit 1
if ! make -s static; then
	echo "lab: cannot build irqsight-static"
	echo "lab: 0 passed, 1 failed"
	exit 1
fi
exec tests/lab/run.sh
