#include "parse/task.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* A pid field (fs/proc/array.c prints pid_t with %d): 0..INT_MAX, else not one. */
static bool pid_field(struct slice t, int *out)
{
	uint64_t v;
	if (!slice_u64(t, 10, &v) || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

int parse_task_stat(const char *buf, size_t len, struct task_stat *out)
{
	memset(out, 0, sizeof(*out));
	out->processor = -1;
	const char *open = memchr(buf, '(', len);
	const char *close = NULL;
	for (size_t i = len; i-- > 0;)
		if (buf[i] == ')') {
			close = buf + i;
			break;
		}
	if (!open || !close || close < open)
		return -EINVAL;
	if (!pid_field((struct slice){ buf, (size_t)(open - buf) }, &out->pid))
		return -EINVAL;
	out->comm = (struct slice){ open + 1, (size_t)(close - open - 1) };
	struct slice rest = { close + 1, len - (size_t)(close + 1 - buf) };
	/* Field 3 onwards. */
	for (int field = 3;; field++) {
		struct slice t = slice_token(&rest);
		if (!t.n)
			break;
		uint64_t v = 0;
		switch (field) {
		case 3:
			out->state = t.p[0];
			break;
		case 4:
			pid_field(t, &out->ppid);
			break;
		case 14:
			slice_u64(t, 10, &out->utime);
			break;
		case 15:
			slice_u64(t, 10, &out->stime);
			break;
		case 39:
			if (slice_u64(t, 10, &v) && v < 65536)
				out->processor = (int)v;
			break;
		case 43:
			slice_u64(t, 10, &out->guest_time);
			break;
		default:
			break;
		}
	}
	return out->state ? 0 : -EINVAL;
}

int parse_task_status(const char *buf, size_t len, struct task_status *out)
{
	memset(out, 0, sizeof(*out));
	out->tgid = out->ppid = -1;
	struct slice all = { buf, len }, line;
	while (slice_line(&all, &line)) {
		const char *colon = memchr(line.p, ':', line.n);
		if (!colon)
			continue;
		struct slice key = { line.p, (size_t)(colon - line.p) };
		struct slice val = slice_trim((struct slice){ colon + 1, line.n - key.n - 1 });
		if (slice_eq(key, "Name"))
			out->name = val;
		else if (slice_eq(key, "Tgid"))
			pid_field(val, &out->tgid);
		else if (slice_eq(key, "PPid"))
			pid_field(val, &out->ppid);
		else if (slice_eq(key, "Cpus_allowed_list"))
			out->cpus_allowed_list = val;
		else if (slice_eq(key, "Cpus_allowed"))
			out->cpus_allowed = val;
	}
	return out->name.n || out->tgid >= 0 ? 0 : -EINVAL;
}
