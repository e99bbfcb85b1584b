/* irqsight persist: keep a plan across reboots (systemd unit + irqbalance ban), or remove that. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/persist.h"
#include "act/plan.h"
#include "cmd/cmd.h"
#include "util/arena.h"
#include "util/buf.h"

static void persist_usage(FILE *f)
{
	fprintf(f, "Usage: irqsight persist [--oneshot] [--dest DIR] [--state-dir DIR] [--binary PATH] "
		   "[--no-irqbalance] PLAN\n"
		   "       irqsight persist --remove [--dest DIR] [--state-dir DIR]\n\n"
		   "Installs /etc/irqsight/plan, the service " PERSIST_KEEP_UNIT " that runs `irqsight keep`\n"
		   "after drivers and irqbalance at every boot and holds the plan from then on (or with\n"
		   "--oneshot the unit " PERSIST_UNIT " that runs `irqsight apply --yes --boot` once), and\n"
		   "IRQBALANCE_BANNED_CPULIST in irqbalance's environment file, with --policyscript in its\n"
		   "IRQBALANCE_ARGS naming /etc/irqsight/irqbalance-policy, which bans the plan's IRQs from\n"
		   "irqbalance (an operator's own policy script is run by it first). --remove restores every\n"
		   "file (either unit, and irqbalance's file: the bans are lifted). Prints the kernel command line\n"
		   "it recommends; never edits the boot loader.\n\n"
		   "  --oneshot         apply once at boot (" PERSIST_UNIT ") instead of keep\n"
		   "  --dest DIR        install under DIR instead of / (packaging, tests)\n"
		   "  --state-dir DIR   manifest and backups (default $IRQSIGHT_STATE_DIR or DEST/var/lib/irqsight)\n"
		   "  --binary PATH     irqsight as the unit runs it (default: this executable)\n"
		   "  --no-irqbalance   leave irqbalance's configuration alone\n");
}

static int do_remove(const char *dreal, const char *sdir, bool live, struct arena *a)
{
	struct persist_result res;
	const char *why = NULL;
	int rc = EXIT_OK, r;
	if ((r = persist_remove(dreal, sdir, a, &res, &why)))
		rc = err("persist --remove: %s", why ? why : strerror(-r));
	else
		printf("Removed %d file(s) and restored %d%s%s.\n%s", res.removed, res.restored,
		       res.irqbalance_path ? " (" : "",
		       res.irqbalance_path ? arena_printf(a, "%s)", res.irqbalance_path) : "",
		       live ? "Now: systemctl stop " PERSIST_KEEP_UNIT
			      "; systemctl daemon-reload; systemctl restart irqbalance\n"
			    : "");
	return rc;
}

static int do_install(const char *plan_path, const char *dreal, const char *sdir, const char *binary, bool live,
		      bool no_ib, bool oneshot, struct arena *a)
{
	struct persist_result res;
	const char *why = NULL;
	int rc = EXIT_OK, r;
	struct plan p;
	struct buf text = { 0 };
	if ((rc = act_read_plan(plan_path, a, &p, &text))) {
		buf_free(&text);
		return rc;
	}
	char self[PATH_MAX];
	if (!binary) {
		if (!realpath("/proc/self/exe", self)) {
			buf_free(&text);
			return err("cannot find this executable: %s (use --binary PATH)", strerror(errno));
		}
		binary = self;
	}
	if (binary[0] != '/') {
		buf_free(&text);
		return err("--binary needs an absolute path, not '%s'", binary);
	}
	struct persist_opts po = { .dest = dreal,
				   .state_dir = sdir,
				   .binary = binary,
				   .plan_text = text.data,
				   .plan_len = text.len,
				   .plan = &p,
				   .banned = !no_ib && p.has_banned ? &p.irqbalance_banned : NULL,
				   .keep = !oneshot,
				   .notify = keep_can_notify() };
	if ((r = persist_install(&po, a, &res, &why))) {
		rc = err("persist: %s: %s", why ? why : "failed", strerror(-r));
	} else {
		printf("Installed:\n  %s\n  %s (enabled for multi-user.target%s)\n", res.plan_path, res.unit_path,
		       oneshot		   ? ""
		       : keep_can_notify() ? "; Type=notify with a watchdog"
					   : "; Type=simple: built without libsystemd");
		if (res.irqbalance_path)
			printf("  %s: IRQBALANCE_BANNED_CPULIST=%s, --policyscript in IRQBALANCE_ARGS\n",
			       res.irqbalance_path, res.banned);
		if (res.policy_path)
			printf("  %s (irqbalance leaves the plan's IRQs alone%s%s)\n", res.policy_path,
			       res.policy_chain ? "; runs first " : "", res.policy_chain ? res.policy_chain : "");
		printf("Manifest and backups: %s/persist (undo: irqsight persist --remove)\n", sdir);
		if (live)
			printf("Now: systemctl daemon-reload; systemctl restart irqbalance%s\n",
			       oneshot ? "" : "; systemctl start " PERSIST_KEEP_UNIT);
		if (p.boot_params)
			printf("\nKernel command line recommended for kernel-managed IRQs (not changed by irqsight;\n"
			       "add it to GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub or "
			       "grub2-mkconfig):\n"
			       "  %s\n",
			       p.boot_params);
	}
	buf_free(&text);
	return rc;
}

int cmd_persist(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = {
		{ "remove", no_argument, 0, 'r' },
		{ "dest", required_argument, 0, 'd' },
		{ "root", required_argument, 0, 'd' },
		{ "state-dir", required_argument, 0, 's' },
		{ "binary", required_argument, 0, 'b' },
		{ "no-irqbalance", no_argument, 0, 'n' },
		{ "oneshot", no_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	bool remove = false, no_ib = false, oneshot = false;
	const char *dest = NULL, *state = NULL, *binary = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			remove = true;
			break;
		case 'd':
			dest = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 'b':
			binary = optarg;
			break;
		case 'n':
			no_ib = true;
			break;
		case 'o': oneshot = true; break;
		case 'h':
			persist_usage(stdout);
			return EXIT_OK;
		default:
			persist_usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (remove ? optind != argc : optind + 1 != argc) {
		persist_usage(stderr);
		return EXIT_UNKNOWN;
	}
	/* persist installs into a system's /etc: with --root naming another tree, this host's
	 * /etc is not the plan's host, and a tree from elsewhere is no place to follow links
	 * into by default either; the user says where (--dest). */
	if (!dest && g->root_given && strcmp(g->root, "/"))
		return err("persist installs into this host's /etc, but --root names '%s': give --dest DIR "
			   "to install under a directory", g->root);
	if (!dest)
		dest = "/";
	char dreal[PATH_MAX];
	if (!realpath(dest, dreal))
		return err("cannot use --dest '%s': %s", dest, strerror(errno));
	bool live = !strcmp(dreal, "/");
	if (cmd_need_root_user(live, "persist writes /etc", "or --dest DIR"))
		return EXIT_UNKNOWN;
	struct arena a = { 0 };
	const char *sdir = state ? state : getenv("IRQSIGHT_STATE_DIR") && *getenv("IRQSIGHT_STATE_DIR")
					    ? getenv("IRQSIGHT_STATE_DIR")
					    : arena_printf(&a, "%s/var/lib/irqsight", live ? "" : dreal);
	int rc;
	if (remove)
		rc = do_remove(dreal, sdir, live, &a);
	else
		rc = do_install(argv[optind], dreal, sdir, binary, live, no_ib, oneshot, &a);
	arena_free(&a);
	return rc;
}
