/* Shared by cmd/report.c and cmd/report_from.c: what a report page is made of. */
#ifndef IRQSIGHT_CMD_REPORT_H
#define IRQSIGHT_CMD_REPORT_H

#include <stdbool.h>

#include "util/buf.h"

struct report_inputs {
	struct buf check, lat[2], fix;
	char *lat_name[2];
	int nlat;
	char *check_name, *bundle;	/* where the check came from; a bundle's directory */
	bool trimmed;
};

/* One --from argument (a saved JSON file or a bundle directory) into in: 0, or
 * EXIT_UNKNOWN after saying why (also in a build without json-c). */
int report_add_path(struct report_inputs *in, const char *path);
void report_inputs_free(struct report_inputs *in);

#endif
