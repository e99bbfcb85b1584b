/* Syslog priority prefixes for text written to the journal (render/journal.h). */
#include "render/journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"

bool journal_stream_is(int fd)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	char extra;
	struct stat st;
	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &extra) != 2 || fstat(fd, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

const char *journal_prio(enum severity s)
{
	static const char *const prio[] = { "<6>", "<4>", "<2>" };
	return s >= SEV_INFO && s <= SEV_CRITICAL ? prio[s] : prio[SEV_INFO];
}

void journal_append_lines(struct buf *out, const char *text, size_t n, const char *prio)
{
	size_t pl = prio ? strlen(prio) : 0;
	while (n) {
		const char *nl = memchr(text, '\n', n);
		size_t len = nl ? (size_t)(nl - text) + 1 : n;
		if (pl && !(len == 1 && *text == '\n'))
			buf_append(out, prio, pl);
		buf_append(out, text, len);
		text += len;
		n -= len;
	}
}
