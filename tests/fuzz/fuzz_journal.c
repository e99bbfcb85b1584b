/*
 * Apply journals (src/act/journal.c): journal_parse() on the input, as rollback reads a
 * journal. What it promises beyond "no crash": an accepted journal names an absolute
 * root; every set line it keeps has path, old and new, its path passes the write
 * allow-list (act/allow.h) and its values parse as CPU sets of that file's kind; line
 * numbers rise; a refusal says "line N: ..." or that the file is not a journal.
 */
#include "fuzz.h"

#include "act/allow.h"
#include "act/journal.h"
#include "util/arena.h"
#include "util/cpuset.h"

static void value(struct arena *a, const char *path, const char *v)
{
	struct cpuset s;
	size_t pl = strlen(path), n = strlen(v);
	bool list = pl >= 5 && !strcmp(path + pl - 5, "_list");
	FUZZ_CHECK((list ? cpuset_parse_list(&s, a, v, n) : cpuset_parse_mask(&s, a, v, n)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	struct journal_data jd;
	const char *err = NULL;
	if (journal_parse((const char *)data, size, &a, &jd, &err) == 0) {
		FUZZ_CHECK(jd.version == 1 && jd.root && jd.root[0] == '/');
		FUZZ_CHECK(jd.n >= 0 && (jd.n == 0 || jd.v));
		unsigned last = 0;
		for (int i = 0; i < jd.n; i++) {
			const struct journal_entry *e = &jd.v[i];
			const char *why;
			FUZZ_CHECK(e->path && e->old && e->new_ && e->line > last);
			last = e->line;
			FUZZ_CHECK(act_allow_path(e->path, &why) == 0);
			value(&a, e->path, e->old);
			value(&a, e->path, e->new_);
			fuzz_touch(e->what);
		}
		fuzz_touch(jd.command);
		fuzz_touch(jd.plan);
		fuzz_touch(jd.started);
	} else {
		FUZZ_CHECK(err && (!strncmp(err, "line ", 5) || !strncmp(err, "not an irqsight journal", 23)));
		fuzz_touch(err);
	}
	arena_free(&a);
	return 0;
}
