/* Output helpers shared by every command. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "util/buf.h"

int err(const char *fmt, ...)
{
	va_list ap;
	fputs("irqsight: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_UNKNOWN;
}

void warn(const char *fmt, ...)
{
	va_list ap;
	fputs("irqsight: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool use_color(const struct global_opts *g, FILE *f)
{
	if (g->color == COLOR_ALWAYS)
		return true;
	if (g->color == COLOR_NEVER || getenv("NO_COLOR"))
		return false;
	const char *term = getenv("TERM");
	return isatty(fileno(f)) && term && strcmp(term, "dumb") != 0;
}


int cmd_read_user_file(const char *what, const char *path, size_t max, struct buf *b)
{
	int r = buf_read_file(b, path, max);
	if (r == -EFBIG)
		return err("cannot read %s '%s': larger than the limit of %zu MiB (read whole or not at all)", what,
			   path, max >> 20);
	if (r == -EINVAL)
		return err("cannot read %s '%s': not a regular file or a pipe", what, path);
	if (r)
		return err("cannot read %s '%s': %s", what, path, strerror(-r));
	return EXIT_OK;
}
