/*
 * Paths inside a snapshot stay inside it (source/source.c): the by-hand RESOLVE_IN_ROOT
 * used where openat2 is refused (old kernels, seccomp), and lstat/readlink, whose
 * directories are resolved in the snapshot too. Each escape below, followed as the
 * kernel follows links, would reach this machine's /proc.
 */
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source.h"
#include "util/buf.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	t_write(p, text);
}

static void link_to(const char *target, const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p))
		t_fail(__FILE__, __LINE__, "cannot link %s", p);
}

/* What path reads as under the root, by hand ("" and *err set when it cannot be opened). */
static const char *read_in_root(int rfd, const char *path, int *err)
{
	static char got[256];
	got[0] = '\0';
	int fd = src_open_in_root(rfd, path, O_RDONLY);
	*err = fd < 0 ? fd : 0;
	if (fd < 0)
		return got;
	ssize_t n = read(fd, got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	close(fd);
	return got;
}

/* Is fd the snapshot's own proc/ directory? Closes it. */
static bool is_snapshot_proc(int fd)
{
	if (fd < 0)
		return false;
	char p[256];
	struct stat a, b;
	snprintf(p, sizeof(p), "%s/proc", root);
	bool same = fstat(fd, &a) == 0 && stat(p, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
	close(fd);
	return same;
}

static void rm_tree(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		t_fail(__FILE__, __LINE__, "cannot remove %s", root);
}

TEST(source_paths_stay_inside_the_snapshot)
{
	snprintf(root, sizeof(root), "/tmp/irqsight-src-XXXXXX");
	if (!mkdtemp(root)) {
		t_fail(__FILE__, __LINE__, "mkdtemp");
		return;
	}
	char p[256];
	snprintf(p, sizeof(p), "%s/proc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/d", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/d/e", root);
	mkdir(p, 0755);
	put("proc/cmdline", "inside\n");
	link_to("/proc/cmdline", "abs");			/* absolute: from the snapshot's root */
	link_to("../../../../../../proc/cmdline", "d/e/up");	/* relative: ".." stops at the root */
	link_to("/proc", "procdir");				/* a directory on the way */
	link_to("/d/e/up", "chain");				/* a link to a link */
	link_to("loop2", "loop1");
	link_to("loop1", "loop2");
	int rfd = open(root, O_RDONLY | O_DIRECTORY);
	int err;
	CHECK_STR(read_in_root(rfd, "proc/cmdline", &err), "inside\n");
	CHECK_STR(read_in_root(rfd, "abs", &err), "inside\n");
	CHECK_STR(read_in_root(rfd, "d/e/up", &err), "inside\n");
	CHECK_STR(read_in_root(rfd, "procdir/cmdline", &err), "inside\n");
	CHECK_STR(read_in_root(rfd, "chain", &err), "inside\n");
	CHECK_STR(read_in_root(rfd, "../../proc/./cmdline", &err), "inside\n");
	CHECK_STR(read_in_root(rfd, "d/../d/e/../../proc//cmdline", &err), "inside\n");
	read_in_root(rfd, "procdir/self/status", &err);	/* this machine's /proc/self: not there */
	CHECK_INT(err, -ENOENT);
	read_in_root(rfd, "loop1", &err);
	CHECK_INT(err, -ELOOP);
	read_in_root(rfd, "missing/file", &err);
	CHECK_INT(err, -ENOENT);
	int fd = src_open_in_root(rfd, "abs", O_RDONLY | O_NOFOLLOW);	/* the link itself, refused */
	CHECK_INT(fd, -ELOOP);
	CHECK(is_snapshot_proc(src_open_in_root(rfd, "procdir", O_RDONLY | O_DIRECTORY)));
	/* a trailing slash wants a directory, and follows a link to one even with O_NOFOLLOW */
	link_to("proc/cmdline", "lf");
	fd = src_open_in_root(rfd, "proc/cmdline/", O_RDONLY);
	CHECK_INT(fd, -ENOTDIR);
	fd = src_open_in_root(rfd, "lf/", O_RDONLY);
	CHECK_INT(fd, -ENOTDIR);
	CHECK(is_snapshot_proc(src_open_in_root(rfd, "procdir/", O_RDONLY | O_NOFOLLOW)));
	/* the function is exported: what the kernel refuses, it refuses */
	CHECK_INT(src_open_in_root(rfd, "", O_RDONLY), -ENOENT);
	CHECK_INT(src_open_in_root(rfd, "proc/new", O_WRONLY | O_CREAT), -EINVAL);
	char longp[4100];
	memset(longp, '/', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	CHECK_INT(src_open_in_root(rfd, longp, O_RDONLY), -ENAMETOOLONG);
	close(rfd);

	/* lstat and readlink through a source: the directory part inside the snapshot */
	struct source s;
	CHECK_INT(src_open(&s, root), 0);
	char t[256];
	CHECK_INT(src_readlink(&s, "abs", t, sizeof(t)), 0);
	CHECK_STR(t, "/proc/cmdline");
	CHECK_INT(src_readlink(&s, "procdir/self", t, sizeof(t)), -ENOENT);
	struct stat st;
	CHECK_INT(src_lstat(&s, "procdir/self", &st), -ENOENT);
	CHECK_INT(src_lstat(&s, "procdir/cmdline", &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_INT(src_lstat(&s, "abs", &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	/* a last ".." is a directory resolved inside: the root itself, never its parent */
	struct stat top;
	CHECK(stat(root, &top) == 0);
	CHECK_INT(src_lstat(&s, "procdir/..", &st), 0);
	CHECK(st.st_ino == top.st_ino);
	CHECK_INT(src_lstat(&s, "d/../..", &st), 0);
	CHECK(st.st_ino == top.st_ino);
	CHECK_INT(src_readlink(&s, "procdir/..", t, sizeof(t)), -EINVAL);
	struct buf b = { 0 };
	CHECK_INT(src_read(&s, "d/e/up", &b, 0), 0);
	CHECK(b.len == 7 && !memcmp(b.data, "inside\n", 7));
	buf_free(&b);
	src_close(&s);
	rm_tree();
}
