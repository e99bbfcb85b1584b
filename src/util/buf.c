#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > ((size_t)-1) / 2)
			return -ENOMEM;
		cap *= 2;
	}
	char *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	int r = buf_reserve(b, n);
	if (r)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -EINVAL;
	int r = buf_reserve(b, (size_t)n);
	if (r)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

int buf_pad(struct buf *b, size_t n)
{
	int r = buf_reserve(b, n);
	if (r)
		return r;
	memset(b->data + b->len, ' ', n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int buf_sh_quote(struct buf *b, const char *s)
{
	int r = buf_putc(b, '\'');
	for (; *s && !r; s++)
		r = *s == '\'' ? buf_puts(b, "'\\''") : buf_putc(b, *s);
	return r ? r : buf_putc(b, '\'');
}

int read_fd_small(int fd, char *out, size_t n)
{
	if (fd < 0)
		return fd;
	ssize_t r = read(fd, out, n - 1);
	int e = errno;
	close(fd);
	if (r < 0)
		return -e;
	out[r] = '\0';
	return (int)r;
}

int buf_read_fd(struct buf *b, int fd, size_t max)
{
	for (;;) {
		size_t chunk = 65536;
		if (max) {
			if (b->len >= max)
				return 0;
			if (chunk > max - b->len)
				chunk = max - b->len;
		}
		int r = buf_reserve(b, chunk);
		if (r)
			return r;
		ssize_t n = read(fd, b->data + b->len, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
}

int buf_read_file(struct buf *b, const char *path, size_t max)
{
	/* O_NONBLOCK: a FIFO without a writer must not hang the open. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = fstat(fd, &st) ? -errno : S_ISDIR(st.st_mode) ? -EISDIR
		: !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) ? -EINVAL : 0;
	if (!r && S_ISREG(st.st_mode) && (size_t)st.st_size > max)
		r = -EFBIG;
	if (!r && S_ISFIFO(st.st_mode)) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK))
			r = -errno;
	}
	size_t start = b->len;
	/* One byte more than allowed tells a file that grew (or a pipe) past the limit. */
	if (!r)
		r = buf_read_fd(b, fd, start + max + 1);
	if (!r && b->len - start > max)
		r = -EFBIG;
	if (!r && !b->data)
		r = buf_append(b, "", 0);
	close(fd);
	return r;
}
