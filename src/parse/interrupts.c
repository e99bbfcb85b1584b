#include "parse/interrupts.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool pi_is_header(struct slice line)
{
	struct slice t = slice_token(&line);
	return slice_starts(t, "CPU") && t.n > 3 && slice_is_digits((struct slice){ t.p + 3, t.n - 3 });
}

int pi_parse_header(struct slice line, int *ids, int cap, int *n)
{
	*n = 0;
	for (;;) {
		struct slice t = slice_token(&line);
		if (!t.n)
			break;
		uint64_t id;
		if (!slice_starts(t, "CPU") || !slice_u64((struct slice){ t.p + 3, t.n - 3 }, 10, &id) ||
		    id > 65535)
			return -EINVAL;
		if (ids && *n < cap)
			ids[*n] = (int)id;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

/* Old kernels fused chip and flow: "IO-APIC-edge", "IR-PCI-MSI-edge", "DMAR_MSI-edge". */
static const char *const fused_flows[] = { "-edge", "-fasteoi", "-level", "-simple", "-percpu", "-XT", "-virq" };

static bool split_fused(struct slice *chip, struct slice *flow)
{
	for (size_t i = 0; i < sizeof(fused_flows) / sizeof(fused_flows[0]); i++) {
		if (slice_ends(*chip, fused_flows[i]) && chip->n > strlen(fused_flows[i])) {
			size_t fl = strlen(fused_flows[i]);
			*flow = (struct slice){ chip->p + chip->n - fl + 1, fl - 1 };
			chip->n -= fl;
			return true;
		}
	}
	return false;
}

/* "5-edge", "134217728-edge", "27", "-2147483648-edge" (signed before 2021). */
static bool hwirq_token(struct slice t, struct slice *hw, struct slice *flow)
{
	size_t i = 0;
	if (i < t.n && t.p[i] == '-' && t.n > 1 && isdigit((unsigned char)t.p[1]))
		i++;
	size_t start = 0;
	while (i < t.n && isdigit((unsigned char)t.p[i]))
		i++;
	if (i == start || (i == 1 && t.p[0] == '-'))
		return false;
	*hw = (struct slice){ t.p, i };
	if (i == t.n) {
		*flow = SLICE_EMPTY;
		return true;
	}
	if (t.p[i] != '-' || i + 1 >= t.n)
		return false;
	*flow = (struct slice){ t.p + i + 1, t.n - i - 1 };
	return true;
}

/*
 * A chip name with spaces: "Hyper-V PCIe MSI" (drivers/pci/controller/pci-hyperv.c,
 * hv_msi_irq_chip), then the hwirq. When the token after the chip's first word is not a
 * hwirq, up to 3 more words are taken into the chip if a hwirq follows them in a form
 * no action name has: digits glued to a flow ("134217728-edge"), or digits and then
 * Level/Edge, and no word on the way is a fused chip-flow or holds the ',' of an action
 * list. Otherwise the chip stays one word (old kernels print no hwirq: the next token
 * is the first action). *t is the token after the chip; *rest what follows it.
 */
static void multiword_chip(struct pi_row *row, struct slice *t, struct slice *rest)
{
	struct slice fc = row->chip, ff;
	if (split_fused(&fc, &ff) || memchr(t->p, ',', t->n))
		return;	/* "IR-PCI-MSI-edge": a pre-4.0 row, no hwirq; a ',' is in the actions */
	struct slice look = *rest, prev = *t;	/* prev: the chip's last word so far */
	for (int k = 1; k < 4; k++) {
		struct slice w = slice_token(&look);
		if (!w.n)
			return;
		struct slice hw, flow, after = look;
		struct slice trig = slice_token(&after);
		if (hwirq_token(w, &hw, &flow) &&
		    (flow.n ? isalpha((unsigned char)flow.p[0]) : slice_eq(trig, "Level") || slice_eq(trig, "Edge"))) {
			row->chip.n = (size_t)(prev.p + prev.n - row->chip.p);
			*t = w;
			*rest = look;
			return;
		}
		if (memchr(w.p, ',', w.n))
			return;
		prev = w;
	}
}

static void skip_space(struct slice *s)
{
	while (s->n && isspace((unsigned char)s->p[0])) {
		s->p++;
		s->n--;
	}
}

int pi_parse_row(struct slice line, int ncpus, uint32_t *counts, int cap, struct pi_row *row)
{
	memset(row, 0, sizeof(*row));
	const char *colon = memchr(line.p, ':', line.n);
	if (!colon)
		return -EINVAL;
	row->name = slice_trim((struct slice){ line.p, (size_t)(colon - line.p) });
	if (!row->name.n)
		return -EINVAL;
	for (size_t i = 0; i < row->name.n; i++)
		if (isspace((unsigned char)row->name.p[i]))
			return -EINVAL;
	uint64_t irq;
	row->is_numeric = slice_is_digits(row->name) && slice_u64(row->name, 10, &irq) && irq <= 0x7fffffff;
	if (row->is_numeric)
		row->irq = (int)irq;
	struct slice rest = { colon + 1, line.n - (size_t)(colon - line.p) - 1 };

	/*
	 * Counts: leading all-digit tokens, at most ncpus of them. This loop is the hot
	 * path (8,192 rows x 512 CPUs on a large host): one pass per token.
	 */
	const char *p = rest.p, *end = rest.p + rest.n;
	/* in locals: a store to counts[] (unsigned) may alias row->ncounts (int) */
	int nc = 0;
	uint64_t total = 0;
	size_t fw = 0;		/* the width of the first count's field, spaces included */
	char zpat[64];		/* zk fields of that width holding "0" */
	size_t zlen = 0;
	int zk = 0;
	while (ncpus < 0 || nc < ncpus) {
		/*
		 * The kernel pads every count of a row to one width, and most counts of a
		 * big host are single digits (a device IRQ fires on one CPU): a field of
		 * that width that is spaces and one digit, then a separator, is taken in
		 * a few compares (what the loop below would read from it).
		 */
		/* Runs of zeros (most of a row on a big host): zk fields at once. */
		if (zk && (size_t)(end - p) >= zlen && (ncpus < 0 || nc + zk <= ncpus) && !memcmp(p, zpat, zlen) &&
		    ((size_t)(end - p) == zlen || p[zlen] == ' ' || p[zlen] == '\t' || p[zlen] == '\n' ||
		     p[zlen] == '\r')) {
			for (int k = 0; k < zk; k++)
				if (counts && nc + k < cap)
					counts[nc + k] = 0;
			nc += zk;
			p += zlen;
			continue;
		}
		if (fw >= 9 && fw <= 17 && (size_t)(end - p) >= fw) {
			uint64_t a, b;
			memcpy(&a, p, 8);
			memcpy(&b, p + fw - 9, 8);
			unsigned char d = (unsigned char)p[fw - 1];
			const char *nx = p + fw;
			if (a == 0x2020202020202020ull && b == 0x2020202020202020ull && d >= '0' && d <= '9' &&
			    (nx == end || *nx == ' ' || *nx == '\t' || *nx == '\n' || *nx == '\r')) {
				if (counts && nc < cap)
					counts[nc] = d - '0';
				total += d - '0';
				nc++;
				p = nx;
				continue;
			}
		}
		const char *q = p;
		/* Counts are right-aligned in 10+ columns ("%10u"): most of a row is
		 * spaces, skipped eight at a time. */
		while (end - q >= 8) {
			uint64_t w;
			memcpy(&w, q, 8);
			if (w != 0x2020202020202020ull)
				break;
			q += 8;
		}
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || *q < '0' || *q > '9')
			break;
		const char *tok = q;
		uint64_t v = 0;
		while (q < end && *q >= '0' && *q <= '9') {
			if (v <= UINT32_MAX)
				v = v * 10 + (uint64_t)(*q - '0');
			q++;
		}
		if (q < end && *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') {
			p = tok;	/* "5-edge": a hwirq, not a count */
			break;
		}
		if (v > UINT32_MAX)
			v = UINT32_MAX;
		if (counts && nc < cap)
			counts[nc] = (uint32_t)v;
		total += v;
		if (!nc) {
			fw = (size_t)(q - p);
			if (fw >= 2 && fw <= sizeof(zpat) / 2) {
				zk = (int)(sizeof(zpat) / fw);
				zlen = (size_t)zk * fw;
				memset(zpat, ' ', zlen);
				for (int k = 1; k <= zk; k++)
					zpat[(size_t)k * fw - 1] = '0';
			}
		}
		nc++;
		p = q;
	}
	row->ncounts = nc;
	row->total = total;
	rest.n -= (size_t)(p - rest.p);
	rest.p = p;
	skip_space(&rest);

	if (!row->is_numeric) {
		row->desc = slice_trim(rest);
		return 0;
	}

	/* Chip, then optional hwirq[-flow], Level/Edge, -flow; the rest is the actions. */
	struct slice save = rest;
	row->chip = slice_token(&rest);
	if (!row->chip.n) {
		row->actions = SLICE_EMPTY;
		return 0;
	}
	save = rest;
	struct slice t = slice_token(&rest);
	struct slice hw, flow;
	if (t.n && !hwirq_token(t, &hw, &flow))
		multiword_chip(row, &t, &rest);
	if (t.n && hwirq_token(t, &hw, &flow)) {
		row->hwirq = hw;
		row->flow = flow;
		save = rest;
		t = slice_token(&rest);
	} else if (split_fused(&row->chip, &row->flow)) {
		row->fused = true;
	}
	if (t.n && (slice_eq(t, "Level") || slice_eq(t, "Edge"))) {
		row->trigger = t;
		save = rest;
		t = slice_token(&rest);
	}
	if (!row->flow.n && t.n > 1 && t.p[0] == '-' && !row->fused) {
		row->flow = (struct slice){ t.p + 1, t.n - 1 };
		save = rest;
	}
	rest = save;
	row->actions = slice_trim(rest);
	return 0;
}

bool pi_next_action(struct slice *actions, struct slice *out)
{
	if (!actions->n)
		return false;
	long i = slice_find(*actions, ", ");
	if (i < 0) {
		*out = slice_trim(*actions);
		actions->p += actions->n;
		actions->n = 0;
	} else {
		*out = slice_trim((struct slice){ actions->p, (size_t)i });
		actions->p += i + 2;
		actions->n -= (size_t)i + 2;
	}
	return true;
}

static bool strip(struct slice *s, const char *prefix)
{
	if (!slice_starts(*s, prefix))
		return false;
	s->p += strlen(prefix);
	s->n -= strlen(prefix);
	return true;
}

void pi_classify_chip(struct slice chip, struct pi_chip_info *out)
{
	memset(out, 0, sizeof(*out));
	out->bdf = SLICE_EMPTY;
	struct slice c = chip;
	if (strip(&c, "IR-"))
		out->remapped = true;
	else
		strip(&c, "HV-");	/* Hyper-V's per-device vPCI domains (msi_create_parent_irq_domain, 6.17+): no remapping */
	if (slice_eq(c, "IO-APIC") || slice_eq(c, "IOAPIC")) {
		out->kind = PI_CHIP_IOAPIC;
	} else if (slice_eq(c, "XT-PIC")) {
		out->kind = PI_CHIP_XTPIC;
	} else if (strip(&c, "PCI-MSIX")) {
		out->kind = PI_CHIP_PCI_MSIX;
		if (strip(&c, "-"))
			out->bdf = c;
	} else if (strip(&c, "PCI-MSI")) {
		out->kind = PI_CHIP_PCI_MSI;
		if (strip(&c, "-"))
			out->bdf = c;
	} else if (slice_eq(c, "Hyper-V PCIe MSI")) {
		/* pci-hyperv.c's vPCI domain, for MSI and MSI-X alike; like the old global
		 * domain, the hwirq holds the BDF (pci_msi_domain_calc_hwirq) */
		out->kind = PI_CHIP_PCI_MSI;
	} else if (slice_eq(c, "DMAR-MSI") || slice_eq(c, "DMAR_MSI")) {
		out->kind = PI_CHIP_DMAR;
	} else if (slice_eq(c, "HPET-MSI") || slice_eq(c, "HPET_MSI")) {
		out->kind = PI_CHIP_HPET;
	} else if (slice_eq(c, "IOMMU-MSI") || slice_eq(c, "AMD-Vi")) {
		out->kind = PI_CHIP_IOMMU;
	} else if (slice_starts(c, "GIC")) {
		out->kind = PI_CHIP_GIC;
	} else if (slice_starts(c, "ITS-")) {
		/* ITS is the arm64 analogue of remapping: MSIs are translated by the ITS. */
		out->kind = PI_CHIP_ITS;
		out->remapped = true;
		struct slice d = c;
		if (strip(&d, "ITS-PCI-MSIX-") || strip(&d, "ITS-PCI-MSI-"))
			out->bdf = d;
	} else if (slice_starts(c, "xen-")) {
		out->kind = PI_CHIP_XEN;
	} else {
		out->kind = PI_CHIP_OTHER;
	}
	/* A BDF looks like "[d]ddd:bb:dd.f"; anything else (e.g. "-DMAR") is not one. */
	if (out->bdf.n && (out->bdf.n < 7 || out->bdf.p[out->bdf.n - 2] != '.'))
		out->bdf = SLICE_EMPTY;
}

void pi_decode_msi_hwirq(uint64_t hw, char bdf[16], unsigned *index)
{
	unsigned devid = (unsigned)((hw >> 11) & 0xffff);
	unsigned seg = (unsigned)((hw >> 27) & 0xffff);
	if (index)
		*index = (unsigned)(hw & 0x7ff);
	snprintf(bdf, 16, "%04x:%02x:%02x.%u", seg, devid >> 8, (devid >> 3) & 0x1f, devid & 7);
}

static int feeder_grow(struct pi_feeder *f, size_t cap)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, cap))
		return -ENOMEM;
	if (f->have)
		memcpy(p, f->buf, f->have);
	free(f->buf);
	f->buf = p;
	f->cap = cap;
	return 0;
}

int pi_feeder_space(struct pi_feeder *f, char **p, size_t *n)
{
	if (!f->buf) {
		int r = feeder_grow(f, f->chunk);
		if (r)
			return r;
	}
	if (f->cap - f->have < f->chunk / 4 || f->have == f->cap) {
		if (f->cap < f->max_line) {
			size_t cap = f->cap * 2 < f->max_line ? f->cap * 2 : f->max_line;
			int r = feeder_grow(f, cap);
			if (r)
				return r;
		} else if (f->have == f->cap) {
			/* a line as long as the buffer may grow, without its newline yet */
			if (!f->skip_overlong)
				return -E2BIG;
			f->overlong++;
			f->skipping = true;
			f->have = 0;
		}
	}
	*p = f->buf + f->have;
	*n = f->cap - f->have;
	return 0;
}

void pi_feeder_commit(struct pi_feeder *f, size_t n, pi_lines_fn *fn, void *ctx)
{
	if (!n) {
		if (f->have && !f->skipping)
			fn(ctx, f->buf, f->have);
		f->have = 0;
		return;
	}
	char *fresh = f->buf + f->have;
	if (f->skipping) {
		char *eol = memchr(fresh, '\n', n);
		if (!eol)
			return;	/* still inside the dropped line */
		f->skipping = false;
		n -= (size_t)(eol + 1 - fresh);
		memmove(f->buf, eol + 1, n);
		fresh = f->buf;
	}
	f->have += n;
	/* only the bytes just read can hold the last newline */
	const char *last = memrchr(fresh, '\n', n);
	if (!last)
		return;
	size_t whole = (size_t)(last - f->buf) + 1;
	fn(ctx, f->buf, whole);
	memmove(f->buf, f->buf + whole, f->have - whole);
	f->have -= whole;
}
