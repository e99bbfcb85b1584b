/*
 * The journal: before apply writes anything to the host it appends the file's
 * path, its old value and the new one to a journal file and fsyncs it (and, once,
 * its directory), so that `irqsight rollback` can restore the old values even when
 * apply was killed between two writes. One file per apply run, created on the first
 * write (a no-op apply leaves no journal behind):
 *
 *   DIR/journal-YYYYmmddTHHMMSS.uuuuuuZ-PID.txt
 *
 *   irqsight-journal 1
 *   started time=... pid=... command=apply root=/ plan=/etc/irqsight/plan
 *   set path=proc/irq/41/smp_affinity_list old=0-1 new=0 what="irq 41 virtio3-rx"
 *   ...
 *   done time=... written=N failed=M
 *   rollback time=... restored=N failed=M
 *
 * Paths are relative to the root recorded in "started". Same line syntax as plans
 * (parse/planfile.h).
 */
#ifndef IRQSIGHT_ACT_JOURNAL_H
#define IRQSIGHT_ACT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/compat.h"

struct arena;

struct journal {
	int fd;			/* -1 until created */
	char dir[4096];
	char path[4096];
	const char *root, *command, *plan;	/* for the "started" line */
};

/* Prepare (nothing is created yet). */
void journal_init(struct journal *j, const char *dir, const char *root, const char *command, const char *plan);
/* Record one intended write, durably (creates the file on first use). 0 or -errno. */
int journal_set(struct journal *j, const char *path, const char *old, const char *new_, const char *what);
/* Append a free-form keyword line with key=value pairs given as alternating strings, NULL-terminated. */
int journal_note(struct journal *j, const char *keyword, ...) __attribute__((sentinel));
void journal_close(struct journal *j);
/* Go on writing an existing journal (keep's corrections join the apply journal they
 * hold, act/keep.h): set lines are appended to path, never through a link. 0 or -errno. */
int journal_continue(struct journal *j, const char *path);
/* Append a line to an existing journal file (rollback's record). */
int journal_append_file(const char *path, const char *keyword, ...) __attribute__((sentinel));

struct journal_entry {
	const char *path, *old, *new_, *what;
	unsigned line;		/* in the journal file */
};

struct journal_data {
	int version;
	const char *root, *command, *plan, *started;
	struct journal_entry *v;
	int n;
	bool done;		/* apply finished (a "done" line) */
	int rollbacks;		/* "rollback" lines */
};

/*
 * Pure. -EINVAL with *err ("line N: ...") on a file that is not a journal, or holds any
 * malformed line: no 'started' line naming an absolute root= before the first set
 * line (a journal's root is never guessed), a set line without path=, old= or new=, a
 * path outside the write allow-list (act/allow.h), a value that is not a CPU set, an
 * unknown keyword. A torn last line (no newline: a crash while appending) is ignored.
 * Larger than PF_MAX_BYTES: refused. Memory: at most PF_MAX_MEM in the arena.
 */
int journal_parse(const char *buf, size_t len, struct arena *a, struct journal_data *out, const char **err);

/* The newest journal in dir that records at least one write, or that cannot be read
 * to tell (then rollback says why it cannot use it rather than rolling back an older
 * one); 0, -ENOENT or -errno. */
int journal_latest(const char *dir, struct arena *a, char **path);

/*
 * The state directory decides what rollback replays as root: one that another user owns
 * or can write could be handed a journal, or have one swapped for a link between the
 * read and the append. 0 when it is ours (or root's) and not writable by group or
 * others, or does not exist yet (it is then created 0700); else -EPERM/-ENOTDIR with
 * *why. journal_latest() and journal_lock() check it.
 */
int journal_dir_check(const char *dir, const char **why);
/*
 * Serialise the runs that write (apply --yes, rollback): an flock(2) on DIR/lock, held
 * until *fd is closed (exit). -EBUSY with *why when another run holds it; the directory
 * is checked and created first.
 */
int journal_lock(const char *dir, int *fd, const char **why);

#endif
