#!/usr/bin/env bash
# `irqsight serve` under attack on loopback (issue 17), each attack bounded in sockets and
# time and stopping by itself (tests/fleet/serve_attack.py): oversized requests of every
# size (414/431, never a silent close), pipelining, keep-alive; then, while a scraper
# opens a fresh connection for /metrics every 0.25 s from 127.0.0.1:
#   a burst of 2,000 sockets that send nothing, a 1,000-client slowloris that does not
#   reconnect, 400 keep-alive clients that pipeline 100 requests and never read (more than
#   the 256 connections MHD may hold), a 1,000-client slowloris that reconnects at once from the scraper's own
#   address (every scrape inside 10 s), and for 60 s the same from 127.0.0.2 (p99 under
#   1 s). Server RSS and file descriptors are sampled throughout (growth under 16 MB).
# SERVE_ATTACK_SECS shortens the 60 s run (a quick local try; the stage uses 60).
# Prints "serve-attack: N passed, N failed" and one "result ..." line per flood.
set -u
cd "$(dirname "$0")/../.."
IRQSIGHT=${IRQSIGHT:-./irqsight}
FIXTURE=${FIXTURE:-$(tests/fixture.sh root tests/fleet/hosts/raptorlake-iommu-on)}	# the root (tests/fixture.sh)
LONG=${SERVE_ATTACK_SECS:-60}
A=tests/fleet/serve_attack.py
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$IRQSIGHT" --root "$FIXTURE" serve --listen 127.0.0.1:0 --min-interval 1 2>"$tmp/serve.log" &
spid=$!
port=
for _ in $(seq 50); do
	port=$(sed -n 's/.* on port \([0-9]*\) .*/\1/p' "$tmp/serve.log" 2>/dev/null)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { nok "serve did not start: $(cat "$tmp/serve.log")"; echo "serve-attack: $pass passed, $fail failed"; exit 1; }
# 127.0.0.2 is loopback on Linux (127.0.0.0/8 on lo) without configuration.
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null ||
	{ nok "cannot bind 127.0.0.2 (the second loopback address)"; }

# attack ARGS...: one run of serve_attack.py; its ok/not ok lines count here.
attack() {
	python3 "$A" "$port" "$@" --pid "$spid" >"$tmp/a.log" 2>&1
	cat "$tmp/a.log"
	pass=$((pass + $(grep -c '^ok - ' "$tmp/a.log")))
	fail=$((fail + $(grep -c '^not ok - ' "$tmp/a.log")))
	grep -qE '^(not )?ok - ' "$tmp/a.log" || nok "serve_attack.py $*: no result: $(tail -3 "$tmp/a.log")"
}
attack oversize
attack pipeline
attack keepalive
attack flood --burst --n 2000 --secs 8 --p99-ms 1000 --max-ms 10000
attack flood --n 1000 --secs 8 --p99-ms 1000 --max-ms 10000
attack flood --hold --n 400 --secs 8 --p99-ms 1000 --max-ms 10000
attack flood --reconnect --n 1000 --secs 15 --attack-src 127.0.0.1 --max-ms 10000
attack flood --reconnect --n 1000 --secs "$LONG" --attack-src 127.0.0.2 --p99-ms 1000 --max-ms 10000

kill -0 "$spid" 2>/dev/null && ok "serve still running after the attacks" || nok "serve died"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")
[ "$code" = 200 ] && ok "scrape served after the attacks" || nok "scrape after the attacks: $code"
kill "$spid"
wait "$spid"
rc=$?
spid=
[ "$rc" = 0 ] && ok "SIGTERM: clean exit" || nok "SIGTERM: exit $rc"
echo "serve-attack: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
