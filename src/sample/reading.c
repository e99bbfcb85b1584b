/*
 * Readings of /proc/interrupts, /proc/softirqs and /proc/stat.
 *
 * /proc/interrupts is streamed in chunks and fed line by line to the pure row
 * parser, so a 46 MB file on 512 CPUs needs no 46 MB buffer (kernel-interfaces.md
 * §1.7). A torn read (rows with fewer counts than the header has CPUs, from CPUs
 * going on/offline between read() calls) is retried once.
 */
#include "sample/reading.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parse/interrupts.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/str.h"

#define CHUNK (1u << 20)
#define MAX_LINE (64u << 20)	/* a row is ~11 bytes per CPU: 64 MB is ~6M CPUs */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct feeder {
	struct reading *r;
	bool have_header;
	int cap;
};

static void note_cpu(struct reading *r, int id)
{
	if (id > r->max_cpu)
		r->max_cpu = id;
}

static void feed_line(struct feeder *f, struct slice line)
{
	struct reading *r = f->r;
	if (!f->have_header) {
		if (!slice_trim(line).n)
			return;
		if (pi_is_header(line)) {
			int n = 0;
			pi_parse_header(line, NULL, 0, &n);
			r->col_cpu = arena_calloc(&r->arena, (size_t)n + 1, sizeof(int));
			pi_parse_header(line, r->col_cpu, n, &n);
			r->ncols = n;
			for (int i = 0; i < n; i++)
				note_cpu(r, r->col_cpu[i]);
			f->have_header = true;
			return;
		}
		/* No header (hand-made or embedded excerpt): columns are assumed CPUs 0..n-1
		 * from the first row; pi_parse_row with ncpus < 0 counts them. */
	}
	struct pi_row row;
	uint32_t *counts = NULL;
	int cap = f->have_header ? r->ncols : 4096;
	if (cap > 0)
		counts = arena_alloc(&r->arena, (size_t)cap * sizeof(uint32_t));
	if (pi_parse_row(line, f->have_header ? r->ncols : -1, counts, cap, &row) < 0)
		return;
	if (!f->have_header) {
		r->ncols = MIN(row.ncounts, cap);
		r->col_cpu = arena_calloc(&r->arena, (size_t)r->ncols + 1, sizeof(int));
		for (int i = 0; i < r->ncols; i++) {
			r->col_cpu[i] = i;
			note_cpu(r, i);
		}
		f->have_header = true;
	}
	if (r->nirqs == f->cap) {
		int nc = f->cap ? f->cap * 2 : 256;
		r->irqs = arena_realloc(&r->arena, r->irqs, (size_t)f->cap * sizeof(*r->irqs),
					(size_t)nc * sizeof(*r->irqs));
		f->cap = nc;
	}
	struct rd_irq *q = &r->irqs[r->nirqs++];
	q->name = arena_strndup(&r->arena, row.name.p, row.name.n);
	q->number = row.is_numeric ? row.irq : -1;
	q->chip = arena_strndup(&r->arena, row.chip.p, row.chip.n);
	q->hwirq = arena_strndup(&r->arena, row.hwirq.p, row.hwirq.n);
	struct slice text = row.is_numeric ? row.actions : row.desc;
	q->actions = arena_strndup(&r->arena, text.p, text.n);
	q->counts = counts;
	q->ncounts = MIN(row.ncounts, cap);
	q->total = row.total;
	if (row.is_numeric && row.ncounts < r->ncols)
		r->short_rows++;
}

static void feed(struct feeder *f, const char *p, size_t n)
{
	struct slice all = { p, n }, line;
	while (slice_line(&all, &line))
		feed_line(f, line);
}

static void reset_interrupts(struct reading *r)
{
	r->ncols = 0;
	r->col_cpu = NULL;
	r->irqs = NULL;
	r->nirqs = 0;
	r->short_rows = 0;
}

/* Stream the file: complete lines are fed as they arrive; a partial last line
 * is moved to the front of the buffer, which grows only for an overlong line. */
static int stream_interrupts(struct reading *r, const struct source *src)
{
	int fd = src_openat(src, "proc/interrupts", O_RDONLY);
	if (fd < 0)
		return fd;
	struct feeder f = { .r = r };
	struct buf b = { 0 };
	int ret = buf_reserve(&b, CHUNK);
	size_t have = 0;
	while (!ret) {
		if (b.cap - 1 - have < CHUNK / 4) {
			if (b.cap > MAX_LINE) {
				ret = -E2BIG;
				break;
			}
			b.len = have;
			if ((ret = buf_reserve(&b, b.cap)) < 0)
				break;
		}
		ssize_t n = read(fd, b.data + have, b.cap - 1 - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0) {
			if (have)
				feed(&f, b.data, have);
			break;
		}
		have += (size_t)n;
		const char *last = memrchr(b.data, '\n', have);
		if (!last)
			continue;
		size_t whole = (size_t)(last - b.data) + 1;
		feed(&f, b.data, whole);
		memmove(b.data, b.data + whole, have - whole);
		have -= whole;
	}
	close(fd);
	buf_free(&b);
	if (!ret && !f.have_header)
		ret = -ENODATA;
	return ret;
}

static void parse_others(struct reading *r, const char *softirqs, size_t slen, const char *stat,
			 size_t stlen)
{
	if (softirqs) {
		r->err_softirqs = parse_softirqs(softirqs, slen, &r->arena, &r->softirqs);
		for (int i = 0; !r->err_softirqs && i < r->softirqs.ncpus; i++)
			note_cpu(r, r->softirqs.cpu_ids[i]);
	} else {
		r->err_softirqs = -ENOENT;
	}
	if (stat) {
		r->err_stat = parse_stat(stat, stlen, &r->arena, &r->stat);
		for (int i = 0; !r->err_stat && i < r->stat.ncpus; i++)
			note_cpu(r, r->stat.cpus[i].id);
	} else {
		r->err_stat = -ENOENT;
	}
}

int reading_take(struct reading *r, const struct source *src)
{
	memset(r, 0, sizeof(*r));
	r->max_cpu = -1;
	r->time_ns = now_ns();
	int ret = stream_interrupts(r, src);
	if (!ret && r->short_rows) {
		/* Torn read: once more (kernel-interfaces.md §12). */
		arena_free(&r->arena);
		reset_interrupts(r);
		r->max_cpu = -1;
		r->time_ns = now_ns();
		ret = stream_interrupts(r, src);
	}
	r->err_interrupts = ret;
	struct buf si = { 0 }, st = { 0 };
	int e1 = src_read(src, "proc/softirqs", &si, 0);
	int e2 = src_read(src, "proc/stat", &st, 0);
	parse_others(r, e1 ? NULL : si.data, si.len, e2 ? NULL : st.data, st.len);
	if (e1)
		r->err_softirqs = e1;
	if (e2)
		r->err_stat = e2;
	buf_free(&si);
	buf_free(&st);
	r->took_ns = now_ns() - r->time_ns;
	return ret;
}

int reading_parse(struct reading *r, const char *interrupts, size_t ilen, const char *softirqs,
		  size_t slen, const char *stat, size_t stlen, uint64_t time_ns)
{
	memset(r, 0, sizeof(*r));
	r->max_cpu = -1;
	r->time_ns = time_ns;
	if (interrupts) {
		struct feeder f = { .r = r };
		feed(&f, interrupts, ilen);
		r->err_interrupts = f.have_header ? 0 : -ENODATA;
	} else {
		r->err_interrupts = -ENOENT;
	}
	parse_others(r, softirqs, slen, stat, stlen);
	return r->err_interrupts;
}

void reading_free(struct reading *r)
{
	arena_free(&r->arena);
	memset(r, 0, sizeof(*r));
}
