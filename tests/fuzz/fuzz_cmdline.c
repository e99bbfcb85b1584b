/*
 * The kernel command line (src/parse/cmdline.c): parse_cmdline() on /proc/cmdline or a
 * "Command line:" log line, then the lookups src/model/build_platform.c and the rules make.
 */
#include "fuzz.h"

#include "parse/cmdline.h"
#include "util/arena.h"

/* Keys and words irqsight asks about (src/model/build_platform.c, src/rules/). */
static const char *const keys[] = { "isolcpus", "nohz_full", "intel_iommu", "amd_iommu", "iommu",
				     "intremap", "nointremap", "pci", "noirqbalance", "irqaffinity",
				     "rcu_nocbs", "x2apic_phys", "nox2apic", "" };
static const char *const words[] = { "on", "off", "nomsi", "managed_irq", "domain", "pt", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	struct cmdline c;
	FUZZ_CHECK(parse_cmdline((const char *)data, size, &a, &c) == 0);
	FUZZ_CHECK(c.raw && fuzz_touch(c.raw) <= size);
	FUZZ_CHECK(c.nparams >= 0 && (c.nparams == 0 || c.params));
	for (int i = 0; i < c.nparams; i++) {
		const struct cmdline_param *p = &c.params[i];
		FUZZ_CHECK(p->key && p->raw);
		size_t kl = fuzz_touch(p->key), rl = fuzz_touch(p->raw), vl = fuzz_touch(p->val);
		FUZZ_CHECK(kl <= rl && vl <= rl);
		/* A parameter is found by its own key (the last one with it wins). */
		const struct cmdline_param *g = cmdline_get(&c, p->key);
		FUZZ_CHECK(g && g >= p && g < c.params + c.nparams);
		if (p->val) {
			/* Every comma-separated word of the value is found. */
			char *w = arena_strdup(&a, p->val);
			for (char *tok = w, *e; tok; tok = e) {
				e = strchr(tok, ',');
				if (e)
					*e++ = '\0';
				if (*tok)
					FUZZ_CHECK(cmdline_has_word(&c, p->key, tok));
			}
		}
	}
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const struct cmdline_param *g = cmdline_get(&c, keys[k]);
		if (g)
			fuzz_touch(g->val);
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			cmdline_has_word(&c, keys[k], words[w]);
	}
	arena_free(&a);
	return 0;
}
