/*
 * Plan files and the journal line format (src/parse/planfile.c): pf_parse_lines() and
 * parse_planfile() on the input, and pf_put() round trips: every value read back from a
 * line that pf_put() wrote is the value it was given (apply's journal relies on it).
 */
#include "fuzz.h"

#include "parse/planfile.h"
#include "util/arena.h"
#include "util/buf.h"

static void roundtrip(struct arena *a, const char *val)
{
	struct buf b = { 0 };
	FUZZ_CHECK(buf_puts(&b, "op") == 0 && pf_put(&b, "k", val) == 0 && pf_put(&b, "z", "1") == 0);
	struct pf_line *l;
	int n;
	unsigned bad = 0;
	FUZZ_CHECK(pf_parse_lines(b.data, b.len, a, &l, &n, &bad) == 0);
	FUZZ_CHECK(n == 1 && !strcmp(l[0].keyword, "op"));
	const char *got = pf_get(&l[0], "k");
	const char *z = pf_get(&l[0], "z");
	/* pf_put writes a newline as a space (a value never spans lines), and another
	 * control character but a tab as '?' (the reader refuses them). */
	char *want = arena_strdup(a, val);
	for (char *c = want; *c; c++)
		if (*c == '\n')
			*c = ' ';
		else if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
			*c = '?';
	FUZZ_CHECK(got && !strcmp(got, want) && z && !strcmp(z, "1"));
	buf_free(&b);
}

static void set(const struct cpuset *s)
{
	struct buf b = { 0 };
	FUZZ_CHECK(cpuset_format_list(s, &b) == 0);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	const char *buf = (const char *)data;
	struct pf_line *lines;
	int n;
	unsigned bad = 0;
	if (pf_parse_lines(buf, size, &a, &lines, &n, &bad) == 0) {
		FUZZ_CHECK(n >= 0 && (n == 0 || lines));
		unsigned last = 0;
		for (int i = 0; i < n; i++) {
			const struct pf_line *l = &lines[i];
			FUZZ_CHECK(l->keyword && l->line_no > last && l->nkv >= 0);
			last = l->line_no;
			fuzz_touch(l->keyword);
			fuzz_touch(l->word);
			for (int k = 0; k < l->nkv; k++) {
				FUZZ_CHECK(l->kv[k].key && l->kv[k].val);
				fuzz_touch(l->kv[k].key);
				FUZZ_CHECK(pf_get(l, l->kv[k].key) != NULL);
				roundtrip(&a, l->kv[k].val);
			}
			if (l->word)
				roundtrip(&a, l->word);
		}
	} else {
		FUZZ_CHECK(bad >= 1);
	}

	struct plan p;
	const char *err = NULL;
	if (parse_planfile(buf, size, &a, &p, &err) == 0) {
		FUZZ_CHECK(p.version == PLAN_VERSION && p.ncpus >= 1);
		FUZZ_CHECK(!cpuset_empty(&p.housekeeping));
		set(&p.online);
		set(&p.vm_cpus);
		set(&p.housekeeping);
		set(&p.default_affinity);
		set(&p.irqbalance_banned);
		for (int i = 0; i < p.nnodes; i++)
			set(&p.nodes[i].cpus);
		for (int i = 0; i < p.nirqs; i++) {
			const struct plan_irq *q = &p.irqs[i];
			FUZZ_CHECK(q->action || q->bdf);
			if (q->kind == PLAN_MOVE)
				FUZZ_CHECK(!cpuset_empty(&q->cpus));
			set(&q->cpus);
			set(&q->now);
			fuzz_touch(q->why);
			fuzz_touch(q->name);
		}
		for (int i = 0; i < p.nrps; i++) {
			FUZZ_CHECK(p.rps[i].netdev && !strchr(p.rps[i].netdev, '/'));
			set(&p.rps[i].cpus);
		}
		fuzz_touch(p.boot_params);
		fuzz_touch(p.kernel);
	} else {
		FUZZ_CHECK(err && !strncmp(err, "line ", 5));
	}
	arena_free(&a);
	return 0;
}
