#include "source/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif
#endif

#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

int src_open(struct source *s, const char *root)
{
	memset(s, 0, sizeof(*s));
	s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return -errno;
	char *real = realpath(root, NULL);
	str_copy(s->root, real ? real : root, sizeof(s->root));
	s->is_live = real && strcmp(real, "/") == 0;
	free(real);
	return 0;
}

void src_close(struct source *s)
{
	if (s->rootfd >= 0)
		close(s->rootfd);
	s->rootfd = -1;
}

/* Live paths are absolute under "/", which openat() resolves from rootfd anyway;
 * strip leading slashes so a stray one cannot escape a snapshot root. */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static void record(const struct source *s, enum src_op op, const char *path, const void *data, size_t len,
		   const struct stat *st)
{
	if (s->rec)
		s->rec->fn(s->rec->ctx, op, rel(path), data, len, st);
}

/*
 * A snapshot is a tree of plain files: a FIFO there would block open() or read() for
 * ever, a device (a symlink to /dev/zero) would never end. Refuse them like a bad file.
 * Live, /proc and /sys files are regular and /dev/kmsg is the one device read.
 */
static int check_readable(const struct source *s, int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	    (!s->is_live && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))))
		return -EINVAL;
	return 0;
}

/*
 * openat2's RESOLVE_IN_ROOT done by hand, for kernels before 5.6 or where a seccomp
 * filter refuses openat2 (EPERM/ENOSYS): one component at a time with O_NOFOLLOW, each
 * symlink read and resolved again from the root (absolute target) or from where it
 * is (relative), ".." never above the root. At most 40 links (ELOOP), as the kernel; a
 * trailing slash asks for a directory and follows a link even with O_NOFOLLOW, as the
 * kernel. The walk holds O_PATH directory fds only; the last component is opened with
 * flags (O_CREAT and O_TMPFILE refused). A directory renamed out of the root during the
 * walk is not detected (the kernel returns EAGAIN): snapshots are not being changed.
 */
static int openat_or_err(int dfd, const char *name, int flags)
{
	int fd = openat(dfd, name, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* "", "." and "..": a name that is always a directory, never a link. */
static bool names_dir(const char *name)
{
	return !*name || !strcmp(name, ".") || !strcmp(name, "..");
}

int src_open_in_root(int rootfd, const char *path, int flags)
{
	char rest[8192];
	if (!*path)
		return -ENOENT;
	if (strlen(path) >= 4096)	/* PATH_MAX, as the kernel */
		return -ENAMETOOLONG;
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return -EINVAL;		/* reads and writes of existing files only */
	strcpy(rest, path);
	int dfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0)
		return -errno;
	int depth = 0, links = 0, ret = -ENOENT;
	char *p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *after = e ? e : p + n;
		while (*after == '/')
			after++;
		bool last = !*after;
		bool trail = last && e;	/* "x/": x must be a directory, a link to one is followed */
		char comp[256];
		if (n >= sizeof(comp)) {
			ret = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (!n || !strcmp(comp, ".")) {
			if (last) {	/* the directory reached itself */
				ret = openat_or_err(dfd, ".", flags);
				break;
			}
			p = after;
			continue;
		}
		if (!strcmp(comp, "..")) {
			if (depth > 0) {
				int up = openat(dfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (up < 0) {
					ret = -errno;
					break;
				}
				close(dfd);
				dfd = up;
				depth--;
			}
			if (last) {
				ret = openat_or_err(dfd, ".", flags);
				break;
			}
			p = after;
			continue;
		}
		char target[4096];
		ssize_t tl = readlinkat(dfd, comp, target, sizeof(target) - 1);
		if (tl >= 0 && !(last && !trail && (flags & O_NOFOLLOW))) {
			/* a symlink: its target, then what followed it, from the root or here */
			if (++links > 40) {
				ret = -ELOOP;
				break;
			}
			target[tl] = '\0';
			char next[sizeof(rest)];
			int m = snprintf(next, sizeof(next), "%s%s%s", target, *after || trail ? "/" : "", after);
			if (m < 0 || (size_t)m >= sizeof(next)) {
				ret = -ENAMETOOLONG;
				break;
			}
			if (target[0] == '/') {
				int r = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
				if (r < 0) {
					ret = -errno;
					break;
				}
				close(dfd);
				dfd = r;
				depth = 0;
			}
			strcpy(rest, next);
			p = rest;
			continue;
		}
		if (last) {
			ret = openat_or_err(dfd, comp, flags | O_NOFOLLOW | (trail ? O_DIRECTORY : 0));
			break;
		}
		int sub = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			ret = -errno;
			break;
		}
		close(dfd);
		dfd = sub;
		depth++;
		p = after;
	}
	close(dfd);
	return ret;
}

/*
 * A snapshot comes from another machine: a symlink in it must not lead out of it
 * (an absolute "/proc/cmdline" would read this host's file). openat2(2) with
 * RESOLVE_IN_ROOT resolves every link as if the snapshot were "/" (Linux 5.6+);
 * where the kernel or a seccomp filter refuses the call, src_open_in_root() does the
 * same by hand.
 */
static int open_in(const struct source *s, const char *path, int flags)
{
	if (s->is_live)
		return openat(s->rootfd, path, flags);
#if defined(SYS_openat2) && defined(RESOLVE_IN_ROOT)
	struct open_how how = { .flags = (uint64_t)(unsigned)flags,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, s->rootfd, path, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG))
		return fd;
#endif
	int r = src_open_in_root(s->rootfd, path, flags);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

/* The directory holding path's last component, resolved inside the snapshot (its fd,
 * or rootfd itself when path has no directory part: *own false), and that component. */
static int open_parent(const struct source *s, const char *path, const char **last, bool *own)
{
	const char *sl = strrchr(path, '/');
	*own = false;
	if (s->is_live || !sl) {
		*last = path;
		return s->rootfd;
	}
	char dir[4096];
	size_t n = (size_t)(sl - path);
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*last = sl + 1;
	int fd = open_in(s, n ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*own = true;
	return fd;
}

int src_open_parent(const struct source *s, const char *path, const char **last)
{
	bool own;
	int fd = open_parent(s, rel(path), last, &own);
	if (fd >= 0 && !own && (fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -errno;
	return fd;
}

int src_open_unrecorded(const struct source *s, const char *path, int flags)
{
	/* O_NONBLOCK for reads: opening a FIFO would otherwise wait for a writer. */
	bool rd = (flags & O_ACCMODE) == O_RDONLY && !(flags & (O_DIRECTORY | O_PATH));
	int fd = open_in(s, rel(path), flags | O_CLOEXEC | (rd ? O_NONBLOCK : 0));
	if (fd < 0)
		return -errno;
	int r = rd ? check_readable(s, fd) : 0;
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

int src_openat(const struct source *s, const char *path, int flags)
{
	int fd = src_open_unrecorded(s, path, flags);
	if (fd < 0)
		return fd;
	if (s->rec && !(flags & O_DIRECTORY)) {
		struct stat st;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode))
			record(s, SRC_OP_OPEN, path, NULL, 0, &st);
	}
	return fd;
}

int src_read(const struct source *s, const char *path, struct buf *out, size_t max)
{
	int fd = open_in(s, rel(path), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	int r = check_readable(s, fd);
	if (r) {
		close(fd);
		return r;
	}
	size_t start = out->len;
	r = buf_read_fd(out, fd, max);
	if (!r && !out->data)
		r = buf_append(out, "", 0);
	if (!r && s->rec) {
		struct stat st;
		if (!fstat(fd, &st))
			record(s, SRC_OP_READ, path, out->data + start, out->len - start, &st);
	}
	close(fd);
	return r;
}

int src_readf(const struct source *s, struct buf *out, size_t max, const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return src_read(s, path, out, max);
}

int src_stat(const struct source *s, const char *path, struct stat *st)
{
	if (s->is_live) {
		if (fstatat(s->rootfd, rel(path), st, 0))
			return -errno;
	} else {
		int fd = open_in(s, rel(path), O_PATH | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		int r = fstat(fd, st) ? -errno : 0;
		close(fd);
		if (r)
			return r;
	}
	record(s, SRC_OP_STAT, path, NULL, 0, st);
	return 0;
}

/* lstat and readlink take the last component as it is, but the directories above it
 * are resolved inside the snapshot like every other path. */
int src_lstat(const struct source *s, const char *path, struct stat *st)
{
	const char *last;
	bool own;
	int dfd = open_parent(s, rel(path), &last, &own);
	if (dfd < 0)
		return dfd;
	if (!s->is_live && names_dir(last)) {
		/* "d/.." names a directory, not a link: resolved whole, never above the root */
		if (own)
			close(dfd);
		int fd = open_in(s, rel(path), O_PATH | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		int r = fstat(fd, st) ? -errno : 0;
		close(fd);
		return r;
	}
	int r = fstatat(dfd, *last ? last : ".", st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	if (own)
		close(dfd);
	return r;
}

int src_readlink(const struct source *s, const char *path, char *out, size_t n)
{
	if (!n)
		return -EINVAL;
	const char *last;
	bool own;
	int dfd = open_parent(s, rel(path), &last, &own);
	if (dfd < 0)
		return dfd;
	ssize_t l = -1;
	int e = EINVAL;	/* "", "." and ".." are directories, not links */
	if (s->is_live || !names_dir(last)) {
		l = readlinkat(dfd, last, out, n - 1);
		e = errno;
	}
	if (own)
		close(dfd);
	if (l < 0)
		return -e;
	out[l] = '\0';
	record(s, SRC_OP_READLINK, path, out, (size_t)l, NULL);
	return 0;
}

bool src_exists(const struct source *s, const char *path)
{
	struct stat st;
	return src_stat(s, path, &st) == 0;
}

static int vercmp(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

int src_list(const struct source *s, struct arena *a, const char *path, char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	int fd = src_openat(s, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = -errno;
		close(fd);
		return e;
	}
	size_t cap = 0;
	char **v = NULL;
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			v = arena_realloc(a, v, cap * sizeof(*v), ncap * sizeof(*v));
			cap = ncap;
		}
		v[(*n)++] = arena_strdup(a, de->d_name);
	}
	int e = errno ? -errno : 0;
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), vercmp);
	*names = v;
	if (!e && s->rec) {
		struct buf all = { 0 };
		for (size_t i = 0; i < *n; i++)
			buf_append(&all, v[i], strlen(v[i]) + 1);
		record(s, SRC_OP_LIST, path, all.data ? all.data : "", all.len, NULL);
		buf_free(&all);
	}
	return e;
}

/*
 * /dev/kmsg gives one record per read() ("pri,seq,usec,flags;text\n" plus
 * continuation lines starting with a space); O_NONBLOCK makes the end show as
 * EAGAIN. EPIPE means the record was overwritten while we read: skip on.
 * Reading it needs CAP_SYSLOG when dmesg_restrict=1 (EPERM), like syslog(2).
 */
static int read_kmsg(const struct source *s, struct buf *out)
{
	int fd = src_openat(s, "dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	char rec[8192];
	int r = 0;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec));
		if (n < 0) {
			if (errno == EINTR || errno == EPIPE)
				continue;
			if (errno != EAGAIN)
				r = -errno;
			break;
		}
		if (n == 0)
			break;
		buf_append(out, rec, (size_t)n);
		if (rec[n - 1] != '\n')
			buf_putc(out, '\n');
	}
	close(fd);
	return r;
}

int src_read_kernel_log(const struct source *s, struct buf *out)
{
	if (!s->is_live)
		return src_read(s, "dmesg", out, 64u << 20);
	size_t before = out->len;
	int r = read_kmsg(s, out);
	if (r == 0 && out->len > before) {
		record(s, SRC_OP_KLOG, "dmesg", out->data + before, out->len - before, NULL);
		return 0;
	}
	/* Fall back to syslog(2) (SYSLOG_ACTION_SIZE_BUFFER = 10, READ_ALL = 3). */
	int size = klogctl(10, NULL, 0);
	if (size <= 0)
		return r ? r : -errno;
	if (buf_reserve(out, (size_t)size))
		return -ENOMEM;
	int n = klogctl(3, out->data + out->len, size);
	if (n < 0)
		return r ? r : -errno;
	out->len += (size_t)n;
	out->data[out->len] = '\0';
	record(s, SRC_OP_KLOG, "dmesg", out->data + before, out->len - before, NULL);
	return 0;
}
