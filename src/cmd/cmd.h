/*
 * Subcommands. cmd/ is the only layer that prints or exits. Each command gets
 * argv starting at its own name (getopt-ready) and the global options.
 * Exit status follows the Nagios plugin convention for everything that judges a host.
 */
#ifndef IRQSIGHT_CMD_CMD_H
#define IRQSIGHT_CMD_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "util/compat.h"

enum exit_code {
	EXIT_OK = 0,		/* nothing above info */
	EXIT_WARNING = 1,
	EXIT_CRITICAL = 2,
	EXIT_UNKNOWN = 3,	/* could not run: bad usage, unreadable root, internal error */
};

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct global_opts {
	const char *root;	/* "/" live, else a snapshot directory */
	bool root_given;
	bool json;
	enum color_mode color;
	int verbose;
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct global_opts *g);
	const char *summary;
};

/* Prints "irqsight: <msg>" to stderr. Returns EXIT_UNKNOWN for `return err(...)`. */
int err(const char *fmt, ...) PRINTF(1, 2);
void warn(const char *fmt, ...) PRINTF(1, 2);
/* Read a file the user named (plan, journal), by its path as given (relative to the
 * current directory, never inside --root), whole or refused: 0, or the exit code after
 * printing why. buf_read_file() in util/buf.h. */
struct buf;
int cmd_read_user_file(const char *what, const char *path, size_t max, struct buf *b);
/* Should output to this stream be coloured? */
bool use_color(const struct global_opts *g, FILE *f);

int cmd_check(int argc, char **argv, const struct global_opts *g);
int cmd_snapshot(int argc, char **argv, const struct global_opts *g);
int cmd_latency(int argc, char **argv, const struct global_opts *g);
int cmd_top(int argc, char **argv, const struct global_opts *g);
int cmd_plan(int argc, char **argv, const struct global_opts *g);
int cmd_apply(int argc, char **argv, const struct global_opts *g);
int cmd_rollback(int argc, char **argv, const struct global_opts *g);
int cmd_persist(int argc, char **argv, const struct global_opts *g);
int cmd_report(int argc, char **argv, const struct global_opts *g);
int cmd_keep(int argc, char **argv, const struct global_opts *g);
/* This build can tell systemd it is ready (libsystemd's sd_notify, src/opt/notify.h). */
bool keep_can_notify(void);

/* Shared by plan/apply/rollback/persist (cmd/apply.c). */
struct arena;
struct buf;
struct plan;
struct act_list;
const char *act_state_dir(const char *given);	/* --state-dir, $IRQSIGHT_STATE_DIR, /var/lib/irqsight */
int act_read_plan(const char *path, struct arena *a, struct plan *p, struct buf *text);	/* 0 or exit code */
void act_print_ops(const struct act_list *ops, struct arena *a, bool show_same, FILE *f);
int act_count(const struct act_list *ops, int status);
/* --json for apply and rollback: {command, dry_run, journal, summary{...}, operations[...]} (docs/plan.md). */
void act_json_ops(const struct act_list *ops, bool dry, const char *journal, const char *command, FILE *f);
int cmd_export(int argc, char **argv, const struct global_opts *g);
int cmd_baseline(int argc, char **argv, const struct global_opts *g);
int cmd_serve(int argc, char **argv, const struct global_opts *g);

/* cmd/export.c: one metrics run (model, rules, optional baseline drift, exposition),
 * shared by export and serve. */
struct buf;
struct metrics_opts {
	const char *baseline;		/* compare with this baseline file, or NULL */
	int top_irqs;			/* per-IRQ series (render/prom.h) */
	double sample_seconds;		/* > 0: live sample for rates */
	unsigned long long errors;	/* failed runs so far (serve) */
};
struct baseline;
/* Read and parse a baseline file (model/baseline.h). 0 or -errno with a message. */
int cmd_load_baseline(const char *path, struct baseline *b, char *msg, size_t msglen);
/* Appends the exposition to out; when the host cannot be read it still appends
 * irqsight_up 0. Returns 0 or -errno with a message in msg. */
int metrics_collect(const struct global_opts *g, const struct metrics_opts *mo, struct buf *out,
		    char *msg, size_t msglen);

struct source;
struct host;
/* Open g->root and build the host model (sampling live for `sample` seconds, with tracepoint
 * times as root when `trace`); prints on error and returns EXIT_UNKNOWN, else 0. */
int cmd_open_host(const struct global_opts *g, double sample, bool trace, struct source *src, struct host *h);

#endif
