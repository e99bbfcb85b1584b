#!/usr/bin/env bash
# Reaction time of `irqsight keep` to a foreign write, on a copy of a fixture host (--root;
# this host is not written): N times (WRITES, default 30) a separate process (python3,
# its own pid) writes "1" to a held smp_affinity_list of the copy (round robin over the
# plan's IRQs, so none reaches the contest limit) and polls the file until it reads
# anything else; write() returning -> value back is one sample. Twice: keep watching
# writes (fanotify: the write itself wakes keep), and keep --no-watch --verify 1 (found
# by the read-back, as before fanotify). Prints p50/p99/max in ms for each.
#
#   IRQSIGHT=./irqsight WRITES=30 bench/keep/writes.sh
set -u
cd "$(dirname "$0")/../.."
BIN=$(realpath "${IRQSIGHT:-./irqsight}")
N=${WRITES:-30}
T=$(mktemp -d /tmp/bench-writes.XXXXXX)
KP=
trap '[ -n "$KP" ] && kill "$KP" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
cp -a tests/hosts/live-firecracker-virtio-root "$T/root"
export IRQSIGHT_STATE_DIR=$T/state
"$BIN" --root "$T/root" plan --housekeeping 0 -o "$T/p.plan" >/dev/null 2>&1
# the IRQs planned on CPU 0 (their files read "0" when held), managed ones aside
irqs=$(sed -nE 's/^irq cpus=0 .* irq=([0-9]+) .*/\1/p' "$T/p.plan" | tr '\n' ' ')

run() { # TAG KEEP-OPTIONS...
	local tag=$1
	shift
	rm -rf "$T/state"
	"$BIN" --root "$T/root" keep "$@" "$T/p.plan" 2>"$T/log-$tag" &
	KP=$!
	while ! grep -qs "^keep pid=$KP " "$T/state/keep.state"; do sleep 0.05; done
	python3 - "$T/root" "$N" $irqs >"$T/ms-$tag" <<'PY'
import sys, time
root, n, irqs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
for k in range(n):
    path = "%s/proc/irq/%s/smp_affinity_list" % (root, irqs[k % len(irqs)])
    with open(path, "w") as f:
        f.write("1\n")
    t0 = time.perf_counter()
    while True:
        with open(path) as f:
            if f.read().strip() != "1":
                break
        if time.perf_counter() - t0 > 5:
            break
        time.sleep(0.0002)
    print("%.3f" % ((time.perf_counter() - t0) * 1000))
    time.sleep(0.05)
PY
	kill "$KP"
	wait "$KP" 2>/dev/null
	KP=
	sort -n "$T/ms-$tag" | awk -v tag="$tag" '{ v[NR] = $1 } END {
		p50 = v[int((NR + 1) / 2)]; p99 = v[NR - int(NR / 100)]
		printf "keep %s: %d foreign writes, write -> planned again: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", tag, NR, p50, p99, v[NR]
	}'
	echo "  corrections logged: $(grep -c 'reason=foreign-write' "$T/log-$tag"), naming the writer (python3, pid): $(grep -c 'writer="python3 (pid' "$T/log-$tag")"
}
run watching --verify 600
run "--no-watch --verify 1" --no-watch --verify 1
