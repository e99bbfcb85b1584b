#!/bin/sh
# examples/<name> are symbolic links to the most telling fixture hosts in tests/hosts/ (one
# copy of the data: the goldens beside it are the example's expected report). Run from the
# repository root to make them again; examples/README.md says what each shows.
set -eu
ex() {	# ex EXAMPLE-NAME FIXTURE-NAME
	[ -d "tests/hosts/$2" ] || { echo "make-examples: no tests/hosts/$2" >&2; exit 1; }
	rm -rf "examples/$1"
	ln -s "../tests/hosts/$2" "examples/$1"
}
ex queues-on-cpu0-no-remapping amd-opteron-6376-32cpu-eth0-queues-cpu0-no-ir
ex shared-intx-nic-on-cpu0 amd-opteron-48cpu-eth0-shared-intx-cpu0
ex rt-worker-irqs-on-isolated-cpus ocp-rt-worker-80cpu-isolcpus-managed-irq
