/*
 * Subcommands, one line each in cmd/table.h, run by cmd/run.c. cmd/ is the only layer
 * that exits or prints errors; what a command shows is render/'s. Each command gets
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

/*
 * What the runner (cmd/run.c) does for a command; the table in cmd/table.h says it per
 * command. A flag both declares and permits: cmd_root() and cmd_host() refuse a command
 * whose entry lacks NEEDS_ROOT / NEEDS_HOST, cmd_need_root_user() one without WRITES_HOST.
 */
enum cmd_flags {
	NEEDS_ROOT = 1 << 0,	/* opens --root through cmd_root() */
	NEEDS_HOST = 1 << 1,	/* builds the host model from --root through cmd_host() */
	WRITES_HOST = 1 << 2,	/* may change the host (through act/ only): cmd_need_root_user() */
	LIVE_ONLY = 1 << 3,	/* measures this machine: cmd_root() refuses --root and opens / */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, const struct global_opts *g);
	const char *summary;
	unsigned flags;		/* enum cmd_flags */
};

/* Run one command of the table: the handler, then close what the runner opened for it. */
int cmd_run(const struct cmd *c, int argc, char **argv, const struct global_opts *g);

struct source;
struct host;
struct host_opts;
/*
 * The root and host of the running command, opened and built once by the runner with one
 * set of error messages, and closed by it when the command returns (the command frees
 * neither). A command asks after parsing its options, which say how to build (check's
 * --interval), so --help or a bad option never reads the host. NULL after printing why
 * (the command returns EXIT_UNKNOWN).
 */
struct source *cmd_root(const struct global_opts *g);
struct host *cmd_host(const struct global_opts *g, const struct host_opts *ho);
/* A WRITES_HOST command about to write the live host as another user: prints
 * "<what>: run it as root (<instead>)" and returns EXIT_UNKNOWN; else 0. */
int cmd_need_root_user(bool live, const char *what, const char *instead);
/* For a command that builds more than one host in its run (fix: before and after the
 * change): open g->root into src and build h (sampling live for `sample` seconds, with
 * tracepoint times as root when `trace`), with the runner's messages. 0 or EXIT_UNKNOWN
 * (said why); the caller frees h and closes src. */
int cmd_open_host(const struct global_opts *g, double sample, bool trace, struct source *src, struct host *h);
/* The runner's wording for a root that cannot be opened (stage 0) or a host that
 * cannot be built (stage 1) from host_build()'s -errno, for callers that report into a
 * buffer (export, serve). */
void cmd_host_error(char *msg, size_t len, const struct global_opts *g, int stage, int r);

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

/* One handler per line of the table (cmd/table.h): int cmd_<name>(argc, argv, g). */
#define CMD_PROTO(name, flags, summary) int cmd_##name(int argc, char **argv, const struct global_opts *g);
#include "cmd/table.h"
IRQSIGHT_COMMANDS(CMD_PROTO)
#undef CMD_PROTO
/* This build can tell systemd it is ready (libsystemd's sd_notify, src/cmd/notify.h). */
bool keep_can_notify(void);

/* Shared by plan/apply/rollback/persist (cmd/apply.c); their output is render/act.h's. */
struct arena;
struct buf;
struct plan;
const char *act_state_dir(const char *given);	/* --state-dir, $IRQSIGHT_STATE_DIR, /var/lib/irqsight */
int act_read_plan(const char *path, struct arena *a, struct plan *p, struct buf *text);	/* 0 or exit code */

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
/* Read and parse a baseline file (parse/baseline.h). 0 or -errno with a message. */
int cmd_load_baseline(const char *path, struct baseline *b, char *msg, size_t msglen);
/* Appends the exposition to out; when the host cannot be read it still appends
 * irqsight_up 0. Returns 0 or -errno with a message in msg. */
int metrics_collect(const struct global_opts *g, const struct metrics_opts *mo, struct buf *out,
		    char *msg, size_t msglen);

#endif
