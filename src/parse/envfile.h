/*
 * Shell-style environment files as systemd's EnvironmentFile= reads them
 * (/etc/default/irqbalance, /etc/sysconfig/irqbalance): KEY=VALUE lines, '#'
 * comments, optional "export ", single or double quotes, backslash escapes in
 * double quotes. Pure.
 */
#ifndef IRQSIGHT_PARSE_ENVFILE_H
#define IRQSIGHT_PARSE_ENVFILE_H

#include <stddef.h>

struct arena;

struct env_var {
	const char *key;
	const char *val;
	unsigned line_no;
};

struct envfile {
	struct env_var *vars;
	int nvars;
	int nbad;		/* lines that are neither blank, comment nor KEY=VALUE */
};

int parse_envfile(const char *buf, size_t len, struct arena *a, struct envfile *out);
/* Last assignment wins; NULL when unset. */
const char *envfile_get(const struct envfile *e, const char *key);

#endif
