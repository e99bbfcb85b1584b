/*
 * Baseline files (src/parse/baseline.c, docs/baseline.md): baseline_parse() on the input,
 * as `baseline check` and `export --baseline` read a saved file. A file that parses
 * formats back (baseline_format) to text that parses to the same file, and a baseline
 * compared with itself drifts nowhere.
 */
#include "fuzz.h"

#include "parse/baseline.h"
#include "render/baseline.h"
#include "rules/drift.h"
#include "rules/finding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline b;
	char err[256];
	if (baseline_parse(&b, (const char *)data, size, err, sizeof(err)) == 0) {
		struct buf t1 = { 0 }, t2 = { 0 };
		struct baseline b2;
		FUZZ_CHECK(baseline_format(&b, &t1) == 0 && t1.data);
		if (baseline_parse(&b2, t1.data, t1.len, err, sizeof(err))) {
			fprintf(stderr, "formatted baseline does not parse: %s\n", err);
			abort();
		}
		FUZZ_CHECK(baseline_format(&b2, &t2) == 0 && t2.data);
		FUZZ_CHECK(t1.len == t2.len && !memcmp(t1.data, t2.data, t1.len));
		struct arena a = { 0 };
		struct findings fs = { .arena = &a };
		FUZZ_CHECK(baseline_compare(&b, &b2, &fs) == 0 && fs.n == 0);
		arena_free(&a);
		buf_free(&t1);
		buf_free(&t2);
		baseline_free(&b2);
	} else {
		FUZZ_CHECK(!strncmp(err, "line ", 5));
	}
	baseline_free(&b);	/* owned even when parsing failed */
	return 0;
}
