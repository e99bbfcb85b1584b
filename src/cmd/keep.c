/* irqsight keep: hold a plan in force (act/keep.h): options, signals and the event loop. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "act/keep.h"
#include "act/persist.h"
#include "act/plan.h"
#include "cmd/cmd.h"
#include "cmd/notify.h"
#include "model/host.h"
#include "source/netlink.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"

static const struct notify_ops *notify_ops;

void notify_register(const struct notify_ops *ops)
{
	notify_ops = ops;
}

bool keep_can_notify(void)
{
	return notify_ops != NULL;
}

static void notify(const char *state)
{
	if (notify_ops)
		notify_ops->notify(state);
}

static void keep_usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] keep [--verify SEC] [--debounce MS] [--contest-max N]\n"
		   "                     [--contest-window MIN] [--state-dir DIR] [--no-watch] [PLAN]\n\n"
		   "Holds a plan in force: applies it (journaled, as apply --yes), then re-resolves it after\n"
		   "every link change and driver event (netlink) and reads every held value back each\n"
		   "--verify seconds, writing back only what drifted. A write by another process to a held\n"
		   "file is seen as it happens (fanotify) and undone at once, its writer named. An IRQ\n"
		   "someone else rewrites more than N times in MIN minutes is left to them and reported\n"
		   "(check: keep-contested). PLAN is /" PERSIST_PLAN " by default. SIGHUP reloads\n"
		   "the plan, SIGUSR1 verifies now, SIGTERM exits and leaves the plan in place.\n"
		   "See docs/keep.md.\n\n"
		   "      --verify SEC          read-back period (default 10)\n"
		   "      --debounce MS         wait after an event for more (default 100)\n"
		   "      --contest-max N       rewrites by others tolerated (default 5)\n"
		   "      --contest-window MIN  ... within this many minutes (default 10)\n"
		   "      --state-dir DIR       journals and keep.state (default $IRQSIGHT_STATE_DIR or "
		   "/var/lib/irqsight)\n"
		   "      --no-watch            do not watch writes: drift is found by the read-back only,\n"
		   "                            its writer unknown\n");
}

struct keep_cli {
	double verify, debounce;
	int contest_max, contest_window;
	const char *state, *plan_path;
	bool no_watch;
};

static int parse_opts(int argc, char **argv, struct keep_cli *o)
{
	static const struct option opts[] = {
		{ "verify", required_argument, 0, 'v' },
		{ "debounce", required_argument, 0, 'd' },
		{ "contest-max", required_argument, 0, 'm' },
		{ "contest-window", required_argument, 0, 'w' },
		{ "state-dir", required_argument, 0, 's' },
		{ "no-watch", no_argument, 0, 'n' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	*o = (struct keep_cli){ 10, 100, 5, 10, NULL, "/" PERSIST_PLAN, false };
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o->verify = strtod(optarg, &end);
			if (*end || !(o->verify >= 0.05 && o->verify <= 86400))
				return err("--verify takes seconds from 0.05 to 86400, not '%s'", optarg);
			break;
		case 'd':
			o->debounce = strtod(optarg, &end);
			if (*end || !(o->debounce >= 0 && o->debounce <= 900))
				return err("--debounce takes milliseconds from 0 to 900, not '%s'", optarg);
			break;
		case 'm':
			o->contest_max = (int)strtol(optarg, &end, 10);
			if (*end || o->contest_max < 1 || o->contest_max >= KEEP_MAX_HITS)
				return err("--contest-max takes 1 to %d, not '%s'", KEEP_MAX_HITS - 1, optarg);
			break;
		case 'w':
			o->contest_window = (int)strtol(optarg, &end, 10);
			if (*end || o->contest_window < 1 || o->contest_window > 1440)
				return err("--contest-window takes minutes from 1 to 1440, not '%s'", optarg);
			break;
		case 's': o->state = optarg; break;
		case 'n': o->no_watch = true; break;
		case 'h': keep_usage(stdout); return -1;
		default: keep_usage(stderr); return EXIT_UNKNOWN;
		}
	}
	if (optind + 1 < argc) {
		keep_usage(stderr);
		return EXIT_UNKNOWN;
	}
	if (optind < argc)
		o->plan_path = argv[optind];
	return 0;
}

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "irqsight keep: %s\n", line);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read the plan and check it fits this host: 0 or the exit code after saying why. */
static int load_plan(const char *path, const struct source *src, struct arena *a, struct plan *p)
{
	struct buf text = { 0 };
	int rc = act_read_plan(path, a, p, &text);
	buf_free(&text);
	if (rc)
		return rc;
	struct host h;
	struct host_opts ho = { .skip_vms = true };
	int r = host_build(&h, src, &ho);
	if (r)
		return err("cannot read the host under '%s': %s", src->root, strerror(-r));
	const char *why = NULL;
	rc = plan_matches_host(p, &h, a, &why) ? 0
					       : err("refusing plan '%s': %s (make a plan on this host)", path, why);
	host_free(&h);
	return rc;
}

static int open_signals(void)
{
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	return signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
}

static enum keep_reason reason_of(enum nl_kind k)
{
	return k == NL_LINK_UP ? KEEP_LINK_UP : k == NL_DRIVER ? KEEP_DRIVER_REBIND : KEEP_VERIFY;
}

struct loop {
	struct keep k;
	struct nl_sockets nl;
	int sfd;
	struct keep_cli o;
	const struct source *src;
	struct arena plan_arena;
	struct plan plan;
};

/* SIGHUP: the plan file again; a plan that cannot be used leaves the old one held. */
static void reload(struct loop *l)
{
	struct arena a = { 0 };
	struct plan p;
	if (load_plan(l->o.plan_path, l->src, &a, &p)) {
		log_line(NULL, "reload: keeping the plan held so far");
		arena_free(&a);
		return;
	}
	struct keep_opts ko = l->k.o;
	keep_free(&l->k);
	arena_free(&l->plan_arena);
	l->plan_arena = a;
	l->plan = p;
	keep_init(&l->k, l->src, &l->plan, &ko);
	log_line(NULL, "reloaded the plan");
	keep_resolve(&l->k, KEEP_VERIFY, "reload");
	keep_write_state(&l->k);
}

/* One signal: 1 to stop, 0 to go on. */
static int on_signal(struct loop *l)
{
	struct signalfd_siginfo si;
	while (read(l->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			return 1;
		if (si.ssi_signo == SIGHUP) {
			notify("RELOADING=1");
			reload(l);
			notify("READY=1");
		} else if (si.ssi_signo == SIGUSR1) {
			keep_verify(&l->k);
			keep_write_state(&l->k);
		}
	}
	return 0;
}

static void run_loop(struct loop *l)
{
	uint64_t wd = notify_ops ? notify_ops->watchdog_usec() : 0;
	double wd_period = wd ? (double)wd / 2e6 : 0, next_wd = wd ? now_s() + wd_period : INFINITY;
	double next_verify = now_s() + l->o.verify, due = INFINITY;
	struct nl_event pending = { 0 };
	for (;;) {
		double t = now_s();
		double until = fmin(fmin(next_verify, due), next_wd) - t;
		int ms = until <= 0 ? 0 : (int)ceil(until * 1000);
		struct pollfd pf[4] = { { l->sfd, POLLIN, 0 },
					{ l->nl.uevent, POLLIN, 0 },
					{ l->nl.route, POLLIN, 0 },
					{ keep_watch_fd(&l->k), POLLIN, 0 } };
		int n = poll(pf, 4, ms);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pf[0].revents & POLLIN) && on_signal(l))
			return;
		/* A write by another process: undone now, not at the next verify. */
		if (n > 0 && (pf[3].revents & POLLIN)) {
			keep_watch(&l->k);
			if (l->k.resolve_needed)
				keep_resolve(&l->k, KEEP_VERIFY, "a held file changed or vanished");
			keep_write_state(&l->k);
		}
		for (int i = 1; i < 3; i++) {
			if (n <= 0 || !(pf[i].revents & POLLIN))
				continue;
			struct nl_event ev = { 0 };
			int r = nl_read(&l->nl, pf[i].fd, &ev);
			if (r == -ENOBUFS)	/* events lost: look at everything */
				ev = (struct nl_event){ NL_DRIVER, "netlink overrun" };
			if (ev.kind == NL_NONE)
				continue;
			if (reason_of(ev.kind) >= reason_of(pending.kind) || pending.kind == NL_NONE)
				pending = ev;
			/* Debounced from the first event of a burst, never pushed back: the
			 * correction stays within a second of the event. */
			if (due == INFINITY)
				due = now_s() + l->o.debounce / 1000;
		}
		t = now_s();
		if (t >= due) {
			keep_resolve(&l->k, reason_of(pending.kind), pending.what);
			keep_write_state(&l->k);
			due = INFINITY;
			pending = (struct nl_event){ 0 };
		}
		if (t >= next_verify) {
			keep_verify(&l->k);
			if (l->k.resolve_needed)
				keep_resolve(&l->k, KEEP_VERIFY, "a held file changed or vanished");
			keep_write_state(&l->k);
			next_verify = now_s() + l->o.verify;
		}
		if (t >= next_wd) {
			notify("WATCHDOG=1");
			next_wd = t + wd_period;
		}
	}
}

int cmd_keep(int argc, char **argv, const struct global_opts *g)
{
	struct loop l;
	memset(&l, 0, sizeof(l));
	int rc = parse_opts(argc, argv, &l.o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	struct source *src = cmd_root(g);	/* the runner closes it */
	if (!src)
		return EXIT_UNKNOWN;
	l.src = src;
	if ((rc = cmd_need_root_user(src->is_live, "keep writes IRQ affinity", "or on a copy with --root")))
		return rc;
	if ((rc = load_plan(l.o.plan_path, src, &l.plan_arena, &l.plan))) {
		arena_free(&l.plan_arena);
		return rc;
	}
	/* One fd per held file for a cheap read-back: as many as the hard limit allows. */
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	l.sfd = open_signals();
	int r = nl_open(&l.nl);
	if (r)
		warn("no netlink events (%s): keep only verifies every %g s", strerror(-r), l.o.verify);
	struct keep_opts ko = { .contest_max = l.o.contest_max,
				.contest_window = l.o.contest_window * 60,
				.state_dir = act_state_dir(l.o.state),
				.plan_path = l.o.plan_path,
				.no_watch = l.o.no_watch,
				.log = log_line };
	/* Tests: the marks limit reached after N files (tests/stages/74-keep.sh). */
	const char *fault = getenv("IRQSIGHT_FAULT_MARKS");
	if (fault)
		ko.fault_marks = atoi(fault);
	keep_init(&l.k, src, &l.plan, &ko);
	fprintf(stderr,
		"irqsight keep: plan %s, root %s, verify %g s, contested after %d rewrites in %d min, state %s\n",
		l.o.plan_path, src->root, l.o.verify, l.o.contest_max, l.o.contest_window, l.k.state_path);
	keep_resolve(&l.k, KEEP_VERIFY, NULL);
	keep_write_state(&l.k);
	notify("READY=1\nSTATUS=holding the plan");
	run_loop(&l);
	notify("STOPPING=1");
	log_line(NULL, "stopping; the plan stays in force");
	keep_write_state(&l.k);
	keep_free(&l.k);
	nl_close(&l.nl);
	if (l.sfd >= 0)
		close(l.sfd);
	arena_free(&l.plan_arena);
	return EXIT_OK;
}
