#include "parse/planfile.h"

#include <errno.h>
#include <stdint.h>
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

int pf_parse_lines(const char *buf, size_t len, struct arena *a, struct pf_line **out, int *n,
		   unsigned *bad_line)
{
	*out = NULL;
	*n = 0;
	int cap = 0;
	struct slice all = { buf, len }, line;
	unsigned no = 0;
	struct buf tok = { 0 };
	int r = 0;
	while (slice_line(&all, &line)) {
		no++;
		const char *p = line.p, *end = line.p + line.n;
		struct pf_line l = { .line_no = no };
		int kvcap = 0;
		for (;;) {
			while (p < end && is_space(*p))
				p++;
			if (p >= end || *p == '#')
				break;
			bool had_eq;
			size_t eq_at = 0;
			buf_reset(&tok);
			buf_append(&tok, "", 0);
			p = token(p, end, &tok, &had_eq, &eq_at);
			if (!p) {
				*bad_line = no;
				r = -EINVAL;
				goto out;
			}
			if (!l.keyword) {
				l.keyword = arena_strndup(a, tok.data, tok.len);
			} else if (had_eq) {
				if (l.nkv == kvcap) {
					int nc = kvcap ? kvcap * 2 : 8;
					l.kv = arena_realloc(a, l.kv, (size_t)kvcap * sizeof(*l.kv),
							     (size_t)nc * sizeof(*l.kv));
					kvcap = nc;
				}
				l.kv[l.nkv].key = arena_strndup(a, tok.data, eq_at);
				l.kv[l.nkv].val = arena_strndup(a, tok.data + eq_at + 1, tok.len - eq_at - 1);
				l.nkv++;
			} else if (!l.word) {
				l.word = arena_strndup(a, tok.data, tok.len);
			}
		}
		if (!l.keyword)
			continue;
		if (*n == cap) {
			int nc = cap ? cap * 2 : 32;
			*out = arena_realloc(a, *out, (size_t)cap * sizeof(**out), (size_t)nc * sizeof(**out));
			cap = nc;
		}
		(*out)[(*n)++] = l;
	}
out:
	buf_free(&tok);
	return r;
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
		quote = is_space(*c) || *c == '"' || *c == '#' || *c == '\\' || *c == '\n';
	int r = buf_printf(b, " %s=", key);
	if (!quote)
		return r ? r : buf_puts(b, val);
	r = r ? r : buf_putc(b, '"');
	for (const char *c = val; *c && !r; c++) {
		if (*c == '"' || *c == '\\')
			r = buf_putc(b, '\\');
		if (!r)
			r = buf_putc(b, *c == '\n' ? ' ' : *c);
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

int parse_planfile(const char *buf, size_t len, struct arena *a, struct plan *p, const char **err)
{
	memset(p, 0, sizeof(*p));
	p->ncpus = -1;
	struct pf_line *lines;
	int n;
	unsigned bad = 0;
	if (pf_parse_lines(buf, len, a, &lines, &n, &bad)) {
		fail(a, err, bad, "unterminated quote", NULL);
		return -EINVAL;
	}
	if (!n || strcmp(lines[0].keyword, "irqsight-plan") != 0) {
		fail(a, err, n ? lines[0].line_no : 1, "not an irqsight plan (first line must be 'irqsight-plan 1')", NULL);
		return -EINVAL;
	}
	if (!int_of(lines[0].word, &p->version) || p->version != PLAN_VERSION) {
		fail(a, err, lines[0].line_no, "unsupported plan version", lines[0].word);
		return -EINVAL;
	}
	int icap = 0, rcap = 0, ncap = 0;
	bool have_hk = false, have_host = false;
	for (int i = 1; i < n; i++) {
		const struct pf_line *l = &lines[i];
		const char *k = l->keyword;
		const char *v;
		if (!strcmp(k, "host")) {
			const char *on = pf_get(l, "online");
			if (!int_of(pf_get(l, "cpus"), &p->ncpus) || p->ncpus < 1 || !on || set_of(a, on, &p->online)) {
				fail(a, err, l->line_no, "host needs cpus=N online=LIST", NULL);
				return -EINVAL;
			}
			v = pf_get(l, "kernel");
			p->kernel = v;
			have_host = true;
		} else if (!strcmp(k, "node")) {
			GROW(p->nodes, p->nnodes, ncap, a);
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
				p->vm_cpus_from = pf_get(l, "from");
			if (s == &p->housekeeping)
				have_hk = true;
			if (s == &p->default_affinity)
				p->has_default_affinity = true;
			if (s == &p->irqbalance_banned)
				p->has_banned = true;
		} else if (!strcmp(k, "boot")) {
			p->boot_params = pf_get(l, "cmdline");
		} else if (!strcmp(k, "irq") || !strcmp(k, "managed")) {
			GROW(p->irqs, p->nirqs, icap, a);
			struct plan_irq *q = &p->irqs[p->nirqs];
			memset(q, 0, sizeof(*q));
			q->kind = !strcmp(k, "irq") ? PLAN_MOVE : PLAN_MANAGED;
			q->bdf = pf_get(l, "dev");
			q->driver = pf_get(l, "driver");
			q->action = pf_get(l, "action");
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
			q->name = pf_get(l, "name");
			q->why = pf_get(l, "why");
			p->nirqs++;
		} else if (!strcmp(k, "rps")) {
			GROW(p->rps, p->nrps, rcap, a);
			struct plan_rps *r = &p->rps[p->nrps];
			r->netdev = pf_get(l, "netdev");
			r->bdf = pf_get(l, "dev");
			v = pf_get(l, "cpus");
			if (!r->netdev || strchr(r->netdev, '/') || !v || set_of(a, v, &r->cpus) || cpuset_empty(&r->cpus)) {
				fail(a, err, l->line_no, "rps needs netdev=NAME cpus=LIST", NULL);
				return -EINVAL;
			}
			p->nrps++;
		} else {
			fail(a, err, l->line_no, "unknown keyword", k);
			return -EINVAL;
		}
	}
	if (!have_host || !have_hk || cpuset_empty(&p->housekeeping)) {
		fail(a, err, n ? lines[n - 1].line_no : 1, "the plan needs 'host' and a non-empty 'housekeeping'", NULL);
		return -EINVAL;
	}
	return 0;
}
