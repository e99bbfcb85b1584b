# stutter: the VM CPUs 2-3 take the virtio-net device's interrupts and RPS; irqsight fix
# moves them off and proves it. The guest records /proc/interrupts over 5 s before the fix
# and over 5 s while fix measures "after" (the change is applied: fix-pending exists).
lab_before() {
	mkdir -p /var/lib/irqsight
	lab_stutter_pin
	sleep 1
	lab_affinity pinned
	cat /proc/interrupts > /out/int-pre-a
	sleep 5
	cat /proc/interrupts > /out/int-pre-b
}

lab_after() {
	t0=$(cut -d. -f1 /proc/uptime)
	irqsight --json fix --yes --vm-cpus 2-3 --prove 20 --confirm 120 --out /out/fix > /out/fix.json 2> /out/fix.err &
	pid=$!
	if lab_wait_file /var/lib/irqsight/fix-pending 120; then
		lab_affinity applied
		cat /proc/interrupts > /out/int-post-a
		sleep 5
		cat /proc/interrupts > /out/int-post-b
	fi
	wait $pid
	echo $? > /out/fix.rc
	echo $(( $(cut -d. -f1 /proc/uptime) - t0 )) > /out/fix.seconds
	lab_affinity fixed
	cat /var/lib/irqsight/fix-last > /out/fix-last 2>/dev/null
	irqsight --json rollback > /out/rollback.json 2> /out/rollback.err
	echo $? > /out/rollback.rc
	lab_affinity rolledback
}

lab_main() {
	lab_standard
}
