/* fix's guardian: the deadline that rolls a fix back unless confirmed (act/guardian.h). */
#include "act/guardian.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "act/apply.h"
#include "act/journal.h"
#include "parse/planfile.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define POLL_NS 100000000L	/* how often the guardian looks for a request */

static int write_atomic(const char *dir, const char *name, const char *text)
{
	char tmp[4200], path[4200];
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, name, (int)getpid());
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	size_t n = strlen(text);
	int rc = write(fd, text, n) == (ssize_t)n ? 0 : -EIO;
	if (!rc && fsync(fd))
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

static void unlink_in(const char *dir, const char *name)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* key=value lines of a small state file: the value of key, or NULL. */
static const char *kv(const struct buf *b, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	for (const char *p = b->data; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);
		if (ll > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			size_t vl = ll - kl - 1 < n - 1 ? ll - kl - 1 : n - 1;
			memcpy(out, p + kl + 1, vl);
			out[vl] = 0;
			return out;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int read_in(const char *dir, const char *name, struct buf *b)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return buf_read_file(b, path, 1 << 16);
}

static bool alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int guard_rollback(const char *journal, int *restored, int *failed)
{
	*restored = *failed = 0;
	struct arena a = { 0 };
	struct buf b = { 0 };
	int r = buf_read_file(&b, journal, PF_MAX_BYTES);
	struct journal_data jd;
	const char *why = NULL;
	if (!r)
		r = journal_parse(b.data, b.len, &a, &jd, &why);
	buf_free(&b);
	struct source src;
	if (!r)
		r = src_open(&src, jd.root);
	if (r) {
		arena_free(&a);
		return r;
	}
	struct act_list ops;
	act_restore_ops(&jd, &a, &ops);
	struct act_opts ao = { 0 };
	r = act_run(&src, &ops, &ao, NULL, &a);
	int done = 0, same = 0;
	for (int i = 0; i < ops.n; i++) {
		done += ops.v[i].status == ACT_DONE;
		same += ops.v[i].status == ACT_SAME;
	}
	*restored = done;
	*failed = r ? ops.n : ops.n - done - same;
	char nb[16], fb[16];
	snprintf(nb, sizeof(nb), "%d", *restored);
	snprintf(fb, sizeof(fb), "%d", *failed);
	if (!r)
		journal_append_file(journal, "rollback", "restored", nb, "failed", fb, "by", "fix-guardian", NULL);
	src_close(&src);
	arena_free(&a);
	return r;
}

static void record_last(const char *dir, const char *outcome, const char *reason, const char *journal, int restored,
			int failed)
{
	char text[4600];
	snprintf(text, sizeof(text), "outcome=%s\nreason=%s\njournal=%s\nrestored=%d\nfailed=%d\ntime=%lld\n", outcome,
		 reason, journal ? journal : "", restored, failed, (long long)time(NULL));
	write_atomic(dir, GUARD_LAST, text);
}

/* The state directory's lock (serialising apply and rollback), waited for: the undo is
 * the promise, so after 30 s it goes ahead without it. */
static int lock_for_rollback(const char *dir)
{
	int fd = -1;
	const char *why = NULL;
	for (int i = 0; i < 300; i++) {
		int r = journal_lock(dir, &fd, &why);
		if (r != -EBUSY)
			return r ? -1 : fd;
		struct timespec ts = { 0, POLL_NS };
		nanosleep(&ts, NULL);
	}
	return -1;
}

static void roll_back(const char *dir, const char *journal, const char *reason)
{
	int restored = 0, failed = 0, fd = lock_for_rollback(dir);
	int r = guard_rollback(journal, &restored, &failed);
	if (fd >= 0)
		close(fd);
	record_last(dir, r ? "rollback-failed" : "rolled-back", reason, journal, restored, r ? -r : failed);
}

/* The newest journal the (dead) parent wrote: journal-...-PID.txt. */
static char *parent_journal(const char *dir, pid_t parent)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char suffix[32], best[512] = "";
	snprintf(suffix, sizeof(suffix), "-%d.txt", (int)parent);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);
		if (strncmp(e->d_name, "journal-", 8) || l <= sl || strcmp(e->d_name + l - sl, suffix))
			continue;
		if (strcmp(e->d_name, best) > 0)
			str_copy(best, e->d_name, sizeof(best));
	}
	closedir(d);
	if (!best[0])
		return NULL;
	char *p = malloc(strlen(dir) + strlen(best) + 2);
	if (p)
		sprintf(p, "%s/%s", dir, best);
	return p;
}

static void cleanup(const char *dir)
{
	unlink_in(dir, GUARD_PENDING);
	unlink_in(dir, GUARD_REQUEST);
	unlink_in(dir, GUARD_PIDFILE);
}

/* Read the journal's path from the parent; *got false when the pipe closed first. */
static void read_handover(int fd, char *out, size_t n, bool *got)
{
	size_t len = 0;
	*got = false;
	while (len + 1 < n) {
		ssize_t r = read(fd, out + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (memchr(out, '\n', len)) {
			*got = true;
			break;
		}
	}
	out[len] = 0;
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = 0;
}

static void guardian_main(int rfd, const char *dir, double confirm_s, pid_t parent)
{
	char journal[4200];
	bool got;
	read_handover(rfd, journal, sizeof(journal), &got);
	close(rfd);
	if (!got) {
		/* irqsight died during the apply: undo what it wrote, now */
		char *j = parent_journal(dir, parent);
		if (j)
			roll_back(dir, j, "parent-died");
		free(j);
		cleanup(dir);
		return;
	}
	if (!strcmp(journal, "none")) {
		cleanup(dir);
		return;
	}
	long long deadline = (long long)time(NULL) + (long long)(confirm_s + 0.999);
	char text[4600], root[4200] = "/";
	struct buf jb = { 0 };
	if (!buf_read_file(&jb, journal, PF_MAX_BYTES)) {
		const char *p = strstr(jb.data, " root=");
		if (p) {
			size_t l = strcspn(p + 6, " \n");
			snprintf(root, sizeof(root), "%.*s", (int)(l < 4000 ? l : 4000), p + 6);
		}
	}
	buf_free(&jb);
	snprintf(text, sizeof(text), "pid=%d\njournal=%s\ndeadline=%lld\nconfirm=%.0f\nroot=%s\n", (int)getpid(),
		 journal, deadline, confirm_s, root);
	write_atomic(dir, GUARD_PENDING, text);
	for (;;) {
		struct buf b = { 0 };
		if (!read_in(dir, GUARD_REQUEST, &b)) {
			bool confirm = !strncmp(b.data, "confirm", 7), abort_ = !strncmp(b.data, "abort", 5);
			buf_free(&b);
			if (confirm) {
				record_last(dir, "confirmed", "confirm", journal, 0, 0);
				break;
			}
			if (abort_) {
				roll_back(dir, journal, "abort");
				break;
			}
			unlink_in(dir, GUARD_REQUEST);	/* not a request: ignored */
		}
		buf_free(&b);
		if ((long long)time(NULL) >= deadline) {
			roll_back(dir, journal, "deadline");
			break;
		}
		struct timespec ts = { 0, POLL_NS };
		nanosleep(&ts, NULL);
	}
	cleanup(dir);
}

int guard_start(struct guardian *g, const char *dir, double confirm_s)
{
	struct buf b = { 0 };
	char v[32];
	if (!read_in(dir, GUARD_PIDFILE, &b) && kv(&b, "pid", v, sizeof(v)) && alive((pid_t)atoi(v))) {
		buf_free(&b);
		return -EBUSY;
	}
	buf_free(&b);
	int down[2], up[2];	/* parent -> guardian (the journal), guardian -> parent (its pid) */
	if (pipe2(down, O_CLOEXEC))
		return -errno;
	if (pipe2(up, O_CLOEXEC)) {
		int e = errno;
		close(down[0]);
		close(down[1]);
		return -e;
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t mid = fork();
	if (mid < 0) {
		int e = errno;
		close(down[0]);
		close(down[1]);
		close(up[0]);
		close(up[1]);
		return -e;
	}
	if (mid == 0) {
		setsid();
		pid_t gp = fork();
		if (gp != 0)
			_exit(gp < 0 ? 1 : 0);
		/* the guardian: no terminal, no fd of the parent's but its two pipe ends */
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		signal(SIGTTOU, SIG_IGN);
		signal(SIGTTIN, SIG_IGN);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int rfd = down[0], wfd = up[1];
		for (int fd = 0; fd < 1024; fd++)
			if (fd != rfd && fd != wfd)
				close(fd);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		if (chdir("/")) {
			/* the paths it uses are absolute: staying elsewhere is harmless */
		}
		char pidtext[32];
		snprintf(pidtext, sizeof(pidtext), "pid=%d\n", (int)getpid());
		write_atomic(dir, GUARD_PIDFILE, pidtext);
		pid_t me = getpid();
		if (write(wfd, &me, sizeof(me)) != (ssize_t)sizeof(me))
			_exit(1);
		close(wfd);
		guardian_main(rfd, dir, confirm_s, parent);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	int st;
	waitpid(mid, &st, 0);
	pid_t gpid = 0;
	ssize_t r;
	do
		r = read(up[0], &gpid, sizeof(gpid));
	while (r < 0 && errno == EINTR);
	close(up[0]);
	if (r != (ssize_t)sizeof(gpid)) {
		close(down[1]);
		return -ECHILD;
	}
	g->pid = gpid;
	g->fd = down[1];
	str_copy(g->dir, dir, sizeof(g->dir));
	return 0;
}

int guard_arm(struct guardian *g, const char *journal)
{
	if (g->fd < 0)
		return -EBADF;
	const char *j = journal && *journal ? journal : "none";
	size_t n = strlen(j);
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	int rc = write(g->fd, j, n) == (ssize_t)n && write(g->fd, "\n", 1) == 1 ? 0 : -EPIPE;
	sigaction(SIGPIPE, &old, NULL);
	close(g->fd);
	g->fd = -1;
	if (rc || strcmp(j, "none") == 0)
		return rc;
	/* return once the guardian has written fix-pending: a --confirm right after sees it */
	for (int i = 0; i < 100; i++) {
		struct guard_state st;
		if (!guard_pending(g->dir, &st) && st.pid == g->pid)
			return 0;
		struct timespec ts = { 0, 20000000L };
		nanosleep(&ts, NULL);
	}
	return alive(g->pid) ? 0 : -ESRCH;
}

int guard_pending(const char *dir, struct guard_state *st)
{
	memset(st, 0, sizeof(*st));
	struct buf b = { 0 };
	char v[64];
	int r = read_in(dir, GUARD_PENDING, &b);
	if (r) {
		buf_free(&b);
		return r;
	}
	if (!kv(&b, "pid", v, sizeof(v)) || !kv(&b, "journal", st->journal, sizeof(st->journal))) {
		buf_free(&b);
		return -EINVAL;
	}
	st->pid = (pid_t)atoi(v);
	if (kv(&b, "deadline", v, sizeof(v)))
		st->deadline = atoll(v);
	if (kv(&b, "confirm", v, sizeof(v)))
		st->confirm_s = atof(v);
	if (!kv(&b, "root", st->root, sizeof(st->root)))
		str_copy(st->root, "/", sizeof(st->root));
	buf_free(&b);
	return alive(st->pid) ? 0 : -ENOENT;
}

int guard_last(const char *dir, struct guard_result *res)
{
	memset(res, 0, sizeof(*res));
	struct buf b = { 0 };
	char v[64];
	int r = read_in(dir, GUARD_LAST, &b);
	if (r) {
		buf_free(&b);
		return r;
	}
	kv(&b, "outcome", res->outcome, sizeof(res->outcome));
	kv(&b, "reason", res->reason, sizeof(res->reason));
	kv(&b, "journal", res->journal, sizeof(res->journal));
	if (kv(&b, "restored", v, sizeof(v)))
		res->restored = atoi(v);
	if (kv(&b, "failed", v, sizeof(v)))
		res->failed = atoi(v);
	if (kv(&b, "time", v, sizeof(v)))
		res->time = atoll(v);
	buf_free(&b);
	return res->outcome[0] ? 0 : -EINVAL;
}

int guard_request(const char *dir, const char *what, double wait_s, struct guard_result *res)
{
	struct guard_state st;
	int r = guard_pending(dir, &st);
	if (r)
		return r == -EINVAL ? -ENOENT : r;
	char text[32];
	snprintf(text, sizeof(text), "%s\n", what);
	if ((r = write_atomic(dir, GUARD_REQUEST, text)))
		return r;
	/* the guardian ends once it has recorded what it did */
	for (double t = 0; t < wait_s && alive(st.pid); t += 0.05) {
		struct timespec ts = { 0, 50000000L };
		nanosleep(&ts, NULL);
	}
	if (alive(st.pid))
		return -ETIMEDOUT;
	r = guard_last(dir, res);
	if (!r && strcmp(res->journal, st.journal))
		return -ESTALE;	/* it ended on its own (the deadline) before the request */
	return r;
}
