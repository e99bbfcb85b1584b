#!/usr/bin/env python3
"""Attacks on `irqsight serve`, on loopback only, each bounded in sockets and time.

    serve_attack.py PORT MODE [options]

MODE:
  flood     N attacking sockets from --attack-src for --secs seconds (slowloris: a
            partial request, then a byte every second; --reconnect opens a new socket as
            soon as one is cut, --burst sends nothing and only holds, --hold sends 100
            pipelined requests and never reads the responses), while a scraper from
            --scrape-src opens a fresh connection and scrapes /metrics every --every
            seconds. Prints the scrape latencies (p50/p99/max ms), failures and the attack's
            counts, and checks them against --p99-ms / --max-ms.
  oversize  request lines and header blocks of many sizes around and beyond the server's
            limit: every one gets a status line (414 or 431), never a silent close.
  pipeline  three requests in one write: three responses, in order, on one connection.
  keepalive two requests on one connection (no "Connection: close" on the first), and an
            idle kept-alive connection is closed by the server within --idle-max seconds.
Each mode prints "ok - ..." / "not ok - ..." lines; the exit status is the number of
"not ok" lines (0: all held). --pid PID adds the server's RSS before and after.
"""
import argparse
import errno
import os
import resource
import selectors
import signal
import socket
import sys
import time

REQ = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
failures = 0


def ok(msg):
    print(f"ok - {msg}", flush=True)


def nok(msg):
    global failures
    failures += 1
    print(f"not ok - {msg}", flush=True)


def nfds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def read_response(s, deadline, head=False):
    """One HTTP response from s (Content-Length or EOF framed; none for a HEAD).
    (status, headers, body, rest) or None on EOF before a status line."""
    data = b""
    while b"\r\n\r\n" not in data:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        d = s.recv(65536)
        if not d:
            return None if not data else (0, data, b"", b"")
        data += d
    top, rest = data.split(b"\r\n\r\n", 1)
    lines = top.split(b"\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        hdrs[k.strip().lower().decode()] = v.strip().decode()
    n = 0 if head else int(hdrs.get("content-length", "-1"))
    if n < 0:
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            d = s.recv(65536)
            if not d:
                break
            rest += d
        return status, hdrs, rest, b""
    while len(rest) < n:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        d = s.recv(65536)
        if not d:
            break
        rest += d
    return status, hdrs, rest[:n], rest[n:]


def scrape_once(port, src, timeout):
    """ms for a fresh-connection GET /metrics that returns 200 with a body, or None."""
    t0 = time.monotonic()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((src, 0))
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        s.sendall(REQ)
        r = read_response(s, t0 + timeout)
        if r and r[0] == 200 and b"irqsight_up" in r[2]:
            return (time.monotonic() - t0) * 1000
    except OSError:
        pass
    finally:
        s.close()
    return None


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def attacker(port, src, n, secs, reconnect, burst, hold, stats_fd):
    """The flood, in a child process: returns through stats_fd "connects cuts held_max".
    hold: each socket sends 100 pipelined requests and never reads the responses."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < n + 64:
        print(f"attack: only {hard} file descriptors: {hard - 64} sockets, not {n}", flush=True)
        n = hard - 64
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, n + 64), hard))
    sel = selectors.DefaultSelector()
    partial = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: "
    conns = {}	# sock -> [state, next_byte_time]
    connects = cuts = 0
    t_end = time.monotonic() + secs

    def open_one():
        nonlocal connects
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((src, 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            return False
        connects += 1
        conns[s] = ["connecting", 0.0]
        sel.register(s, selectors.EVENT_WRITE)
        return True

    def drop(s):
        nonlocal cuts
        cuts += 1
        sel.unregister(s)
        del conns[s]
        s.close()

    for _ in range(n):
        open_one()
    held_max = 0
    while time.monotonic() < t_end:
        now = time.monotonic()
        for key, ev in sel.select(timeout=0.2):
            s = key.fileobj
            st = conns.get(s)
            if st is None:
                continue
            if st[0] == "connecting":
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    drop(s)
                    continue
                st[0] = "open"
                if hold:
                    try:
                        s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 100)
                    except OSError:
                        pass
                    sel.unregister(s)	# never read: the server's writes fill up
                    st[0] = "held"
                    continue
                if not burst:
                    try:
                        s.send(partial)
                    except OSError:
                        drop(s)
                        continue
                st[1] = now + 1.0
                sel.modify(s, selectors.EVENT_READ)
            else:
                try:
                    d = s.recv(4096)
                except OSError:
                    d = b""
                if not d:
                    drop(s)
        if not burst:
            for s, st in list(conns.items()):
                if st[0] == "open" and now >= st[1]:
                    st[1] = now + 1.0
                    try:
                        s.send(b"a")
                    except OSError:
                        drop(s)
        held_max = max(held_max, sum(1 for st in conns.values() if st[0] in ("open", "held")))
        if reconnect:
            while len(conns) < n and time.monotonic() < t_end:
                if not open_one():
                    break
    os.write(stats_fd, f"{connects} {cuts} {held_max}\n".encode())
    for s in list(conns):
        s.close()


def flood(a):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            attacker(a.port, a.attack_src, a.n, a.secs, a.reconnect, a.burst, a.hold, w)
        finally:
            os._exit(0)
    os.close(w)
    rss0 = rss_kb(a.pid) if a.pid else None
    time.sleep(min(1.0, a.secs / 4))	# let the flood build up
    lat, fails = [], 0
    t_end = time.monotonic() + a.secs - 1.5
    rss_max = rss0 or 0
    fds_max = 0
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        ms = scrape_once(a.port, a.scrape_src, a.timeout)
        if ms is None:
            fails += 1
            lat.append(a.timeout * 1000)
        else:
            lat.append(ms)
        if a.pid:
            rss_max = max(rss_max, rss_kb(a.pid) or 0)
            fds_max = max(fds_max, nfds(a.pid))
        time.sleep(max(0, a.every - (time.monotonic() - t0)))
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    stats = os.read(r, 200).decode().split()
    os.close(r)
    connects, cuts, held = (stats + ["?"] * 3)[:3]
    kind = "burst" if a.burst else "pipelined, never read" if a.hold else \
        ("reconnecting slowloris" if a.reconnect else "slowloris")
    p50, p99, mx = pct(lat, 50), pct(lat, 99), max(lat) if lat else float("nan")
    print(f"result {a.label or kind}: n={a.n} src={a.attack_src} scraper={a.scrape_src} secs={a.secs} "
          f"scrapes={len(lat)} failed={fails} p50_ms={p50:.1f} p99_ms={p99:.1f} max_ms={mx:.1f} "
          f"attack_connects={connects} attack_cut={cuts} attack_held_max={held} "
          f"rss_kb={rss0}->{rss_max} server_fds_max={fds_max}", flush=True)
    what = f"{a.n}-socket {kind} from {a.attack_src}, scraper from {a.scrape_src}, {a.secs}s"
    if fails > a.max_fail:
        nok(f"{what}: {fails}/{len(lat)} scrapes failed")
    else:
        ok(f"{what}: {len(lat) - fails}/{len(lat)} scrapes served")
    if a.p99_ms and not p99 < a.p99_ms:
        nok(f"{what}: p99 {p99:.0f} ms, want < {a.p99_ms} ms")
    elif a.p99_ms:
        ok(f"{what}: p99 {p99:.0f} ms < {a.p99_ms} ms (p50 {p50:.0f}, max {mx:.0f})")
    if a.max_ms and not mx < a.max_ms:
        nok(f"{what}: slowest scrape {mx:.0f} ms, want < {a.max_ms} ms")
    elif a.max_ms:
        ok(f"{what}: slowest scrape {mx:.0f} ms < {a.max_ms} ms (p50 {p50:.0f}, p99 {p99:.0f})")
    if a.pid and a.rss_max_kb:
        if rss_max - (rss0 or 0) < a.rss_max_kb:
            ok(f"{what}: RSS {rss0} -> {rss_max} kB")
        else:
            nok(f"{what}: RSS {rss0} -> {rss_max} kB, growth over {a.rss_max_kb} kB")


def raw(port, data, timeout=5.0, src="127.0.0.1", heads=()):
    """Send data on a fresh connection; return every response (status, headers, body)
    until the server closes or timeout (heads: indexes of responses to HEAD requests)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(src, 0))
    out = []
    deadline = time.monotonic() + timeout
    try:
        try:
            s.sendall(data)
        except OSError:
            pass	# refused before the whole request went out: the reply may be there
        rest = b""
        while time.monotonic() < deadline:
            if rest:
                # responses already buffered: parse from the buffer first
                r = read_response(_Buffered(s, rest), deadline, len(out) in heads)
            else:
                r = read_response(s, deadline, len(out) in heads)
            if r is None:
                break
            out.append(r[:3])
            rest = r[3]
            if r[1].get("connection", "").lower() == "close":
                break
    except (OSError, ValueError):
        pass
    finally:
        s.close()
    return out


class _Buffered:
    def __init__(self, s, buf):
        self.s, self.buf = s, buf

    def settimeout(self, t):
        self.s.settimeout(t)

    def recv(self, n):
        if self.buf:
            b, self.buf = self.buf, b""
            return b
        return self.s.recv(n)


def big_request(kind, n, close=True):
    """A GET whose request line (kind "line") or one header ("header") is n bytes long."""
    c = b"Connection: close\r\n" if close else b""
    if kind == "line":
        return b"GET /metrics?" + b"a" * n + b" HTTP/1.1\r\nHost: x\r\n" + c + b"\r\n"
    return b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + c + b"X-Big: " + b"a" * n + b"\r\n\r\n"


def oversize(a):
    """Every size around the limit and around MHD 0.9.75's silent band (~16.1-16.3 kB
    with a 16 KiB pool), then far beyond: a connection's first request, and a follow-up
    on a kept-alive connection (read by MHD itself)."""
    sizes = sorted(set(list(range(a.limit - 300, a.limit + 300, 8)) + list(range(15800, 16600, 16)) +
                       list(range(a.pool - 400, a.pool + 200, 16)) + [20000, 64000, 100000, 1000000]))
    bad, codes = [], {}
    for follow in (False, True):
        for n in sizes:
            if follow and n > a.pool - 1024:
                continue	# near and beyond the pool MHD answers, or not at all (docs/metrics.md)
            for kind in ("line", "header"):
                req = big_request(kind, n)
                if follow:
                    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" + req
                try:
                    r = raw(a.port, req, timeout=5)
                except OSError:
                    r = []
                if follow:
                    r = r[1:] if r and r[0][0] == 200 else [(None, {}, b"")]
                c = r[0][0] if r else None
                total = len(req) - (36 if follow else 0)
                what = ("follow-up " if follow else "") + kind
                codes.setdefault((what, c), []).append(total)
                want = {414} if kind == "line" else {431}
                if total > a.limit + 64 and c not in want:
                    bad.append(f"{what} {total} B -> {c or 'no reply'}")
                elif total <= a.limit - 64 and c != 200:
                    bad.append(f"{what} {total} B (within the limit) -> {c or 'no reply'}")
    summary = "; ".join(f"{k} {c or 'none'}: {min(v)}..{max(v)} B ({len(v)})" for (k, c), v in sorted(codes.items(), key=str))
    if bad:
        nok(f"oversized requests without their 414/431: {'; '.join(bad[:6])} ({len(bad)} in all)")
    else:
        ok(f"every request over {a.limit} B gets 414 (line) or 431 (headers), every one under it 200: {summary}")


def pipeline(a):
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    r = raw(a.port, req + b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n" + b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", heads=(1,))
    got = [x[0] for x in r]
    if got == [200, 200, 404] and b"irqsight_up" in r[0][2] and r[1][2] == b"":
        ok("three pipelined requests: 200 (GET), 200 (HEAD, no body), 404, in order on one connection")
    else:
        nok(f"pipelined requests answered {got}, want [200, 200, 404]")


def keepalive(a):
    s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
    try:
        req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        s.sendall(req)
        d = time.monotonic() + 5
        r1 = read_response(s, d)
        if not r1 or r1[0] != 200 or r1[1].get("connection", "").lower() == "close":
            nok(f"keep-alive: first response {r1 and r1[0]}, Connection: {r1 and r1[1].get('connection')}")
            return
        s.sendall(req)
        r2 = read_response(_Buffered(s, r1[3]) if r1[3] else s, time.monotonic() + 5)
        if r2 and r2[0] == 200 and b"irqsight_up" in r2[2]:
            ok("keep-alive: two requests on one HTTP/1.1 connection, no Connection: close")
        else:
            nok(f"keep-alive: second request on the same connection got {r2 and r2[0]}")
            return
        t0 = time.monotonic()
        s.settimeout(a.idle_max + 5)
        try:
            closed = s.recv(1) == b""
        except OSError:
            closed = True
        idle = time.monotonic() - t0
        if closed and idle <= a.idle_max:
            ok(f"keep-alive: idle connection closed by the server after {idle:.1f} s (<= {a.idle_max} s)")
        else:
            nok(f"keep-alive: idle connection still open after {idle:.1f} s")
    finally:
        s.close()
    r = raw(a.port, b"GET /metrics HTTP/1.0\r\n\r\n")
    if r and r[0][0] == 200 and (len(r) == 1):
        ok("HTTP/1.0 without keep-alive: one response, then closed")
    else:
        nok(f"HTTP/1.0: {[x[0] for x in r]}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("mode", choices=["flood", "oversize", "pipeline", "keepalive"])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--secs", type=float, default=10)
    p.add_argument("--reconnect", action="store_true")
    p.add_argument("--burst", action="store_true")
    p.add_argument("--hold", action="store_true")
    p.add_argument("--attack-src", default="127.0.0.2")
    p.add_argument("--scrape-src", default="127.0.0.1")
    p.add_argument("--every", type=float, default=0.25)
    p.add_argument("--timeout", type=float, default=12)
    p.add_argument("--p99-ms", type=float, default=0)
    p.add_argument("--max-ms", type=float, default=0)
    p.add_argument("--max-fail", type=int, default=0)
    p.add_argument("--pid", type=int, default=0)
    p.add_argument("--rss-max-kb", type=int, default=16384)
    p.add_argument("--limit", type=int, default=8192, help="request line + headers limit (oversize)")
    p.add_argument("--pool", type=int, default=32768, help="MHD's memory pool per connection (oversize)")
    p.add_argument("--idle-max", type=float, default=6)
    p.add_argument("--label", default="")
    a = p.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    {"flood": flood, "oversize": oversize, "pipeline": pipeline, "keepalive": keepalive}[a.mode](a)
    sys.exit(min(failures, 100))


if __name__ == "__main__":
    main()
