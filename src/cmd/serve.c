/* irqsight serve: the export metrics over HTTP for Prometheus to scrape (opt/serve.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/serve.h"
#include "render/prom.h"
#include "util/buf.h"

/* Registered by src/opt/libmicrohttpd/serve.c when it is linked (normal build with
 * libmicrohttpd); the libc-only static build leaves it out and this stays NULL. */
static http_serve_fn http_serve;

void http_serve_register(http_serve_fn serve)
{
	http_serve = serve;
}

#define DEFAULT_LISTEN "127.0.0.1:9723"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

struct serve_ctx {
	const struct global_opts *g;
	struct metrics_opts mo;
	unsigned long long errors;
};

static int render(void *ctx, struct buf *out)
{
	struct serve_ctx *s = ctx;
	char msg[512] = "";
	s->mo.errors = s->errors;
	int rc = metrics_collect(s->g, &s->mo, out, msg, sizeof(msg));
	if (rc) {
		s->errors++;
		warn("serve: %s", msg);
	}
	return rc;
}

static void on_ready(void *ctx, uint16_t port)
{
	struct serve_ctx *s = ctx;
	fprintf(stderr, "irqsight: serving metrics of %s on port %u at /metrics\n",
		s->g->root_given ? s->g->root : "this host", (unsigned)port);
	fflush(stderr);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] serve [OPTIONS]\n\n"
		   "Serve the export metrics (docs/metrics.md) over HTTP at /metrics.\n\n"
		   "  -l, --listen ADDR:PORT   address to bind (default " DEFAULT_LISTEN "; [::1]:PORT for IPv6)\n"
		   "  -m, --min-interval S     rebuild the metrics at most every S seconds (default 5, 1..3600)\n"
		   "  -b, --baseline FILE      also compare with a baseline (drift metrics)\n"
		   "  -n, --top-irqs N         per-IRQ series for the N busiest device IRQs (default %d)\n"
		   "  -c, --max-connections N  connections (default 256, 1..4096) waiting for their\n"
		   "                           request, and as many being served or kept alive\n"
		   "  -p, --max-per-client N   connections from one address waiting for their request\n"
		   "                           (default 16, 1..4096); beyond, its oldest is closed\n"
		   "  -t, --timeout S          a request must arrive, and its response leave, within S\n"
		   "                           seconds (default 5, 1..60); also the keep-alive idle time\n"
		   "  -h, --help               this help\n",
		   PROM_TOP_IRQS_DEFAULT);
}

/* "ADDR:PORT" or "[V6ADDR]:PORT" into addr (NUL-terminated) and port. */
static int split_listen(const char *s, char *addr, size_t n, uint16_t *port)
{
	const char *colon;
	const char *a = s;
	size_t alen;
	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return -EINVAL;
		a = s + 1;
		alen = (size_t)(rb - a);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		alen = (size_t)(colon - s);
	}
	if (!alen || alen >= n)
		return -EINVAL;
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

static bool is_loopback(const char *addr)
{
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, addr, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &v6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&v6);
	return false;
}

int cmd_serve(int argc, char **argv, const struct global_opts *g)
{
	struct serve_ctx ctx = { .g = g, .mo = { .top_irqs = PROM_TOP_IRQS_DEFAULT } };
	const char *listen = DEFAULT_LISTEN;
	double min_interval = 5;
	long max_conns = 256, max_per_client = 16, timeout = 5;
	static const struct option opts[] = {
		{ "listen", required_argument, 0, 'l' },
		{ "min-interval", required_argument, 0, 'm' },
		{ "baseline", required_argument, 0, 'b' },
		{ "top-irqs", required_argument, 0, 'n' },
		{ "max-connections", required_argument, 0, 'c' },
		{ "max-per-client", required_argument, 0, 'p' },
		{ "timeout", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "l:m:b:n:c:p:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'm':
			min_interval = strtod(optarg, &end);
			if (*end || !(min_interval >= 1 && min_interval <= 3600))
				return err("serve: --min-interval takes seconds in 1..3600, not '%s'", optarg);
			break;
		case 'b':
			ctx.mo.baseline = optarg;
			break;
		case 'n':
			ctx.mo.top_irqs = (int)strtol(optarg, &end, 10);
			if (*end || !*optarg || ctx.mo.top_irqs < 0 || ctx.mo.top_irqs > PROM_TOP_IRQS_MAX)
				return err("serve: --top-irqs takes 0..%d, not '%s'", PROM_TOP_IRQS_MAX, optarg);
			break;
		case 'c':
			max_conns = strtol(optarg, &end, 10);
			if (*end || !*optarg || max_conns < 1 || max_conns > 4096)
				return err("serve: --max-connections takes 1..4096, not '%s'", optarg);
			break;
		case 'p':
			max_per_client = strtol(optarg, &end, 10);
			if (*end || !*optarg || max_per_client < 1 || max_per_client > 4096)
				return err("serve: --max-per-client takes 1..4096, not '%s'", optarg);
			break;
		case 't':
			timeout = strtol(optarg, &end, 10);
			if (*end || !*optarg || timeout < 1 || timeout > 60)
				return err("serve: --timeout takes seconds in 1..60, not '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return err("serve: unexpected argument '%s'", argv[optind]);
	}
	if (!http_serve)
		return err("serve is not available in this build (built without libmicrohttpd, e.g. the "
			   "static binary); use `irqsight export FILE.prom` with node_exporter's textfile collector");
	char addr[128];
	uint16_t port;
	if (split_listen(listen, addr, sizeof(addr), &port))
		return err("serve: --listen takes ADDR:PORT or [V6ADDR]:PORT, not '%s'", listen);
	if (!is_loopback(addr))
		warn("serve: listening on %s, not loopback: the metrics describe this host's hardware; "
		     "restrict access with a firewall", addr);

	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: poll() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct http_opts ho = {
		.addr = addr,
		.port = port,
		.min_interval = min_interval,
		.max_conns = (unsigned)max_conns,
		.max_per_client = (unsigned)max_per_client,
		.header_timeout = (unsigned)timeout,
		.stop = &stop,
		.render = render,
		.on_ready = on_ready,
		.ctx = &ctx,
	};
	char msg[256] = "";
	int rc = http_serve(&ho, msg, sizeof(msg));
	if (rc)
		return err("serve: %s", msg);
	return EXIT_OK;
}
