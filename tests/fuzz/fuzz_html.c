/*
 * The report's JSON embedding (src/render/html.c): `report --from` feeds it files a user
 * names. Whatever the input, nothing that can end or bend a <script> element comes out
 * ('<', '>', '&' never appear), the result is 0 or -EINVAL, and an accepted input's copy
 * is a fixed point (embedding it again, trimmed or not, gives the same bytes). The
 * entity escaper leaves no markup character either.
 */
#include "fuzz.h"

#include "render/html.h"
#include "util/buf.h"

static void no_markup(const struct buf *b, const char *bad)
{
	for (size_t i = 0; i < b->len; i++)
		FUZZ_CHECK(!strchr(bad, b->data[i]) || !b->data[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	for (int trim = 0; trim < 2; trim++) {
		struct buf a = { 0 }, b = { 0 };
		int r = html_embed_json(&a, s, size, trim);
		FUZZ_CHECK(r == 0 || r == -EINVAL);
		no_markup(&a, "<>&");
		if (r == 0) {
			FUZZ_CHECK(html_embed_json(&b, a.data, a.len, trim) == 0);
			FUZZ_CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
		}
		buf_free(&a);
		buf_free(&b);
	}
	struct buf e = { 0 };
	html_escape(&e, s, size);
	no_markup(&e, "<>\"'");
	buf_free(&e);
	return 0;
}
