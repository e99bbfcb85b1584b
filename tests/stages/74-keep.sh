#!/usr/bin/env bash
# keep: `irqsight keep` on a copy of a fixture host (a fake root; nothing on this host is
# written): an apply, then keep holding it. A foreign write to the copy's
# smp_affinity_list and default_smp_affinity is written back (log line with reason and
# writer, journal line joining the apply's journal); an IRQ re-requested under a new
# number (a new /proc/irq/N and /proc/interrupts row of a planned device) gets its
# planned CPUs after a real link event in keep's own network namespace (unshare -n: a
# veth pair set up there, never on the host), within 1 s; an IRQ rewritten more than
# --contest-max times is left alone and reported (keep.state, check --root's
# keep-contested, export's irqsight_keep_* metrics); SIGHUP holds it again; SIGTERM
# leaves the plan; rollback restores the state before the apply exactly; a plan for
# another host is refused at start. Writers are seen (fanotify on the copy's files):
# processes with known pids (a shell, and sh run as "irqbalance" and "tuned") rewrite held
# files and keep undoes each within 0.5 s, naming comm and pid; a change made without a
# write (mmap) is undone at the read-back with no writer claimed; with --no-watch the
# writer is "unknown", a running irqbalance only a hint. Prints "keep: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=${IRQSIGHT:-./irqsight}
BIN=$(realpath "$BIN")
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
T=$(mktemp -d /tmp/irqsight-keep.XXXXXX)
KP=
cleanup() { [ -n "$KP" ] && kill -TERM "$KP" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
if [ -n "${KEEP_DEBUG:-}" ]; then trap "" EXIT; echo "T=$T"; fi
end() { echo "keep: $pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

src=tests/hosts/live-firecracker-virtio-root
if [ ! -d "$src/proc/irq" ]; then bad "fixture $src missing"; end; fi
R=$T/root
cp -a "$src" "$R"
# RPS on for eth0 (keep holds RPS that is on; off stays off).
RPS=sys/class/net/eth0/queues/rx-0/rps_cpus
echo 3 >"$R/$RPS"
cp -a "$R" "$T/orig"
# keep.state where check --root and export --root find it (a host's /var/lib/irqsight).
export IRQSIGHT_STATE_DIR=$R/var/lib/irqsight
"$BIN" --root "$R" plan --housekeeping 0 -o "$T/p.plan" >/dev/null 2>&1
check "plan for the copy (housekeeping 0)" test -s "$T/p.plan"
grep -q '^rps ' "$T/p.plan" || echo 'rps netdev=eth0 dev=0000:00:03.0 cpus=0' >>"$T/p.plan"
"$BIN" --root "$R" apply --yes "$T/p.plan" >"$T/apply.out" 2>&1
check "apply --yes on the copy" test $? = 0
journal=$(ls "$IRQSIGHT_STATE_DIR"/journal-*.txt 2>/dev/null | head -n 1)
check "apply wrote a journal" test -n "$journal"

# Values as text: every IRQ's smp_affinity_list and default_smp_affinity, but the IRQs named.
values() { (cd "$1/proc/irq" && for f in default_smp_affinity */smp_affinity_list; do
	case " $2 " in *" ${f%%/*} "*) continue ;; esac
	printf '%s %s\n' "$f" "$(cat "$f")"; done; echo "rps $(cat "$1/$RPS")"); }
# Wait up to $3 seconds for file $1 to read $2; prints the seconds it took.
wait_for() { local t0 t; t0=$(date +%s.%N); while :; do
	[ "$(cat "$1" 2>/dev/null)" = "$2" ] && break
	t=$(date +%s.%N); awk -v a="$t0" -v b="$t" -v m="$3" 'BEGIN{exit !(b - a > m)}' && return 1
	sleep 0.02; done; awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.3f\n", b - a}'; }

# ---- start keep in a network namespace of its own: its rtnetlink and uevent sockets see
# only the links made there. --verify 60: only SIGUSR1 and events make it look.
NETNS=1
unshare -n true 2>/dev/null || NETNS=
if [ -n "$NETNS" ]; then
	unshare -n "$BIN" --root "$R" keep --verify 60 --contest-max 5 "$T/p.plan" 2>"$T/keep.log" &
else
	echo "skip netns: unshare -n not permitted here (events from this host's links instead)"
	"$BIN" --root "$R" keep --verify 60 --contest-max 5 "$T/p.plan" 2>"$T/keep.log" &
fi
KP=$!
for _ in $(seq 100); do [ -s "$IRQSIGHT_STATE_DIR/keep.state" ] && break; sleep 0.05; done
check "keep started and wrote keep.state" grep -q "^keep pid=$KP " "$IRQSIGHT_STATE_DIR/keep.state"
mg_irq=$(sed -nE 's/^managed .* irq=([0-9]+) .*/\1/p' "$T/p.plan" | head -n 1)
check "managed irq $mg_irq: never written, told once" \
	test "$(grep -c "irq $mg_irq .*never written: kernel-managed" "$T/keep.log")" = 1

# The inodes a keep (pid $1) has fanotify marks on, one a line in decimal (its fdinfo).
marked() { local f; for f in /proc/$1/fd/*; do
	[ "$(readlink "$f")" = "anon_inode:[fanotify]" ] || continue
	sed -nE 's/^fanotify ino:([0-9a-f]+) .*/\1/p' "/proc/$1/fdinfo/${f##*/}" | while read -r h; do echo $((16#$h)); done
done; }
# fanotify for the writer: refused without CAP_SYS_ADMIN (keep says so and only verifies).
WATCH=1
if grep -q "writes not watched" "$T/keep.log"; then
	WATCH=
	echo "skip writer checks: $(grep -m1 'writes not watched' "$T/keep.log")"
fi
ME=$BASHPID	# this shell writes the first foreign values itself

if [ -n "$WATCH" ]; then
	fw0=$(sed -nE 's/^irq cpus=0 dev=.* action=virtio\*-config irq=([0-9]+) .*/\1/p' "$T/p.plan" | head -n 1)
	all_marked() { local f; for f in "$@"; do marked "$KP" | grep -qx "$(stat -c %i "$R/$f")" || return 1; done; }
	check "watched: irq $fw0's smp_affinity_list and its mask file smp_affinity (what irqbalance writes), default_smp_affinity, RPS" \
		all_marked "proc/irq/$fw0/smp_affinity_list" "proc/irq/$fw0/smp_affinity" proc/irq/default_smp_affinity "$RPS"
fi

# ---- foreign writes by this shell: seen as they happen (SIGUSR1 too, for a keep that
# cannot watch)
fw=$(sed -nE 's/^irq cpus=0 dev=.* action=virtio\*-config irq=([0-9]+) .*/\1/p' "$T/p.plan" | head -n 1)
echo 1 >"$R/proc/irq/$fw/smp_affinity_list"
echo 2 >"$R/proc/irq/default_smp_affinity"
echo 3 >"$R/$RPS"
[ -z "$WATCH" ] && kill -USR1 "$KP"
check "foreign write to irq $fw written back" wait_for "$R/proc/irq/$fw/smp_affinity_list" 0 2 >/dev/null
check "foreign write to default_smp_affinity written back" wait_for "$R/proc/irq/default_smp_affinity" 1 2 >/dev/null
check "foreign write to eth0's RPS mask written back" wait_for "$R/$RPS" 1 2 >/dev/null
sleep 0.2
if [ -n "$WATCH" ]; then
	check "log: one line for irq $fw with reason foreign-write and the writer seen (this shell, pid $ME)" \
		test "$(grep -cE "corrected irq $fw virtio0-config 0000:00:01.0: 1 -> 0 reason=foreign-write writer=\"bash \(pid $ME\)\"$" "$T/keep.log")" = 1
fi
check "log: RPS of eth0 rx-0 corrected (foreign-write)" grep -qE "corrected eth0 rx-0: 3 -> 1 reason=foreign-write" "$T/keep.log"
check "log: default_smp_affinity corrected (foreign-write)" \
	grep -qE "corrected default_smp_affinity: 2 -> 1 reason=foreign-write" "$T/keep.log"
check "journal: keep's correction joins apply's journal, old= the value keep found held" \
	grep -qE "^set path=proc/irq/$fw/smp_affinity_list old=0 new=0 what=\"irq $fw .*keep=foreign-write found=1\"" "$journal"
check "keep made no journal of its own" test "$(ls "$IRQSIGHT_STATE_DIR"/journal-*.txt | wc -l)" = 1

# ---- a new IRQ: virtio3-rx re-requested as IRQ 50 (free_irq/request_irq with a new
# vector), then a link event in keep's namespace makes keep re-resolve.
rx=$(sed -nE 's/^irq cpus=0 dev=0000:00:04.0 .* action=virtio\*-rx irq=([0-9]+) .*/\1/p' "$T/p.plan")
new=50
if [ -n "$rx" ] && [ -n "$NETNS" ]; then
	# A veth pair in keep's namespace (the dummy driver may not be loadable here): its
	# uevents (add net) make keep re-resolve, with nothing to correct yet.
	nsenter -t "$KP" -n ip link add v0 type veth peer name v1 2>"$T/ip.err"
	sleep 0.5
	check "uevent: the new links seen (add net), the plan re-resolved" \
		grep -qE "re-resolved the plan after driver-rebind \(add net v[01]\)" "$T/keep.log"
	mkdir "$R/proc/irq/$new"
	echo 0-1 >"$R/proc/irq/$new/smp_affinity_list"
	echo 3 >"$R/proc/irq/$new/smp_affinity"
	echo 1 >"$R/proc/irq/$new/effective_affinity_list"
	echo -1 >"$R/proc/irq/$new/node"
	sed -E "s/^ *$rx:(.*virtio3-rx)$/ $new:\1/" "$R/proc/interrupts" >"$T/int" && cp "$T/int" "$R/proc/interrupts"
	rm -rf "$R/proc/irq/$rx" "$R/sys/bus/pci/devices/0000:00:04.0/msi_irqs/$rx"
	touch "$R/sys/bus/pci/devices/0000:00:04.0/msi_irqs/$new"
	# Setting the ends up is an RTM_NEWLINK IFF_UP transition (link-up).
	nsenter -t "$KP" -n sh -c 'ip link set v1 up && ip link set v0 up' 2>>"$T/ip.err"
	took=$(wait_for "$R/proc/irq/$new/smp_affinity_list" 0 1.5)
	check "new irq $new of planned device 0000:00:04.0 got its planned CPU within 1 s of the link event (${took:-never} s)" \
		awk -v t="${took:-9}" 'BEGIN{exit !(t < 1)}'
	sleep 0.2
	check "log: rtnetlink link-up event re-resolved the plan" grep -qE "re-resolved the plan after link-up \(v[01] up\)" "$T/keep.log"
	check "log: irq $new corrected with reason new-irq, the event named" \
		grep -qE "corrected irq $new virtio3-rx 0000:00:04.0: 0-1 -> 0 reason=new-irq event=\"v[01] up\"" "$T/keep.log"
	check "journal: irq $new recorded with the value it came with" \
		grep -qE "^set path=proc/irq/$new/smp_affinity_list old=0-1 new=0 .*keep=new-irq" "$journal"
else
	echo "skip new-irq/event case (${rx:+no netns}${rx:-no virtio3-rx in the plan})"
fi

# ---- the writer named as seen: processes with known pids rewrite a held file (sh run
# under the names irqbalance and tuned, and as sh); each write is undone within 0.5 s
# (no SIGUSR1: the write itself wakes keep) and the log names that process.
wr=$(sed -nE 's/^irq cpus=0 dev=.* action=virtio\*-deflate irq=([0-9]+) .*/\1/p' "$T/p.plan")
mkdir -p "$T/bin" "$R/etc/tuned"
ln -s "$(command -v sh)" "$T/bin/irqbalance"
ln -s "$(command -v sh)" "$T/bin/tuned"
echo virtual-host >"$R/etc/tuned/active_profile"
# $1: the program; writes 1 to irq $wr's file and stays a second (so it can be named).
writer() { "$1" -c "echo 1 >'$R/proc/irq/$wr/smp_affinity_list'; sleep 1" & WP=$!; }
if [ -n "$WATCH" ]; then
	writer "$T/bin/irqbalance"
	took=$(wait_for "$R/proc/irq/$wr/smp_affinity_list" 0 0.5)
	check "irqbalance's write (pid $WP) undone within 0.5 s without a verify (${took:-never} s)" test -n "$took"
	sleep 0.1
	check "writer named as seen: irqbalance with its pid" \
		grep -qE "corrected irq $wr .*reason=foreign-write writer=\"irqbalance \(pid $WP\)\"$" "$T/keep.log"
	wait "$WP"
	writer "$T/bin/tuned"
	took=$(wait_for "$R/proc/irq/$wr/smp_affinity_list" 0 0.5)
	check "tuned's write (pid $WP) undone within 0.5 s (${took:-never} s)" test -n "$took"
	sleep 0.1
	check "writer named as seen: tuned with its pid and active profile" \
		grep -qE "corrected irq $wr .*writer=\"tuned \(pid $WP, profile virtual-host\)\"$" "$T/keep.log"
	wait "$WP"
	writer sh
	took=$(wait_for "$R/proc/irq/$wr/smp_affinity_list" 0 0.5)
	check "sh's write (pid $WP) undone within 0.5 s (${took:-never} s)" test -n "$took"
	sleep 0.1
	check "writer named as seen: sh with its pid" \
		grep -qE "corrected irq $wr .*writer=\"sh \(pid $WP\)\"$" "$T/keep.log"
	wait "$WP"
	# The planned value written again by someone else: no correction.
	n0=$(grep -c "corrected irq $wr " "$T/keep.log")
	sh -c "echo 0 >'$R/proc/irq/$wr/smp_affinity_list'"
	sleep 0.3
	check "a write of the planned value is no correction" test "$(grep -c "corrected irq $wr " "$T/keep.log")" = "$n0"
	# A change with no write (mmap, as the kernel changes a value itself): found by the
	# read-back, no writer claimed.
	python3 -c "
import mmap, sys
f = open(sys.argv[1], 'r+b'); m = mmap.mmap(f.fileno(), 0); m[0:1] = b'1'; m.flush()" "$R/proc/irq/$wr/smp_affinity_list"
	kill -USR1 "$KP"
	wait_for "$R/proc/irq/$wr/smp_affinity_list" 0 2 >/dev/null
	sleep 0.2
	check "a change without a write: undone at the read-back, writer unknown, not guessed" \
		grep -qE "corrected irq $wr .*reason=foreign-write writer=\"unknown\" hint=\"no write to the file was seen" "$T/keep.log"
fi
rm -rf "$R/etc/tuned"

# ---- contested: rewritten 6 times (more than --contest-max 5) by someone else
ct=$(sed -nE 's/^irq cpus=0 dev=.* action=virtio\*-inflate irq=([0-9]+) .*/\1/p' "$T/p.plan")
for i in 1 2 3 4 5 6; do
	echo 1 >"$R/proc/irq/$ct/smp_affinity_list"
	[ -z "$WATCH" ] && kill -USR1 "$KP"
	[ $i -lt 6 ] && wait_for "$R/proc/irq/$ct/smp_affinity_list" 0 2 >/dev/null
done
sleep 0.5
check "contested irq $ct: 5 corrections, then left alone" \
	sh -c "test \$(grep -c 'corrected irq $ct .*reason=foreign-write' '$T/keep.log') = 5 && test \$(cat '$R/proc/irq/$ct/smp_affinity_list') = 1"
CW="bash (pid $ME)"
[ -z "$WATCH" ] && CW=unknown
check "log: contested irq $ct names the writer ($CW) and how to stop it" \
	grep -qF "rewritten by $CW 6 times in 600 s: left alone; " "$T/keep.log"
check "keep.state: contested line with the writer" grep -qF "writer=\"$CW\" rewrites=6" "$IRQSIGHT_STATE_DIR/keep.state"
"$BIN" --root "$R" --json check --no-sample >"$T/check.json" 2>/dev/null
check "check --root: keep-contested finding for irq $ct with its writer" python3 -c "
import json,sys
fs=[f for f in json.load(open('$T/check.json'))['findings'] if f['id']=='keep-contested']
sys.exit(not (len(fs)==1 and fs[0].get('irq')==$ct and any('$CW' in str(e) for e in fs[0]['evidence'])))"
"$BIN" --root "$R" export - >"$T/metrics.prom" 2>/dev/null
check "export: irqsight_keep_contested_irqs 1" grep -qx 'irqsight_keep_contested_irqs 1' "$T/metrics.prom"
check "export: the contested file's writer ($CW) as a label" \
	grep -qxF "irqsight_keep_contested_info{irq=\"$ct\",path=\"proc/irq/$ct/smp_affinity_list\",writer=\"$CW\"} 1" "$T/metrics.prom"
NFW=8
[ -n "$WATCH" ] && NFW=12
check "export: corrections by reason (foreign-write $NFW: irq $fw, default_smp_affinity, RPS, ${WATCH:+4 on irq $wr, }5 on irq $ct)" \
	grep -qx "irqsight_keep_corrections_total{reason=\"foreign-write\"} $NFW" "$T/metrics.prom"
if [ -n "$NETNS" ] && [ -n "$rx" ]; then
	check "export: corrections_total{reason=new-irq} 1" grep -qx 'irqsight_keep_corrections_total{reason="new-irq"} 1' "$T/metrics.prom"
fi
check "export: drifted (the contested one) and last verify" \
	sh -c "grep -qx 'irqsight_keep_drifted_irqs 1' '$T/metrics.prom' && grep -qE '^irqsight_keep_last_verify_timestamp_seconds [0-9]{10}' '$T/metrics.prom'"
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts the keep families" sh -c "grep -E '^(# (HELP|TYPE) )?irqsight_keep' '$T/metrics.prom' | promtool check metrics"
fi

# ---- SIGHUP: the plan again, the contested IRQ held again
kill -HUP "$KP"
check "SIGHUP: reloaded, contested irq $ct written back" wait_for "$R/proc/irq/$ct/smp_affinity_list" 0 3 >/dev/null
sleep 0.3
check "keep.state after reload: nothing contested" sh -c "! grep -q '^contested' '$IRQSIGHT_STATE_DIR/keep.state'"

# ---- SIGTERM: exits 0, the plan stays
values "$R" "$rx $new" >"$T/held"
kill -TERM "$KP"
wait "$KP"
rc=$?
KP=
check "SIGTERM: keep exits 0" test "$rc" = 0
sleep 0.3
check "SIGTERM: the plan stays in force (every value as keep held it)" cmp -s "$T/held" <(values "$R" "$rx $new")
check "log: stopping line" grep -q "stopping; the plan stays in force" "$T/keep.log"

# ---- rollback: the state before the apply, exactly
"$BIN" rollback >"$T/rb.out" 2>&1
rc=$?
if [ -n "$NETNS" ] && [ -n "$rx" ]; then
	# IRQ $rx is gone (re-requested as $new): the one value rollback cannot put back.
	check "rollback: all restored but the vanished irq $rx (exit $rc)" \
		sh -c "test $rc = 1 && grep -q '1 could not be restored' '$T/rb.out' && grep -qE '^missing +$rx ' '$T/rb.out'"
else
	check "rollback exits 0" test $rc = 0
fi
check "rollback restores every value as before the apply" cmp <(values "$T/orig" "$rx $new") <(values "$R" "$rx $new")
if [ -n "$NETNS" ] && [ -n "$rx" ]; then
	check "rollback puts the new irq $new back to the value it came with" test "$(cat "$R/proc/irq/$new/smp_affinity_list")" = 0-1
fi

# ---- keep started with no apply before it (as the unit at boot, here after the rollback):
# its first pass is the apply, in a journal of its own; a rollback while it runs stops it.
values "$R" "$rx $new" >"$T/before2"
"$BIN" --root "$R" keep --verify 60 "$T/p.plan" 2>"$T/keep2.log" &
KP=$!
for _ in $(seq 100); do grep -q "^keep pid=$KP " "$IRQSIGHT_STATE_DIR/keep.state" 2>/dev/null && break; sleep 0.05; done
j2=$(grep -l 'command=keep' "$IRQSIGHT_STATE_DIR"/journal-*.txt 2>/dev/null | head -n 1)
check "keep without a live apply journal: applies the plan in a journal of its own (command=keep)" \
	sh -c "test -n '$j2' && grep -q 'keep=verify' '$j2' && test \$(cat '$R/proc/irq/$fw/smp_affinity_list') = 0"
"$BIN" rollback >"$T/rb2.out" 2>&1
echo 1 >"$R/proc/irq/$fw/smp_affinity_list"
kill -USR1 "$KP"
sleep 0.5
check "rollback while keep runs: keep stops holding (the foreign value stays, said once)" \
	sh -c "test \$(cat '$R/proc/irq/$fw/smp_affinity_list') = 1 && test \$(grep -c 'was rolled back: holding nothing' '$T/keep2.log') = 1"
kill -TERM "$KP"; wait "$KP"; KP=
echo 0-1 >"$R/proc/irq/$fw/smp_affinity_list"
check "that rollback restored the state before keep's first pass" cmp "$T/before2" <(values "$R" "$rx $new")

# ---- sd_notify (a build with libsystemd): READY=1 after the first pass, WATCHDOG=1 every
# half WATCHDOG_USEC, STOPPING=1, to $NOTIFY_SOCKET as systemd would read them.
if strings "$BIN" | grep -q '^sd_notify$' || nm -D "$BIN" 2>/dev/null | grep -q ' sd_notify'; then
	python3 - "$T/notify.sock" "$T/notify.txt" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
out = open(sys.argv[2], "w")
end = time.time() + 8
while time.time() < end:
    try:
        m = s.recv(4096).decode()
    except socket.timeout:
        continue
    out.write("%.3f %s\n" % (time.time(), m.replace("\n", " ")))
    out.flush()
    if "STOPPING=1" in m:
        break
PY
	LP=$!
	for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 "$BIN" --root "$R" keep --verify 60 "$T/p.plan" 2>"$T/keep3.log" &
	KP=$!
	sleep 1.5
	kill -TERM "$KP"; wait "$KP"; KP=
	wait "$LP"
	check "sd_notify: READY=1 once, then WATCHDOG=1 every 0.2 s (>= 4 in 1.5 s), STOPPING=1 at SIGTERM" \
		sh -c "test \$(grep -c 'READY=1' '$T/notify.txt') = 1 && test \$(grep -c 'WATCHDOG=1' '$T/notify.txt') -ge 4 && grep -q 'STOPPING=1' '$T/notify.txt'"
else
	echo "skip sd_notify: $BIN is built without libsystemd"
fi

# ---- --no-watch (as where fanotify is refused): drift is found by the read-back and its
# writer is unknown; a running irqbalance (a process of the copy's /proc) is a hint only.
mkdir -p "$R/proc/733"
echo irqbalance >"$R/proc/733/comm"
"$BIN" --root "$R" keep --no-watch --verify 60 "$T/p.plan" 2>"$T/keep4.log" &
KP=$!
for _ in $(seq 100); do grep -q "^keep pid=$KP " "$IRQSIGHT_STATE_DIR/keep.state" 2>/dev/null && break; sleep 0.05; done
echo 1 >"$R/proc/irq/$fw/smp_affinity_list"
sleep 0.3
check "--no-watch: a write is not undone before the read-back" test "$(cat "$R/proc/irq/$fw/smp_affinity_list")" = 1
kill -USR1 "$KP"
wait_for "$R/proc/irq/$fw/smp_affinity_list" 0 2 >/dev/null
sleep 0.2
kill -TERM "$KP"; wait "$KP"; KP=
check "--no-watch: said once at start" test "$(grep -c 'writes not watched (--no-watch)' "$T/keep4.log")" = 1
check "--no-watch: writer unknown, irqbalance running only a hint" \
	grep -qE "corrected irq $fw .*reason=foreign-write writer=\"unknown\" hint=\"irqbalance is running \(pid 733\)\"$" "$T/keep4.log"
rm -rf "$R/proc/733"

# ---- the marks limit (fs.fanotify.max_user_marks, here reached after 3 files by a fault
# hook): said once; the marked files are still watched, the rest only read back with
# their writer unknown and no "no write seen" claimed.
if [ -n "$WATCH" ]; then
	IRQSIGHT_FAULT_MARKS=3 "$BIN" --root "$R" keep --verify 60 "$T/p.plan" 2>"$T/keep5.log" &
	KP=$!
	for _ in $(seq 100); do grep -q "^keep pid=$KP " "$IRQSIGHT_STATE_DIR/keep.state" 2>/dev/null && break; sleep 0.05; done
	check "marks limit: said once, naming the limit and the 3 files watched" \
		test "$(grep -cE 'not watched \(fanotify mark: .*max_user_marks reached\): 3 file\(s\) watched; the rest are checked by the read-back only' "$T/keep5.log")" = 1
	check "marks limit: the fanotify group holds 3 marks" test "$(marked "$KP" | wc -l)" = 3
	um=
	for f in "$R"/proc/irq/*/smp_affinity_list; do
		i=${f#"$R"/proc/irq/}; i=${i%%/*}
		grep -q "irq=$i " "$T/p.plan" && grep -q "^irq cpus=0 .* irq=$i " "$T/p.plan" || continue
		marked "$KP" | grep -qx "$(stat -c %i "$f")" || { um=proc/irq/$i/smp_affinity_list; break; }
	done
	if [ -n "$um" ]; then
		echo 1 >"$R/$um"
		sleep 0.5
		check "marks limit: a write to an unmarked file ($um) waits for the read-back" test "$(cat "$R/$um")" = 1
		kill -USR1 "$KP"
		wait_for "$R/$um" 0 2 >/dev/null
		sleep 0.2
		check "marks limit: that file corrected at the read-back, writer unknown, no claim about the kernel" \
			grep -qE "corrected irq $i .*reason=foreign-write writer=\"unknown\"$" "$T/keep5.log"
	else
		bad "marks limit: no held IRQ file left unmarked"
	fi
	kill -TERM "$KP"; wait "$KP"; KP=
fi

# ---- a plan made for another host: refused at start with the reason
sed -E 's/^host cpus=2 online=0-1/host cpus=4 online=0-3/' "$T/p.plan" >"$T/other.plan"
timeout 10 "$BIN" --root "$R" keep --verify 60 "$T/other.plan" >"$T/other.out" 2>&1
rc=$?
check "plan for another host: refused at start (exit $rc) with the reason" \
	sh -c "test $rc = 3 && grep -q 'refusing plan' '$T/other.out' && grep -qiE 'cpu' '$T/other.out'"
end
