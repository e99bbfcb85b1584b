/*
 * The perf backend: tracepoints through perf_event_open(2), no BPF
 * (docs/kernel-interfaces.md §11).
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
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sample/trace_int.h"
#include "util/buf.h"
#include "util/cpuset.h"

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
			return paranoid > -1
				       ? " (not root, and perf_event_paranoid forbids per-CPU tracepoint samples: "
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

/* Events start disabled (perf_attr): this drops vector pairs the kernel refuses and
 * opens the rest on every CPU of cpus. */
int trace_perf_open(struct trace *t, const struct cpuset *cpus, int paranoid, char *why, size_t whylen)
{
	t->ops = &trace_perf_ops;
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
			int fd = perf_open(&at, cpuset_next(cpus, 0));
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
	int ncpu = cpuset_count(cpus);
	raise_nofile((size_t)ncpu * (size_t)t->nev);
	t->rings = calloc((size_t)ncpu + 1, sizeof(*t->rings));
	t->ring_fds = calloc((size_t)ncpu + 1, sizeof(int));
	if (!t->rings || !t->ring_fds)
		return -ENOMEM;
	int r = 0;
	for (int cpu = cpuset_next(cpus, 0); cpu >= 0; cpu = cpuset_next(cpus, cpu + 1)) {
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
				say(why, whylen, "cannot open tracepoint %s (id %llu) on CPU %d: %s%s", t->ev[i].name,
				    (unsigned long long)t->ev[i].id, cpu, strerror(-fd), perm_hint(-fd, paranoid));
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

static int perf_enable(struct trace *t)
{
	return ioctl_all(t, PERF_EVENT_IOC_ENABLE);
}

static int perf_disable(struct trace *t)
{
	return ioctl_all(t, PERF_EVENT_IOC_DISABLE);
}

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
	trace_decode_raw(t, raw, rawsz, time, (int)cpu);
}

static void drain_ring(struct trace *t, struct ring *rg)
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
}

const struct trace_ops trace_perf_ops = {
	.name = "perf",
	.enable = perf_enable,
	.disable = perf_disable,
	.drain_ring = drain_ring,
	.pollable = true,
	.close = close_rings,
};
