/*
 * Who writes a file keep holds: a fanotify group (FAN_CLASS_NOTIF, libc only) with a
 * FAN_MODIFY mark on each held file. vfs_write() notifies every filesystem, procfs and
 * sysfs included, so a write to /proc/irq/N/smp_affinity_list is seen with the writer's
 * pid (tgid) as it happens. A change the kernel makes itself (a driver setting an
 * affinity hint, CPU hotplug) is no write to the file and is not seen. Marks are made on
 * an open fd, never by path, so a --root copy is watched exactly as held. Needs
 * CAP_SYS_ADMIN; marks count against fs.fanotify.max_user_marks (-ENOSPC beyond it).
 */
#ifndef IRQSIGHT_SOURCE_FANOTIFY_H
#define IRQSIGHT_SOURCE_FANOTIFY_H

#include <sys/types.h>

struct fw_mark;

struct fanwatch {
	int fd;			/* the fanotify group, -1 when none */
	struct fw_mark *m;	/* open addressing by (dev, ino) */
	int cap, used, nmarks;
};

/* One write seen: key as given to fw_mark(), or FW_OVERFLOW when events were lost. */
struct fw_event {
	int key;
	int pid;
};

#define FW_OVERFLOW (-1)

/* Open the group: 0 or -errno (-EPERM without CAP_SYS_ADMIN, -ENOSYS without fanotify). */
int fw_open(struct fanwatch *w);
void fw_close(struct fanwatch *w);
/* Watch the file open as fd for writes, reported with key (>= 0): 0 or -errno; -ENOSPC
 * when the marks limit is reached. Marking a file already marked updates its key. */
int fw_mark(struct fanwatch *w, int fd, int key);
/* Stop watching the file open as fd (before closing it): 0 or -errno. */
int fw_unmark(struct fanwatch *w, int fd);
/*
 * Drain the group without blocking into ev (at most max; call again while it returns
 * max). Writes by ignore_pid (the caller's own) and by files no longer marked are
 * skipped; every event's fd is closed. Returns the number of events or -errno.
 */
int fw_read(struct fanwatch *w, int ignore_pid, struct fw_event *ev, int max);

/*
 * The writer of an event by its pid, from this host's /proc (an event's pid is this
 * host's, whatever --root says): comm, and the start of its command line with NULs as
 * spaces and anything unprintable as '?'. 0, or -ENOENT when the process is gone.
 */
int fw_task(int pid, char *comm, size_t cn, char *cmd, size_t mn);

#endif
