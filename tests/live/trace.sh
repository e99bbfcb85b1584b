#!/bin/sh
# Live: real virtio-blk interrupts from O_DIRECT reads. The sampler must see their
# rate on the CPU /proc/irq/N/effective_affinity_list names; as root the tracepoint
# recorder must measure handler time for that IRQ; as an unprivileged user the
# recorder must refuse with a clear reason and top must fall back to /proc/stat.
# Prints "trace: N passed, N failed" (skips count as neither, with a reason).
cd "$(dirname "$0")/../.." || exit 3
BIN=${IRQSIGHT:-./irqsight}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
skip() { echo "skip $*"; }
tmp=$(mktemp -d) || exit 3
trap 'rm -rf "$tmp"; [ -n "$ddpid" ] && kill "$ddpid" 2>/dev/null' EXIT

[ "$(id -u)" = 0 ] || { skip "not root: O_DIRECT reads of the disk and tracepoints need root"; echo "trace: $pass passed, $fail failed"; exit 0; }

# The disk under /var/tmp and its request-queue IRQ (virtio: "virtioN-req.0"; nvme: "nvmeXq1").
# Load: O_DIRECT reads of a file there (the raw disk may be closed to us even as root).
loadfile=/var/tmp/irqsight-ddload.$$
src=$(findmnt -no SOURCE -T /var/tmp 2>/dev/null)
disk=$(lsblk -ndo PKNAME "$src" 2>/dev/null); [ -n "$disk" ] || disk=$(basename "$src")
[ -e "/sys/block/$disk/device" ] || { skip "no block disk under /var/tmp ($src)"; echo "trace: $pass passed, $fail failed"; exit 0; }
vdev=$(basename "$(readlink -f /sys/block/$disk/device)")
irq=$(grep -E " ${vdev}-req\.0\$| ${vdev}-request\$| ${vdev}q1\$" /proc/interrupts | awk -F: '{gsub(/ /,"",$1); print $1; exit}')
[ -n "$irq" ] || { skip "no request IRQ found for $disk ($vdev)"; echo "trace: $pass passed, $fail failed"; exit 0; }
eff=$(cat /proc/irq/$irq/effective_affinity_list)
echo "disk $disk device $vdev irq $irq effective CPU $eff"
dd if=/dev/zero of=$loadfile bs=1M count=256 oflag=direct 2>/dev/null || { skip "cannot write $loadfile"; echo "trace: $pass passed, $fail failed"; exit 0; }
trap 'rm -rf "$tmp" $loadfile; [ -n "$ddpid" ] && kill "$ddpid" 2>/dev/null' EXIT

load() { dd if=$loadfile of=/dev/null iflag=direct bs=4k 2>/dev/null & ddpid=$!; sleep 0.3; }

# (a) sampler only
load
"$BIN" top --json --no-trace --interval 1 --iterations 2 > "$tmp/a.json" 2> "$tmp/a.err"
rc=$?
kill $ddpid 2>/dev/null; wait $ddpid 2>/dev/null; ddpid=
[ $rc = 0 ] && ok "top --json --no-trace exits 0" || ko "top --json --no-trace rc=$rc: $(cat "$tmp/a.err")"
python3 - "$tmp/a.json" "$irq" "$eff" <<'PY' && ok "sampler: IRQ $irq rate lands on CPU $eff" || ko "sampler: IRQ $irq not seen on CPU $eff"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
irq, eff = sys.argv[2], int(sys.argv[3])
last = lines[-1]
src = [s for s in last["irqs"] if s["irq"] == irq]
assert src, "irq absent"
s = src[0]
print("  rate %.0f/s top_cpu %d share %.2f" % (s["rate"], s["top_cpu"], s["top_cpu_share"]))
assert s["rate"] > 100 and s["top_cpu"] == eff and s["top_cpu_share"] > 0.95
cpu = [c for c in last["cpus"] if c["cpu"] == eff][0]
assert cpu["dev_irq_rate"] >= s["rate"] * 0.99
assert cpu["softirq"]["BLOCK"] > 0
PY

# (a2) what the sampler's /proc/stat shortcut rests on (sample/reading.c): an IRQ's
# intr sum in /proc/stat read before /proc/interrupts is at most its row's sum of counts,
# and read after it, at least (kstat_irqs: counts only grow, the sum is over possible
# CPUs, the row has the online ones). 300 readings under the disk load.
load
python3 - "$irq" <<'PY' && ok "/proc/stat intr sums bracket the /proc/interrupts rows (IRQ $irq moving)" || ko "/proc/stat intr sums and /proc/interrupts rows disagree"
import re, sys
def sums():
    for l in open("/proc/stat"):
        if l.startswith("intr "):
            return [int(x) for x in l.split()[2:]]
def rows():
    r = {}
    for l in open("/proc/interrupts"):
        m = re.match(r"\s*(\d+):((?:\s+\d+)+)", l)
        if m:
            r[int(m.group(1))] = sum(int(x) for x in m.group(2).split())
    return r
allon = open("/sys/devices/system/cpu/online").read() == open("/sys/devices/system/cpu/possible").read()
bad, moved = [], 0
for _ in range(300):
    a, r, b = sums(), rows(), sums()
    for n, t in r.items():
        if n >= len(b) or t > b[n] or (allon and t < a[n]):
            bad.append((n, a[n] if n < len(a) else None, t, b[n] if n < len(b) else None))
    moved += int(sys.argv[1]) in r and a[int(sys.argv[1])] != b[int(sys.argv[1])]
print("  %d rows per reading, IRQ %s moved within %d of 300 readings, %d out of bounds %s"
      % (len(r), sys.argv[1], moved, len(bad), bad[:3]))
assert not bad and len(r) > 3
PY
kill $ddpid 2>/dev/null; wait $ddpid 2>/dev/null; ddpid=

# (b) tracepoint recorder as root
load
"$BIN" top --json --trace --interval 1 --iterations 2 > "$tmp/b.json" 2> "$tmp/b.err"
rc=$?
kill $ddpid 2>/dev/null; wait $ddpid 2>/dev/null; ddpid=
[ $rc = 0 ] && ok "top --trace exits 0" || ko "top --trace rc=$rc: $(cat "$tmp/b.err")"
python3 - "$tmp/b.json" "$irq" "$eff" <<'PY' && ok "recorder: nonzero handler time for IRQ $irq on CPU $eff" || ko "recorder: no handler time for IRQ $irq"
import json, sys
last = [json.loads(l) for l in open(sys.argv[1])][-1]
irq, eff = sys.argv[2], int(sys.argv[3])
assert last["time_source"] == "tracepoints"
s = [s for s in last["irqs"] if s["irq"] == irq][0]
print("  time %.3f%% of a CPU, longest %d ns, lost %d" % (s["time_pct"], s["max_ns"], last["trace_lost"]))
assert s["time_pct"] is not None and s["time_pct"] > 0 and s["max_ns"] > 0
cpu = [c for c in last["cpus"] if c["cpu"] == eff][0]
assert cpu["irq_pct"] > 0 and cpu["softirq_pct"] > 0 and cpu["irq_pct_source"] == "tracepoints"
PY
# Mount discipline in a private mount namespace (other processes on this host may
# mount tracefs meanwhile): unmounted before -> mounted during -> unmounted after.
unshare -m --propagation private sh -c '
	umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null
	b=$(grep -c " tracefs " /proc/self/mountinfo)
	"$1" top --json --trace --interval 0.3 --iterations 1 >/dev/null || exit 1
	a=$(grep -c " tracefs " /proc/self/mountinfo)
	echo "  tracefs mounts before $b after $a"; [ "$b" = 0 ] && [ "$a" = 0 ]' sh "$BIN" \
	&& ok "recorder mounts tracefs itself and unmounts it on close" || ko "tracefs left mounted"
# ...and leaves one that was already mounted in place.
unshare -m --propagation private sh -c '
	grep -q " tracefs " /proc/self/mountinfo || mount -t tracefs nodev /sys/kernel/tracing || exit 1
	b=$(grep -c " tracefs " /proc/self/mountinfo)
	"$1" top --json --trace --interval 0.3 --iterations 1 >/dev/null || exit 1
	a=$(grep -c " tracefs " /proc/self/mountinfo)
	[ "$b" = "$a" ] && ! grep -q "^1" /sys/kernel/tracing/events/irq/enable 2>/dev/null' sh "$BIN" \
	&& ok "an existing tracefs mount is kept, no event left enabled" || ko "existing tracefs mount changed"

# (c) unprivileged: clear refusal, and a /proc/stat fallback
cp "$BIN" "$tmp/irqsight" && chmod 755 "$tmp" "$tmp/irqsight"
asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$@"; }
asnobody "$tmp/irqsight" top --json --trace --iterations 1 > "$tmp/c.out" 2> "$tmp/c.err"
rc=$?
echo "  nobody --trace: rc=$rc: $(cat "$tmp/c.err")"
[ $rc = 3 ] && grep -q "cannot record tracepoints: .*root" "$tmp/c.err" && ok "unprivileged --trace refused with a reason" || ko "unprivileged --trace: rc=$rc"
asnobody "$tmp/irqsight" top --json --interval 0.5 --iterations 1 > "$tmp/d.json" 2> "$tmp/d.err"
rc=$?
python3 - "$tmp/d.json" <<'PY' && [ $rc = 0 ] && ok "unprivileged top falls back to /proc/stat" || ko "unprivileged top rc=$rc $(cat "$tmp/d.err")"
import json, sys
f = json.loads(open(sys.argv[1]).readline())
print("  time_source", f["time_source"], "-", f["time_note"][:70])
assert f["time_source"] in ("stat", "stat-tick")
if f["time_source"] == "stat-tick":
    assert all(c["irq_pct"] is None for c in f["cpus"]) and "not accounted" in f["time_note"]
PY

echo "trace: $pass passed, $fail failed"
[ $fail = 0 ]
