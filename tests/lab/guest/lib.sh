# Helpers for lab scenarios, sourced by /init inside the guest (busybox ash).
# A scenario (/scenario.sh) defines lab_main, which normally calls lab_standard
# with optional hook functions; everything it leaves in /out reaches the host.

# lab_wait PATH...: wait up to 60 s for each path (devices probe asynchronously).
lab_wait() {
	for p in "$@"; do
		n=0
		while [ ! -e "$p" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
		[ -e "$p" ] || echo "lab: timed out waiting for $p"
	done
}

# Bring every network interface up: e1000e requests its IRQs in ndo_open, not at probe.
lab_links_up() {
	for n in /sys/class/net/*; do
		ip link set "${n##*/}" up 2>/dev/null
	done
	sleep 1
}

# lab_bb_snapshot DIR: copy what irqsight reads with busybox alone (the raw capture,
# independent of irqsight's own snapshot command). Symlinks irqsight resolves by
# name (driver, iommu_group, iommu_groups/N/devices/*, class/iommu/*) are kept as
# symlinks with the kernel's own relative target. Forks are slow under TCG: one cp
# per directory, not one cat per file (cp reads /proc files to EOF, whatever st_size).
lab_bb_snapshot() {
	d=$1
	mkdir -p "$d"
	# _cpd DIR NAME...: copy the named files of DIR that exist (globs allowed)
	_cpd() {
		_dir=$1; shift
		_l=
		for _n in "$@"; do
			for _f in "$_dir"/$_n; do [ -f "$_f" ] && _l="$_l $_f"; done
		done
		[ -n "$_l" ] || return 0
		mkdir -p "$d$_dir"
		cp $_l "$d$_dir/" 2>/dev/null
	}
	_cpl() {
		for _f in "$@"; do
			[ -L "$_f" ] || continue
			[ -d "$d${_f%/*}" ] || mkdir -p "$d${_f%/*}"
			ln -sfn "$(readlink "$_f")" "$d$_f"
		done
	}
	_cpd /proc interrupts softirqs stat cmdline uptime
	_cpd /proc/sys/kernel osrelease
	_cpd /proc/irq default_smp_affinity
	for i in /proc/irq/[0-9]*; do
		_cpd $i smp_affinity smp_affinity_list effective_affinity effective_affinity_list \
			node affinity_hint
	done
	for i in /sys/kernel/irq/[0-9]*; do
		_cpd $i '*'
	done
	for p in /sys/bus/pci/devices/*; do
		b=/sys/bus/pci/devices/${p##*/}
		_cpd $b class vendor device subsystem_vendor subsystem_device irq numa_node \
			local_cpulist local_cpus enable config msi_bus revision
		_cpd $b/msi_irqs '*'
		_cpl $b/driver $b/iommu_group
	done
	for g in /sys/kernel/iommu_groups/*; do
		_cpd $g type reserved_regions
		_cpl $g/devices/*
	done
	for u in /sys/class/iommu/*; do
		[ -e "$u" ] || continue
		_cpl "$u"
		# the unit's attributes (intel-iommu/{cap,ecap,version}, amd-iommu/{cap,features}),
		# at the place the class symlink points to
		for _s in "$(realpath "$u")"/*/; do
			_cpd "${_s%/}" '*'
		done
	done
	_cpd /sys/devices/system/cpu online possible present isolated nohz_full offline
	_cpd /sys/devices/system/node online possible has_cpu
	for n in /sys/devices/system/node/node[0-9]*; do
		_cpd $n cpulist cpumap
	done
	for m in /sys/module/kvm* /sys/module/vfio*; do
		[ -d "$m/parameters" ] && _cpd $m/parameters '*'
	done
	dmesg > "$d/dmesg"
}

# Every IRQ whose affinity can be written moves to CPU0; kernel-managed IRQs refuse
# (EIO before 6.12, EPERM since). Lists what moved in /out/pinned, what refused in
# /out/refused.
lab_pin_cpu0() {
	: > /out/pinned
	: > /out/refused
	for i in /proc/irq/[0-9]*; do
		n=${i##*/}
		[ "$n" = 0 ] && continue
		if echo 0 > $i/smp_affinity_list 2>/dev/null; then
			echo "$n" >> /out/pinned
		else
			echo "$n" >> /out/refused
		fi
	done
}

# lab_load_start DEV...: O_DIRECT reads on CPU0 until lab_load_stop.
lab_load_start() {
	: > /tmp/load.pids
	for dev in "$@"; do
		[ -b "$dev" ] || { echo "lab: no block device $dev"; continue; }
		( while :; do taskset 0x1 dd if="$dev" of=/dev/null bs=4k count=4096 iflag=direct 2>/dev/null; done ) &
		echo $! >> /tmp/load.pids
	done
}
lab_load_stop() {
	for p in $(cat /tmp/load.pids 2>/dev/null); do kill $p 2>/dev/null; done
	wait 2>/dev/null
}

# Run irqsight the ways the host asserts on: live check (JSON with its 1 s sample and
# without sampling, text), then its own snapshot for the --root comparison.
lab_irqsight() {
	irqsight check --json > /out/check.json 2> /out/check.err
	echo $? > /out/check.rc
	irqsight check --json --no-sample > /out/check-nosample.json 2> /out/check-nosample.err
	echo $? > /out/check-nosample.rc
	irqsight check --no-sample > /out/check.txt 2>&1
	irqsight snapshot /out/snap > /out/snapshot.log 2>&1
	echo $? > /out/snapshot.rc
}

lab_t() { echo "lab: $(cut -d' ' -f1 /proc/uptime) $*"; }

# Hooks a scenario may redefine.
lab_before() { :; }
lab_after() { :; }

# The usual flow: devices up, optional hook lab_before (e.g. pinning and load),
# irqsight, raw capture.
lab_standard() {
	lab_t "waiting for devices"
	lab_wait /sys/block/vda /sys/block/nvme0n1
	lab_links_up
	lab_t "before"
	lab_before
	lab_t "irqsight"
	lab_irqsight
	lab_t "after"
	lab_after
	lab_t "raw capture"
	lab_bb_snapshot /out/raw
	cat /proc/interrupts > /out/interrupts
	lab_t "done"
}

# lab_send DIR: tar.gz of DIR, base64, on ttyS1 between markers. Closing the port
# waits for the UART to drain (closing_wait), and the tx counter is watched as well.
lab_send() {
	(cd "$1" && tar czf /tmp/out.tgz .)
	{ echo LAB-BEGIN; base64 /tmp/out.tgz; echo LAB-END; } > /dev/ttyS1
	prev=-1
	while :; do
		cur=$(sed -n 's/^1: .* tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial)
		[ "$cur" = "$prev" ] && break
		prev=$cur
		sleep 0.2
	done
}

# --- irqsight fix scenarios (stutter, stutter-undo) ----------------------------------
# lab_stutter_pin: the virtio-net interface gets the address QEMU's user network forwards
# to (10.0.2.15, HOSTFWD in conf), its IRQs and RPS go to CPUs 2-3 (the "VM CPUs"). Sets
# NET and prints the interface, the IRQs and the RPS file to /out/stutter.
lab_stutter_pin() {
	NET=
	for n in /sys/class/net/*; do
		case $(readlink "$n/device/driver") in *virtio_net) NET=${n##*/} ;; esac
	done
	[ -n "$NET" ] || { echo "lab: no virtio-net interface"; return 1; }
	ip addr add 10.0.2.15/24 dev "$NET"
	ip link set "$NET" up
	pci=$(readlink -f "/sys/class/net/$NET/device/..")
	irqs=
	for i in "$pci"/msi_irqs/*; do
		n=${i##*/}
		echo 2-3 > /proc/irq/$n/smp_affinity_list && irqs="$irqs $n"
	done
	for q in /sys/class/net/$NET/queues/rx-*/rps_cpus; do echo c > "$q"; done
	{ echo "net $NET"; echo "pci ${pci##*/}"; echo "irqs$irqs"; } > /out/stutter
}

# lab_affinity NAME: every IRQ's smp_affinity_list and every rps_cpus, to /out/aff-NAME.
lab_affinity() {
	{
		for i in /proc/irq/[0-9]*; do echo "irq${i##*/} $(cat $i/smp_affinity_list 2>/dev/null)"; done
		for q in /sys/class/net/*/queues/rx-*/rps_cpus; do echo "$q $(cat $q)"; done
		echo "default $(cat /proc/irq/default_smp_affinity)"
	} > "/out/aff-$1"
}

# lab_wait_file PATH SEC: wait up to SEC seconds for PATH; 1 when it never came.
lab_wait_file() {
	n=0
	while [ ! -e "$1" ] && [ $n -lt $(($2 * 10)) ]; do sleep 0.1; n=$((n + 1)); done
	[ -e "$1" ]
}

# lab_wait_gone PATH SEC: wait up to SEC seconds for PATH to go away.
lab_wait_gone() {
	n=0
	while [ -e "$1" ] && [ $n -lt $(($2 * 10)) ]; do sleep 0.1; n=$((n + 1)); done
	[ ! -e "$1" ]
}
