/*
 * irqbalance's policy script for a persisted plan. IRQBALANCE_BANNED_CPULIST keeps
 * irqbalance off the VM CPUs, but it still balances the planned IRQs among the
 * housekeeping CPUs, and irqsight keep writes them back: the two fight until keep gives
 * the IRQ up as contested. irqbalance's documented way to leave an IRQ alone is
 * `--policyscript=FILE`: for each IRQ, when it builds its IRQ list (at start and when
 * the IRQ set changes), it runs `FILE DEVPATH IRQ` (DEVPATH /sys/bus/pci/devices/BDF,
 * or "/sys" for an IRQ without a device) and `ban=true` on its stdout bans the IRQ;
 * a non-zero exit makes it ignore that script's lines (classify.c, get_irq_user_policy).
 *
 * persist installs PERSIST_IB_POLICY, which bans the plan's IRQs (its devices by BDF,
 * its device-less entries by their action pattern over /proc/irq/N/NAME) and says
 * nothing of the others, and adds --policyscript to IRQBALANCE_ARGS. An operator's own
 * policy script is run first and its lines passed on (chained), whether a file or, as
 * irqbalance >= 1.9 allows, a directory. Pure: text in, text out.
 */
#ifndef IRQSIGHT_ACT_IBPOLICY_H
#define IRQSIGHT_ACT_IBPOLICY_H

#include <stddef.h>

struct arena;
struct buf;
struct plan;

#define PERSIST_IB_POLICY "etc/irqsight/irqbalance-policy"

/* The script for plan p; chain: the operator's policy script or directory, or NULL. */
int ibpolicy_script(const struct plan *p, const char *chain, struct buf *out);
/*
 * IRQBALANCE_ARGS with --policyscript=/PERSIST_IB_POLICY, in an environment file: the
 * last assignment (the one that counts) is rewritten with the operator's other
 * arguments kept, or one is appended. A policy script already there (--policyscript=X,
 * --policyscript X, -l X, -lX) is taken out and returned in *chain (NULL when none, or
 * when it is ours: a second persist does not chain itself).
 */
int ibpolicy_args_edit(const char *old, size_t len, struct arena *a, struct buf *out, const char **chain);

#endif
