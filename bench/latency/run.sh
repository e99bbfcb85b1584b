#!/bin/sh
# `make bench` part for latency: beside cyclictest, and the attribution overhead at
# 20,000 IRQs/s (root; see each script's header).
cd "$(dirname "$0")/../.." || exit 1
rc=0
bench/latency/vs-cyclictest.sh || rc=1
bench/latency/attrib-overhead.sh || rc=1
exit $rc
