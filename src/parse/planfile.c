#include "parse/planfile.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Read one token (bare or quoted) from p..end into out; returns the new position or NULL
 * on an unterminated quote. Stops at whitespace or '#' outside quotes. */
static const char *token(const char *p, const char *end, struct buf *out, bool *had_eq, size_t *eq_at)
{
	*had_eq = false;
	char q = 0;
	while (p < end) {
		char c = *p;
		if (q) {
			if (c == '"') {
				q = 0;
			} else if (c == '\\' && p + 1 < end) {
				buf_putc(out, *++p);
			} else {
				buf_putc(out, c);
			}
		} else if (is_space(c) || c == '#') {
			break;
		} else if (c == '"') {
			q = c;
		} else {
			if (c == '=' && !*had_eq) {
				*had_eq = true;
				*eq_at = out->len;
			}
			buf_putc(out, c);
		}
		p++;
	}
	return q ? NULL : p;
}

void pf_reader_init(struct pf_reader *r, const char *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->all = (struct slice){ buf ? buf : "", buf ? len : 0 };
}

void pf_reader_free(struct pf_reader *r)
{
	if (r->scratch) {
		arena_free(r->scratch);
		free(r->scratch);
	}
	if (r->tok) {
		buf_free(r->tok);
		free(r->tok);
	}
	r->scratch = NULL;
	r->tok = NULL;
}

int pf_next(struct pf_reader *r, struct pf_line *out, const char **why)
{
	if (!r->scratch) {
		r->scratch = calloc(1, sizeof(*r->scratch));
		r->tok = calloc(1, sizeof(*r->tok));
		if (!r->scratch || !r->tok)
			arena_oom(sizeof(*r->scratch));
	}
	struct slice line;
	while (slice_line(&r->all, &line)) {
		r->no++;
		/* The line before is done with: its strings go, the memory stays for this one. */
		arena_reset(r->scratch);
		/* A NUL would cut a value short where C strings read it (a path, a CPU list). */
		if (memchr(line.p, '\0', line.n)) {
			*why = "a NUL byte";
			return -EINVAL;
		}
		/* Values are printed to the operator's terminal (boot=, why=, what=): an escape
		 * sequence or a carriage return there could clear or rewrite what apply,
		 * rollback and persist show. Tabs, and the \r of a CRLF line end, are blanks. */
		for (size_t i = 0; i < line.n; i++) {
			unsigned char c = (unsigned char)line.p[i];
			if ((c < 0x20 && c != '\t' && !(c == '\r' && i + 1 == line.n)) || c == 0x7f) {
				*why = "a control character";
				return -EINVAL;
			}
		}
		const char *p = line.p, *end = line.p + line.n;
		struct pf_line l = { .line_no = r->no, .kv = r->kv };
		for (;;) {
			while (p < end && is_space(*p))
				p++;
			if (p >= end || *p == '#')
				break;
			bool had_eq;
			size_t eq_at = 0;
			buf_reset(r->tok);
			if (buf_append(r->tok, "", 0))
				arena_oom(1);
			p = token(p, end, r->tok, &had_eq, &eq_at);
			if (!p) {
				*why = "unterminated quote";
				return -EINVAL;
			}
			const char *t = r->tok->data;
			size_t tn = r->tok->len;
			if (!l.keyword) {
				l.keyword = arena_strndup(r->scratch, t, tn);
			} else if (had_eq) {
				if (l.nkv == PF_MAX_KV) {
					*why = "more than 32 key=value fields";
					return -EINVAL;
				}
				l.kv[l.nkv].key = arena_strndup(r->scratch, t, eq_at);
				l.kv[l.nkv].val = arena_strndup(r->scratch, t + eq_at + 1, tn - eq_at - 1);
				l.nkv++;
			} else if (!l.word) {
				l.word = arena_strndup(r->scratch, t, tn);
			} else {
				*why = "a second bare word (a value with spaces needs quotes)";
				return -EINVAL;
			}
		}
		if (!l.keyword)
			continue;
		*out = l;
		return 1;
	}
	return 0;
}

int pf_parse_lines(const char *buf, size_t len, struct arena *a, struct pf_line **out, int *n,
		   unsigned *bad_line)
{
	*out = NULL;
	*n = 0;
	struct pf_reader rd;
	pf_reader_init(&rd, buf, len);
	struct pf_line l;
	const char *why;
	int r;
	while ((r = pf_next(&rd, &l, &why)) > 0) {
		/* Kept: copied out of the reader's scratch space. */
		struct pf_line c = { .line_no = l.line_no, .nkv = l.nkv };
		c.keyword = arena_strdup(a, l.keyword);
		c.word = l.word ? arena_strdup(a, l.word) : NULL;
		c.kv = arena_calloc(a, (size_t)(l.nkv ? l.nkv : 1), sizeof(*c.kv));
		for (int i = 0; i < l.nkv; i++) {
			c.kv[i].key = arena_strdup(a, l.kv[i].key);
			c.kv[i].val = arena_strdup(a, l.kv[i].val);
		}
		*out = arena_grow(a, *out, (size_t)*n, sizeof(**out));
		(*out)[(*n)++] = c;
	}
	if (r < 0)
		*bad_line = rd.no;
	pf_reader_free(&rd);
	return r < 0 ? -EINVAL : 0;
}

const char *pf_get(const struct pf_line *l, const char *key)
{
	const char *v = NULL;
	for (int i = 0; i < l->nkv; i++)
		if (!strcmp(l->kv[i].key, key))
			v = l->kv[i].val;
	return v;
}

int pf_put(struct buf *b, const char *key, const char *val)
{
	bool quote = !*val;
	for (const char *c = val; *c && !quote; c++)
		quote = is_space(*c) || *c == '"' || *c == '#' || *c == '\\' || (unsigned char)*c < 0x20 || *c == 0x7f;
	int r = buf_printf(b, " %s=", key);
	if (!quote)
		return r ? r : buf_puts(b, val);
	r = r ? r : buf_putc(b, '"');
	for (const char *c = val; *c && !r; c++) {
		if (*c == '"' || *c == '\\')
			r = buf_putc(b, '\\');
		/* A value never spans lines, and control characters (which the reader
		 * refuses) are written as '?'. */
		unsigned char u = (unsigned char)*c;
		if (!r)
			r = buf_putc(b, u == '\n' ? ' ' : (u < 0x20 && u != '\t') || u == 0x7f ? '?' : *c);
	}
	return r ? r : buf_putc(b, '"');
}

/* ---------------------------------------------------------------- plan */

static const char *fail(struct arena *a, const char **err, unsigned no, const char *what, const char *val)
{
	*err = arena_printf(a, "line %u: %s%s%s%s", no, what, val ? " '" : "", val ? val : "", val ? "'" : "");
	return NULL;
}

static int set_of(struct arena *a, const char *txt, struct cpuset *s)
{
	return cpuset_parse_list(s, a, txt, strlen(txt));
}

static bool int_of(const char *txt, int *out)
{
	int64_t v;
	if (!txt || !str_i64(txt, 10, &v) || v < -1 || v > INT32_MAX)
		return false;
	*out = (int)v;
	return true;
}

#define GROW(arr, n, cap, a)                                                                   \
	do {                                                                                   \
		if ((n) == (cap)) {                                                            \
			int nc_ = (cap) ? (cap) * 2 : 16;                                      \
			(arr) = arena_realloc((a), (arr), (size_t)(cap) * sizeof(*(arr)),      \
					      (size_t)nc_ * sizeof(*(arr)));                   \
			(cap) = nc_;                                                           \
		}                                                                              \
	} while (0)

/* A kept string: out of the reader's scratch space into the plan's arena. */
static const char *keep(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

/* The kernel's dev_valid_name(): what an interface can be called. The write allow-list
 * (act/allow.c) checks the paths again; this refuses the plan line itself. */
static bool netdev_name_ok(const char *n)
{
	size_t len = strlen(n);
	if (!len || len >= 16 || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	for (const char *c = n; *c; c++)
		if (*c == '/' || *c == ':' || is_space(*c) || *c == '\n' || *c == '\v' || *c == '\f')
			return false;
	return true;
}

/* Keywords a plan holds once: a second one would silently replace the first. */
static const char *const singletons[] = { "host", "vm-cpus", "housekeeping", "default-affinity",
					  "irqbalance-banned", "boot" };
#define NSINGLE (sizeof(singletons) / sizeof(singletons[0]))

static int plan_line(const struct pf_line *l, struct arena *a, struct plan *p, int *caps, bool *have,
		     unsigned *seen, const char **err)
{
	const char *k = l->keyword;
	const char *v;
	for (size_t i = 0; i < NSINGLE; i++) {
		if (strcmp(k, singletons[i]) != 0)
			continue;
		if (seen[i]) {
			fail(a, err, l->line_no, arena_printf(a, "a second '%s' line (the first is line %u)", k, seen[i]), NULL);
			return -EINVAL;
		}
		seen[i] = l->line_no;
	}
	if (!strcmp(k, "irqsight-plan")) {
		fail(a, err, l->line_no, "a second 'irqsight-plan' line", NULL);
		return -EINVAL;
	} else if (!strcmp(k, "host")) {
		const char *on = pf_get(l, "online");
		if (!int_of(pf_get(l, "cpus"), &p->ncpus) || p->ncpus < 1 || p->ncpus > CPUSET_MAX_CPU + 1 || !on ||
		    set_of(a, on, &p->online)) {
			fail(a, err, l->line_no, "host needs cpus=N online=LIST", NULL);
			return -EINVAL;
		}
		p->kernel = keep(a, pf_get(l, "kernel"));
		have[0] = true;
	} else if (!strcmp(k, "node")) {
		GROW(p->nodes, p->nnodes, caps[0], a);
		struct plan_node *nd = &p->nodes[p->nnodes];
		v = pf_get(l, "cpus");
		if (!int_of(l->word, &nd->id) || nd->id < 0 || !v || set_of(a, v, &nd->cpus)) {
			fail(a, err, l->line_no, "node needs ID cpus=LIST", NULL);
			return -EINVAL;
		}
		p->nnodes++;
	} else if (!strcmp(k, "vm-cpus") || !strcmp(k, "housekeeping") || !strcmp(k, "default-affinity") ||
		   !strcmp(k, "irqbalance-banned")) {
		struct cpuset *s = !strcmp(k, "vm-cpus") ? &p->vm_cpus
				   : !strcmp(k, "housekeeping") ? &p->housekeeping
				   : !strcmp(k, "default-affinity") ? &p->default_affinity
								     : &p->irqbalance_banned;
		if (!l->word || set_of(a, l->word, s)) {
			fail(a, err, l->line_no, "bad CPU list", l->word);
			return -EINVAL;
		}
		if (s == &p->vm_cpus)
			p->vm_cpus_from = keep(a, pf_get(l, "from"));
		if (s == &p->housekeeping)
			have[1] = true;
		if (s == &p->default_affinity) {
			p->has_default_affinity = true;
			p->default_affinity_line = l->line_no;
		}
		if (s == &p->irqbalance_banned)
			p->has_banned = true;
	} else if (!strcmp(k, "boot")) {
		p->boot_params = keep(a, pf_get(l, "cmdline"));
	} else if (!strcmp(k, "irq") || !strcmp(k, "managed")) {
		GROW(p->irqs, p->nirqs, caps[1], a);
		struct plan_irq *q = &p->irqs[p->nirqs];
		memset(q, 0, sizeof(*q));
		q->line = l->line_no;
		q->kind = !strcmp(k, "irq") ? PLAN_MOVE : PLAN_MANAGED;
		q->bdf = keep(a, pf_get(l, "dev"));
		q->driver = keep(a, pf_get(l, "driver"));
		q->action = keep(a, pf_get(l, "action"));
		q->vector = -1;
		q->irq = -1;
		if ((v = pf_get(l, "vector")) && !int_of(v, &q->vector)) {
			fail(a, err, l->line_no, "bad vector", v);
			return -EINVAL;
		}
		if ((v = pf_get(l, "irq")) && !int_of(v, &q->irq)) {
			fail(a, err, l->line_no, "bad irq", v);
			return -EINVAL;
		}
		if (!q->action && !q->bdf) {
			fail(a, err, l->line_no, "an irq line needs action= or dev=", NULL);
			return -EINVAL;
		}
		v = pf_get(l, "cpus");
		if (q->kind == PLAN_MOVE && (!v || set_of(a, v, &q->cpus) || cpuset_empty(&q->cpus))) {
			fail(a, err, l->line_no, "an irq line needs a non-empty cpus=LIST", v);
			return -EINVAL;
		}
		if ((v = pf_get(l, "now"))) {
			if (set_of(a, v, &q->now)) {
				fail(a, err, l->line_no, "bad CPU list", v);
				return -EINVAL;
			}
			q->has_now = true;
		}
		q->name = keep(a, pf_get(l, "name"));
		q->why = keep(a, pf_get(l, "why"));
		p->nirqs++;
	} else if (!strcmp(k, "rps")) {
		GROW(p->rps, p->nrps, caps[2], a);
		struct plan_rps *r = &p->rps[p->nrps];
		memset(r, 0, sizeof(*r));
		r->line = l->line_no;
		const char *nd = pf_get(l, "netdev");
		v = pf_get(l, "cpus");
		if (!nd || !v || set_of(a, v, &r->cpus) || cpuset_empty(&r->cpus)) {
			fail(a, err, l->line_no, "rps needs netdev=NAME cpus=LIST", NULL);
			return -EINVAL;
		}
		if (!netdev_name_ok(nd)) {
			fail(a, err, l->line_no, "not a network interface name (1-15 characters, no '/', ':' or blank, not '.' or '..')", nd);
			return -EINVAL;
		}
		r->netdev = keep(a, nd);
		r->bdf = keep(a, pf_get(l, "dev"));
		p->nrps++;
	} else {
		fail(a, err, l->line_no, "unknown keyword", k);
		return -EINVAL;
	}
	return 0;
}

int parse_planfile(const char *buf, size_t len, struct arena *a, struct plan *p, const char **err)
{
	memset(p, 0, sizeof(*p));
	p->ncpus = -1;
	if (len > PF_MAX_BYTES) {
		fail(a, err, 1, arena_printf(a, "the plan is larger than the limit of %u MiB", PF_MAX_BYTES >> 20), NULL);
		return -EINVAL;
	}
	struct pf_reader rd;
	pf_reader_init(&rd, buf, len);
	struct pf_line l;
	const char *why = NULL;
	int r = pf_next(&rd, &l, &why);
	if (r < 0) {
		fail(a, err, rd.no, why, NULL);
		goto out;
	}
	if (!r || strcmp(l.keyword, "irqsight-plan") != 0) {
		fail(a, err, r ? l.line_no : 1, "not an irqsight plan (first line must be 'irqsight-plan 1')", NULL);
		r = -EINVAL;
		goto out;
	}
	if (!int_of(l.word, &p->version) || p->version != PLAN_VERSION) {
		fail(a, err, l.line_no, "unsupported plan version", l.word);
		r = -EINVAL;
		goto out;
	}
	int caps[3] = { 0 };
	bool have[2] = { false, false };	/* host, housekeeping */
	unsigned seen[NSINGLE] = { 0 };
	size_t mem0 = a->used_total;
	unsigned last = l.line_no;
	while ((r = pf_next(&rd, &l, &why)) > 0) {
		last = l.line_no;
		if ((r = plan_line(&l, a, p, caps, have, seen, err)))
			goto out;
		/* Bounded memory whatever the plan holds (CPU sets as wide as 65536 CPUs). */
		if (a->used_total - mem0 > PF_MAX_MEM) {
			fail(a, err, l.line_no, arena_printf(a, "the plan needs more than %u MiB of memory: refused",
							     PF_MAX_MEM >> 20), NULL);
			r = -EINVAL;
			goto out;
		}
	}
	if (r < 0) {
		fail(a, err, rd.no, why, NULL);
		goto out;
	}
	if (!have[0] || !have[1] || cpuset_empty(&p->housekeeping)) {
		fail(a, err, last, "the plan needs 'host' and a non-empty 'housekeeping'", NULL);
		r = -EINVAL;
		goto out;
	}
	r = 0;
out:
	pf_reader_free(&rd);
	return r < 0 ? -EINVAL : 0;
}
