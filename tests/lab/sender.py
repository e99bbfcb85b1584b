#!/usr/bin/env python3
"""A steady UDP stream from the host into a lab guest, for scenarios with HOSTFWD
(tests/lab/run.sh, docs/lab.md): datagrams of 64 bytes to a QEMU user-networking
host-forwarded port, at RATE a second, for at most SECONDS. Loopback only: it refuses
any other address. Ends early when its parent (run.sh's guest) is gone.

usage: sender.py PORT RATE SECONDS
"""
import os
import socket
import sys
import time


def main():
    port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    addr = "127.0.0.1"
    if not socket.inet_aton(addr).startswith(b"\x7f") or not (0 < rate <= 100000) or seconds <= 0:
        print("sender.py: loopback only, rate 1-100000/s, seconds > 0", file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payload = b"irqsight-lab-stutter".ljust(64, b".")
    t0 = time.monotonic()
    sent = 0
    parent = os.getppid()
    while True:
        now = time.monotonic()
        if now - t0 >= seconds or os.getppid() != parent:
            break
        # the datagrams due by now, in one burst every 10 ms at most
        due = int((now - t0) * rate)
        while sent < due:
            try:
                s.sendto(payload, (addr, port))
            except OSError:
                pass  # nothing listens before QEMU is up
            sent += 1
        time.sleep(0.01)
    print("sender.py: %d datagrams in %.0f s" % (sent, time.monotonic() - t0), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
