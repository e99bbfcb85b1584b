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
 * persist's own files (etc/irqsight/plan, its unit, the .wants link, irqbalance's policy script and
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
/* Open an allowed file (flags O_RDONLY or O_WRONLY): the allow-list, then O_NOFOLLOW, a
 * regular file, really where its name says (no link in the middle leads elsewhere, see
 * /proc/self/fd), and on the live root on proc or sysfs. fd, or -errno (-EPERM with
 * *why for a refusal; -EISDIR, -EMEDIUMTYPE for a directory or another non-regular
 * file). Reads go through it too, so a dry run shows no other file. */
int act_open_checked(const struct source *src, const char *rel, int flags, const char **why);
/* The same for writing; a copy tree's file is truncated after the checks. */
int act_open_for_write(const struct source *src, const char *rel, const char **why);
/* A network interface name as the kernel accepts one. */
bool act_ifname_ok(const char *name);
/* The files persist installs and `persist --remove` deletes or restores (relative to DEST). */
bool act_persist_allowed(const char *rel);

#endif
