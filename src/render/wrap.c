#include <string.h>

#include "render/render.h"
#include "util/buf.h"

void render_wrap(struct buf *out, const char *s, int col, int indent, int width)
{
	bool line_empty = true;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		size_t w = strcspn(s, " ");
		if (!line_empty && col + 1 + (int)w > width) {
			buf_putc(out, '\n');
			buf_pad(out, (size_t)indent);
			col = indent;
			line_empty = true;
		}
		if (!line_empty) {
			buf_putc(out, ' ');
			col++;
		}
		buf_append(out, s, w);
		col += (int)w;
		line_empty = false;
		s += w;
	}
	buf_putc(out, '\n');
}
