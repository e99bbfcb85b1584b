/* irqsight top's output (render/top.c): one frame (sample/frame.h) per interval. */
#ifndef IRQSIGHT_RENDER_TOP_H
#define IRQSIGHT_RENDER_TOP_H

#include <stdbool.h>
#include <stdio.h>

#include "sample/frame.h"

/* --batch: a header, the CPU table (on more than 64 CPUs only the busy or hot ones
 * unless all_cpus), a line per VM and the first max_srcs IRQ sources (0: all). */
void render_top_text(FILE *o, const struct top_frame *f, int max_srcs, bool all_cpus);
/* --json: the frame as one JSON object on one line. */
void render_top_json(FILE *o, const struct top_frame *f);

#endif
