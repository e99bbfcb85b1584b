/*
 * What `report --from` does with a file a user names (src/opt/json-c/report_load.c, then
 * src/render/html.c): json-c reads it, the loader re-writes it compact (a check's IRQ rows
 * trimmed to the keys the page draws, or only its summary), and html_script_json makes
 * that safe inside a <script> element. The loader gets here the way it gets to
 * cmd/report.c: its constructor calls report_register_loader, defined below.
 * Promises: the loader answers 0 or -EINVAL; what it accepts comes out as one strict JSON
 * object, which it accepts again to the same bytes (a fixed point), a trimmed check's IRQ
 * rows hold only html_irq_keys; html_script_json lets no '<' '>' '&' or U+2028/9 through
 * whatever the input, and keeps JSON the same JSON; the entity escaper leaves no markup.
 */
#include "fuzz.h"

#include <json.h>

#include "cmd/report_load.h"
#include "render/html.h"
#include "util/buf.h"

static report_loader load;

void report_register_loader(report_loader l)
{
	load = l;
}

static void no_markup(const struct buf *b, const char *bad, bool seps)
{
	for (size_t i = 0; i < b->len; i++) {
		FUZZ_CHECK(!strchr(bad, b->data[i]) || !b->data[i]);
		FUZZ_CHECK(!seps ||
			   !(i + 2 < b->len && (unsigned char)b->data[i] == 0xe2 &&
			     (unsigned char)b->data[i + 1] == 0x80 && ((unsigned char)b->data[i + 2] & 0xfe) == 0xa8));
	}
}

static struct json_object *parse(const struct buf *b)
{
	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *o = json_tokener_parse_ex(tok, b->data, (int)b->len + 1);
	FUZZ_CHECK(o && json_tokener_get_error(tok) == json_tokener_success);
	json_tokener_free(tok);
	return o;
}

static void trimmed_rows(struct json_object *root)
{
	struct json_object *irqs;
	if (!json_object_object_get_ex(root, "irqs", &irqs) || !json_object_is_type(irqs, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(irqs); i++) {
		struct json_object *q = json_object_array_get_idx(irqs, i);
		if (!json_object_is_type(q, json_type_object))
			continue;
		json_object_object_foreach(q, k, v)
		{
			(void)v;
			bool drawn = false;
			for (const char *const *p = html_irq_keys; *p; p++)
				drawn = drawn || !strcmp(*p, k);
			FUZZ_CHECK(drawn);
		}
	}
}

static void one(const struct buf *in, unsigned flags, size_t trim_over)
{
	struct buf a = { 0 }, b = { 0 }, s = { 0 };
	enum report_kind kind, kind2;
	bool trimmed, trimmed2;
	char why[256];
	int r = load(in->data, in->len, flags, trim_over, &a, &kind, &trimmed, why, sizeof(why));
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r == 0) {
		FUZZ_CHECK(a.len > 0 && a.data[0] == '{');
		FUZZ_CHECK(!trimmed || kind == REPORT_CHECK);
		struct json_object *o = parse(&a);
		if (trimmed)
			trimmed_rows(o);
		/* the page's bytes: the same JSON, nothing that ends the element */
		html_script_json(&s, a.data, a.len);
		no_markup(&s, "<>&", true);
		struct json_object *o2 = parse(&s);
		FUZZ_CHECK(json_object_equal(o, o2));
		json_object_put(o2);
		json_object_put(o);
		if (!(flags & REPORT_SUMMARY) || kind != REPORT_CHECK) {
			FUZZ_CHECK(load(a.data, a.len, flags, trim_over, &b, &kind2, &trimmed2, why, sizeof(why)) == 0);
			FUZZ_CHECK(kind2 == kind);
			FUZZ_CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
		}
	}
	buf_free(&a);
	buf_free(&b);
	buf_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_CHECK(load != NULL);
	struct buf in = { 0 };
	buf_append(&in, data, size);	/* NUL-terminated, as buf_read_file leaves a file */
	const char *s = in.data ? in.data : "";
	one(&in, 0, HTML_TRIM_BYTES);
	one(&in, 0, 0);	/* every check trimmed */
	one(&in, REPORT_SUMMARY, HTML_TRIM_BYTES);
	/* whatever the bytes, not JSON included */
	struct buf m = { 0 }, e = { 0 };
	html_script_json(&m, s, in.len);
	no_markup(&m, "<>&", true);
	html_escape(&e, s, in.len);
	no_markup(&e, "<>\"'", false);
	buf_free(&m);
	buf_free(&e);
	buf_free(&in);
	return 0;
}
