/*
 * parse/envfile: Debian's shipped /etc/default/irqbalance (irqbalance 1.9.2-1, every
 * setting commented out), then settings written the ways systemd's EnvironmentFile=
 * accepts them (no captured file in the corpus sets any), then bad input.
 */
#include "t.h"

#include "bad.h"
#include "parse/envfile.h"
#include "util/arena.h"
#include "util/buf.h"

#define DE "tests/unit/data/parse/envfile/"

static int env_lit(const char *text, struct arena *a, struct envfile *e)
{
	return parse_envfile(text, strlen(text), a, e);
}

static const char *get(const struct envfile *e, const char *key)
{
	const char *v = envfile_get(e, key);
	return v ? v : "(unset)";
}

TEST(envfile_debian_default_all_commented)
{
	struct buf b = { 0 };
	struct arena a = { 0 };
	struct envfile e;
	t_read(DE "debian-irqbalance-1.9.2-1-etc-default-irqbalance.txt", &b);
	CHECK(strstr(b.data, "#IRQBALANCE_BANNED_CPULIST=") != NULL);
	CHECK_INT(parse_envfile(b.data, b.len, &a, &e), 0);
	CHECK_INT(e.nvars, 0);
	CHECK_INT(e.nbad, 0);
	CHECK(envfile_get(&e, "IRQBALANCE_ONESHOT") == NULL);	/* commented: unset, not "" */
	CHECK(envfile_get(&e, "IRQBALANCE_BANNED_CPULIST") == NULL);
	buf_free(&b);
	arena_free(&a);
}

TEST(envfile_settings)
{
	struct arena a = { 0 };
	struct envfile e;
	CHECK_INT(env_lit("# comment\n"
			  "; also a comment\n"
			  "IRQBALANCE_BANNED_CPULIST=2-7\n"
			  "export IRQBALANCE_ARGS=\"--policyscript=/usr/local/bin/p --hintpolicy=exact\"\n"
			  "IRQBALANCE_ONESHOT=\n"
			  "  IRQBALANCE_BANNED_CPUS = 'fc'  \n"
			  "X=a\\ b # trailing comment\n"
			  "Y=\"q\\\"uote\" \n"
			  "IRQBALANCE_BANNED_CPULIST=2-5\r\n",
			  &a, &e),
		  0);
	CHECK_INT(e.nbad, 0);
	CHECK_INT(e.nvars, 7);
	CHECK_STR(get(&e, "IRQBALANCE_BANNED_CPULIST"), "2-5");	/* last wins */
	CHECK_INT(e.vars[0].line_no, 3);
	CHECK_STR(get(&e, "IRQBALANCE_ARGS"), "--policyscript=/usr/local/bin/p --hintpolicy=exact");
	CHECK_STR(get(&e, "IRQBALANCE_ONESHOT"), "");	/* set and empty: one shot (irqbalance.c getenv) */
	CHECK_STR(get(&e, "IRQBALANCE_BANNED_CPUS"), "fc");
	CHECK_STR(get(&e, "X"), "a b");
	CHECK_STR(get(&e, "Y"), "q\"uote");
	CHECK_STR(get(&e, "Z"), "(unset)");
	arena_free(&a);
}

TEST(envfile_bad_input)
{
	struct arena a = { 0 };
	struct envfile e;
	CHECK_INT(parse_envfile("", 0, &a, &e), 0);
	CHECK_INT(e.nvars, 0);
	CHECK_INT(e.nbad, 0);
	CHECK(envfile_get(&e, "A") == NULL);
	/* lines that are not KEY=VALUE are counted, the good ones around them kept */
	CHECK_INT(env_lit("A=1\njust words\n=novalue\n1X=2\nB-C=3\nexport\nB=2\n", &a, &e), 0);
	CHECK_INT(e.nvars, 2);
	CHECK_INT(e.nbad, 5);
	CHECK_STR(get(&e, "A"), "1");
	CHECK_STR(get(&e, "B"), "2");
	/* unterminated quotes and a trailing backslash: the value runs to the end of the line */
	CHECK_INT(env_lit("A=\"open\nB='open too\nC=back\\\n", &a, &e), 0);
	CHECK_STR(get(&e, "A"), "open");
	CHECK_STR(get(&e, "B"), "open too");
	CHECK_STR(get(&e, "C"), "back\\");
	/* cut in the middle of a value / of a key */
	CHECK_INT(env_lit("IRQBALANCE_BANNED_CPULIST=2-", &a, &e), 0);
	CHECK_STR(get(&e, "IRQBALANCE_BANNED_CPULIST"), "2-");
	CHECK_INT(env_lit("IRQBALANCE_BANNED_CPU", &a, &e), 0);
	CHECK_INT(e.nvars, 0);
	CHECK_INT(e.nbad, 1);
	/* numbers are text: overflowing and negative values are kept as written */
	CHECK_INT(env_lit("N=99999999999999999999999999\nM=-1\n", &a, &e), 0);
	CHECK_STR(get(&e, "N"), "99999999999999999999999999");
	CHECK_STR(get(&e, "M"), "-1");
	/* NULs: the value stops at the NUL as a C string, nothing crashes */
	static const char nul[] = "A=x\0y\nB=2\n";
	CHECK_INT(parse_envfile(nul, sizeof(nul) - 1, &a, &e), 0);
	CHECK_STR(get(&e, "A"), "x");
	CHECK_STR(get(&e, "B"), "2");

	/* garbage and one 10 MB line */
	struct buf b = { 0 };
	bad_random(&b, 1 << 20, 11);
	CHECK_INT(parse_envfile(b.data, b.len, &a, &e), 0);
	CHECK(e.nbad > 0);
	buf_reset(&b);
	bad_long_line(&b, "IRQBALANCE_ARGS=", "x", BAD_LONG);
	CHECK_INT(parse_envfile(b.data, b.len, &a, &e), 0);
	CHECK_INT(strlen(get(&e, "IRQBALANCE_ARGS")), BAD_LONG);
	buf_reset(&b);
	bad_long_line(&b, "", "K", BAD_LONG);
	CHECK_INT(parse_envfile(b.data, b.len, &a, &e), 0);
	CHECK_INT(e.nbad, 1);
	buf_free(&b);
	arena_free(&a);
}
