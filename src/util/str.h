/* String helpers for parsers: slices, trimming, safe number parsing. */
#ifndef IRQSIGHT_UTIL_STR_H
#define IRQSIGHT_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A view into a buffer; not NUL-terminated. */
struct slice {
	const char *p;
	size_t n;
};

#define SLICE_EMPTY ((struct slice){ "", 0 })
struct slice slice_of(const char *s);
struct slice slice_trim(struct slice s);
bool slice_eq(struct slice s, const char *lit);
bool slice_starts(struct slice s, const char *lit);
bool slice_ends(struct slice s, const char *lit);
/* Next whitespace-separated token from *s (advancing it); empty slice at end. */
struct slice slice_token(struct slice *s);
/* Next line (without '\n') from *s; returns false at end. */
bool slice_line(struct slice *s, struct slice *line);
bool slice_is_digits(struct slice s);
/* Find lit in s; returns offset or -1. */
long slice_find(struct slice s, const char *lit);

/* Strict unsigned decimal/hex/any-base parse of a whole slice; false on junk or overflow. */
bool slice_u64(struct slice s, int base, uint64_t *out);
/* slice_token then slice_u64 base 10, in one pass: false (token consumed) when there is
 * no token or it is not a decimal u64. For the per-CPU counters parsed every tick. */
bool slice_next_u64(struct slice *s, uint64_t *out);
bool slice_i64(struct slice s, int base, int64_t *out);
/* Parse a whole C string (trailing whitespace allowed). */
bool str_u64(const char *s, int base, uint64_t *out);
bool str_i64(const char *s, int base, int64_t *out);

/* Copy at most n-1 bytes and NUL-terminate; returns dst. */
char *str_copy(char *dst, const char *src, size_t n);
bool str_starts(const char *s, const char *prefix);
/* Is word one of the sep-separated items of list ("a,b" with ",", "x, y" with ", ")? */
bool str_list_has(const char *list, const char *sep, const char *word);
/*
 * Make text safe to print on a terminal, in place and at the same length: control bytes
 * other than newline and tab, DEL, and the C1 controls in UTF-8 (U+0080..U+009F, e.g. an
 * 8-bit CSI) become '?', so a string from a hostile --root (an action name, a kernel
 * release) cannot move the cursor, set a window title or answer back. An SGR sequence
 * (ESC [ digits and ';' m: colour, bold) is kept: the report's own colours are those.
 */
void str_terminal_safe(char *s, size_t len);

#endif
