#!/usr/bin/env python3
"""A process that names and places its threads like a VMM, to capture fixture trees.

The kernel writes its proc/PID/{comm,cgroup} and proc/PID/task/TID/{comm,stat,status}
as for any process, so a snapshot of it has the real formats; only the names are
chosen (prctl(PR_SET_NAME), as the VMMs do: QEMU's qemu_thread_set_name, Rust's
thread::Builder::name) and the placement (sched_setaffinity on the thread itself).
Used for VMMs that cannot run on the CI machine (Firecracker, cloud-hypervisor) and
for vhost workers (no /dev/vhost-net there). tests/rules/*/NOTES say which case.

Usage: vmm_threads.py MAIN_COMM THREAD_SPEC... (runs until SIGTERM/SIGINT)
  THREAD_SPEC  NAME[@RAN[:ALLOWED]]  NAME is the comm ("{pid}" becomes the process
               id: "vhost-{pid}"); RAN is the CPU the thread runs on before it sleeps
               (its stat field 39); ALLOWED the cpulist it keeps afterwards (default:
               RAN, i.e. pinned; "all" = every online CPU).
Prints the pid and one "TID NAME" line per thread once all are in place.
"""
import ctypes
import os
import signal
import sys
import threading

PR_SET_NAME = 15
libc = ctypes.CDLL(None, use_errno=True)


def set_name(name):
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


def cpulist(text):
    if text == "all":
        return os.sched_getaffinity(0)
    cpus = set()
    for part in text.split(","):
        a, _, b = part.partition("-")
        cpus.update(range(int(a), int(b or a) + 1))
    return cpus


def main():
    main_comm, specs = sys.argv[1], sys.argv[2:]
    pid = os.getpid()
    set_name(main_comm)
    ready, stop, tids = threading.Barrier(len(specs) + 1), threading.Event(), {}

    def body(name, ran, allowed):
        set_name(name)
        if ran is not None:
            os.sched_setaffinity(0, {ran})	# 0: the calling thread
            os.sched_yield()
        tids[name] = threading.get_native_id()
        ready.wait()
        if ran is not None:
            # widening the set from the CPU it is on does not move it: it sleeps
            # there, and stat field 39 keeps saying RAN
            os.sched_setaffinity(0, allowed)
        stop.wait()

    for spec in specs:
        name, _, place = spec.partition("@")
        name = name.replace("{pid}", str(pid))
        ran, allowed = None, None
        if place:
            r, _, a = place.partition(":")
            ran = int(r)
            allowed = cpulist(a) if a else {ran}
        threading.Thread(target=body, args=(name, ran, allowed), daemon=True).start()
    ready.wait()
    print(pid)
    for name, tid in tids.items():
        print(tid, name)
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    while not stop.is_set():
        stop.wait(1)


if __name__ == "__main__":
    main()
