/*
 * irqsight snapshot's writer (source/snapshot.c): while the host model is built, a
 * recorder on the source writes every path the readers consume into a directory, so
 * `--root DIR` reads there exactly what the readers read here. No list of files of its
 * own: when a reader is added, the snapshot follows.
 */
#ifndef IRQSIGHT_SOURCE_SNAPSHOT_H
#define IRQSIGHT_SOURCE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "source/source.h"
#include "util/progress.h"

struct snap {
	int dirfd;
	const struct source *src;	/* what is copied */
	struct source out;		/* DIR, resolved the way `--root DIR` will read it */
	int files, dirs, links;
	size_t bytes;
	int errors;
	char first_error[512];
	/* progress: IRQ directories copied of those listed (the bulk of a big host) */
	struct progress prog;
	unsigned char *irq_seen;	/* by IRQ number, IRQ_SEEN_MAX at most */
	size_t nirq, irq_done;
	struct src_recorder rec;	/* on the copied source while recording */
};

/* s->out (the target directory, opened with src_open) and s->dirfd set: record what
 * src's readers consume from now on; the progress line on a terminal unless quiet. */
void snap_start(struct snap *s, struct source *src, bool quiet);
/* The recorder off and the progress line ended. */
void snap_stop(struct snap *s, struct source *src);
/* Write one file into the snapshot (its directories made); failures are counted in
 * s->errors, the first one kept in s->first_error. */
void snap_write_file(struct snap *s, const char *path, const void *data, size_t len, mode_t mode);

#endif
