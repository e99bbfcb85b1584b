/* Small shared macros. No domain knowledge. */
#ifndef IRQSIGHT_UTIL_COMPAT_H
#define IRQSIGHT_UTIL_COMPAT_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF(n, m) __attribute__((format(printf, n, m)))
#define UNUSED __attribute__((unused))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * A fact that may not have been readable. TRI_UNKNOWN is the zero value so a
 * zeroed struct says "not known" rather than "no" (DESIGN.md: unknown is a value).
 */
enum tri { TRI_UNKNOWN = 0, TRI_NO = 1, TRI_YES = 2 };

static inline enum tri tri_of(int b) { return b ? TRI_YES : TRI_NO; }
static inline const char *tri_onoff(enum tri t)
{
	return t == TRI_YES ? "on" : t == TRI_NO ? "off" : "unknown";
}
static inline const char *tri_yesno(enum tri t)
{
	return t == TRI_YES ? "yes" : t == TRI_NO ? "no" : "unknown";
}

#endif
