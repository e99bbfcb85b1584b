#include "source/netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/str.h"

static int open_one(int proto, unsigned groups)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (fd < 0)
		return -errno;
	/* A burst (a driver reload brings dozens of uevents) must not be lost. */
	int sz = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int nl_open(struct nl_sockets *s)
{
	memset(s, 0, sizeof(*s));
	s->uevent = open_one(NETLINK_KOBJECT_UEVENT, 1);
	s->route = open_one(NETLINK_ROUTE, RTMGRP_LINK);
	if (s->uevent < 0 && s->route < 0)
		return s->uevent;
	return 0;
}

void nl_close(struct nl_sockets *s)
{
	if (s->uevent >= 0)
		close(s->uevent);
	if (s->route >= 0)
		close(s->route);
	s->uevent = s->route = -1;
}

static int rank(enum nl_kind k)
{
	static const int r[] = {
		[NL_NONE] = 0, [NL_LINK_OTHER] = 1, [NL_LINK_DOWN] = 2, [NL_DRIVER] = 3, [NL_LINK_UP] = 4
	};
	return r[k];
}

static void keep_best(struct nl_event *ev, const struct nl_event *e)
{
	if (rank(e->kind) > rank(ev->kind))
		*ev = *e;
}

bool nl_parse_uevent(const char *buf, int len, struct nl_event *ev)
{
	const char *action = NULL, *subsys = NULL, *driver = NULL, *devpath = NULL, *ifname = NULL;
	/* The kernel's messages start "ACTION@DEVPATH" then NUL-separated KEY=VALUE; udev's
	 * re-broadcasts (group 2) start "libudev" and are not read here. */
	for (int i = 0; i < len;) {
		const char *p = buf + i;
		size_t n = strnlen(p, (size_t)(len - i));
		if (!strncmp(p, "ACTION=", 7))
			action = p + 7;
		else if (!strncmp(p, "SUBSYSTEM=", 10))
			subsys = p + 10;
		else if (!strncmp(p, "DRIVER=", 7))
			driver = p + 7;
		else if (!strncmp(p, "DEVPATH=", 8))
			devpath = p + 8;
		else if (!strncmp(p, "INTERFACE=", 10))
			ifname = p + 10;
		i += (int)n + 1;
	}
	if (!action || !subsys)
		return false;
	bool bind = !strcmp(action, "bind") || !strcmp(action, "unbind");
	bool addrm = !strcmp(action, "add") || !strcmp(action, "remove") || !strcmp(action, "move");
	bool ours = !strcmp(subsys, "net") || !strcmp(subsys, "pci") || !strcmp(subsys, "msi");
	if (!(bind && !strcmp(subsys, "pci")) && !(addrm && ours))
		return false;
	const char *dev = ifname ? ifname : devpath ? strrchr(devpath, '/') : NULL;
	if (dev && *dev == '/')
		dev++;
	ev->kind = NL_DRIVER;
	snprintf(ev->what, sizeof(ev->what), "%s %s %s%s%s", action, subsys, dev ? dev : "?", driver ? " " : "",
		 driver ? driver : "");
	return true;
}

static void parse_link(struct nl_sockets *s, const struct nlmsghdr *h, struct nl_event *ev)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	char name[IF_NAMESIZE] = "?";
	int alen = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	for (const struct rtattr *at = IFLA_RTA(ifi); RTA_OK(at, alen); at = RTA_NEXT(at, alen))
		if (at->rta_type == IFLA_IFNAME)
			snprintf(name, sizeof(name), "%.*s", (int)RTA_PAYLOAD(at), (const char *)RTA_DATA(at));
	/* "up" is the administrative IFF_UP: drivers request their IRQs in ndo_open, which
	 * runs then; the carrier (IFF_RUNNING) comes later and changes no IRQ */
	unsigned want = IFF_UP, f = ifi->ifi_flags;
	int ix = ifi->ifi_index;
	bool slot = ix >= 0 && ix < 256;
	bool was = slot && s->known[ix] && (s->flags[ix] & want) == want;
	bool is = h->nlmsg_type == RTM_NEWLINK && (f & want) == want;
	struct nl_event e = { NL_LINK_OTHER, "" };
	/* First sight of an interface that is up counts as up: it may be new. */
	if (is && (!was || (slot && !s->known[ix])))
		e.kind = NL_LINK_UP;
	else if (!is && was)
		e.kind = NL_LINK_DOWN;
	snprintf(e.what, sizeof(e.what), "%s %s", name,
		 e.kind == NL_LINK_UP		? "up"
		 : e.kind == NL_LINK_DOWN	? "down"
		 : h->nlmsg_type == RTM_DELLINK ? "removed"
						: "changed");
	if (slot) {
		s->known[ix] = h->nlmsg_type == RTM_NEWLINK;
		s->flags[ix] = f;
	}
	keep_best(ev, &e);
}

int nl_read(struct nl_sockets *s, int fd, struct nl_event *ev)
{
	static char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	int n = 0;
	for (;;) {
		struct sockaddr_nl sa;
		socklen_t sl = sizeof(sa);
		ssize_t len = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&sa, &sl);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return n;
			return -errno;
		}
		/* Only the kernel (port 0) speaks here: anything else could forge events. */
		if (sa.nl_pid != 0)
			continue;
		if (fd == s->uevent) {
			struct nl_event e = { 0 };
			buf[len] = '\0';
			if (nl_parse_uevent(buf, (int)len, &e)) {
				keep_best(ev, &e);
				n++;
			}
			continue;
		}
		/* NLMSG_OK/NLMSG_NEXT by hand: the macros compare the signed length with
		 * nlmsg_len (-Wsign-compare under clang). */
		size_t off = 0;
		while (off + sizeof(struct nlmsghdr) <= (size_t)len) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > (size_t)len - off)
				break;
			off += NLMSG_ALIGN(h->nlmsg_len);
			if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK) {
				parse_link(s, h, ev);
				n++;
			}
		}
	}
}
