#include "act/allow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "act/ibpolicy.h"
#include "act/persist.h"
#include "source/source.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif

#define NOT_ALLOWED "not a file irqsight writes (only proc/irq/N/smp_affinity[_list], " \
		    "proc/irq/default_smp_affinity, sys/class/net/IF/queues/rx-N/rps_cpus and tx-N/xps_cpus)"

bool act_ifname_ok(const char *n)
{
	size_t len = strlen(n);
	if (!len || len >= 16 || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	for (const char *c = n; *c; c++)
		if (*c == '/' || *c == ':' || *c == ' ' || (*c >= '\t' && *c <= '\r'))
			return false;
	return true;
}

/* Decimal digits, no leading zero (so one file has one spelling), at most 9 of them. */
static bool number(const char *s, size_t n)
{
	if (!n || n > 9 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Split rel at '/' into at most 8 components; false on an empty component (leading,
 * doubled or trailing '/') or too many. */
static int split(const char *rel, const char *c[8], size_t len[8])
{
	int n = 0;
	const char *p = rel;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (!l || n == 8)
			return -1;
		c[n] = p;
		len[n++] = l;
		if (!e)
			return n;
		p = e + 1;
	}
}

static bool is(const char *c, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(c, lit, n);
}

int act_allow_path(const char *rel, const char **why)
{
	const char *c[8];
	size_t l[8];
	if (!rel || strlen(rel) > 512) {
		*why = NOT_ALLOWED;
		return -EPERM;
	}
	int n = split(rel, c, l);
	if (n == 3 && is(c[0], l[0], "proc") && is(c[1], l[1], "irq") && is(c[2], l[2], "default_smp_affinity"))
		return 0;
	if (n == 4 && is(c[0], l[0], "proc") && is(c[1], l[1], "irq") && number(c[2], l[2]) &&
	    (is(c[3], l[3], "smp_affinity") || is(c[3], l[3], "smp_affinity_list")))
		return 0;
	if (n == 7 && is(c[0], l[0], "sys") && is(c[1], l[1], "class") && is(c[2], l[2], "net") &&
	    is(c[4], l[4], "queues")) {
		char ifname[16];
		if (l[3] >= sizeof(ifname)) {
			*why = "not a network interface name (longer than 15 bytes)";
			return -EPERM;
		}
		memcpy(ifname, c[3], l[3]);
		ifname[l[3]] = '\0';
		if (!act_ifname_ok(ifname)) {
			*why = "not a network interface name (no '/', ':' or blank, not '.' or '..')";
			return -EPERM;
		}
		bool rx = l[5] > 3 && !memcmp(c[5], "rx-", 3), tx = l[5] > 3 && !memcmp(c[5], "tx-", 3);
		if ((rx || tx) && number(c[5] + 3, l[5] - 3) &&
		    is(c[6], l[6], rx ? "rps_cpus" : "xps_cpus"))
			return 0;
	}
	*why = NOT_ALLOWED;
	return -EPERM;
}

int act_allow_write(const struct source *src, const char *rel, const char **why)
{
	int r = act_allow_path(rel, why);
	if (r || strncmp(rel, "sys/class/net/", 14) != 0)
		return r;
	/* A real interface: an entry of sys/class/net under this root (a link on a live host). */
	char dir[64];
	const char *ifn = rel + 14;
	size_t n = (size_t)(strchr(ifn, '/') - ifn);
	memcpy(dir, rel, 14 + n);
	dir[14 + n] = '\0';
	struct stat st;
	if (src_lstat(src, dir, &st) || !(S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))) {
		*why = "no such network interface under the root (sys/class/net)";
		return -EPERM;
	}
	return 0;
}

/* Where the open file really is, relative to the root, must be the allowed path itself,
 * or for sysfs one that ends in net/IF/queues/Q/FILE of the same IF, queue and file (a
 * live /sys/class/net/IF is a link into /sys/devices/...): no link in the middle of the
 * path (an interface linked to etc/) leads anywhere else. */
static int check_where(const struct source *src, int fd, const char *rel, const char **why)
{
	char lk[64], real[4096];
	snprintf(lk, sizeof(lk), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(lk, real, sizeof(real) - 1);
	if (n < 0) {
		*why = "cannot tell where the file is (no /proc/self/fd): not written";
		return -EPERM;
	}
	real[n] = '\0';
	size_t rl = strlen(src->root);
	while (rl && src->root[rl - 1] == '/')
		rl--;
	if (strncmp(real, src->root, rl) != 0 || real[rl] != '/') {
		*why = "resolves outside the root";
		return -EPERM;
	}
	const char *in = real + rl + 1;
	if (!strcmp(in, rel))
		return 0;
	if (!strncmp(rel, "sys/class/", 10) && !strncmp(in, "sys/", 4)) {
		const char *tail = rel + 10;	/* net/IF/queues/Q/FILE */
		size_t il = strlen(in), tl = strlen(tail);
		if (il > tl && in[il - tl - 1] == '/' && !strcmp(in + il - tl, tail))
			return 0;
	}
	*why = "resolves through a link to another file than its name says";
	return -EPERM;
}

int act_open_checked(const struct source *src, const char *rel, int flags, const char **why)
{
	int r = act_allow_write(src, rel, why);
	if (r)
		return r;
	/* No O_TRUNC before the checks below (it would cut a file they refuse); O_NONBLOCK so
	 * a FIFO planted in a copy tree fails (ENXIO) instead of waiting for a reader. */
	int fd = src_openat(src, rel, flags | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (fd == -ELOOP)
			*why = "a symbolic link: irqsight reads and writes no file through a link";
		return fd == -ELOOP ? -EPERM : fd;
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EMEDIUMTYPE;
	}
	if ((r = check_where(src, fd, rel, why))) {
		close(fd);
		return r;
	}
	if (src->is_live) {
		struct statfs sf;
		long want = rel[0] == 'p' ? PROC_SUPER_MAGIC : SYSFS_MAGIC;
		if (fstatfs(fd, &sf) || (long)sf.f_type != want) {
			close(fd);
			*why = rel[0] == 'p' ? "not on procfs: refusing a disk file" : "not on sysfs: refusing a disk file";
			return -EPERM;
		}
	}
	return fd;
}

int act_open_for_write(const struct source *src, const char *rel, const char **why)
{
	int fd = act_open_checked(src, rel, O_WRONLY, why);
	if (fd >= 0 && !src->is_live && ftruncate(fd, 0)) {
		/* A copy tree's regular file: one write() then replaces it, as on proc/sysfs. */
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

bool act_persist_allowed(const char *rel)
{
	static const char *const files[] = {
		PERSIST_PLAN,
		"etc/systemd/system/" PERSIST_UNIT,
		"etc/systemd/system/multi-user.target.wants/" PERSIST_UNIT,
		"etc/systemd/system/" PERSIST_KEEP_UNIT,
		"etc/systemd/system/multi-user.target.wants/" PERSIST_KEEP_UNIT,
		"etc/default/irqbalance",
		"etc/sysconfig/irqbalance",
		PERSIST_IB_POLICY,
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (rel && !strcmp(rel, files[i]))
			return true;
	return false;
}
