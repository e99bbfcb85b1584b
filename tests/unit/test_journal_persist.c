/* persist: unit file, irqbalance environment file edit (parsed back), install and exact remove. */
#include "t.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/persist.h"
#include "parse/envfile.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

TEST(persist_irqbalance_edit_parses_back)
{
	struct arena a = { 0 };
	struct buf out = { 0 };
	const char *old = "# Debian default\n#IRQBALANCE_ONESHOT=\nIRQBALANCE_ARGS=\"--policyscript=/x -t 10\"\n"
			  "export IRQBALANCE_BANNED_CPULIST=0\nIRQBALANCE_BANNED_CPUS=f0\nIRQBALANCE_BANNED_CPULIST=9\n";
	persist_irqbalance_edit(old, strlen(old), "2-3,6-7", &out);
	struct envfile e;
	CHECK_INT(parse_envfile(out.data, out.len, &a, &e), 0);
	CHECK_STR(envfile_get(&e, "IRQBALANCE_BANNED_CPULIST"), "2-3,6-7");
	CHECK(envfile_get(&e, "IRQBALANCE_BANNED_CPUS") == NULL);	/* it would win: commented out */
	CHECK_STR(envfile_get(&e, "IRQBALANCE_ARGS"), "--policyscript=/x -t 10");
	CHECK_INT(e.nbad, 0);
	CHECK(strstr(out.data, "# Debian default\n#IRQBALANCE_ONESHOT=\n") == out.data);
	/* An empty (absent) file gets the variable appended. */
	buf_reset(&out);
	persist_irqbalance_edit(NULL, 0, "1", &out);
	CHECK_INT(parse_envfile(out.data, out.len, &a, &e), 0);
	CHECK_STR(envfile_get(&e, "IRQBALANCE_BANNED_CPULIST"), "1");
	buf_free(&out);
	arena_free(&a);
}

TEST(persist_unit_text)
{
	struct buf b = { 0 };
	persist_unit_text("/usr/sbin/irqsight", &b);
	CHECK(strstr(b.data, "\nType=oneshot\n") != NULL);
	CHECK(strstr(b.data, "\nExecStart=/usr/sbin/irqsight apply --yes --boot /etc/irqsight/plan\n") != NULL);
	CHECK(strstr(b.data, "After=") && strstr(strstr(b.data, "After="), "irqbalance.service"));
	CHECK(strstr(b.data, "systemd-udev-settle.service") != NULL);
	CHECK(strstr(b.data, "\nWantedBy=multi-user.target\n") != NULL);
	buf_free(&b);
}

/* The binary path goes into a unit that runs as root at every boot: a newline in it once
 * added an ExecStartPre= of its own; '%' was a systemd specifier, a blank split the path. */
TEST(persist_unit_binary_hostile)
{
	struct buf b = { 0 };
	CHECK_INT(persist_unit_text("/usr/bin/x\nExecStartPre=/bin/sh -c id", &b), -EINVAL);
	CHECK(!b.len);
	CHECK_INT(persist_unit_text("/usr/bin/x\rExecStartPre=/bin/sh", &b), -EINVAL);
	CHECK_INT(persist_unit_text("/opt/a\"b", &b), -EINVAL);
	CHECK_INT(persist_unit_text("/opt/$HOME/irqsight", &b), -EINVAL);
	CHECK_INT(persist_unit_text("/opt/a\\b", &b), -EINVAL);
	CHECK_INT(persist_unit_text("irqsight", &b), -EINVAL);
	CHECK_INT(persist_unit_text("/opt/my tools/irq%isight", &b), 0);
	CHECK(strstr(b.data, "\nExecStart=\"/opt/my tools/irq%%isight\" apply --yes --boot /etc/irqsight/plan\n") != NULL);
	buf_reset(&b);
	CHECK_INT(persist_unit_text("/opt/irq%h", &b), 0);
	CHECK(strstr(b.data, "\nExecStart=/opt/irq%%h apply --yes") != NULL);
	buf_free(&b);
}

static const char *slurp(struct arena *a, const char *path)
{
	struct buf b = { 0 };
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	const char *r = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

TEST(persist_install_and_remove_exactly)
{
	struct arena a = { 0 };
	char dest[] = "/tmp/irqsight-persist-XXXXXX";
	CHECK(mkdtemp(dest) != NULL);
	char *cfg = arena_printf(&a, "%s/etc/default/irqbalance", dest);
	char *cmd = arena_printf(&a, "mkdir -p %s/etc/default", dest);
	CHECK_INT(system(cmd), 0);
	const char *orig = "ENABLED=1\nIRQBALANCE_ARGS=\"\"\n";
	FILE *f = fopen(cfg, "w");
	fputs(orig, f);
	fclose(f);
	char *state = arena_printf(&a, "%s/var/lib/irqsight", dest);
	struct cpuset banned;
	cpuset_parse_list(&banned, &a, "1", 1);
	const char *plan = "irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\n";
	struct persist_opts o = { dest, state, "/usr/local/sbin/irqsight", plan, strlen(plan), &banned, false, false };
	struct persist_result r;
	const char *why = NULL;
	for (int round = 0; round < 2; round++) {	/* installing twice keeps the original backup */
		CHECK_INT(persist_install(&o, &a, &r, &why), 0);
		if (why)
			fprintf(stderr, "%s\n", why);
	}
	CHECK_STR(slurp(&a, r.plan_path), plan);
	CHECK(slurp(&a, r.unit_path) != NULL);
	char link[512];
	ssize_t n = readlink(arena_printf(&a, "%s/etc/systemd/system/multi-user.target.wants/irqsight-apply.service", dest),
			     link, sizeof(link) - 1);
	CHECK(n > 0);
	if (n > 0) {
		link[n] = '\0';
		CHECK_STR(link, "../irqsight-apply.service");
	}
	struct envfile e;
	const char *now = slurp(&a, cfg);
	CHECK_INT(parse_envfile(now, strlen(now), &a, &e), 0);
	CHECK_STR(envfile_get(&e, "IRQBALANCE_BANNED_CPULIST"), "1");
	CHECK_STR(envfile_get(&e, "ENABLED"), "1");

	CHECK_INT(persist_remove(dest, state, &a, &r, &why), 0);
	CHECK_STR(slurp(&a, cfg), orig);
	CHECK(slurp(&a, arena_printf(&a, "%s/etc/systemd/system/irqsight-apply.service", dest)) == NULL);
	CHECK(slurp(&a, arena_printf(&a, "%s/etc/irqsight/plan", dest)) == NULL);
	CHECK_INT(persist_remove(dest, state, &a, &r, &why), -ENOENT);

	/* No irqbalance file before: it is created, and removed again. */
	unlink(cfg);
	CHECK_INT(persist_install(&o, &a, &r, &why), 0);
	CHECK(slurp(&a, cfg) != NULL);
	CHECK_INT(persist_remove(dest, state, &a, &r, &why), 0);
	CHECK(slurp(&a, cfg) == NULL);
	CHECK_INT(system(arena_printf(&a, "rm -rf '%s'", dest)), 0);
	arena_free(&a);
}
