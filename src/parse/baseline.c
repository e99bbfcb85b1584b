/* The baseline file format, parsed strictly (parse/baseline.h, docs/baseline.md). */
#include "parse/baseline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/cpuset.h"
#include "util/str.h"

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int dev_cmp(const void *a, const void *b)
{
	const struct baseline_dev *x = a, *y = b;
	return strcmp(x->bdf, y->bdf);
}

void baseline_sort_cmdline(struct baseline *b)
{
	if (b->ncmdline)
		qsort(b->cmdline, (size_t)b->ncmdline, sizeof(*b->cmdline), str_cmp);
}

void baseline_sort_devs(struct baseline *b)
{
	if (b->ndevs)
		qsort(b->devs, (size_t)b->ndevs, sizeof(*b->devs), dev_cmp);
}

void baseline_free(struct baseline *b)
{
	arena_free(&b->arena);
	memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------- parse */

struct pctx {
	struct baseline *b;
	int line;
	char *err;
	size_t errlen;
};

static int perr(struct pctx *c, const char *fmt, ...) PRINTF(2, 3);
static int perr(struct pctx *c, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "line %d: ", c->line);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decode a value token: NULL for "unknown", "" for "-". *bad set on a broken escape. */
static const char *get_val(struct pctx *c, struct slice t, bool *bad)
{
	if (slice_eq(t, "unknown"))
		return NULL;
	if (slice_eq(t, "-"))
		return "";
	char *s = arena_alloc(&c->b->arena, t.n + 1), *o = s;
	for (size_t i = 0; i < t.n; i++) {
		if (t.p[i] == '%') {
			int x = i + 2 < t.n ? hexval(t.p[i + 1]) : -1;
			int y = i + 2 < t.n ? hexval(t.p[i + 2]) : -1;
			if (x < 0 || y < 0 || (x == 0 && y == 0)) {
				*bad = true;
				return NULL;
			}
			*o++ = (char)(x * 16 + y);
			i += 2;
		} else {
			*o++ = t.p[i];
		}
	}
	*o = '\0';
	return s;
}

static bool get_tri(struct slice t, enum tri *out)
{
	if (slice_eq(t, "on"))
		*out = TRI_YES;
	else if (slice_eq(t, "off"))
		*out = TRI_NO;
	else if (slice_eq(t, "unknown"))
		*out = TRI_UNKNOWN;
	else
		return false;
	return true;
}

static bool get_int(struct slice t, int *out)
{
	uint64_t v;
	if (slice_eq(t, "unknown")) {
		*out = -1;
		return true;
	}
	if (!slice_u64(t, 10, &v) || v > 1000000)
		return false;
	*out = (int)v;
	return true;
}

static bool get_irq_mode(struct slice t, enum irq_mode *out)
{
	for (int m = IRQ_MODE_UNKNOWN; m <= IRQ_MODE_MSIX; m++)
		if (slice_eq(t, irq_mode_name((enum irq_mode)m))) {
			*out = (enum irq_mode)m;
			return true;
		}
	return false;
}

static bool get_ir_mode(struct slice t, enum ir_mode *out)
{
	for (int m = IR_MODE_UNKNOWN; m <= IR_MODE_NONE; m++)
		if (slice_eq(t, ir_mode_name((enum ir_mode)m))) {
			*out = (enum ir_mode)m;
			return true;
		}
	return false;
}

/* "dddd:bb:dd.f", lower-case hex, as sysfs names devices. */
static bool is_bdf(const char *s)
{
	static const char pat[] = "xxxx:xx:xx.x";
	if (strlen(s) != sizeof(pat) - 1)
		return false;
	for (size_t i = 0; pat[i]; i++) {
		if (pat[i] == 'x' ? !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')) : s[i] != pat[i])
			return false;
	}
	return s[11] <= '7';
}

static bool is_cpulist(struct arena *a, const char *s)
{
	struct cpuset cs;
	return cpuset_parse_list(&cs, a, s, strlen(s)) == 0;
}

static bool is_affinity(struct arena *a, const char *s)
{
	if (!strcmp(s, "default") || !strcmp(s, "managed"))
		return true;
	const char *p = s;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		struct cpuset cs;
		if (!n || cpuset_parse_list(&cs, a, p, n) != 0)
			return false;
		if (!e)
			return true;
		p = e + 1;
	}
}

static int parse_device(struct pctx *c, struct slice rest, int *cap)
{
	struct baseline *b = c->b;
	bool bad = false;
	struct slice t = slice_token(&rest);
	const char *bdf = get_val(c, t, &bad);
	if (bad || !bdf || !is_bdf(bdf))
		return perr(c, "device: '%.*s' is not a PCI address (dddd:bb:dd.f)", (int)t.n, t.p);
	for (int i = 0; i < b->ndevs; i++)
		if (!strcmp(b->devs[i].bdf, bdf))
			return perr(c, "device %s listed twice", bdf);
	if (b->ndevs == *cap) {
		int nc = *cap ? *cap * 2 : 16;
		b->devs = arena_realloc(&b->arena, b->devs, sizeof(*b->devs) * (size_t)*cap,
					sizeof(*b->devs) * (size_t)nc);
		*cap = nc;
	}
	struct baseline_dev *d = &b->devs[b->ndevs];
	memset(d, 0, sizeof(*d));
	d->bdf = bdf;
	d->driver = NULL;
	d->msix_table = d->vectors = d->rx_queues = d->tx_queues = -1;
	unsigned seen = 0;
	while ((t = slice_token(&rest)).n) {
		long eq = slice_find(t, "=");
		if (eq <= 0)
			return perr(c, "device %s: '%.*s' is not key=value", bdf, (int)t.n, t.p);
		struct slice k = { t.p, (size_t)eq }, v = { t.p + eq + 1, t.n - (size_t)eq - 1 };
		static const char *const keys[] = { "id",	 "driver",    "irq-mode", "msix-table", "vectors",
						    "rx-queues", "tx-queues", "affinity", "handler" };
		int ki = -1;
		for (int i = 0; i < (int)ARRAY_SIZE(keys); i++)
			if (slice_eq(k, keys[i]))
				ki = i;
		if (ki < 0)
			return perr(c, "device %s: unknown key '%.*s'", bdf, (int)k.n, k.p);
		if (seen & (1u << ki))
			return perr(c, "device %s: key '%s' given twice", bdf, keys[ki]);
		seen |= 1u << ki;
		bool ok = true;
		uint64_t x, y;
		switch (ki) {
		case 0:
			if (slice_eq(v, "unknown"))
				break;
			ok = v.n == 9 && v.p[4] == ':' && slice_u64((struct slice){ v.p, 4 }, 16, &x) &&
			     slice_u64((struct slice){ v.p + 5, 4 }, 16, &y);
			if (ok) {
				d->has_ids = true;
				d->vendor = (uint16_t)x;
				d->device = (uint16_t)y;
			}
			break;
		case 1:
			d->driver = get_val(c, v, &bad);
			ok = !bad;
			break;
		case 2: ok = get_irq_mode(v, &d->irq_mode); break;
		case 3: ok = get_int(v, &d->msix_table) && d->msix_table <= 2048; break;
		case 4: ok = get_int(v, &d->vectors); break;
		case 5: ok = get_int(v, &d->rx_queues); break;
		case 6: ok = get_int(v, &d->tx_queues); break;
		case 7:
			d->affinity = get_val(c, v, &bad);
			ok = !bad && (!d->affinity || is_affinity(&b->arena, d->affinity));
			break;
		case 8:
			d->handler = get_val(c, v, &bad);
			ok = !bad;
			break;
		}
		if (!ok)
			return perr(c, "device %s: bad value for %s: '%.*s'", bdf, keys[ki], (int)v.n, v.p);
	}
	b->ndevs++;
	return 0;
}

int baseline_parse(struct baseline *b, const char *text, size_t len, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	b->online_cpus = -1;
	struct pctx c = { .b = b, .err = err, .errlen = errlen };
	struct slice all = { text, len }, line;
	int cap = 0;
	unsigned seen = 0;
	if (errlen)
		err[0] = '\0';
	if (memchr(text, '\0', len)) {
		c.line = 1;
		return perr(&c, "the file holds NUL bytes: not a baseline");
	}
	while (slice_line(&all, &line)) {
		c.line++;
		line = slice_trim(line);
		if (!line.n || line.p[0] == '#')
			continue;
		struct slice rest = line, k = slice_token(&rest), v;
		if (!b->version) {
			uint64_t ver;
			v = slice_token(&rest);
			if (!slice_eq(k, "irqsight-baseline") || !slice_u64(v, 10, &ver) || !ver ||
			    slice_token(&rest).n)
				return perr(&c, "not an irqsight baseline (expected 'irqsight-baseline %d')",
					    BASELINE_VERSION);
			if (ver > BASELINE_VERSION)
				return perr(&c, "baseline version %llu is newer than this irqsight reads (%d)",
					    (unsigned long long)ver, BASELINE_VERSION);
			b->version = (int)ver;
			continue;
		}
		if (slice_eq(k, "device")) {
			int rc = parse_device(&c, rest, &cap);
			if (rc)
				return rc;
			continue;
		}
		static const char *const keys[] = { "kernel",		"cmdline", "iommu",	  "interrupt-remapping",
						    "ir-mode",		"x2apic",  "online-cpus", "irqbalance",
						    "irqbalance-banned" };
		int ki = -1;
		for (int i = 0; i < (int)ARRAY_SIZE(keys); i++)
			if (slice_eq(k, keys[i]))
				ki = i;
		if (ki < 0)
			return perr(&c, "unknown key '%.*s'", (int)k.n, k.p);
		if (seen & (1u << ki))
			return perr(&c, "'%s' given twice", keys[ki]);
		seen |= 1u << ki;
		if (ki == 1) {
			struct slice t0 = rest;
			struct slice first = slice_token(&t0);
			if (slice_eq(first, "unknown") && !slice_token(&t0).n)
				continue;
			b->has_cmdline = true;
			int n = 0;
			for (struct slice r = rest; slice_token(&r).n;)
				n++;
			b->cmdline = n ? arena_calloc(&b->arena, (size_t)n, sizeof(*b->cmdline)) : NULL;
			struct slice t;
			while ((t = slice_token(&rest)).n) {
				bool bad = false;
				const char *s = get_val(&c, t, &bad);
				if (bad || !s || !*s)
					return perr(&c, "cmdline: bad parameter '%.*s'", (int)t.n, t.p);
				b->cmdline[b->ncmdline++] = s;
			}
			baseline_sort_cmdline(b);
			continue;
		}
		v = slice_token(&rest);
		if (!v.n || slice_token(&rest).n)
			return perr(&c, "'%s' takes exactly one value", keys[ki]);
		bool ok = true, bad = false;
		switch (ki) {
		case 0:
			b->kernel = get_val(&c, v, &bad);
			ok = !bad;
			break;
		case 2: ok = get_tri(v, &b->iommu); break;
		case 3: ok = get_tri(v, &b->interrupt_remapping); break;
		case 4: ok = get_ir_mode(v, &b->ir_mode); break;
		case 5: ok = get_tri(v, &b->x2apic); break;
		case 6: ok = get_int(v, &b->online_cpus); break;
		case 7: ok = get_tri(v, &b->irqbalance); break;
		case 8:
			b->irqbalance_banned = get_val(&c, v, &bad);
			ok = !bad && (!b->irqbalance_banned || is_cpulist(&b->arena, b->irqbalance_banned));
			break;
		}
		if (!ok)
			return perr(&c, "bad value for %s: '%.*s'", keys[ki], (int)v.n, v.p);
	}
	if (!b->version) {
		c.line = c.line ? c.line : 1;
		return perr(&c, "not an irqsight baseline (no 'irqsight-baseline %d' line)", BASELINE_VERSION);
	}
	baseline_sort_devs(b);
	return 0;
}
