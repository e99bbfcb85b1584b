/* Output helpers shared by every command. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

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

