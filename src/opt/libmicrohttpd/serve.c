/*
 * The metrics endpoint on libmicrohttpd, driven by our own loop (MHD "external
 * select" mode with epoll): one thread does everything, so the connection table used
 * for absolute deadlines is only touched between MHD_run() calls and in MHD's
 * callbacks, which MHD_run() makes from this same thread — no locking, and a file
 * descriptor in the table is always still owned by a live MHD connection (MHD calls
 * the CLOSED notification before it closes the socket).
 */
#include "opt/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_Result_t;
#else
typedef enum MHD_Result MHD_Result_t;
#endif

#define MEMORY_LIMIT (16 * 1024)
/* A scraper sends its request right after connecting; one still waiting for its
 * headers after this long is a candidate for eviction (never a fresh connection). */
#define EVICT_MIN_AGE 0.25

struct conn {
	int fd;			/* -1: slot free */
	double deadline;	/* monotonic seconds */
	double since;		/* when it started waiting for request headers */
	bool pending;		/* waiting for request headers */
	bool cut;		/* shutdown() already done */
};

struct server {
	const struct http_opts *o;
	struct conn *conns;
	unsigned nconns;
	struct MHD_Response *metrics;	/* the cached exposition, refcounted by MHD */
	struct MHD_Response *not_found, *not_allowed;
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
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, s->not_allowed);
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

static struct MHD_Response *static_response(const char *text, const char *allow)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (r) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
		if (allow)
			MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	}
	return r;
}

/*
 * Two limits, checked after every MHD_run():
 *  - an absolute deadline per connection (headers within the timeout of connecting
 *    or of the previous response; the response within the timeout of the headers),
 *    which idle timeouts alone do not give against a client trickling one byte a second;
 *  - at most half of max_conns connections may be waiting for their headers: beyond
 *    that the oldest ones waiting for more than EVICT_MIN_AGE are cut. A real scraper
 *    sends its request at once, so a slowloris flood only ever evicts itself and slots
 *    stay free for scrapes.
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

int http_serve(const struct http_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	unsigned flags = MHD_USE_EPOLL;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, o->addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->port);
	} else if (inet_pton(AF_INET6, o->addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", o->addr);
		return -EINVAL;
	}

	struct server s = { .o = o, .built_at = -1 };
	s.nconns = o->max_conns + 8;	/* MHD may accept a few more before refusing */
	s.conns = calloc(s.nconns, sizeof(*s.conns));
	if (!s.conns) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < s.nconns; i++)
		s.conns[i].fd = -1;
	s.not_found = static_response("not found: irqsight serves /metrics only\n", NULL);
	s.not_allowed = static_response("method not allowed: use GET\n", "GET, HEAD");

	struct MHD_Daemon *d = MHD_start_daemon(
		flags, o->port, NULL, NULL, &handler, &s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, o->max_conns,
		MHD_OPTION_CONNECTION_TIMEOUT, o->header_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 128u,
		MHD_OPTION_NOTIFY_CONNECTION, &notify_conn, &s,
		MHD_OPTION_NOTIFY_COMPLETED, &completed, &s,
		MHD_OPTION_EXTERNAL_LOGGER, &quiet_logger, NULL,
		MHD_OPTION_UNESCAPE_CALLBACK, &no_unescape, NULL,
		MHD_OPTION_END);
	if (!d) {
		int e = errno ? errno : EADDRINUSE;
		snprintf(err, errlen, "cannot listen on %s:%u: %s", o->addr, (unsigned)o->port, strerror(e));
		MHD_destroy_response(s.not_found);
		MHD_destroy_response(s.not_allowed);
		free(s.conns);
		return -e;
	}
	const union MHD_DaemonInfo *bi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	const union MHD_DaemonInfo *ei = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
	if (o->on_ready)
		o->on_ready(o->ctx, bi ? bi->port : o->port);
	/* Build once up front so the first scrape is quick and a broken root shows at once. */
	refresh(&s);
	unsigned ncut = 0;
	while (!*o->stop) {
		MHD_UNSIGNED_LONG_LONG to;
		int ms = 500;	/* also the granularity of the deadline check */
		if (MHD_get_timeout(d, &to) == MHD_YES && to < (MHD_UNSIGNED_LONG_LONG)ms)
			ms = (int)to;
		if (ncut)
			ms = 0;	/* let MHD close the cut connections and accept waiting ones now */
		struct pollfd p = { .fd = ei ? ei->epoll_fd : -1, .events = POLLIN };
		if (poll(&p, 1, ms) < 0 && errno != EINTR)
			break;
		MHD_run(d);
		ncut = cut_overdue(&s);
	}
	MHD_stop_daemon(d);
	if (s.metrics)
		MHD_destroy_response(s.metrics);
	MHD_destroy_response(s.not_found);
	MHD_destroy_response(s.not_allowed);
	free(s.conns);
	return 0;
}
