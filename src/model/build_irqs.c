/* /proc/interrupts (streamed line by line) and /proc/irq/N. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/build.h"
#include "parse/interrupts.h"
#include "util/str.h"

#define CHUNK (128u << 10)
#define MAX_LINE (1u << 20)

struct stream_ctx {
	struct host *h;
	struct irq *irqs;
	int n, cap;
	bool saw_header;
	int ncols;		/* expected count columns; -1 unknown */
	int *col_cpu;
	uint32_t *scratch;
	int scratch_cap;
	int bad_lines;
	int torn_rows;
	int nonempty;		/* lines not blank */
	off_t size;		/* of a regular file (a snapshot), else 0 */
	bool started;		/* a non-blank line was seen (the header, if any) */
};

static enum irq_chip_kind chip_kind(enum pi_chip c)
{
	switch (c) {
	case PI_CHIP_IOAPIC: return CHIP_IOAPIC;
	case PI_CHIP_XTPIC: return CHIP_XTPIC;
	case PI_CHIP_PCI_MSI: return CHIP_PCI_MSI;
	case PI_CHIP_PCI_MSIX: return CHIP_PCI_MSIX;
	case PI_CHIP_DMAR: return CHIP_DMAR;
	case PI_CHIP_HPET: return CHIP_HPET;
	case PI_CHIP_IOMMU: return CHIP_IOMMU;
	case PI_CHIP_GIC: return CHIP_GIC;
	case PI_CHIP_ITS: return CHIP_ITS;
	case PI_CHIP_XEN: return CHIP_XEN;
	default: return CHIP_OTHER;
	}
}

static const char *dup_slice(struct host *h, struct slice s)
{
	return s.n ? arena_strndup(&h->arena, s.p, s.n) : NULL;
}

static void add_row(struct stream_ctx *c, struct slice line)
{
	struct host *h = c->h;
	int ncpus = c->ncols;
	/*
	 * Parse the counts straight into their final arena array (no scratch copy: this
	 * is 16 MB on a 512-CPU, 8,192-IRQ host). Before the column count is known (no
	 * header) a scratch buffer takes the first row.
	 */
	uint32_t *dst;
	int cap;
	if (ncpus > 0) {
		dst = arena_alloc_uninit(&h->arena, (size_t)ncpus * sizeof(uint32_t));
		cap = ncpus;
	} else {
		if (!c->scratch) {
			c->scratch_cap = 4096;
			c->scratch = calloc((size_t)c->scratch_cap, sizeof(uint32_t));
			if (!c->scratch)
				return;
		}
		dst = c->scratch;
		cap = c->scratch_cap;
	}
	struct pi_row row;
	if (pi_parse_row(line, ncpus, dst, cap, &row)) {
		if (slice_trim(line).n)
			c->bad_lines++;
		return;
	}
	if (c->ncols < 0) {
		/* No header (an excerpt): the first row with counts fixes the column count. */
		if (!row.ncounts)
			return;
		c->ncols = row.ncounts > cap ? cap : row.ncounts;
		c->col_cpu = arena_calloc(&h->arena, (size_t)c->ncols, sizeof(int));
		for (int i = 0; i < c->ncols; i++)
			c->col_cpu[i] = i;
		uint32_t *copy = arena_alloc_uninit(&h->arena, (size_t)c->ncols * sizeof(uint32_t));
		memcpy(copy, dst, (size_t)c->ncols * sizeof(uint32_t));
		dst = copy;
	}
	if (c->n == c->cap) {
		int ncap = c->cap ? c->cap * 2 : 256;
		c->irqs = arena_realloc_alone(&h->arena, c->irqs, (size_t)c->cap * sizeof(*c->irqs),
					      (size_t)ncap * sizeof(*c->irqs));
		c->cap = ncap;
	}
	struct irq *q = &c->irqs[c->n++];
	q->name = dup_slice(h, row.name);
	q->number = row.is_numeric ? row.irq : -1;
	q->is_arch = !row.is_numeric;
	q->total = row.total;
	q->node = -1;
	q->vector = -1;
	q->rate = -1;
	int keep = row.ncounts < c->ncols ? row.ncounts : c->ncols;
	if (row.ncounts >= 2 || c->ncols == 1 || row.is_numeric) {
		q->counts = dst;
		if (keep < c->ncols)
			memset(q->counts + keep, 0, (size_t)(c->ncols - keep) * sizeof(uint32_t));
	}
	if (row.is_numeric && row.ncounts != c->ncols) {
		q->short_row = true;
		c->torn_rows++;
	}
	if (q->is_arch) {
		q->desc = dup_slice(h, row.desc);
		return;
	}
	q->chip = dup_slice(h, row.chip);
	q->hwirq = dup_slice(h, row.hwirq);
	q->flow = dup_slice(h, row.flow);
	q->trigger = dup_slice(h, row.trigger);
	q->fused = row.fused;
	q->actions = row.actions.n ? dup_slice(h, row.actions) : "";
	struct pi_chip_info ci;
	pi_classify_chip(row.chip, &ci);
	q->chip_kind = chip_kind(ci.kind);
	q->remapped = ci.remapped;
	if (ci.bdf.n) {
		/* Per-device domains print the full dev_name; normalise "00:02.0" style too. */
		q->chip_bdf = ci.bdf.n == 7 ? arena_printf(&h->arena, "0000:%.*s", (int)ci.bdf.n, ci.bdf.p)
					    : dup_slice(h, ci.bdf);
		uint64_t v;
		if (row.hwirq.n && slice_u64(row.hwirq, 10, &v))
			q->vector = (int)v;
	} else if ((ci.kind == PI_CHIP_PCI_MSI || (ci.kind == PI_CHIP_ITS && slice_eq(row.chip, "ITS-MSI"))) && row.hwirq.n) {
		/* Old global PCI/MSI domain (x86 ≤6.1, arm64 ITS-MSI ≤6.10): the BDF is encoded
		 * in the hwirq (drivers/pci/msi/irqdomain.c:pci_msi_domain_calc_hwirq). */
		uint64_t v;
		if (slice_u64(row.hwirq, 10, &v) && (v >= 0x800 || ci.kind == PI_CHIP_ITS)) {
			char bdf[16];
			unsigned idx;
			pi_decode_msi_hwirq(v, bdf, &idx);
			q->chip_bdf = arena_strdup(&h->arena, bdf);
			q->vector = (int)idx;
		}
	}
	/* Split the action list. */
	struct slice acts = row.actions, a;
	int na = 0;
	struct slice tmp = acts;
	while (pi_next_action(&tmp, &a))
		na++;
	if (na) {
		q->action = arena_calloc(&h->arena, (size_t)na, sizeof(char *));
		while (pi_next_action(&acts, &a))
			q->action[q->naction++] = dup_slice(h, a) ? dup_slice(h, a) : "";
	}
}

/*
 * A snapshot's size bounds its rows: each full one holds 11+ bytes per column. On a
 * big host the table is made that large at once, not doubled past it (8,192 rows and
 * a few named ones would double to 16,384: 2 MB more of RSS).
 */
static void presize(struct stream_ctx *c)
{
	if (c->ncols < 64 || c->size <= 0 || c->cap)
		return;
	off_t rows = c->size / ((off_t)c->ncols * 11) + 64;
	if (rows > (1 << 20))
		return;
	c->irqs = arena_realloc_alone(&c->h->arena, NULL, 0, (size_t)rows * sizeof(*c->irqs));
	c->cap = (int)rows;
}

/* Whole lines from the feeder: the header, then rows. */
static void feed_lines(void *ctx, const char *text, size_t n)
{
	struct stream_ctx *c = ctx;
	struct slice all = { text, n };
	while (all.n) {
		const char *nl = memchr(all.p, '\n', all.n);
		struct slice line = { all.p, nl ? (size_t)(nl - all.p) : all.n };
		all.p += line.n + (nl ? 1 : 0);
		all.n -= line.n + (nl ? 1 : 0);
		if (line.n && line.p[line.n - 1] == '\r')
			line.n--;
		if (slice_trim(line).n)
			c->nonempty++;
		if (!c->started) {
			if (!slice_trim(line).n)
				continue;
			c->started = true;
			if (pi_is_header(line)) {
				int ncpu;
				pi_parse_header(line, NULL, 0, &ncpu);
				c->ncols = ncpu;
				c->col_cpu = arena_calloc(&c->h->arena, (size_t)ncpu, sizeof(int));
				pi_parse_header(line, c->col_cpu, ncpu, &ncpu);
				c->saw_header = true;
				presize(c);
				continue;
			}
		}
		add_row(c, line);
	}
}

/*
 * Read proc/interrupts through the line feeder the sampler uses too (128 KiB reads,
 * parsed as whole lines complete), so the 46 MB file of a 512-CPU host never sits in
 * memory at once. A line over 1 MiB (a 10 MB garbage line) is skipped as unparseable.
 */
static int pi_stream_read(struct host *h, const struct source *src, struct irq **irqs, int *nirqs)
{
	int fd = src_openat(src, "proc/interrupts", O_RDONLY);
	if (fd < 0)
		return fd;
	struct stream_ctx c = { .h = h, .ncols = -1 };
	struct stat st;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		c.size = st.st_size;
	struct pi_feeder f = { .chunk = CHUNK, .max_line = MAX_LINE, .skip_overlong = true };
	int r;
	for (;;) {
		char *p;
		size_t room;
		if ((r = pi_feeder_space(&f, &p, &room)) < 0)
			break;
		ssize_t n = read(fd, p, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		pi_feeder_commit(&f, (size_t)n, feed_lines, &c);
		if (!n)
			break;
	}
	c.bad_lines += f.overlong;
	int nonempty = c.nonempty;
	free(f.buf);
	free(c.scratch);
	close(fd);
	if (r)
		return r;
	/*
	 * Not /proc/interrupts at all (random bytes, another file, NULs throughout): no
	 * header and no row, or more lines that are no row than rows. Judging from the few
	 * lines that parse by chance would report made-up IRQs and a CPU table of zeros;
	 * the caller treats the file as unreadable instead.
	 */
	if (!nonempty) {
		h->interrupts_unusable = "empty";
	} else if (!c.n) {
		/* even a guest's /proc/interrupts has LOC, NMI, ... rows */
		h->interrupts_unusable = c.saw_header ? "does not parse as /proc/interrupts (a CPU header, no IRQ row)"
						      : "does not parse as /proc/interrupts (no CPU header, no IRQ row)";
	} else if (c.bad_lines > 0 && c.bad_lines >= c.n) {
		h->interrupts_unusable = arena_printf(&h->arena, "does not parse as /proc/interrupts (%d of %d lines are no "
						      "IRQ row%s)", c.bad_lines, nonempty, c.saw_header ? "" : ", no CPU header");
	}
	if (h->interrupts_unusable) {
		host_note_missing(h, "proc/interrupts", h->interrupts_unusable,
				  "IRQs, devices' interrupt use and CPU load are unknown");
		*irqs = NULL;
		*nirqs = 0;
		return 0;
	}
	h->ncols = c.ncols < 0 ? 0 : c.ncols;
	h->col_cpu = c.col_cpu;
	h->cpu_ids_assumed = !c.saw_header && c.ncols > 0;
	if (h->cpu_ids_assumed)
		host_note_missing(h, "proc/interrupts", "no CPU header line (an excerpt?)",
				  "CPU ids assumed to be 0..N-1 in column order");
	if (c.bad_lines)
		host_note_missing(h, "proc/interrupts",
				  arena_printf(&h->arena, "%d unparseable line(s) skipped", c.bad_lines),
				  "those lines are not in the report");
	if (c.torn_rows)
		host_note_missing(h, "proc/interrupts",
				  arena_printf(&h->arena, "%d row(s) with a count per CPU missing", c.torn_rows),
				  "a torn read or an edited file: their per-CPU counts are partial");
	*irqs = c.irqs;
	*nirqs = c.n;
	return 0;
}

static int cmp_irq(const void *a, const void *b)
{
	const struct irq *x = a, *y = b;
	if (x->is_arch != y->is_arch)
		return x->is_arch ? 1 : -1;
	if (!x->is_arch)
		return (x->number > y->number) - (x->number < y->number);
	return 0;
}

/* Stable sort: keep architecture rows in file order. */
static void sort_irqs(struct irq *v, int n)
{
	for (int i = 1; i < n; i++) {
		struct irq t = v[i];
		int j = i - 1;
		while (j >= 0 && cmp_irq(&v[j], &t) > 0) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = t;
	}
}

int build_irqs(struct host *h, const struct source *src)
{
	int r = pi_stream_read(h, src, &h->irqs, &h->nirqs);
	if (r)
		return r;
	if (h->interrupts_unusable)
		return 0;	/* judged like a missing file: from the log, the command line and sysfs */
	h->has_interrupts = true;
	/* Rows are already ascending on a real kernel; sort only when they are not. */
	for (int i = 1; i < h->nirqs; i++)
		if (cmp_irq(&h->irqs[i - 1], &h->irqs[i]) > 0) {
			sort_irqs(h->irqs, h->nirqs);
			break;
		}

	/* proc/irq/N: affinity, node, and whether smp_affinity is writable. */
	char path[128];
	struct buf b = { 0 };
	int writable = 0, readonly = 0;
	/*
	 * Without proc/irq (a copy of the three counter files) every IRQ would cost four
	 * failed opens and two stats: 49,000 system calls, half of check's time on a
	 * 512-CPU, 8,192-IRQ host. The note counts each IRQ as the loop would.
	 */
	bool have_procirq = src_exists(src, "proc/irq");
	if (!have_procirq) {
		for (int i = 0; i < h->nirqs; i++)
			if (!h->irqs[i].is_arch)
				host_note_missing(h, "proc/irq", "not present", "IRQ affinity is unknown");
	}
	for (int i = 0; have_procirq && i < h->nirqs; i++) {
		struct irq *q = &h->irqs[i];
		if (q->is_arch)
			continue;
		snprintf(path, sizeof(path), "proc/irq/%d/smp_affinity_list", q->number);
		buf_reset(&b);
		r = src_read(src, path, &b, 65536);
		/* An empty list is no affinity the kernel can have: a damaged file. */
		if (!r && !cpuset_parse_list(&q->smp_affinity, &h->arena, b.data, b.len) &&
		    !cpuset_empty(&q->smp_affinity))
			q->has_affinity = true;
		else
			host_note_unreadable(h, "proc/irq/*/smp_affinity_list", r ? r : -EINVAL,
					     "affinity of those IRQs is unknown");
		snprintf(path, sizeof(path), "proc/irq/%d/effective_affinity_list", q->number);
		buf_reset(&b);
		r = src_read(src, path, &b, 65536);
		if (!r && !cpuset_parse_list(&q->effective_affinity, &h->arena, b.data, b.len))
			q->has_effective = true;
		else
			host_note_unreadable(h, "proc/irq/*/effective_affinity_list", r ? r : -EINVAL,
					     "the CPU an IRQ really targets is inferred from smp_affinity or counts");
		snprintf(path, sizeof(path), "proc/irq/%d/node", q->number);
		buf_reset(&b);
		int64_t node;
		if (!src_read(src, path, &b, 64) && str_i64(b.data, 10, &node))
			q->node = (int)node;
		snprintf(path, sizeof(path), "proc/irq/%d/smp_affinity", q->number);
		struct stat st;
		if (!src_stat(src, path, &st)) {
			bool w = st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH);
			q->settable = w ? TRI_YES : TRI_NO;
			if (w)
				writable++;
			else
				readonly++;
		}
	}
	buf_free(&b);
	/*
	 * File modes mean something only on a kernel that sets them (6.12+: 0444 when not
	 * user-settable) and in a tree that kept them: if nothing is writable (a read-only
	 * copy) or nothing is read-only before 6.12, the mode says nothing.
	 */
	bool new_kernel = h->platform.kernel_major > 6 ||
			  (h->platform.kernel_major == 6 && h->platform.kernel_minor >= 12);
	bool modes_meaningful = writable > 0 && (readonly > 0 || new_kernel);
	for (int i = 0; i < h->nirqs; i++)
		if (!modes_meaningful)
			h->irqs[i].settable = TRI_UNKNOWN;
	return 0;
}
