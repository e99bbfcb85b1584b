/*
 * Tracepoint recorder through perf_event_open(2), no BPF (docs/kernel-interfaces.md §11).
 *
 * One ring per CPU: the first event opened on a CPU owns the mmap'ed ring, every
 * other event of that CPU is redirected into it with PERF_EVENT_IOC_SET_OUTPUT, so
 * a CPU's records come out of one ring in the order the kernel wrote them and
 * trace_fds() has one fd per CPU to poll.
 *
 * Record layout (include/uapi/linux/perf_event.h, sample_type TID|TIME|CPU|RAW):
 *   header, u32 pid, u32 tid, u64 time, u32 cpu, u32 res, u32 size, char raw[size]
 * raw is the trace record whose fields sit at the offsets of the event's tracefs
 * "format" file (common_type first): never hard-coded.
 *
 * The ftrace recorder (trace_opts.ftrace) writes the same raw records into the
 * kernel's ring buffer of a private instance, <tracefs>/instances/irqsight-<pid>-<n>-<nonce>:
 * its events enabled, tracing_cpumask the recorded CPUs, trace_clock "mono"
 * (CLOCK_MONOTONIC's base), overwrite off (a full ring drops new events and counts
 * them in per_cpu/cpuN/stats), tracing_on the enable switch. Each CPU's
 * trace_pipe_raw is read a page at a time, the page walked by libtraceevent's kbuffer
 * (trace_page_walk, weak). The global tracing state is never touched. A process
 * killed while recording cannot remove the instance itself: a guardian (a shell)
 * started before the instance exists waits on a socket and, when it closes without
 * "done" (the recorder died), switches the instance off, removes it and unmounts
 * tracefs if we mounted it. Instances left by a recorder whose guardian was killed too
 * are removed by the next open. On kernels before 6.7 whose top-level buffer is still
 * unexpanded, an instance would expand it: perf records there instead.
 */
#include "sample/trace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <signal.h>
#include <spawn.h>
#include <time.h>
#include <unistd.h>

#include "parse/softirqs.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/compat.h"
#include "util/cpuset.h"
#include "util/str.h"

#define TRACEFS_MAGIC_ 0x74726163
#define TRACE_MAX_EVENTS 64
#define TRACE_NAME_MAX 64

/* Where a field lives in the raw record. */
struct field {
	int offset, size;
	bool is_data_loc, is_rel_loc;
	bool found;
};

struct tevent {
	uint64_t id;			/* tracefs events/<sys>/<event>/id = common_type */
	char sys[16], event[TRACE_NAME_MAX];	/* where it is in tracefs (to enable it in an instance) */
	enum trace_kind kind;
	char name[TRACE_NAME_MAX];	/* vectors: "local_timer"; others: event name */
	struct field type;		/* common_type */
	struct field num;		/* irq / vec / vector */
	struct field str;		/* irq_handler_entry: name (__data_loc) */
};

struct ring {
	int cpu;
	int fd;				/* ring owner */
	void *base;			/* mmap: control page + data */
	size_t data_size;
	int *fds;			/* all event fds of this CPU (fds[0] == fd) */
	int nfds;
};

/* A decoded event waiting to be sorted: seq keeps ring order among equal times. */
struct bev {
	struct trace_event ev;
	size_t seq;
	size_t name_off;	/* into trace.names, SIZE_MAX if none */
};

struct trace {
	char tracefs[128];
	bool we_mounted;
	struct tevent ev[TRACE_MAX_EVENTS];
	int nev;
	struct ring *rings;
	int nrings;
	int *ring_fds;			/* for trace_fds() */
	uint64_t lost;
	unsigned ring_pages;
	bool timer_drain;
	long page_size;
	/* Drain scratch: decoded events of one ring and their strings. */
	struct bev *batch;
	size_t nbatch, cap_batch;
	struct buf names;
	struct buf rec;			/* a record that wraps around the ring end */
	/* ftrace recorder: rings[i].fd is CPU i's trace_pipe_raw, no mmap, no event fds */
	bool ft;
	char inst[320];			/* <tracefs>/instances/<iname>, for messages */
	char iname[64];			/* irqsight-<pid>-<n>-<nonce> */
	int idir;			/* <tracefs>/instances, opened */
	int on_fd;			/* its tracing_on */
	int guard_fd;			/* write end of the guardian's pipe, -1 none */
	pid_t guard_pid;
	void *page;			/* one sub-buffer */
	size_t subbuf;
	int decode_cpu;			/* the CPU of the page being walked */
};

#pragma weak trace_page_walk

PRINTF(3, 4) static void say(char *why, size_t n, const char *fmt, ...)
{
	if (!why || !n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

/* One read of a small file from an open fd (closed here) into out, NUL-terminated. */
static int read_fd_small(int fd, char *out, size_t n)
{
	if (fd < 0)
		return fd;
	ssize_t r = read(fd, out, n - 1);
	int e = errno;
	close(fd);
	if (r < 0)
		return -e;
	out[r] = '\0';
	return (int)r;
}

static int read_small(const char *path, char *out, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return read_fd_small(fd < 0 ? -errno : fd, out, n);
}

static int read_paranoid(void)
{
	char b[32];
	if (read_small("/proc/sys/kernel/perf_event_paranoid", b, sizeof(b)) <= 0)
		return 99;
	return atoi(b);
}

/* ------------------------------------------------------------ tracefs */

/* Find a mounted tracefs in /proc/self/mountinfo (fields: ... mountpoint ... - fstype ...). */
static bool find_tracefs(char *out, size_t n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "tracefs ", 8) != 0)
			continue;
		/* mount point is the 5th field */
		char *p = line;
		for (int i = 0; i < 4 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p)
			continue;
		char *end = strchr(p, ' ');
		if (!end)
			continue;
		*end = '\0';
		/* mountinfo escapes spaces as \040; tracefs paths have none in practice. */
		if (strchr(p, '\\'))
			continue;
		str_copy(out, p, n);
		found = true;
	}
	fclose(f);
	return found;
}

static int tracefs_setup(struct trace *t, char *why, size_t whylen)
{
	if (find_tracefs(t->tracefs, sizeof(t->tracefs)))
		goto check;
	str_copy(t->tracefs, "/sys/kernel/tracing", sizeof(t->tracefs));
	if (mount("nodev", t->tracefs, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		int e = errno;
		say(why, whylen, "cannot mount tracefs at '%s': %s%s", t->tracefs, strerror(e),
		    (e == EPERM || e == EACCES) ? " (needs root)" : "");
		return -e;
	}
	t->we_mounted = true;
check:;
	char p[256];
	snprintf(p, sizeof(p), "%s/events/irq", t->tracefs);
	if (access(p, R_OK | X_OK) < 0) {
		int e = errno;
		say(why, whylen, "cannot read '%s': %s%s", p, strerror(e),
		    e == EACCES ? " (tracefs is root-only unless mounted with gid=)" : "");
		return -e;
	}
	return 0;
}

static void tracefs_release(struct trace *t)
{
	if (!t->we_mounted)
		return;
	if (umount(t->tracefs) < 0 && errno == EBUSY)
		umount2(t->tracefs, MNT_DETACH);
	t->we_mounted = false;
}

/*
 * One "\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;" line per field
 * (kernel/trace/trace_events.c:f_show). The name is the last word before ';',
 * after any "[...]" suffix is removed.
 */
static void parse_format(const char *fmt, const char *want, struct field *out)
{
	struct slice all = slice_of(fmt), line;
	out->found = false;
	while (slice_line(&all, &line)) {
		long f = slice_find(line, "field:");
		if (f < 0)
			continue;
		struct slice rest = { line.p + f + 6, line.n - (size_t)f - 6 };
		long semi = slice_find(rest, ";");
		if (semi < 0)
			continue;
		struct slice decl = { rest.p, (size_t)semi };
		/* The name is the last word ("int irq", "char comm[16]", "__data_loc char[] name"),
		 * without a "[N]" suffix. */
		size_t s = decl.n;
		while (s && decl.p[s - 1] != ' ' && decl.p[s - 1] != '*')
			s--;
		struct slice name = { decl.p + s, decl.n - s };
		const char *br = memchr(name.p, '[', name.n);
		if (br)
			name.n = (size_t)(br - name.p);
		if (!slice_eq(name, want))
			continue;
		long o = slice_find(line, "offset:"), z = slice_find(line, "size:");
		if (o < 0 || z < 0)
			continue;
		out->offset = atoi(line.p + o + 7);
		out->size = atoi(line.p + z + 5);
		out->is_data_loc = slice_find(decl, "__data_loc") >= 0;
		out->is_rel_loc = slice_find(decl, "__rel_loc") >= 0;
		out->found = true;
		return;
	}
}

static int load_event(struct trace *t, const char *sys, const char *event, enum trace_kind kind,
		      const char *numfield, const char *strfield, const char *label)
{
	if (t->nev >= TRACE_MAX_EVENTS)
		return -ENOSPC;
	char path[512], b[64];
	struct tevent *e = &t->ev[t->nev];
	memset(e, 0, sizeof(*e));
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", t->tracefs, sys, event);
	int r = read_small(path, b, sizeof(b));
	if (r < 0)
		return r;
	uint64_t id;
	if (!str_u64(b, 10, &id))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", t->tracefs, sys, event);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct buf f = { 0 };
	r = buf_read_fd(&f, fd, 65536);
	close(fd);
	if (r < 0) {
		buf_free(&f);
		return r;
	}
	parse_format(f.data ? f.data : "", "common_type", &e->type);
	parse_format(f.data ? f.data : "", numfield, &e->num);
	if (strfield)
		parse_format(f.data ? f.data : "", strfield, &e->str);
	buf_free(&f);
	if (!e->type.found || !e->num.found || (strfield && !e->str.found))
		return -EPROTO;
	e->id = id;
	e->kind = kind;
	str_copy(e->sys, sys, sizeof(e->sys));
	str_copy(e->event, event, sizeof(e->event));
	str_copy(e->name, label, sizeof(e->name));
	t->nev++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* x86 irq_vectors:<name>_entry / <name>_exit pairs (not the vector_* management events). */
static void load_vectors(struct trace *t)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/events/irq_vectors", t->tracefs);
	DIR *d = opendir(path);
	if (!d)
		return;
	char *names[128];
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < (int)ARRAY_SIZE(names)) {
		size_t l = strlen(de->d_name);
		if (l > 6 && !strcmp(de->d_name + l - 6, "_entry") && strncmp(de->d_name, "vector_", 7))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	for (int i = 0; i < n; i++) {
		char base[TRACE_NAME_MAX], ex[TRACE_NAME_MAX + 8];
		size_t l = strlen(names[i]) - 6;
		if (names[i] && l < sizeof(base)) {
			memcpy(base, names[i], l);
			base[l] = '\0';
			snprintf(ex, sizeof(ex), "%s_exit", base);
			int saved = t->nev;
			if (load_event(t, "irq_vectors", names[i], TR_VECTOR_ENTRY, "vector", NULL, base) == 0 &&
			    load_event(t, "irq_vectors", ex, TR_VECTOR_EXIT, "vector", NULL, base) != 0)
				t->nev = saved;	/* need both halves */
		}
		free(names[i]);
	}
}

/* ------------------------------------------------------------ perf */

static int perf_open(struct perf_event_attr *a, int cpu)
{
	long fd = syscall(SYS_perf_event_open, a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

static void perf_attr(const struct trace *t, struct perf_event_attr *at, uint64_t id)
{
	memset(at, 0, sizeof(*at));
	at->size = sizeof(*at);
	at->type = PERF_TYPE_TRACEPOINT;
	at->config = id;
	at->sample_period = 1;
	at->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW;
	at->disabled = 1;
	at->use_clockid = 1;
	at->clockid = CLOCK_MONOTONIC;
	/* Wake a poller once a quarter of the ring is full, not on every record. Each
	 * wake-up is an IRQ-work self-interrupt on the recorded CPU (perf_output_wakeup
	 * queues it whether anyone polls or not), so a caller that drains on a timer asks
	 * for one per ring's worth, the most the kernel allows (ring_buffer_init clamps
	 * the watermark to the ring). */
	at->watermark = 1;
	at->wakeup_watermark = (uint32_t)(t->ring_pages * (unsigned long)t->page_size / (t->timer_drain ? 1 : 4));
}

static void raise_nofile(size_t need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= need + 64)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need + 64 ? need + 64 : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int online_cpus(struct arena *a, struct cpuset *out)
{
	char b[4096];
	int r = read_small("/sys/devices/system/cpu/online", b, sizeof(b));
	if (r < 0)
		return r;
	return cpuset_parse_list(out, a, b, (size_t)r);
}

struct closer {
	struct trace *t;
	int col;
};

/* Close event column col (one tracepoint) on every CPU. */
static void *close_column(void *arg)
{
	const struct closer *c = arg;
	for (int i = 0; i < c->t->nrings; i++)
		if (c->col < c->t->rings[i].nfds)
			close(c->t->rings[i].fds[c->col]);
	return NULL;
}

static void close_rings(struct trace *t)
{
	int cols = 0;
	for (int i = 0; i < t->nrings; i++) {
		struct ring *rg = &t->rings[i];
		for (int k = 0; k < rg->nfds; k++)
			ioctl(rg->fds[k], PERF_EVENT_IOC_DISABLE, 0);
		cols = MAX(cols, rg->nfds);
	}
	/*
	 * The last close of a tracepoint's events unregisters its probe, which waits
	 * for an RCU grace period (20-60 ms each, measured on the test VM: 0.7 s for 20
	 * tracepoints one after the other, so ^C took over a second). One thread per
	 * tracepoint lets the waits overlap; a column whose thread cannot start is
	 * closed here.
	 */
	enum { MAX_CLOSERS = 64 };
	pthread_t th[MAX_CLOSERS];
	struct closer cl[MAX_CLOSERS];
	bool started[MAX_CLOSERS] = { false };
	for (int k = 0; k < cols; k++) {
		if (k < MAX_CLOSERS) {
			cl[k] = (struct closer){ t, k };
			started[k] = pthread_create(&th[k], NULL, close_column, &cl[k]) == 0;
			if (started[k])
				continue;
		}
		struct closer one = { t, k };
		close_column(&one);
	}
	for (int k = 0; k < cols && k < MAX_CLOSERS; k++)
		if (started[k])
			pthread_join(th[k], NULL);
	for (int i = 0; i < t->nrings; i++) {
		struct ring *rg = &t->rings[i];
		if (rg->base)
			munmap(rg->base, (size_t)t->page_size + rg->data_size);
		free(rg->fds);
	}
	free(t->rings);
	t->rings = NULL;
	t->nrings = 0;
}

static const char *perm_hint(int e, int paranoid)
{
	if (e == EACCES || e == EPERM) {
		if (geteuid() != 0)
			return paranoid > -1 ? " (not root, and perf_event_paranoid forbids per-CPU tracepoint samples: "
					       "run as root or with CAP_PERFMON)"
					     : " (not root)";
		return " (denied for root: a security module or lockdown forbids perf tracepoints)";
	}
	if (e == EMFILE || e == ENFILE)
		return " (too many open files)";
	if (e == ENOENT || e == ENODEV)
		return " (tracepoints not available in this kernel)";
	return "";
}

static int ft_open(struct trace *t, const struct cpuset *cpus, char *why, size_t whylen);

int trace_open(struct trace **out, const struct trace_opts *o, char *why, size_t whylen)
{
	*out = NULL;
	say(why, whylen, "%s", "");
	struct trace_opts def = { .irq = true, .softirq = true, .vectors = true };
	if (!o)
		o = &def;
	struct trace *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->page_size = sysconf(_SC_PAGESIZE);
	t->ring_pages = o->ring_pages ? o->ring_pages : 64;
	t->timer_drain = o->timer_drain;
	if (t->ring_pages & (t->ring_pages - 1)) {
		free(t);
		say(why, whylen, "ring_pages %u is not a power of two", o->ring_pages);
		return -EINVAL;
	}
	int paranoid = read_paranoid();
	/* Fail early with the clearest reason: without CAP_PERFMON/CAP_SYS_ADMIN and
	 * paranoid > -1 the kernel refuses RAW samples (perf_trace_event_perm). */
	int r = tracefs_setup(t, why, whylen);
	if (r < 0) {
		if (geteuid() != 0 && (r == -EACCES || r == -EPERM))
			say(why, whylen, "tracepoints need root (or CAP_PERFMON with a readable tracefs): "
			    "tracefs is not accessible and perf_event_paranoid=%d", paranoid);
		free(t);
		return r;
	}
	if (o->irq) {
		r = load_event(t, "irq", "irq_handler_entry", TR_IRQ_ENTRY, "irq", "name", "irq_handler_entry");
		if (!r)
			r = load_event(t, "irq", "irq_handler_exit", TR_IRQ_EXIT, "irq", NULL, "irq_handler_exit");
		if (r < 0) {
			say(why, whylen, "cannot read irq:irq_handler_entry/exit in '%s/events': %s",
			    t->tracefs, strerror(-r));
			goto fail;
		}
	}
	if (o->softirq) {
		r = load_event(t, "irq", "softirq_entry", TR_SOFTIRQ_ENTRY, "vec", NULL, "softirq_entry");
		if (!r)
			r = load_event(t, "irq", "softirq_exit", TR_SOFTIRQ_EXIT, "vec", NULL, "softirq_exit");
		if (r < 0) {
			say(why, whylen, "cannot read irq:softirq_entry/exit in '%s/events': %s",
			    t->tracefs, strerror(-r));
			goto fail;
		}
	}
	if (o->vectors)
		load_vectors(t);	/* x86 only; absent elsewhere */
	if (!t->nev) {
		r = -EINVAL;
		say(why, whylen, "no tracepoint group selected");
		goto fail;
	}

	struct arena a = { 0 };
	struct cpuset cpus;
	if (o->cpus) {
		cpus = *o->cpus;
	} else if ((r = online_cpus(&a, &cpus)) < 0) {
		say(why, whylen, "cannot read 'sys/devices/system/cpu/online': %s", strerror(-r));
		arena_free(&a);
		goto fail;
	}
	int ncpu = cpuset_count(&cpus);
	if (ncpu == 0) {
		r = -EINVAL;
		say(why, whylen, "no CPU to record");
		arena_free(&a);
		goto fail;
	}
	if (o->ftrace && trace_page_walk) {
		/* the instance needs the mount while it exists: released on close */
		char ftwhy[256] = "";
		int fr = ft_open(t, &cpus, ftwhy, sizeof(ftwhy));
		if (fr == 0) {
			arena_free(&a);
			*out = t;
			return 0;
		}
		/* no instances here (or one setting refused): perf records the same events */
		if (o->ftrace_only) {
			r = fr;
			if (ftwhy[0])
				say(why, whylen, "%s", ftwhy);
			else
				say(why, whylen, "no tracefs instances at '%s/instances': %s", t->tracefs, strerror(-fr));
			arena_free(&a);
			goto fail;
		}
	} else if (o->ftrace_only) {
		r = -ENOSYS;
		say(why, whylen, "the ftrace recorder is not part of this build (it needs libtraceevent)");
		arena_free(&a);
		goto fail;
	}
	/* A single vector event may be refused while the rest work (irq_work_exit is
	 * TRACE_EVENT_PERF_PERM for sampling events): probe on the first CPU, drop
	 * such pairs, and treat any later failure as fatal. */
	for (int i = 0; i < t->nev; i++) {
		if (t->ev[i].kind != TR_VECTOR_ENTRY)
			continue;
		bool ok = true;
		for (int k = i; k <= i + 1 && ok; k++) {
			struct perf_event_attr at;
			perf_attr(t, &at, t->ev[k].id);
			int fd = perf_open(&at, cpuset_next(&cpus, 0));
			ok = fd >= 0;
			if (fd >= 0)
				close(fd);
			else if (fd != -EPERM && fd != -EACCES && fd != -EINVAL && fd != -ENOENT)
				ok = true;	/* not specific to this event: let the main loop report it */
		}
		if (!ok) {
			memmove(&t->ev[i], &t->ev[i + 2], (size_t)(t->nev - i - 2) * sizeof(t->ev[0]));
			t->nev -= 2;
			i--;
		}
	}
	raise_nofile((size_t)ncpu * (size_t)t->nev);
	t->rings = calloc((size_t)ncpu + 1, sizeof(*t->rings));
	t->ring_fds = calloc((size_t)ncpu + 1, sizeof(int));
	if (!t->rings || !t->ring_fds) {
		arena_free(&a);
		r = -ENOMEM;
		goto fail;
	}
	for (int cpu = cpuset_next(&cpus, 0); cpu >= 0; cpu = cpuset_next(&cpus, cpu + 1)) {
		struct ring *rg = &t->rings[t->nrings];
		rg->cpu = cpu;
		rg->fd = -1;
		rg->fds = calloc((size_t)t->nev, sizeof(int));
		if (!rg->fds) {
			r = -ENOMEM;
			break;
		}
		t->nrings++;
		for (int i = 0; i < t->nev; i++) {
			struct perf_event_attr at;
			perf_attr(t, &at, t->ev[i].id);
			int fd = perf_open(&at, cpu);
			if (fd < 0) {
				r = fd;
				say(why, whylen, "cannot open tracepoint %s (id %llu) on CPU %d: %s%s",
				    t->ev[i].name, (unsigned long long)t->ev[i].id, cpu, strerror(-fd),
				    perm_hint(-fd, paranoid));
				break;
			}
			rg->fds[rg->nfds++] = fd;
			if (rg->fd < 0) {
				rg->fd = fd;
				rg->data_size = (size_t)t->ring_pages * (size_t)t->page_size;
				void *m = mmap(NULL, (size_t)t->page_size + rg->data_size, PROT_READ | PROT_WRITE,
					       MAP_SHARED, fd, 0);
				if (m == MAP_FAILED) {
					r = -errno;
					say(why, whylen, "cannot mmap the perf ring of CPU %d (%zu KiB): %s%s", cpu,
					    rg->data_size / 1024, strerror(-r),
					    r == -EPERM ? " (perf_event_mlock_kb too small)" : "");
					break;
				}
				rg->base = m;
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, rg->fd) < 0) {
				r = -errno;
				say(why, whylen, "cannot share the perf ring of CPU %d: %s", cpu, strerror(-r));
				break;
			}
		}
		if (r < 0)
			break;
		t->ring_fds[t->nrings - 1] = rg->fd;
	}
	arena_free(&a);
	if (r < 0)
		goto fail;
	/* ids and formats are read: the perf fds need no mount, so release it now and a
	 * SIGKILL during recording cannot leave tracefs mounted */
	tracefs_release(t);
	*out = t;
	return 0;
fail:
	close_rings(t);
	free(t->ring_fds);
	tracefs_release(t);
	free(t);
	return r;
}

static int ioctl_all(struct trace *t, unsigned long req)
{
	int ret = 0;
	for (int i = 0; i < t->nrings; i++)
		for (int k = 0; k < t->rings[i].nfds; k++)
			if (ioctl(t->rings[i].fds[k], req, 0) < 0 && !ret)
				ret = -errno;
	return ret;
}

int trace_enable(struct trace *t)
{
	if (t->ft) {
		ssize_t w = pwrite(t->on_fd, "1", 1, 0);
		return w == 1 ? 0 : w < 0 ? -errno : -EIO;
	}
	return ioctl_all(t, PERF_EVENT_IOC_ENABLE);
}

int trace_disable(struct trace *t)
{
	if (t->ft) {
		ssize_t w = pwrite(t->on_fd, "0", 1, 0);
		return w == 1 ? 0 : w < 0 ? -errno : -EIO;
	}
	return ioctl_all(t, PERF_EVENT_IOC_DISABLE);
}

static uint64_t ft_dropped(const struct trace *t);

uint64_t trace_lost(const struct trace *t)
{
	return t->ft ? t->lost + ft_dropped(t) : t->lost;
}

const char *trace_recorder(const struct trace *t)
{
	return t && t->ft ? "ftrace" : "perf";
}

int trace_fds(const struct trace *t, const int **fds)
{
	*fds = t->ring_fds;
	return t->ft ? 0 : t->nrings;	/* the ftrace recorder is drained on a timer */
}

static const struct tevent *event_of(const struct trace *t, uint64_t type)
{
	for (int i = 0; i < t->nev; i++)
		if (t->ev[i].id == type)
			return &t->ev[i];
	return NULL;
}

static bool get_int(const unsigned char *raw, uint32_t n, const struct field *f, int *out)
{
	if (f->offset < 0 || (uint32_t)f->offset + (uint32_t)f->size > n)
		return false;
	switch (f->size) {
	case 1: *out = raw[f->offset]; return true;
	case 2: { uint16_t v; memcpy(&v, raw + f->offset, 2); *out = v; return true; }
	case 4: { int32_t v; memcpy(&v, raw + f->offset, 4); *out = v; return true; }
	case 8: { int64_t v; memcpy(&v, raw + f->offset, 8); *out = (int)v; return true; }
	}
	return false;
}

static void batch_push(struct trace *t, const struct trace_event *ev, size_t name_off)
{
	if (t->nbatch == t->cap_batch) {
		size_t nc = t->cap_batch ? t->cap_batch * 2 : 1024;
		struct bev *nb = realloc(t->batch, nc * sizeof(*nb));
		if (!nb)
			return;
		t->batch = nb;
		t->cap_batch = nc;
	}
	t->batch[t->nbatch] = (struct bev){ *ev, t->nbatch, name_off };
	t->nbatch++;
}

static void decode_raw(struct trace *t, const unsigned char *raw, uint32_t rawsz, uint64_t time, int cpu);

/* Decode one PERF_RECORD_SAMPLE into the batch. */
static void decode_sample(struct trace *t, const unsigned char *p, size_t len)
{
	/* header(8) pid tid(8) time(8) cpu res(8) size(4) raw */
	if (len < 8 + 8 + 8 + 8 + 4)
		return;
	uint64_t time;
	uint32_t cpu, rawsz;
	memcpy(&time, p + 16, 8);
	memcpy(&cpu, p + 24, 4);
	memcpy(&rawsz, p + 32, 4);
	const unsigned char *raw = p + 36;
	if (36 + (size_t)rawsz > len)
		return;
	decode_raw(t, raw, rawsz, time, (int)cpu);
}

/* Decode one trace record (common_type first) into the batch; strings are copied into
 * t->names. */
static void decode_raw(struct trace *t, const unsigned char *raw, uint32_t rawsz, uint64_t time, int cpu)
{
	if (!t->nev)
		return;
	int type;
	if (!get_int(raw, rawsz, &t->ev[0].type, &type))
		return;
	const struct tevent *e = event_of(t, (uint64_t)(unsigned)type);
	if (!e)
		return;
	struct trace_event ev = { .time_ns = time, .cpu = cpu, .kind = e->kind };
	if (!get_int(raw, rawsz, &e->num, &ev.id))
		return;
	size_t name_off = SIZE_MAX;
	if (e->kind == TR_IRQ_ENTRY && e->str.found && e->str.size == 4 && e->str.offset >= 0 &&
	    (uint32_t)e->str.offset + 4 <= rawsz) {
		uint32_t loc;
		memcpy(&loc, raw + e->str.offset, 4);
		size_t off = loc & 0xffff, n = loc >> 16;
		if (e->str.is_rel_loc)
			off += (size_t)e->str.offset + 4;
		if (off + n <= rawsz && n > 0) {
			name_off = t->names.len;
			size_t sl = strnlen((const char *)raw + off, n);
			buf_append(&t->names, raw + off, sl);
			buf_putc(&t->names, '\0');
		}
	} else if (e->kind == TR_VECTOR_ENTRY || e->kind == TR_VECTOR_EXIT) {
		ev.name = e->name;	/* static for the trace's lifetime */
	}
	if (e->kind == TR_SOFTIRQ_ENTRY || e->kind == TR_SOFTIRQ_EXIT)
		ev.name = softirq_name(ev.id);
	batch_push(t, &ev, name_off);
}

static int cmp_batch(const void *a, const void *b)
{
	const struct bev *x = a, *y = b;
	if (x->ev.time_ns != y->ev.time_ns)
		return x->ev.time_ns < y->ev.time_ns ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * Read the records between data_tail and data_head (perf_event_mmap_page: read
 * data_head with acquire ordering, publish data_tail with release ordering). A
 * record may wrap around the ring end: it is copied out whole first.
 */
static long drain_ring(struct trace *t, struct ring *rg)
{
	struct perf_event_mmap_page *pg = rg->base;
	unsigned char *data = (unsigned char *)rg->base + t->page_size;
	uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = pg->data_tail;
	size_t size = rg->data_size;
	while (tail < head) {
		struct perf_event_header h;
		size_t off = (size_t)(tail % size);
		if (off + sizeof(h) <= size) {
			memcpy(&h, data + off, sizeof(h));
		} else {
			size_t a = size - off;
			memcpy(&h, data + off, a);
			memcpy((char *)&h + a, data, sizeof(h) - a);
		}
		if (h.size < sizeof(h) || tail + h.size > head)
			break;	/* corrupt or partial: stop, the rest comes next drain */
		const unsigned char *rec;
		if (off + h.size <= size) {
			rec = data + off;
		} else {
			buf_reset(&t->rec);
			size_t a = size - off;
			buf_append(&t->rec, data + off, a);
			buf_append(&t->rec, data, h.size - a);
			rec = (const unsigned char *)t->rec.data;
		}
		if (h.type == PERF_RECORD_SAMPLE) {
			decode_sample(t, rec, h.size);
		} else if (h.type == PERF_RECORD_LOST && h.size >= 24) {
			uint64_t n;
			memcpy(&n, rec + 16, 8);
			t->lost += n;
		}
		tail += h.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
	return 0;
}

/* ------------------------------------------------------------ ftrace */

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
	char *argv[] = { "sh", "-c", (char *)guard_sh, "irqsight-trace-guard", (char *)idir_path, t->iname,
			 t->we_mounted ? t->tracefs : "", NULL };
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
	if (!t->ft)
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
	t->ft = false;
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
	if (read_small(p, b, sizeof(b)) <= 0 || !strstr(b, "expanded"))
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
static int ft_open(struct trace *t, const struct cpuset *cpus, char *why, size_t whylen)
{
	static unsigned seq;
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/instances", t->tracefs);
	if (would_expand_global(t)) {
		say(why, whylen, "the top-level trace buffer is unexpanded and this kernel (before 6.7) would "
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
	t->ft = true;
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
	decode_raw(t, raw, size, ts, t->decode_cpu);
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
		trace_page_walk(t->page, ft_event, t, &missed);
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

long trace_drain(struct trace *t, void (*cb)(const struct trace_event *ev, void *ctx), void *ctx)
{
	long total = 0;
	for (int i = 0; i < t->nrings; i++) {
		t->nbatch = 0;
		buf_reset(&t->names);
		if (t->ft)
			ft_drain_cpu(t, &t->rings[i]);
		else
			drain_ring(t, &t->rings[i]);
		if (!t->nbatch)
			continue;
		/* Nested writers (an IRQ while a record is being reserved) can put a later
		 * timestamp before an earlier one: sort, ties in ring order. */
		qsort(t->batch, t->nbatch, sizeof(t->batch[0]), cmp_batch);
		for (size_t k = 0; k < t->nbatch; k++) {
			struct bev *b = &t->batch[k];
			if (b->name_off != SIZE_MAX && b->name_off < t->names.len)
				b->ev.name = t->names.data + b->name_off;
			if (cb)
				cb(&b->ev, ctx);
		}
		total += (long)t->nbatch;
	}
	return total;
}

void trace_close(struct trace *t)
{
	if (!t)
		return;
	if (t->ft)
		ft_close(t);
	else
		close_rings(t);
	free(t->ring_fds);
	free(t->batch);
	buf_free(&t->names);
	buf_free(&t->rec);
	tracefs_release(t);
	free(t);
}

/* ------------------------------------------------------------ totals */

/*
 * Per CPU, entries and exits nest (a hard IRQ can interrupt a softirq; a vector
 * entry can come between them). A small stack per CPU pairs each exit with its
 * entry; the time of nested handlers is subtracted from the outer one, so the
 * totals are self time and sum to the CPU's time in interrupt context without
 * counting anything twice.
 */
#define TT_STACK 16

struct tt_frame {
	enum trace_kind kind;	/* entry kind */
	int id;
	uint64_t start, child_ns;
	int slot;		/* totals slot, -1 if unknown */
};

struct tt_cpu {
	int cpu;
	struct tt_frame st[TT_STACK];
	int depth;
};

struct tt_slot {
	struct trace_total v;
	char *name;
};

struct trace_totals {
	struct tt_slot *slots;
	size_t nslots, cap;
	int *hash;		/* index into slots, -1 empty */
	size_t hcap;
	struct tt_cpu *cpus;
	int ncpus;
};

struct trace_totals *trace_totals_new(void)
{
	return calloc(1, sizeof(struct trace_totals));
}

static size_t tt_hash(int cpu, enum trace_kind k, int id)
{
	uint64_t h = (uint64_t)(uint32_t)cpu * 0x9e3779b97f4a7c15ULL ^ (uint64_t)k * 0xbf58476d1ce4e5b9ULL ^
		     (uint64_t)(uint32_t)id * 0x94d049bb133111ebULL;
	return (size_t)(h ^ (h >> 31));
}

static void tt_rehash(struct trace_totals *tt)
{
	size_t nc = tt->hcap ? tt->hcap * 2 : 256;
	int *nh = malloc(nc * sizeof(int));
	if (!nh)
		return;
	memset(nh, 0xff, nc * sizeof(int));
	for (size_t i = 0; i < tt->nslots; i++) {
		struct trace_total *v = &tt->slots[i].v;
		size_t h = tt_hash(v->cpu, v->kind, v->id) & (nc - 1);
		while (nh[h] >= 0)
			h = (h + 1) & (nc - 1);
		nh[h] = (int)i;
	}
	free(tt->hash);
	tt->hash = nh;
	tt->hcap = nc;
}

static int tt_slot(struct trace_totals *tt, int cpu, enum trace_kind k, int id, const char *name)
{
	if ((tt->nslots + 1) * 2 > tt->hcap)
		tt_rehash(tt);
	if (!tt->hash)
		return -1;
	size_t h = tt_hash(cpu, k, id) & (tt->hcap - 1);
	while (tt->hash[h] >= 0) {
		struct tt_slot *s = &tt->slots[tt->hash[h]];
		if (s->v.cpu == cpu && s->v.kind == k && s->v.id == id) {
			if (!s->name && name) {
				s->name = strdup(name);
				s->v.name = s->name;
			}
			return tt->hash[h];
		}
		h = (h + 1) & (tt->hcap - 1);
	}
	if (tt->nslots == tt->cap) {
		size_t nc = tt->cap ? tt->cap * 2 : 64;
		struct tt_slot *ns = realloc(tt->slots, nc * sizeof(*ns));
		if (!ns)
			return -1;
		tt->slots = ns;
		tt->cap = nc;
	}
	struct tt_slot *s = &tt->slots[tt->nslots];
	memset(s, 0, sizeof(*s));
	s->v.cpu = cpu;
	s->v.kind = k;
	s->v.id = id;
	if (name) {
		s->name = strdup(name);
		s->v.name = s->name;
	}
	tt->hash[h] = (int)tt->nslots;
	return (int)tt->nslots++;
}

static struct tt_cpu *tt_cpu(struct trace_totals *tt, int cpu)
{
	for (int i = 0; i < tt->ncpus; i++)
		if (tt->cpus[i].cpu == cpu)
			return &tt->cpus[i];
	struct tt_cpu *n = realloc(tt->cpus, (size_t)(tt->ncpus + 1) * sizeof(*n));
	if (!n)
		return NULL;
	tt->cpus = n;
	struct tt_cpu *c = &tt->cpus[tt->ncpus++];
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	return c;
}

void trace_totals_add(struct trace_totals *tt, const struct trace_event *ev)
{
	struct tt_cpu *c = tt_cpu(tt, ev->cpu);
	if (!c)
		return;
	bool is_entry = ev->kind == TR_IRQ_ENTRY || ev->kind == TR_SOFTIRQ_ENTRY || ev->kind == TR_VECTOR_ENTRY;
	if (is_entry) {
		int slot = tt_slot(tt, ev->cpu, ev->kind, ev->id,
				   ev->kind == TR_SOFTIRQ_ENTRY ? softirq_name(ev->id) : ev->name);
		if (c->depth == TT_STACK) {	/* runaway: unmatched entries; start over */
			c->depth = 0;
		}
		c->st[c->depth++] = (struct tt_frame){ ev->kind, ev->id, ev->time_ns, 0, slot };
		return;
	}
	enum trace_kind want = ev->kind - 1;
	/* Find the matching entry; frames above it lost their exit (dropped records). */
	int d = c->depth - 1;
	while (d >= 0 && !(c->st[d].kind == want && c->st[d].id == ev->id))
		d--;
	if (d < 0)
		return;	/* exit without entry (recording started mid-handler) */
	struct tt_frame f = c->st[d];
	c->depth = d;
	if (ev->time_ns < f.start)
		return;
	uint64_t dur = ev->time_ns - f.start;
	uint64_t self = dur > f.child_ns ? dur - f.child_ns : 0;
	if (d > 0)
		c->st[d - 1].child_ns += dur;
	if (f.slot >= 0) {
		struct trace_total *v = &tt->slots[f.slot].v;
		v->count++;
		v->time_ns += self;
		if (self > v->max_ns)
			v->max_ns = self;
	}
}

bool trace_totals_next(const struct trace_totals *tt, size_t *iter, struct trace_total *out)
{
	if (!tt || *iter >= tt->nslots)
		return false;
	*out = tt->slots[*iter].v;
	(*iter)++;
	return true;
}

void trace_totals_free(struct trace_totals *tt)
{
	if (!tt)
		return;
	for (size_t i = 0; i < tt->nslots; i++)
		free(tt->slots[i].name);
	free(tt->slots);
	free(tt->hash);
	free(tt->cpus);
	free(tt);
}

/* ------------------------------------------------------------ vectors and rows */

static const char *const vector_rows[][2] = {
	{ "LOC", "local_timer" }, { "RES", "reschedule" }, { "CAL", "call_function" },
	{ "IWI", "irq_work" }, { "SPU", "spurious_apic" }, { "ERR", "error_apic" },
	{ "TRM", "thermal_apic" }, { "THR", "threshold_apic" }, { "DFR", "deferred_error_apic" },
	{ "PLT", "x86_platform_ipi" },
};

const char *trace_vector_of_row(const char *row)
{
	for (size_t i = 0; row && i < ARRAY_SIZE(vector_rows); i++)
		if (!strcmp(vector_rows[i][0], row))
			return vector_rows[i][1];
	return NULL;
}

const char *trace_row_of_vector(const char *event)
{
	for (size_t i = 0; event && i < ARRAY_SIZE(vector_rows); i++)
		if (str_starts(event, vector_rows[i][1]))
			return vector_rows[i][0];
	return NULL;
}

/* ------------------------------------------------------------ scaling and coverage */

bool trace_action_listed(const char *actions, const char *name)
{
	if (!name || !*name || !actions || !*actions)
		return true;	/* nothing to tell it by */
	return str_list_has(actions, ", ", name);
}

double trace_scaled_ns(const struct trace_total *v, double expect, struct trace_cov *cov)
{
	double scale = 1;
	if (expect >= 0 && cov && v->cpu >= 0 && v->cpu <= cov->max_cpu) {
		cov->seen[v->cpu] += (double)v->count;
		cov->counted[v->cpu] += MAX(expect, (double)v->count);
		if (v->count && expect >= 20 && expect > 1.1 * (double)v->count)
			scale = expect / (double)v->count;
	}
	return (double)v->time_ns * scale;
}

double trace_cov_lowest(const struct trace_cov *cov, int *cpu)
{
	double low = -1;
	*cpu = -1;
	for (int i = 0; cov && i <= cov->max_cpu; i++)
		if (cov->counted[i] >= 100 && (low < 0 || cov->seen[i] / cov->counted[i] < low)) {
			low = cov->seen[i] / cov->counted[i];
			*cpu = i;
		}
	return low;
}
