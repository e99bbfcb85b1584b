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
/* Should output to this stream be coloured? */
bool use_color(const struct global_opts *g, FILE *f);

int cmd_check(int argc, char **argv, const struct global_opts *g);
int cmd_snapshot(int argc, char **argv, const struct global_opts *g);
int cmd_latency(int argc, char **argv, const struct global_opts *g);
int cmd_top(int argc, char **argv, const struct global_opts *g);

struct source;
struct host;
/* Open g->root and build the host model (sampling live for `sample` seconds); prints on error
 * and returns EXIT_UNKNOWN, else 0. */
int cmd_open_host(const struct global_opts *g, double sample, struct source *src, struct host *h);

#endif
