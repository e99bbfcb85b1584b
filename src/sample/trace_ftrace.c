/*
 * The ftrace backend: the same raw records as perf, written into the kernel's ring
 * buffer of a private instance, <tracefs>/instances/irqsight-<pid>-<n>-<nonce>: its
 * events enabled, tracing_cpumask the recorded CPUs, trace_clock "mono"
 * (CLOCK_MONOTONIC's base), overwrite off (a full ring drops new events and counts
 * them in per_cpu/cpuN/stats), tracing_on the enable switch. Each CPU's
 * trace_pipe_raw is read a page at a time, the page walked by a walker that an
 * optional part registers (src/opt/libtraceevent: libtraceevent's kbuffer); without
 * one (the libc-only build) there is no ftrace backend and perf records. The global
 * tracing state is never touched. A process killed while recording cannot remove the
 * instance itself: a guardian (a shell) started before the instance exists waits on a
 * socket and, when it closes without "done" (the recorder died), switches the instance
 * off, removes it and unmounts tracefs if we mounted it. Instances left by a recorder
 * whose guardian was killed too are removed by the next open. On kernels before 6.7
 * whose top-level buffer is still unexpanded, an instance would expand it: perf
 * records there instead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sample/trace_int.h"
#include "util/cpuset.h"

static trace_page_walker walker;

void trace_set_page_walker(trace_page_walker w)
{
	walker = w;
}

bool trace_ftrace_built(void)
{
	return walker != NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Files of the instance are reached from t->idir, the instances/ directory opened once:
 * a tracefs detached (umount -l) by someone else meanwhile still reaches the instance,
 * so it can still be removed. */
static int iopen(const struct trace *t, const char *rel, int flags)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", t->iname, rel);
	int fd = openat(t->idir, p, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int inst_write(const struct trace *t, const char *file, const char *val)
{
	int fd = iopen(t, file, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return fd;
	size_t n = strlen(val);
	ssize_t w = write(fd, val, n);
	int e = errno;
	close(fd);
	return w == (ssize_t)n ? 0 : w < 0 ? -e : -EIO;
}

static int inst_read(const struct trace *t, const char *file, char *out, size_t n)
{
	return read_fd_small(iopen(t, file, O_RDONLY), out, n);
}

/* Switch our instance off and remove it, retrying while the kernel still holds it
 * (rmdir is -EBUSY until every file of it is closed). */
static int ft_remove(const struct trace *t, int tries)
{
	if (inst_write(t, "tracing_on", "0") < 0) {
		/* removing it stops it anyway */
	}
	for (int i = 0; i < tries; i++) {
		if (unlinkat(t->idir, t->iname, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		sleep_ms(10);
	}
	return -EBUSY;
}

/*
 * The guardian is a shell (posix_spawn: vfork-style, so the recorder's locked memory is
 * not made copy-on-write by a fork) in its own session, deaf to the signals that stop
 * the recorder, in the instances/ directory (its working directory keeps reaching it
 * even if the mount is detached), reading a socket on its standard input: "done" means
 * the recorder cleaned up; end of file means it died, and the guardian switches the
 * instance off, removes it (rmdir waits until the dead process's files are closed) and
 * unmounts tracefs if the recorder had mounted it. $1 instances/, $2 the instance, $3
 * the mount point to unmount or "".
 */
static const char guard_sh[] =
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	"trap '' INT TERM HUP QUIT PIPE TSTP TTIN TTOU USR1 USR2\n"
	"cd \"$1\" || exit 0\n"
	"read -r x\n"
	"[ \"$x\" = done ] && exit 0\n"
	"echo 0 >\"$2/tracing_on\" 2>/dev/null\n"
	"i=0\n"
	"while [ -d \"$2\" ] && ! rmdir \"$2\" 2>/dev/null && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done\n"
	"cd /\n"
	"[ -z \"$3\" ] || umount \"$3\" 2>/dev/null\n"
	"exit 0\n";

static int guard_start(struct trace *t, const char *idir_path)
{
	int p[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -errno;
	/* both ends above the standard fds: a recorder started with stderr closed must
	 * not print its warnings into the guardian */
	for (int k = 0; k < 2; k++) {
		if (p[k] > 2)
			continue;
		int n = fcntl(p[k], F_DUPFD_CLOEXEC, 3);
		if (n < 0) {
			int e = errno;
			close(p[0]);
			close(p[1]);
			return -e;
		}
		close(p[k]);
		p[k] = n;
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* every other fd closed (ours are close-on-exec; this catches inherited ones):
	 * stdout held open would keep a reader of the recorder's output waiting */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	sigset_t none, dfl;
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char *argv[] = { "sh",
			 "-c",
			 (char *)guard_sh,
			 "irqsight-trace-guard",
			 (char *)idir_path,
			 t->iname,
			 t->we_mounted ? t->tracefs : "",
			 NULL };
	extern char **environ;
	pid_t pid;
	int r = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[0]);
	if (r != 0) {
		close(p[1]);
		return -r;
	}
	t->guard_fd = p[1];
	t->guard_pid = pid;
	return 0;
}

/* cleaned: the instance is gone, the guardian has nothing to do. Otherwise it retries.
 * send(MSG_NOSIGNAL): a guardian killed meanwhile must not take the recorder down
 * with SIGPIPE. */
static void guard_stop(struct trace *t, bool cleaned)
{
	if (t->guard_fd < 0)
		return;
	if (cleaned && send(t->guard_fd, "done\n", 5, MSG_NOSIGNAL) != 5) {
		/* then it sees end of file and finds nothing to remove */
	}
	close(t->guard_fd);
	t->guard_fd = -1;
	while (waitpid(t->guard_pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * Instances left by a recorder whose guardian was killed too: named irqsight-<pid>-...
 * by a process that is gone (or by an earlier process with our pid: pid 1 in a
 * container). Only removed, never switched off first: an instance still in use (by a
 * recorder of another PID namespace sharing this tracefs) has its files open, and its
 * rmdir fails with EBUSY, which leaves it alone.
 */
static void ft_sweep(int idir)
{
	int d2 = dup(idir);
	DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	if (!d) {
		if (d2 >= 0)
			close(d2);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		int pid;
		if (sscanf(de->d_name, "irqsight-%d-", &pid) != 1 || pid <= 0)
			continue;
		if (pid != getpid() && (kill(pid, 0) == 0 || errno != ESRCH))
			continue;
		if (unlinkat(idir, de->d_name, AT_REMOVEDIR) < 0) {
			/* EBUSY: in use; anything else: not ours to fight over */
		}
	}
	closedir(d);
}

char *trace_cpumask_hex(const struct cpuset *cpus)
{
	int max = -1;
	for (int c = cpuset_next(cpus, 0); c >= 0; c = cpuset_next(cpus, c + 1))
		max = c;
	int groups = max / 32 + 1;
	char *s = malloc((size_t)groups * 9 + 1);
	if (!s)
		return NULL;
	char *p = s;
	for (int g = groups - 1; g >= 0; g--) {
		uint32_t w = 0;
		for (int b = 0; b < 32; b++)
			if (cpuset_test(cpus, g * 32 + b))
				w |= 1u << b;
		p += sprintf(p, "%s%08x", g == groups - 1 ? "" : ",", w);
	}
	return s;
}

static void ft_close(struct trace *t)
{
	if (t->ops != &trace_ftrace_ops)
		return;
	if (t->on_fd >= 0 && pwrite(t->on_fd, "0", 1, 0) < 0) {
		/* removed below anyway */
	}
	for (int i = 0; i < t->nrings; i++)
		if (t->rings[i].fd >= 0)
			close(t->rings[i].fd);
	free(t->rings);
	t->rings = NULL;
	t->nrings = 0;
	if (t->on_fd >= 0)
		close(t->on_fd);
	t->on_fd = -1;
	guard_stop(t, ft_remove(t, 100) == 0);
	close(t->idir);
	t->idir = -1;
	free(t->page);
	t->page = NULL;
	t->ops = NULL;
}

/*
 * Before 6.7 the trace buffers' "expanded" state was one global flag, set by any
 * instance's buffer_size_kb write or event enable, and the top-level buffer was
 * expanded with it: recording in an instance would leave the host's own trace buffer
 * changed. On such a kernel whose top-level buffer is still unexpanded ("N (expanded:
 * M)"), the ftrace recorder is not used.
 */
static bool would_expand_global(const struct trace *t)
{
	char p[256], b[128];
	snprintf(p, sizeof(p), "%s/buffer_size_kb", t->tracefs);
	if (trace_read_small(p, b, sizeof(b)) <= 0 || !strstr(b, "expanded"))
		return false;
	struct utsname u;
	int maj = 0, min = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return true;
	return maj < 6 || (maj == 6 && min < 7);
}

/*
 * Set up the instance, or fail with nothing of it left (the caller then records
 * through perf). Every setting must take: a clock other than mono would not line up
 * with the probe, an overwriting ring would lose events without counting them.
 */
int trace_ftrace_open(struct trace *t, const struct cpuset *cpus, char *why, size_t whylen)
{
	static unsigned seq;
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/instances", t->tracefs);
	if (would_expand_global(t)) {
		say(why, whylen,
		    "the top-level trace buffer is unexpanded and this kernel (before 6.7) would "
		    "expand it for an instance");
		return -EOPNOTSUPP;
	}
	t->idir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->idir < 0)
		return -errno;
	if (faccessat(t->idir, ".", W_OK | X_OK, AT_EACCESS) < 0) {
		int e = errno;
		close(t->idir);
		return -e;
	}
	ft_sweep(t->idir);
	/* a nonce besides pid and sequence: a stale instance of an earlier process with
	 * our pid (pid 1 in a container) cannot collide */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(t->iname, sizeof(t->iname), "irqsight-%d-%u-%lx", (int)getpid(), seq++,
		 (unsigned long)(ts.tv_nsec ^ ts.tv_sec) & 0xffffffu);
	snprintf(t->inst, sizeof(t->inst), "%s/%s", dir, t->iname);
	t->on_fd = -1;
	t->guard_fd = -1;
	int r = guard_start(t, dir);
	if (r < 0) {
		close(t->idir);
		return r;
	}
	if (mkdirat(t->idir, t->iname, 0700) < 0) {
		r = -errno;
		guard_stop(t, true);
		close(t->idir);
		return r;
	}
	t->ops = &trace_ftrace_ops;
	char kb[32];
	snprintf(kb, sizeof(kb), "%lu", (unsigned long)t->ring_pages * (unsigned long)t->page_size / 1024);
	const char *step = "tracing_on";
	r = inst_write(t, "tracing_on", "0");
	if (!r && (r = inst_write(t, "trace_clock", "mono")) < 0)
		step = "trace_clock (mono)";
	if (!r && (r = inst_write(t, "options/overwrite", "0")) < 0)
		step = "options/overwrite";
	/* A new instance has a buffer on every possible CPU (up to 1.4 MB each once tracing
	 * has been used since boot: 700 MB on a 512-CPU host): the smallest everywhere,
	 * then the size on the recorded CPUs only. Before any event is enabled, which
	 * would expand the whole instance's buffer to the default. */
	if (!r && (r = inst_write(t, "buffer_size_kb", "4")) < 0)
		step = "buffer_size_kb";
	for (int c = cpuset_next(cpus, 0); c >= 0 && !r; c = cpuset_next(cpus, c + 1)) {
		char f[64];
		snprintf(f, sizeof(f), "per_cpu/cpu%d/buffer_size_kb", c);
		if ((r = inst_write(t, f, kb)) < 0)
			step = "per_cpu/cpuN/buffer_size_kb";
	}
	char *mask = r ? NULL : trace_cpumask_hex(cpus);
	if (!r && !mask) {
		r = -ENOMEM;
		step = "memory";
	}
	if (!r && (r = inst_write(t, "tracing_cpumask", mask)) < 0)
		step = "tracing_cpumask";
	free(mask);
	for (int i = 0; i < t->nev && !r; i++) {
		char f[128];
		snprintf(f, sizeof(f), "events/%s/%s/enable", t->ev[i].sys, t->ev[i].event);
		if ((r = inst_write(t, f, "1")) < 0)
			step = t->ev[i].event;
	}
	/* the sub-buffer a read returns: buffer_subbuf_size_kb (6.8+), else a page */
	t->subbuf = (size_t)t->page_size;
	char b[32];
	if (!r && inst_read(t, "buffer_subbuf_size_kb", b, sizeof(b)) > 0 && atol(b) > 0)
		t->subbuf = (size_t)atol(b) * 1024;
	if (!r && !(t->page = malloc(t->subbuf))) {
		r = -ENOMEM;
		step = "memory";
	}
	if (!r && (t->on_fd = iopen(t, "tracing_on", O_WRONLY)) < 0) {
		r = t->on_fd;
		step = "tracing_on";
	}
	int ncpu = cpuset_count(cpus);
	if (!r && !(t->rings = calloc((size_t)ncpu + 1, sizeof(*t->rings)))) {
		r = -ENOMEM;
		step = "memory";
	}
	for (int c = cpuset_next(cpus, 0); c >= 0 && !r; c = cpuset_next(cpus, c + 1)) {
		char f[64];
		snprintf(f, sizeof(f), "per_cpu/cpu%d/trace_pipe_raw", c);
		int fd = iopen(t, f, O_RDONLY | O_NONBLOCK);
		if (fd < 0) {
			r = fd;
			step = "per_cpu/cpuN/trace_pipe_raw";
			break;
		}
		t->rings[t->nrings++] = (struct ring){ .cpu = c, .fd = fd };
	}
	if (r < 0) {
		say(why, whylen, "cannot set up the tracefs instance '%s' (%s): %s", t->inst, step, strerror(-r));
		ft_close(t);
	}
	return r;
}

static void ft_event(const unsigned char *raw, uint32_t size, uint64_t ts, void *ctx)
{
	struct trace *t = ctx;
	trace_decode_raw(t, raw, size, ts, t->decode_cpu);
}

/* Read one CPU's trace_pipe_raw until it has nothing more (it hands out the page the
 * kernel is still writing, up to what is committed). A page is walked only when the
 * read holds its header (u64 time stamp, long commit; kernel/trace/ring_buffer.c
 * struct buffer_data_page) and all the committed data the header claims. */
static void ft_drain_cpu(struct trace *t, struct ring *rg)
{
	const size_t hdr = sizeof(uint64_t) + sizeof(long);
	const unsigned long flags = 3ul << 30;	/* RB_MISSED_EVENTS | RB_MISSED_STORED */
	t->decode_cpu = rg->cpu;
	for (int pages = 0; pages < 1 << 20; pages++) {
		ssize_t n = read(rg->fd, t->page, t->subbuf);
		if (n <= 0)
			break;
		unsigned long commit;
		if ((size_t)n < hdr)
			continue;
		memcpy(&commit, (const char *)t->page + sizeof(uint64_t), sizeof(commit));
		if ((commit & ~flags) + hdr > (size_t)n)
			continue;	/* a short read: the page is not all here */
		long missed = 0;
		walker(t->page, ft_event, t, &missed);
		if (missed > 0)
			t->lost += (uint64_t)missed;
	}
}

/* Events the instance's rings dropped (full, overwrite off): "dropped events: N" and
 * "overrun: N" of per_cpu/cpuN/stats (kernel/trace/trace.c:tracing_stats_read). */
static uint64_t ft_dropped(const struct trace *t)
{
	uint64_t sum = 0;
	for (int i = 0; i < t->nrings; i++) {
		char f[64], b[1024];
		snprintf(f, sizeof(f), "per_cpu/cpu%d/stats", t->rings[i].cpu);
		if (inst_read(t, f, b, sizeof(b)) <= 0)
			continue;
		static const char *const keys[] = { "overrun: ", "dropped events: " };
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			const char *p = strstr(b, keys[k]);
			if (p)
				sum += strtoull(p + strlen(keys[k]), NULL, 10);
		}
	}
	return sum;
}

static int ft_enable(struct trace *t)
{
	ssize_t w = pwrite(t->on_fd, "1", 1, 0);
	return w == 1 ? 0 : w < 0 ? -errno : -EIO;
}

static int ft_disable(struct trace *t)
{
	ssize_t w = pwrite(t->on_fd, "0", 1, 0);
	return w == 1 ? 0 : w < 0 ? -errno : -EIO;
}

/* Not pollable: the ftrace recorder is drained on a timer. */
const struct trace_ops trace_ftrace_ops = {
	.name = "ftrace",
	.enable = ft_enable,
	.disable = ft_disable,
	.drain_ring = ft_drain_cpu,
	.dropped = ft_dropped,
	.pollable = false,
	.close = ft_close,
};
