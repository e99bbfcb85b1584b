#include "source/fanotify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"

/* A marked file: the event names it by an fd of its own, so it is found by (dev, ino). */
struct fw_mark {
	dev_t dev;
	ino_t ino;
	int key;	/* -1 free, -2 removed (a tombstone) */
};

#define FREE (-1)
#define GONE (-2)

int fw_open(struct fanwatch *w)
{
	memset(w, 0, sizeof(*w));
	w->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_CLOEXEC);
	return w->fd < 0 ? -errno : 0;
}

void fw_close(struct fanwatch *w)
{
	if (w->fd >= 0)
		close(w->fd);	/* the group's marks go with it */
	free(w->m);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

static unsigned slot_of(const struct fanwatch *w, dev_t dev, ino_t ino)
{
	unsigned long long h = ((unsigned long long)ino * 0x9e3779b97f4a7c15ull) ^ (unsigned long long)dev;
	return (unsigned)(h >> 17) & (unsigned)(w->cap - 1);
}

/* The slot of (dev, ino), or -1. */
static int lookup(const struct fanwatch *w, dev_t dev, ino_t ino)
{
	if (!w->cap)
		return -1;
	for (unsigned s = slot_of(w, dev, ino);; s = (s + 1) & (unsigned)(w->cap - 1)) {
		const struct fw_mark *m = &w->m[s];
		if (m->key == FREE)
			return -1;
		if (m->key != GONE && m->dev == dev && m->ino == ino)
			return (int)s;
	}
}

static int grow(struct fanwatch *w)
{
	int nc = w->cap ? w->cap * 2 : 256;
	while (w->nmarks * 2 >= nc)
		nc *= 2;
	struct fw_mark *old = w->m, *m = malloc((size_t)nc * sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (int i = 0; i < nc; i++)
		m[i].key = FREE;
	int oc = w->cap;
	w->m = m;
	w->cap = nc;
	w->used = w->nmarks;
	for (int i = 0; i < oc; i++) {
		if (old[i].key < 0)
			continue;
		unsigned s = slot_of(w, old[i].dev, old[i].ino);
		while (m[s].key != FREE)
			s = (s + 1) & (unsigned)(nc - 1);
		m[s] = old[i];
	}
	free(old);
	return 0;
}

/* The file open as fd: its (dev, ino) in *st and its slot, -1 when not marked; or -errno
 * (-EBADF without a group) in *err. */
static int slot_of_fd(const struct fanwatch *w, int fd, struct stat *st, int *err)
{
	*err = w->fd < 0 ? -EBADF : fstat(fd, st) ? -errno : 0;
	return *err ? -1 : lookup(w, st->st_dev, st->st_ino);
}

int fw_mark(struct fanwatch *w, int fd, int key)
{
	struct stat st;
	int err, s = slot_of_fd(w, fd, &st, &err);
	if (err)
		return err;
	if (s >= 0) {
		w->m[s].key = key;
		return 0;
	}
	/* Tombstones count as used: at half full, rebuild. */
	if ((w->used + 1) * 2 > w->cap && grow(w))
		return -ENOMEM;
	/* dirfd with a NULL path: the file open as fd, whatever its path says now. */
	if (fanotify_mark(w->fd, FAN_MARK_ADD, FAN_MODIFY, fd, NULL))
		return -errno;
	unsigned u = slot_of(w, st.st_dev, st.st_ino);
	while (w->m[u].key >= 0)
		u = (u + 1) & (unsigned)(w->cap - 1);
	w->used += w->m[u].key == FREE;
	w->m[u] = (struct fw_mark){ st.st_dev, st.st_ino, key };
	w->nmarks++;
	return 0;
}

int fw_unmark(struct fanwatch *w, int fd)
{
	struct stat st;
	int err, s = slot_of_fd(w, fd, &st, &err);
	if (err)
		return err;
	if (s < 0)
		return -ENOENT;
	w->m[s].key = GONE;
	w->nmarks--;
	/* ENOENT: the kernel dropped the mark already (the file was removed). */
	if (fanotify_mark(w->fd, FAN_MARK_REMOVE, FAN_MODIFY, fd, NULL) && errno != ENOENT)
		return -errno;
	return 0;
}

int fw_read(struct fanwatch *w, int ignore_pid, struct fw_event *ev, int max)
{
	int n = 0;
	bool lost = false;
	if (w->fd < 0 || max < 1)
		return -EBADF;
	/* An array of the metadata struct: aligned as the records the kernel packs into it. */
	struct fanotify_event_metadata buf[4096 / sizeof(struct fanotify_event_metadata)];
	while (n < max) {
		ssize_t len = read(w->fd, buf, sizeof(buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return errno == EAGAIN || n ? n : -errno;
		if (len == 0)
			break;
		const struct fanotify_event_metadata *m = buf;
		for (; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
			struct stat st;
			int s = -1;
			if (m->vers != FANOTIFY_METADATA_VERSION) {
				/* A kernel speaking another version: nothing more can be read. */
				if (m->fd >= 0)
					close(m->fd);
				return -EPROTO;
			}
			struct fw_event e = { FW_OVERFLOW, 0 };
			bool keep = m->mask & FAN_Q_OVERFLOW;
			if (!keep && m->fd >= 0 && m->pid != ignore_pid && !fstat(m->fd, &st) &&
			    (s = lookup(w, st.st_dev, st.st_ino)) >= 0) {
				e = (struct fw_event){ w->m[s].key, (int)m->pid };
				keep = true;
			}
			if (m->fd >= 0)
				close(m->fd);
			if (keep && n < max)
				ev[n++] = e;
			else if (keep)
				lost = true;
		}
	}
	/* More than max in the last read: the caller is told events were lost. */
	if (lost)
		ev[max - 1] = (struct fw_event){ FW_OVERFLOW, 0 };
	return n;
}

/* Up to n - 1 bytes of /proc/PID/NAME; the length or -errno. */
static ssize_t read_task(int pid, const char *name, char *out, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return read_fd_small(fd < 0 ? -errno : fd, out, n);
}

int fw_task(int pid, char *comm, size_t cn, char *cmd, size_t mn)
{
	if (pid <= 0 || cn < 2 || mn < 2)
		return -EINVAL;
	ssize_t r = read_task(pid, "comm", comm, cn);
	/* A zombie still has its comm; one reaped has no /proc entry. */
	if (r <= 0)
		return -ENOENT;
	while (r > 0 && comm[r - 1] == '\n')
		comm[--r] = '\0';
	r = read_task(pid, "cmdline", cmd, mn);
	if (r < 0)
		r = 0;
	while (r > 0 && cmd[r - 1] == '\0')
		r--;
	cmd[r] = '\0';
	for (ssize_t i = 0; i < r; i++)
		if (!cmd[i])
			cmd[i] = ' ';
		else if ((unsigned char)cmd[i] < 0x20 || (unsigned char)cmd[i] >= 0x7f || cmd[i] == '"' ||
			 cmd[i] == '\\')
			cmd[i] = '?';
	for (char *c = comm; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f || *c == '"' || *c == '\\')
			*c = '?';
	return 0;
}
