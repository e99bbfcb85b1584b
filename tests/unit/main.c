#include "t.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util/buf.h"

static struct t_case *head, **tail = &head;
static int failures_in_case;
static const char *current;

void t_register(struct t_case *c)
{
	*tail = c;
	tail = &c->next;
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	if (!failures_in_case)
		fprintf(stderr, "FAIL %s\n", current);
	failures_in_case++;
	fprintf(stderr, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void t_write(const char *path, const char *text)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0755);	/* EEXIST for those already there */
			*p = '/';
		}
	FILE *f = fopen(path, "w");
	if (!f) {
		t_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

void t_read(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot read fixture '%s'\n", path);
		exit(3);
	}
	char tmp[65536];
	size_t n;
	buf_reset(b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_append(b, tmp, n);
	if (!b->data)
		buf_append(b, "", 0);
	fclose(f);
}

const char *t_fixture(const char *name)
{
	static char root[4096];
	char cmd[4352];
	snprintf(cmd, sizeof(cmd), "tests/fixture.sh root '%s'", name);
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(root, sizeof(root), p)) {
		fprintf(stderr, "cannot prepare fixture '%s'\n", name);
		exit(3);
	}
	if (pclose(p) != 0) {
		fprintf(stderr, "cannot prepare fixture '%s'\n", name);
		exit(3);
	}
	root[strcspn(root, "\n")] = '\0';
	return root;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;
	for (struct t_case *c = head; c; c = c->next) {
		if (filter && !strstr(c->name, filter) && !strstr(c->file, filter))
			continue;
		current = c->name;
		failures_in_case = 0;
		c->fn();
		if (failures_in_case)
			failed++;
		else
			passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
