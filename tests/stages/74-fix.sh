#!/usr/bin/env bash
# fix: the guardian's automatic undo on a copy tree of a fixture host (never this host's
# /proc), with `fix --root COPY --prove 0` (apply, leave it pending):
#  - nobody confirms: the guardian rolls back at the --confirm deadline, not before; the
#    tree is byte-identical again and fix-last says "rolled-back deadline";
#  - irqsight SIGKILLed after the apply (at its exit_group, strace inject): the same;
#  - irqsight SIGKILLed in the middle of the apply (at a write): the guardian rolls back
#    what was written at once ("parent-died");
#  - the guardian is in its own session (no terminal) and survives SIGHUP;
#  - `fix --confirm` from another shell keeps the change past the deadline, `fix --abort`
#    restores now; a second fix while one is pending is refused; --confirm with nothing
#    pending is exit 3;
#  - on a terminal (script(1)): the VM CPUs are asked for, the plan shown, the apply asked
#    (declined: nothing written); without a terminal and --yes: refused.
# The verdict itself: unit tests (tests/unit/test_verdict.c); the measured flow: the lab's
# stutter scenario (tests/lab/scenarios/stutter). Prints "fix: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=$(realpath "${IRQSIGHT:-./irqsight}")
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
T=$(mktemp -d /tmp/irqsight-fix.XXXXXX)
export IRQSIGHT_STATE_DIR=$T/state
cleanup() {
	# a guardian left by a failed case: end it (its pid, never by name)
	if [ -s "$T/state/fix-guardian.pid" ]; then
		kill "$(sed -n 's/^pid=//p' "$T/state/fix-guardian.pid")" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
if ! command -v strace >/dev/null || ! strace -o /dev/null -e trace=write true 2>/dev/null; then
	bad "strace missing or cannot trace here: run sudo ./tests/setup-deps.sh (tests/deps/fault.txt)"
	echo "fix: $pass passed, $fail failed"
	exit 1
fi
src=tests/hosts/live-firecracker-virtio-root
if [ ! -d "$src/proc/irq" ]; then
	bad "fixture $src missing"
	echo "fix: $pass passed, $fail failed"
	exit 1
fi
mkdir -p "$T/orig"
cp -a "$src/." "$T/orig/"
fresh() { rm -rf "$T/root" "$T/state"; cp -a "$T/orig" "$T/root"; }
same() { diff -r --no-dereference "$T/orig" "$T/root" >/dev/null; }
gpid() { sed -n 's/^pid=//p' "$T/state/fix-guardian.pid" 2>/dev/null; }
last() { sed -n "s/^$1=//p" "$T/state/fix-last" 2>/dev/null; }
# wait up to $1 s for the guardian to end
wait_gone() {
	local p=$1 i
	for i in $(seq 1 $(($2 * 10))); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
FIX=(--root "$T/root" fix --yes --vm-cpus 1 --prove 0)

# ---- nobody confirms: rolled back at the deadline, not before
fresh
"$BIN" "${FIX[@]}" --confirm 5 --out "$T/b" >"$T/out" 2>&1
rc=$?
check "pending fix: exit 4 (rc $rc)" test $rc = 4
check "pending fix: the tree changed (IRQ 34 read back on CPU 0)" \
	sh -c "! diff -r --no-dereference '$T/orig' '$T/root' >/dev/null && test \"\$(cat '$T/root/proc/irq/34/smp_affinity_list')\" = 0"
g=$(gpid)
check "guardian runs (pid ${g:-none}) with its pending state" sh -c "test -n '$g' && kill -0 '$g' && grep -q '^deadline=' '$T/state/fix-pending'"
for f in check-before.json plan journal summary.txt summary.json; do
	check "bundle has $f" test -s "$T/b/$f"
done
sid=$(ps -o sid= -p "$g" | tr -d ' ')
mysid=$(ps -o sid= -p $$ | tr -d ' ')
check "guardian is in a session of its own (sid $sid, ours $mysid), no terminal" \
	sh -c "test -n '$sid' && test '$sid' != '$mysid' && test '$sid' != '$g' && test \"\$(ps -o tty= -p '$g' | tr -d ' ')\" = '?'"
kill -HUP "$g" 2>/dev/null
sleep 1
check "guardian survives SIGHUP" kill -0 "$g"
check "not rolled back before the deadline" sh -c "! diff -r --no-dereference '$T/orig' '$T/root' >/dev/null"
wait_gone "$g" 10
check "at the deadline: guardian gone, tree identical to the original" same
check "fix-last: rolled-back, reason deadline" sh -c "test '$(last outcome)' = rolled-back && test '$(last reason)' = deadline"
check "guardian cleaned its pidfile and pending state" sh -c "test ! -e '$T/state/fix-guardian.pid' && test ! -e '$T/state/fix-pending'"
check "the journal records the guardian's rollback" grep -q '^rollback .*by=fix-guardian' "$T/state"/journal-*.txt

# ---- SIGKILL of irqsight after the apply (at its exit)
fresh
{ strace -o /dev/null -e trace=exit_group -e inject=exit_group:signal=KILL "$BIN" "${FIX[@]}" --confirm 5 >/dev/null 2>&1; } 2>/dev/null
rc=$?
g=$(gpid)
check "irqsight SIGKILLed after the apply (rc $rc = 137), guardian alive" sh -c "test $rc = 137 && kill -0 '$g'"
check "the tree is changed until the deadline" sh -c "! diff -r --no-dereference '$T/orig' '$T/root' >/dev/null"
wait_gone "$g" 10
check "SIGKILL: the guardian rolled back at the deadline" sh -c "test '$(last reason)' = deadline"
check "SIGKILL: tree identical to the original" same

# ---- SIGKILL in the middle of the apply: rolled back at once
fresh
{ strace -o /dev/null -e trace=write -e inject=write:signal=KILL:when=12 "$BIN" "${FIX[@]}" --confirm 60 >/dev/null 2>&1; } 2>/dev/null
rc=$?
for i in $(seq 1 50); do [ -s "$T/state/fix-last" ] && break; sleep 0.1; done
check "SIGKILL during the apply (rc $rc): $(last restored) written value(s) rolled back at once (parent-died)" \
	sh -c "test $rc = 137 && test '$(last reason)' = parent-died && test '$(last failed)' = 0 && test '$(last restored)' -gt 0"
check "SIGKILL during the apply: tree identical to the original" same

# ---- --confirm from another shell keeps it; --abort restores now
fresh
"$BIN" "${FIX[@]}" --confirm 5 >/dev/null 2>&1
g=$(gpid)
"$BIN" fix --confirm >"$T/out" 2>&1
rc=$?
check "fix --confirm: exit 0, guardian gone (rc $rc)" sh -c "test $rc = 0 && ! kill -0 '$g' 2>/dev/null && grep -q Confirmed '$T/out'"
sleep 6
check "confirmed: still changed past the deadline" sh -c "! diff -r --no-dereference '$T/orig' '$T/root' >/dev/null && test '$(last outcome)' = confirmed"
"$BIN" rollback >/dev/null 2>&1
check "rollback after a confirmed fix restores the tree" same
fresh
"$BIN" "${FIX[@]}" --confirm 60 >/dev/null 2>&1
"$BIN" "${FIX[@]}" --confirm 60 >"$T/out" 2>&1
rc=$?
check "a second fix while one is pending: refused (rc $rc)" sh -c "test $rc = 3 && grep -q 'a fix is pending' '$T/out'"
"$BIN" --json fix --abort >"$T/out" 2>&1
rc=$?
check "fix --abort: exit 0, rolled back now (rc $rc)" sh -c "test $rc = 0 && grep -q '\"reason\": \"abort\"' '$T/out'"
check "aborted: tree identical to the original" same
"$BIN" fix --confirm >"$T/out" 2>&1
rc=$?
check "fix --confirm with nothing pending: exit 3 (rc $rc)" sh -c "test $rc = 3 && grep -q 'no pending fix' '$T/out'"
# ---- on a terminal (script(1) gives it one): the VM CPUs asked, the plan shown, the apply asked
if command -v script >/dev/null; then
	fresh
	printf '1\ny\n' | timeout 60 script -qec "'$BIN' --root '$T/root' fix --prove 0 --confirm 60" /dev/null >"$T/out" 2>&1
	rc=$?
	check "on a terminal: asks for the VM CPUs and before the apply, shows the plan, pending (rc $rc)" \
		sh -c "test $rc = 4 && grep -q 'Which CPUs run the VMs' '$T/out' && grep -q 'Kept free of interrupts: 1' '$T/out' &&
			grep -q 'Apply the plan' '$T/out' && test \"\$(cat '$T/root/proc/irq/34/smp_affinity_list')\" = 0"
	"$BIN" fix --abort >/dev/null 2>&1
	check "on a terminal: aborted, tree identical to the original" same
	fresh
	printf '1\nn\n' | timeout 60 script -qec "'$BIN' --root '$T/root' fix --prove 0" /dev/null >"$T/out" 2>&1
	rc=$?
	check "on a terminal, declined: exit 1, no guardian, nothing written (rc $rc)" \
		sh -c "test $rc = 1 && test ! -e '$T/state/fix-guardian.pid'" && same
else
	bad "script(1) missing (bsdutils): the terminal cases cannot run"
fi
echo | "$BIN" --root "$T/root" fix --vm-cpus 1 --prove 0 >"$T/out" 2>&1
rc=$?
check "no terminal and no --yes: refused, nothing written (rc $rc)" sh -c "test $rc = 3 && grep -q -- '--yes' '$T/out'" && same
"$BIN" --root "$T/root" fix --yes --vm-cpus 1 >"$T/out" 2>&1
rc=$?
check "fix --root without --prove 0: refused, nothing written (rc $rc)" sh -c "test $rc = 3 && grep -q 'prove 0' '$T/out'" && same
echo "fix: $pass passed, $fail failed"
[ "$fail" = 0 ]
