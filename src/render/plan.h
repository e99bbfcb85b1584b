/* irqsight plan's output (render/plan.c); the plan file itself is act/plan.h's plan_format(). */
#ifndef IRQSIGHT_RENDER_PLAN_H
#define IRQSIGHT_RENDER_PLAN_H

#include <stdio.h>

struct arena;
struct host;
struct plan;

/* The table of moves, the CPU sets and the boot parameters, wrapped at 80 columns and
 * terminal-safe (it quotes action names and devices from a possibly hostile --root
 * tree). Strings it needs are allocated in a. */
void render_plan_text(const struct plan *p, const struct host *h, struct arena *a, FILE *f);
/* The plan as one JSON object (docs/plan.md, "--json"). */
void render_plan_json(const struct plan *p, struct arena *a, FILE *f);
/* After the table: where the plan file went and how to apply it (path NULL: not saved). */
void render_plan_saved(const char *path, FILE *f);

#endif
