/*
 * The metrics endpoint on libmicrohttpd, driven by our own loop (MHD "external
 * select" mode with epoll): one thread does everything, so the tables below are only
 * touched between MHD_run() calls and in MHD's callbacks, which MHD_run() makes from
 * this same thread — no locking, and a file descriptor in the MHD table is always
 * still owned by a live MHD connection (MHD calls the CLOSED notification before it
 * closes the socket).
 *
 * The listening socket is ours, not MHD's (MHD_USE_NO_LISTEN_SOCKET). A new connection
 * waits in our "front door" until its request line and headers are in the kernel's
 * receive buffer (MSG_PEEK, nothing consumed), and only then goes to MHD with
 * MHD_add_connection(). That is what keeps a scrape quick under a flood:
 *  - accepting never stops (MHD stops accepting at its connection limit, and then the
 *    backlog fills and a scraper's SYN is dropped: 1, 3, 7 s retransmits). A connection
 *    over a limit is never refused; the oldest one still waiting for its request is
 *    closed instead — from the same address when that address has max_per_client
 *    waiting, else the oldest of all. A scraper sends its request at once, so it is
 *    handed to MHD within a loop turn and a flood only ever evicts itself;
 *  - slowloris connections never reach MHD, whose connection slots hold only clients
 *    that sent a whole request;
 *  - request line and headers over REQUEST_LIMIT get 414/431 from here, whatever their
 *    size (MHD 0.9.75 sends nothing at all for a request that fills its memory pool
 *    but leaves no room for the reply: ~16.1-16.3 kB with a 16 KiB pool).
 * Follow-up requests on a kept-alive connection are read by MHD: the handler answers
 * 414/431 above REQUEST_LIMIT, MHD itself beyond its MEMORY_LIMIT pool.
 */
#include "cmd/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_Result_t;
#else
typedef enum MHD_Result MHD_Result_t;
#endif

/* Request line + headers, answered 414/431 beyond (a Prometheus scrape is ~300 B). */
#define REQUEST_LIMIT (8 * 1024)
/* MHD's per-connection memory pool: a follow-up request up to REQUEST_LIMIT and its
 * response header fit with room to spare. Pages are touched only as used. */
#define MEMORY_LIMIT (32 * 1024)
/* Kept-alive connections waiting for their next request, beyond half of max_conns:
 * the oldest idle for at least this long are closed (a client reconnects). */
#define EVICT_MIN_AGE 0.25
/* The kernel caps it at net.core.somaxconn (4096 on current kernels). */
#define LISTEN_BACKLOG 4096
/* Connections accepted per loop turn, between which MHD serves the ones it has. */
#define ACCEPT_BATCH 256
/* MHD's limit is max_conns plus this: connections already cut (shutdown) count in MHD
 * until its next run closes them, and a handover must not find MHD full. */
#define MHD_SLACK 64
/* epoll tags; a waiting connection's tag is TAG_WAIT + its slot */
#define TAG_LISTEN 1
#define TAG_MHD 2
#define TAG_WAIT 16

struct conn {
	int fd;			/* -1: slot free */
	double deadline;	/* monotonic seconds */
	double since;		/* when it started waiting for request headers */
	bool pending;		/* waiting for request headers */
	bool cut;		/* shutdown() already done */
};

/* A connection in the front door: accepted, its request not complete yet. */
struct waiting {
	int fd;			/* -1: slot free */
	double since, deadline;	/* monotonic seconds */
	unsigned char key[16];	/* client address (IPv4 as ::ffff:a.b.c.d) */
	struct sockaddr_storage addr;
	socklen_t alen;
	bool closing;		/* refused: the rest of its request is read and dropped */
};

struct server {
	const struct http_opts *o;
	struct MHD_Daemon *d;
	int ep;				/* our epoll: listen fd, MHD's epoll fd, waiting fds */
	struct waiting *wait;
	unsigned nwait;
	struct conn *conns;
	unsigned nconns;
	struct MHD_Response *metrics;	/* the cached exposition, refcounted by MHD */
	struct MHD_Response *not_found, *not_allowed, *uri_too_long, *too_large, *has_body;
	double built_at;		/* monotonic; < 0 never */
};

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct conn *conn_of_fd(struct server *s, int fd)
{
	for (unsigned i = 0; i < s->nconns; i++)
		if (s->conns[i].fd == fd)
			return &s->conns[i];
	return NULL;
}

static int fd_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci ? ci->connect_fd : -1;
}

static void notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	struct server *s = cls;
	int fd = fd_of(c);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *slot = conn_of_fd(s, -1);
		if (slot) {
			slot->fd = fd;
			slot->since = now_mono();
			slot->deadline = slot->since + s->o->header_timeout;
			slot->pending = true;
			slot->cut = false;
		}
	} else {
		struct conn *slot = conn_of_fd(s, fd);
		if (slot)
			slot->fd = -1;
	}
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct conn *slot = conn_of_fd(s, fd_of(c));
	/* Keep-alive: the next request's headers get a fresh deadline. */
	if (slot) {
		slot->since = now_mono();
		slot->deadline = slot->since + s->o->header_timeout;
		slot->pending = true;
	}
}

static void refresh(struct server *s)
{
	double t = now_mono();
	if (s->metrics && t - s->built_at < s->o->min_interval)
		return;
	struct buf b = { 0 };
	s->o->render(s->o->ctx, &b);
	if (!b.len) {
		buf_free(&b);
		return;	/* keep serving the previous exposition */
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
	buf_free(&b);
	if (!r)
		return;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
	if (s->metrics)
		MHD_destroy_response(s->metrics);	/* queued copies keep their reference */
	s->metrics = r;
	s->built_at = t;
}

static MHD_Result_t count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	*(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;	/* ": " and CRLF */
	return MHD_YES;
}

/* The request's state, kept in MHD's per-request pointer: the length of the URI as
 * sent (query string included: the handler's url has it cut) times two, plus 1 once
 * the handler has been called. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	return (void *)(((uintptr_t)strlen(uri) + 1) << 1);
}

static MHD_Result_t handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			    const char *version, const char *upload_data, size_t *upload_data_size,
			    void **req_cls)
{
	struct server *s = cls;
	struct conn *slot = conn_of_fd(s, fd_of(c));
	if (slot) {	/* headers are in; the response must be gone within the timeout too */
		slot->deadline = now_mono() + s->o->header_timeout;
		slot->pending = false;
	}
	/* Refusals go on the first call (the one with the headers only), which also ends the
	 * connection: a body (a 10 MB POST) is never read. A follow-up request on a
	 * kept-alive connection (the first one was measured by the front door) gets the
	 * same size limit. */
	uintptr_t st = (uintptr_t)*req_cls;
	size_t line = (size_t)(st >> 1) + strlen(method) + 12;	/* " HTTP/1.1\r\n" */
	size_t hdrs = 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &hdrs);
	if (line > REQUEST_LIMIT)
		return MHD_queue_response(c, MHD_HTTP_URI_TOO_LONG, s->uri_too_long);
	if (line + hdrs > REQUEST_LIMIT)
		return MHD_queue_response(c, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, s->too_large);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, s->not_allowed);
	/* A GET with a body would hold the connection while the body trickles in. */
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if ((cl && strcmp(cl, "0")) ||
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return MHD_queue_response(c, MHD_HTTP_BAD_REQUEST, s->has_body);
	/* MHD 0.9.75 closes the connection after a response queued on the first call:
	 * GET and HEAD are answered on the second one, which keeps it alive. */
	if (!(st & 1)) {
		*req_cls = (void *)(st | 1);
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return MHD_queue_response(c, MHD_HTTP_NOT_FOUND, s->not_found);
	refresh(s);
	if (!s->metrics)
		return MHD_NO;	/* nothing to serve yet: MHD closes the connection */
	return MHD_queue_response(c, MHD_HTTP_OK, s->metrics);
}

/* MHD's own messages go nowhere: only cmd/ prints, and a bad request is the
 * client's problem, not something to log per connection. */
static void quiet_logger(void *cls, const char *fmt, va_list ap)
{
}

/* The only valid path is the literal "/metrics": keep URLs as sent, so that
 * "/metrics%00" or "/%6detrics" are not aliases of it (404). */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

/* allow: an Allow header; close: "Connection: close" (MHD then closes after it). */
static struct MHD_Response *static_response(const char *text, const char *allow, bool close)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (r) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
		if (allow)
			MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
		if (close)
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	}
	return r;
}

/*
 * Two limits on the connections MHD holds, checked after every MHD_run():
 *  - an absolute deadline per connection (the next request's headers within the
 *    timeout of the previous response; the response within the timeout of the
 *    headers), which idle timeouts alone do not give against a client trickling one
 *    byte a second on a kept-alive connection;
 *  - at most half of max_conns kept-alive connections may be idle waiting for their
 *    next request: beyond that the oldest idle for more than EVICT_MIN_AGE are cut.
 */
static unsigned cut_overdue(struct server *s)
{
	unsigned ncut = 0;
	double t = now_mono();
	unsigned waiting = 0, cap = s->o->max_conns / 2 ? s->o->max_conns / 2 : 1;
	for (unsigned i = 0; i < s->nconns; i++) {
		struct conn *k = &s->conns[i];
		if (k->fd < 0 || k->cut)
			continue;
		if (t > k->deadline) {
			/* MHD sees EOF on its next run and closes the connection itself. */
			shutdown(k->fd, SHUT_RDWR);
			k->cut = true;
			ncut++;
		} else {
			waiting += k->pending;
		}
	}
	while (waiting > cap) {
		struct conn *old = NULL;
		for (unsigned i = 0; i < s->nconns; i++) {
			struct conn *k = &s->conns[i];
			if (k->fd >= 0 && !k->cut && k->pending && t - k->since >= EVICT_MIN_AGE &&
			    (!old || k->since < old->since))
				old = k;
		}
		if (!old)
			break;
		shutdown(old->fd, SHUT_RDWR);
		old->cut = true;
		waiting--;
		ncut++;
	}
	return ncut;
}

/* ---- the front door: connections whose request is not complete yet ---------------- */

static void addr_key(const struct sockaddr_storage *ss, unsigned char key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	} else if (ss->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	}
}

static void wait_drop(struct server *s, struct waiting *w)
{
	epoll_ctl(s->ep, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	w->fd = -1;
}

/* A refused connection's input is read and dropped until the client closes or
 * LINGER seconds pass: closing with unread data would reset the connection, and a
 * client still sending its 1 MB header would lose the 431 before reading it. */
#define LINGER 2.0
static void wait_drain(struct server *s, struct waiting *w)
{
	static char sink[16384];
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(w->fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		break;	/* EOF or an error: done */
	}
	wait_drop(s, w);
}

/* 414 or 431 straight on the socket (MHD never saw it); then it lingers (above). */
static void wait_refuse(struct server *s, struct waiting *w, bool line)
{
	static const char body[] = "request too large: irqsight accepts 8192 bytes of request line and headers\n";
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 line ? "414 URI Too Long" : "431 Request Header Fields Too Large", sizeof(body) - 1, body);
	if (n > 0 && (size_t)n < sizeof(head))
		send(w->fd, head, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	shutdown(w->fd, SHUT_WR);
	w->closing = true;
	double t = now_mono() + LINGER;
	if (t < w->deadline)
		w->deadline = t;
	wait_drain(s, w);
}

/* Room in MHD for one more: beyond max_conns live connections, the oldest idle
 * kept-alive one is cut, else the oldest of all (clients that hold their slot by not
 * reading pipelined responses, say) — a newcomer with a whole request is never the one
 * refused. */
static void mhd_make_room(struct server *s)
{
	unsigned live = 0;
	struct conn *idle = NULL, *any = NULL;
	for (unsigned i = 0; i < s->nconns; i++) {
		struct conn *k = &s->conns[i];
		if (k->fd < 0 || k->cut)
			continue;
		live++;
		if (k->pending && (!idle || k->since < idle->since))
			idle = k;
		if (!any || k->since < any->since)
			any = k;
	}
	struct conn *victim = idle ? idle : any;
	if (live >= s->o->max_conns && victim) {
		shutdown(victim->fd, SHUT_RDWR);
		victim->cut = true;
	}
}

/* The request line and headers complete (the empty line that ends them is in the
 * receive buffer)? Then MHD gets the connection; too long without it, 414/431; the
 * client gone (or hup: it will send no more), closed; else it goes on waiting. */
static void wait_check(struct server *s, struct waiting *w, bool hup)
{
	if (w->closing) {
		wait_drain(s, w);
		return;
	}
	static char buf[REQUEST_LIMIT + 1];
	ssize_t n = recv(w->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		wait_drop(s, w);
		return;
	}
	if (memmem(buf, (size_t)n, "\n\r\n", 3) || memmem(buf, (size_t)n, "\n\n", 2)) {
		epoll_ctl(s->ep, EPOLL_CTL_DEL, w->fd, NULL);
		mhd_make_room(s);
		/* MHD owns (and on failure closes) the socket from here */
		MHD_add_connection(s->d, w->fd, (const struct sockaddr *)&w->addr, w->alen);
		w->fd = -1;
		return;
	}
	if ((size_t)n > REQUEST_LIMIT)
		wait_refuse(s, w, !memchr(buf, '\n', (size_t)n));
	else if (hup)
		wait_drop(s, w);
}

/* A new connection is always taken; if that puts its address over max_per_client
 * waiting, or the front door over max_conns, the oldest waiting connection (of that
 * address, else of all) is closed. */
static void wait_admit(struct server *s, int fd, const struct sockaddr_storage *ss, socklen_t alen)
{
	unsigned char key[16];
	addr_key(ss, key);
	struct waiting *freeslot = NULL, *oldest = NULL, *oldest_same = NULL;
	unsigned same = 0;
	for (unsigned i = 0; i < s->nwait; i++) {
		struct waiting *w = &s->wait[i];
		if (w->fd < 0) {
			if (!freeslot)
				freeslot = w;
			continue;
		}
		if (!oldest || w->since < oldest->since)
			oldest = w;
		if (!memcmp(w->key, key, 16)) {
			same++;
			if (!oldest_same || w->since < oldest_same->since)
				oldest_same = w;
		}
	}
	if (same >= s->o->max_per_client && oldest_same) {
		freeslot = oldest_same;
		wait_drop(s, oldest_same);
	} else if (!freeslot) {
		freeslot = oldest;
		wait_drop(s, oldest);
	}
	struct waiting *w = freeslot;
	w->fd = fd;
	w->since = now_mono();
	w->deadline = w->since + s->o->header_timeout;
	memcpy(w->key, key, 16);
	w->addr = *ss;
	w->alen = alen;
	w->closing = false;
	/* edge-triggered: a peek consumes nothing, so only new data should wake us */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET,
				  .data.u64 = TAG_WAIT + (uint64_t)(w - s->wait) };
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		w->fd = -1;
		return;
	}
	wait_check(s, w, false);	/* a scraper's request is usually there already */
}

static void accept_some(struct server *s, int lfd)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t alen = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;	/* EAGAIN, or out of fds (EMFILE): the deadlines free some */
		wait_admit(s, fd, &ss, alen);
	}
}

/* Request not complete within the timeout of connecting: closed (absolute, however
 * slowly the bytes come). The earliest remaining deadline goes to *next. */
static void wait_expire(struct server *s, double *next)
{
	double t = now_mono();
	for (unsigned i = 0; i < s->nwait; i++) {
		struct waiting *w = &s->wait[i];
		if (w->fd < 0)
			continue;
		if (t >= w->deadline)
			wait_drop(s, w);
		else if (w->deadline < *next)
			*next = w->deadline;
	}
}

static int listen_on(const struct http_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	if (inet_pton(AF_INET, o->addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, o->addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->port);
		len = sizeof(*sin6);
	} else {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", o->addr);
		return -EINVAL;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, LISTEN_BACKLOG)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot listen on %s:%u: %s", o->addr, (unsigned)o->port, strerror(e));
		return -e;
	}
	return fd;
}

/*
 * TCP_DEFER_ACCEPT: the kernel hands a connection to accept() only once its first
 * data is in (or after the timeout), so a scraper's connection arrives with its
 * request already readable and goes to MHD at once, before any eviction can pick it
 * — even when a flood comes from the scraper's own address. Connections that never
 * send stay in the kernel's SYN queue (syncookies beyond it), not in our tables.
 * Best effort: without it the front door works the same, with less margin.
 */
static void defer_accept(int fd, unsigned secs)
{
	int v = (int)secs;
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v, sizeof(v));
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

static void server_free(struct server *s, int lfd)
{
	if (s->d)
		MHD_stop_daemon(s->d);
	for (unsigned i = 0; s->wait && i < s->nwait; i++)
		if (s->wait[i].fd >= 0)
			close(s->wait[i].fd);
	if (s->ep >= 0)
		close(s->ep);
	if (lfd >= 0)
		close(lfd);
	if (s->metrics)
		MHD_destroy_response(s->metrics);
	MHD_destroy_response(s->not_found);
	MHD_destroy_response(s->not_allowed);
	MHD_destroy_response(s->uri_too_long);
	MHD_destroy_response(s->too_large);
	MHD_destroy_response(s->has_body);
	free(s->wait);
	free(s->conns);
}

static int http_serve(const struct http_opts *o, char *err, size_t errlen)
{
	struct server s = { .o = o, .built_at = -1, .ep = -1 };
	int lfd = listen_on(o, err, errlen);
	if (lfd < 0)
		return lfd;
	defer_accept(lfd, o->header_timeout);
	s.nconns = o->max_conns + MHD_SLACK;
	s.conns = calloc(s.nconns, sizeof(*s.conns));
	s.nwait = o->max_conns;
	s.wait = calloc(s.nwait, sizeof(*s.wait));
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	s.not_found = static_response("not found: irqsight serves /metrics only\n", NULL, false);
	s.not_allowed = static_response("method not allowed: use GET\n", "GET, HEAD", false);
	s.uri_too_long = static_response("request line too long (8192 bytes at most)\n", NULL, true);
	s.too_large = static_response("request headers too large (8192 bytes at most)\n", NULL, true);
	s.has_body = static_response("bad request: a GET or HEAD takes no body\n", NULL, true);
	if (!s.conns || !s.wait || s.ep < 0) {
		snprintf(err, errlen, "out of memory");
		server_free(&s, lfd);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < s.nconns; i++)
		s.conns[i].fd = -1;
	for (unsigned i = 0; i < s.nwait; i++)
		s.wait[i].fd = -1;

	s.d = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, &handler, &s,
		MHD_OPTION_EXTERNAL_LOGGER, &quiet_logger, NULL,
		MHD_OPTION_CONNECTION_LIMIT, s.nconns,
		MHD_OPTION_CONNECTION_TIMEOUT, o->header_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
		MHD_OPTION_NOTIFY_CONNECTION, &notify_conn, &s,
		MHD_OPTION_NOTIFY_COMPLETED, &completed, &s,
		MHD_OPTION_UNESCAPE_CALLBACK, &no_unescape, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, &uri_seen, NULL,
		MHD_OPTION_END);
	const union MHD_DaemonInfo *ei = s.d ? MHD_get_daemon_info(s.d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	struct epoll_event lev = { .events = EPOLLIN, .data.u64 = TAG_LISTEN };
	struct epoll_event mev = { .events = EPOLLIN, .data.u64 = TAG_MHD };
	if (!ei || epoll_ctl(s.ep, EPOLL_CTL_ADD, lfd, &lev) || epoll_ctl(s.ep, EPOLL_CTL_ADD, ei->epoll_fd, &mev)) {
		int e = errno ? errno : ENOMEM;
		snprintf(err, errlen, "cannot start the HTTP server: %s", strerror(e));
		server_free(&s, lfd);
		return -e;
	}
	if (o->on_ready)
		o->on_ready(o->ctx, bound_port(lfd));
	/* Build once up front so the first scrape is quick and a broken root shows at once. */
	refresh(&s);
	unsigned ncut = 0;
	while (!*o->stop) {
		double next = now_mono() + 0.5;	/* also the granularity of the MHD deadlines */
		wait_expire(&s, &next);
		int ms = (int)ceil((next - now_mono()) * 1000);
		MHD_UNSIGNED_LONG_LONG to;
		if (MHD_get_timeout(s.d, &to) == MHD_YES && to < (MHD_UNSIGNED_LONG_LONG)ms)
			ms = (int)to;
		if (ncut || ms < 0)
			ms = 0;	/* let MHD close the cut connections now */
		struct epoll_event evs[64];
		int n = epoll_wait(s.ep, evs, 64, ms);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag == TAG_LISTEN)
				accept_some(&s, lfd);
			else if (tag >= TAG_WAIT && tag - TAG_WAIT < s.nwait && s.wait[tag - TAG_WAIT].fd >= 0)
				wait_check(&s, &s.wait[tag - TAG_WAIT],
					   evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
		}
		MHD_run(s.d);
		ncut = cut_overdue(&s);
	}
	server_free(&s, lfd);
	return 0;
}

/* Registered before main: cmd/serve.c names nothing here, so the static build, which
 * leaves this file out, links without it. */
__attribute__((constructor)) static void http_serve_register_self(void)
{
	http_serve_register(http_serve);
}
