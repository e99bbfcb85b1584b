/*
 * The write allow-list, in one place: the only files apply, rollback and persist's
 * boot-time apply may write, whatever a plan or a journal says. Paths are relative to
 * the root the plan or journal names:
 *
 *   proc/irq/N/smp_affinity          proc/irq/N/smp_affinity_list
 *   proc/irq/default_smp_affinity
 *   sys/class/net/IF/queues/rx-N/rps_cpus
 *   sys/class/net/IF/queues/tx-N/xps_cpus
 *
 * N is a decimal number without leading zeros; IF is a network interface name as the
 * kernel allows one (dev_valid_name: 1-15 bytes, no '/', ':' or blank, not "." or "..")
 * that exists under sys/class/net of that root. No other component, no "." or "..",
 * no doubled or leading '/'. The file itself must be a regular file reached without
 * following a symlink at its last component; on the live root it must live on proc
 * or sysfs (a regular file on a disk is never written).
 * persist's own files (etc/irqsight/plan, its unit, the .wants link, irqbalance's
 * environment file) are listed by act_persist_allowed().
 */
#ifndef IRQSIGHT_ACT_ALLOW_H
#define IRQSIGHT_ACT_ALLOW_H

#include <stdbool.h>

struct source;

/* The shape of the path only (pure). 0, or -EPERM with *why (a static string). */
int act_allow_path(const char *rel, const char **why);
/* The shape, and the interface of a sys/class/net path exists under the root. */
int act_allow_write(const struct source *src, const char *rel, const char **why);
/* Open an allowed file for writing: the allow-list, then O_NOFOLLOW, a regular file,
 * and on the live root proc or sysfs. fd, or -errno (-EPERM with *why for a refusal). */
int act_open_for_write(const struct source *src, const char *rel, const char **why);
/* A network interface name as the kernel accepts one. */
bool act_ifname_ok(const char *name);
/* The files persist installs and `persist --remove` deletes or restores (relative to DEST). */
bool act_persist_allowed(const char *rel);

#endif
