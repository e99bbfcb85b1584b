#include "act/keep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/allow.h"
#include "act/apply.h"
#include "act/plan.h"
#include "model/host.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/str.h"

/* One file keep holds: an IRQ's smp_affinity_list, default_smp_affinity or rps_cpus. */
struct keep_item {
	const char *path;	/* relative to the root */
	enum act_kind kind;
	bool is_mask;
	int nbits;
	int irq;
	const char *name, *dev;
	struct cpuset want;
	const char *want_text;
	const char *baseline;	/* the value before irqsight held it (journal old=) */
	int fd;			/* open for the read-back, -1 */
	int sib;		/* an IRQ's smp_affinity (the mask) beside its _list, open to be watched, -1 */
	bool present;		/* in the last resolution, to be held */
	bool managed_told;
	bool contested;
	const char *writer, *advice;
	const char *found;	/* keep_verify(): the other value read back (its arena) */
	bool marked;		/* watched for writes (fw_mark) */
	int seen_pid;		/* the last other process seen writing it, not yet handled */
	int last_pid;		/* ... since keep last wrote it (a correction that could not run) */
	time_t hits[KEEP_MAX_HITS];	/* when others rewrote it, oldest first */
	int nhits;
};

static void say(struct keep *k, const char *fmt, ...) PRINTF(2, 3);
static void say(struct keep *k, const char *fmt, ...)
{
	if (!k->o.log)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	k->o.log(k->o.ctx, line);
}

void keep_init(struct keep *k, const struct source *src, const struct plan *p, const struct keep_opts *o)
{
	memset(k, 0, sizeof(*k));
	k->o = *o;
	k->src = src;
	k->p = p;
	snprintf(k->state_path, sizeof(k->state_path), "%s/keep.state", o->state_dir);
	k->j.fd = -1;
	k->st.pid = (int)getpid();
	k->st.started = time(NULL);
	k->w.fd = -1;
	int r = o->no_watch ? 0 : fw_open(&k->w);
	k->watching = !o->no_watch && !r;
	if (o->no_watch)
		say(k, "writes not watched (--no-watch): drift is found by the read-back, its writer unknown");
	else if (r)
		say(k, "writes not watched (fanotify: %s): drift is found by the read-back, its writer unknown",
		    strerror(-r));
}

void keep_free(struct keep *k)
{
	for (int i = 0; i < k->n; i++) {
		if (k->v[i].fd >= 0)
			close(k->v[i].fd);
		if (k->v[i].sib >= 0)
			close(k->v[i].sib);
	}
	fw_close(&k->w);
	k->watching = false;
	journal_close(&k->j);
	free(k->v);
	free(k->hash);
	arena_free(&k->a);
	k->v = NULL;
	k->hash = NULL;
	k->n = k->cap = k->hcap = 0;
}

/* ---------------------------------------------------------------- items by path */

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void rehash(struct keep *k)
{
	free(k->hash);
	k->hcap = k->hcap ? k->hcap * 2 : 1024;
	k->hash = malloc((size_t)k->hcap * sizeof(int));
	if (!k->hash)
		arena_oom((size_t)k->hcap * sizeof(int));
	memset(k->hash, 0xff, (size_t)k->hcap * sizeof(int));
	for (int i = 0; i < k->n; i++) {
		unsigned h = hash_str(k->v[i].path) & (unsigned)(k->hcap - 1);
		while (k->hash[h] >= 0)
			h = (h + 1) & (unsigned)(k->hcap - 1);
		k->hash[h] = i;
	}
}

static struct keep_item *find_item(struct keep *k, const char *path)
{
	if (!k->hcap)
		return NULL;
	unsigned h = hash_str(path) & (unsigned)(k->hcap - 1);
	for (; k->hash[h] >= 0; h = (h + 1) & (unsigned)(k->hcap - 1))
		if (!strcmp(k->v[k->hash[h]].path, path))
			return &k->v[k->hash[h]];
	return NULL;
}

static struct keep_item *add_item(struct keep *k, const char *path)
{
	if (k->n == k->cap) {
		int nc = k->cap ? k->cap * 2 : 256;
		struct keep_item *v = realloc(k->v, (size_t)nc * sizeof(*v));
		if (!v)
			arena_oom((size_t)nc * sizeof(*v));
		k->v = v;
		k->cap = nc;
	}
	struct keep_item *it = &k->v[k->n++];
	memset(it, 0, sizeof(*it));
	it->path = arena_strdup(&k->a, path);
	it->fd = it->sib = -1;
	it->irq = -1;
	if (k->n * 2 > k->hcap)
		rehash(k);
	else {
		unsigned h = hash_str(path) & (unsigned)(k->hcap - 1);
		while (k->hash[h] >= 0)
			h = (h + 1) & (unsigned)(k->hcap - 1);
		k->hash[h] = k->n - 1;
	}
	return it;
}

static char *dup_or_null(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

/* ---------------------------------------------------------------- the writer */

/* The pid of a process named comm in the host's process list (under the root), or 0. */
static int running(const struct source *src, struct arena *a, const char *comm)
{
	char **names;
	size_t n;
	int pid = 0;
	if (src_list(src, a, "proc", &names, &n))
		return 0;
	for (size_t i = 0; i < n && !pid; i++) {
		uint64_t x;
		if (!str_u64(names[i], 10, &x))
			continue;
		struct buf b = { 0 };
		if (!src_readf(src, &b, 64, "proc/%s/comm", names[i]) && b.data &&
		    slice_eq(slice_trim((struct slice){ b.data, b.len }), comm))
			pid = (int)x;
		buf_free(&b);
	}
	return pid;
}

#define BAN_ADVICE                                                                                     \
	"irqsight persist bans the plan's IRQs from irqbalance "                                       \
	"(IRQBALANCE_ARGS=--policyscript=/etc/irqsight/irqbalance-policy, and "                        \
	"IRQBALANCE_BANNED_CPULIST for the VM CPUs): re-run irqsight persist, then systemctl restart " \
	"irqbalance"

/* keep_writer() with irqbalance's pid (ib, 0 when not running) looked up by the caller. */
static const char *name_writer(const struct source *src, struct arena *a, int pid, int ib, const char *path,
			       const char **advice, const char **hint)
{
	char comm[64], cmd[96];
	*hint = NULL;
	if (pid > 0 && fw_task(pid, comm, sizeof(comm), cmd, sizeof(cmd))) {
		*advice = arena_printf(a,
				       "the writer exited before it could be named: find what starts it "
				       "(auditctl -w /%s -p w) and stop it, or leave this IRQ out of the plan",
				       path);
		return arena_printf(a, "pid %d (exited)", pid);
	}
	if (pid > 0 && !strcmp(comm, "irqbalance")) {
		*advice = BAN_ADVICE;
		return arena_printf(a, "irqbalance (pid %d)", pid);
	}
	if (pid > 0 && !strcmp(comm, "tuned")) {
		struct buf b = { 0 };
		const char *prof = NULL;
		if (!src_read(src, "etc/tuned/active_profile", &b, 256) && b.data) {
			struct slice s = slice_trim((struct slice){ b.data, b.len });
			prof = s.n ? arena_strndup(a, s.p, s.n) : NULL;
		}
		buf_free(&b);
		*advice = arena_printf(a,
				       "tuned's profile %s sets IRQ affinity (its irqbalance or scheduler plugin): "
				       "switch to a profile without it (tuned-adm profile ...) or tuned-adm off",
				       prof ? prof : "(unknown)");
		return arena_printf(a, "tuned (pid %d, profile %s)", pid, prof ? prof : "unknown");
	}
	if (pid > 0) {
		*advice = arena_printf(a, "stop %s (pid %d: %s) writing /%s, or leave this IRQ out of the plan", comm,
				       pid, cmd[0] ? cmd : comm, path);
		return arena_printf(a, "%s (pid %d)", comm, pid);
	}
	/* Nobody was seen writing: say what runs, never as the writer. */
	if (ib) {
		*hint = arena_printf(a, "irqbalance is running (pid %d)", ib);
		*advice = arena_printf(
			a,
			"the writer was not seen; irqbalance is running (pid %d) and may be it: " BAN_ADVICE
			"; otherwise find the writer (auditctl -w /%s -p w)",
			ib, path);
	} else {
		*advice = arena_printf(a,
				       "find the writer (auditctl -w /%s -p w) and stop it, or leave this IRQ out of "
				       "the plan",
				       path);
	}
	return "unknown";
}

const char *keep_writer(const struct source *src, struct arena *a, int pid, const char *path, const char **advice,
			const char **hint)
{
	return name_writer(src, a, pid, pid > 0 ? 0 : running(src, a, "irqbalance"), path, advice, hint);
}

/* ---------------------------------------------------------------- journal */

/*
 * Before a pass that may write: the journal it joins (see keep.h), under the state
 * directory's lock (*lock, closed by the caller). -EBUSY while apply or rollback runs.
 */
static int journal_ready(struct keep *k, int *lock)
{
	const char *why = NULL;
	int r = journal_lock(k->o.state_dir, lock, &why);
	if (r && (r == -EBUSY || why)) {
		if (r != -EBUSY)
			say(k, "state directory '%s': %s", k->o.state_dir, why);
		return r;
	}
	struct arena a = { 0 };
	const char *path = k->j.fd >= 0 ? k->j.path : NULL;
	char *latest = NULL;
	if (!path && !k->journal_chosen && !journal_latest(k->o.state_dir, &a, &latest))
		path = latest;
	if (path) {
		struct buf b = { 0 };
		struct journal_data jd;
		const char *jwhy;
		bool usable = !buf_read_file(&b, path, PF_MAX_BYTES) && !journal_parse(b.data, b.len, &a, &jd, &jwhy) &&
			      jd.root && !strcmp(jd.root, k->src->root);
		buf_free(&b);
		/* The journal keep was appending to, rolled back since: the operator undid the
		 * plan, and keep does not fight that. At start a rolled-back newest journal is
		 * history: keep's first write starts a journal of its own. */
		if (usable && jd.rollbacks > 0) {
			if (k->j.fd >= 0) {
				say(k,
				    "journal %s was rolled back: holding nothing until reloaded (SIGHUP) or restarted",
				    path);
				k->stopped = true;
				journal_close(&k->j);
				arena_free(&a);
				return -ECANCELED;
			}
		} else if (usable && k->j.fd < 0 && !journal_continue(&k->j, path)) {
			say(k, "corrections join journal %s", path);
		}
	}
	k->journal_chosen = true;
	if (k->j.fd < 0 && !k->j.dir[0])
		journal_init(&k->j, k->o.state_dir, k->src->root, "keep", k->o.plan_path);
	arena_free(&a);
	return 0;
}

/* ---------------------------------------------------------------- corrections */

static void log_op(struct keep *k, const struct act_op *op, enum keep_reason reason, const char *event,
		   const char *writer)
{
	char what[256];
	if (op->irq >= 0)
		snprintf(what, sizeof(what), "irq %d %s%s%s", op->irq, op->name ? op->name : "", op->dev ? " " : "",
			 op->dev ? op->dev : "");
	else
		snprintf(what, sizeof(what), "%s", op->name ? op->name : op->path);
	if (op->status == ACT_DONE)
		say(k, "corrected %s: %s -> %s reason=%s%s%s%s%s", what, op->old ? op->old : "?", op->want_text,
		    keep_reason_name(reason), event ? " event=\"" : "", event ? event : "", event ? "\"" : "",
		    writer ? writer : "");
	else if (op->status == ACT_FAILED)
		say(k, "cannot correct %s (reason=%s): %s%s%s", what, keep_reason_name(reason),
		    op->err ? strerror(-op->err) : "", op->err ? ": " : "", op->why ? op->why : "");
}

/* Run ops (their journal_old and note set) under the lock; count and log what was written. */
static int run_ops(struct keep *k, struct act_list *ops, const enum keep_reason *reasons, const char *event,
		   const char *const *writers, struct arena *a)
{
	int lock = -1;
	if (k->stopped)
		return -ECANCELED;
	int r = journal_ready(k, &lock);
	if (r) {
		if (lock >= 0)
			close(lock);
		return r;
	}
	struct act_opts ao = { 0 };
	r = act_run(k->src, ops, &ao, &k->j, a);
	if (lock >= 0)
		close(lock);
	if (r && ops->refused >= 0) {
		say(k, "refusing to write '%s': %s", ops->v[ops->refused].path, ops->refused_why);
		return r;
	}
	if (r) {
		say(k, "cannot write the journal in '%s': %s; nothing more written", k->j.dir, strerror(-r));
		return r;
	}
	for (int i = 0; i < ops->n; i++) {
		struct act_op *op = &ops->v[i];
		if (op->status == ACT_DONE)
			k->st.corrections[reasons[i]]++;
		log_op(k, op, reasons[i], event, writers ? writers[i] : NULL);
	}
	return 0;
}

/* One mark for the item's key on fd: 0, or -errno said once (past the marks limit the
 * rest are read back only). */
static int mark(struct keep *k, struct keep_item *it, int fd, const char *path)
{
	int r = k->o.fault_marks && k->w.nmarks >= k->o.fault_marks ? -ENOSPC : fw_mark(&k->w, fd, (int)(it - k->v));
	if (!r)
		return 0;
	if (!k->marks_told)
		say(k,
		    "writes to %s not watched (fanotify mark: %s%s): %d file(s) watched; the rest are checked "
		    "by the read-back only, their writer unknown",
		    path, strerror(-r), r == -ENOSPC ? ", fs.fanotify.max_user_marks reached" : "", k->w.nmarks);
	k->marks_told = true;
	return r;
}

/*
 * A held file is watched for writes. An IRQ's mask file too: irqbalance, tuned and most
 * scripts write smp_affinity, not the smp_affinity_list keep holds (another inode, so
 * another mark, reported under the same key).
 */
/* An IRQ's held smp_affinity_list has its mask file beside it (sib, the path without
 * "_list"); false for other files. */
static bool has_sib(const struct keep_item *it, char *sib, size_t n)
{
	size_t len = strlen(it->path), l = strlen("_list");
	if (it->kind != ACT_IRQ || len <= l || strcmp(it->path + len - l, "_list"))
		return false;
	snprintf(sib, n, "%.*s", (int)(len - l), it->path);
	return true;
}

/* Every file a writer could change it through is marked: no event means no write. */
static bool fully_watched(const struct keep_item *it)
{
	char sib[256];
	return it->marked && (it->sib >= 0 || !has_sib(it, sib, sizeof(sib)));
}

static void watch(struct keep *k, struct keep_item *it)
{
	if (!k->watching || it->fd < 0 || it->marked)
		return;
	if (mark(k, it, it->fd, it->path))
		return;
	it->marked = true;
	char sib[256];
	if (!has_sib(it, sib, sizeof(sib)))
		return;
	const char *why;
	int fd = act_open_checked(k->src, sib, O_RDONLY, &why);
	if (fd < 0)
		return;
	if (mark(k, it, fd, sib)) {
		close(fd);
		return;
	}
	it->sib = fd;
}

static void hold(struct keep *k, struct keep_item *it)
{
	if (it->fd >= 0 || !it->want_text)
		return;
	const char *why;
	int fd = act_open_checked(k->src, it->path, O_RDONLY, &why);
	it->fd = fd >= 0 ? fd : -1;
	watch(k, it);
}

static void release(struct keep *k, struct keep_item *it)
{
	if (it->marked && it->fd >= 0)
		fw_unmark(&k->w, it->fd);
	if (it->sib >= 0) {
		fw_unmark(&k->w, it->sib);
		close(it->sib);
	}
	it->sib = -1;
	it->marked = false;
	if (it->fd >= 0)
		close(it->fd);
	it->fd = -1;
}

/* An op of the resolution becomes (or updates) the item that holds its file. */
static struct keep_item *item_for(struct keep *k, const struct act_op *op, bool *is_new)
{
	struct keep_item *it = find_item(k, op->path);
	*is_new = !it;
	if (!it)
		it = add_item(k, op->path);
	it->kind = op->kind;
	it->is_mask = op->is_mask;
	it->nbits = op->nbits;
	if (it->irq != op->irq || !it->name || (op->name && strcmp(it->name, op->name))) {
		it->irq = op->irq;
		it->name = dup_or_null(&k->a, op->name);
		it->dev = dup_or_null(&k->a, op->dev);
	}
	if (op->want_text && (!it->want_text || strcmp(it->want_text, op->want_text))) {
		it->want_text = arena_strdup(&k->a, op->want_text);
		cpuset_copy(&it->want, &k->a, &op->want);
	}
	return it;
}

static bool still_held(struct keep *k, struct keep_item *it, char *buf, size_t n, struct arena *a, bool *gone);

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

int keep_resolve(struct keep *k, enum keep_reason reason, const char *event)
{
	if (k->stopped)
		return 0;
	struct timespec w0, c0;
	clock_gettime(CLOCK_MONOTONIC, &w0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	struct host h;
	struct host_opts ho = { .skip_vms = true };
	int r = host_build(&h, k->src, &ho);
	if (r) {
		say(k, "cannot read the host under '%s': %s", k->src->root, strerror(-r));
		return r;
	}
	struct arena a = { 0 };
	struct act_list ops;
	act_resolve(k->p, &h, k->src, &a, &ops);
	for (int i = 0; i < k->n; i++)
		k->v[i].present = false;
	enum keep_reason *reasons = arena_calloc(&a, (size_t)(ops.n ? ops.n : 1), sizeof(*reasons));
	/* Indices, not pointers: adding items may move k->v. */
	int *items = arena_calloc(&a, (size_t)(ops.n ? ops.n : 1), sizeof(*items));
	int held = 0;
	char rb[4096];
	for (int i = 0; i < ops.n; i++) {
		struct act_op *op = &ops.v[i];
		reasons[i] = reason;
		items[i] = -1;
		if (!op->path)
			continue;
		bool is_new;
		if (op->status == ACT_MANAGED) {
			struct keep_item *it = item_for(k, op, &is_new);
			if (!it->managed_told)
				say(k, "irq %d %s: never written: %s", op->irq, op->name ? op->name : "", op->why);
			it->managed_told = true;
			continue;
		}
		if (op->status != ACT_PENDING)
			continue;
		struct keep_item *it = item_for(k, op, &is_new);
		items[i] = (int)(it - k->v);
		it->present = true;
		held++;
		/* An IRQ file keep has not held before, after the first resolution: a new
		 * IRQ of a planned device (a re-requested vector, a new queue or VF). */
		if (is_new && k->resolved_once && op->kind == ACT_IRQ)
			reasons[i] = KEEP_NEW_IRQ;
		if (it->contested) {
			op->status = ACT_SKIPPED;
			op->why = "contested: left to its other writer";
			continue;
		}
		/* Held already and still as planned: no checked open and read by act_run (a
		 * re-resolve of thousands of IRQs stays well within a second). */
		bool gone = false;
		if (!is_new && it->fd >= 0 && it->want_text && !strcmp(it->want_text, op->want_text) &&
		    still_held(k, it, rb, sizeof(rb), &a, &gone) && !gone) {
			op->status = ACT_SAME;
			op->old = op->want_text;
			continue;
		}
		op->journal_old = it->baseline;
		op->note = arena_printf(&a, "keep=%s", keep_reason_name(reasons[i]));
	}
	for (int i = 0; i < k->n; i++)
		if (!k->v[i].present)
			release(k, &k->v[i]);
	struct timespec w1, c1;
	clock_gettime(CLOCK_MONOTONIC, &w1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	double wall = ms_between(&w0, &w1), cpu = ms_between(&c0, &c1);
	if (event && reason == KEEP_VERIFY)
		say(k, "re-resolved the plan (%s): %d file(s) held, %.0f ms (%.0f ms CPU)", event, held, wall, cpu);
	else if (event)
		say(k, "re-resolved the plan after %s (%s): %d file(s) held, %.0f ms (%.0f ms CPU)",
		    keep_reason_name(reason), event, held, wall, cpu);
	r = run_ops(k, &ops, reasons, event, NULL, &a);
	for (int i = 0; i < ops.n; i++) {
		if (items[i] < 0)
			continue;
		struct keep_item *it = &k->v[items[i]];
		if (!it->baseline && ops.v[i].old)
			it->baseline = arena_strdup(&k->a, ops.v[i].old);
		hold(k, it);
	}
	if (!r)
		k->resolved_once = true;
	k->resolve_needed = r != 0 && r != -ECANCELED;
	arena_free(&a);
	host_free(&h);
	return r == -ECANCELED ? 0 : r;
}

/* The read-back: one pread per held file. The value as keep wrote it compares as bytes;
 * only another spelling is parsed. */
static bool still_held(struct keep *k, struct keep_item *it, char *buf, size_t n, struct arena *a, bool *gone)
{
	int fd = it->fd;
	if (fd < 0) {
		/* Not held open (no fd left: RLIMIT_NOFILE): open, read, close. */
		const char *why;
		fd = act_open_checked(k->src, it->path, O_RDONLY, &why);
		if (fd < 0) {
			*gone = *gone || fd == -ENOENT;
			return true;
		}
	}
	ssize_t r = pread(fd, buf, n - 1, 0);
	if (fd != it->fd)
		close(fd);
	if (r < 0) {
		/* The IRQ was freed (its proc file is gone under the fd): re-resolve. */
		*gone = true;
		release(k, it);
		return true;
	}
	struct slice s = slice_trim((struct slice){ buf, (size_t)r });
	size_t wl = strlen(it->want_text);
	if (s.n == wl && !memcmp(s.p, it->want_text, wl))
		return true;
	memmove(buf, s.p, s.n);
	buf[s.n] = '\0';
	return act_value_equal(it->path, buf, &it->want, a);
}

/* Another rewrite of it by someone else: true when that makes it contested. */
static bool contest(struct keep *k, struct keep_item *it, time_t now, const char *writer)
{
	int keep_from = 0;
	while (keep_from < it->nhits && it->hits[keep_from] <= now - k->o.contest_window)
		keep_from++;
	memmove(it->hits, it->hits + keep_from, (size_t)(it->nhits - keep_from) * sizeof(time_t));
	it->nhits -= keep_from;
	if (it->nhits < KEEP_MAX_HITS)
		it->hits[it->nhits++] = now;
	it->writer = arena_strdup(&k->a, writer);
	return it->nhits > k->o.contest_max;
}

static struct act_op *op_of(struct act_list *l, struct arena *a, const struct keep_item *it, const char *note)
{
	struct act_op *op = act_add_op(l, a);
	op->kind = it->kind;
	op->path = it->path;
	op->is_mask = it->is_mask;
	op->nbits = it->nbits;
	op->irq = it->irq;
	op->name = it->name;
	op->dev = it->dev;
	cpuset_copy(&op->want, a, &it->want);
	op->want_text = it->want_text;
	op->journal_old = it->baseline;
	op->note = note;
	return op;
}

/* A drifted file to write back and who was seen writing it (pid 0: nobody). */
struct drift {
	struct keep_item *it;
	int pid;
	const char *hint;	/* when no writer is named: what is known */
};

/* Write back the drifted files (it->found set), each logged with its writer; a file
 * rewritten by others more than contest_max times in the window is left alone. */
static int correct(struct keep *k, struct drift *d, int nd, time_t now, struct arena *a)
{
	struct act_list ops = { 0 };
	ops.refused = -1;
	enum keep_reason *reasons = arena_calloc(a, (size_t)nd, sizeof(*reasons));
	const char **writers = arena_calloc(a, (size_t)nd, sizeof(*writers));
	int ib = -1;	/* irqbalance's pid, looked up once for the writers not seen */
	for (int i = 0; i < nd; i++) {
		struct keep_item *it = d[i].it;
		if (!d[i].pid && ib < 0)
			ib = running(k->src, a, "irqbalance");
		const char *adv, *hint;
		const char *w = name_writer(k->src, a, d[i].pid, ib > 0 ? ib : 0, it->path, &adv, &hint);
		if (d[i].hint)
			hint = d[i].hint;
		if (contest(k, it, now, w)) {
			it->contested = true;
			it->advice = arena_strdup(&k->a, adv);
			release(k, it);
			say(k, "contested irq %d %s%s%s (%s): rewritten by %s %d times in %d s: left alone; %s",
			    it->irq, it->name ? it->name : "", it->dev ? " " : "", it->dev ? it->dev : "", it->path, w,
			    it->nhits, k->o.contest_window, adv);
			continue;
		}
		reasons[ops.n] = KEEP_FOREIGN_WRITE;
		writers[ops.n] = arena_printf(a, " writer=\"%s\"%s%s%s", w, hint ? " hint=\"" : "", hint ? hint : "",
					      hint ? "\"" : "");
		op_of(&ops, a, it, arena_printf(a, "keep=foreign-write found=%s", it->found));
	}
	int r = ops.n ? run_ops(k, &ops, reasons, NULL, writers, a) : 0;
	for (int i = 0; !r && i < nd; i++)
		d[i].it->last_pid = 0;
	return r;
}

/* Read the watcher's events into the items (seen_pid); *idx: the items written, each
 * once. True when events were lost (the queue overflowed). */
static bool drain(struct keep *k, struct arena *a, int **idx, int *n)
{
	struct fw_event ev[256];
	bool lost = false;
	int r;
	*n = 0;
	*idx = NULL;
	if (!k->watching)
		return false;
	do {
		r = fw_read(&k->w, k->st.pid, ev, 256);
		for (int i = 0; i < r; i++) {
			if (ev[i].key == FW_OVERFLOW || ev[i].key >= k->n) {
				lost = lost || ev[i].key == FW_OVERFLOW;
				continue;
			}
			struct keep_item *it = &k->v[ev[i].key];
			if (!it->seen_pid) {
				*idx = arena_realloc(a, *idx, (size_t)*n * sizeof(int), (size_t)(*n + 1) * sizeof(int));
				(*idx)[(*n)++] = ev[i].key;
			}
			it->seen_pid = it->last_pid = ev[i].pid;
		}
	} while (r == 256);
	return lost;
}

/* The files written (idx from drain(), seen_pid not yet cleared): read back, written
 * back when they drifted. */
static int check_written(struct keep *k, const int *idx, int n, time_t now, struct arena *a)
{
	struct drift *d = arena_calloc(a, (size_t)(n ? n : 1), sizeof(*d));
	int nd = 0;
	char buf[4096];
	bool gone = false;
	for (int i = 0; i < n; i++) {
		struct keep_item *it = &k->v[idx[i]];
		int pid = it->seen_pid;
		it->seen_pid = 0;
		/* Handled already, written with the planned value, or no longer held: no
		 * correction. */
		if (!pid || k->stopped || !it->present || it->contested || !it->want_text)
			continue;
		if (still_held(k, it, buf, sizeof(buf), a, &gone)) {
			it->last_pid = 0;	/* that write left the plan in force */
			continue;
		}
		it->found = arena_strdup(a, buf);
		d[nd++] = (struct drift){ it, pid, NULL };
	}
	if (gone)
		k->resolve_needed = true;
	return nd ? correct(k, d, nd, now, a) : 0;
}

static int watch_pass(struct keep *k, time_t now, bool *lost)
{
	struct arena a = { 0 };
	int *idx, n;
	*lost = drain(k, &a, &idx, &n);
	int r = check_written(k, idx, n, now, &a);
	arena_free(&a);
	return r;
}

int keep_watch_fd(const struct keep *k)
{
	return k->watching ? k->w.fd : -1;
}

int keep_watch(struct keep *k)
{
	bool lost;
	int r = watch_pass(k, time(NULL), &lost);
	if (!lost)
		return r == -ECANCELED ? 0 : r;
	/* Events were lost: every held file is read back, their writers unknown. */
	if (!k->overflow_told)
		say(k, "write events lost (fanotify queue overflow): reading every held file back");
	k->overflow_told = true;
	return keep_verify(k);
}

int keep_verify(struct keep *k)
{
	if (k->stopped)
		return 0;
	time_t now = time(NULL);
	bool lost = false;
	/* Writes seen already are handled with their writer first. */
	int r = watch_pass(k, now, &lost);
	if (k->stopped)
		return 0;
	struct arena a = { 0 };
	char buf[4096];
	struct drift *d = NULL;
	int nd = 0;
	bool gone = false;
	for (int i = 0; i < k->n; i++) {
		struct keep_item *it = &k->v[i];
		if (!it->present || it->contested || !it->want_text)
			continue;
		if (still_held(k, it, buf, sizeof(buf), &a, &gone))
			continue;
		it->found = arena_strdup(&a, buf);
		d = arena_realloc(&a, d, (size_t)nd * sizeof(*d), (size_t)(nd + 1) * sizeof(*d));
		d[nd++] = (struct drift){ it, 0, NULL };
	}
	k->st.drifted = nd;
	for (int i = 0; i < k->n; i++)
		k->st.drifted += k->v[i].present && k->v[i].contested;
	k->st.last_verify = now;
	if (nd) {
		/* A write between the first drain and the read-back: its event is queued now. */
		int *idx, n;
		lost = drain(k, &a, &idx, &n) || lost;
		for (int i = 0; i < nd; i++) {
			d[i].pid = d[i].it->seen_pid ? d[i].it->seen_pid : d[i].it->last_pid;
			d[i].it->seen_pid = 0;
			if (!d[i].pid && fully_watched(d[i].it) && !lost)
				d[i].hint = "no write to the file was seen (the kernel or a driver changed it)";
		}
		int r2 = correct(k, d, nd, now, &a);
		/* The others written since the read-back are checked now, not at the next
		 * event or verify. */
		int r3 = check_written(k, idx, n, now, &a);
		r = r ? r : r2 ? r2 : r3;
	}
	if (gone)
		k->resolve_needed = true;
	arena_free(&a);
	return r == -ECANCELED ? 0 : r;
}

int keep_write_state(struct keep *k)
{
	struct arena a = { 0 };
	k->st.updated = time(NULL);
	k->st.ncontested = 0;
	for (int i = 0; i < k->n; i++)
		k->st.ncontested += k->v[i].contested;
	k->st.contested = arena_calloc(&a, (size_t)(k->st.ncontested + 1), sizeof(*k->st.contested));
	int c = 0;
	for (int i = 0; i < k->n; i++) {
		const struct keep_item *it = &k->v[i];
		if (!it->contested)
			continue;
		struct keep_contested *x = &k->st.contested[c++];
		x->irq = it->irq;
		x->path = it->path;
		x->name = it->name;
		x->dev = it->dev;
		x->writer = it->writer;
		x->advice = it->advice;
		x->rewrites = it->nhits;
		x->window = k->o.contest_window;
	}
	struct buf b = { 0 };
	keepstate_format(&k->st, &b);
	k->st.contested = NULL;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", k->state_path);
	int r = 0;
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		r = -errno;
	else {
		if (write(fd, b.data, b.len) != (ssize_t)b.len)
			r = -EIO;
		close(fd);
		if (!r && rename(tmp, k->state_path))
			r = -errno;
		if (r)
			unlink(tmp);
	}
	buf_free(&b);
	arena_free(&a);
	return r;
}
