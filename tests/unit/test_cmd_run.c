/* The command runner (cmd/run.c): the flags permit what a command asks for, the host is
 * built once from --root with the one wording for what fails. */
#include "t.h"

#include <errno.h>

#include "cmd/cmd.h"
#include "model/host.h"
#include "source/source.h"

#define FIXTURE "tests/hosts/lab-6.12-hotspot"

static struct host *seen[2];

/* Asks for the host twice: the runner builds it once. */
static int wants_host(int argc, char **argv, const struct global_opts *g)
{
	struct host_opts ho = { 0 };
	seen[0] = cmd_host(g, &ho);
	seen[1] = cmd_host(g, &ho);
	return seen[0] ? seen[0]->ncols : -1;
}

static int wants_root(int argc, char **argv, const struct global_opts *g)
{
	return cmd_root(g) ? 0 : EXIT_UNKNOWN;
}

TEST(cmd_run_builds_the_host_once_for_needs_host)
{
	struct global_opts g = { .root = FIXTURE, .root_given = true };
	struct cmd c = { "t", wants_host, "", NEEDS_HOST };
	char *argv[] = { (char *)"t", NULL };
	seen[0] = seen[1] = NULL;
	int rc = cmd_run(&c, 1, argv, &g);
	CHECK(seen[0] != NULL);
	CHECK(seen[0] == seen[1]);
	CHECK(rc > 0);	/* the fixture's online CPUs */
}

TEST(cmd_run_refuses_what_the_table_does_not_allow)
{
	struct global_opts g = { .root = FIXTURE, .root_given = true };
	char *argv[] = { (char *)"t", NULL };
	struct cmd no_flag = { "t", wants_host, "", NEEDS_ROOT };
	seen[0] = NULL;
	CHECK_INT(cmd_run(&no_flag, 1, argv, &g), -1);	/* cmd_host refused: no NEEDS_HOST */
	CHECK(seen[0] == NULL);
	struct cmd none = { "t", wants_root, "", 0 };
	CHECK_INT(cmd_run(&none, 1, argv, &g), EXIT_UNKNOWN);
	struct cmd live = { "t", wants_root, "", LIVE_ONLY };
	CHECK_INT(cmd_run(&live, 1, argv, &g), EXIT_UNKNOWN);	/* --root given */
	struct cmd root = { "t", wants_root, "", NEEDS_ROOT };
	CHECK_INT(cmd_run(&root, 1, argv, &g), 0);
}

TEST(cmd_host_error_wording)
{
	char msg[256];
	struct global_opts g = { .root = "/snap", .root_given = true };
	cmd_host_error(msg, sizeof(msg), &g, 0, -ENOENT);
	CHECK_STR(msg, "cannot open root '/snap': No such file or directory");
	cmd_host_error(msg, sizeof(msg), &g, 1, -ENOENT);
	CHECK_STR(msg,
		  "cannot read '/snap/proc/interrupts': No such file or directory (is this a snapshot directory?)");
	cmd_host_error(msg, sizeof(msg), &g, 1, -ENOMEM);
	CHECK_STR(msg, "cannot read the host: Cannot allocate memory");
	struct global_opts live = { .root = "/" };
	cmd_host_error(msg, sizeof(msg), &live, 1, -EACCES);
	CHECK_STR(msg, "cannot read '/proc/interrupts': Permission denied");
}
