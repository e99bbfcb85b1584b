/* persist: unit file, irqbalance environment file edit (parsed back), install and exact remove. */
#include "t.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/ibpolicy.h"
#include "act/persist.h"
#include "parse/envfile.h"
#include "parse/planfile.h"
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

/* IRQBALANCE_ARGS after ibpolicy_args_edit(OLD): its value as systemd reads it, and the
 * policy script it chains (or "-"). */
static const char *args_after(struct arena *a, const char *old, const char **chain, const char **text)
{
	struct buf out = { 0 };
	struct envfile e;
	*chain = "unset";
	CHECK_INT(ibpolicy_args_edit(old, old ? strlen(old) : 0, a, &out, chain), 0);
	*text = arena_strdup(a, out.data ? out.data : "");
	CHECK_INT(parse_envfile(out.data, out.len, a, &e), 0);
	CHECK_INT(e.nbad, 0);
	if (!*chain)
		*chain = "-";
	buf_free(&out);
	return envfile_get(&e, "IRQBALANCE_ARGS");
}

TEST(ibpolicy_args_edit_cases)
{
	struct arena a = { 0 };
	const char *ch, *txt, *ours = "--policyscript=/etc/irqsight/irqbalance-policy";
	/* None: no file, a file without the variable, an empty or commented-out one. */
	CHECK_STR(args_after(&a, NULL, &ch, &txt), ours);
	CHECK_STR(ch, "-");
	CHECK_STR(args_after(&a, "ENABLED=1\n#IRQBALANCE_ARGS=-x\n", &ch, &txt), ours);
	CHECK(strstr(txt, "ENABLED=1\n#IRQBALANCE_ARGS=-x\n") == txt);
	CHECK_STR(args_after(&a, "IRQBALANCE_ARGS=\"\"\n", &ch, &txt), ours);
	/* The operator's other arguments stay, in order; the last assignment is the one edited. */
	CHECK_STR(args_after(&a, "IRQBALANCE_ARGS=-a\nIRQBALANCE_ARGS=\"--hintpolicy=subset -t 10\"\n", &ch, &txt),
		  "--hintpolicy=subset -t 10 --policyscript=/etc/irqsight/irqbalance-policy");
	CHECK(strstr(txt, "IRQBALANCE_ARGS=-a\n") == txt);
	CHECK_STR(ch, "-");
	CHECK_STR(args_after(&a, "export IRQBALANCE_ARGS='--banirq=4  --deepestcache=2' # mine\n", &ch, &txt),
		  "--banirq=4 --deepestcache=2 --policyscript=/etc/irqsight/irqbalance-policy");
	CHECK(strstr(txt, "\nexport IRQBALANCE_ARGS=\"") != NULL);
	/* Characters sh and systemd would expand are escaped, and read back as they were. */
	CHECK_STR(args_after(&a, "IRQBALANCE_ARGS=\"--banmod=a\\$b\\\"c\\\\d`e\"\n", &ch, &txt),
		  "--banmod=a$b\"c\\d`e --policyscript=/etc/irqsight/irqbalance-policy");
	/* An operator's policy script, every spelling: taken out and chained. */
	static const char *const spell[] = {
		"IRQBALANCE_ARGS=\"--policyscript=/usr/local/bin/p -t 10\"\n",
		"IRQBALANCE_ARGS=\"--policyscript /usr/local/bin/p -t 10\"\n",
		"IRQBALANCE_ARGS=\"-l /usr/local/bin/p -t 10\"\n",
		"IRQBALANCE_ARGS=\"-l/usr/local/bin/p -t 10\"\n",
		"IRQBALANCE_ARGS=\"--policy=/usr/local/bin/p -t 10\"\n",
		"IRQBALANCE_ARGS='-l /etc/pol.d -l /usr/local/bin/p -t 10'\n",	/* the last wins, as in getopt */
	};
	for (size_t i = 0; i < sizeof(spell) / sizeof(spell[0]); i++) {
		CHECK_STR(args_after(&a, spell[i], &ch, &txt), "-t 10 --policyscript=/etc/irqsight/irqbalance-policy");
		CHECK_STR(ch, "/usr/local/bin/p");
	}
	/* --po is also --powerthresh: not a policy script; -lX is. */
	CHECK_STR(args_after(&a, "IRQBALANCE_ARGS=\"--powerthresh=2\"\n", &ch, &txt),
		  "--powerthresh=2 --policyscript=/etc/irqsight/irqbalance-policy");
	CHECK_STR(ch, "-");
	/* A file persist edited before (its manifest lost): no second option, no chaining
	 * itself, the comment once; the result is a fixed point. */
	const char *once;
	args_after(&a, "# x\nIRQBALANCE_ARGS=\"-t 10\"\n", &ch, &once);
	CHECK_STR(args_after(&a, once, &ch, &txt), "-t 10 --policyscript=/etc/irqsight/irqbalance-policy");
	CHECK_STR(ch, "-");
	CHECK_STR(txt, once);
	args_after(&a, "IRQBALANCE_ARGS=\"-l /etc/irqsight/irqbalance-policy -l /x\"\n", &ch, &txt);
	CHECK_STR(ch, "/x");
	arena_free(&a);
}

/* The script quotes what comes from the plan: a hostile pattern or BDF is never code. */
TEST(ibpolicy_script_quotes_the_plan)
{
	struct arena a = { 0 };
	struct plan p;
	const char *err = NULL;
	const char *text = "irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\n"
			   "irq cpus=0 dev=0000:00:04.0 action=virtio*-input.0\n"
			   "irq cpus=0 dev=0000:00:04.0 action=virtio*-output.0\n"
			   "irq cpus=0 action=\"it's$(reboot)`id`\"\n"
			   "irq cpus=0 dev=\"0000:00:05.0';reboot;'\" action=x\n"
			   "managed dev=0000:00:06.0 action=nvme*q1\n";
	CHECK_INT(parse_planfile(text, strlen(text), &a, &p, &err), 0);
	struct buf b = { 0 };
	CHECK_INT(ibpolicy_script(&p, "/opt/it's", &b), 0);
	CHECK(strstr(b.data, "\t\t'0000:00:04.0') return 0 ;;\n") != NULL);	/* once, not per IRQ */
	CHECK(strstr(b.data, "for p in 'it'\\''s$(reboot)`id`'; do") != NULL);
	CHECK(strstr(b.data, "reboot;") == NULL);	/* not a BDF: left out */
	CHECK(strstr(b.data, "0000:00:06.0") == NULL);	/* managed: keep does not hold it */
	CHECK(strstr(b.data, "chain='/opt/it'\\''s'\n") != NULL);
	CHECK(strstr(b.data, "\nexit 0\n") != NULL);
	buf_free(&b);
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
	struct plan parsed;
	const char *perr = NULL;
	CHECK_INT(parse_planfile(plan, strlen(plan), &a, &parsed, &perr), 0);
	struct persist_opts o = { .dest = dest,
				  .state_dir = state,
				  .binary = "/usr/local/sbin/irqsight",
				  .plan_text = plan,
				  .plan_len = strlen(plan),
				  .plan = &parsed,
				  .banned = &banned };
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
	CHECK_STR(envfile_get(&e, "IRQBALANCE_ARGS"), "--policyscript=/etc/irqsight/irqbalance-policy");
	const char *pol = arena_printf(&a, "%s/etc/irqsight/irqbalance-policy", dest);
	CHECK_STR(r.policy_path, pol);
	CHECK(r.policy_chain == NULL);
	CHECK(access(pol, X_OK) == 0);

	CHECK_INT(persist_remove(dest, state, &a, &r, &why), 0);
	CHECK_STR(slurp(&a, cfg), orig);
	CHECK(access(pol, F_OK) != 0);
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
