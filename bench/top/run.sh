#!/bin/sh
# `make bench` part for top: the sampling tick on the synthetic 512-CPU host and the
# tracepoint recorder's overhead (root; see each script's header).
cd "$(dirname "$0")/../.." || exit 1
rc=0
bench/top/tick.sh || rc=1
bench/top/trace-overhead.sh || rc=1
exit $rc
