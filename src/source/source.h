/*
 * The source layer: every byte irqsight reads comes through here, by a path
 * relative to a root directory. Live mode is root "/"; a snapshot is the same
 * tree copied (see snapshot.c), plus the kernel log as the file "dmesg" at its top.
 * Functions return 0 or -errno and never print. Paths never start with '/'.
 */
#ifndef IRQSIGHT_SOURCE_SOURCE_H
#define IRQSIGHT_SOURCE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "util/compat.h"

struct buf;
struct arena;

/*
 * A recorder sees every successful read (used by `snapshot` to copy exactly what the
 * readers consumed). data/len: file content (READ, KLOG), the link target (READLINK),
 * NUL-separated names (LIST); st: for STAT/OPEN.
 */
enum src_op { SRC_OP_READ, SRC_OP_OPEN, SRC_OP_LIST, SRC_OP_READLINK, SRC_OP_STAT, SRC_OP_KLOG };
struct src_recorder {
	void (*fn)(void *ctx, enum src_op op, const char *path, const void *data, size_t len,
		   const struct stat *st);
	void *ctx;
};

struct source {
	int rootfd;
	bool is_live;		/* root is "/": the kernel log comes from the kernel */
	char root[4096];
	const struct src_recorder *rec;	/* NULL normally */
};

/* Open the root ("/" or a snapshot directory). */
int src_open(struct source *s, const char *root);
void src_close(struct source *s);

/* Read a whole file (sysfs/proc files are read until read() returns 0). max 0 = unlimited. */
int src_read(const struct source *s, const char *path, struct buf *out, size_t max);
int src_readf(const struct source *s, struct buf *out, size_t max, const char *fmt, ...) PRINTF(4, 5);
/* Open for streaming reads (O_RDONLY|O_CLOEXEC); returns fd or -errno. */
int src_openat(const struct source *s, const char *path, int flags);
int src_stat(const struct source *s, const char *path, struct stat *st);
int src_lstat(const struct source *s, const char *path, struct stat *st);
/* src_openat without telling the recorder: for the recorder's own copies (snapshot),
 * resolved inside the root exactly as the read it copies. fd or -errno. */
int src_open_unrecorded(const struct source *s, const char *path, int flags);
/* The directory holding path's last component, resolved inside the root as every open
 * is (an fd the caller closes), and that component in *last; -errno. */
int src_open_parent(const struct source *s, const char *path, const char **last);
/* Target of a symlink, NUL-terminated. */
int src_readlink(const struct source *s, const char *path, char *out, size_t n);
bool src_exists(const struct source *s, const char *path);
/* Open path under rootfd as if rootfd were "/" (openat2's RESOLVE_IN_ROOT, by hand: the
 * fallback where openat2 is refused). fd or -errno. Exposed for tests. */
int src_open_in_root(int rootfd, const char *path, int flags);

/*
 * List a directory: names (without "." and ".."), sorted in version order
 * ("2" < "10"), allocated in the arena. *names may be NULL when *n == 0.
 */
int src_list(const struct source *s, struct arena *a, const char *path, char ***names, size_t *n);

/*
 * The kernel log: live, from /dev/kmsg (or syslog(2) when that is not readable);
 * from a snapshot, the file "dmesg" at its root. Appends to out.
 */
int src_read_kernel_log(const struct source *s, struct buf *out);

#endif
