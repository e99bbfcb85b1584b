/*
 * Text output to the systemd journal: when stdout is the stream systemd connected to the
 * journal (StandardOutput=journal), a "<N>" prefix sets each line's syslog priority
 * (sd-daemon(3)). Used by `check` (render_text with render_opts.journal) and
 * `baseline check`.
 */
#ifndef IRQSIGHT_RENDER_JOURNAL_H
#define IRQSIGHT_RENDER_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/finding.h"

struct buf;

/* Is fd the journal stream? systemd sets JOURNAL_STREAM to "<dev>:<inode>" of the stream
 * it connected (systemd.exec(5)); a redirected or inherited fd does not match. */
bool journal_stream_is(int fd);
/* "<2>" critical, "<4>" warning, "<6>" info (SD_CRIT, SD_WARNING, SD_INFO). */
const char *journal_prio(enum severity s);
/* Append n bytes of text to out with prio before every non-empty line (empty lines stay
 * empty). A last line without a newline is prefixed too. */
void journal_append_lines(struct buf *out, const char *text, size_t n, const char *prio);

#endif
