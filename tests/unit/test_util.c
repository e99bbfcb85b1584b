#include "t.h"

#include <errno.h>
#include <stdbool.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"
#include "util/json.h"
#include "util/str.h"

static const char *list_of(struct cpuset *s, struct buf *b)
{
	buf_reset(b);
	cpuset_format_list(s, b);
	return b->data;
}

TEST(cpuset_list_roundtrip)
{
	struct arena a = { 0 };
	struct buf b = { 0 };
	struct cpuset s;
	CHECK_INT(cpuset_parse_list(&s, &a, "0-3,8,10-11\n", 12), 0);
	CHECK_STR(list_of(&s, &b), "0-3,8,10-11");
	CHECK_INT(cpuset_count(&s), 7);
	CHECK(cpuset_test(&s, 8) && !cpuset_test(&s, 9));
	CHECK_INT(cpuset_parse_list(&s, &a, "", 0), 0);
	CHECK(cpuset_empty(&s));
	CHECK_STR(list_of(&s, &b), "");
	CHECK_INT(cpuset_parse_list(&s, &a, "0-15:2/4", 8), 0);
	CHECK_STR(list_of(&s, &b), "0-1,4-5,8-9,12-13");
	CHECK_INT(cpuset_parse_list(&s, &a, "3-1", 3), -EINVAL);
	CHECK_INT(cpuset_parse_list(&s, &a, "1,", 2), -EINVAL);
	CHECK_INT(cpuset_parse_list(&s, &a, "x", 1), -EINVAL);
	CHECK_INT(cpuset_parse_list(&s, &a, "99999999", 8), -ERANGE);
	CHECK_INT(cpuset_parse_list(&s, &a, "511", 3), 0);
	CHECK_INT(cpuset_last(&s), 511);
	buf_free(&b);
	arena_free(&a);
}

TEST(cpuset_mask)
{
	struct arena a = { 0 };
	struct buf b = { 0 };
	struct cpuset s;
	CHECK_INT(cpuset_parse_mask(&s, &a, "3", 1), 0);
	CHECK_STR(list_of(&s, &b), "0-1");
	CHECK_INT(cpuset_parse_mask(&s, &a, "00000001,00000000,80000000", 26), 0);
	CHECK_STR(list_of(&s, &b), "31,64");
	buf_reset(&b);
	cpuset_format_mask(&s, 80, &b);
	CHECK_STR(b.data, "0001,00000000,80000000");
	buf_reset(&b);
	CHECK_INT(cpuset_parse_list(&s, &a, "0-1", 3), 0);
	cpuset_format_mask(&s, 2, &b);
	CHECK_STR(b.data, "3");
	CHECK_INT(cpuset_parse_mask(&s, &a, "12345678g", 9), -EINVAL);
	CHECK_INT(cpuset_parse_mask(&s, &a, "1,,2", 4), -EINVAL);
	buf_free(&b);
	arena_free(&a);
}

TEST(cpuset_ops)
{
	struct arena a = { 0 };
	struct buf b = { 0 };
	struct cpuset x, y, z;
	cpuset_parse_list(&x, &a, "0-7", 3);
	cpuset_parse_list(&y, &a, "4-100", 5);
	cpuset_and(&z, &a, &x, &y);
	CHECK_STR(list_of(&z, &b), "4-7");
	cpuset_andnot(&z, &a, &x, &y);
	CHECK_STR(list_of(&z, &b), "0-3");
	cpuset_or(&z, &a, &x, &y);
	CHECK_STR(list_of(&z, &b), "0-100");
	CHECK(cpuset_intersects(&x, &y));
	CHECK(!cpuset_subset(&x, &y));
	cpuset_parse_list(&z, &a, "5", 1);
	CHECK(cpuset_subset(&z, &x));
	CHECK(!cpuset_equal(&x, &y));
	CHECK_INT(cpuset_next(&y, 0), 4);
	CHECK_INT(cpuset_next(&y, 64), 64);
	CHECK_INT(cpuset_next(&y, 101), -1);
	buf_free(&b);
	arena_free(&a);
}

/* arena_reset keeps the memory: a second fill of the same shape lands where the
 * first did (in one block, however many the first fill took), every allocation is
 * zeroed again, and the byte count starts over. */
TEST(arena_reset_reuses_memory)
{
	struct arena a = { 0 };
	arena_reset(&a);	/* empty: nothing to keep */
	CHECK(a.head == NULL);
	unsigned char *first[3] = { 0 };
	size_t cap[3] = { 0 };
	for (int round = 0; round < 3; round++) {
		unsigned char *p0 = NULL;
		for (int i = 0; i < 3000; i++) {
			size_t n = 1000 + (size_t)(i % 7) * 100;
			unsigned char *p = arena_alloc(&a, n);
			bool zero = true;
			for (size_t k = 0; k < n; k++)
				zero &= p[k] == 0;
			if (!zero)
				t_fail(__FILE__, __LINE__, "round %d: allocation %d not zeroed", round, i);
			memset(p, 0xa5, n);
			if (!p0)
				p0 = p;
		}
		first[round] = p0;
		CHECK(a.used_total >= 3000u * 1000u);
		cap[round] = arena_capacity(&a);
		arena_reset(&a);
		CHECK_INT(a.used_total, 0);
		/* the memory stays: as much as the fill took, in one block */
		CHECK(arena_capacity(&a) >= cap[round] && arena_capacity(&a) > 0);
	}
	/* rounds 2 and 3 fill the one block the first reset left: no block added */
	CHECK(first[1] == first[2]);
	CHECK(cap[1] == cap[2] && cap[1] >= cap[0]);
	arena_free(&a);
	CHECK(a.head == NULL);
}

TEST(json_escaping)
{
	struct buf b = { 0 };
	struct json j;
	json_init(&j, &b, false);
	json_obj_begin(&j, NULL);
	json_str(&j, "a\"b", "x\n\x01\xff\xc3\xa9");
	json_arr_begin(&j, "l");
	json_int(&j, NULL, -5);
	json_bool(&j, NULL, true);
	json_null(&j, NULL);
	json_arr_end(&j);
	json_obj_begin(&j, "e");
	json_obj_end(&j);
	json_obj_end(&j);
	CHECK_STR(b.data, "{\"a\\\"b\":\"x\\n\\u0001\\ufffd\xc3\xa9\",\"l\":[-5,true,null],\"e\":{}}");
	buf_free(&b);
}

TEST(str_numbers)
{
	uint64_t v;
	int64_t s;
	CHECK(str_u64("0x1f", 0, &v) && v == 31);
	CHECK(str_u64(" 42\n", 10, &v) && v == 42);
	CHECK(!str_u64("42x", 10, &v));
	CHECK(!str_u64("18446744073709551616", 10, &v));
	CHECK(str_i64("-1", 10, &s) && s == -1);
	CHECK(!str_i64("", 10, &s));
}

/* slice_next_u64 is slice_token + slice_u64(base 10) in one pass: the same answers and
 * the same rest on random text of digits, blanks of every kind, signs, letters and
 * numbers around 2^64. */
TEST(slice_next_u64_equals_token_then_u64)
{
	/* the second alphabet: long digit runs (8 bytes are read at once), a byte of each
	 * kind around the digits ('/' and ':' border '0'..'9', 0x80+ bytes) */
	static const char alphabet[] = "0123456789      \t\r\v\f\n+-x9";
	static const char digits[] = "01234567890123456789012345678901234567       /:\t\xb0\xff";
	unsigned seed = 4242;
	char text[64];
	int mismatches = 0, values = 0;
	for (int round = 0; round < 40000; round++) {
		const char *al = round & 1 ? digits : alphabet;
		size_t aln = round & 1 ? sizeof(digits) - 1 : sizeof(alphabet) - 1;
		int n = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 48;
		for (int i = 0; i < n; i++)
			text[i] = al[((seed = seed * 1103515245u + 12345u) >> 16) % aln];
		if (round % 50 == 0) {	/* near the overflow edge */
			n = snprintf(text, sizeof(text), " %s %s", round % 100 ? "18446744073709551615" : "18446744073709551616",
				     "7");
		}
		struct slice a = { text, (size_t)n }, b = a;
		for (int k = 0; k < 4; k++) {
			struct slice t = slice_token(&a);
			uint64_t va = 0, vb = 0;
			bool oka = t.n && slice_u64(t, 10, &va);
			bool okb = slice_next_u64(&b, &vb);
			if (oka != okb || (oka && va != vb) || a.p != b.p || a.n != b.n)
				mismatches++;
			values += oka;
		}
	}
	CHECK_INT(mismatches, 0);
	CHECK(values > 1000);
	struct slice s = { " 18446744073709551615\t42 x 7", 28 };
	uint64_t v;
	CHECK(slice_next_u64(&s, &v) && v == UINT64_MAX);
	CHECK(slice_next_u64(&s, &v) && v == 42);
	CHECK(!slice_next_u64(&s, &v));
	CHECK(slice_next_u64(&s, &v) && v == 7);
	CHECK(!slice_next_u64(&s, &v) && s.n == 0);
}

/* A hostile --root's strings cannot drive the terminal; the report's own colours stay. */
TEST(str_terminal_safe_keeps_sgr_only)
{
	char s[] = "a\x1b]0;pwned\x07 b\x1b[2J c\x1b[1;31mred\x1b[0m\td\r\n\x7f" "e\xc2\x9b" "6n é";
	str_terminal_safe(s, sizeof(s) - 1);
	CHECK_STR(s, "a?]0;pwned? b?[2J c\x1b[1;31mred\x1b[0m\td?\n?e??6n é");
	char t[] = "\x1b[";	/* an SGR cut at the end is no SGR */
	str_terminal_safe(t, sizeof(t) - 1);
	CHECK_STR(t, "?[");
}
