# stutter-undo: three fixes that must end rolled back, each read back from the affinity
# files and RPS masks by the guest (aff-pinned is the state before each of them).
FIX="irqsight --json fix --yes --vm-cpus 2-3"
ST=/var/lib/irqsight

lab_before() {
	mkdir -p $ST
	lab_stutter_pin
	sleep 1
	lab_affinity pinned
}

# SIGKILL after the apply, before the deadline: the guardian rolls back at the deadline.
undo_kill() {
	$FIX --prove 5 --confirm 30 > /out/kill.json 2> /out/kill.err &
	pid=$!
	lab_wait_file $ST/fix-pending 120 || echo "lab: kill: never pending"
	cp $ST/fix-pending /out/kill.pending
	lab_affinity kill-applied
	kill -9 $pid
	wait $pid
	echo $? > /out/kill.rc
	echo "$(date +%s)" > /out/kill.killed-at
	lab_wait_gone $ST/fix-pending 90 || echo "lab: kill: still pending after 90 s"
	echo "$(date +%s)" > /out/kill.done-at
	cp $ST/fix-last /out/kill.last
	lab_affinity kill-after
}

# The terminal goes away: SIGHUP to the run's process group (the shell and irqsight, as
# the kernel sends it on a hangup), the shell killed. irqsight has the guardian roll back
# at once. (The second command keeps ash from exec'ing irqsight in the shell's place.)
undo_hup() {
	setsid sh -c "echo \$\$ > /tmp/hup.pgid; $FIX --prove 5 --confirm 60 > /out/hup.json 2> /out/hup.err; echo \$? > /out/hup.rc" &
	lab_wait_file $ST/fix-pending 120 || echo "lab: hup: never pending"
	lab_affinity hup-applied
	pg=$(cat /tmp/hup.pgid)
	kill -HUP -- -$pg
	kill -9 $pg 2>/dev/null
	lab_wait_gone $ST/fix-pending 90 || echo "lab: hup: still pending after 90 s"
	sleep 1
	cp $ST/fix-last /out/hup.last
	lab_affinity hup-after
}

# The after-measurement made worse by the fault hook (every wake-up 5 s later): rolled
# back automatically.
undo_worse() {
	IRQSIGHT_FAULT_FIX_AFTER_US=5000000 $FIX --prove 5 --confirm 60 > /out/worse.json 2> /out/worse.err &
	pid=$!
	lab_wait_file $ST/fix-pending 120 && lab_affinity worse-applied
	wait $pid
	echo $? > /out/worse.rc
	cp $ST/fix-last /out/worse.last
	lab_affinity worse-after
}

lab_after() {
	lab_t "kill"
	undo_kill
	lab_t "hup"
	undo_hup
	lab_t "worse"
	undo_worse
	ls $ST > /out/state
}

lab_main() {
	lab_standard
}
