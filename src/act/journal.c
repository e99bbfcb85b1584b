#include "act/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "act/allow.h"
#include "parse/planfile.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"
#include "util/str.h"

void journal_init(struct journal *j, const char *dir, const char *root, const char *command, const char *plan)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	str_copy(j->dir, dir, sizeof(j->dir));
	j->root = root;
	j->command = command;
	j->plan = plan;
}

/* mkdir -p with mode 0700 for what we create. */
static int mkdirs(const char *dir)
{
	char tmp[4096];
	str_copy(tmp, dir, sizeof(tmp));
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static void now_iso(char *out, size_t n, bool compact)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char s[32];
	strftime(s, sizeof(s), compact ? "%Y%m%dT%H%M%S" : "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%06ldZ", s, (long)tv.tv_usec);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write a line and make it durable before returning. */
static int put_line(int fd, struct buf *b)
{
	buf_putc(b, '\n');
	int r = write_all(fd, b->data, b->len);
	if (!r && fsync(fd))
		r = -errno;
	return r;
}

static int create(struct journal *j)
{
	int r = mkdirs(j->dir);
	if (r)
		return r;
	char ts[64];
	now_iso(ts, sizeof(ts), true);
	int len = snprintf(j->path, sizeof(j->path), "%s/journal-%s-%d.txt", j->dir, ts, (int)getpid());
	if (len < 0 || (size_t)len >= sizeof(j->path))
		return -ENAMETOOLONG;
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return -errno;
	struct buf b = { 0 };
	char t[64];
	now_iso(t, sizeof(t), false);
	buf_puts(&b, "irqsight-journal 1\nstarted");
	pf_put(&b, "time", t);
	buf_printf(&b, " pid=%d", (int)getpid());
	pf_put(&b, "command", j->command ? j->command : "apply");
	pf_put(&b, "root", j->root ? j->root : "/");
	if (j->plan)
		pf_put(&b, "plan", j->plan);
	r = put_line(j->fd, &b);
	buf_free(&b);
	/* The new directory entry must survive a crash too. */
	int dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) && !r)
			r = -errno;
		close(dfd);
	}
	return r;
}

int journal_set(struct journal *j, const char *path, const char *old, const char *new_, const char *what)
{
	int r = 0;
	if (j->fd < 0 && (r = create(j)))
		return r;
	struct buf b = { 0 };
	buf_puts(&b, "set");
	pf_put(&b, "path", path);
	pf_put(&b, "old", old);
	pf_put(&b, "new", new_);
	if (what)
		pf_put(&b, "what", what);
	r = put_line(j->fd, &b);
	buf_free(&b);
	return r;
}

static int vnote(int fd, const char *keyword, va_list ap)
{
	struct buf b = { 0 };
	char t[64];
	now_iso(t, sizeof(t), false);
	buf_puts(&b, keyword);
	pf_put(&b, "time", t);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		pf_put(&b, k, v ? v : "");
	}
	int r = put_line(fd, &b);
	buf_free(&b);
	return r;
}

int journal_note(struct journal *j, const char *keyword, ...)
{
	if (j->fd < 0)
		return 0;	/* nothing was written: no journal to annotate */
	va_list ap;
	va_start(ap, keyword);
	int r = vnote(j->fd, keyword, ap);
	va_end(ap);
	return r;
}

int journal_append_file(const char *path, const char *keyword, ...)
{
	/* Never through a link: a journal swapped for one after it was read would have this
	 * line appended to the file it names. */
	int fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	va_list ap;
	va_start(ap, keyword);
	int r = vnote(fd, keyword, ap);
	va_end(ap);
	close(fd);
	return r;
}

int journal_continue(struct journal *j, const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	journal_close(j);
	j->fd = fd;
	str_copy(j->path, path, sizeof(j->path));
	return 0;
}

void journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

static bool value_ok(const char *path, const char *v, struct arena *a)
{
	struct cpuset s;
	size_t n = strlen(v), pl = strlen(path);
	bool list = pl >= 5 && !strcmp(path + pl - 5, "_list");
	return !(list ? cpuset_parse_list(&s, a, v, n) : cpuset_parse_mask(&s, a, v, n));
}

static int jfail(struct arena *a, const char **err, unsigned no, const char *what)
{
	*err = arena_printf(a, "line %u: %s", no, what);
	return -EINVAL;
}

static const char *keep(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

int journal_parse(const char *buf, size_t len, struct arena *a, struct journal_data *out, const char **err)
{
	memset(out, 0, sizeof(*out));
	if (len > PF_MAX_BYTES)
		return jfail(a, err, 1, arena_printf(a, "the journal is larger than the limit of %u MiB", PF_MAX_BYTES >> 20));
	/* A crash can tear the last line: parse only complete lines. */
	size_t whole = len;
	while (whole > 0 && buf[whole - 1] != '\n')
		whole--;
	struct pf_reader rd;
	pf_reader_init(&rd, buf, whole);
	struct pf_line l;
	const char *why = NULL;
	size_t mem0 = a->used_total;
	int r = pf_next(&rd, &l, &why), ret = 0;
	if (r < 0) {
		ret = jfail(a, err, rd.no, why);
		goto out;
	}
	if (!r || strcmp(l.keyword, "irqsight-journal") != 0 || !l.word || strcmp(l.word, "1") != 0) {
		*err = "not an irqsight journal (version 1)";
		ret = -EINVAL;
		goto out;
	}
	out->version = 1;
	while ((r = pf_next(&rd, &l, &why)) > 0) {
		const char *k = l.keyword;
		unsigned no = l.line_no;
		if (!strcmp(k, "started")) {
			const char *root = pf_get(&l, "root");
			if (out->root) {
				ret = jfail(a, err, no, "a second 'started' line");
				goto out;
			}
			if (!root || root[0] != '/') {
				ret = jfail(a, err, no, "the 'started' line names no absolute root= (a journal's root is never guessed)");
				goto out;
			}
			out->root = keep(a, root);
			out->command = keep(a, pf_get(&l, "command"));
			out->plan = keep(a, pf_get(&l, "plan"));
			out->started = keep(a, pf_get(&l, "time"));
		} else if (!strcmp(k, "set")) {
			const char *path = pf_get(&l, "path"), *old = pf_get(&l, "old"), *nw = pf_get(&l, "new");
			const char *awhy;
			if (!out->root) {
				ret = jfail(a, err, no, "a set line before the 'started' line that names the root");
				goto out;
			}
			if (!path || !old || !nw) {
				ret = jfail(a, err, no, "a set line needs path=, old= and new=");
				goto out;
			}
			if (act_allow_path(path, &awhy)) {
				ret = jfail(a, err, no, arena_printf(a, "path '%s': %s", path, awhy));
				goto out;
			}
			if (!value_ok(path, old, a) || !value_ok(path, nw, a)) {
				ret = jfail(a, err, no, arena_printf(a, "old= or new= is not a CPU %s for %s",
								    strstr(path, "_list") ? "list" : "mask", path));
				goto out;
			}
			out->v = arena_grow(a, out->v, (size_t)out->n, sizeof(*out->v));
			struct journal_entry *e = &out->v[out->n++];
			e->path = keep(a, path);
			e->old = keep(a, old);
			e->new_ = keep(a, nw);
			e->what = keep(a, pf_get(&l, "what"));
			e->line = no;
		} else if (!strcmp(k, "done")) {
			out->done = true;
		} else if (!strcmp(k, "rollback")) {
			out->rollbacks++;
		} else {
			ret = jfail(a, err, no, arena_printf(a, "unknown keyword '%s'", k));
			goto out;
		}
		if (a->used_total - mem0 > PF_MAX_MEM) {
			ret = jfail(a, err, no, arena_printf(a, "the journal needs more than %u MiB of memory: refused",
							     PF_MAX_MEM >> 20));
			goto out;
		}
	}
	if (r < 0) {
		ret = jfail(a, err, rd.no, why);
		goto out;
	}
	if (!out->root)
		ret = jfail(a, err, rd.no ? rd.no : 1, "no 'started' line naming the root: refusing to guess it");
out:
	pf_reader_free(&rd);
	return ret;
}

int journal_dir_check(const char *dir, const char **why)
{
	struct stat st;
	uid_t me = geteuid();
	if (lstat(dir, &st))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode)) {
		if (st.st_uid != me && st.st_uid != 0) {
			*why = "a symbolic link owned by another user";
			return -EPERM;
		}
		if (stat(dir, &st))
			return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		*why = "not a directory";
		return -ENOTDIR;
	}
	if (st.st_uid != me && st.st_uid != 0) {
		*why = "owned by another user (its journals could be anyone's)";
		return -EPERM;
	}
	if (st.st_mode & 022) {
		*why = "writable by group or others (its journals could be anyone's)";
		return -EPERM;
	}
	return 0;
}

int journal_lock(const char *dir, int *fd, const char **why)
{
	*fd = -1;
	int r = journal_dir_check(dir, why);
	if (r || (r = mkdirs(dir)))
		return r;
	char p[4200];
	if ((size_t)snprintf(p, sizeof(p), "%s/lock", dir) >= sizeof(p))
		return -ENAMETOOLONG;
	int f = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f < 0)
		return -errno;
	if (flock(f, LOCK_EX | LOCK_NB)) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(f);
		if (r == -EBUSY)
			*why = "another irqsight apply --yes or rollback is running (it holds the lock)";
		return r;
	}
	*fd = f;
	return 0;
}

int journal_latest(const char *dir, struct arena *a, char **path)
{
	*path = NULL;
	const char *why = NULL;
	int r0 = journal_dir_check(dir, &why);
	if (r0)
		return r0;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	char best[1024] = "";
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *nm = e->d_name;
		if (strncmp(nm, "journal-", 8) != 0 || strlen(nm) < 12 || strcmp(nm + strlen(nm) - 4, ".txt") != 0)
			continue;
		if (strcmp(nm, best) <= 0)
			continue;
		/* Only journals that recorded a write are worth rolling back; one that cannot
		 * be read whole is taken too, so that rollback says why instead of quietly
		 * undoing an older apply. */
		char *p = arena_printf(a, "%s/%s", dir, nm);
		struct buf b = { 0 };
		int r = buf_read_file(&b, p, PF_MAX_BYTES);
		if (r || memmem(b.data, b.len, "\nset ", 5))
			str_copy(best, nm, sizeof(best));
		buf_free(&b);
	}
	closedir(d);
	if (!best[0])
		return -ENOENT;
	*path = arena_printf(a, "%s/%s", dir, best);
	return 0;
}
