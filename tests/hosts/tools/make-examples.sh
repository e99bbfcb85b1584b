#!/bin/sh
# Copy the most telling fixture hosts into examples/ (data + SOURCE.md, no expected files),
# each with a one-line README. Run from the repository root after changing those fixtures.
set -eu
ex() {	# ex EXAMPLE-NAME FIXTURE-NAME "one line"
	rm -rf "examples/$1"
	mkdir -p "examples/$1"
	(cd "tests/hosts/$2" && tar cf - --exclude='expected.*' .) | (cd "examples/$1" && tar xf -)
	printf '%s\n\nRun: `irqsight --root examples/%s check` (real data; origin in SOURCE.md, fixture tests/hosts/%s).\n' \
		"$3" "$1" "$2" > "examples/$1/README.md"
}
ex queues-on-cpu0-no-remapping amd-opteron-6376-32cpu-eth0-queues-cpu0-no-ir \
	"32-CPU AMD Opteron 6376 server (4.13): no interrupt remapping (plain IO-APIC/PCI-MSI chips); all five eth0 queue vectors counted on CPU0."
ex shared-intx-nic-on-cpu0 amd-opteron-48cpu-eth0-shared-intx-cpu0 \
	"48-CPU 4-socket AMD Opteron (2.6.35): no MSI at all; NIC eth0 shares legacy INTx line 23 with a USB controller, 40.8M interrupts all on CPU0."
ex rt-worker-irqs-on-isolated-cpus ocp-rt-worker-80cpu-isolcpus-managed-irq \
	"80-CPU OpenShift RT worker: isolcpus=managed_irq,0-4,11-79, yet the eno3 queue IRQs are pinned to isolated CPUs 16-78 (up to 794k interrupts each)."
cat > examples/README.md <<'EOT'
# Example hosts

Each folder is a real host snapshot (the same tree `irqsight snapshot` writes) built from public
captures; SOURCE.md says where every file comes from and what the diagnosis should find.

    irqsight --root examples/queues-on-cpu0-no-remapping check
    irqsight --root examples/shared-intx-nic-on-cpu0 check
    irqsight --root examples/rt-worker-irqs-on-isolated-cpus check

- queues-on-cpu0-no-remapping: remapping off, all NIC queue IRQs on CPU0.
- shared-intx-nic-on-cpu0: no MSI, a NIC on a shared legacy INTx line, everything on CPU0.
- rt-worker-irqs-on-isolated-cpus: isolcpus RT worker whose NIC queue IRQs sit on isolated CPUs.

They are copies of fixtures under tests/hosts/ (regenerate with tests/hosts/tools/make-examples.sh).
EOT
