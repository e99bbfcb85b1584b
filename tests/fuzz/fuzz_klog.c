/* The kernel log (src/parse/klog.c), as src/model/build_platform.c reads dmesg / kmsg / syslog. */
#include "fuzz.h"

#include "parse/klog.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	struct klog k;
	FUZZ_CHECK(parse_klog((const char *)data, size, &a, &k) == 0);
	FUZZ_CHECK(k.nevents <= k.nlines && (!k.nevents || k.events));
	FUZZ_CHECK(k.nlines <= size);
	unsigned last = 0;
	for (size_t i = 0; i < k.nevents; i++) {
		const struct klog_event *e = &k.events[i];
		FUZZ_CHECK(e->kind >= 0 && e->kind < KLOG_KIND_COUNT);
		FUZZ_CHECK(e->line_no >= 1 && e->line_no <= k.nlines && e->line_no > last);
		last = e->line_no;
		FUZZ_CHECK(e->text && fuzz_touch(e->text) <= size);
		FUZZ_CHECK(fuzz_touch(e->arg) <= size);
		FUZZ_CHECK(strcmp(klog_kind_name(e->kind), "?") != 0);
		if (e->kind != KLOG_IRQ_NOBODY_CARED && e->kind != KLOG_IRQ_DISABLING)
			FUZZ_CHECK(e->irq == -1);
		if (e->kind == KLOG_SMP_ALLOWING)
			FUZZ_CHECK(e->value > 0);
		else if (e->kind != KLOG_VFIO_PROBE_FAILED)
			FUZZ_CHECK(e->value == 0);
	}
	size_t total = 0;
	for (int kind = 0; kind < KLOG_KIND_COUNT; kind++) {
		size_t n = klog_count(&k, (enum klog_kind)kind);
		const struct klog_event *f = klog_find(&k, (enum klog_kind)kind);
		FUZZ_CHECK(!n == !f && (!f || f->kind == (enum klog_kind)kind));
		total += n;
	}
	FUZZ_CHECK(total == k.nevents);
	FUZZ_CHECK(strcmp(klog_kind_name(KLOG_KIND_COUNT), "?") == 0);
	arena_free(&a);
	return 0;
}
