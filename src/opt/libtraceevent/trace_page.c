/*
 * The ftrace ring-buffer page walker for sample/trace.c's ftrace recorder: one page
 * read from <instance>/per_cpu/cpuN/trace_pipe_raw is a ring-buffer sub-buffer (a
 * header with the page's timestamp and committed length, then events with 27-bit
 * time deltas, time-extend and padding records; kernel/trace/ring_buffer.c). Its
 * layout is libtraceevent's kbuffer to read, not ours to hand-parse. Built only when
 * libtraceevent is installed; the libc-only build has no ftrace recorder and records
 * through perf. It registers itself before main (a constructor: the core names nothing
 * here, and the Makefile links this object whenever it builds it).
 */
#include <traceevent/kbuffer.h>

#include "sample/trace.h"

static long trace_page_walk(void *page, trace_page_cb cb, void *ctx, long *missed)
{
	*missed = 0;
	/* one reader per thread, kept: a drain walks hundreds of pages a second */
	static __thread struct kbuffer *kb;
	if (!kb && !(kb = kbuffer_alloc(KBUFFER_LSIZE_SAME_AS_HOST, KBUFFER_ENDIAN_SAME_AS_HOST)))
		return -1;
	if (kbuffer_load_subbuffer(kb, page) < 0)
		return -1;
	*missed = kbuffer_missed_events(kb);
	long n = 0;
	unsigned long long ts;
	for (void *d = kbuffer_read_event(kb, &ts); d; d = kbuffer_next_event(kb, &ts)) {
		int size = kbuffer_event_size(kb);
		if (size > 0)
			cb(d, (uint32_t)size, ts, ctx);
		n++;
	}
	return n;
}

__attribute__((constructor)) static void trace_page_register(void)
{
	trace_set_page_walker(trace_page_walk);
}
