#!/bin/sh
# Runs as lab.service at every boot of the systemd guest (tests/lab/systemd/lab-run);
# /var/lib/lab/phase says which boot this is. Results accumulate in /lab/out (on the
# guest's disk, so they survive the reboot) and are sent as a tar on the "labout" disk
# before each reboot or power-off. CPUs: 0-1 housekeeping, 2-3 the "VM CPUs".
in=/lab/in
out=/lab/out
mkdir -p /var/lib/lab "$out"
phase=$(cat /var/lib/lab/phase 2>/dev/null || echo 1)
log() { echo "[phase $phase $(date +%T.%N | cut -c1-12)] $*" >> "$out/guest.log"; }

send() { # NEXT: reboot or done
	echo "$1" > "$out/next"
	tar cf /dev/disk/by-id/virtio-labout -C "$out" . && sync
	if [ "$1" = reboot ]; then systemctl reboot; else systemctl poweroff; fi
	exit 0
}
# the guest gives up whatever happens (results sent) before the host's limit
( sleep $((phase == 1 ? 400 : 600)); log "guest watchdog: giving up"; send done ) &

dump() { # NAME: every IRQ's affinity, and default_smp_affinity
	for i in /proc/irq/[0-9]*; do
		echo "${i##*/} $(cat "$i/smp_affinity_list" 2>/dev/null)"
	done > "$out/$1"
	cat /proc/irq/default_smp_affinity > "$out/$1.default"
}
nic() { # DRIVER: the interface it drives
	for n in /sys/class/net/*; do
		[ "$(basename "$(readlink -f "$n/device/driver" 2>/dev/null)")" = "$1" ] && { basename "$n"; return; }
	done
}
pcidev() { # IFACE: its PCI function (virtio-net's device is a virtio device under it)
	d=$(readlink -f "/sys/class/net/$1/device")
	[ -d "$d/msi_irqs" ] || d=$(dirname "$d")
	echo "$d"
}
irqs_of() { # IFACE: its IRQ numbers (MSI/MSI-X of its PCI function)
	ls "$(pcidev "$1")/msi_irqs" 2>/dev/null | sort -n | tr '\n' ' '
}
aff() { # IRQ...: "irq=list" pairs
	for i in "$@"; do printf '%s=%s ' "$i" "$(cat /proc/irq/$i/smp_affinity_list 2>/dev/null)"; done
}
now_ms() { date +%s%3N; }

systemctl is-system-running --wait > "$out/running.$phase" 2>&1
# "running" does not wait for udev's module loads (slow under TCG): wait for both NICs
udevadm settle --timeout=180
t=0
while [ "$t" -lt 120 ] && { [ -z "$(nic e1000e)" ] || [ -z "$(nic virtio_net)" ] || [ ! -e /sys/class/nvme/nvme0 ]; }; do
	sleep 1; t=$((t + 1))
done
systemd-analyze time > "$out/analyze.$phase" 2>&1
systemctl --failed --no-legend > "$out/failed.$phase" 2>&1
cat /proc/uptime > "$out/uptime.$phase"
E1000E=$(nic e1000e)
VIRTIO=$(nic virtio_net)
for n in $E1000E $VIRTIO; do ip link set "$n" up; done
sleep 1
log "e1000e=$E1000E virtio_net=$VIRTIO; $(cat "$out/running.$phase")"

if [ "$phase" = 1 ]; then
	cat /proc/interrupts > "$out/interrupts.1"
	dump pristine
	echo "$E1000E $VIRTIO" > "$out/nics"
	systemctl is-active irqbalance > "$out/irqbalance.1" 2>&1
	md5sum /etc/default/irqbalance > "$out/irqbalance-default.md5"
	A=$(ls "$in"/debs/irqsight_*_amd64.deb | grep -v +lab | head -n 1)
	B=$(ls "$in"/debs/irqsight_*+lab*_amd64.deb | head -n 1)
	pkgstate() { dpkg-query -W -f='${Status} ${Version}\n' irqsight 2>&1 | tail -n 1; }
	step() { # NAME CMD...: run, keep rc and output
		n=$1; shift
		"$@" > "$out/pkg-$n.log" 2>&1
		echo $? > "$out/pkg-$n.rc"
	}
	# install the previous build, persist a plan with it, upgrade, remove, purge
	step install dpkg -i "$A"
	pkgstate > "$out/pkg-install.state"
	irqsight --version > "$out/pkg-install.version" 2>&1
	systemd-analyze verify --man=no /lib/systemd/system/irqsight-*.service /lib/systemd/system/irqsight-*.timer \
		> "$out/pkg-verify.log" 2>&1; echo $? > "$out/pkg-verify.rc"
	systemctl list-unit-files 'irqsight*' --no-legend > "$out/pkg-units" 2>&1
	bash -c '. /usr/share/bash-completion/completions/irqsight; COMP_WORDS=(irqsight pe); COMP_CWORD=1; _irqsight; echo "${COMPREPLY[@]}"' \
		> "$out/pkg-completion" 2>&1
	irqsight plan --housekeeping 0-1 -o /root/plan0 > "$out/pkg-plan.log" 2>&1
	step persist irqsight persist /root/plan0
	ls /etc/irqsight /var/lib/irqsight/persist > "$out/pkg-persisted" 2>&1
	step upgrade dpkg -i "$B"
	pkgstate > "$out/pkg-upgrade.state"
	irqsight --version > "$out/pkg-upgrade.version" 2>&1
	test -e /var/lib/irqsight/persist/manifest.txt && echo kept > "$out/pkg-upgrade.persist"
	step remove dpkg -r irqsight
	pkgstate > "$out/pkg-remove.state"
	for f in /usr/sbin/irqsight /etc/systemd/system/irqsight-apply.service /etc/systemd/system/irqsight-keep.service /etc/irqsight/plan; do
		test -e "$f" && echo "$f"
	done > "$out/pkg-remove.left"
	md5sum -c "$out/irqbalance-default.md5" > "$out/pkg-remove.irqbalance" 2>&1; echo $? >> "$out/pkg-remove.irqbalance"
	step purge dpkg -P irqsight
	pkgstate > "$out/pkg-purge.state"
	for f in /var/lib/irqsight /etc/irqsight /usr/share/doc/irqsight; do test -e "$f" && echo "$f"; done > "$out/pkg-purge.left"
	# the package for the rest: the previous build, upgraded
	step reinstall dpkg -i "$A"
	step reupgrade dpkg -i "$B"
	pkgstate > "$out/pkg-final.state"

	# the plan, persisted: in force after the reboot
	irqsight --json plan --housekeeping 0-1 -o /root/plan > "$out/plan.json" 2> "$out/plan.err"
	echo $? > "$out/plan.rc"
	# With one queue per NIC the plan gives their IRQs every housekeeping CPU (0-1), which
	# is also default_smp_affinity, the mask a re-requested IRQ gets: a lost affinity would
	# look kept. The NIC queues go to CPU 1 (a plan line's cpus=, docs/plan.md).
	sed -i -e '/ driver=e1000e /s/^irq cpus=0-1 /irq cpus=1 /' \
		-e '/ action=virtio\*-\(input\|output\)/s/^irq cpus=0-1 /irq cpus=1 /' /root/plan
	cp /root/plan "$out/plan"
	irqsight persist /root/plan > "$out/persist.log" 2>&1
	echo $? > "$out/persist.rc"
	systemctl is-enabled irqsight-keep.service > "$out/persist.enabled" 2>&1
	cp /etc/default/irqbalance "$out/irqbalance-default.persisted"
	echo 2 > /var/lib/lab/phase
	sync
	log "rebooting"
	send reboot
fi

# ---- phase 2: after the reboot -------------------------------------------------------
# irqsight persist enabled irqsight-keep.service: it applied the plan at boot and holds it.
unit=irqsight-keep.service
systemctl show -p Type,ActiveState,SubState,NRestarts,WatchdogUSec,WatchdogTimestampMonotonic,StatusText $unit > "$out/keep-show.1" 2>&1
systemctl show -p ActiveState,Result irqsight-apply.service > "$out/apply-unit" 2>&1
dump boot2
irqsight --json apply /etc/irqsight/plan > "$out/dryrun.json" 2> "$out/dryrun.err"
systemctl is-active irqbalance > "$out/irqbalance.2" 2>&1
pid=$(pidof irqbalance)
tr '\0' '\n' < "/proc/$pid/environ" | grep IRQBALANCE > "$out/irqbalance.env" 2>&1
tr '\0' ' ' < "/proc/$pid/cmdline" > "$out/irqbalance.cmdline" 2>&1
# persist's policy script as irqbalance runs it, `SCRIPT DEVPATH IRQ` for every IRQ:
# DEVPATH the PCI function whose msi_irqs (or, without MSI, whose irq file) names it,
# else /sys (classify.c; an irq file of 0 names none)
read -r u _ < /proc/uptime; echo "coexist-start $u" > "$out/coexist-marks"
for i in /proc/irq/[0-9]*; do
	n=${i##*/}; dp=/sys
	for d in /sys/bus/pci/devices/*; do
		v=; [ -d "$d/msi_irqs" ] || read -r v < "$d/irq" 2>/dev/null
		if [ -e "$d/msi_irqs/$n" ] || { [ "$v" = "$n" ] && [ "$n" != 0 ]; }; then dp=$d; break; fi
	done
	echo "$n $dp $(/etc/irqsight/irqbalance-policy "$dp" "$n" | tr '\n' ' ')"
done > "$out/policy.out" 2>&1
# irqbalance rebalances every 10 s and keep's watchdog is 30 s: after 35 s irqbalance
# has still left the VM CPUs alone and, with persist's policy script, the planned IRQs
# too (keep corrects nothing it wrote), and the watchdog has been fed (no restart)
sleep 35
dump boot2-later
read -r u _ < /proc/uptime; echo "coexist-end $u" >> "$out/coexist-marks"
journalctl -b -u irqbalance -o short-monotonic --no-pager > "$out/irqbalance.journal" 2>&1
systemctl show -p Type,ActiveState,SubState,NRestarts,WatchdogUSec,WatchdogTimestampMonotonic,StatusText $unit > "$out/keep-show.2" 2>&1

log "boot 2 checks done"
# ---- without keep: stop leaves the plan; a link flap / rebind then loses it?
systemctl stop $unit
dump keep-stopped
restore() { irqsight apply --yes /etc/irqsight/plan > /dev/null 2>&1; }
cs() { read -r u _ < /proc/uptime; CS=${u%.*}${u#*.}; } # uptime in 1/100 s, no fork
globirqs() { # PCIDIR: its MSI IRQs, by a glob (no fork)
	G=
	for f in "$1"/msi_irqs/*; do [ -e "$f" ] && G="$G${f##*/} "; done
}
flap() { # IFACE TAG N [poll]: times in 1/100 s of uptime
	k=1
	P=$(pcidev "$1")
	while [ "$k" -le "$3" ]; do
		if [ -z "$4" ]; then
			# without keep: the plan, then the NIC's IRQs on CPU 1 (unlike the default)
			restore
			for i in $(irqs_of "$1"); do echo 1 > /proc/irq/$i/smp_affinity_list; done
		fi
		sleep 1
		globirqs "$P"; b=$G; ab=$(aff $b)
		want=$(echo "$ab" | sed 's/[0-9]*=//g')
		ip link set "$1" down
		if [ -n "$4" ]; then
			# e1000e keeps its affinity across close/open on 6.12 (its MSI-X vectors stay
			# allocated; asserted without keep): while the link is down its IRQs get the
			# default mask, as a driver that reallocates them would leave them, so keep
			# has something to restore on link up. keep's pass for the down event is over
			# by then (1 s).
			sleep 1
			for i in $b; do echo 0-1 > /proc/irq/$i/smp_affinity_list; done
		else
			sleep 0.3
		fi
		# link up = the moment `ip link set up` is issued: keep often has the IRQs back
		# before that command has returned to this shell under TCG
		cs; tu=$CS
		ip link set "$1" up
		globirqs "$P"; a=$G
		tr=
		if [ -n "$4" ]; then # poll until the IRQs read the CPUs they had before, 3 s at most
			end=$((CS + 300))
			while [ "$CS" -lt "$end" ]; do
				got=
				for i in $a; do read -r v < "/proc/irq/$i/smp_affinity_list"; got="$got$v "; done
				[ "$got" = "$want" ] && { tr=$CS; break; }
				cs
			done
		fi
		# carrier back (the rtnetlink running transition), 5 s at most
		cs; end=$((CS + 500))
		while [ "$CS" -lt "$end" ]; do
			read -r car < "/sys/class/net/$1/carrier" 2>/dev/null; [ "$car" = 1 ] && break; cs
		done
		tc=$CS
		aa=$(aff $a)
		sleep 1
		echo "flap $k up=$tu restored=$tr carrier=$tc irqs_before=[$b] before=[$ab] irqs_after=[$a] after=[$aa] after1s=[$(aff $(irqs_of "$1"))]" >> "$out/flap-$2"
		k=$((k + 1))
	done
	log "flaps $2 done"
}
rebind() { # IFACE TAG
	dev=$(basename "$(readlink -f "/sys/class/net/$1/device")")
	parent=$(basename "$(readlink -f "/sys/class/net/$1/device/..")")
	[ -e "/sys/bus/pci/devices/$dev" ] && parent=$dev
	drv=$(readlink -f "/sys/class/net/$1/device/driver")
	b=$(ls /sys/bus/pci/devices/$parent/msi_irqs 2>/dev/null | sort -n | tr '\n' ' ')
	if [ "$3" = cpu1 ]; then for i in $b; do echo 1 > /proc/irq/$i/smp_affinity_list; done; fi
	ab=$(aff $b)
	echo "$dev" > "$drv/unbind"; sleep 0.5; echo "$dev" > "$drv/bind"; sleep 1
	n=$(nic "$(basename "$drv")"); [ -n "$n" ] && ip link set "$n" up
	sleep 3
	a=$(ls /sys/bus/pci/devices/$parent/msi_irqs 2>/dev/null | sort -n | tr '\n' ' ')
	echo "rebind $dev ($parent) irqs_before=[$b] before=[$ab] irqs_after=[$a] after=[$(aff $a)]" >> "$out/rebind-$2"
}
# irqbalance runs throughout: persist's policy script bans the planned IRQs from it, so
# the flaps show what the drivers do
[ -n "$E1000E" ] && flap "$E1000E" e1000e-nokeep 3
[ -n "$VIRTIO" ] && flap "$VIRTIO" virtio-nokeep 2
restore
[ -n "$VIRTIO" ] && rebind "$VIRTIO" virtio-nokeep cpu1
[ -n "$E1000E" ] && restore && rebind "$E1000E" e1000e-nokeep cpu1

# ---- with keep: 20 flaps, link up -> restored; a rebind
restore
# The flaps stand in for a driver that resets its IRQs on close/open with a write to
# /proc/irq while the link is down; keep would see that write and undo it at once
# (foreign-write, the loop writer below), leaving link up nothing to restore. So the
# flaps run with --no-watch (a drop-in), as a real driver's reset is no file write.
mkdir -p /etc/systemd/system/$unit.d
printf '[Service]\nExecStart=\nExecStart=/usr/sbin/irqsight keep --no-watch /etc/irqsight/plan\n' \
	> /etc/systemd/system/$unit.d/flaps.conf
systemctl daemon-reload
systemctl start $unit
systemctl show -p ActiveState,NRestarts $unit > "$out/keep-show.3" 2>&1
cs; echo "start $CS" > "$out/keep-marks"
# irqbalance keeps running: it leaves the planned IRQs to keep (the policy script)
sleep 2
[ -n "$E1000E" ] && flap "$E1000E" e1000e-keep 20 poll
cs; echo "flaps-done $CS" >> "$out/keep-marks"
rm -f /etc/systemd/system/$unit.d/flaps.conf
systemctl daemon-reload
systemctl restart $unit
sleep 2
[ -n "$VIRTIO" ] && rebind "$VIRTIO" virtio-keep
[ -n "$E1000E" ] && rebind "$E1000E" e1000e-keep
cs; echo "rebinds-done $CS" >> "$out/keep-marks"

log "keep flaps and rebinds done"
# ---- foreign writers: a loop rewriting one held IRQ every second, then irqbalance
# without the ban. keep runs with a 1 s verify and a limit of 3 rewrites (a drop-in),
# so the limit is reached within a lab run.
mkdir -p /etc/systemd/system/$unit.d
printf '[Service]\nExecStart=\nExecStart=/usr/sbin/irqsight keep --verify 1 --contest-max 3 --contest-window 10 /etc/irqsight/plan\n' \
	> /etc/systemd/system/$unit.d/lab.conf
systemctl daemon-reload
systemctl restart $unit
sleep 3
victim=$(irqs_of "$VIRTIO" | awk '{print $NF}')
echo "$victim" > "$out/foreign-victim"
# irqbalance keeps running: the policy script bans the victim's device from it, so the
# loop is the only writer
cs; echo "writer-start $CS" >> "$out/keep-marks"
# Each write's time and when the value read back as something else (keep undid it: a
# write keep sees is undone at once, the 1 s verify would take up to 1 s), polled for
# the first 5 writes (the limit of 3 is reached by then), in 1/100 s of uptime.
( n=0; while [ $n -lt 12 ]; do
	cs; at=$CS; back=
	echo 3 > /proc/irq/$victim/smp_affinity_list
	if [ $n -lt 5 ]; then
		end=$((at + 150))
		while [ "$CS" -lt "$end" ]; do
			read -r v < /proc/irq/$victim/smp_affinity_list; [ "$v" != 3 ] && { back=$CS; break; }; cs
		done
	fi
	echo "write $n at=$at back=$back" >> "$out/foreign-writes"
	sleep 1; n=$((n + 1)); done ) &
wpid=$!
# the writer as keep should name it: its pid and comm (this script's name: a fork of it)
echo "$wpid $(cat /proc/$wpid/comm)" > "$out/foreign-wpid"
wait $wpid
cs; echo "writer-end $CS" >> "$out/keep-marks"
# the mask file, as irqbalance, tuned and most scripts write it (another inode than the
# smp_affinity_list keep holds): one write by this shell (pid $$), CPU 2
v2=$(irqs_of "$VIRTIO" | awk '{print $1}')
cs; at=$CS; back=
echo 4 > /proc/irq/$v2/smp_affinity
end=$((at + 150))
while [ "$CS" -lt "$end" ]; do
	read -r v < /proc/irq/$v2/smp_affinity_list; [ "$v" != 2 ] && { back=$CS; break; }; cs
done
echo "$v2 $$ $(cat /proc/$$/comm) at=$at back=$back" > "$out/foreign-mask"
echo "$victim $(cat /proc/irq/$victim/smp_affinity_list)" > "$out/foreign-after"
cp /var/lib/irqsight/keep.state "$out/keep.state.writer" 2>/dev/null
irqsight --json check --no-sample > "$out/check-writer.json" 2> "$out/check-writer.err"
# irqbalance without the ban: neither the CPU ban nor the policy script. It places IRQs
# when it starts (at its first pass, after its interval: -t 1), so it is restarted 6
# times: each start rewrites the IRQs it places elsewhere than the plan, more often than
# keep's limit of 3
cp /etc/default/irqbalance /root/irqbalance.banned
sed -i -e '/^IRQBALANCE_BANNED_CPULIST/d' -e 's|--policyscript=/etc/irqsight/irqbalance-policy|-t 1|' /etc/default/irqbalance
cp /etc/default/irqbalance "$out/irqbalance-default.unbanned"
systemctl reload $unit
sleep 2
cs; echo "irqbalance-start $CS" >> "$out/keep-marks"
n=0
while [ $n -lt 6 ]; do systemctl restart irqbalance; sleep 3; n=$((n + 1)); done
tr '\0' ' ' < "/proc/$(pidof irqbalance)/cmdline" > "$out/irqbalance.cmdline.unbanned" 2>&1
cs; echo "irqbalance-end $CS" >> "$out/keep-marks"
cp /var/lib/irqsight/keep.state "$out/keep.state.irqbalance" 2>/dev/null
irqsight --json check --no-sample > "$out/check-irqbalance.json" 2> "$out/check-irqbalance.err"
cp /root/irqbalance.banned /etc/default/irqbalance
systemctl stop irqbalance
rm -rf /etc/systemd/system/$unit.d
systemctl daemon-reload
systemctl restart $unit
sleep 3
systemctl show -p ActiveState,NRestarts $unit > "$out/keep-show.4" 2>&1

log "foreign writers done"
# ---- stop leaves the plan in place; rollback restores the state before the first apply
dump keep-running
systemctl stop $unit
sleep 1
dump keep-stopped2
journalctl -b -u $unit -o short-monotonic --no-pager > "$out/keep.journal" 2>&1
mkdir -p "$out/journals"
cp /var/lib/irqsight/journal-* "$out/journals/" 2>/dev/null
for j in $(ls -r /var/lib/irqsight/journal-* 2>/dev/null); do
	irqsight --json rollback "$j" > "$out/rollback-$(basename "$j" .txt).json" 2>&1
done
dump rolledback
cat /proc/interrupts > "$out/interrupts.2"
irqsight --json check --no-sample > "$out/check.json" 2> "$out/check.err"
log "done"
send done
