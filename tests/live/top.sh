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
command -v tmux >/dev/null || { echo "skip tmux not installed"; echo "top-ui: $pass passed, $fail failed"; [ $fail = 0 ]; exit; }
S=irqsight-top-test-$$
tmux kill-session -t $S 2>/dev/null
tmux new-session -d -s $S -x 80 -y 24 "TERM=xterm-256color $BIN top --interval 0.3; echo EXITED rc=\$?; sleep 60"
cap() { tmux capture-pane -p -t $S; }
wait_for() { i=0; while [ $i -lt 30 ]; do cap | grep -q -- "$1" && return 0; sleep 0.2; i=$((i + 1)); done; return 1; }
wait_for "DEV-IRQ" && ok "draws the CPU table at 80x24" || ko "no CPU table: $(cap | head -5)"
wait_for "^ *0 " 
n=$(cap | awk '/DEV-IRQ/{f=1; next} f && /^ +[0-9]+ +[0-9]/{n++} /^$/{f=0} END{print n+0}')
[ "$n" = "$ncpu" ] && ok "one row per CPU ($n)" || ko "CPU rows $n, expected $ncpu"
[ "$(tmux display -p -t $S '#{alternate_on}')" = 1 ] && ok "alternate screen in use" || ko "alternate screen not used"
tmux send-keys -t $S i
wait_for "sort:irq" && ok "key i sorts by IRQ rate" || ko "sort key ignored"
tmux send-keys -t $S s
wait_for "sort:softirq" && ok "key s sorts by softirq" || ko "softirq sort ignored"
tmux send-keys -t $S / L O C Enter
wait_for "filter:LOC" && ok "filter prompt sets a filter" || ko "filter not set"
tmux send-keys -t $S Escape
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

# ^C (SIGINT) also restores the terminal and exits cleanly
tmux new-session -d -s $S -x 80 -y 24 "$BIN top --interval 0.3; echo EXITED rc=\$?; sleep 60"
wait_for "DEV-IRQ" >/dev/null
tmux send-keys -t $S C-c
wait_for "EXITED rc=0" && [ "$(tmux display -p -t $S '#{alternate_on}')" = 0 ] && ok "^C exits 0 and restores the terminal" || ko "^C: $(cap | tail -2)"
tmux kill-session -t $S 2>/dev/null

echo "top-ui: $pass passed, $fail failed"
[ $fail = 0 ]
