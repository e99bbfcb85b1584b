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
		/* the table's worst severity is the first one its "**Severity**:" names */
		const char *at = strstr(f.data, want), *next = at ? strstr(at + 1, "\n## ") : NULL;
		const char *sv = at ? strstr(at, "**Severity**:") : NULL;
		if (sv && (!next || sv < next)) {
			const char *first = NULL, *name = NULL;
			for (int s = SEV_INFO; s <= SEV_CRITICAL; s++) {
				const char *p = strstr(sv, severity_name((enum severity)s));
				if (p && (!first || p < first)) {
					first = p;
					name = severity_name((enum severity)s);
				}
			}
			if (!name || strcmp(name, severity_name(rules_table[i].worst)))
				t_fail(__FILE__, __LINE__,
				       "%s: rules.def says %s, docs/findings.md's Severity starts with %s", id,
				       severity_name(rules_table[i].worst), name ? name : "nothing");
		} else if (rules_table[i].worst != SEV_INFO) {
			t_fail(__FILE__, __LINE__, "docs/findings.md: '## %s' has no **Severity**", id);
		}
		char dir[160];
		struct stat st;
		snprintf(dir, sizeof(dir), "tests/rules/%s/fires", id);
		if (stat(dir, &st) || !S_ISDIR(st.st_mode))
			t_fail(__FILE__, __LINE__, "no %s", dir);
	}
	buf_free(&f);
	buf_free(&m);
}
