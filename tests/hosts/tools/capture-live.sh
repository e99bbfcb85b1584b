#!/bin/sh
# Capture this machine's interrupt topology as a host tree that
# `irqsight --root DIR check` reads (the layout of docs/ARCHITECTURE.md,
# "a host is a directory tree"). A stop-gap until `irqsight snapshot` is in main;
# it copies the same files: nothing else, and no process environments or command lines.
#
#   capture-live.sh [--nonroot] DIR
#
# --nonroot simulates what an unprivileged user can read: PCI config space cut to the
# first 64 bytes (drivers/pci/pci-sysfs.c:pci_read_config serves only the standard header
# without CAP_SYS_ADMIN) and no kernel log (kernel.dmesg_restrict=1 on Debian).
# A file that cannot be read is left out: absent means "unknown" to the readers.
set -eu
LC_ALL=C; export LC_ALL

NONROOT=0
if [ "${1:-}" = "--nonroot" ]; then NONROOT=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--nonroot] DIR" >&2; exit 2; }
OUT=$1
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
	echo "capture-live: '$OUT' exists and is not empty" >&2; exit 2
fi
mkdir -p "$OUT"
ROOT=${CAPTURE_ROOT:-}	# for testing the script on a copied tree

# copy FILE: read it like a reader would (cat, not cp: proc/sys files report size 0 or 4096)
copy() {
	[ -r "$ROOT/$1" ] || return 0
	[ -f "$ROOT/$1" ] || return 0
	mkdir -p "$OUT/$(dirname "$1")"
	cat "$ROOT/$1" > "$OUT/$1" 2>/dev/null || rm -f "$OUT/$1"
}
# link PATH: keep a symlink's target text as is (only its basename is used)
link() {
	[ -L "$ROOT/$1" ] || return 0
	mkdir -p "$OUT/$(dirname "$1")"
	ln -s "$(readlink "$ROOT/$1")" "$OUT/$1"
}
dirs() {	# dirs PATH: names in a directory, one a line
	[ -d "$ROOT/$1" ] || return 0
	ls -1 "$ROOT/$1" 2>/dev/null || true
}

for f in proc/interrupts proc/softirqs proc/stat proc/cmdline proc/sys/kernel/osrelease \
	 proc/cpuinfo proc/irq/default_smp_affinity; do
	copy "$f"
done

for n in $(dirs proc/irq); do
	case $n in *[!0-9]*) continue ;; esac
	for f in smp_affinity smp_affinity_list effective_affinity_list node; do
		copy "proc/irq/$n/$f"
	done
done
for n in $(dirs sys/kernel/irq); do
	for f in actions chip_name hwirq name per_cpu_count type; do
		copy "sys/kernel/irq/$n/$f"
	done
done

for bdf in $(dirs sys/bus/pci/devices); do
	d=sys/bus/pci/devices/$bdf
	for f in class vendor device subsystem_vendor subsystem_device irq numa_node local_cpulist; do
		copy "$d/$f"
	done
	if [ -r "$ROOT/$d/config" ]; then
		mkdir -p "$OUT/$d"
		if [ $NONROOT = 1 ]; then
			head -c 64 "$ROOT/$d/config" > "$OUT/$d/config"
		else
			cat "$ROOT/$d/config" > "$OUT/$d/config"
		fi
	fi
	for m in $(dirs "$d/msi_irqs"); do copy "$d/msi_irqs/$m"; done
	link "$d/driver"
	link "$d/iommu_group"
done

# An empty iommu_groups or class/iommu directory is a fact (no IOMMU), not a missing file.
for d in sys/kernel/iommu_groups sys/class/iommu; do
	[ -d "$ROOT/$d" ] && mkdir -p "$OUT/$d"
done
for g in $(dirs sys/kernel/iommu_groups); do
	mkdir -p "$OUT/sys/kernel/iommu_groups/$g/devices"
	for dev in $(dirs "sys/kernel/iommu_groups/$g/devices"); do
		link "sys/kernel/iommu_groups/$g/devices/$dev"
	done
done
for u in $(dirs sys/class/iommu); do mkdir -p "$OUT/sys/class/iommu/$u"; done

for f in online possible present isolated nohz_full; do copy "sys/devices/system/cpu/$f"; done
for n in $(dirs sys/devices/system/node); do
	case $n in node[0-9]*) copy "sys/devices/system/node/$n/cpulist" ;; esac
done

for f in sys/module/kvm_intel/parameters/enable_apicv \
	 sys/module/kvm_intel/parameters/enable_device_posted_irqs \
	 sys/module/kvm_amd/parameters/avic \
	 sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts \
	 etc/default/irqbalance etc/sysconfig/irqbalance; do
	copy "$f"
done

for i in $(dirs sys/class/net); do
	link "sys/class/net/$i/device"
	for q in $(dirs "sys/class/net/$i/queues"); do
		case $q in
		rx-*) copy "sys/class/net/$i/queues/$q/rps_cpus" ;;
		tx-*) mkdir -p "$OUT/sys/class/net/$i/queues/$q" ;;
		esac
	done
done

# VM processes (a thread named like a vCPU) and irqbalance: comm, stat and status only.
is_vm_thread() {
	case $1 in
	"CPU "*/KVM|"CPU "*/TCG|"ALL CPUs/TCG"|"fc_vcpu "*|vcpu[0-9]*|crosvm_vcpu*) return 0 ;;
	esac
	return 1
}
for p in $(dirs proc); do
	case $p in *[!0-9]*) continue ;; esac
	comm=$(cat "$ROOT/proc/$p/comm" 2>/dev/null) || continue
	keep=0
	[ "$comm" = irqbalance ] && keep=1
	if [ $keep = 0 ]; then
		for t in $(dirs "proc/$p/task"); do
			tc=$(cat "$ROOT/proc/$p/task/$t/comm" 2>/dev/null) || continue
			if is_vm_thread "$tc"; then keep=1; break; fi
		done
	fi
	[ $keep = 1 ] || continue
	for f in comm stat status; do copy "proc/$p/$f"; done
	for t in $(dirs "proc/$p/task"); do
		for f in comm stat status; do copy "proc/$p/task/$t/$f"; done
	done
done

if [ $NONROOT = 0 ]; then
	if [ -z "$ROOT" ]; then
		dmesg > "$OUT/dmesg" 2>/dev/null || rm -f "$OUT/dmesg"
	else
		copy dmesg
	fi
fi
# git keeps no empty directories: list them so tests/golden.sh can recreate them.
(cd "$OUT" && find . -mindepth 1 -type d -empty | sed 's|^\./||' | sort) > "$OUT/.empty-dirs"
[ -s "$OUT/.empty-dirs" ] || rm -f "$OUT/.empty-dirs"
echo "capture-live: wrote $OUT"
