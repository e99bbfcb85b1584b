#include "rules/finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/host.h"
#include "util/arena.h"
#include "util/buf.h"

const char *severity_name(enum severity s)
{
	return s == SEV_CRITICAL ? "critical" : s == SEV_WARNING ? "warning" : "info";
}

static char *vfmt(struct arena *a, const char *fmt, va_list ap) PRINTF(2, 0);
static char *vfmt(struct arena *a, const char *fmt, va_list ap)
{
	struct buf b = { 0 };
	buf_vprintf(&b, fmt, ap);
	char *s = arena_strndup(a, b.data ? b.data : "", b.len);
	buf_free(&b);
	return s;
}

struct finding *finding_new(struct findings *fs, const char *id, enum severity sev, const char *title_fmt, ...)
{
	fs->v = arena_grow(fs->arena, fs->v, (size_t)fs->n, sizeof(*fs->v));
	struct finding *f = &fs->v[fs->n++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->severity = sev;
	f->irq = -1;
	f->cpu = -1;
	va_list ap;
	va_start(ap, title_fmt);
	f->title = vfmt(fs->arena, title_fmt, ap);
	va_end(ap);
	f->meaning = f->decision = "";
	return f;
}

void finding_evidence(struct findings *fs, struct finding *f, const char *key, const char *fmt, ...)
{
	f->evidence = arena_grow(fs->arena, f->evidence, (size_t)f->nevidence, sizeof(*f->evidence));
	va_list ap;
	va_start(ap, fmt);
	f->evidence[f->nevidence].key = arena_strdup(fs->arena, key);
	f->evidence[f->nevidence].value = vfmt(fs->arena, fmt, ap);
	va_end(ap);
	f->nevidence++;
}

static void add_step(struct findings *fs, struct finding *f, bool note, const char *text)
{
	f->fix = arena_grow(fs->arena, f->fix, (size_t)f->nfix, sizeof(*f->fix));
	f->fix_note = arena_grow(fs->arena, f->fix_note, (size_t)f->nfix, sizeof(*f->fix_note));
	f->fix_note[f->nfix] = note;
	f->fix[f->nfix++] = text;
}

void finding_fix(struct findings *fs, struct finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *s = vfmt(fs->arena, fmt, ap);
	va_end(ap);
	add_step(fs, f, false, s);
}

void finding_note(struct findings *fs, struct finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *s = vfmt(fs->arena, fmt, ap);
	va_end(ap);
	add_step(fs, f, true, s);
}

void finding_meaning(struct findings *fs, struct finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	f->meaning = vfmt(fs->arena, fmt, ap);
	va_end(ap);
}

void finding_decision(struct findings *fs, struct finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	f->decision = vfmt(fs->arena, fmt, ap);
	va_end(ap);
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->irq != y->irq)
		return x->irq < y->irq ? -1 : 1;
	return strcmp(x->device ? x->device : "", y->device ? y->device : "");
}

void rules_run(const struct host *h, struct findings *fs)
{
	if (!fs->arena)
		fs->arena = &fs->own;	/* the host is const: never its arena */
	for (size_t i = 0; i < rules_count; i++)
		rules_table[i].run(h, fs);
	qsort(fs->v, (size_t)fs->n, sizeof(*fs->v), cmp_finding);
}

void findings_free(struct findings *fs)
{
	arena_free(&fs->own);
	fs->arena = NULL;
	fs->v = NULL;
	fs->n = 0;
}

enum severity findings_worst(const struct findings *fs)
{
	enum severity w = SEV_INFO;
	for (int i = 0; i < fs->n; i++)
		if (fs->v[i].severity > w)
			w = fs->v[i].severity;
	return w;
}
