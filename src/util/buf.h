/*
 * Growable byte buffer. Invariant: when data != NULL, data[len] == '\0', so text
 * read into a buf can be used as a C string (binary content may hold earlier NULs).
 * A zeroed struct is an empty buffer; buf_free() returns it to that state.
 */
#ifndef IRQSIGHT_UTIL_BUF_H
#define IRQSIGHT_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "util/compat.h"

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

int buf_reserve(struct buf *b, size_t extra);	/* 0 or -ENOMEM */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF(2, 0);
/* Append n spaces (for column padding). */
int buf_pad(struct buf *b, size_t n);
void buf_reset(struct buf *b);	/* len = 0, keep memory */
void buf_free(struct buf *b);
/* Read the fd until EOF (read() returns 0), at most max bytes (0 = no limit). -errno or 0. */
int buf_read_fd(struct buf *b, int fd, size_t max);
/* One read(2) of up to n - 1 bytes from fd (closed here; fd < 0 is returned as is) into
 * out, NUL-terminated: a small kernel file (/proc/PID/comm, a tracefs knob). The length
 * or -errno. */
int read_fd_small(int fd, char *out, size_t n);
/* s as one single-quoted shell word (a ' inside becomes '\'') */
int buf_sh_quote(struct buf *b, const char *s);

/*
 * Read a file a user names (a plan, a journal, a baseline) whole, by its path as given:
 * relative to the current directory, never inside a --root. A file larger than max is
 * refused (-EFBIG), never cut; only a regular file or a pipe is read (-EINVAL for a
 * device such as /dev/urandom, -EISDIR for a directory). 0 or -errno.
 */
int buf_read_file(struct buf *b, const char *path, size_t max);

#endif
