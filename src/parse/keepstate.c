#include "parse/keepstate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/planfile.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

const char *keep_reason_name(enum keep_reason r)
{
	static const char *const n[] = { "verify", "link-up", "new-irq", "driver-rebind", "foreign-write" };
	return (unsigned)r < KEEP_NREASONS ? n[r] : "?";
}

static long long num(const struct pf_line *l, const char *key, long long dflt)
{
	const char *v = pf_get(l, key);
	int64_t x;
	return v && str_i64(v, 10, &x) ? x : dflt;
}

int keepstate_parse(const char *buf, size_t len, struct arena *a, struct keep_state *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	struct pf_line *l;
	int n;
	unsigned bad;
	if (len > PF_MAX_BYTES || pf_parse_lines(buf, len, a, &l, &n, &bad)) {
		*why = "not in the plan file syntax";
		return -EINVAL;
	}
	if (!n || strcmp(l[0].keyword, "irqsight-keep") || !l[0].word || strcmp(l[0].word, "1")) {
		*why = "no 'irqsight-keep 1' header";
		return -EINVAL;
	}
	int cap = 0;
	for (int i = 1; i < n; i++) {
		const struct pf_line *x = &l[i];
		if (!strcmp(x->keyword, "keep")) {
			out->pid = (int)num(x, "pid", 0);
			out->started = num(x, "started", 0);
			out->updated = num(x, "updated", 0);
			out->last_verify = num(x, "last_verify", 0);
			out->drifted = (int)num(x, "drifted", 0);
		} else if (!strcmp(x->keyword, "corrections")) {
			const char *r = pf_get(x, "reason");
			for (int k = 0; r && k < KEEP_NREASONS; k++)
				if (!strcmp(r, keep_reason_name(k)))
					out->corrections[k] = (unsigned long long)num(x, "count", 0);
		} else if (!strcmp(x->keyword, "contested")) {
			if (out->ncontested == cap) {
				int nc = cap ? cap * 2 : 8;
				out->contested = arena_realloc(a, out->contested, (size_t)cap * sizeof(*out->contested),
							       (size_t)nc * sizeof(*out->contested));
				cap = nc;
			}
			struct keep_contested *c = &out->contested[out->ncontested++];
			c->irq = (int)num(x, "irq", -1);
			c->path = pf_get(x, "path");
			c->name = pf_get(x, "name");
			c->dev = pf_get(x, "dev");
			c->writer = pf_get(x, "writer");
			c->advice = pf_get(x, "advice");
			c->rewrites = (int)num(x, "rewrites", 0);
			c->window = (int)num(x, "window", 0);
		}
		/* Other keywords: a newer keep's additions, ignored. */
	}
	out->present = true;
	return 0;
}

int keepstate_format(const struct keep_state *s, struct buf *b)
{
	buf_printf(b, "irqsight-keep 1\nkeep pid=%d started=%lld updated=%lld last_verify=%lld drifted=%d\n", s->pid,
		   s->started, s->updated, s->last_verify, s->drifted);
	for (int k = 0; k < KEEP_NREASONS; k++)
		buf_printf(b, "corrections reason=%s count=%llu\n", keep_reason_name(k), s->corrections[k]);
	for (int i = 0; i < s->ncontested; i++) {
		const struct keep_contested *c = &s->contested[i];
		buf_printf(b, "contested irq=%d", c->irq);
		pf_put(b, "path", c->path ? c->path : "");
		if (c->name)
			pf_put(b, "name", c->name);
		if (c->dev)
			pf_put(b, "dev", c->dev);
		pf_put(b, "writer", c->writer ? c->writer : "unknown");
		buf_printf(b, " rewrites=%d window=%d", c->rewrites, c->window);
		if (c->advice)
			pf_put(b, "advice", c->advice);
		buf_putc(b, '\n');
	}
	return 0;
}
