#!/usr/bin/env bash
# Live test of plan/apply/rollback on this machine (root, real /proc/irq). Whatever happens,
# the EXIT trap puts every IRQ affinity, default_smp_affinity and RPS mask back as it was.
# Prints "apply-live: N passed, N failed"; exits 0 with "skipped" when it cannot run here.
set -u
cd "$(dirname "$0")/../.."
BIN=${IRQSIGHT:-./irqsight}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

if [ "$(id -u)" != 0 ] || [ ! -w /proc/irq/default_smp_affinity ] || ! grep -q . /proc/irq/*/smp_affinity_list 2>/dev/null; then
	echo "apply-live: skipped (needs root and a writable /proc/irq)"
	echo "apply-live: 0 passed, 0 failed"
	exit 0
fi
ncpu=$(nproc --all)
if [ "$ncpu" -lt 2 ]; then
	echo "apply-live: skipped (needs 2 CPUs)"; echo "apply-live: 0 passed, 0 failed"; exit 0
fi

T=$(mktemp -d /tmp/irqsight-live.XXXXXX)
chmod 755 "$T"
export IRQSIGHT_STATE_DIR=$T/state

# Every value apply may touch, as "path value" lines.
dump() {
	local f
	for f in /proc/irq/*/smp_affinity_list /proc/irq/default_smp_affinity /sys/class/net/*/queues/rx-*/rps_cpus; do
		[ -r "$f" ] && printf '%s %s\n' "$f" "$(cat "$f" 2>/dev/null)"
	done
}
restore() {
	local f v
	while read -r f v; do
		[ "$(cat "$f" 2>/dev/null)" = "$v" ] || echo "$v" >"$f" 2>/dev/null
	done <"$T/before"
}
cleanup() {
	restore
	dump >"$T/final"
	if ! diff -q "$T/before" "$T/final" >/dev/null; then
		echo "WARNING: could not restore everything:"; diff "$T/before" "$T/final"
	fi
	rm -rf "$T"
}
dump >"$T/before"
trap cleanup EXIT
trap 'exit 130' INT TERM

last=$((ncpu - 1))
hk=0
# Movable IRQs: numeric, with a handler, smp_affinity writable by mode (6.12+ marks managed 0444).
movable=$(for d in /proc/irq/[0-9]*; do
	n=${d##*/}
	grep -qE "^ *$n:.*[^ ]" /proc/interrupts || continue
	awk -v n="$n:" '$1==n' /proc/interrupts | grep -qE '(edge|fasteoi|level|Edge|Level) +[^ ]' || continue
	[ "$(stat -c %a "$d/smp_affinity")" = 644 ] && echo "$n"
done)
managed=$(for d in /proc/irq/[0-9]*; do [ "$(stat -c %a "$d/smp_affinity")" = 444 ] && echo "${d##*/}"; done)

check "plan --vm-cpus $last" "$BIN" plan --vm-cpus "$last" -o "$T/plan" >"$T/plan.out" 2>&1
check "plan names IRQs by device, not only number" grep -q '^irq cpus=0 dev=0000:' "$T/plan"

"$BIN" apply "$T/plan" >"$T/dry.out" 2>&1
dump >"$T/after-dry"
check "dry run changes nothing" diff -q "$T/before" "$T/after-dry"
check "dry run says so" grep -q 'Nothing was changed' "$T/dry.out"

"$BIN" apply --yes "$T/plan" >"$T/apply.out" 2>&1
rc=$?
check "apply --yes exits 0 (rc $rc)" test "$rc" = 0
allok=true effok=true npending=0
for n in $movable; do
	a=$(cat /proc/irq/$n/smp_affinity_list); e=$(cat /proc/irq/$n/effective_affinity_list 2>/dev/null || echo "$hk")
	if [ "$a" != "$hk" ]; then allok=false; echo "  irq $n: smp_affinity_list=$a"; fi
	grep -qE "^written +$n .*read back ok" "$T/apply.out" || { allok=false; echo "  irq $n: no read-back line"; }
	# x86 without interrupt remapping moves an MSI at its next interrupt: until then the
	# old CPU is still effective, and apply must say so.
	if [ "$e" != "$hk" ]; then
		npending=$((npending + 1))
		grep -qE "^written +$n .*still effective on CPU $e until the IRQ next fires" "$T/apply.out" ||
			{ effok=false; echo "  irq $n: effective=$e not reported as pending"; }
	fi
done
check "every movable IRQ ($(echo $movable | wc -w)) moved to CPU $hk and read back" $allok
check "effective CPUs on $hk or reported pending ($npending pending)" $effok
check "default_smp_affinity moved" test "$(cat /proc/irq/default_smp_affinity)" = 1
for n in $managed; do
	check "managed irq $n reported not movable, with the reason" \
		grep -qE "^not-movable +$n .*kernel-managed" "$T/apply.out"
done
check "the output names the journal" grep -q "^Journal: $T/state/journal-" "$T/apply.out"
nj=$(ls "$T/state" | wc -l)

"$BIN" apply --yes "$T/plan" >"$T/again.out" 2>&1
check "second apply writes nothing" grep -q 'Applied: 0 written' "$T/again.out"
check "second apply leaves no new journal" test "$(ls "$T/state" | wc -l)" = "$nj"

"$BIN" rollback >"$T/rb.out" 2>&1
dump >"$T/after-rb"
check "rollback restores every value exactly" diff "$T/before" "$T/after-rb"
"$BIN" rollback >"$T/rb2.out" 2>&1
check "rollback again restores nothing" grep -q 'Rollback: 0 restored' "$T/rb2.out"

# Kill apply between writes: rollback from the partial journal restores everything.
rm -rf "$T/state"
IRQSIGHT_FAULT_AFTER_WRITES=3 "$BIN" apply --yes "$T/plan" >"$T/fault.out" 2>"$T/fault.err" &
pid=$!
for _ in $(seq 100); do grep -q 'fault injection' "$T/fault.err" && break; sleep 0.1; done
kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
dump >"$T/partial"
changed=$(diff "$T/before" "$T/partial" | grep -c '^>')
check "killed apply changed exactly 3 values (changed $changed)" test "$changed" = 3
j=$(ls "$T"/state/journal-*.txt)
check "partial journal records 3 writes, no done line" \
	test "$(grep -c '^set ' $j)" = 3 -a "$(grep -c '^done ' $j)" = 0
"$BIN" rollback >"$T/rb3.out" 2>&1
dump >"$T/after-rb3"
check "rollback from the partial journal restores everything" diff "$T/before" "$T/after-rb3"

# A value rollback cannot restore (a read-only bind mount over one IRQ's
# smp_affinity_list, in a private mount namespace) is named, counted and in the exit
# status; a rollback outside the namespace then restores it and everything is as before.
rm -rf "$T/state"
"$BIN" apply --yes "$T/plan" >"$T/ap4.out" 2>&1
ro_irq=$(for n in $movable; do [ "$(cat /proc/irq/$n/smp_affinity_list)" = "$hk" ] && { echo "$n"; break; }; done)
if [ -n "$ro_irq" ] && unshare -m true 2>/dev/null; then
	f=/proc/irq/$ro_irq/smp_affinity_list
	unshare -m --propagation private sh -c "mount --bind $f $f && mount -o remount,bind,ro $f && exec '$BIN' rollback" >"$T/rbro.out" 2>&1
	rc=$?
	check "rollback with irq $ro_irq read-only: exit 1 (rc $rc), irq named with EROFS, counted" \
		sh -c "[ $rc = 1 ] && grep -qE '^failed +$ro_irq .*Read-only file system' '$T/rbro.out' && grep -qE ' 1 could not be restored\.$' '$T/rbro.out'"
	dump | grep -v "^$f " >"$T/rbro.now"
	check "irq $ro_irq still as applied, every other value restored" \
		sh -c "[ \"\$(cat $f)\" = $hk ] && grep -v '^$f ' '$T/before' | diff - '$T/rbro.now' >/dev/null"
	"$BIN" rollback >"$T/rbro2.out" 2>&1
	rc=$?
	dump >"$T/after-rbro"
	check "a second rollback restores it (rc $rc) and every value is as before" \
		sh -c "[ $rc = 0 ] && grep -q 'Rollback: 1 restored' '$T/rbro2.out' && diff -q '$T/before' '$T/after-rbro' >/dev/null"
else
	"$BIN" rollback >/dev/null 2>&1
	echo "# read-only rollback case skipped (no movable IRQ moved, or no unshare)"
fi

# A plan for another CPU layout is refused unless --force.
sed -E "s/^host cpus=[0-9]+/host cpus=$((ncpu + 4))/" "$T/plan" >"$T/other"
"$BIN" apply "$T/other" >"$T/other.out" 2>&1
check "plan for another host refused (rc $?)" grep -q 'refusing plan' "$T/other.out"
check "--force accepts it" "$BIN" apply --force "$T/other" >/dev/null 2>&1

# Not root: refused before anything is written.
if command -v setpriv >/dev/null; then
	chmod 644 "$T/plan"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" apply --yes "$T/plan" >"$T/nr.out" 2>&1
	check "apply --yes as non-root refused" grep -q 'run it as root' "$T/nr.out"
fi
# A read-only /proc/irq (what container runtimes do): every write fails with EROFS, explained.
if unshare -m true 2>/dev/null; then
	unshare -m sh -c "mount --bind /proc/irq /proc/irq && mount -o remount,bind,ro /proc/irq && \
		IRQSIGHT_STATE_DIR='$T/erofs' '$BIN' apply --yes '$T/plan'" >"$T/erofs.out" 2>&1
	check "read-only /proc/irq: failures classified as EROFS (container)" \
		grep -qE '^failed .*Read-only file system: .*container' "$T/erofs.out"
	dump >"$T/after-erofs"
	check "read-only /proc/irq: nothing changed" diff -q "$T/before" "$T/after-erofs"
fi
dump >"$T/end"
check "nothing left changed" diff -q "$T/before" "$T/end"

echo "apply-live: $pass passed, $fail failed"
[ "$fail" = 0 ]
