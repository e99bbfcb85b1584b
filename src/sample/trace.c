/*
 * Tracepoint recorder: which backend records, and what both share (trace_int.h names
 * the pieces). The perf backend (trace_perf.c) reads one mmap'ed perf ring per CPU;
 * the ftrace backend (trace_ftrace.c) a private tracefs instance's per-CPU pages, when
 * the build can walk them (an optional part registered a walker) and the kernel has
 * instances, else perf records the same events. Both hand trace records (common_type
 * first, fields at the offsets tracefs's "format" files give: trace_tracefs.c) to
 * trace_decode_raw (trace_decode.c); each drain here sorts a ring's events by time before the callback.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sample/trace_int.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

static int read_paranoid(void)
{
	char b[32];
	if (trace_read_small("/proc/sys/kernel/perf_event_paranoid", b, sizeof(b)) <= 0)
		return 99;
	return atoi(b);
}
static int online_cpus(struct arena *a, struct cpuset *out)
{
	char b[4096];
	int r = trace_read_small("/sys/devices/system/cpu/online", b, sizeof(b));
	if (r < 0)
		return r;
	return cpuset_parse_list(out, a, b, (size_t)r);
}

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
		r = tracefs_load_event(t, "irq", "irq_handler_entry", TR_IRQ_ENTRY, "irq", "name", "irq_handler_entry");
		if (!r)
			r = tracefs_load_event(t, "irq", "irq_handler_exit", TR_IRQ_EXIT, "irq", NULL,
					       "irq_handler_exit");
		if (r < 0) {
			say(why, whylen, "cannot read irq:irq_handler_entry/exit in '%s/events': %s",
			    t->tracefs, strerror(-r));
			goto fail;
		}
	}
	if (o->softirq) {
		r = tracefs_load_event(t, "irq", "softirq_entry", TR_SOFTIRQ_ENTRY, "vec", NULL, "softirq_entry");
		if (!r)
			r = tracefs_load_event(t, "irq", "softirq_exit", TR_SOFTIRQ_EXIT, "vec", NULL, "softirq_exit");
		if (r < 0) {
			say(why, whylen, "cannot read irq:softirq_entry/exit in '%s/events': %s",
			    t->tracefs, strerror(-r));
			goto fail;
		}
	}
	if (o->vectors)
		tracefs_load_vectors(t);	/* x86 only; absent elsewhere */
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
	if (o->ftrace && trace_ftrace_built()) {
		/* the instance needs the mount while it exists: released on close */
		char ftwhy[256] = "";
		int fr = trace_ftrace_open(t, &cpus, ftwhy, sizeof(ftwhy));
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
	r = trace_perf_open(t, &cpus, paranoid, why, whylen);
	arena_free(&a);
	if (r < 0)
		goto fail;
	/* ids and formats are read: the perf fds need no mount, so release it now and a
	 * SIGKILL during recording cannot leave tracefs mounted */
	tracefs_release(t);
	*out = t;
	return 0;
fail:
	if (t->ops)
		t->ops->close(t);
	free(t->ring_fds);
	tracefs_release(t);
	free(t);
	return r;
}

int trace_enable(struct trace *t)
{
	return t->ops->enable(t);
}

int trace_disable(struct trace *t)
{
	return t->ops->disable(t);
}

uint64_t trace_lost(const struct trace *t)
{
	return t->ops->dropped ? t->lost + t->ops->dropped(t) : t->lost;
}

const char *trace_recorder(const struct trace *t)
{
	return t && t->ops ? t->ops->name : "perf";
}

int trace_fds(const struct trace *t, const int **fds)
{
	*fds = t->ring_fds;
	return t->ops->pollable ? t->nrings : 0;
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
long trace_drain(struct trace *t, void (*cb)(const struct trace_event *ev, void *ctx), void *ctx)
{
	long total = 0;
	for (int i = 0; i < t->nrings; i++) {
		t->nbatch = 0;
		buf_reset(&t->names);
		t->ops->drain_ring(t, &t->rings[i]);
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
	if (t->ops)
		t->ops->close(t);
	free(t->ring_fds);
	free(t->batch);
	buf_free(&t->names);
	buf_free(&t->rec);
	tracefs_release(t);
	free(t);
}
