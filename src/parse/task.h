/*
 * /proc/PID/task/TID/{stat,status} (fs/proc/array.c). Pure.
 * stat: field 2 is "(comm)" and may hold spaces and ')' ("CPU 0/KVM"): parse from
 * the last ')'. Field 39 is processor (last CPU), 43 guest_time, 14/15 utime/stime.
 */
#ifndef IRQSIGHT_PARSE_TASK_H
#define IRQSIGHT_PARSE_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "util/str.h"

struct task_stat {
	int pid;
	struct slice comm;	/* inside the parentheses */
	char state;
	int ppid;
	uint64_t utime, stime;	/* fields 14, 15 */
	int processor;		/* field 39, -1 if absent */
	uint64_t guest_time;	/* field 43, 0 if absent */
};

/* 0 or -EINVAL. */
int parse_task_stat(const char *buf, size_t len, struct task_stat *out);

struct task_status {
	struct slice name;		/* "Name:" */
	int tgid, ppid;			/* -1 if absent */
	struct slice cpus_allowed_list;	/* "Cpus_allowed_list:" (empty if absent) */
	struct slice cpus_allowed;	/* hex mask */
};

int parse_task_status(const char *buf, size_t len, struct task_status *out);

#endif
