#include <string.h>

#include "render/render.h"
#include "util/buf.h"

int render_cols(const char *s, size_t len)
{
	int n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/*
 * Where to cut a word of w bytes that is wider than room: after the last ',', '/', '='
 * or ';' that leaves the first part within room (a CPU list breaks between its items, a
 * path between its components), else at room bytes, moved back to the start of a UTF-8
 * character. At least one character.
 */
/* Bytes of s (w bytes) that fill at most cols columns. */
static size_t cut_room(const char *s, size_t w, int cols)
{
	size_t i = 0;
	for (int c = 0; i < w; c++) {
		if (c == cols)
			break;
		i++;
		while (i < w && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
	}
	return i;
}

static size_t cut_word(const char *s, size_t w, size_t room)
{
	if (room >= w)
		return w;
	for (size_t i = room; i > room / 2; i--)
		if (strchr(",/=;", s[i - 1]))
			return i;
	size_t i = room ? room : 1;
	while (i > 1 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

/* Widths count characters ("→" is one column); a word is cut only at a character boundary. */
void render_wrap(struct buf *out, const char *s, int col, int indent, int width)
{
	bool line_empty = true;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		size_t w = strcspn(s, " ");
		int wc = render_cols(s, w);
		if (!line_empty && col + 1 + wc > width) {
			buf_putc(out, '\n');
			buf_pad(out, (size_t)indent);
			col = indent;
			line_empty = true;
		}
		if (!line_empty) {
			buf_putc(out, ' ');
			col++;
		}
		/* A word wider than a whole line (a long path or CPU list) is cut: nothing
		 * runs past the width. */
		size_t part = wc + col <= width ? w : cut_word(s, w, cut_room(s, w, width > col ? width - col : 1));
		buf_append(out, s, part);
		col += render_cols(s, part);
		line_empty = false;
		s += part;
		if (part < w) {
			buf_putc(out, '\n');
			buf_pad(out, (size_t)indent);
			col = indent;
			line_empty = true;
		}
	}
	buf_putc(out, '\n');
}

/* Length of the shell word at s: up to a space outside single or double quotes. */
static size_t shell_word(const char *s)
{
	char q = 0;
	size_t i = 0;
	for (; s[i]; i++) {
		if (q) {
			if (s[i] == q)
				q = 0;
			else if (q == '"' && s[i] == '\\' && s[i + 1])
				i++;
		} else if (s[i] == '\'' || s[i] == '"') {
			q = s[i];
		} else if (s[i] == '\\' && s[i + 1]) {
			i++;
		} else if (s[i] == ' ') {
			break;
		}
	}
	return i;
}

void render_wrap_command(struct buf *out, const char *s, int col, int indent, int width)
{
	bool line_empty = true;
	while (*s) {
		size_t sp = strspn(s, " ");
		/* a comment keeps its spacing ("cmd   # why") */
		const char *gap = s;
		s += sp;
		if (!*s)
			break;
		size_t w = *s == '#' ? strlen(s) : shell_word(s);
		/* a short option stays on the line of its argument ("-e 's/x/y/'", "-o FILE") */
		if (w == 2 && s[0] == '-' && s[1] != '-' && s[2] == ' ' && s[3] && s[3] != ' ' && s[3] != '#')
			w = 3 + shell_word(s + 3);
		int need = (int)(line_empty ? 0 : (sp ? sp : 1)) + (int)w;
		/* room for " \" at the end of a broken line */
		if (!line_empty && col + need + (s[w] ? 2 : 0) > width) {
			buf_puts(out, " \\\n");
			buf_pad(out, (size_t)indent);
			col = indent;
			line_empty = true;
			need = (int)w;
		}
		if (!line_empty)
			buf_append(out, gap, sp ? sp : 1);
		buf_append(out, s, w);
		col += need;
		line_empty = false;
		s += w;
	}
	buf_putc(out, '\n');
}
