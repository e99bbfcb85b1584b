/*
 * keep.state (src/parse/keepstate.c), which check, export and serve read from a host or a
 * snapshot: keepstate_parse() on the input, and a round trip: what keepstate_format()
 * writes from a parsed state parses back to the same counters and contested files.
 */
#include "fuzz.h"

#include "parse/keepstate.h"
#include "util/arena.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	struct keep_state s, r;
	const char *why = NULL;
	if (keepstate_parse((const char *)data, size, &a, &s, &why) == 0) {
		FUZZ_CHECK(s.present && s.ncontested >= 0 && (!s.ncontested || s.contested));
		struct buf b = { 0 };
		FUZZ_CHECK(keepstate_format(&s, &b) == 0);
		FUZZ_CHECK(keepstate_parse(b.data, b.len, &a, &r, &why) == 0);
		FUZZ_CHECK(r.pid == s.pid && r.last_verify == s.last_verify && r.drifted == s.drifted);
		FUZZ_CHECK(r.ncontested == s.ncontested);
		for (int k = 0; k < KEEP_NREASONS; k++)
			FUZZ_CHECK(r.corrections[k] == s.corrections[k]);
		for (int i = 0; i < s.ncontested && i < r.ncontested; i++) {
			FUZZ_CHECK(r.contested[i].irq == s.contested[i].irq);
			FUZZ_CHECK(r.contested[i].rewrites == s.contested[i].rewrites);
			fuzz_touch(r.contested[i].path);
			fuzz_touch(r.contested[i].advice);
			fuzz_touch(r.contested[i].writer);
		}
		buf_free(&b);
	} else {
		FUZZ_CHECK(why != NULL);
	}
	arena_free(&a);
	return 0;
}
