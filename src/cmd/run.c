/*
 * The command runner: runs a handler of the table (cmd/table.h) and owns what it opens
 * for it, the root (cmd_root) and the host model (cmd_host), built once per command with
 * one set of error messages and released when the handler returns.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/host.h"
#include "source/source.h"

/* One command runs per process: the runner's state for it. */
static struct {
	const struct cmd *cmd;
	struct source src;
	bool src_open;
	struct host h;
	bool built;
} run;

int cmd_run(const struct cmd *c, int argc, char **argv, const struct global_opts *g)
{
	run.cmd = c;
	int rc = c->fn(argc, argv, g);
	if (run.built)
		host_free(&run.h);
	if (run.src_open)
		src_close(&run.src);
	memset(&run, 0, sizeof(run));
	return rc;
}

/* A flag the running command's entry must have for this call (a table error, not the
 * user's): outside cmd_run() (unit tests, report) everything is allowed. */
static bool allowed(unsigned flags, const char *what)
{
	if (!run.cmd || (run.cmd->flags & flags))
		return true;
	err("internal error: %s for '%s', whose entry in cmd/table.h does not allow it", what, run.cmd->name);
	return false;
}

void cmd_host_error(char *msg, size_t len, const struct global_opts *g, int stage, int r)
{
	if (stage == 0)
		snprintf(msg, len, "cannot open root '%s': %s", g->root, strerror(-r));
	/* host_build() fails only when proc/interrupts cannot be read (and there is no log
	 * or command line to judge instead), or when memory runs out. */
	else if (r != -ENOMEM)
		snprintf(msg, len, "cannot read '%s/proc/interrupts': %s%s", strcmp(g->root, "/") ? g->root : "",
			 strerror(-r), r == -ENOENT && g->root_given ? " (is this a snapshot directory?)" : "");
	else
		snprintf(msg, len, "cannot read the host: %s", strerror(-r));
}

static int host_err(const struct global_opts *g, int stage, int r)
{
	char msg[PATH_MAX + 256];
	cmd_host_error(msg, sizeof(msg), g, stage, r);
	return err("%s", msg);
}

/* h from src with the runner's message for a host that cannot be built: 0 or EXIT_UNKNOWN.
 * A snapshot has no rates to sample. */
static int build(const struct global_opts *g, const struct source *src, const struct host_opts *ho, struct host *h)
{
	struct host_opts o = *ho;
	if (!src->is_live)
		o.sample_seconds = 0;
	int r = host_build(h, src, &o);
	return r ? host_err(g, 1, r) : 0;
}

int cmd_open_host(const struct global_opts *g, double sample, bool trace, struct source *src, struct host *h)
{
	int r = src_open(src, g->root);
	if (r)
		return host_err(g, 0, r);
	struct host_opts ho = { .sample_seconds = sample, .trace = trace, .no_trace_why = trace ? NULL : "--no-trace" };
	if ((r = build(g, src, &ho, h)))
		src_close(src);
	return r;
}

struct source *cmd_root(const struct global_opts *g)
{
	if (run.src_open)
		return &run.src;
	if (!allowed(NEEDS_ROOT | NEEDS_HOST | LIVE_ONLY, "cmd_root()"))
		return NULL;
	const char *root = g->root;
	if (run.cmd && (run.cmd->flags & LIVE_ONLY)) {
		if (g->root_given) {
			err("%s measures this host: --root does not apply", run.cmd->name);
			return NULL;
		}
		root = "/";
	}
	int r = src_open(&run.src, root);
	if (r) {
		host_err(g, 0, r);
		return NULL;
	}
	run.src_open = true;
	return &run.src;
}

struct host *cmd_host(const struct global_opts *g, const struct host_opts *ho)
{
	if (run.built)
		return &run.h;
	if (!allowed(NEEDS_HOST, "cmd_host()"))
		return NULL;
	struct source *src = cmd_root(g);
	if (!src)
		return NULL;
	if (build(g, src, ho, &run.h))
		return NULL;
	run.built = true;
	return &run.h;
}

int cmd_need_root_user(bool live, const char *what, const char *instead)
{
	if (!live || geteuid() == 0)
		return 0;
	if (!allowed(WRITES_HOST, "cmd_need_root_user()"))
		return EXIT_UNKNOWN;
	return err("%s: run it as root (%s)", what, instead);
}
