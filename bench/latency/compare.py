#!/usr/bin/env python3
"""Side by side: cyclictest (rt-tests) and irqsight latency on one CPU, same interval and
duration. Prints p50/p99/max and CPU time of each, and exits 1 when p50 or p99 disagree
beyond the tolerance (default: 10% or 10 µs, whichever is larger) or when irqsight's probe
costs more CPU time than cyclictest (beyond a slack for the noise of one run).

Usage: compare.py IRQSIGHT CPU INTERVAL_US SECONDS [PCT ABS_US CPU_SLACK_S ROUNDS MODE P99_ABS_US]
P99_ABS_US: a separate absolute tolerance for p99 (default ABS_US), for short smoke runs
whose p99 (the 30th worst of 3000 wake-ups) a single host stall decides.
MODE: "seq" (default) runs one tool after the other; "both" runs them at the same time on
the same CPU, so that on a noisy shared VM both see the same host preemption (each then
also sees the other's wake-ups, a few µs, now and then).
"""
import json, os, resource, subprocess, sys, tempfile

def nearest_rank(hist, n, q):
    rank = max(1, -(-n * q // 10000))
    seen = 0
    for us in sorted(hist):
        seen += hist[us]
        if seen >= rank:
            return us
    return max(hist)

class Done:
    pass

def start(argv, out):
    return (argv, subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, text=True))

def finish(job, out):
    """Wait for one child and take its own rusage (wait4), so runs can overlap."""
    argv, p = job
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read()
    if p.returncode != 0:
        sys.exit(f"{argv[0]} failed ({p.returncode}): {err.strip()}")
    d = Done()
    out.seek(0)
    d.stdout = out.read()
    return d, ru.ru_utime + ru.ru_stime

def run_timed(argv):
    with tempfile.TemporaryFile("w+") as out:
        return finish(start(argv, out), out)

def ct_argv(cpu, interval, secs, hf):
    # --laptop: cyclictest otherwise holds /dev/cpu_dma_latency at 0 while it runs, which
    # keeps idle CPUs polling instead of halting; irqsight does not touch power management,
    # so without it the two would measure different idle exits (15 vs 35 us p50 here).
    return ["cyclictest", "--laptop", "-q", "-m", "-p", "95", "-a", str(cpu), "-t", "1",
            "-i", str(interval), "-D", f"{secs}", "-h", "20000", f"--histfile={hf}"]

def ct_result(hf, t):
    hist, over, mx = {}, 0, 0
    for line in open(hf):
        if line.startswith("# Histogram Overflows:"):
            over = int(line.split(":")[1])
        elif line.startswith("# Max Latencies:"):
            mx = int(line.split(":")[1])
        elif line.strip() and not line.startswith("#"):
            us, c = line.split()[:2]
            if int(c):
                hist[int(us)] = int(c)
    n = sum(hist.values()) + over
    return {"samples": n, "p50": nearest_rank(hist, n, 5000), "p99": nearest_rank(hist, n, 9900),
            "max": mx, "cpu_s": t}

def cyclictest(cpu, interval, secs, tmp):
    hf = os.path.join(tmp, "ct.hist")
    _, t = run_timed(ct_argv(cpu, interval, secs, hf))
    return ct_result(hf, t)

def ir_argv(exe, cpu, interval, secs, attrib):
    argv = [exe, "latency", "--cpus", str(cpu), "-i", str(interval), "-d", f"{secs}s", "--json"]
    if not attrib:
        argv.append("--no-attrib")
    return argv

def ir_result(p, t):
    c = json.loads(p.stdout)["cpus"][0]
    return {"samples": c["samples"], "p50": c["p50_us"], "p99": c["p99_us"], "max": c["max_us"],
            "cpu_s": t}

def irqsight(exe, cpu, interval, secs, attrib):
    return ir_result(*run_timed(ir_argv(exe, cpu, interval, secs, attrib)))

def both(exe, cpu, interval, secs, tmp):
    """cyclictest and irqsight --no-attrib at the same time on the same CPU."""
    hf = os.path.join(tmp, "ct.hist")
    with tempfile.TemporaryFile("w+") as o1, tempfile.TemporaryFile("w+") as o2:
        j1 = start(ct_argv(cpu, interval, secs, hf), o1)
        j2 = start(ir_argv(exe, cpu, interval, secs, False), o2)
        _, t1 = finish(j1, o1)
        r2 = finish(j2, o2)
    return ct_result(hf, t1), ir_result(*r2)

def main():
    a = sys.argv[1:]
    if len(a) < 4:
        sys.exit(__doc__)
    exe, cpu, interval, secs = a[0], int(a[1]), int(a[2]), int(a[3])
    pct = float(a[4]) if len(a) > 4 else 10.0
    abs_us = float(a[5]) if len(a) > 5 else 10.0
    slack = float(a[6]) if len(a) > 6 else 0.05
    rounds = int(a[7]) if len(a) > 7 else 1
    mode = a[8] if len(a) > 8 else "seq"
    p99_abs = float(a[9]) if len(a) > 9 else abs_us
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for r in range(rounds):
            if mode == "both":
                ct, ir = both(exe, cpu, interval, secs, tmp)
            else:
                ct = cyclictest(cpu, interval, secs, tmp)
                ir = irqsight(exe, cpu, interval, secs, False)
            ia = irqsight(exe, cpu, interval, secs, True)
            rows.append((ct, ir, ia))
    print(f"CPU {cpu}, interval {interval} us, {secs} s, {rounds} round(s), "
          f"{'at the same time' if mode == 'both' else 'one after the other'}; latencies in us")
    print(f"{'':22} {'samples':>8} {'p50':>6} {'p99':>6} {'max':>7} {'cpu_s':>7}")
    for i, (ct, ir, ia) in enumerate(rows):
        for name, x in (("cyclictest", ct), ("irqsight --no-attrib", ir), ("irqsight (attrib)", ia)):
            print(f"{name:22} {x['samples']:8} {x['p50']:6} {x['p99']:6} {x['max']:7} {x['cpu_s']:7.3f}")
    # Medians over the rounds: one run on a shared VM can be off by a host hiccup.
    med = lambda xs: sorted(xs)[len(xs) // 2]
    for q in ("p50", "p99"):
        c, r = med([x[0][q] for x in rows]), med([x[1][q] for x in rows])
        tol = max(p99_abs if q == "p99" else abs_us, pct / 100.0 * max(c, r))
        good = abs(c - r) <= tol
        ok &= good
        print(f"latency-bench: median {q} cyclictest {c} us, irqsight {r} us, tolerance {tol:.0f}: "
              f"{'ok' if good else 'FAIL'}")
    tc, ti, ta = (sum(x[k]["cpu_s"] for x in rows) for k in range(3))
    good = ti <= tc * 1.10 + slack * rounds
    ok &= good
    print(f"latency-bench: CPU time over all rounds: irqsight --no-attrib {ti:.3f} s, "
          f"cyclictest {tc:.3f} s, irqsight with attribution {ta:.3f} s: {'ok' if good else 'FAIL'}")
    sys.exit(0 if ok else 1)

main()
