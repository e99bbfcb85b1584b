/*
 * A minimal metrics endpoint on libmicrohttpd (src/opt/libmicrohttpd/serve.c, built only
 * when libmicrohttpd is installed; src/opt/ is left out of the static build). The server
 * registers itself (http_serve_register, from a constructor): the core names nothing in
 * opt/, and without it `irqsight serve` says it is not available.
 *
 * It answers GET/HEAD /metrics with the cached exposition, 404 for other paths and
 * 405 for other methods, and never runs anything but the render callback.
 * Limits (struct http_opts): at most max_conns connections waiting for their request
 * (max_per_client of them from one address; beyond either, the oldest waiting one is
 * closed, never the new one) and max_conns being served or kept alive; each must
 * deliver its request headers within header_timeout seconds of connecting (or of its
 * previous response) and receive its response within header_timeout seconds too —
 * enforced with an absolute deadline, so a slowloris client trickling bytes cannot hold
 * a connection longer; request line + headers are limited to 8 KiB (414/431 beyond).
 * HTTP/1.1 keep-alive and pipelining work. The exposition is rebuilt at most every
 * min_interval seconds, however many scrapes arrive.
 */
#ifndef IRQSIGHT_OPT_SERVE_H
#define IRQSIGHT_OPT_SERVE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct http_opts {
	const char *addr;		/* IPv4 or IPv6 literal */
	uint16_t port;			/* 0 = any free port (reported to on_ready) */
	double min_interval;		/* seconds between rebuilds of the exposition */
	unsigned max_conns;
	unsigned max_per_client;	/* connections waiting for their request, per address */
	unsigned header_timeout;	/* seconds */
	volatile sig_atomic_t *stop;	/* set by a signal handler to end the loop */
	/* Render the exposition into out (which is empty). A non-zero return is counted
	 * as an error; out is served anyway if it is non-empty. */
	int (*render)(void *ctx, struct buf *out);
	/* Called once the socket listens, with the bound port. */
	void (*on_ready)(void *ctx, uint16_t port);
	void *ctx;
};

/* Serve until *o->stop. 0, or -errno with a message in err (cannot bind, ...). */
typedef int (*http_serve_fn)(const struct http_opts *o, char *err, size_t errlen);
/* Called by the optional server before main (cmd/serve.c keeps it). */
void http_serve_register(http_serve_fn serve);

#endif
