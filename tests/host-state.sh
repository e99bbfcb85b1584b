#!/bin/sh
# Prints what the suite must leave as it found it on this machine: the files irqsight's
# commands may write (journals and persist's installs; the tests give them a temporary
# state dir or --dest), every IRQ's affinity, RPS/XPS masks, and the tracing state
# (latency's and check's recorders clean up after themselves). tests/run.sh diffs it
# before and after the stages ("host-untouched" line).
LC_ALL=C; export LC_ALL
for p in /etc/irqsight /etc/default/irqbalance /etc/sysconfig/irqbalance \
	/etc/systemd/system/irqsight-apply.service \
	/etc/systemd/system/multi-user.target.wants/irqsight-apply.service \
	/etc/systemd/system/irqsight-keep.service \
	/etc/systemd/system/multi-user.target.wants/irqsight-keep.service \
	/var/lib/irqsight; do
	[ -e "$p" ] || [ -L "$p" ] || continue
	find "$p" -printf '%p %M %s %T@\n' 2>/dev/null | sort
done
for f in /proc/irq/default_smp_affinity /proc/irq/*/smp_affinity_list \
	/sys/class/net/*/queues/*/rps_cpus /sys/class/net/*/queues/*/xps_cpus; do
	[ -r "$f" ] && printf '%s %s\n' "$f" "$(cat "$f" 2>/dev/null)"
done
for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -d "$t/instances" ] || continue
	printf 'tracing %s on=%s tracer=%s instances=%s\n' "$t" "$(cat "$t/tracing_on" 2>/dev/null)" \
		"$(cat "$t/current_tracer" 2>/dev/null)" "$(ls "$t/instances" 2>/dev/null | tr '\n' ' ')"
	break
done
exit 0
