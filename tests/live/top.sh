#!/bin/sh
# Live: `irqsight top` in tmux (draws CPU rows, sort/filter/quit keys, resize,
# terminal restored), and --batch/--json output shapes.
# Prints "top-ui: N passed, N failed".
cd "$(dirname "$0")/../.." || exit 3
BIN=$(pwd)/${IRQSIGHT:-irqsight}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
ncpu=$(grep -c '^cpu[0-9]' /proc/stat)

# --batch: two frames, one row per online CPU (this host has few CPUs)
out=$("$BIN" top --batch --interval 0.3 --iterations 2 2>&1); rc=$?
frames=$(printf '%s\n' "$out" | grep -c '^irqsight top - ')
rows=$(printf '%s\n' "$out" | awk '/^  CPU  DEV-IRQ/{f=1; next} f && /^ +[0-9]+ /{n++} /^$/{f=0} END{print n+0}')
[ $rc = 0 ] && [ "$frames" = 2 ] && [ "$rows" = $((2 * ncpu)) ] && ok "--batch: 2 frames, $ncpu CPU rows each" || ko "--batch rc=$rc frames=$frames rows=$rows"
# --json: one parseable object per line with every online CPU
"$BIN" top --json --interval 0.3 --iterations 3 > /tmp/top-json.$$ 2>&1; rc=$?
python3 - /tmp/top-json.$$ "$ncpu" <<'PY' && [ $rc = 0 ] && ok "--json: 3 objects with all CPUs" || ko "--json rc=$rc"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert len(objs) == 3 and [o["seq"] for o in objs] == [1, 2, 3]
assert all(len(o["cpus"]) == int(sys.argv[2]) for o in objs)
assert all(abs(o["interval"] - 0.3) < 0.1 for o in objs)
PY
rm -f /tmp/top-json.$$
"$BIN" top --interval 0 --batch >/dev/null 2>&1; [ $? = 3 ] && ok "bad --interval refused (exit 3)" || ko "bad --interval accepted"
echo q | "$BIN" top > /dev/null 2>/tmp/top-err.$$; rc=$?
[ $rc = 3 ] && grep -q "needs a terminal" /tmp/top-err.$$ && ok "no terminal: clear refusal" || ko "no terminal rc=$rc"
rm -f /tmp/top-err.$$

# full screen in tmux
command -v tmux >/dev/null || { ko "tmux not installed (tests/deps/top.txt)"; echo "top-ui: $pass passed, $fail failed"; exit 1; }
S=irqsight-top-test-$$
tmux kill-session -t $S 2>/dev/null
# disk interrupts while the view runs, so that sorting by IRQ rate has rates to order
LOADF=/var/tmp/irqsight-top-load.$$
dd if=/dev/zero of=$LOADF bs=1M count=32 oflag=direct 2>/dev/null || dd if=/dev/zero of=$LOADF bs=1M count=32 2>/dev/null
(while [ -f $LOADF ]; do dd if=$LOADF of=/dev/null iflag=direct bs=4k 2>/dev/null || dd if=$LOADF of=/dev/null bs=4k 2>/dev/null; done) &
LOADPID=$!
trap 'rm -f $LOADF; kill $LOADPID 2>/dev/null; tmux kill-session -t $S 2>/dev/null' EXIT
tmux new-session -d -s $S -x 80 -y 24 "TERM=xterm-256color $BIN top --interval 0.3; echo EXITED rc=\$?; sleep 60"
cap() { tmux capture-pane -p -t $S; }
wait_for() { i=0; while [ $i -lt 30 ]; do cap | grep -q -- "$1" && return 0; sleep 0.2; i=$((i + 1)); done; return 1; }
wait_for "DEV-IRQ" && ok "draws the CPU table at 80x24" || ko "no CPU table: $(cap | head -5)"
wait_for "^ *0 " 
n=$(cap | awk '/DEV-IRQ/{f=1; next} f && /^ +[0-9]+ +[0-9]/{n++} /^$/{f=0} END{print n+0}')
[ "$n" = "$ncpu" ] && ok "one row per CPU ($n)" || ko "CPU rows $n, expected $ncpu"
[ "$(tmux display -p -t $S '#{alternate_on}')" = 1 ] && ok "alternate screen in use" || ko "alternate screen not used"
# CPU rows in the order the sort key asks for (the first column of the CPU table)
cpu_order() { cap | awk '/DEV-IRQ/{f=1; next} f && /^ +[0-9]+ +[0-9]/{printf "%s ", $1} /^$/{f=0}'; }
dev_rates() { cap | awk '/DEV-IRQ/{f=1; next} f && /^ +[0-9]+ +[0-9]/{printf "%s ", $2} /^$/{f=0}'; }
sorted_desc() { echo "$1" | tr ' ' '\n' | sed '/^$/d' | sed 's/k$/000/; s/M$/000000/' | awk 'NR>1 && $1+0 > p+0 {bad=1} {p=$1} END{exit bad}'; }
sorted_asc() { echo "$1" | tr ' ' '\n' | sed '/^$/d' | awk 'NR>1 && $1+0 < p+0 {bad=1} {p=$1} END{exit bad}'; }
tmux send-keys -t $S i
wait_for "sort:irq" && ok "key i sorts by IRQ rate" || ko "sort key ignored"
sleep 0.8
r=$(dev_rates)
sorted_desc "$r" && [ "$(echo "$r" | tr ' ' '\n' | sed '/^$/d' | sort -u | wc -l)" -gt 1 ] && ok "sort:irq rows are in descending device-IRQ rate ($r)" || ko "sort:irq order: $r"
tmux send-keys -t $S c
wait_for "sort:cpu" >/dev/null
sleep 0.8
o=$(cpu_order)
sorted_asc "$o" && [ -n "$o" ] && ok "sort:cpu rows in CPU order ($o)" || ko "sort:cpu order: $o"
tmux send-keys -t $S s
wait_for "sort:softirq" && ok "key s sorts by softirq" || ko "softirq sort ignored"
tmux send-keys -t $S / L O C Enter
wait_for "filter:LOC" && ok "filter prompt sets a filter" || ko "filter not set"
sleep 0.8
# the IRQ source rows left are LOC's: no virtio/ttyS row survives the filter
src_rows() { cap | awk '/^ +IRQ /{f=1; next} f && NF>2 {print}'; }
sr=$(src_rows)
printf '%s\n' "$sr" | grep -q "LOC" && ! printf '%s\n' "$sr" | grep -qE "virtio|ttyS" &&
	ok "filter LOC keeps only LOC's rows" || ko "filter LOC rows: $(printf '%s' "$sr" | head -3)"
tmux send-keys -t $S Escape
wait_for "sort:softirq |" >/dev/null
tmux send-keys -t $S +
wait_for "every 0.5s" && ok "key + steps the interval (0.3 -> 0.5 s)" || ko "+ ignored: $(cap | head -1)"
tmux send-keys -t $S -
wait_for "every 0.25s" && ok "key - steps it down (0.5 -> 0.25 s)" || ko "- ignored: $(cap | head -1)"
tmux send-keys -t $S d 2 Enter
wait_for "every 2s" && ok "key d sets an interval (2 s)" || ko "d ignored: $(cap | head -1)"
tmux send-keys -t $S d 0 Enter
wait_for "interval must be" && ok "key d refuses 0 with a message" || ko "d 0 accepted: $(cap | tail -2)"
tmux send-keys -t $S d 0 . 3 Enter
tmux send-keys -t $S p
wait_for "PAUSED" && ok "pause shown" || ko "pause not shown"
tmux send-keys -t $S p
tmux resize-window -t $S -x 132 -y 40 2>/dev/null || tmux resize-pane -t $S -x 132 -y 40
wait_for "VM vCPUs / top IRQ" && [ "$(cap | wc -l)" -ge 40 ] && ok "redraws after resize to 132x40" || ko "resize not handled"
tmux resize-window -t $S -x 60 -y 15 2>/dev/null
sleep 0.8
cap | grep -q "DEV-IRQ" && ok "survives a shrink to 60x15" || ko "broken after shrink"
tmux send-keys -t $S q
wait_for "EXITED rc=0" && ok "q quits with status 0" || ko "q did not quit: $(cap | tail -3)"
[ "$(tmux display -p -t $S '#{alternate_on}')" = 0 ] && ok "terminal restored (alternate screen off)" || ko "terminal not restored"
tmux kill-session -t $S 2>/dev/null

# Hundreds of CPUs: a synthetic 256-CPU host (--root) switches the CPU table to the
# compact heat map at 80x24, and the busiest CPU (200, all of IRQ 30) is named.
H=$(mktemp -d)
python3 - "$H" <<'PY'
import os, sys
root = sys.argv[1]; n = 256
os.makedirs(root + "/proc")
hdr = " " * 5 + "".join("%11s" % ("CPU%d" % i) for i in range(n)) + "\n"
def row(name, counts, rest):
    return "%4s:" % name + "".join(" %10d" % c for c in counts) + "  " + rest + "\n"
def intr(k):
    c = [k * 10] * n
    c[200] = 5000000 + k * 100000          # IRQ 30 lands on CPU 200
    return hdr + row("30", [0] * 200 + [c[200]] + [0] * 55, "PCI-MSIX-0000:03:00.0   0-edge      eth0-TxRx-0") + \
        row("31", [k] * n, "PCI-MSIX-0000:03:00.0   1-edge      eth0-TxRx-1") + \
        row("LOC", [1000 + k * 250] * n, "Local timer interrupts")
open(root + "/proc/interrupts", "w").write(intr(0))
soft = "                    " + "".join("%11s" % ("CPU%d" % i) for i in range(n)) + "\n"
for v in ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"]:
    soft += "%12s:" % v + "".join(" %10d" % 0 for _ in range(n)) + "\n"
open(root + "/proc/softirqs", "w").write(soft)
st = "cpu  0 0 0 0 0 0 0 0 0 0\n" + "".join("cpu%d 0 0 0 0 0 0 0 0 0 0\n" % i for i in range(n))
open(root + "/proc/stat", "w").write(st + "intr 0\nctxt 0\nbtime 0\n")
PY
tmux new-session -d -s $S -x 80 -y 24 "TERM=xterm-256color $BIN --root $H top --interval 0.3; echo EXITED rc=\$?; sleep 60"
wait_for "heat map" && ok "256 CPUs at 80x24: compact heat map" || ko "no heat map with 256 CPUs: $(cap | head -6)"
wait_for "256 CPUs" >/dev/null && ok "header counts 256 CPUs" || ko "header: $(cap | head -1)"
tmux send-keys -t $S q
wait_for "EXITED rc=0" && ok "256-CPU view quits with status 0" || ko "256-CPU view: $(cap | tail -2)"
tmux kill-session -t $S 2>/dev/null
rm -rf "$H"

# Device and queue of "<driver>_<queue>@pci:<bdf>" vectors (mlx5, mana on Hyper-V): a
# copy of the mana rules tree whose queue counts grow between the two readings.
H=$(mktemp -d)
cp -r tests/rules/queue-affinity-collapsed/fires/hyperv-mana-4-queues-on-cpu2/proc "$H/"
(sleep 1; sed -i 's/   2989138/   2999138/; s/   4005360/   4009360/' "$H/proc/interrupts") &
bump=$!
$BIN --root "$H" top --json --iterations 1 --interval 2 >"$H/out.json" 2>"$H/err"
wait $bump
python3 - "$H/out.json" <<'PY' && ok "mana_q1@pci:<bdf>: device 7870:00:00.0 mana, queue q1, 2000/s" || ko "mana names: $(tail -c 600 "$H/out.json") $(cat "$H/err")"
import json, sys
last = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
s = {s["irq"]: s for s in last["irqs"]}.get("26")
assert s and s["device"] == "7870:00:00.0 mana" and s["queue"] == "q1", s
assert 1500 < s["rate"] < 2500, s
PY
rm -rf "$H"

# ^C (SIGINT) also restores the terminal and exits cleanly
tmux new-session -d -s $S -x 80 -y 24 "$BIN top --interval 0.3; echo EXITED rc=\$?; sleep 60"
wait_for "DEV-IRQ" >/dev/null
tmux send-keys -t $S C-c
wait_for "EXITED rc=0" && [ "$(tmux display -p -t $S '#{alternate_on}')" = 0 ] && ok "^C exits 0 and restores the terminal" || ko "^C: $(cap | tail -2)"
tmux kill-session -t $S 2>/dev/null

echo "top-ui: $pass passed, $fail failed"
[ $fail = 0 ]
