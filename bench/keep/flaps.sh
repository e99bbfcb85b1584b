#!/usr/bin/env bash
# Reaction time of `irqsight keep` to link flaps, on a copy of a fixture host (--root; this
# host is not written): N times (FLAPS, default 20) an IRQ of the plan is set back to all
# CPUs in the copy (what a driver's free_irq/request_irq on link down/up does to it), then
# a veth pair in keep's own network namespace goes down and up; the time from `ip link set
# up` to the IRQ read back as planned is one sample. Prints p50/p99/max in ms.
# The link and the IRQ are not the same device here (the copy has no driver): this
# measures keep (event, debounce, re-resolve, write), not a driver; the lab measures both.
# keep runs with --no-watch: the reset here is a write to the copy's file, which a watching
# keep would undo at once as a foreign write (bench/keep/writes.sh times that), while a
# driver's reset is no write and only the link event can restore it.
#
#   IRQSIGHT=./irqsight FLAPS=20 bench/keep/flaps.sh
set -u
cd "$(dirname "$0")/../.."
BIN=$(realpath "${IRQSIGHT:-./irqsight}")
N=${FLAPS:-20}
unshare -n true 2>/dev/null || { echo "bench/keep/flaps: needs unshare -n (root)" >&2; exit 1; }
T=$(mktemp -d /tmp/bench-flaps.XXXXXX)
KP=
trap '[ -n "$KP" ] && kill "$KP" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
cp -a tests/hosts/live-firecracker-virtio-root "$T/root"
export IRQSIGHT_STATE_DIR=$T/state
"$BIN" --root "$T/root" plan --housekeeping 0 -o "$T/p.plan" >/dev/null 2>&1
irq=$(sed -nE 's/^irq cpus=0 dev=0000:00:04.0 .* action=virtio\*-rx irq=([0-9]+) .*/\1/p' "$T/p.plan")
unshare -n "$BIN" --root "$T/root" keep --no-watch --verify 600 "$T/p.plan" 2>"$T/log" &
KP=$!
while [ ! -s "$T/state/keep.state" ]; do sleep 0.05; done
nsenter -t "$KP" -n ip link add v0 type veth peer name v1
nsenter -t "$KP" -n ip link set v1 up
sleep 0.5
f=$T/root/proc/irq/$irq/smp_affinity_list
for i in $(seq "$N"); do
	nsenter -t "$KP" -n ip link set v0 down
	sleep 0.3
	echo 0-1 >"$f"
	t0=$(date +%s%N)
	nsenter -t "$KP" -n ip link set v0 up
	while [ "$(cat "$f")" != 0 ]; do
		[ $(( $(date +%s%N) - t0 )) -gt 5000000000 ] && break
		sleep 0.005
	done
	echo $(( ($(date +%s%N) - t0) / 1000 ))
	sleep 0.3
done >"$T/us"
sort -n "$T/us" | awk -v n="$N" '{ v[NR] = $1 } END {
	p50 = v[int((NR + 1) / 2)]; p99 = v[NR - int(NR / 100)]
	printf "keep: %d link flaps, link up -> IRQ planned again: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n", NR, p50 / 1000, p99 / 1000, v[NR] / 1000
}'
grep -c 'reason=link-up' "$T/log" | sed 's/^/  corrections with reason link-up: /'
