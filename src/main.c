/* irqsight: the command table and global options; everything else is in cmd/. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

#include "version.h"

static const struct cmd commands[] = {
	{ "check", cmd_check, "triage the host's interrupt topology (default)" },
	{ "snapshot", cmd_snapshot, "copy what irqsight reads into DIR for --root" },
	{ "latency", cmd_latency, "wake-up latency per CPU and the interrupts behind its spikes" },
	{ "top", cmd_top, "live interrupt load per CPU and IRQ source (full-screen, --batch, --json)" },
	{ "plan", cmd_plan, "plan where every interrupt should run (writes nothing)" },
	{ "apply", cmd_apply, "apply a plan: dry run unless --yes; journaled, read back" },
	{ "rollback", cmd_rollback, "restore the values recorded in an apply journal" },
	{ "persist", cmd_persist, "install a boot-time unit and irqbalance ban for a plan" },
	{ "keep", cmd_keep, "hold a plan in force: re-apply after link, driver and foreign changes" },
	{ "baseline", cmd_baseline, "save a host's interrupt profile; check it for drift" },
	{ "export", cmd_export, "write Prometheus metrics (node_exporter textfile collector)" },
	{ "report", cmd_report, "one self-contained HTML page: findings, heat map, latency" },
	{ "serve", cmd_serve, "serve Prometheus metrics over HTTP (loopback by default)" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] [--json] [--color=WHEN] COMMAND [ARGS]\n\n"
		   "Finds and fixes the interrupt topology behind VM stutter on KVM hosts.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nGlobal options:\n"
		   "  -r, --root DIR     analyse a snapshot directory instead of this host\n"
		   "  -j, --json         machine-readable output (docs/json.md)\n"
		   "      --color=WHEN   auto (default), always, never\n"
		   "  -h, --help         this help; `irqsight COMMAND --help` for a command\n"
		   "  -V, --version      print the version\n\n"
		   "Exit status of check: 0 healthy, 1 warning, 2 critical, 3 could not run.\n"
		   "See irqsight(8).\n");
}

int main(int argc, char **argv)
{
	struct global_opts g = { .root = "/", .color = COLOR_AUTO };
	static const struct option opts[] = {
		{ "root", required_argument, 0, 'r' },
		{ "json", no_argument, 0, 'j' },
		{ "color", optional_argument, 0, 'c' },
		{ "colour", optional_argument, 0, 'c' },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	int c;
	/* '+': stop at the first non-option, which is the command. */
	while ((c = getopt_long(argc, argv, "+r:jvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			g.root = optarg;
			g.root_given = true;
			break;
		case 'j':
			g.json = true;
			break;
		case 'c':
			if (!optarg || !strcmp(optarg, "always"))
				g.color = COLOR_ALWAYS;
			else if (!strcmp(optarg, "never"))
				g.color = COLOR_NEVER;
			else if (!strcmp(optarg, "auto"))
				g.color = COLOR_AUTO;
			else
				return err("--color takes auto, always or never, not '%s'", optarg);
			break;
		case 'v':
			g.verbose++;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("irqsight %s\n", IRQSIGHT_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	const char *name = optind < argc ? argv[optind] : "check";
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		int cargc = optind < argc ? argc - optind : 1;
		char *def[] = { (char *)"check", NULL };
		char **cargv = optind < argc ? argv + optind : def;
		optind = 0;	/* reset getopt for the command (glibc: 0 = full reinit) */
		return commands[i].fn(cargc, cargv, &g);
	}
	err("unknown command '%s'", name);
	usage(stderr);
	return EXIT_UNKNOWN;
}
