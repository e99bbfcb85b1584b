/* Baselines: profile of a host, its file format (docs/baseline.md) and drift comparison. */
#include "model/baseline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/finding.h"
#include "util/cpuset.h"
#include "util/str.h"

/* ---------------------------------------------------------------- profile */

/* Kernel parameters that decide how interrupts are delivered and where
 * (Documentation/admin-guide/kernel-parameters.txt). Module parameters of kvm and
 * vfio given on the command line are kept too. */
static const char *const relevant_keys[] = {
	"intel_iommu", "amd_iommu", "iommu", "iommu.passthrough", "iommu.strict", "intremap",
	"nox2apic", "x2apic_phys", "noapic", "nolapic", "pci", "isolcpus", "nohz_full",
	"irqaffinity", "rcu_nocbs", "maxcpus", "nr_cpus", "nosmt", "threadirqs", "irqpoll",
	"acpi", "pcie_ports", "pcie_aspm", "vfio-pci.ids", "vfio_pci.ids", "idle",
};
static const char *const relevant_prefixes[] = { "kvm.", "kvm_intel.", "kvm-intel.", "kvm_amd.",
						 "kvm-amd.", "vfio_iommu_type1.", "vfio-iommu-type1.",
						 "irqbalance" };

static bool key_eq(const char *a, const char *b)
{
	/* Kernel parameters compare with '-' == '_' (kernel/params.c:parameq). */
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
	}
	return !*a && !*b;
}

static bool key_starts(const char *key, const char *prefix)
{
	for (; *prefix; key++, prefix++) {
		char x = *key == '-' ? '_' : *key, y = *prefix == '-' ? '_' : *prefix;
		if (!*key || x != y)
			return false;
	}
	return true;
}

bool baseline_cmdline_relevant(const char *key)
{
	if (!key)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(relevant_keys); i++)
		if (key_eq(key, relevant_keys[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(relevant_prefixes); i++)
		if (key_starts(key, relevant_prefixes[i]))
			return true;
	return false;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int dev_cmp(const void *a, const void *b)
{
	const struct baseline_dev *x = a, *y = b;
	return strcmp(x->bdf, y->bdf);
}

static const char *dev_affinity(struct arena *a, const struct host *h, const struct pci_dev *d)
{
	if (d->nirqs <= 0)
		return NULL;
	bool all_managed = true, all_default = h->has_online;
	for (int i = 0; i < d->nirqs; i++) {
		const struct irq *q = d->irqs[i];
		if (!q || !q->has_affinity)
			return NULL;
		all_managed &= q->managed == TRI_YES;
		all_default &= cpuset_equal(&q->smp_affinity, &h->online) ||
			       cpuset_subset(&h->online, &q->smp_affinity);
	}
	if (all_managed)
		return "managed";
	if (all_default)
		return "default";
	struct buf b = { 0 };
	for (int i = 0; i < d->nirqs; i++) {
		if (i)
			buf_putc(&b, '/');
		cpuset_format_list(&d->irqs[i]->smp_affinity, &b);
	}
	const char *s = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

static const char *dev_handler(struct arena *a, const struct pci_dev *d)
{
	const struct irq *q = d->nirqs > 0 ? d->irqs[0] : NULL;
	const char *name = q && q->naction > 0 ? q->action[0] : NULL;
	if (!name || !*name)
		return NULL;
	size_t n = strcspn(name, "[( ");
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (name[i] >= '0' && name[i] <= '9') {
			while (i + 1 < n && name[i + 1] >= '0' && name[i + 1] <= '9')
				i++;
			*o++ = 'N';
		} else {
			*o++ = name[i];
		}
	}
	*o = '\0';
	return out;
}

void baseline_from_host(struct baseline *b, const struct host *h)
{
	memset(b, 0, sizeof(*b));
	struct arena *a = &b->arena;
	const struct platform *p = &h->platform;
	b->version = BASELINE_VERSION;
	b->kernel = p->kernel_release ? arena_strdup(a, p->kernel_release) : NULL;
	b->has_cmdline = h->has_cmdline;
	if (h->has_cmdline && h->cmdline.nparams > 0) {
		b->cmdline = arena_calloc(a, (size_t)h->cmdline.nparams, sizeof(*b->cmdline));
		for (int i = 0; i < h->cmdline.nparams; i++) {
			const struct cmdline_param *cp = &h->cmdline.params[i];
			if (baseline_cmdline_relevant(cp->key))
				b->cmdline[b->ncmdline++] = arena_strdup(a, cp->raw ? cp->raw : cp->key);
		}
		qsort(b->cmdline, (size_t)b->ncmdline, sizeof(*b->cmdline), str_cmp);
	}
	b->iommu = p->iommu;
	b->interrupt_remapping = p->interrupt_remapping;
	b->x2apic = p->x2apic;
	b->ir_mode = p->ir_mode;
	b->online_cpus = h->has_online ? cpuset_count(&h->online) : -1;
	b->irqbalance = h->irqbalance.running;
	if (h->irqbalance.banned_known) {
		struct buf t = { 0 };
		cpuset_format_list(&h->irqbalance.banned, &t);
		b->irqbalance_banned = arena_strdup(a, t.data ? t.data : "");
		buf_free(&t);
	}
	b->devs = h->ndevs ? arena_calloc(a, (size_t)h->ndevs, sizeof(*b->devs)) : NULL;
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		struct baseline_dev *bd = &b->devs[b->ndevs++];
		bd->bdf = arena_strdup(a, d->bdf);
		bd->has_ids = d->has_ids;
		bd->vendor = d->vendor;
		bd->device = d->device;
		/* No ids: the device is known only from IRQ names, its driver is unknown. */
		bd->driver = d->driver ? arena_strdup(a, d->driver) : d->has_ids ? "" : NULL;
		bd->handler = dev_handler(a, d);
		bd->irq_mode = d->irq_mode;
		bd->msix_table = d->cfg.has_msix == TRI_YES ? (int)d->cfg.msix_table_size :
				 d->cfg.has_msix == TRI_NO ? 0 : -1;
		bd->vectors = d->irq_mode == IRQ_MODE_UNKNOWN ? -1 : MAX(d->nmsi_irqs, d->nirqs);
		bd->rx_queues = d->net_rx_queues;
		bd->tx_queues = d->net_tx_queues;
		if (!d->netdev)
			bd->rx_queues = bd->tx_queues = -1;
		bd->affinity = dev_affinity(a, h, d);
	}
	if (b->ndevs)
		qsort(b->devs, (size_t)b->ndevs, sizeof(*b->devs), dev_cmp);
}

void baseline_free(struct baseline *b)
{
	arena_free(&b->arena);
	memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------- format */

/* Values: "unknown" for unknown, "-" for the empty string, otherwise bytes outside
 * '!'..'~' and '%' as %XX (a value that is literally "-" or "unknown" is escaped). */
static void put_val(struct buf *out, const char *s)
{
	if (!s) {
		buf_puts(out, "unknown");
		return;
	}
	if (!*s) {
		buf_putc(out, '-');
		return;
	}
	bool literal = !strcmp(s, "-") || !strcmp(s, "unknown");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%' || (literal && p == (const unsigned char *)s))
			buf_printf(out, "%%%02X", *p);
		else
			buf_putc(out, (char)*p);
	}
}

static void put_int(struct buf *out, int v)
{
	if (v < 0)
		buf_puts(out, "unknown");
	else
		buf_printf(out, "%d", v);
}

static const char *tri_word(enum tri t)
{
	return tri_onoff(t);
}

int baseline_format(const struct baseline *b, struct buf *out)
{
	size_t start = out->len;
	buf_puts(out, "# irqsight baseline: the interrupt profile of a known-good host (docs/baseline.md).\n"
		      "# Compare a host with it: irqsight baseline check FILE\n");
	buf_printf(out, "irqsight-baseline %d\n", BASELINE_VERSION);
	buf_puts(out, "kernel ");
	put_val(out, b->kernel);
	buf_puts(out, "\ncmdline");
	if (!b->has_cmdline) {
		buf_puts(out, " unknown");
	} else {
		for (int i = 0; i < b->ncmdline; i++) {
			buf_putc(out, ' ');
			put_val(out, b->cmdline[i]);
		}
	}
	buf_printf(out, "\niommu %s\ninterrupt-remapping %s\nir-mode %s\nx2apic %s\nonline-cpus ",
		   tri_word(b->iommu), tri_word(b->interrupt_remapping), ir_mode_name(b->ir_mode),
		   tri_word(b->x2apic));
	put_int(out, b->online_cpus);
	buf_printf(out, "\nirqbalance %s\nirqbalance-banned ", tri_word(b->irqbalance));
	put_val(out, b->irqbalance_banned);
	buf_putc(out, '\n');
	for (int i = 0; i < b->ndevs; i++) {
		const struct baseline_dev *d = &b->devs[i];
		buf_puts(out, "device ");
		put_val(out, d->bdf);
		if (d->has_ids)
			buf_printf(out, " id=%04x:%04x", d->vendor, d->device);
		else
			buf_puts(out, " id=unknown");
		buf_puts(out, " driver=");
		put_val(out, d->driver);
		buf_printf(out, " irq-mode=%s msix-table=", irq_mode_name(d->irq_mode));
		put_int(out, d->msix_table);
		buf_puts(out, " vectors=");
		put_int(out, d->vectors);
		buf_puts(out, " rx-queues=");
		put_int(out, d->rx_queues);
		buf_puts(out, " tx-queues=");
		put_int(out, d->tx_queues);
		buf_puts(out, " affinity=");
		put_val(out, d->affinity);
		buf_puts(out, " handler=");
		put_val(out, d->handler);
		buf_putc(out, '\n');
	}
	/* buf functions report -ENOMEM by leaving the buffer short; check once. */
	return out->data && out->len > start ? 0 : -ENOMEM;
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
		if (pat[i] == 'x' ? !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))
				  : s[i] != pat[i])
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
		static const char *const keys[] = { "id", "driver", "irq-mode", "msix-table", "vectors",
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
		case 2:
			ok = get_irq_mode(v, &d->irq_mode);
			break;
		case 3:
			ok = get_int(v, &d->msix_table) && d->msix_table <= 2048;
			break;
		case 4:
			ok = get_int(v, &d->vectors);
			break;
		case 5:
			ok = get_int(v, &d->rx_queues);
			break;
		case 6:
			ok = get_int(v, &d->tx_queues);
			break;
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
		static const char *const keys[] = { "kernel", "cmdline", "iommu", "interrupt-remapping",
						    "ir-mode", "x2apic", "online-cpus", "irqbalance",
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
			if (b->ncmdline)
				qsort(b->cmdline, (size_t)b->ncmdline, sizeof(*b->cmdline), str_cmp);
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
		case 2:
			ok = get_tri(v, &b->iommu);
			break;
		case 3:
			ok = get_tri(v, &b->interrupt_remapping);
			break;
		case 4:
			ok = get_ir_mode(v, &b->ir_mode);
			break;
		case 5:
			ok = get_tri(v, &b->x2apic);
			break;
		case 6:
			ok = get_int(v, &b->online_cpus);
			break;
		case 7:
			ok = get_tri(v, &b->irqbalance);
			break;
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
	if (b->ndevs)
		qsort(b->devs, (size_t)b->ndevs, sizeof(*b->devs), dev_cmp);
	return 0;
}

/* ---------------------------------------------------------------- compare */

struct cctx {
	const struct baseline *old, *now;
	struct findings *fs;
	int added;
	bool kernel_changed, cpus_changed, irqbalance_changed;
	struct buf cmd_removed, cmd_added;	/* relevant parameters, space-separated */
};

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Was a parameter whose key is one of keys[] (NULL-terminated) added or removed? */
static bool cmdline_touched(const struct cctx *c, const char *const *keys)
{
	const struct buf *lists[2] = { &c->cmd_removed, &c->cmd_added };
	for (int l = 0; l < 2; l++) {
		if (!lists[l]->data)
			continue;
		for (const char *const *k = keys; *k; k++) {
			size_t n = strlen(*k);
			for (const char *p = lists[l]->data; (p = strstr(p, *k)); p += n)
				if ((p == lists[l]->data || p[-1] == ' ') && (p[n] == '=' || p[n] == ' ' || !p[n]))
					return true;
		}
	}
	return false;
}

static struct finding *drift(struct cctx *c, const char *id, enum severity sev, const char *bdf,
			     const char *oldv, const char *newv, const char *cause, const char *fmt, ...)
	PRINTF(8, 9);
static struct finding *drift(struct cctx *c, const char *id, enum severity sev, const char *bdf,
			     const char *oldv, const char *newv, const char *cause, const char *fmt, ...)
{
	struct buf t = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&t, fmt, ap);
	va_end(ap);
	struct finding *f = finding_new(c->fs, id, sev, "%s", t.data ? t.data : id);
	buf_free(&t);
	finding_evidence(c->fs, f, "baseline", "%s", oldv);
	finding_evidence(c->fs, f, "now", "%s", newv);
	finding_evidence(c->fs, f, "likely cause", "%s", cause);
	finding_meaning(c->fs, f, "The host no longer matches its saved interrupt profile: %s.", cause);
	finding_decision(c->fs, f,
			 "Restore the baselined setting, or, if the change is intended and `irqsight check` "
			 "is clean, save a new baseline.");
	finding_fix(c->fs, f, "irqsight check");
	finding_fix(c->fs, f, "irqsight baseline save FILE   # accept the current profile");
	if (bdf)
		f->device = arena_strdup(c->fs->arena, bdf);
	c->added++;
	return f;
}

static void platform_tri(struct cctx *c, const char *id, const char *what, enum tri o, enum tri n,
			 enum severity sev_off, const char *cause_off, const char *cause_on)
{
	if (o == TRI_UNKNOWN || n == TRI_UNKNOWN || o == n)
		return;
	bool off = n == TRI_NO;
	drift(c, id, off ? sev_off : SEV_INFO, NULL, tri_onoff(o), tri_onoff(n), off ? cause_off : cause_on,
	      "%s changed from %s to %s", what, tri_onoff(o), tri_onoff(n));
}

static void compare_platform(struct cctx *c)
{
	const struct baseline *o = c->old, *n = c->now;
	static const char *const iommu_keys[] = { "intel_iommu", "amd_iommu", "iommu", NULL };
	static const char *const ir_keys[] = { "intremap", "intel_iommu", "amd_iommu", "nox2apic", NULL };
	static const char *const cpu_keys[] = { "maxcpus", "nr_cpus", "nosmt", NULL };

	if (o->kernel && n->kernel && strcmp(o->kernel, n->kernel))
		drift(c, "drift-kernel", SEV_INFO, NULL, o->kernel, n->kernel, "kernel update",
		      "kernel changed from %s to %s", o->kernel, n->kernel);
	if (o->has_cmdline && n->has_cmdline && (c->cmd_removed.len || c->cmd_added.len))
		drift(c, "drift-cmdline", SEV_WARNING, NULL,
		      c->cmd_removed.len ? c->cmd_removed.data : "(none removed)",
		      c->cmd_added.len ? c->cmd_added.data : "(none added)",
		      "boot loader configuration changed (GRUB_CMDLINE_LINUX, /etc/kernel/cmdline), or a "
		      "kernel or boot loader update rewrote it",
		      "interrupt-related kernel parameters changed%s%s%s%s",
		      c->cmd_removed.len ? ": removed " : "", c->cmd_removed.len ? c->cmd_removed.data : "",
		      c->cmd_added.len ? (c->cmd_removed.len ? ", added " : ": added ") : "",
		      c->cmd_added.len ? c->cmd_added.data : "");

	bool vfio = false;
	for (int i = 0; i < o->ndevs; i++)
		vfio |= (o->devs[i].driver && !strcmp(o->devs[i].driver, "vfio-pci")) ||
			(o->devs[i].handler && !strncmp(o->devs[i].handler, "vfio", 4));
	const char *iommu_cause = cmdline_touched(c, iommu_keys) ?
		"the kernel command line changed (IOMMU parameters)" :
		c->kernel_changed ? "BIOS profile reset or firmware update (VT-d / AMD-Vi disabled in setup), "
				    "or the new kernel's IOMMU default (CONFIG_INTEL_IOMMU_DEFAULT_ON)" :
		"BIOS profile reset or firmware update: VT-d / AMD-Vi (IOMMU) disabled in the firmware setup";
	platform_tri(c, "drift-iommu", "IOMMU (DMA remapping)", o->iommu, n->iommu,
		     vfio ? SEV_CRITICAL : SEV_WARNING, iommu_cause, "IOMMU enabled in firmware or on the command line");
	const char *ir_cause = cmdline_touched(c, ir_keys) ?
		"the kernel command line changed (intremap= / IOMMU parameters)" :
		n->iommu == TRI_NO && o->iommu == TRI_YES ?
		"BIOS profile reset: VT-d / AMD-Vi disabled in the firmware setup takes interrupt remapping with it" :
		c->kernel_changed ? "kernel update (a firmware quirk now disables remapping), or a BIOS reset/update" :
		"BIOS update or reset (DMAR/IVRS table changed, x2APIC opt-out) — see ir-firmware-disabled in irqsight check";
	platform_tri(c, "drift-interrupt-remapping", "interrupt remapping", o->interrupt_remapping,
		     n->interrupt_remapping, SEV_CRITICAL, ir_cause, "remapping enabled in firmware or on the command line");
	if (o->ir_mode != IR_MODE_UNKNOWN && n->ir_mode != IR_MODE_UNKNOWN && o->ir_mode != n->ir_mode)
		drift(c, "drift-ir-mode", o->ir_mode == IR_MODE_X2APIC ? SEV_WARNING : SEV_INFO, NULL,
		      ir_mode_name(o->ir_mode), ir_mode_name(n->ir_mode),
		      cmdline_touched(c, ir_keys) ? "the kernel command line changed (nox2apic / intremap=)" :
		      "BIOS update or reset changed the x2APIC opt-out flag of the DMAR table (or x2APIC mode in setup)",
		      "interrupt remapping mode changed from %s to %s", ir_mode_name(o->ir_mode),
		      ir_mode_name(n->ir_mode));
	platform_tri(c, "drift-x2apic", "x2APIC mode", o->x2apic, n->x2apic, SEV_WARNING,
		     "BIOS profile reset or update (x2APIC disabled or opted out in firmware), or nox2apic",
		     "x2APIC enabled in firmware");
	if (c->cpus_changed) {
		char a[16], b[16];
		snprintf(a, sizeof(a), "%d", o->online_cpus);
		snprintf(b, sizeof(b), "%d", n->online_cpus);
		drift(c, "drift-cpus", SEV_WARNING, NULL, a, b,
		      cmdline_touched(c, cpu_keys) ? "the kernel command line changed (maxcpus= / nosmt)" :
		      "BIOS profile reset (SMT / cores disabled in setup), CPU hot-unplug, or a failed CPU",
		      "online CPUs changed from %d to %d", o->online_cpus, n->online_cpus);
	}
	const char *irqb_cause = c->kernel_changed ?
		"package or kernel update changed the irqbalance service or its configuration" :
		"irqbalance service or its configuration changed (systemctl enable/disable, /etc/default/irqbalance)";
	if (o->irqbalance != TRI_UNKNOWN && n->irqbalance != TRI_UNKNOWN && o->irqbalance != n->irqbalance)
		drift(c, "drift-irqbalance", SEV_WARNING, NULL, o->irqbalance == TRI_YES ? "running" : "not running",
		      n->irqbalance == TRI_YES ? "running" : "not running", irqb_cause,
		      "irqbalance is %s, the baseline has it %s", n->irqbalance == TRI_YES ? "running" : "not running",
		      o->irqbalance == TRI_YES ? "running" : "not running");
	if (o->irqbalance_banned && n->irqbalance_banned && strcmp(o->irqbalance_banned, n->irqbalance_banned))
		drift(c, "drift-irqbalance", SEV_WARNING, NULL, *o->irqbalance_banned ? o->irqbalance_banned : "(none)",
		      *n->irqbalance_banned ? n->irqbalance_banned : "(none)", irqb_cause,
		      "irqbalance banned CPUs changed from '%s' to '%s'", o->irqbalance_banned, n->irqbalance_banned);
}

static const char *name_of(const struct baseline_dev *d)
{
	return d->driver && *d->driver ? d->driver : "no driver";
}

static const char *dev_cause(const struct cctx *c, const struct baseline_dev *o, const struct baseline_dev *n,
			     const char *otherwise)
{
	if (!str_same(o->driver, n->driver) && o->driver && n->driver)
		return "driver change (a different driver is bound now)";
	if (c->kernel_changed)
		return "kernel update: the driver's defaults changed";
	if (c->cpus_changed)
		return "online CPU count changed (drivers size their queues by CPUs)";
	return otherwise;
}

static void compare_dev(struct cctx *c, const struct baseline_dev *o, const struct baseline_dev *n)
{
	const char *bdf = n->bdf;
	char ob[32], nb[32];
	if (o->driver && n->driver && strcmp(o->driver, n->driver)) {
		const char *cause = !strcmp(o->driver, "vfio-pci") ?
			"vfio binding lost (vfio-pci.ids / driver_override no longer applied: initramfs or modprobe.d changed)" :
			c->kernel_changed ? "kernel update (driver renamed, replaced or not built)" :
			"driver change (modprobe.d blacklist/options, package update, or binding changed)";
		drift(c, "drift-driver", SEV_WARNING, bdf, name_of(o), name_of(n), cause,
		      "%s: driver changed from %s to %s", bdf, name_of(o), name_of(n));
	} else if ((!o->driver || !n->driver) && o->handler && n->handler && strcmp(o->handler, n->handler)) {
		/* sysfs not readable on a side: the interrupt handler names tell the driver. */
		const char *cause = !strncmp(o->handler, "vfio", 4) ?
			"vfio binding lost: the host driver took the device (IOMMU off, or vfio-pci.ids / "
			"driver_override no longer applied)" :
			c->kernel_changed ? "kernel update (driver renamed or replaced)" :
			"driver change (modprobe.d, package update, or binding changed)";
		drift(c, "drift-driver", SEV_WARNING, bdf, o->handler, n->handler, cause,
		      "%s: interrupt handlers changed from %s to %s (driver change)", bdf, o->handler, n->handler);
	}
	if (o->irq_mode != IRQ_MODE_UNKNOWN && n->irq_mode != IRQ_MODE_UNKNOWN && o->irq_mode != n->irq_mode) {
		/* Worse = further from per-queue MSI-X; legacy INTx is the one that stalls VMs. */
		enum severity sev = n->irq_mode == IRQ_MODE_INTX && o->irq_mode >= IRQ_MODE_MSI ? SEV_CRITICAL :
				    n->irq_mode < o->irq_mode ? SEV_WARNING : SEV_INFO;
		drift(c, "drift-irq-mode", sev, bdf, irq_mode_name(o->irq_mode), irq_mode_name(n->irq_mode),
		      dev_cause(c, o, n, "driver or module parameter change, or MSI disabled (pci=nomsi, quirk)"),
		      "%s (%s): interrupt mode changed from %s to %s", bdf, name_of(n), irq_mode_name(o->irq_mode),
		      irq_mode_name(n->irq_mode));
	}
	if (o->msix_table >= 0 && n->msix_table >= 0 && o->msix_table != n->msix_table) {
		snprintf(ob, sizeof(ob), "%d", o->msix_table);
		snprintf(nb, sizeof(nb), "%d", n->msix_table);
		drift(c, "drift-msix-table", n->msix_table < o->msix_table ? SEV_WARNING : SEV_INFO, bdf, ob, nb,
		      "device firmware update or BIOS/device setting (SR-IOV, NIC partitioning), or a different card",
		      "%s (%s): MSI-X table size changed from %d to %d", bdf, name_of(n), o->msix_table,
		      n->msix_table);
	}
	if (o->vectors >= 0 && n->vectors >= 0 && o->vectors != n->vectors) {
		snprintf(ob, sizeof(ob), "%d", o->vectors);
		snprintf(nb, sizeof(nb), "%d", n->vectors);
		drift(c, "drift-vectors", n->vectors < o->vectors ? SEV_WARNING : SEV_INFO, bdf, ob, nb,
		      dev_cause(c, o, n, "driver configuration change (module parameters, ethtool -L not persisted)"),
		      "%s (%s): interrupt vectors in use changed from %d to %d", bdf, name_of(n), o->vectors,
		      n->vectors);
	}
	const int oq[2] = { o->rx_queues, o->tx_queues }, nq[2] = { n->rx_queues, n->tx_queues };
	for (int k = 0; k < 2; k++) {
		if (oq[k] < 0 || nq[k] < 0 || oq[k] == nq[k])
			continue;
		snprintf(ob, sizeof(ob), "%d", oq[k]);
		snprintf(nb, sizeof(nb), "%d", nq[k]);
		drift(c, "drift-queues", nq[k] < oq[k] ? SEV_WARNING : SEV_INFO, bdf, ob, nb,
		      dev_cause(c, o, n, "queue configuration not persisted (ethtool -L / -G at boot), or driver change"),
		      "%s (%s): %s queues changed from %d to %d", bdf, name_of(n), k ? "tx" : "rx", oq[k], nq[k]);
	}
	if (o->affinity && n->affinity && strcmp(o->affinity, n->affinity)) {
		const char *cause = c->irqbalance_changed ? "irqbalance state changed" :
				    !str_same(o->driver, n->driver) ? "driver change" :
				    "affinity plan not applied at boot, irqbalance moved the IRQs, or managed spreading changed";
		drift(c, "drift-affinity", SEV_WARNING, bdf, o->affinity, n->affinity, cause,
		      "%s (%s): IRQ affinity policy changed", bdf, name_of(n));
	}
}

static bool ids_equal(const struct baseline_dev *a, const struct baseline_dev *b)
{
	return a->has_ids && b->has_ids && a->vendor == b->vendor && a->device == b->device;
}

static void diff_cmdline(struct cctx *c)
{
	const struct baseline *o = c->old, *n = c->now;
	if (!o->has_cmdline || !n->has_cmdline)
		return;
	/* Both lists are sorted: a merge walk finds what was removed and added. */
	int i = 0, j = 0;
	while (i < o->ncmdline || j < n->ncmdline) {
		int cmp = i >= o->ncmdline ? 1 : j >= n->ncmdline ? -1 : strcmp(o->cmdline[i], n->cmdline[j]);
		if (cmp < 0) {
			buf_printf(&c->cmd_removed, "%s%s", c->cmd_removed.len ? " " : "", o->cmdline[i++]);
		} else if (cmp > 0) {
			buf_printf(&c->cmd_added, "%s%s", c->cmd_added.len ? " " : "", n->cmdline[j++]);
		} else {
			i++;
			j++;
		}
	}
}

int baseline_compare(const struct baseline *old, const struct baseline *now, struct findings *fs)
{
	struct cctx c = { .old = old, .now = now, .fs = fs };
	c.kernel_changed = old->kernel && now->kernel && strcmp(old->kernel, now->kernel);
	c.cpus_changed = old->online_cpus >= 0 && now->online_cpus >= 0 && old->online_cpus != now->online_cpus;
	c.irqbalance_changed = (old->irqbalance != TRI_UNKNOWN && now->irqbalance != TRI_UNKNOWN &&
				old->irqbalance != now->irqbalance) ||
			       (old->irqbalance_banned && now->irqbalance_banned &&
				strcmp(old->irqbalance_banned, now->irqbalance_banned));
	diff_cmdline(&c);
	compare_platform(&c);

	/* Devices: pass 1 pairs the same bdf (same ids, or ids unknown on a side);
	 * pass 2 pairs the rest by vendor:device, in bdf order, when both sides have the
	 * same number of that id left (identical topology, other bus numbers). */
	int no = old->ndevs, nn = now->ndevs;
	int *match = calloc((size_t)(no ? no : 1), sizeof(int));
	bool *used = calloc((size_t)(nn ? nn : 1), sizeof(bool));
	bool *by_id = calloc((size_t)(no ? no : 1), sizeof(bool));
	if (!match || !used || !by_id) {
		free(match);
		free(used);
		free(by_id);
		buf_free(&c.cmd_removed);
		buf_free(&c.cmd_added);
		return -ENOMEM;
	}
	for (int i = 0; i < no; i++) {
		match[i] = -1;
		for (int j = 0; j < nn; j++) {
			const struct baseline_dev *a = &old->devs[i], *b = &now->devs[j];
			if (!used[j] && !strcmp(a->bdf, b->bdf) && (ids_equal(a, b) || !a->has_ids || !b->has_ids)) {
				match[i] = j;
				used[j] = true;
				break;
			}
		}
	}
	for (int i = 0; i < no; i++) {
		const struct baseline_dev *a = &old->devs[i];
		if (match[i] >= 0 || !a->has_ids)
			continue;
		int left_old = 0, left_new = 0, rank = 0;
		for (int k = 0; k < no; k++)
			if ((match[k] < 0 || by_id[k]) && ids_equal(&old->devs[k], a)) {
				left_old++;
				rank += k < i;
			}
		for (int j = 0; j < nn; j++)
			left_new += !used[j] && ids_equal(&now->devs[j], a);
		if (left_old != left_new)
			continue;
		/* The rank-th unused new device with the same ids (matching in bdf order). */
		for (int j = 0, r = 0; j < nn; j++) {
			if (used[j] || !ids_equal(&now->devs[j], a))
				continue;
			if (r++ == rank) {
				match[i] = j;
				by_id[i] = true;
				break;
			}
		}
	}
	/* Pass-2 matches are committed only after all ranks were computed against the
	 * same "unmatched" picture; mark them used now. */
	for (int i = 0; i < no; i++)
		if (by_id[i])
			used[match[i]] = true;

	for (int i = 0; i < no; i++) {
		const struct baseline_dev *a = &old->devs[i];
		if (match[i] < 0) {
			char ids[16] = "unknown";
			if (a->has_ids)
				snprintf(ids, sizeof(ids), "%04x:%04x", a->vendor, a->device);
			struct buf ob = { 0 };
			buf_printf(&ob, "%s %s (%s)", a->bdf, ids, name_of(a));
			drift(&c, "drift-device-missing", SEV_WARNING, a->bdf, ob.data, "absent",
			      c.kernel_changed ? "device not found after a kernel update (driver or bus enumeration), "
						 "removed, or disabled in the BIOS" :
			      "device removed or failed, or its slot / onboard device disabled in the BIOS (profile reset)",
			      "%s (%s, %s) is in the baseline but not on the host", a->bdf, ids, name_of(a));
			buf_free(&ob);
			continue;
		}
		const struct baseline_dev *b = &now->devs[match[i]];
		int before = c.added;
		compare_dev(&c, a, b);
		if (by_id[i] && c.added > before) {
			/* Say how the devices were paired in each finding about them. */
			for (int k = before; k < c.added; k++) {
				struct finding *f = &fs->v[fs->n - (c.added - k)];
				finding_evidence(fs, f, "matched by vendor:device", "baseline %s = now %s", a->bdf, b->bdf);
			}
		}
	}
	for (int j = 0; j < nn; j++) {
		if (used[j])
			continue;
		const struct baseline_dev *b = &now->devs[j];
		char ids[16] = "unknown";
		if (b->has_ids)
			snprintf(ids, sizeof(ids), "%04x:%04x", b->vendor, b->device);
		struct buf nb = { 0 };
		buf_printf(&nb, "%s %s (%s)", b->bdf, ids, name_of(b));
		drift(&c, "drift-device-new", SEV_INFO, b->bdf, "absent", nb.data,
		      "device added, or enabled in the BIOS", "%s (%s, %s) is on the host but not in the baseline",
		      b->bdf, ids, name_of(b));
		buf_free(&nb);
	}
	free(match);
	free(used);
	free(by_id);
	buf_free(&c.cmd_removed);
	buf_free(&c.cmd_added);
	return c.added;
}
