#include "parse/cmdline.h"

#include <ctype.h>
#include <string.h>

#include "util/arena.h"
#include "util/str.h"

int parse_cmdline(const char *buf, size_t len, struct arena *a, struct cmdline *out)
{
	memset(out, 0, sizeof(*out));
	while (len && isspace((unsigned char)buf[len - 1]))
		len--;
	out->raw = arena_strndup(a, buf, len);
	int cap = 0;
	size_t i = 0;
	while (i < len) {
		while (i < len && isspace((unsigned char)buf[i]))
			i++;
		if (i >= len)
			break;
		size_t start = i;
		bool q = false;
		while (i < len && (q || !isspace((unsigned char)buf[i]))) {
			if (buf[i] == '"')
				q = !q;
			i++;
		}
		size_t n = i - start;
		if (n == 2 && !memcmp(buf + start, "--", 2))
			break;
		/* Copy without the quotes. */
		char *raw = arena_alloc(a, n + 1);
		size_t k = 0;
		for (size_t j = start; j < i; j++)
			if (buf[j] != '"')
				raw[k++] = buf[j];
		raw[k] = '\0';
		if (out->nparams == cap) {
			int ncap = cap ? cap * 2 : 32;
			out->params = arena_realloc(a, out->params, (size_t)cap * sizeof(*out->params),
						    (size_t)ncap * sizeof(*out->params));
			cap = ncap;
		}
		struct cmdline_param *p = &out->params[out->nparams++];
		p->raw = raw;
		char *eq = strchr(raw, '=');
		if (eq) {
			p->key = arena_strndup(a, raw, (size_t)(eq - raw));
			p->val = eq + 1;
		} else {
			p->key = raw;
			p->val = NULL;
		}
	}
	return 0;
}

/* kernel/params.c:parameqn(): '-' and '_' are the same in parameter names. */
static bool key_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

const struct cmdline_param *cmdline_get(const struct cmdline *c, const char *key)
{
	for (int i = c->nparams - 1; i >= 0; i--)
		if (key_eq(c->params[i].key, key))
			return &c->params[i];
	return NULL;
}

bool cmdline_has_word(const struct cmdline *c, const char *key, const char *word)
{
	for (int i = 0; i < c->nparams; i++)
		if (key_eq(c->params[i].key, key) && c->params[i].val && str_list_has(c->params[i].val, ",", word))
			return true;
	return false;
}
