/*
 * fix's automatic undo: a small detached process that holds the --confirm deadline and
 * rolls the change back from its apply journal unless the fix is confirmed first.
 *
 * It is a double fork of irqsight (no exec): the middle child calls setsid(), forks the
 * guardian and exits, so the guardian belongs to no terminal and no session of the
 * user's, is re-parented to init, ignores SIGHUP/SIGINT/SIGPIPE and holds no fd of its
 * parent's but its own. SIGKILL of irqsight, a closed ssh session or a killed shell leave
 * it running. Its files, in the state directory (IRQSIGHT_STATE_DIR, /var/lib/irqsight):
 *
 *   fix-guardian.pid   its pid (while it runs)
 *   fix-pending        pid=, journal=, deadline= (Unix seconds), confirm= (seconds),
 *                      root=: what it guards (while it runs)
 *   fix-request        "confirm" or "abort", written by `irqsight fix --confirm/--abort`
 *                      (any process), read and removed by the guardian
 *   fix-last           outcome= (confirmed, rolled-back), reason= (confirm, abort,
 *                      deadline, parent-died), journal=, restored=, failed=, time=: what
 *                      it did last (kept)
 *
 * The hand-over: the guardian is started before apply writes anything and waits on a
 * pipe for the journal's path. When the pipe closes without one (irqsight died during
 * the apply), it rolls back at once the newest journal that irqsight's pid wrote; "none"
 * (nothing was written) ends it. So there is no moment after the first write at which a
 * kill leaves the change without its undo.
 */
#ifndef IRQSIGHT_ACT_GUARDIAN_H
#define IRQSIGHT_ACT_GUARDIAN_H

#include <stdbool.h>
#include <sys/types.h>

#define GUARD_PIDFILE "fix-guardian.pid"
#define GUARD_PENDING "fix-pending"
#define GUARD_REQUEST "fix-request"
#define GUARD_LAST "fix-last"

struct guardian {
	pid_t pid;	/* the guardian */
	int fd;		/* the pipe to it, until guard_arm() */
	char dir[4096];
};

struct guard_state {
	pid_t pid;
	long long deadline;	/* Unix seconds */
	double confirm_s;
	char journal[4096];
	char root[4096];
};

struct guard_result {
	char outcome[32];	/* "confirmed", "rolled-back" */
	char reason[32];	/* "confirm", "abort", "deadline", "parent-died" */
	char journal[4096];
	int restored, failed;
	long long time;
};

/*
 * Start the guardian for a fix in state_dir (absolute, existing) that will be confirmed
 * within confirm_s seconds of guard_arm(). Returns 0 once the guardian runs (its pid in
 * g->pid), or -errno; -EBUSY when a guardian of an earlier fix still runs.
 */
int guard_start(struct guardian *g, const char *state_dir, double confirm_s);
/* Hand the guardian the apply journal's absolute path (NULL: nothing was written, it
 * ends). Its deadline starts now. 0 or -errno (-EPIPE: it is gone). */
int guard_arm(struct guardian *g, const char *journal);
/* The pending fix: 0, -ENOENT when none (or its guardian is gone), -errno. */
int guard_pending(const char *state_dir, struct guard_state *st);
/*
 * Ask the pending fix's guardian to "confirm" or "abort" (roll back now) and wait up to
 * wait_s for it to finish; its record in *res. 0, -ENOENT nothing pending, -ETIMEDOUT.
 */
int guard_request(const char *state_dir, const char *what, double wait_s, struct guard_result *res);
/* The last outcome recorded in state_dir: 0 or -errno. */
int guard_last(const char *state_dir, struct guard_result *res);
/* Roll back every value of a journal (the guardian's undo; `irqsight rollback` without
 * output): 0 or -errno, counts in *restored and *failed. */
int guard_rollback(const char *journal, int *restored, int *failed);

#endif
