/*
 * The rule table, docs/findings.md, the man page and tests/rules agree: every finding
 * id has its section ("## id"), is named in the man page's FINDINGS list, and has a
 * tests/rules/<id>/fires/ case (issue 16: the man page had lost irq-on-vm-cpu).
 */
#include "t.h"

#include <sys/stat.h>

#include "rules/finding.h"
#include "util/buf.h"

TEST(docs_name_every_finding)
{
	struct buf f = { 0 }, m = { 0 };
	t_read("docs/findings.md", &f);
	t_read("docs/irqsight.8", &m);
	CHECK(f.data && m.data);
	if (!f.data || !m.data)
		return;
	const char *sec = strstr(m.data, ".SH FINDINGS");
	const char *end = sec ? strstr(sec + 1, ".SH ") : NULL;
	CHECK(sec && end);
	for (size_t i = 0; i < rules_count; i++) {
		const char *id = rules_table[i].id;
		char want[96];
		snprintf(want, sizeof(want), "\n## %s\n", id);
		if (!strstr(f.data, want))
			t_fail(__FILE__, __LINE__, "docs/findings.md has no section '## %s'", id);
		/* a whole word of the man page's list ("irq-hotspot" is not "cpu0-...") */
		bool named = false;
		size_t n = strlen(id);
		for (const char *p = sec; p && end && (p = strstr(p, id)) && p < end; p += n) {
			char before = p[-1], after = p[n];
			if ((before == ' ' || before == '\n') && (after == ',' || after == '.'))
				named = true;
		}
		if (!named)
			t_fail(__FILE__, __LINE__, "docs/irqsight.8 FINDINGS does not name %s", id);
		char dir[160];
		struct stat st;
		snprintf(dir, sizeof(dir), "tests/rules/%s/fires", id);
		if (stat(dir, &st) || !S_ISDIR(st.st_mode))
			t_fail(__FILE__, __LINE__, "no %s", dir);
	}
	buf_free(&f);
	buf_free(&m);
}
