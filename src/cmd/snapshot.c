/*
 * irqsight snapshot DIR: build the model of this host with a recorder on the source
 * layer, and write every path the readers consumed into DIR (same relative paths,
 * same file modes, symlink targets kept), plus the kernel log as DIR/dmesg. So
 * `irqsight --root DIR check` elsewhere sees exactly what it would see here.
 * Nothing else is copied: no process environments or command lines — only the
 * names of processes and threads, and stat/status/cgroup of VM threads.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/host.h"
#include "rules/finding.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/str.h"

struct snap {
	int dirfd;
	int rootfd;
	int files, dirs, links;
	size_t bytes;
	int errors;
	char first_error[512];
};

static void fail(struct snap *s, const char *path, int e)
{
	if (!s->errors++)
		snprintf(s->first_error, sizeof(s->first_error), "cannot write '%s': %s", path, strerror(e));
}

/* mkdir -p for the directory part of path (or the whole path when whole). */
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
		if (mkdirat(s->dirfd, tmp, 0755) == 0)
			s->dirs++;
		else if (errno != EEXIST)
			return -errno;
		tmp[i] = c;
	}
	return 0;
}

static void write_file(struct snap *s, const char *path, const void *data, size_t len, mode_t mode)
{
	if (mkdirs(s, path, false)) {
		fail(s, path, errno);
		return;
	}
	fchmodat(s->dirfd, path, 0600, 0);	/* rewritable if an earlier pass made it read-only */
	int fd = openat(s->dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno != EISDIR && errno != ELOOP)
			fail(s, path, errno);
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

static void copy_live(struct snap *s, const char *path, mode_t mode)
{
	int fd = openat(s->rootfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct buf b = { 0 };
	if (!buf_read_fd(&b, fd, 256u << 20))
		write_file(s, path, b.data ? b.data : "", b.len, mode);
	buf_free(&b);
	close(fd);
}

static bool exists(struct snap *s, const char *path)
{
	struct stat st;
	return fstatat(s->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
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
	write_file(s, "dmesg", out.data ? out.data : "", out.len, 0644);
	buf_free(&out);
}

static void on_read(void *ctx, enum src_op op, const char *path, const void *data, size_t len, const struct stat *st)
{
	struct snap *s = ctx;
	switch (op) {
	case SRC_OP_READ:
		write_file(s, path, data, len, st ? st->st_mode : 0644);
		break;
	case SRC_OP_OPEN:
		copy_live(s, path, st ? st->st_mode : 0644);
		break;
	case SRC_OP_STAT:
		if (S_ISDIR(st->st_mode)) {
			if (mkdirs(s, path, true))
				fail(s, path, errno);
		} else if (!exists(s, path)) {
			copy_live(s, path, st->st_mode);
		} else {
			fchmodat(s->dirfd, path, (st->st_mode & 0777) | S_IRUSR, 0);
		}
		break;
	case SRC_OP_READLINK:
		if (mkdirs(s, path, false)) {
			fail(s, path, errno);
			break;
		}
		if (exists(s, path))
			break;	/* already there as a directory we read through */
		if (symlinkat((const char *)data, s->dirfd, path))
			fail(s, path, errno);
		else
			s->links++;
		break;
	case SRC_OP_LIST: {
		if (mkdirs(s, path, true)) {
			fail(s, path, errno);
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
			snprintf(child, sizeof(child), "%s/%s", path, p);
			if (exists(s, child))
				continue;
			struct stat cst;
			if (fstatat(s->rootfd, child, &cst, 0) == 0 && S_ISDIR(cst.st_mode)) {
				if (mkdirat(s->dirfd, child, 0755) == 0)
					s->dirs++;
			} else if (!dirs_only) {
				int fd = openat(s->dirfd, child, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
				if (fd >= 0)
					close(fd);
			}
		}
		break;
	}
	case SRC_OP_KLOG:
		write_klog(s, data, len);
		break;
	}
}

static bool dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return true;
	struct dirent *de;
	bool empty = true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

int cmd_snapshot(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: irqsight snapshot DIR\n\n"
			       "Copy what irqsight reads on this host into DIR (a new or empty directory),\n"
			       "including the kernel log as DIR/dmesg, for `irqsight --root DIR check`\n"
			       "elsewhere. No process environments or command lines are copied.\n");
			return EXIT_OK;
		}
		return EXIT_UNKNOWN;
	}
	if (optind + 1 != argc)
		return err("snapshot: give exactly one target directory (irqsight snapshot DIR)");
	const char *dir = argv[optind];
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return err("snapshot: '%s' exists and is not a directory", dir);
		if (!dir_is_empty(dir))
			return err("snapshot: refusing to write into non-empty directory '%s'", dir);
	} else if (mkdir(dir, 0755)) {
		return err("snapshot: cannot create '%s': %s", dir, strerror(errno));
	}
	struct snap s = { .dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
	if (s.dirfd < 0)
		return err("snapshot: cannot open '%s': %s", dir, strerror(errno));
	struct source src;
	int r = src_open(&src, g->root);
	if (r) {
		close(s.dirfd);
		return err("cannot open root '%s': %s", g->root, strerror(-r));
	}
	s.rootfd = src.rootfd;
	struct src_recorder rec = { on_read, &s };
	src.rec = &rec;
	struct host h;
	struct host_opts ho = { 0 };
	r = host_build(&h, &src, &ho);
	if (r) {
		src_close(&src);
		close(s.dirfd);
		return err("cannot read the host: %s", strerror(-r));
	}
	struct buf meta = { 0 };
	time_t now = time(NULL);
	char when[64];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	buf_printf(&meta, "irqsight snapshot\nsource: %s\ntaken: %s\nuid: %u%s\nkernel: %s\n", src.is_live ? "live" : src.root,
		   when, (unsigned)geteuid(), geteuid() == 0 ? " (root)" : " (not root: PCI config is 64 bytes, log may be missing)",
		   h.platform.kernel_release ? h.platform.kernel_release : "unknown");
	write_file(&s, "irqsight-snapshot.txt", meta.data, meta.len, 0644);
	buf_free(&meta);
	int unread = h.nunreadable;
	host_free(&h);
	src_close(&src);
	close(s.dirfd);
	if (s.errors)
		return err("snapshot: %d write error(s); first: %s", s.errors, s.first_error);
	fprintf(stderr, "irqsight: snapshot written to %s: %d files (%zu KiB), %d links%s\n", dir, s.files, s.bytes / 1024,
		s.links, unread ? "; some facts were unreadable (see the report's 'unreadable')" : "");
	fprintf(stderr, "analyse it anywhere with: irqsight --root %s check\n", dir);
	return EXIT_OK;
}
