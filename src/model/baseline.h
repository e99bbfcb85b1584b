/* A baseline (parse/baseline.h: the file format) taken from a built host model. */
#ifndef IRQSIGHT_MODEL_BASELINE_H
#define IRQSIGHT_MODEL_BASELINE_H

#include "model/host.h"
#include "parse/baseline.h"

/* Is this kernel parameter one that shapes interrupt delivery (kept in a baseline)? */
bool baseline_cmdline_relevant(const char *key);

/* Take the profile of a built host model. */
void baseline_from_host(struct baseline *b, const struct host *h);

#endif
