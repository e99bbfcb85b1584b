/*
 * The commands, one line each: X(name, flags, help line). The handler is
 * int cmd_<name>(int argc, char **argv, const struct global_opts *g) in cmd/<name>.c;
 * main.c expands this list into the table `irqsight --help` prints (in this order) and
 * cmd_run() runs, and cmd/cmd.h into the handlers' prototypes. Flags: enum cmd_flags in
 * cmd/cmd.h. Adding a command is one line here (docs/ARCHITECTURE.md, "Adding a command").
 */
#ifndef IRQSIGHT_CMD_TABLE_H
#define IRQSIGHT_CMD_TABLE_H

/* clang-format off */
#define IRQSIGHT_COMMANDS(X) \
	X(check, NEEDS_HOST, "triage the host's interrupt topology (default)") \
	X(snapshot, NEEDS_HOST, "copy what irqsight reads into DIR for --root") \
	X(latency, LIVE_ONLY, "wake-up latency per CPU and the interrupts behind its spikes") \
	X(top, NEEDS_ROOT, "live interrupt load per CPU and IRQ source (full-screen, --batch, --json)") \
	X(plan, NEEDS_HOST, "plan where every interrupt should run (writes nothing)") \
	X(apply, NEEDS_HOST | WRITES_HOST, "apply a plan: dry run unless --yes; journaled, read back") \
	X(rollback, WRITES_HOST, "restore the values recorded in an apply journal") \
	X(fix, NEEDS_ROOT | WRITES_HOST, "diagnose, apply with an automatic undo, prove it before/after") \
	X(persist, WRITES_HOST, "install irqsight-keep.service (or --oneshot) and the irqbalance ban") \
	X(keep, NEEDS_ROOT | WRITES_HOST, "hold a plan in force: re-apply after link, driver and foreign changes") \
	X(baseline, NEEDS_HOST, "save a host's interrupt profile; check it for drift") \
	X(export, NEEDS_HOST, "write Prometheus metrics (node_exporter textfile collector)") \
	X(report, NEEDS_HOST, "one self-contained HTML page: findings, heat map, latency") \
	X(serve, NEEDS_HOST, "serve Prometheus metrics over HTTP (loopback by default)")
/* clang-format on */

#endif
