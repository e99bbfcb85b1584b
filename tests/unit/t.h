/*
 * A small unit-test harness. Each TEST registers itself (constructor) and runs in
 * the order files are linked. Checks record a failure and continue; the runner
 * prints every failure with file:line and ends with "N passed, N failed".
 * Tests run from the repository root (fixtures are read by relative path).
 */
#ifndef IRQSIGHT_TESTS_T_H
#define IRQSIGHT_TESTS_T_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct buf;

struct t_case {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct t_case *next;
};

void t_register(struct t_case *c);
void t_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Read a fixture file (relative to the repo root) into b; aborts the test run on error. */
void t_read(const char *path, struct buf *b);
/*
 * The root of a fixture (a tests/hosts NAME or a folder): packed and based fixtures are
 * unpacked by tests/fixture.sh, the one way to reach a fixture; the path stays valid until
 * the next call. Aborts the run when the helper fails.
 */
const char *t_fixture(const char *name);
/* Write a file (its missing parent directories made); a failure fails the test. */
void t_write(const char *path, const char *text);

#define TEST(name)                                                               \
	static void t_fn_##name(void);                                           \
	static struct t_case t_case_##name = { #name, __FILE__, t_fn_##name, 0 }; \
	__attribute__((constructor)) static void t_reg_##name(void)              \
	{                                                                        \
		t_register(&t_case_##name);                                      \
	}                                                                        \
	static void t_fn_##name(void)

#define CHECK(c)                                                         \
	do {                                                             \
		if (!(c))                                                \
			t_fail(__FILE__, __LINE__, "CHECK(%s)", #c);     \
	} while (0)

#define CHECK_INT(a, b)                                                                  \
	do {                                                                             \
		long long t_a = (long long)(a), t_b = (long long)(b);                    \
		if (t_a != t_b)                                                          \
			t_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, \
			       t_a, #b, t_b);                                            \
	} while (0)

#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *t_a = (a), *t_b = (b);                                        \
		if (!t_a || !t_b || strcmp(t_a, t_b) != 0)                                \
			t_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,   \
			       t_a ? t_a : "(null)", t_b ? t_b : "(null)");               \
	} while (0)

/* Compare a non-NUL-terminated slice with a literal. */
#define CHECK_SLICE(s, lit)                                                               \
	do {                                                                              \
		struct slice t_s = (s);                                                   \
		if (t_s.n != strlen(lit) || memcmp(t_s.p, lit, t_s.n) != 0)               \
			t_fail(__FILE__, __LINE__, "%s == \"%.*s\", expected \"%s\"", #s, \
			       (int)t_s.n, t_s.p, lit);                                   \
	} while (0)

#endif
