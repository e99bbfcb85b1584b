#!/usr/bin/env bash
# act: plan goldens on fixture hosts; apply --yes / second apply / rollback on a copy of a
# fixture (a fake root); persist into a temp prefix (systemd-analyze verify, irqbalance file
# read back by a shell, --remove restores byte for byte); the live test (tests/live/apply.sh,
# root only; it restores every affinity even when it fails).
# Prints "act: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
. tests/fixture.sh
BIN=${IRQSIGHT:-./irqsight}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
T=$(mktemp -d /tmp/irqsight-act.XXXXXX)
trap 'rm -rf "$T"' EXIT

# ---- plan goldens
# A case is FIXTURE or FIXTURE:LABEL (several cases on one fixture); its goldens are
# tests/plan/FIXTURE.{plan,table} or tests/plan/FIXTURE.LABEL.{plan,table}.
# UPDATE=1 rewrites them; PLAN_ONLY=TEXT limits the run to the cases whose name contains TEXT.
while read -r name args; do
	case $name in ''|'#'*) continue ;; esac
	case $name in *"${PLAN_ONLY:-}"*) ;; *) continue ;; esac
	host=tests/hosts/${name%%:*}
	name=${name/:/.}
	if [ ! -d "$host" ]; then
		# Fixture hosts come from another branch; once tests/hosts exists, a missing one fails.
		if [ -d tests/hosts ]; then bad "plan golden $name: fixture missing"; else echo "skip plan golden $name (no tests/hosts yet)"; fi
		continue
	fi
	# the tree as check reads it (tests/fixture.sh: loose, packed or based)
	host=$(fixture_root "$host") || { bad "plan golden $name: no root"; continue; }
	# shellcheck disable=SC2086
	"$BIN" --root "$host" plan $args -o - >"$T/$name.plan" 2>"$T/$name.table"
	for kind in plan table; do
		if [ -n "${UPDATE:-}" ]; then cp "$T/$name.$kind" "tests/plan/$name.$kind"; fi
		check "plan golden $name ($kind)" diff -u "tests/plan/$name.$kind" "$T/$name.$kind"
	done
done <tests/plan/cases.txt

# ---- apply / rollback against a fake root: a copy of a fixture host, or a snapshot of this one
src=tests/hosts/live-firecracker-virtio-root
if [ -d "$src" ]; then
	cp -a "$(fixture_root "$src")" "$T/root"
else
	"$BIN" snapshot "$T/root" >/dev/null 2>&1 || rm -rf "$T/root"
fi
if [ -d "$T/root/proc/irq" ]; then
	cp -a "$T/root" "$T/orig"
	export IRQSIGHT_STATE_DIR=$T/state
	ncpu=$(awk '/^host /{sub(/.*cpus=/,""); sub(/ .*/,""); print}' <("$BIN" --root "$T/root" plan --housekeeping 0 -o - 2>/dev/null))
	"$BIN" --root "$T/root" plan --housekeeping 0 -o "$T/fr.plan" >/dev/null 2>&1
	check "fake root: plan (housekeeping 0 of $ncpu CPUs)" test -s "$T/fr.plan"
	# An IRQ of a PCI device the plan moves, and a kernel-managed one (if any).
	mv_irq=$(sed -nE 's/^irq cpus=0 dev=.* irq=([0-9]+) .*/\1/p' "$T/fr.plan" | head -n 1)
	mg_irq=$(sed -nE 's/^managed .* irq=([0-9]+) .*/\1/p' "$T/fr.plan" | head -n 1)
	"$BIN" --root "$T/root" apply "$T/fr.plan" >"$T/fr.dry" 2>&1
	check "fake root: dry run writes nothing" diff -r --no-dereference "$T/orig" "$T/root"
	"$BIN" --root "$T/root" apply --yes "$T/fr.plan" >"$T/fr.out" 2>&1
	check "fake root: apply --yes exits 0" test $? = 0
	check "fake root: device irq $mv_irq moved to CPU 0" test "$(cat "$T/root/proc/irq/$mv_irq/smp_affinity_list")" = 0
	if [ -n "$mg_irq" ]; then
		check "fake root: managed irq $mg_irq untouched and reported" \
			sh -c "cmp -s '$T/orig/proc/irq/$mg_irq/smp_affinity_list' '$T/root/proc/irq/$mg_irq/smp_affinity_list' && grep -qE '^not-movable +$mg_irq .*kernel-managed' '$T/fr.out'"
	fi
	check "fake root: default_smp_affinity written as a mask" test "$(cat "$T/root/proc/irq/default_smp_affinity")" = 1
	"$BIN" --root "$T/root" apply --yes "$T/fr.plan" >"$T/fr.again" 2>&1
	check "fake root: second apply writes nothing" grep -q 'Applied: 0 written' "$T/fr.again"
	"$BIN" rollback >"$T/fr.rb" 2>&1
	check "fake root: rollback (root taken from the journal) restores the tree exactly" diff -r --no-dereference "$T/orig" "$T/root"
	"$BIN" rollback >"$T/fr.rb2" 2>&1
	check "fake root: rollback twice restores nothing" grep -q 'Rollback: 0 restored' "$T/fr.rb2"
	# Rollback reports what it could not restore, by IRQ and path, and exits 1. Two ways a
	# value can be stuck: the file cannot be read (a directory now) and, in a private mount
	# namespace, a read-only bind mount over it (the read works, the write gets EROFS).
	rb_irq=$(sed -nE 's/^irq cpus=0 dev=.* irq=([0-9]+) .*/\1/p' "$T/fr.plan" | sed -n 2p)
	"$BIN" --root "$T/root" apply --yes "$T/fr.plan" >"$T/fr.ap2" 2>&1
	f1=$T/root/proc/irq/$mv_irq/smp_affinity_list f2=$T/root/proc/irq/$rb_irq/smp_affinity_list
	v1=$(cat "$f1")
	rm "$f1" && mkdir "$f1"
	if unshare -m true 2>/dev/null; then
		unshare -m --propagation private sh -c "mount --bind '$f2' '$f2' && mount -o remount,bind,ro '$f2' && exec '$BIN' rollback" >"$T/fr.rbf" 2>&1
		rc=$?
		check "rollback that cannot restore 2 values: exit 1 (rc $rc)" test "$rc" = 1
		check "rollback names the unreadable one (irq $mv_irq, path, Is a directory)" \
			grep -qE "^failed +$mv_irq .*proc/irq/$mv_irq/smp_affinity_list.*Is a directory" "$T/fr.rbf"
		check "rollback names the read-only one (irq $rb_irq, Read-only file system)" \
			grep -qE "^failed +$rb_irq .*Read-only file system" "$T/fr.rbf"
		check "rollback summary counts 2 not restored" grep -qE '^Rollback: [0-9]+ restored, .* 2 could not be restored\.$' "$T/fr.rbf"
		nfail=2
	else
		"$BIN" rollback >"$T/fr.rbf" 2>&1
		rc=$?
		check "rollback that cannot restore a value: exit 1 (rc $rc)" test "$rc" = 1
		check "rollback names it (irq $mv_irq, path, Is a directory)" \
			grep -qE "^failed +$mv_irq .*proc/irq/$mv_irq/smp_affinity_list.*Is a directory" "$T/fr.rbf"
		check "rollback summary counts 1 not restored" grep -qE '^Rollback: [0-9]+ restored, .* 1 could not be restored\.$' "$T/fr.rbf"
		nfail=1
	fi
	check "the journal records the failed rollback" grep -qE "^rollback .*failed=$nfail" "$(ls -t "$T"/state/journal-*.txt | head -n 1)"
	rmdir "$f1" && echo "$v1" >"$f1"
	"$BIN" --json rollback >"$T/fr.rbj" 2>&1
	rc=$?
	check "a later rollback restores what could not be restored ($nfail), exit 0 (rc $rc)" \
		python3 -c "import json,sys; s=json.load(open('$T/fr.rbj'))['summary']; sys.exit(not ($rc==0 and s['written']==$nfail and s['failed']==0))"
	check "fake root: after it the tree is exactly as before" diff -r --no-dereference "$T/orig" "$T/root"
	nman=$(grep -c '^managed ' "$T/fr.plan")
	nirq=$(grep -c '^irq ' "$T/fr.plan")
	"$BIN" --json --root "$T/root" apply "$T/fr.plan" >"$T/fr.json" 2>/dev/null
	check "fake root: apply --json (dry run) counts $nirq IRQs + default affinity to write, $nman not movable" \
		python3 -c "import json,sys; d=json.load(open('$T/fr.json')); s=d['summary']; sys.exit(not (d['dry_run'] and s['not_movable']==$nman and s['would_write']>=$nirq+1 and s['written']==0))"
	"$BIN" --json --root "$T/root" plan --housekeeping 0 >"$T/fr.pjson" 2>/dev/null
	check "fake root: plan --json lists the same IRQs as the plan file" \
		python3 -c "import json,sys; d=json.load(open('$T/fr.pjson')); sys.exit(not (len(d['irqs'])==$nirq+$nman and d['housekeeping']=='0'))"
	sed -E "s/^host cpus=[0-9]+/host cpus=$((ncpu + 4))/" "$T/fr.plan" >"$T/fr.other"
	"$BIN" --root "$T/root" apply "$T/fr.other" >"$T/fr.o" 2>&1
	check "fake root: plan for another host refused with exit 3" test $? = 3
	dev=$(sed -nE "s/^irq cpus=0 dev=([^ ]+) .* irq=$mv_irq .*/\1/p" "$T/fr.plan")
	act=$(sed -nE "s/^irq cpus=0 dev=.* action=([^ ]+) irq=$mv_irq .*/\1/p" "$T/fr.plan")
	sed -nE '1,/^housekeeping/p' "$T/fr.plan" >"$T/fr.off"
	echo "irq cpus=$((ncpu + 1)) dev=$dev action=$act" >>"$T/fr.off"
	"$BIN" --root "$T/root" apply --yes "$T/fr.off" >"$T/fr.off.out" 2>&1
	check "fake root: a set of CPUs the host does not have is skipped, not written" \
		sh -c "grep -qE \"^skipped .*CPU $((ncpu + 1)) beyond this host's CPUs 0-$((ncpu - 1))\" '$T/fr.off.out' && cmp -s '$T/orig/proc/irq/$mv_irq/smp_affinity_list' '$T/root/proc/irq/$mv_irq/smp_affinity_list'"
	unset IRQSIGHT_STATE_DIR
else
	bad "fake root: neither $src nor a snapshot of this host"
fi

# ---- irqbalance running without a ban over the VM CPUs: apply warns and offers the fix
ib=tests/hosts/scenario-rt-worker-80cpu-pinned-vm-irqbalance
if [ -d "$ib" ] && ib=$(fixture_root "$ib"); then
	cp -a "$ib" "$T/ib"
	# Without isolcpus/nohz_full irqbalance bans nothing, and vCPU pinning gives the VM CPUs.
	sed -i -E 's/ (isolcpus|nohz_full|rcu_nocbs)=[^ ]*//g' "$T/ib/proc/cmdline"
	"$BIN" --root "$T/ib" plan -o "$T/ib.plan" >/dev/null 2>&1
	"$BIN" --root "$T/ib" apply "$T/ib.plan" >/dev/null 2>"$T/ib.err"
	check "irqbalance running without a ban: apply warns and offers the banned list" \
		sh -c "grep -q 'irqbalance is running (pid 1500) and does not ban the VM CPUs 16,22,24,38,42,66,76,78' '$T/ib.err' && grep -q 'IRQBALANCE_BANNED_CPULIST=16,22,24,38,42,66,76,78 in /etc/sysconfig/irqbalance' '$T/ib.err'"
	"$BIN" --root "$ib" plan -o "$T/ib2.plan" >/dev/null 2>&1
	"$BIN" --root "$ib" apply "$T/ib2.plan" >/dev/null 2>"$T/ib2.err"
	check "irqbalance whose isolcpus ban covers the VM CPUs: no warning" test ! -s "$T/ib2.err"
else
	echo "skip irqbalance warning (no $ib yet)"
fi

# ---- persist into a prefix
D=$T/dest
mkdir -p "$D/etc/default"
printf '# kept\nENABLED="1"\nIRQBALANCE_ARGS="--policyscript=/x"\nIRQBALANCE_BANNED_CPUS=f\n' >"$D/etc/default/irqbalance"
cp "$D/etc/default/irqbalance" "$T/irqbalance.orig"
printf 'irqsight-plan 1\nhost cpus=4 online=0-3\nvm-cpus 2-3\nhousekeeping 0-1\nirqbalance-banned 2-3\nboot cmdline="isolcpus=managed_irq,domain,2-3 irqaffinity=0-1"\n' >"$T/p.plan"
"$BIN" persist --oneshot --dest "$D" --binary "$PWD/irqsight" "$T/p.plan" >"$T/persist.out" 2>&1
check "persist --oneshot installs (exit 0)" test $? = 0
unit=$D/etc/systemd/system/irqsight-apply.service
check "persist: unit enabled for multi-user.target" test -L "$D/etc/systemd/system/multi-user.target.wants/irqsight-apply.service"
check "persist: unit runs apply --yes --boot on the installed plan" grep -q "^ExecStart=$PWD/irqsight apply --yes --boot /etc/irqsight/plan$" "$unit"
check "persist: ordered after irqbalance and udev settle" grep -qE '^After=.*systemd-udev-settle.service.*irqbalance.service' "$unit"
check "persist: prints the kernel command line, edits no boot loader" \
	sh -c "grep -q 'isolcpus=managed_irq,domain,2-3 irqaffinity=0-1' '$T/persist.out' && ! test -e '$D/etc/default/grub'"
# systemd is in tests/deps/act.txt: without systemd-analyze the unit is not verified, a failure.
if ! command -v systemd-analyze >/dev/null; then
	bad "systemd-analyze missing: run sudo ./tests/setup-deps.sh (tests/deps/act.txt)"
else
	# Negative control: verify must reject a broken unit, or a pass proves nothing.
	printf '[Service]\nType=oneshoot\nExecStart=relative/path\n' >"$T/broken.service"
	if systemd-analyze verify "$T/broken.service" >/dev/null 2>&1; then
		bad "systemd-analyze verify accepts a broken unit here: cannot check"
	else
		systemd-analyze verify "$unit" >"$T/verify.out" 2>&1
		check "persist: systemd-analyze verify passes" test $? = 0 -a ! -s "$T/verify.out"
	fi
fi
# contrib/systemd/irqsight-{apply,keep}.service are what persist installs for /usr/local/sbin/irqsight.
mkdir -p "$T/contrib" "$T/contrib-keep"
"$BIN" persist --oneshot --dest "$T/contrib" --binary /usr/local/sbin/irqsight --no-irqbalance "$T/p.plan" >/dev/null 2>&1
check "contrib/systemd/irqsight-apply.service matches what persist --oneshot installs" \
	cmp contrib/systemd/irqsight-apply.service "$T/contrib/etc/systemd/system/irqsight-apply.service"
"$BIN" persist --dest "$T/contrib-keep" --binary /usr/local/sbin/irqsight --no-irqbalance "$T/p.plan" >"$T/pk.out" 2>&1
if grep -q 'Type=notify' "$T/pk.out"; then
	check "contrib/systemd/irqsight-keep.service matches what persist installs (a build with libsystemd)" \
		cmp contrib/systemd/irqsight-keep.service "$T/contrib-keep/etc/systemd/system/irqsight-keep.service"
else
	check "persist without libsystemd: keep's unit is Type=simple, no watchdog" \
		sh -c "grep -qx 'Type=simple' '$T/contrib-keep/etc/systemd/system/irqsight-keep.service' && ! grep -q '^WatchdogSec' '$T/contrib-keep/etc/systemd/system/irqsight-keep.service'"
fi
# The static build has no libsystemd: keep's unit is Type=simple there (nothing would say READY=1).
if [ -x ./irqsight-static ]; then
	mkdir -p "$T/contrib-static"
	./irqsight-static persist --dest "$T/contrib-static" --binary /usr/local/sbin/irqsight --no-irqbalance "$T/p.plan" >/dev/null 2>&1
	su=$T/contrib-static/etc/systemd/system/irqsight-keep.service
	check "persist from the static build: keep's unit is Type=simple, no watchdog" \
		sh -c "grep -qx 'Type=simple' '$su' && ! grep -qE '^(WatchdogSec|NotifyAccess)' '$su'"
fi
# shellcheck disable=SC1090,SC1091
banned=$(set -a; . "$D/etc/default/irqbalance"; echo "${IRQBALANCE_BANNED_CPULIST:-unset}/${IRQBALANCE_BANNED_CPUS:-unset}/$IRQBALANCE_ARGS")
check "persist: irqbalance file reads back (banned 2-3, BANNED_CPUS off, args: ours): $banned" \
	test "$banned" = "2-3/unset/--policyscript=/etc/irqsight/irqbalance-policy"
check "persist: the operator's policy script /x is chained by ours, not dropped" \
	sh -c "test -x '$D/etc/irqsight/irqbalance-policy' && grep -qx \"chain='/x'\" '$D/etc/irqsight/irqbalance-policy'"

# ---- irqbalance's policy script, run for real with sh as irqbalance runs it
# (`SCRIPT DEVPATH IRQ`), against a fake /proc (IRQSIGHT_POLICY_PROC) and operator scripts.
P=$T/pol
mkdir -p "$P/etc/default" "$P/proc/irq/4/ttyS0" "$P/proc/irq/9/acpi" "$P/proc/irq/10/i8042" "$P/proc/irq/11/it's\$(touch pwned)"
printf 'IRQBALANCE_ARGS="-l %s/op --hintpolicy=subset"\n' "$T" >"$P/etc/default/irqbalance"
cp "$P/etc/default/irqbalance" "$T/pol.orig"
printf '#!/bin/sh\necho numa_node=0\n' >"$T/op" && chmod +x "$T/op"
{
	printf 'irqsight-plan 1\nhost cpus=4 online=0-3\nvm-cpus 2-3\nhousekeeping 0-1\nirqbalance-banned 2-3\n'
	printf 'irq cpus=1 dev=0000:00:04.0 vector=1 action=virtio*-input.0\nirq cpus=1 dev=0000:00:04.0 vector=2 action=virtio*-output.0\n'
	printf 'irq cpus=0-1 dev=0000:00:02.0 action=e1000e\nmanaged dev=0000:00:05.0 action=nvme*q1\n'
	printf 'irq cpus=0-1 action=ttyS*\nirq cpus=0-1 action="it'"'"'s$(touch pwned)"\n'
} >"$T/pol.plan"
"$BIN" persist --dest "$P" --binary /usr/sbin/irqsight "$T/pol.plan" >"$T/pol.out" 2>&1
check "persist with a policy script: exit 0, the script named in its output" \
	sh -c "grep -q 'irqbalance-policy (irqbalance leaves the plan.s IRQs alone; runs first $T/op)' '$T/pol.out'"
pol() { (cd "$T" && IRQSIGHT_POLICY_PROC=$P/proc sh "$P/etc/irqsight/irqbalance-policy" "$@" | tr '\n' ' '); }
check "policy: a planned device's IRQs are banned, the operator's lines passed on: $(pol /sys/bus/pci/devices/0000:00:04.0 30)" \
	test "$(pol /sys/bus/pci/devices/0000:00:04.0 30)" = "numa_node=0 ban=true "
check "policy: the plan's other device banned too: $(pol /sys/bus/pci/devices/0000:00:02.0 24)" \
	test "$(pol /sys/bus/pci/devices/0000:00:02.0 24)" = "numa_node=0 ban=true "
check "policy: an unplanned device, a managed-only one: not banned" \
	test "$(pol /sys/bus/pci/devices/0000:00:03.0 25)$(pol /sys/bus/pci/devices/0000:00:05.0 26)" = "numa_node=0 numa_node=0 "
check "policy: a device-less IRQ whose action matches a pattern (ttyS*): banned" \
	test "$(pol /sys 4)" = "numa_node=0 ban=true "
check "policy: device-less IRQs the plan does not name (acpi, i8042, no /proc/irq/N): not banned" \
	test "$(pol /sys 9)$(pol /sys 10)$(pol /sys 12)" = "numa_node=0 numa_node=0 numa_node=0 "
check "policy: a hostile pattern is matched as text, never run" \
	sh -c "test \"\$(cd '$T' && IRQSIGHT_POLICY_PROC='$P/proc' sh '$P/etc/irqsight/irqbalance-policy' /sys 11)\" = 'numa_node=0
ban=true' && ! test -e '$T/pwned'"
check "policy: a PCI devpath never matches a device-less pattern; a bad IRQ argument bans nothing" \
	test "$(pol /sys/bus/pci/devices/0000:00:09.0 4)$(pol /sys '4/../9')" = "numa_node=0 numa_node=0 "
# irqbalance ignores every line of a script that exits non-zero: so does the chain.
printf '#!/bin/sh\necho numa_node=7\nexit 3\n' >"$T/op"
check "policy: a failing operator script's lines are dropped, the ban stays: $(pol /sys/bus/pci/devices/0000:00:04.0 30)" \
	test "$(pol /sys/bus/pci/devices/0000:00:04.0 30)" = "ban=true "
# A directory (irqbalance >= 1.9): its scripts in turn, 1 = not mine, the first 0 decides.
rm "$T/op" && mkdir -p "$T/op"
printf '#!/bin/sh\nexit 1\n' >"$T/op/a" && printf '#!/bin/sh\necho balance_level=core\n' >"$T/op/b"
printf '#!/bin/sh\necho hintpolicy=exact\n' >"$T/op/c" && printf 'echo not executable\n' >"$T/op/0"
chmod +x "$T/op/a" "$T/op/b" "$T/op/c"
check "policy: a directory of operator scripts is run as irqbalance would: $(pol /sys/bus/pci/devices/0000:00:04.0 30)" \
	test "$(pol /sys/bus/pci/devices/0000:00:04.0 30)" = "balance_level=core ban=true "
check "policy: with the directory, an unplanned IRQ gets only the operator's lines" \
	test "$(pol /sys 9)" = "balance_level=core "
# Re-persist: one --policyscript, the operator's still chained, never our own.
"$BIN" persist --dest "$P" --binary /usr/sbin/irqsight "$T/pol.plan" >/dev/null 2>&1
# shellcheck disable=SC1090,SC1091
args=$(set -a; . "$P/etc/default/irqbalance"; echo "$IRQBALANCE_ARGS")
check "persist twice: IRQBALANCE_ARGS once with ours, the operator's args kept: $args" \
	test "$args" = "--hintpolicy=subset --policyscript=/etc/irqsight/irqbalance-policy"
check "persist twice: still chains the operator's script, not itself" \
	grep -qx "chain='$T/op'" "$P/etc/irqsight/irqbalance-policy"
"$BIN" persist --remove --dest "$P" >/dev/null 2>&1
check "persist --remove: irqbalance's file byte for byte, the policy script gone" \
	sh -c "cmp -s '$T/pol.orig' '$P/etc/default/irqbalance' && ! test -e '$P/etc/irqsight'"
# Then persist without --oneshot: keep's service replaces the oneshot unit.
"$BIN" persist --dest "$D" --binary "$PWD/irqsight" "$T/p.plan" >/dev/null 2>&1
kunit=$D/etc/systemd/system/irqsight-keep.service
check "persist: keep's service enabled, the oneshot unit gone" \
	sh -c "test -L '$D/etc/systemd/system/multi-user.target.wants/irqsight-keep.service' && ! test -e '$unit'"
check "persist: keep's service runs keep on the installed plan, reloads with SIGHUP" \
	sh -c "grep -qx 'ExecStart=$PWD/irqsight keep /etc/irqsight/plan' '$kunit' && grep -qxF 'ExecReload=/bin/kill -HUP \$MAINPID' '$kunit'"
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify "$kunit" >"$T/kverify.out" 2>&1
	check "persist: systemd-analyze verify passes on keep's service" test $? = 0 -a ! -s "$T/kverify.out"
fi
"$BIN" persist --remove --dest "$D" >"$T/remove.out" 2>&1
check "persist --remove exits 0" test $? = 0
check "persist --remove restores irqbalance byte for byte (after installing twice)" cmp "$T/irqbalance.orig" "$D/etc/default/irqbalance"
check "persist --remove removes both units, their links and the plan" \
	sh -c "! test -e '$unit' && ! test -L '$D/etc/systemd/system/multi-user.target.wants/irqsight-apply.service' && ! test -e '$kunit' && ! test -L '$D/etc/systemd/system/multi-user.target.wants/irqsight-keep.service' && ! test -e '$D/etc/irqsight/plan'"

# ---- live
tests/live/apply.sh >"$T/live.out" 2>&1
cat "$T/live.out"
line=$(grep -E '^apply-live: [0-9]+ passed, [0-9]+ failed' "$T/live.out" | tail -n 1)
lp=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
lf=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
[ -n "$line" ] || lf=1
pass=$((pass + ${lp:-0}))
fail=$((fail + ${lf:-1}))

echo "act: $pass passed, $fail failed"
[ "$fail" = 0 ]
