/*
 * Kernel events for `irqsight keep`, from raw netlink sockets (libc only): uevents
 * (NETLINK_KOBJECT_UEVENT, the kernel's multicast group 1 — what udev reads) and
 * rtnetlink link changes (RTM_NEWLINK/RTM_DELLINK on RTNLGRP_LINK). Both sockets are
 * non-blocking; nl_read() drains one and reports what it saw. These are the host's
 * events whatever --root says: a copy tree has none of its own.
 */
#ifndef IRQSIGHT_SOURCE_NETLINK_H
#define IRQSIGHT_SOURCE_NETLINK_H

#include <stdbool.h>

enum nl_kind {
	NL_NONE = 0,
	NL_LINK_UP,	/* a link became IFF_UP (administratively up: the driver's open ran) */
	NL_LINK_DOWN,	/* it stopped being IFF_UP */
	NL_LINK_OTHER,	/* another RTM_NEWLINK/RTM_DELLINK (a new or renamed interface) */
	NL_DRIVER,	/* uevent bind/unbind, or add/remove of a net, pci or msi device */
};

struct nl_event {
	enum nl_kind kind;
	char what[128];	/* "eth0", "bind 0000:00:03.0 virtio-pci", "add net eth1" */
};

struct nl_sockets {
	int uevent, route;	/* -1 when that socket could not be opened */
	/* Interface flags as last seen, by ifindex, to tell transitions from repeats. */
	unsigned flags[256];
	bool known[256];
};

/* Open both; 0 when at least one is open, else -errno. */
int nl_open(struct nl_sockets *s);
void nl_close(struct nl_sockets *s);
/*
 * Drain the socket fd (one of s's) without blocking; the most telling event is kept in
 * *ev (link up > driver > link down > other); returns how many relevant messages were
 * read, 0 when none, -errno on a socket error (ENOBUFS: events were lost, re-check).
 */
int nl_read(struct nl_sockets *s, int fd, struct nl_event *ev);
/* Pure: one uevent message (NUL-separated "ACTION=...", "SUBSYSTEM=..." lines). */
bool nl_parse_uevent(const char *buf, int len, struct nl_event *ev);

#endif
