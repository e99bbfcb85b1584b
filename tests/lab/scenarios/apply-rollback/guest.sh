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

lab_main() {
	lab_standard
}
