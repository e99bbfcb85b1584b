/*
 * keep: hold a plan in force while the host changes under it (docs/keep.md). The
 * correction logic of `irqsight keep`; cmd/keep.c is the loop around it and
 * source/netlink.h the events that wake it.
 *
 *  - keep_resolve(): re-resolve the plan by names against a fresh host model, exactly
 *    as apply does (act_resolve), and write what drifted (act_run): on start, SIGHUP,
 *    and after a uevent or link change.
 *  - keep_watch(): a write to a held file, seen as it happens (source/fanotify.h: a
 *    FAN_MODIFY mark on every held fd): that file is read back at once and, when it
 *    drifted, written back with reason foreign-write and the writer as seen (comm and
 *    pid). Writes by keep itself are not events.
 *  - keep_verify(): the cheap read-back of every value held (one pread per file on an
 *    fd kept open); what someone else rewrote is written back, unless that IRQ is
 *    contested: rewritten by others more than contest_max times in contest_window
 *    seconds, it is left alone and named in keep.state (parse/keepstate.h). A drift the
 *    read-back finds has no writer seen: it is logged as "unknown" (with hints, never
 *    a guess stated as the writer).
 *
 * Journal: corrections join the journal of the apply whose plan is held (the newest
 * journal of the state directory that wrote something, for the same root, not rolled
 * back); without one keep's first write creates a journal of its own (command=keep). A
 * correction's old= is the value the file had when keep first saw it, not the foreign
 * value it overwrites: rollback keeps the first recorded old value of each file, so it
 * restores the state before the first apply exactly (docs/keep.md). A journal rolled
 * back while keep runs stops keep's writes until it is reloaded.
 * Kernel-managed IRQs are never written (told once each).
 */
#ifndef IRQSIGHT_ACT_KEEP_H
#define IRQSIGHT_ACT_KEEP_H

#include <stdbool.h>
#include <time.h>

#include "act/journal.h"
#include "parse/keepstate.h"
#include "source/fanotify.h"
#include "util/arena.h"
#include "util/cpuset.h"

struct plan;
struct source;

#define KEEP_MAX_HITS 64	/* contest_max is at most KEEP_MAX_HITS - 1 */

struct keep_opts {
	int contest_max;	/* rewrites by others tolerated within the window (default 5) */
	int contest_window;	/* seconds (default 600) */
	const char *state_dir;	/* journals and keep.state */
	const char *plan_path;	/* for the journal's started line */
	bool no_watch;		/* no write watcher: writers unknown, drift found by the read-back */
	int fault_marks;	/* tests: marks refused past this many (as past max_user_marks), 0 none */
	/* One line per correction or event, without a newline. */
	void (*log)(void *ctx, const char *line);
	void *ctx;
};

struct keep_item;

struct keep {
	struct keep_opts o;
	const struct source *src;
	const struct plan *p;
	struct arena a;			/* items, for keep's lifetime */
	struct keep_item *v;
	int n, cap;
	int *hash;			/* open addressing over v by path, -1 empty */
	int hcap;
	bool resolved_once;
	struct journal j;
	bool journal_chosen;
	bool stopped;			/* the journal was rolled back: hold nothing */
	bool resolve_needed;		/* a held file vanished: re-resolve */
	struct fanwatch w;		/* the write watcher; w.fd -1 when none */
	bool watching;
	bool marks_told;		/* a mark refused (the marks limit): said once */
	bool overflow_told;
	struct keep_state st;		/* counters, as written to keep.state */
	char state_path[4096];
};

void keep_init(struct keep *k, const struct source *src, const struct plan *p, const struct keep_opts *o);
void keep_free(struct keep *k);
/* reason: why the plan is re-resolved (KEEP_VERIFY at start and reload); event: what
 * happened, for the log ("eth0 up"), or NULL. 0, or -errno when nothing could be done
 * (host unreadable, journal not writable, the state directory locked: try again). */
int keep_resolve(struct keep *k, enum keep_reason reason, const char *event);
/* Read back every held value and restore what drifted. 0 or -errno as above. */
int keep_verify(struct keep *k);
/* The watcher's fd to poll, -1 when writes are not watched. */
int keep_watch_fd(const struct keep *k);
/* The writes seen since the last call: each file written by another process is read
 * back and restored when it drifted. 0 or -errno as above. */
int keep_watch(struct keep *k);
/* keep.state in the state directory. */
int keep_write_state(struct keep *k);
/*
 * The writer of a held file (path, relative to the root) as seen: pid > 0 is the process
 * the watcher saw writing: "irqbalance (pid N)", "tuned (pid N, profile P)", "COMM (pid
 * N)" or "pid N (exited)". pid 0: none was seen, "unknown", and *hint says what runs
 * that may be it ("irqbalance is running (pid N)") or NULL. *advice: how to stop it
 * (arena strings).
 */
const char *keep_writer(const struct source *src, struct arena *a, int pid, const char *path, const char **advice,
			const char **hint);

#endif
