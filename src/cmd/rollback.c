/* irqsight rollback: put back exactly the values an apply journal recorded. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/apply.h"
#include "act/journal.h"
#include "cmd/cmd.h"
#include "parse/planfile.h"
#include "render/act.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"

static void rollback_usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] rollback [--dry-run] [--state-dir DIR] [JOURNAL]\n\n"
		   "Restores every value recorded in an apply journal (the newest one that wrote something\n"
		   "by default), newest write first. Running it again changes nothing. JOURNAL is a path\n"
		   "from the current directory; the root is the one the journal names unless --root.\n\n"
		   "  -n, --dry-run        show what would be restored\n"
		   "      --state-dir DIR  journal directory (default $IRQSIGHT_STATE_DIR or /var/lib/irqsight)\n");
}

/*
 * Everything below prints before it frees: the journal's path, its parse error and the
 * operations live in the arena (a use after free here once crashed rollback on every
 * unusable journal).
 */
static int rollback(const char *path, bool dry, const struct global_opts *g, struct arena *a)
{
	struct buf b = { 0 };
	int rc = cmd_read_user_file("journal", path, PF_MAX_BYTES, &b);
	if (rc) {
		buf_free(&b);
		return rc;
	}
	struct journal_data jd;
	const char *why = NULL;
	int r = journal_parse(b.data, b.len, a, &jd, &why);
	buf_free(&b);
	if (r)
		return err("cannot use journal '%s': %s; nothing was restored", path, why ? why : strerror(-r));
	/* The root the journal was written against (it always names one), unless --root. */
	const char *root = g->root_given ? g->root : jd.root;
	struct source src;
	if ((r = src_open(&src, root)))
		return err("cannot open root '%s' of journal '%s': %s", root, path, strerror(-r));
	if ((r = cmd_need_root_user(!dry && src.is_live, "rollback changes IRQ affinity", "or --dry-run"))) {
		src_close(&src);
		return r;
	}
	struct act_list ops;
	act_restore_ops(&jd, a, &ops);
	struct act_opts ao = { .dry_run = dry };
	r = act_run(&src, &ops, &ao, NULL, a);
	if (r && ops.refused >= 0) {
		const struct act_op *op = &ops.v[ops.refused];
		src_close(&src);
		return err("cannot use journal '%s': line %u: '%s': %s; nothing was read or restored", path, op->line,
			   op->path, ops.refused_why);
	}
	int done = act_count(&ops, ACT_DONE), same = act_count(&ops, ACT_SAME), wd = act_count(&ops, ACT_DRY);
	int failed = ops.n - done - same - wd;
	if (g->json) {
		render_act_json(&ops, dry, path, "rollback", stdout);
	} else {
		struct rollback_head rh = {
			.journal = path, .recorded = jd.n, .finished = jd.done, .dry = dry, .show_same = g->verbose > 0
		};
		render_rollback_text(&ops, &rh, a, stdout);
	}
	if (!dry) {
		char nb[16], fb[16];
		snprintf(nb, sizeof(nb), "%d", done);
		snprintf(fb, sizeof(fb), "%d", failed);
		if ((r = journal_append_file(path, "rollback", "restored", nb, "failed", fb, NULL)))
			warn("cannot note the rollback in '%s': %s", path, strerror(-r));
	}
	src_close(&src);
	return failed ? EXIT_WARNING : EXIT_OK;
}

int cmd_rollback(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, 0, 'n' },
		{ "state-dir", required_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	bool dry = false;
	const char *state = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry = true;
			break;
		case 's':
			state = optarg;
			break;
		case 'h':
			rollback_usage(stdout);
			return EXIT_OK;
		default:
			rollback_usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (optind + 1 < argc) {
		rollback_usage(stderr);
		return EXIT_UNKNOWN;
	}
	struct arena a = { 0 };
	char *path = NULL;
	const char *sdir = act_state_dir(state), *why = NULL;
	int rc, lock = -1;
	/* Not beside an apply or another rollback of the same state directory. A state
	 * directory that cannot hold the lock at all (not root, read-only) does not stop a
	 * rollback; a held lock or an untrusted directory does. */
	if (!dry && (rc = journal_lock(sdir, &lock, &why)) && (rc == -EBUSY || why))
		return err("cannot roll back: state directory '%s': %s", sdir, why ? why : strerror(-rc));
	if (optind < argc) {
		path = argv[optind];
	} else if ((rc = journal_dir_check(sdir, &why))) {
		return err("not using the journals in '%s': %s", sdir, why ? why : strerror(-rc));
	} else if ((rc = journal_latest(sdir, &a, &path))) {
		rc = err("no journal to roll back in '%s': %s", sdir,
			 rc == -ENOENT ? "no apply has written anything" : strerror(-rc));
		arena_free(&a);
		if (lock >= 0)
			close(lock);
		return rc;
	}
	rc = rollback(path, dry, g, &a);
	arena_free(&a);
	if (lock >= 0)
		close(lock);
	return rc;
}
