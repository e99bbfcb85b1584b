#!/usr/bin/env bash
# fault: hostile journals and plans, and faults injected into apply, on copy trees of a
# fixture host (never this host's /proc):
#  - the journals that once crashed rollback (unterminated quote, set without old=, paths
#    /etc/passwd and ../../etc/passwd, /dev/urandom, no started line, the newest journal
#    in the state directory unusable): exit 3 with the line, never a signal, nothing written;
#  - the write allow-list (src/act/allow.c): a journal for every writable path shape
#    restores it; a journal and a plan for every forbidden shape (etc/shadow relative and
#    absolute, .., netdev=.. and netdev=., a symlink at the file or as the interface, other
#    files of the same directories, an interface that does not exist) are refused whole
#    with the line number, and the tree keeps every byte;
#  - SIGKILL at every write(2) of an apply (strace -e inject=write:signal=KILL:when=N),
#    then rollback: the tree is identical to the original for every kill point;
#  - ENOSPC, EROFS and EIO injected on the journal's own write(2) and fsync(2): apply
#    stops, and no affinity file was written without its journal line;
#  - read-back mismatches say what was written and what was read back, and why;
#  - user paths (plan, journal, baseline, output files) from the current directory.
#  - the state directory (its lock serialises apply --yes and rollback; one that others
#    can write or own is refused), persist's unit and files, plan -o over a link.
# Needs strace (tests/deps/fault.txt); prints "fault: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=$(realpath "${IRQSIGHT:-./irqsight}")
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
T=$(mktemp -d /tmp/irqsight-fault.XXXXXX)
trap 'rm -rf "$T"' EXIT
export IRQSIGHT_STATE_DIR=$T/state

if ! command -v strace >/dev/null; then
	bad "strace missing: run sudo ./tests/setup-deps.sh (tests/deps/fault.txt)"
	echo "fault: $pass passed, $fail failed"
	exit 1
fi
# strace needs ptrace (a container without CAP_SYS_PTRACE refuses it): a failure, said so.
if ! strace -o /dev/null -e trace=write true 2>"$T/strace.err"; then
	bad "strace cannot trace here: $(head -n 1 "$T/strace.err") (the injected faults cannot run)"
	echo "fault: $pass passed, $fail failed"
	exit 1
fi
src=tests/hosts/live-firecracker-virtio-root
if [ ! -d "$src/proc/irq" ]; then
	bad "fixture $src missing"
	echo "fault: $pass passed, $fail failed"
	exit 1
fi
# The original: the fixture plus a secret and a file beside the tree, and a copy to work on.
mkdir -p "$T/orig"
cp -a "$src/." "$T/orig/"
mkdir -p "$T/orig/etc"
echo 'root:$6$secret' >"$T/orig/etc/shadow"
echo outside >"$T/outside"
# A tx-0 queue with xps_cpus where the fixture's capture has none (a kernel without
# CONFIG_XPS; git keeps no empty tx-0 directory either), so that every writable shape is
# tried.
for d in "$T"/orig/sys/class/net/*/queues; do
	mkdir -p "$d/tx-0"
	[ -e "$d/tx-0/xps_cpus" ] || echo 0 >"$d/tx-0/xps_cpus"
done
fresh() { rm -rf "$T/root" "$T/state"; cp -a "$T/orig" "$T/root"; }
same() { diff -r --no-dereference "$T/orig" "$T/root" >/dev/null && test "$(cat "$T/outside")" = outside; }
fresh
"$BIN" --root "$T/root" plan --housekeeping 0 -o "$T/p.plan" >/dev/null 2>&1
check "plan for the copy tree" test -s "$T/p.plan"
hdr=$(sed -nE '/^irqsight-plan/,/^housekeeping/p' "$T/p.plan")
irq=$(sed -nE 's/^irq cpus=0 dev=.* irq=([0-9]+) .*/\1/p' "$T/p.plan" | head -n 1)
if_=
for d in "$T"/orig/sys/class/net/*; do
	case ${d##*/} in lo) ;; *) if_=${d##*/}; break ;; esac
done
started="started time=2025-01-01T00:00:00.000000Z pid=1 command=apply root=$T/root plan=p.plan"

# A journal with one line after the header; rollback must refuse it (exit 3, a "line N"
# message, no signal) and leave every byte of the tree.
refused_journal() {
	local what=$1 line=$2 body=$3
	fresh
	printf 'irqsight-journal 1\n%s\n%s\n' "$started" "$body" >"$T/j.txt"
	"$BIN" rollback "$T/j.txt" >"$T/out" 2>&1
	local rc=$?
	check "journal $what: refused (rc $rc), 'line $line' named, tree unchanged" \
		sh -c "test $rc = 3 && grep -q 'line $line:' '$T/out' && ! grep -q '^{' '$T/out'" && same || bad "  (tree changed after: $what)"
	"$BIN" --json rollback --dry-run "$T/j.txt" >"$T/out" 2>&1
	rc=$?
	check "journal $what: --json --dry-run refused too (rc $rc), prints no file content" \
		sh -c "test $rc = 3 && ! grep -q secret '$T/out'"
}

# ---- the journals that crashed rollback
refused_journal "with an unterminated quote" 3 "set path=\"proc/irq/$irq/smp_affinity_list old=0 new=1"
refused_journal "with a set line without old=" 3 "set path=proc/irq/$irq/smp_affinity_list new=1"
refused_journal "naming /etc/passwd" 3 "set path=/etc/passwd old=1 new=2"
refused_journal "naming ../../etc/passwd" 3 "set path=../../etc/passwd old=1 new=2"
fresh
printf 'irqsight-journal 1\nset path=proc/irq/default_smp_affinity old=1 new=3\n' >"$T/nostart.txt"
"$BIN" rollback --dry-run "$T/nostart.txt" >"$T/out" 2>&1
rc=$?
check "journal without its started line: refused, the root never defaulted to / (rc $rc)" \
	sh -c "test $rc = 3 && grep -q 'line 2: a set line before the .started. line' '$T/out' && ! grep -q default_smp_affinity '$T/out'"
printf 'irqsight-journal 1\ndone time=x written=0 failed=0\n' >"$T/nostart2.txt"
"$BIN" rollback --dry-run "$T/nostart2.txt" >"$T/out" 2>&1
rc=$?
check "journal with no started line at all: refused (rc $rc)" sh -c "test $rc = 3 && grep -q 'refusing to guess' '$T/out'"
"$BIN" rollback /dev/urandom >"$T/out" 2>&1
rc=$?
check "/dev/urandom as the journal: refused, not read (rc $rc)" \
	sh -c "test $rc = 3 && grep -q 'not a regular file or a pipe' '$T/out'"
head -c 65536 /dev/urandom >"$T/random.txt"
"$BIN" rollback "$T/random.txt" >"$T/out" 2>&1
rc=$?
check "random bytes as the journal: refused (rc $rc)" test $rc = 3
# The newest journal in the state directory is unusable: rollback says so and rolls
# back nothing (not an older journal behind the user's back).
fresh
"$BIN" --root "$T/root" apply --yes "$T/p.plan" >/dev/null 2>&1
good=$(ls "$T/state"/journal-*.txt | head -n 1)
printf 'irqsight-journal 1\n%s\nset path=etc/shadow old=3 new=0\n' "$started" >"$T/state/journal-29991231T235959.000000Z-1.txt"
"$BIN" rollback >"$T/out" 2>&1
rc=$?
check "newest journal unusable: refused by name (rc $rc), the older apply not rolled back behind it" \
	sh -c "test $rc = 3 && grep -q 'journal-29991231T235959.000000Z-1.txt.: line 3' '$T/out' && test \"\$(cat '$T/root/proc/irq/$irq/smp_affinity_list')\" = 0"
rm -f "$T/state/journal-29991231T235959.000000Z-1.txt"
"$BIN" rollback "$good" >/dev/null 2>&1
check "the older journal, named, rolls back to the original tree" same
# A journal larger than the limit is refused whole, never cut (a cut one lost its last restore).
{ printf 'irqsight-journal 1\n%s\n' "$started"; yes "set path=proc/irq/$irq/smp_affinity_list old=0 new=0" | head -c 9000000; echo; } >"$T/big.txt"
"$BIN" rollback --dry-run "$T/big.txt" >"$T/out" 2>&1
rc=$?
check "journal over 8 MiB: refused with the limit (rc $rc)" sh -c "test $rc = 3 && grep -q 'limit of 8 MiB' '$T/out'"

# ---- the allow-list: every writable shape, through a journal
allowed() {
	local path=$1 old=$2
	fresh
	printf 'irqsight-journal 1\n%s\nset path=%s old=%s new=0\n' "$started" "$path" "$old" >"$T/j.txt"
	"$BIN" rollback "$T/j.txt" >"$T/out" 2>&1
	local rc=$?
	check "journal restoring $path: exit 0, value written (rc $rc)" \
		sh -c "test $rc = 0 && test \"\$(cat '$T/root/$path')\" = '$old'"
}
for f in proc/irq/$irq/smp_affinity_list proc/irq/$irq/smp_affinity proc/irq/default_smp_affinity \
	sys/class/net/$if_/queues/rx-0/rps_cpus sys/class/net/$if_/queues/tx-0/xps_cpus; do
	if [ -f "$T/orig/$f" ]; then
		case $f in *_list) v=0-1 ;; *) v=2 ;; esac
		allowed "$f" "$v"
	else
		bad "fixture has no $f"
	fi
done

# ---- every forbidden shape, through a journal
fresh
mkdir -p "$T/orig/proc/irq/900" "$T/orig/sys/class/net"
ln -s ../../../etc/shadow "$T/orig/proc/irq/900/smp_affinity_list"
ln -s /etc/shadow "$T/orig/proc/irq/900/smp_affinity"
ln -s ../../../etc "$T/orig/sys/class/net/evil"
mkdir -p "$T/orig/etc/queues/rx-0" && echo 0 >"$T/orig/etc/queues/rx-0/rps_cpus"
n=0
while read -r path why; do
	n=$((n + 1))
	refused_journal "path $path ($why)" 3 "set path=$path old=1 new=0"
done <<EOF
etc/shadow relative
/etc/shadow absolute
/proc/irq/$irq/smp_affinity_list absolute-allowed-file
../outside dotdot-out-of-the-root
proc/irq/$irq/../../../etc/shadow dotdot-inside
proc/irq/./$irq/smp_affinity_list dot-component
proc/irq//$irq/smp_affinity_list double-slash
proc/irq/0$irq/smp_affinity_list leading-zero
proc/irq/$irq/effective_affinity_list read-only-file-of-the-same-directory
proc/irq/$irq/node other-file
proc/irq/$irq/smp_affinity_list/ trailing-slash
sys/class/net/../queues/rx-0/rps_cpus netdev-dotdot
sys/class/net/./queues/rx-0/rps_cpus netdev-dot
sys/class/net/$if_/queues/rx-0/rps_flow_cnt other-queue-file
sys/class/net/$if_/queues/rx-0/xps_cpus xps-under-rx
sys/class/net/$if_/queues/tx-0/rps_cpus rps-under-tx
sys/class/net/nosuch0/queues/rx-0/rps_cpus no-such-interface
sys/class/net/$if_/queues/rx-0/../../../../../etc/shadow dotdot-after-queue
EOF
# Symlinks: the shape is allowed, the link is not followed (the file it names keeps its bytes).
for f in proc/irq/900/smp_affinity_list proc/irq/900/smp_affinity; do
	fresh
	printf 'irqsight-journal 1\n%s\nset path=%s old=1 new=0\n' "$started" "$f" >"$T/j.txt"
	"$BIN" rollback "$T/j.txt" >"$T/out" 2>&1
	rc=$?
	check "journal writing through the symlink $f: not restored (rc $rc), said why, etc/shadow kept" \
		sh -c "test $rc = 1 && grep -q 'symbolic link' '$T/out'" && same || bad "  (tree changed: $f)"
	"$BIN" rollback --dry-run "$T/j.txt" >"$T/out" 2>&1
	check "dry run through the symlink $f: does not print the file it points at" sh -c "! grep -q secret '$T/out'"
done
fresh
printf 'irqsight-journal 1\n%s\nset path=sys/class/net/evil/queues/rx-0/rps_cpus old=1 new=0\n' "$started" >"$T/j.txt"
"$BIN" rollback "$T/j.txt" >"$T/out" 2>&1
check "journal through an interface symlinked to etc/: resolves inside the root only, outside kept" same

# ---- every forbidden shape, through a plan
refused_plan() {
	local what=$1 line=$2 body=$3
	fresh
	printf '%s\n%s\n' "$hdr" "$body" >"$T/bad.plan"
	"$BIN" --root "$T/root" apply --yes "$T/bad.plan" >"$T/out" 2>&1
	local rc=$?
	check "plan $what: refused (rc $rc) with 'line $line', tree unchanged" \
		sh -c "test $rc = 3 && grep -q 'line $line' '$T/out'" && same || bad "  (tree changed after: $what)"
}
l=$(($(printf '%s\n' "$hdr" | wc -l) + 1))
refused_plan "rps netdev=.." $l "rps netdev=.. cpus=0"
refused_plan "rps netdev=." $l "rps netdev=. cpus=0"
refused_plan "rps netdev=a/b" $l "rps netdev=../../etc cpus=0"
refused_plan "rps netdev='' " $l 'rps netdev="" cpus=0'
refused_plan "rps netdev=eth0:1" $l "rps netdev=eth0:1 cpus=0"
refused_plan "with a bad line after good ones" $((l + 1)) "irq cpus=0 action=x
irq cpus=0 action=\"y"
fresh
printf '%s\nrps netdev=evil cpus=0\n' "$hdr" >"$T/evil.plan"
"$BIN" --root "$T/root" apply --yes "$T/evil.plan" >"$T/out" 2>&1
check "plan rps netdev=evil (a link to etc/): nothing outside sys/class/net/IF/queues written" same
# An IRQ file the plan moves is a symlink to etc/shadow: that write fails, named.
fresh
rm "$T/root/proc/irq/$irq/smp_affinity_list"
ln -s ../../../etc/shadow "$T/root/proc/irq/$irq/smp_affinity_list"
"$BIN" --root "$T/root" apply --yes "$T/p.plan" >"$T/out" 2>&1
check "plan over an IRQ file that is a symlink to etc/shadow: that IRQ not written, said why, etc/shadow kept" \
	sh -c "grep -qE '^(missing|failed) +$irq .*symbolic link' '$T/out' && cmp -s '$T/orig/etc/shadow' '$T/root/etc/shadow'"
# The plan cut inside cpus=0,1 once applied "0": a plan is read whole or refused.
fresh
{ printf '%s\n' "$hdr"; yes "# padding padding padding padding" | head -c 8400000; printf 'default-affinity 0,1\n'; } >"$T/cut.plan"
"$BIN" --root "$T/root" apply --yes "$T/cut.plan" >"$T/out" 2>&1
rc=$?
check "plan over 8 MiB: refused with the limit (rc $rc), nothing written" \
	sh -c "test $rc = 3 && grep -q 'limit of 8 MiB' '$T/out'" && same || bad "  (tree changed: big plan)"

# ---- read-back messages
fresh
printf '%s\ndefault-affinity 1,200\n' "$hdr" >"$T/da.plan"
"$BIN" --root "$T/root" apply --yes "$T/da.plan" >"$T/out" 2>&1
check "default-affinity 1,200 on a 2-CPU host: skipped, names CPU 200 and the host's CPUs, writes nothing" \
	sh -c "grep -qE \"^skipped .*default_smp_affinity .*CPU 200 beyond this host's CPUs 0-1\" '$T/out' && ! grep -q \"read back '2' after writing '2'\" '$T/out'" && same
# A write the kernel takes but does not keep (strace makes write(2) return success without
# writing): the message gives what was written, what was read back, and the difference.
fresh
fresh
{ printf '%s\n' "$hdr"; grep -E "^irq cpus=0 .* irq=$irq " "$T/p.plan"; } >"$T/one.plan"
strace -o /dev/null -e trace=write -e inject=write:retval=2:when=3 "$BIN" --root "$T/root" apply --yes "$T/one.plan" >"$T/out" 2>&1
# (A copy tree's file is emptied before the write, so it reads back empty.)
check "read-back mismatch: \"wrote '0', read back ''\" and the CPU the kernel dropped" \
	grep -qE "^failed +$irq .*wrote '0', read back '': the kernel dropped CPU 0$" "$T/out"

# ---- SIGKILL at every write(2) of an apply, then rollback: the original tree, every time
fresh
total=$(strace -o /dev/stdout -qq -e trace=write "$BIN" --root "$T/root" apply --yes "$T/p.plan" 2>/dev/null | grep -c '^write(')
nk=0 nbad=0 badk=
for ((k = 1; k <= total; k++)); do
	fresh
	# In a subshell that outlives strace: it, not this shell, reports the kill (to /dev/null).
	(strace -o /dev/null -e trace=write -e inject=write:signal=KILL:when=$k \
		"$BIN" --root "$T/root" apply --yes "$T/p.plan"; echo $? >"$T/rc") >/dev/null 2>&1
	rc=$(cat "$T/rc")
	"$BIN" rollback >"$T/rb.$k" 2>&1
	nk=$((nk + 1))
	if [ "$rc" -lt 128 ] || ! same; then nbad=$((nbad + 1)); badk="$badk $k(rc $rc)"; fi
done
check "SIGKILL at each of the $total writes of an apply, then rollback: $nk kill points, the original tree every time${badk:+ (not at$badk)}" \
	test "$nk" -gt 3 -a "$nbad" = 0

# ---- ENOSPC / EROFS / EIO on the journal's own writes: apply stops before the write it
# could not journal. Which write(2) and fsync(2) calls are the journal's: from a trace.
fresh
strace -o "$T/trace" -e trace=write,fsync "$BIN" --root "$T/root" apply --yes "$T/p.plan" >/dev/null 2>&1
jfd=$(sed -nE 's/^write\(([0-9]+), "irqsight-journal 1.*/\1/p' "$T/trace" | head -n 1)
mapfile -t jw < <(grep -E '^write\(' "$T/trace" | grep -nE "^write\($jfd, " | cut -d: -f1)
mapfile -t jf < <(grep -E '^fsync\(' "$T/trace" | grep -nE "^fsync\($jfd\)" | cut -d: -f1)
# Every affinity file that differs from the original has its complete set line in the journal.
journaled() {
	local j
	j=$(ls "$T/state"/journal-*.txt 2>/dev/null | head -n 1)
	diff -rq --no-dereference "$T/orig" "$T/root" | sed -nE "s|^Files $T/orig/([^ ]+) and .*|\1|p" | while read -r f; do
		[ -n "$j" ] && grep -q "^set path=$f old=" "$j" || { echo "unjournaled: $f"; return 1; }
	done
}
for err in ENOSPC EROFS EIO; do
	for idx in 0 1 3; do	# the header, the first set line, a later set line
		[ -n "${jw[$idx]:-}" ] || continue
		fresh
		strace -o /dev/null -e trace=write -e inject=write:error=$err:when=${jw[$idx]} \
			"$BIN" --root "$T/root" apply --yes "$T/p.plan" >"$T/out" 2>&1
		rc=$?
		nch=$(diff -rq --no-dereference "$T/orig" "$T/root" | wc -l)
		check "$err on journal write #$((idx + 1)) (write(2) #${jw[$idx]}): apply exits 3 and says so, $nch file(s) changed, each journaled" \
			sh -c "test $rc = 3 && grep -q 'cannot write the journal' '$T/out' && test $nch -le $((idx > 0 ? idx - 1 : 0))" && journaled >/dev/null ||
			bad "  ($err at write #${jw[$idx]}: $(journaled))"
		"$BIN" rollback >/dev/null 2>&1
		check "  then rollback: the original tree" same
	done
	[ -n "${jf[1]:-}" ] || continue
	fresh	# fsync of the first set line fails: its write must not happen
	strace -o /dev/null -e trace=fsync -e inject=fsync:error=$err:when=${jf[1]} \
		"$BIN" --root "$T/root" apply --yes "$T/p.plan" >"$T/out" 2>&1
	rc=$?
	check "$err on the fsync of the first set line: apply exits 3, nothing written (rc $rc)" \
		sh -c "test $rc = 3 && grep -q 'cannot write the journal' '$T/out'" && same
done

# ---- user paths: from the current directory, never inside --root
fresh
mkdir -p "$T/cwd"
cp "$T/p.plan" "$T/cwd/rel.plan"
(
	cd "$T/cwd" || exit 1
	"$BIN" --root "$T/root" apply rel.plan >out.apply 2>&1 && echo apply-ok >>results
	"$BIN" --root "$T/root" plan --housekeeping 0 -o out.plan >/dev/null 2>&1 && test -s out.plan && echo plan-o-ok >>results
	"$BIN" --root "$T/root" apply --yes rel.plan >/dev/null 2>&1 && echo apply-yes-ok >>results
	cp "$(ls "$T/state"/journal-*.txt | head -n 1)" rel-journal.txt
	"$BIN" rollback --dry-run rel-journal.txt >out.rb 2>&1 && echo rollback-ok >>results
	"$BIN" rollback rel-journal.txt >/dev/null 2>&1
	"$BIN" --root "$T/root" baseline save rel.baseline >/dev/null 2>&1 && test -s rel.baseline && echo baseline-save-ok >>results
	"$BIN" --root "$T/root" baseline check rel.baseline >/dev/null 2>&1; [ $? -lt 3 ] && echo baseline-check-ok >>results
	"$BIN" --root "$T/root" export --baseline rel.baseline rel.prom >/dev/null 2>&1 && test -s rel.prom && echo export-ok >>results
	mkdir -p "$T/dest" && "$BIN" persist --dest "$T/dest" --binary /usr/sbin/irqsight --no-irqbalance rel.plan >/dev/null 2>&1 &&
		cmp -s rel.plan "$T/dest/etc/irqsight/plan" && echo persist-ok >>results
)
for w in apply plan-o apply-yes rollback baseline-save baseline-check export persist; do
	check "relative path from the current directory: $w" grep -qx "$w-ok" "$T/cwd/results"
done
check "relative paths: nothing created inside --root, rollback restored the tree" \
	sh -c "! test -e '$T/root/rel.plan' && ! test -e '$T/root/out.plan' && ! test -e '$T/root/rel.baseline'" && same

# Control characters (an escape sequence, a carriage return) in a plan or a journal would
# reach the operator's terminal through boot=, why= or what=: refused with the line.
fresh
sed 's/^boot cmdline=.*/boot cmdline="a\x1b[2Jb\rc"/' "$T/p.plan" >"$T/esc.plan"
"$BIN" --root "$T/root" apply "$T/esc.plan" >"$T/out" 2>&1
rc=$?
check "plan with an escape sequence in boot cmdline=: refused with its line (rc $rc)" \
	sh -c "test $rc = 3 && grep -q 'line [0-9]*: a control character' '$T/out' && ! grep -q \$(printf '\033') '$T/out'"
printf '%s\n%s\nset path=proc/irq/%s/smp_affinity_list old=0-1 new=0 what="\033[2J\rx"\n' "irqsight-journal 1" \
	"$started" "$irq" >"$T/esc.txt"
"$BIN" rollback "$T/esc.txt" >"$T/out" 2>&1
rc=$?
check "journal with an escape sequence in what=: refused with its line (rc $rc), nothing written" \
	sh -c "test $rc = 3 && grep -q 'line 3: a control character' '$T/out'" && same
"$BIN" --root "$T/root" baseline save "$T/b.txt" >/dev/null 2>&1
sed 's/^kernel .*/kernel 6.1\x1b[2Jx/' "$T/b.txt" >"$T/be.txt"
"$BIN" --root "$T/root" baseline check "$T/be.txt" >"$T/out" 2>&1
rc=$?
"$BIN" --root "$T/root" export --baseline "$T/be.txt" "$T/be.prom" >>"$T/out" 2>&1
rc2=$?
check "baseline with an escape sequence: check (rc $rc) and export (rc $rc2) refuse it with its line" \
	sh -c "test $rc = 3 && test $rc2 = 3 && test \$(grep -c 'line [0-9]*: a control character' '$T/out') = 2"
sed 's/^kernel .*/kernel 6.1%1b[2Jx%0d/' "$T/b.txt" >"$T/be.txt"
"$BIN" --root "$T/root" baseline check "$T/be.txt" >"$T/out" 2>&1
rc=$?
check "baseline with an escape sequence written %1b: refused with its line too (rc $rc)" \
	sh -c "test $rc = 3 && grep -q 'line [0-9]*: a control character' '$T/out'"
# An empty --vm-cpus ("$UNSET" in a script) is refused like an empty --housekeeping,
# not taken as "nothing more to keep free".
"$BIN" --root "$T/root" plan --vm-cpus '' -o "$T/empty.plan" >"$T/out" 2>&1
rc=$?
check "plan --vm-cpus '': refused (rc $rc), no plan written" \
	sh -c "test $rc = 3 && grep -q 'non-empty CPU list' '$T/out' && ! test -e '$T/empty.plan'"
# ---- the state directory, concurrent runs, persist and output files
# Two writers at once: an apply that waits after its first write holds the state
# directory's lock; a second apply and a rollback are refused; after the kill, rollback
# restores the original.
fresh
IRQSIGHT_FAULT_AFTER_WRITES=1 "$BIN" --root "$T/root" apply --yes "$T/p.plan" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 50); do ls "$T"/state/journal-*.txt >/dev/null 2>&1 && break; sleep 0.1; done
"$BIN" --root "$T/root" apply --yes "$T/p.plan" >"$T/out" 2>&1
rc=$?
"$BIN" rollback >"$T/out2" 2>&1
rc2=$?
{ kill -9 "$holder" && wait "$holder"; } 2>/dev/null
check "an apply beside a running apply: refused (rc $rc), and a rollback too (rc $rc2)" \
	sh -c "test $rc = 3 && test $rc2 = 3 && grep -q 'holds the lock' '$T/out' && grep -q 'holds the lock' '$T/out2'"
"$BIN" rollback >/dev/null 2>&1
check "after the holder's kill, rollback restores the original tree" same
# A state directory another user can write, or owns, is not trusted: its journals could
# be anyone's (a planted journal, or one swapped for a link before the append).
fresh
"$BIN" --root "$T/root" apply --yes "$T/p.plan" >/dev/null 2>&1
chmod 0777 "$T/state"
"$BIN" rollback --dry-run >"$T/out" 2>&1
rc=$?
check "state directory writable by others: rollback refuses it (rc $rc)" \
	sh -c "test $rc = 3 && grep -q 'writable by group or others' '$T/out'"
"$BIN" --root "$T/root" apply --yes "$T/p.plan" >"$T/out" 2>&1
rc=$?
check "state directory writable by others: apply --yes refuses it (rc $rc)" \
	sh -c "test $rc = 3 && grep -q 'writable by group or others' '$T/out'"
chmod 0700 "$T/state"
if [ "$(id -u)" = 0 ]; then
	chown nobody "$T/state"
	"$BIN" rollback --dry-run >"$T/out" 2>&1
	rc=$?
	check "state directory owned by another user: refused (rc $rc)" \
		sh -c "test $rc = 3 && grep -q 'owned by another user' '$T/out'"
	chown "$(id -u)" "$T/state"
fi
"$BIN" rollback >/dev/null 2>&1
check "the trusted state directory again: rollback restores the original tree" same
# The rollback line is appended without following a link (a journal swapped for one
# between the read and the append; here the link is there from the start).
j=$(ls "$T"/state/journal-*.txt | head -n 1)
mv "$j" "$T/j.txt" && ln -s "$T/j.txt" "$j"
nrb=$(grep -c '^rollback' "$T/j.txt")
"$BIN" rollback "$j" >/dev/null 2>&1
check "rollback of a journal that is a link: nothing appended to the file it names" \
	test "$(grep -c '^rollback' "$T/j.txt")" = "$nrb"
rm -f "$j"
# persist: the binary path goes into a unit run as root at every boot.
mkdir -p "$T/pdest"
"$BIN" persist --dest "$T/pdest" --state-dir "$T/pstate" --binary $'/usr/bin/x\nExecStartPre=/bin/sh -c id' \
	"$T/p.plan" >"$T/out" 2>&1
rc=$?
check "persist --binary with a newline: refused (rc $rc), no unit written" \
	sh -c "test $rc = 3 && ! test -e '$T/pdest/etc/systemd/system/irqsight-apply.service' && ! test -e '$T/pdest/etc/systemd/system/irqsight-keep.service'"
"$BIN" persist --oneshot --dest "$T/pdest" --state-dir "$T/pstate" --binary '/opt/my tools/irq%isight' "$T/p.plan" >/dev/null 2>&1
check "persist --binary with a blank and %: quoted and %% in ExecStart=" \
	grep -qx 'ExecStart="/opt/my tools/irq%%isight" apply --yes --boot /etc/irqsight/plan' \
	"$T/pdest/etc/systemd/system/irqsight-apply.service"
check "persist's manifest directory is 0700" test "$(stat -c %a "$T/pstate/persist")" = 700
# A link planted at persist's temporary name is replaced, not written through.
ln -s "$T/outside" "$T/pdest/etc/irqsight/plan.irqsight-tmp"
"$BIN" persist --dest "$T/pdest" --state-dir "$T/pstate" --binary /usr/sbin/irqsight "$T/p.plan" >/dev/null 2>&1
check "persist over a link at its temporary name: the file it names kept" \
	sh -c "test \"\$(cat '$T/outside')\" = outside && cmp -s '$T/p.plan' '$T/pdest/etc/irqsight/plan'"
"$BIN" persist --remove --dest "$T/pdest" --state-dir "$T/pstate" >/dev/null 2>&1
# persist --dest over a tree with links: a directory linked outside DEST (the unit went to
# the link's target) and irqbalance's file linked to a secret (its content was restored
# 0644 inside DEST by --remove) are refused before anything is written.
rm -rf "$T/ldest" "$T/lout" && mkdir -p "$T/ldest/etc/default" "$T/lout"
ln -s "$T/etc-shadow-outside" "$T/ldest/etc/default/irqbalance"
echo 'root:$6$secret' >"$T/etc-shadow-outside"
"$BIN" persist --dest "$T/ldest" --state-dir "$T/lstate" --binary /usr/sbin/irqsight "$T/p.plan" >"$T/out" 2>&1
rc=$?
check "persist --dest with irqbalance's file a link outside: refused (rc $rc), nothing installed" \
	sh -c "test $rc = 3 && grep -q 'is a symbolic link' '$T/out' && ! test -e '$T/ldest/etc/irqsight/plan' && ! test -e '$T/lstate/persist/irqbalance.orig'"
rm "$T/ldest/etc/default/irqbalance"
ln -s "$T/lout" "$T/ldest/etc/systemd"
"$BIN" persist --dest "$T/ldest" --state-dir "$T/lstate" --binary /usr/sbin/irqsight "$T/p.plan" >"$T/out" 2>&1
rc=$?
check "persist --dest with etc/systemd a link outside: refused (rc $rc), nothing written there" \
	sh -c "test $rc = 3 && test -z \"\$(ls -A '$T/lout')\""
# plan -o over a link: the link is replaced by the plan, the file it named kept.
ln -s "$T/outside" "$T/link.plan"
"$BIN" --root "$T/root" plan --housekeeping 0 -o "$T/link.plan" >/dev/null 2>&1
check "plan -o over a symlink: replaced by the plan, the file it named kept" \
	sh -c "test \"\$(cat '$T/outside')\" = outside && ! test -L '$T/link.plan' && grep -q '^irqsight-plan 1' '$T/link.plan'"

# Host strings that try to drive the terminal (a title-setting OSC, a clear-screen CSI and an
# 8-bit CSI in an action name of a hostile --root's /proc/interrupts and in its kernel
# release): check's text and
# plan's table print them as '?', never as the escape; JSON keeps them, escaped.
rm -rf "$T/esc" && cp -a "$src" "$T/esc" && chmod -R u+w "$T/esc"
python3 - "$T/esc/proc/interrupts" <<'PY'
import sys
p = sys.argv[1]
b = open(p, 'rb').read()
b = b.replace(b'virtio1-req.0', b'virtio1-req.0\x1b]0;pwned\x07\x1b[2J\xc2\x9b6n', 1)
open(p, 'wb').write(b)
PY
printf '6.1.0\033]0;pwned\007\033[2J\302\2336n\n' >"$T/esc/proc/sys/kernel/osrelease"
"$BIN" --root "$T/esc" --color=never check --no-sample >"$T/esc.txt" 2>&1
"$BIN" --root "$T/esc" --color=never plan --housekeeping 0 >"$T/esc.plan" 2>&1
"$BIN" --root "$T/esc" --json check --no-sample >"$T/esc.json" 2>/dev/null
check "hostile action name and kernel release: no escape byte in check's text or plan's table, shown as '?'" \
	sh -c "grep -q '^kernel 6.1.0?]0;pwned??\[2J??6n,' '$T/esc.txt' && grep -q 'virtio1-req.0?]0;pw' '$T/esc.plan' && ! grep -q \"\$(printf '\\033')\" '$T/esc.txt' '$T/esc.plan' && ! grep -q \"\$(printf '\\302\\233')\" '$T/esc.txt' '$T/esc.plan' && ! grep -q \"\$(printf '\\007')\" '$T/esc.txt' '$T/esc.plan'"
check "hostile action name: JSON still valid, the name escaped" \
	python3 -c "import json,sys; d=json.load(open('$T/esc.json')); s=json.dumps(d); sys.exit(0 if '\\\\u001b]0;pwned' in s else 1)"

echo "fault: $pass passed, $fail failed"
[ "$fail" = 0 ]
