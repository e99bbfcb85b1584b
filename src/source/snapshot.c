/*
 * The snapshot writer (source/snapshot.h): a recorder on the source layer that writes
 * every path the readers consume into DIR (same relative paths, same file modes,
 * symlink targets kept, listed entries recreated), plus the kernel log as DIR/dmesg.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/snapshot.h"
#include "util/buf.h"
#include "util/str.h"

#define IRQ_SEEN_MAX (1u << 20)

/*
 * The share of the work that is not per IRQ (devices, processes, the kernel log), as a
 * fraction of the per-IRQ work: under a tenth on bench/gen-host.py's 512-CPU x
 * 8,192-IRQ host. The time left errs short near the end rather than stalling at 99%.
 */
#define OTHER_WORK 0.1

/* proc/irq/N/... read for the first time: one more IRQ done. */
static void count_irq(struct snap *s, const char *path)
{
	if (!s->irq_seen || strncmp(path, "proc/irq/", 9))
		return;
	char *end;
	unsigned long n = strtoul(path + 9, &end, 10);
	if (end == path + 9 || (*end && *end != '/') || n >= IRQ_SEEN_MAX || s->irq_seen[n])
		return;
	s->irq_seen[n] = 1;
	s->irq_done++;
	progress_work(&s->prog, (double)s->irq_done, (double)s->nirq * (1.0 + OTHER_WORK));
}

/* The IRQ directories of the source, counted without recording them. */
static size_t count_irq_dirs(const struct source *src)
{
	int fd = src_open_unrecorded(src, "proc/irq", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

static void fail(struct snap *s, const char *path, int e)
{
	if (!s->errors++)
		snprintf(s->first_error, sizeof(s->first_error), "cannot write '%s': %s", path, strerror(e));
}

/*
 * Every name written into DIR is resolved inside DIR, as `irqsight --root DIR` will
 * resolve it: the links the source had are kept as links, and a plain openat() or
 * mkdirat() through one of them ("proc/x -> /etc", "sys/y -> ../../../..") would
 * write outside DIR. The directory holding path's last component (an O_PATH fd to
 * close) and that component; -errno.
 */
static int out_parent(struct snap *s, const char *path, const char **last)
{
	return src_open_parent(&s->out, path, last);
}

/* mkdir -p for the directory part of path (or the whole path when whole), each level
 * resolved inside DIR. -errno. */
static int mkdirs(struct snap *s, const char *path, bool whole)
{
	char tmp[4096];
	str_copy(tmp, path, sizeof(tmp));
	size_t n = strlen(tmp);
	if (!whole) {
		char *sl = strrchr(tmp, '/');
		if (!sl)
			return 0;
		*sl = '\0';
		n = strlen(tmp);
	}
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		char c = tmp[i];
		tmp[i] = '\0';
		const char *last;
		int pfd = out_parent(s, tmp, &last);
		if (pfd < 0)
			return pfd;
		int r = 0;
		if (*last && mkdirat(pfd, last, 0755) == 0)
			s->dirs++;
		else if (*last && errno != EEXIST)
			r = -errno;
		close(pfd);
		if (r)
			return r;
		tmp[i] = c;
	}
	return 0;
}

/* chmod of what path names inside DIR (a link there is followed inside DIR). */
static void out_chmod(struct snap *s, const char *path, mode_t mode)
{
	int fd = src_open_unrecorded(&s->out, path, O_RDONLY);
	if (fd >= 0) {
		fchmod(fd, mode);
		close(fd);
	}
}

void snap_write_file(struct snap *s, const char *path, const void *data, size_t len, mode_t mode)
{
	int r = mkdirs(s, path, false);
	if (r) {
		fail(s, path, -r);
		return;
	}
	const char *last;
	int pfd = out_parent(s, path, &last);
	if (pfd < 0) {
		fail(s, path, -pfd);
		return;
	}
	/* rewritable if an earlier pass made it read-only (never through a link); when this
	 * fails (no such file yet, a link) the open below says what matters */
	int ch = fchmodat(pfd, last, 0600, AT_SYMLINK_NOFOLLOW);
	(void)ch;
	int fd = openat(pfd, last, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	int e = errno;
	close(pfd);
	if (fd < 0) {
		if (e != EISDIR && e != ELOOP)
			fail(s, path, e);
		return;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fail(s, path, errno);
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	/* Keep the kernel's mode bits: 0444 smp_affinity means "not user-settable" (6.12+). */
	fchmod(fd, (mode & 0777) | S_IRUSR);
	close(fd);
	s->files++;
	s->bytes += len;
}

/* A file the readers opened (or stat'ed) but did not read whole: copied through the
 * source's own open, so a link in a --root tree resolves inside that tree, exactly as
 * the reader's open did, never to this host's file of the same name. */
static void copy_live(struct snap *s, const char *path, mode_t mode)
{
	int fd = src_open_unrecorded(s->src, path, O_RDONLY);
	if (fd < 0)
		return;
	struct buf b = { 0 };
	if (!buf_read_fd(&b, fd, 256u << 20))
		snap_write_file(s, path, b.data ? b.data : "", b.len, mode);
	buf_free(&b);
	close(fd);
}

static bool exists(struct snap *s, const char *path)
{
	struct stat st;
	const char *last;
	int pfd = out_parent(s, path, &last);
	if (pfd < 0)
		return false;
	bool r = fstatat(pfd, *last ? last : ".", &st, AT_SYMLINK_NOFOLLOW) == 0;
	close(pfd);
	return r;
}

/* /dev/kmsg records "pri,seq,usec,flags;text" become dmesg lines "[sec.usec] text". */
static void write_klog(struct snap *s, const char *data, size_t len)
{
	struct buf out = { 0 };
	struct slice all = { data, len }, line;
	while (slice_line(&all, &line)) {
		if (line.n && line.p[0] == ' ')
			continue;	/* continuation: KEY=value dictionary */
		const char *semi = memchr(line.p, ';', line.n < 64 ? line.n : 64);
		unsigned long long usec = 0;
		int pri;
		if (semi && sscanf(line.p, "%d,%*u,%llu", &pri, &usec) == 2) {
			buf_printf(&out, "[%5llu.%06llu] %.*s\n", usec / 1000000, usec % 1000000,
				   (int)(line.n - (size_t)(semi + 1 - line.p)), semi + 1);
		} else {
			buf_append(&out, line.p, line.n);
			buf_putc(&out, '\n');
		}
	}
	snap_write_file(s, "dmesg", out.data ? out.data : "", out.len, 0644);
	buf_free(&out);
}

static void on_read(void *ctx, enum src_op op, const char *path, const void *data, size_t len, const struct stat *st)
{
	struct snap *s = ctx;
	count_irq(s, path);
	switch (op) {
	case SRC_OP_READ: snap_write_file(s, path, data, len, st ? st->st_mode : 0644); break;
	case SRC_OP_OPEN: copy_live(s, path, st ? st->st_mode : 0644); break;
	case SRC_OP_STAT: {
		int r;
		if (S_ISDIR(st->st_mode)) {
			if ((r = mkdirs(s, path, true)))
				fail(s, path, -r);
		} else if (!exists(s, path)) {
			copy_live(s, path, st->st_mode);
		} else {
			out_chmod(s, path, (st->st_mode & 0777) | S_IRUSR);
		}
		break;
	}
	case SRC_OP_READLINK: {
		int r = mkdirs(s, path, false);
		if (r) {
			fail(s, path, -r);
			break;
		}
		if (exists(s, path))
			break;	/* already there as a directory we read through */
		const char *last;
		int pfd = out_parent(s, path, &last);
		if (pfd < 0 || symlinkat((const char *)data, pfd, last))
			fail(s, path, pfd < 0 ? -pfd : errno);
		else
			s->links++;
		if (pfd >= 0)
			close(pfd);
		break;
	}
	case SRC_OP_LIST: {
		int r = mkdirs(s, path, true);
		int dfd = r ? r : src_open_unrecorded(&s->out, path, O_PATH | O_DIRECTORY);
		if (dfd < 0) {
			fail(s, path, -dfd);
			break;
		}
		/* Recreate every entry so a listing gives the same names; directories and
		 * links to directories (sysfs devices) become directories. The top of proc/
		 * is listed only for its process directories: its files (kcore, slabinfo...)
		 * are not recreated as empty placeholders. */
		bool dirs_only = !strcmp(path, "proc");
		const char *p = data, *end = (const char *)data + len;
		char child[4096];
		for (; p < end; p += strlen(p) + 1) {
			struct stat cst;
			if (fstatat(dfd, p, &cst, AT_SYMLINK_NOFOLLOW) == 0)
				continue;	/* already there */
			/* a directory in the source (a link to one resolved inside the source) */
			snprintf(child, sizeof(child), "%s/%s", path, p);
			int cfd = src_open_unrecorded(s->src, child, O_PATH);
			bool dir = cfd >= 0 && fstat(cfd, &cst) == 0 && S_ISDIR(cst.st_mode);
			if (cfd >= 0)
				close(cfd);
			if (dir) {
				if (mkdirat(dfd, p, 0755) == 0)
					s->dirs++;
			} else if (!dirs_only) {
				int fd = openat(dfd, p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
				if (fd >= 0)
					close(fd);
			}
		}
		close(dfd);
		break;
	}
	case SRC_OP_KLOG: write_klog(s, data, len); break;
	}
}

void snap_start(struct snap *s, struct source *src, bool quiet)
{
	s->src = src;
	s->rec = (struct src_recorder){ on_read, s };
	src->rec = &s->rec;
	/* A big host takes seconds (5 s for 8,192 IRQs): a terminal sees how far it is. */
	progress_init_work(&s->prog, "snapshot", quiet);
	s->nirq = count_irq_dirs(src);
	if (s->prog.on && s->nirq)
		s->irq_seen = calloc(IRQ_SEEN_MAX, 1);
}

void snap_stop(struct snap *s, struct source *src)
{
	progress_end(&s->prog);
	free(s->irq_seen);
	s->irq_seen = NULL;
	src->rec = NULL;
}
