#!/usr/bin/env bash
# `irqsight serve` under load and abuse on loopback: concurrent scrapes, bounded rebuilds,
# wrong methods and paths, very long URLs and headers, a large body, slowloris clients
# holding partial requests — bounded memory (RSS), no crash, other scrapes still served.
# Prints "serve-load: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
IRQSIGHT=${IRQSIGHT:-./irqsight}
FIXTURE=${FIXTURE:-$(tests/fixture.sh root tests/fleet/hosts/raptorlake-iommu-on)}	# the root (tests/fixture.sh)
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# start ROOT LOG [ARGS...]: serve on an OS-chosen port; sets $port and $spid.
start() {
	local root=$1 log=$2
	shift 2
	"$IRQSIGHT" --root "$root" serve --listen 127.0.0.1:0 "$@" 2>"$log" &
	spid=$!
	pids+=("$spid")
	port=
	for _ in $(seq 50); do
		port=$(sed -n 's/.* on port \([0-9]*\) .*/\1/p' "$log")
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	return 1
}
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }
code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$@"; }

start "$FIXTURE" "$tmp/serve.log" --min-interval 1 --timeout 2 ||
	{ nok "serve did not start: $(cat "$tmp/serve.log")"; echo "serve-load: $pass passed, $fail failed"; exit 1; }
URL="http://127.0.0.1:$port/metrics"
curl -s -m 5 "$URL" >"$tmp/first.prom"
promtool check metrics <"$tmp/first.prom" && ok "promtool check metrics on the served exposition" ||
	nok "promtool check metrics on the served exposition"
rss0=$(rss "$spid")

# Methods and paths.
[ "$(code "$URL")" = 200 ] && ok "GET /metrics 200" || nok "GET /metrics"
[ "$(code -I "$URL")" = 200 ] && ok "HEAD /metrics 200" || nok "HEAD /metrics"
for m in POST PUT DELETE PATCH OPTIONS; do
	[ "$(code -X "$m" "$URL")" = 405 ] && ok "$m -> 405" || nok "$m not 405"
done
curl -s -m 5 -D - -o /dev/null -X POST "$URL" | grep -qi '^Allow: GET, HEAD' && ok "405 carries Allow: GET, HEAD" || nok "no Allow header"
for p in / /metric /metrics/ /../etc/passwd "/metrics%00" "/%6detrics" /favicon.ico; do
	c=$(code --path-as-is "http://127.0.0.1:$port$p")
	[ "$c" = 404 ] || [ "$c" = 400 ] && ok "GET $p -> $c" || nok "GET $p -> $c"
done
long=$(head -c 100000 /dev/zero | tr '\0' a)
c=$(code "$URL?$long")
[ "$c" = 414 ] && ok "100 kB URL -> 414" || nok "100 kB URL -> $c"
c=$(code -H "X-Big: $long" "$URL")
[ "$c" = 431 ] || [ "$c" = 413 ] || [ "$c" = 000 ] && ok "100 kB header refused ($c)" || nok "100 kB header -> $c"
head -c 10000000 /dev/zero >"$tmp/body"
c=$(code -X POST --data-binary @"$tmp/body" "$URL")
[ "$c" = 405 ] || [ "$c" = 000 ] && ok "10 MB POST body refused ($c)" || nok "10 MB POST -> $c"
c=$(printf 'GARBAGE\r\n\r\n' | timeout 5 python3 -c '
import socket,sys
s=socket.create_connection(("127.0.0.1",'"$port"'),timeout=4); s.sendall(sys.stdin.buffer.read())
d=s.recv(100); print(d.split(b" ")[1].decode() if d else "closed")' 2>/dev/null)
[ "$c" = 400 ] || [ "$c" = 505 ] || [ "$c" = closed ] && ok "garbage request line -> $c" || nok "garbage request line -> $c"

# Concurrent scrapes: 200 requests, 16 at a time; all served; rebuilds bounded by
# --min-interval (the exposition's run timestamp changes at most once a second).
start_s=$SECONDS
seq 200 | xargs -P 16 -I{} sh -c "curl -sS -m 10 '$URL' 2>&1 | grep -E '^irqsight_last_run_timestamp_seconds|^curl' || echo FAILED" >"$tmp/burst"
secs=$((SECONDS - start_s + 1))
n_ok=$(grep -c '^irqsight_last_run' "$tmp/burst")
[ "$n_ok" = 200 ] && ok "200 concurrent scrapes served in ${secs}s" ||
	nok "$n_ok/200 concurrent scrapes served: $(grep -v '^irqsight_last_run' "$tmp/burst" | sort | uniq -c | head -3)"
builds=$(sort -u "$tmp/burst" | grep -c '^irqsight_last_run')
[ "$builds" -le $((secs + 2)) ] && ok "$builds rebuilds for 200 scrapes in ${secs}s (min-interval 1s)" ||
	nok "$builds rebuilds in ${secs}s: refresh not bounded"

# Slowloris: 400 clients hold partial requests (more than --max-connections, 256), trickle
# a byte now and then, and reconnect when cut, for 8 s; meanwhile real scrapes go on.
python3 - "$port" >"$tmp/slow.log" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
def conn():
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: ")
        s.setblocking(False)
        return s
    except OSError:
        return None
socks = [conn() for _ in range(400)]
t0, cut = time.time(), 0
while time.time() - t0 < 8:
    for i, s in enumerate(socks):
        try:
            if s is None:
                raise OSError
            try:
                if s.recv(64) == b"":
                    raise OSError
            except BlockingIOError:
                pass
            s.send(b"a")
        except OSError:
            cut += 1
            if s:
                s.close()
            socks[i] = conn()
    time.sleep(0.5)
print("cut", cut)
PY
slow=$!
pids+=("$slow")
sleep 1
served=0 tries=0 worst=0
while kill -0 "$slow" 2>/dev/null && [ $tries -lt 12 ]; do
	tries=$((tries + 1))
	t=$(curl -s -m 8 -o /dev/null -w '%{http_code} %{time_total}' "$URL")
	[ "${t%% *}" = 200 ] && served=$((served + 1))
	ms=$(awk -v t="${t#* }" 'BEGIN{printf "%d", t*1000}')
	[ "$ms" -gt "$worst" ] && worst=$ms
	sleep 0.5
done
wait "$slow" 2>/dev/null
[ "$served" = "$tries" ] && [ "$tries" -ge 5 ] && ok "$served/$tries scrapes served during a 400-client slowloris (slowest ${worst} ms)" ||
	nok "$served/$tries scrapes served during slowloris (slowest ${worst} ms)"
cuts=$(sed -n 's/^cut //p' "$tmp/slow.log")
[ "${cuts:-0}" -gt 0 ] && ok "slowloris connections were cut ($cuts)" || nok "slowloris connections never cut: $(cat "$tmp/slow.log")"

kill -0 "$spid" 2>/dev/null && ok "serve still running" || nok "serve died"
rss1=$(rss "$spid")
[ -n "$rss1" ] && [ $((rss1 - rss0)) -lt 16384 ] && ok "RSS ${rss0} kB -> ${rss1} kB (< 16 MB growth)" ||
	nok "RSS ${rss0} kB -> ${rss1:-?} kB"
[ "$(code "$URL")" = 200 ] && ok "scrape served after the abuse" || nok "no scrape after the abuse"
kill "$spid"
wait "$spid" 2>/dev/null
rc=$?
[ "$rc" = 0 ] && ok "SIGTERM: clean exit" || nok "SIGTERM: exit $rc"

# A root that cannot be read: irqsight_up 0 and the error counter, still a 200.
mkdir -p "$tmp/empty"
if start "$tmp/empty" "$tmp/serve2.log" --min-interval 1; then
	curl -s -m 5 "http://127.0.0.1:$port/metrics" >"$tmp/down.prom"
	grep -qx 'irqsight_up 0' "$tmp/down.prom" && grep -q '^irqsight_scrape_errors_total [1-9]' "$tmp/down.prom" &&
		ok "unreadable root: irqsight_up 0, scrape errors counted" || nok "unreadable root: $(head -c 300 "$tmp/down.prom")"
	promtool check metrics <"$tmp/down.prom" && ok "promtool check metrics (down)" || nok "promtool check metrics (down)"
else
	nok "serve on an empty root did not start: $(cat "$tmp/serve2.log")"
fi
# Live host, too.
if start / "$tmp/serve3.log" --min-interval 1; then
	curl -s -m 5 "http://127.0.0.1:$port/metrics" >"$tmp/live.prom"
	promtool check metrics <"$tmp/live.prom" && grep -qx 'irqsight_up 1' "$tmp/live.prom" &&
		ok "live serve: promtool check metrics, irqsight_up 1" || nok "live serve exposition"
else
	nok "live serve did not start"
fi
# Bad options are refused before binding.
"$IRQSIGHT" serve --listen 0.0.0.0 2>/dev/null; [ $? = 3 ] && ok "--listen without port refused" || nok "--listen without port"
"$IRQSIGHT" serve --min-interval 0 2>/dev/null; [ $? = 3 ] && ok "--min-interval 0 refused" || nok "--min-interval 0"
echo "serve-load: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
