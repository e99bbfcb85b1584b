/*
 * tracefs control for the recorder: find or mount tracefs (and unmount what we
 * mounted), and read each event's id and "format" file, so field offsets are never
 * hard-coded. Both backends start from what this reads.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sample/trace_int.h"
#include "util/buf.h"
#include "util/str.h"

int trace_read_small(const char *path, char *out, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return read_fd_small(fd < 0 ? -errno : fd, out, n);
}

/* Find a mounted tracefs in /proc/self/mountinfo (fields: ... mountpoint ... - fstype ...). */
static bool find_tracefs(char *out, size_t n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "tracefs ", 8) != 0)
			continue;
		/* mount point is the 5th field */
		char *p = line;
		for (int i = 0; i < 4 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!p)
			continue;
		char *end = strchr(p, ' ');
		if (!end)
			continue;
		*end = '\0';
		/* mountinfo escapes spaces as \040; tracefs paths have none in practice. */
		if (strchr(p, '\\'))
			continue;
		str_copy(out, p, n);
		found = true;
	}
	fclose(f);
	return found;
}

int tracefs_setup(struct trace *t, char *why, size_t whylen)
{
	if (find_tracefs(t->tracefs, sizeof(t->tracefs)))
		goto check;
	str_copy(t->tracefs, "/sys/kernel/tracing", sizeof(t->tracefs));
	if (mount("nodev", t->tracefs, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		int e = errno;
		say(why, whylen, "cannot mount tracefs at '%s': %s%s", t->tracefs, strerror(e),
		    (e == EPERM || e == EACCES) ? " (needs root)" : "");
		return -e;
	}
	t->we_mounted = true;
check:;
	char p[256];
	snprintf(p, sizeof(p), "%s/events/irq", t->tracefs);
	if (access(p, R_OK | X_OK) < 0) {
		int e = errno;
		say(why, whylen, "cannot read '%s': %s%s", p, strerror(e),
		    e == EACCES ? " (tracefs is root-only unless mounted with gid=)" : "");
		return -e;
	}
	return 0;
}

void tracefs_release(struct trace *t)
{
	if (!t->we_mounted)
		return;
	if (umount(t->tracefs) < 0 && errno == EBUSY)
		umount2(t->tracefs, MNT_DETACH);
	t->we_mounted = false;
}

/*
 * One "\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;" line per field
 * (kernel/trace/trace_events.c:f_show). The name is the last word before ';',
 * after any "[...]" suffix is removed.
 */
static void parse_format(const char *fmt, const char *want, struct field *out)
{
	struct slice all = slice_of(fmt), line;
	out->found = false;
	while (slice_line(&all, &line)) {
		long f = slice_find(line, "field:");
		if (f < 0)
			continue;
		struct slice rest = { line.p + f + 6, line.n - (size_t)f - 6 };
		long semi = slice_find(rest, ";");
		if (semi < 0)
			continue;
		struct slice decl = { rest.p, (size_t)semi };
		/* The name is the last word ("int irq", "char comm[16]", "__data_loc char[] name"),
		 * without a "[N]" suffix. */
		size_t s = decl.n;
		while (s && decl.p[s - 1] != ' ' && decl.p[s - 1] != '*')
			s--;
		struct slice name = { decl.p + s, decl.n - s };
		const char *br = memchr(name.p, '[', name.n);
		if (br)
			name.n = (size_t)(br - name.p);
		if (!slice_eq(name, want))
			continue;
		long o = slice_find(line, "offset:"), z = slice_find(line, "size:");
		if (o < 0 || z < 0)
			continue;
		out->offset = atoi(line.p + o + 7);
		out->size = atoi(line.p + z + 5);
		out->is_data_loc = slice_find(decl, "__data_loc") >= 0;
		out->is_rel_loc = slice_find(decl, "__rel_loc") >= 0;
		out->found = true;
		return;
	}
}

int tracefs_load_event(struct trace *t, const char *sys, const char *event, enum trace_kind kind, const char *numfield,
		       const char *strfield, const char *label)
{
	if (t->nev >= TRACE_MAX_EVENTS)
		return -ENOSPC;
	char path[512], b[64];
	struct tevent *e = &t->ev[t->nev];
	memset(e, 0, sizeof(*e));
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", t->tracefs, sys, event);
	int r = trace_read_small(path, b, sizeof(b));
	if (r < 0)
		return r;
	uint64_t id;
	if (!str_u64(b, 10, &id))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", t->tracefs, sys, event);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct buf f = { 0 };
	r = buf_read_fd(&f, fd, 65536);
	close(fd);
	if (r < 0) {
		buf_free(&f);
		return r;
	}
	parse_format(f.data ? f.data : "", "common_type", &e->type);
	parse_format(f.data ? f.data : "", numfield, &e->num);
	if (strfield)
		parse_format(f.data ? f.data : "", strfield, &e->str);
	buf_free(&f);
	if (!e->type.found || !e->num.found || (strfield && !e->str.found))
		return -EPROTO;
	e->id = id;
	e->kind = kind;
	str_copy(e->sys, sys, sizeof(e->sys));
	str_copy(e->event, event, sizeof(e->event));
	str_copy(e->name, label, sizeof(e->name));
	t->nev++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* x86 irq_vectors:<name>_entry / <name>_exit pairs (not the vector_* management events). */
void tracefs_load_vectors(struct trace *t)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/events/irq_vectors", t->tracefs);
	DIR *d = opendir(path);
	if (!d)
		return;
	char *names[128];
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < (int)ARRAY_SIZE(names)) {
		size_t l = strlen(de->d_name);
		if (l > 6 && !strcmp(de->d_name + l - 6, "_entry") && strncmp(de->d_name, "vector_", 7))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	for (int i = 0; i < n; i++) {
		char base[TRACE_NAME_MAX], ex[TRACE_NAME_MAX + 8];
		size_t l = strlen(names[i]) - 6;
		if (names[i] && l < sizeof(base)) {
			memcpy(base, names[i], l);
			base[l] = '\0';
			snprintf(ex, sizeof(ex), "%s_exit", base);
			int saved = t->nev;
			if (tracefs_load_event(t, "irq_vectors", names[i], TR_VECTOR_ENTRY, "vector", NULL, base) ==
				    0 &&
			    tracefs_load_event(t, "irq_vectors", ex, TR_VECTOR_EXIT, "vector", NULL, base) != 0)
				t->nev = saved;	/* need both halves */
		}
		free(names[i]);
	}
}
