# plan (housekeeping CPU 0, VM CPUs 1-3) -> apply --yes -> apply --yes again -> rollback,
# with a full dump of every /proc/irq/*/smp_affinity_list before and after each step.
lab_dump() {
	for i in /proc/irq/[0-9]*; do
		echo "${i##*/} $(cat $i/smp_affinity_list 2>/dev/null)"
	done > /out/$1
	cat /proc/irq/default_smp_affinity > /out/$1.default
}

lab_before() {
	mkdir -p /var/lib/irqsight
	lab_dump before
	irqsight --json plan --housekeeping 0 -o /out/plan > /out/plan.json 2> /out/plan.err
	echo $? > /out/plan.rc
	irqsight --json apply --yes /out/plan > /out/apply.json 2> /out/apply.err
	echo $? > /out/apply.rc
	lab_dump applied
	irqsight --json apply --yes /out/plan > /out/apply2.json 2> /out/apply2.err
	echo $? > /out/apply2.rc
	irqsight --json rollback > /out/rollback.json 2> /out/rollback.err
	echo $? > /out/rollback.rc
	lab_dump rolledback
	ls /var/lib/irqsight > /out/journals
}

# keep's write watcher on this kernel (fanotify marks on procfs files): keep holds the
# plan (a journal of its own), a subshell rewrites one held IRQ; keep must undo it at once
# and name that subshell by comm and pid. Then rolled back, after the checks above.
lab_after() {
	irqsight keep --verify 600 /out/plan 2> /out/keep.log &
	kp=$!
	n=0
	while [ $n -lt 120 ] && ! grep -q "^keep pid=$kp " /var/lib/irqsight/keep.state 2>/dev/null; do
		sleep 1; n=$((n + 1))
	done
	irq=$(awk '/^irq cpus=0 /{for (i = 1; i <= NF; i++) if ($i ~ /^irq=/) { print substr($i, 5); exit }}' /out/plan)
	# ": " last: busybox ash would exec a final sleep, renaming the subshell "exe"
	( echo 1-3 > /proc/irq/$irq/smp_affinity_list; sleep 3; : ) &
	wp=$!
	comm=$(cat /proc/$wp/comm)
	sleep 2
	echo "$irq $wp $comm $(cat /proc/irq/$irq/smp_affinity_list)" > /out/keep-writer
	kill $kp
	wait $kp
	irqsight --json rollback > /out/keep-rollback.json 2>&1
}

lab_main() {
	lab_standard
}
