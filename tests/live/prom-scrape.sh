#!/usr/bin/env bash
# A real Prometheus (Debian's package) on loopback scrapes `irqsight serve` of a fixture
# host with interrupt remapping off; the test asks Prometheus's HTTP API for the series
# and waits (bounded) for the remapping-off alert to fire. Everything it starts is
# killed on exit. Prints "prom-scrape: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
IRQSIGHT=${IRQSIGHT:-./irqsight}
FIXTURE=${FIXTURE:-$(tests/fixture.sh root tests/fleet/hosts/sysstat-desktop-no-ir)}	# the root (tests/fixture.sh)
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
finish() { echo "prom-scrape: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

if ! command -v prometheus >/dev/null; then
	nok "prometheus is not installed (tests/deps/fleet.txt)"
	finish
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# irqsight serve on an OS-chosen port: read it from its start-up line.
"$IRQSIGHT" --root "$FIXTURE" serve --listen 127.0.0.1:0 --min-interval 1 2>"$tmp/serve.log" &
pids+=($!)
port=
for _ in $(seq 50); do
	port=$(sed -n 's/.* on port \([0-9]*\) .*/\1/p' "$tmp/serve.log")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] && ok "serve listens on 127.0.0.1:$port" || { nok "serve did not start: $(cat "$tmp/serve.log")"; finish; }

# The rules as shipped, with every "for:" shortened so the test takes seconds.
sed -E 's/^( *for: ).*/\12s/' contrib/prometheus/irqsight.rules.yml >"$tmp/rules.yml"
pport=$(free_port)
cat >"$tmp/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ['$tmp/rules.yml']
scrape_configs:
  - job_name: irqsight
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ['127.0.0.1:$port']
EOC
promtool check config "$tmp/prometheus.yml" >/dev/null 2>&1 && ok "promtool check config" || nok "promtool check config"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$tmp/prom.log" 2>&1 &
pids+=($!)

api() { curl -s -m 2 "http://127.0.0.1:$pport/api/v1/$1" --data-urlencode "${2:-}" -G 2>/dev/null; }
# Value of an instant query's first sample, or empty.
qval() { api query "query=$1" | python3 -c 'import json,sys
try:
    r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")
except Exception: print("")'; }

deadline=$((SECONDS + 60))
v=
while [ $SECONDS -lt $deadline ]; do
	v=$(qval 'irqsight_interrupt_remapping{job="irqsight"}')
	[ -n "$v" ] && break
	sleep 1
done
[ "$v" = "0" ] && ok "Prometheus has irqsight_interrupt_remapping = 0" || nok "irqsight_interrupt_remapping = '$v' (log: $(tail -3 "$tmp/prom.log"))"
[ "$(qval 'up{job="irqsight"}')" = "1" ] && ok "scrape target is up" || nok "scrape target not up"
[ "$(qval 'irqsight_up')" = "1" ] && ok "irqsight_up = 1" || nok "irqsight_up != 1"
n=$(qval 'count(irqsight_cpu_device_interrupts_total)')
[ "$n" = "8" ] && ok "8 per-CPU series (8-CPU fixture)" || nok "per-CPU series: '$n', expected 8"
n=$(qval 'count(irqsight_finding)')
[ -n "$n" ] && [ "$n" -ge 1 ] && ok "$n irqsight_finding series" || nok "no irqsight_finding series"
n=$(qval 'count(irqsight_irq_interrupts_total)')
[ -n "$n" ] && [ "$n" -le 10 ] && [ "$n" -ge 1 ] && ok "per-IRQ series bounded: $n <= 10" || nok "per-IRQ series: '$n'"

state=
while [ $SECONDS -lt $deadline ]; do
	state=$(api alerts | python3 -c 'import json,sys
try:
    a=[x for x in json.load(sys.stdin)["data"]["alerts"] if x["labels"].get("alertname")=="IrqsightInterruptRemappingOff"]
    print(a[0]["state"] if a else "")
except Exception: print("")')
	[ "$state" = "firing" ] && break
	sleep 1
done
[ "$state" = "firing" ] && ok "alert IrqsightInterruptRemappingOff is firing" || nok "alert state '$state' after 60 s"
finish
