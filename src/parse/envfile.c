#include "parse/envfile.h"

#include <ctype.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

static bool valid_key(struct slice k)
{
	if (!k.n || isdigit((unsigned char)k.p[0]))
		return false;
	for (size_t i = 0; i < k.n; i++)
		if (!isalnum((unsigned char)k.p[i]) && k.p[i] != '_')
			return false;
	return true;
}

int parse_envfile(const char *buf, size_t len, struct arena *a, struct envfile *out)
{
	memset(out, 0, sizeof(*out));
	struct slice all = { buf, len }, line;
	unsigned no = 0;
	int cap = 0;
	while (slice_line(&all, &line)) {
		no++;
		line = slice_trim(line);
		if (!line.n || line.p[0] == '#' || line.p[0] == ';')
			continue;
		if (slice_starts(line, "export ")) {
			line.p += 7;
			line.n -= 7;
			line = slice_trim(line);
		}
		const char *eq = memchr(line.p, '=', line.n);
		if (!eq) {
			out->nbad++;
			continue;
		}
		struct slice key = slice_trim((struct slice){ line.p, (size_t)(eq - line.p) });
		struct slice v = slice_trim((struct slice){ eq + 1, line.n - (size_t)(eq - line.p) - 1 });
		if (!valid_key(key)) {
			out->nbad++;
			continue;
		}
		struct buf val = { 0 };
		char q = 0;
		for (size_t i = 0; i < v.n; i++) {
			char c = v.p[i];
			if (q) {
				if (c == q) {
					q = 0;
				} else if (q == '"' && c == '\\' && i + 1 < v.n) {
					buf_putc(&val, v.p[++i]);
				} else {
					buf_putc(&val, c);
				}
			} else if (c == '"' || c == '\'') {
				q = c;
			} else if (c == '#' && i > 0 && isspace((unsigned char)v.p[i - 1])) {
				break;	/* trailing comment */
			} else if (c == '\\' && i + 1 < v.n) {
				buf_putc(&val, v.p[++i]);
			} else {
				buf_putc(&val, c);
			}
		}
		if (out->nvars == cap) {
			int ncap = cap ? cap * 2 : 8;
			out->vars = arena_realloc(a, out->vars, (size_t)cap * sizeof(*out->vars),
						  (size_t)ncap * sizeof(*out->vars));
			cap = ncap;
		}
		struct env_var *ev = &out->vars[out->nvars++];
		ev->key = arena_strndup(a, key.p, key.n);
		struct slice vs = slice_trim((struct slice){ val.data ? val.data : "", val.len });
		ev->val = arena_strndup(a, vs.p, vs.n);
		ev->line_no = no;
		buf_free(&val);
	}
	return 0;
}

const char *envfile_get(const struct envfile *e, const char *key)
{
	for (int i = e->nvars - 1; i >= 0; i--)
		if (!strcmp(e->vars[i].key, key))
			return e->vars[i].val;
	return NULL;
}
