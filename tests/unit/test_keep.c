/* keep's pure parts: the uevent parser (source/netlink.h) and keep.state (parse/keepstate.h). */
#include <errno.h>
#include <stdlib.h>

#include "act/persist.h"
#include "parse/keepstate.h"
#include "source/netlink.h"
#include "t.h"
#include "util/arena.h"
#include "util/buf.h"

/* A kernel uevent as the socket delivers it: "ACTION@DEVPATH" then NUL-separated fields. */
static int uevent(char *out, const char *const *f)
{
	int n = 0;
	for (; *f; f++) {
		size_t l = strlen(*f) + 1;
		memcpy(out + n, *f, l);
		n += (int)l;
	}
	return n;
}

TEST(keep_uevent_bind_and_net)
{
	char b[512];
	struct nl_event ev = { 0 };
	const char *bind[] = { "bind@/devices/pci0000:00/0000:00:03.0",
			       "ACTION=bind",
			       "DEVPATH=/devices/pci0000:00/0000:00:03.0",
			       "SUBSYSTEM=pci",
			       "DRIVER=virtio-pci",
			       "SEQNUM=12",
			       NULL };
	CHECK(nl_parse_uevent(b, uevent(b, bind), &ev));
	CHECK(ev.kind == NL_DRIVER);
	CHECK_STR(ev.what, "bind pci 0000:00:03.0 virtio-pci");
	const char *net[] = { "add@/devices/virtual/net/v0",
			      "ACTION=add",
			      "DEVPATH=/devices/virtual/net/v0",
			      "SUBSYSTEM=net",
			      "INTERFACE=v0",
			      "IFINDEX=5",
			      NULL };
	memset(&ev, 0, sizeof(ev));
	CHECK(nl_parse_uevent(b, uevent(b, net), &ev));
	CHECK_STR(ev.what, "add net v0");
}

TEST(keep_uevent_ignored)
{
	char b[512];
	struct nl_event ev = { 0 };
	/* A block device, a net "change", a field list cut before SUBSYSTEM: not keep's. */
	const char *blk[] = { "add@/devices/virtual/block/loop0", "ACTION=add", "SUBSYSTEM=block", NULL };
	CHECK(!nl_parse_uevent(b, uevent(b, blk), &ev));
	const char *chg[] = { "change@/x", "ACTION=change", "SUBSYSTEM=net", NULL };
	CHECK(!nl_parse_uevent(b, uevent(b, chg), &ev));
	const char *cut[] = { "bind@/x", "ACTION=bind", NULL };
	CHECK(!nl_parse_uevent(b, uevent(b, cut), &ev));
	CHECK(!nl_parse_uevent(b, 0, &ev));
	CHECK(ev.kind == NL_NONE);
}

TEST(keep_state_roundtrip)
{
	struct keep_contested c[2] = {
		{ 41, "proc/irq/41/smp_affinity_list", "virtio3-rx", "0000:00:04.0", "irqbalance (pid 733)",
		  "ban it \"now\"", 6, 600 },
		{ -1, "proc/irq/default_smp_affinity", NULL, NULL, NULL, NULL, 7, 120 },
	};
	struct keep_state s = { true, 812, 1765000000, 1765000010, 1765000009, 3, { 1, 2, 3, 4, 5 }, c, 2 };
	struct buf b = { 0 };
	keepstate_format(&s, &b);
	struct arena a = { 0 };
	struct keep_state r;
	const char *why = NULL;
	CHECK(keepstate_parse(b.data, b.len, &a, &r, &why) == 0);
	CHECK(r.present && r.pid == 812 && r.started == 1765000000 && r.last_verify == 1765000009 && r.drifted == 3);
	for (int k = 0; k < KEEP_NREASONS; k++)
		CHECK(r.corrections[k] == (unsigned long long)k + 1);
	CHECK(r.ncontested == 2);
	if (r.ncontested == 2) {
		CHECK(r.contested[0].irq == 41 && r.contested[0].rewrites == 6 && r.contested[0].window == 600);
		CHECK_STR(r.contested[0].writer, "irqbalance (pid 733)");
		CHECK_STR(r.contested[0].advice, "ban it \"now\"");
		CHECK(r.contested[1].irq == -1 && r.contested[1].name == NULL);
		CHECK_STR(r.contested[1].writer, "unknown");
	}
	CHECK_STR(keep_reason_name(KEEP_FOREIGN_WRITE), "foreign-write");
	buf_free(&b);
	arena_free(&a);
}

TEST(keep_state_refused)
{
	struct arena a = { 0 };
	struct keep_state r;
	const char *why = NULL;
	CHECK(keepstate_parse("irqsight-plan 1\n", 16, &a, &r, &why) < 0 && why && !r.present);
	CHECK(keepstate_parse("", 0, &a, &r, &why) < 0);
	CHECK(keepstate_parse("irqsight-keep 1\nkeep pid=\"x\n", 27, &a, &r, &why) < 0);
	arena_free(&a);
}

TEST(keep_unit_text)
{
	struct buf b = { 0 };
	CHECK(persist_keep_unit_text("/usr/sbin/irqsight", true, &b) == 0);
	CHECK(strstr(b.data, "\nType=notify\n") && strstr(b.data, "\nWatchdogSec=30\n"));
	CHECK(strstr(b.data, "\nExecStart=/usr/sbin/irqsight keep /etc/irqsight/plan\n"));
	CHECK(strstr(b.data, "\nExecReload=/bin/kill -HUP $MAINPID\n"));
	buf_free(&b);
	/* Without sd_notify: nothing would say READY=1 or feed a watchdog. */
	CHECK(persist_keep_unit_text("/opt/my tools/irq%sight", false, &b) == 0);
	CHECK(strstr(b.data, "\nType=simple\n") && !strstr(b.data, "WatchdogSec") && !strstr(b.data, "NotifyAccess"));
	CHECK(strstr(b.data, "\nExecStart=\"/opt/my tools/irq%%sight\" keep /etc/irqsight/plan\n"));
	buf_free(&b);
	CHECK(persist_keep_unit_text("/usr/bin/x\nExecStartPre=/bin/sh", true, &b) == -EINVAL);
	buf_free(&b);
}
