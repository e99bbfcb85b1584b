/* The drift-* findings: a saved baseline compared with the profile now (rules/drift.h). */
#include "rules/drift.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/str.h"

/* ---------------------------------------------------------------- compare */

struct cctx {
	const struct baseline *old, *now;
	struct findings *fs;
	int added;
	bool kernel_changed, cpus_changed, irqbalance_changed;
	struct buf cmd_removed, cmd_added;	/* relevant parameters, space-separated */
};

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Was a parameter whose key is one of keys[] (NULL-terminated) added or removed? */
static bool cmdline_touched(const struct cctx *c, const char *const *keys)
{
	const struct buf *lists[2] = { &c->cmd_removed, &c->cmd_added };
	for (int l = 0; l < 2; l++) {
		if (!lists[l]->data)
			continue;
		for (const char *const *k = keys; *k; k++) {
			size_t n = strlen(*k);
			for (const char *p = lists[l]->data; (p = strstr(p, *k)); p += n)
				if ((p == lists[l]->data || p[-1] == ' ') && (p[n] == '=' || p[n] == ' ' || !p[n]))
					return true;
		}
	}
	return false;
}

static struct finding *drift(struct cctx *c, const char *id, enum severity sev, const char *bdf, const char *oldv,
			     const char *newv, const char *cause, const char *fmt, ...) PRINTF(8, 9);
static struct finding *drift(struct cctx *c, const char *id, enum severity sev, const char *bdf, const char *oldv,
			     const char *newv, const char *cause, const char *fmt, ...)
{
	struct buf t = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&t, fmt, ap);
	va_end(ap);
	struct finding *f = finding_new(c->fs, id, sev, "%s", t.data ? t.data : id);
	buf_free(&t);
	finding_evidence(c->fs, f, "baseline", "%s", oldv);
	finding_evidence(c->fs, f, "now", "%s", newv);
	finding_evidence(c->fs, f, "likely cause", "%s", cause);
	finding_meaning(c->fs, f, "The host no longer matches its saved interrupt profile: %s.", cause);
	finding_decision(c->fs, f,
			 "Restore the baselined setting, or, if the change is intended and `irqsight check` "
			 "is clean, save a new baseline.");
	finding_fix(c->fs, f, "irqsight check");
	finding_fix(c->fs, f, "irqsight baseline save FILE   # accept the current profile");
	if (bdf)
		f->device = arena_strdup(c->fs->arena, bdf);
	c->added++;
	return f;
}

static void platform_tri(struct cctx *c, const char *id, const char *what, enum tri o, enum tri n,
			 enum severity sev_off, const char *cause_off, const char *cause_on)
{
	if (o == TRI_UNKNOWN || n == TRI_UNKNOWN || o == n)
		return;
	bool off = n == TRI_NO;
	drift(c, id, off ? sev_off : SEV_INFO, NULL, tri_onoff(o), tri_onoff(n), off ? cause_off : cause_on,
	      "%s changed from %s to %s", what, tri_onoff(o), tri_onoff(n));
}

static void compare_platform(struct cctx *c)
{
	const struct baseline *o = c->old, *n = c->now;
	static const char *const iommu_keys[] = { "intel_iommu", "amd_iommu", "iommu", NULL };
	static const char *const ir_keys[] = { "intremap", "intel_iommu", "amd_iommu", "nox2apic", NULL };
	static const char *const cpu_keys[] = { "maxcpus", "nr_cpus", "nosmt", NULL };

	if (o->kernel && n->kernel && strcmp(o->kernel, n->kernel))
		drift(c, "drift-kernel", SEV_INFO, NULL, o->kernel, n->kernel, "kernel update",
		      "kernel changed from %s to %s", o->kernel, n->kernel);
	if (o->has_cmdline && n->has_cmdline && (c->cmd_removed.len || c->cmd_added.len))
		drift(c, "drift-cmdline", SEV_WARNING, NULL,
		      c->cmd_removed.len ? c->cmd_removed.data : "(none removed)",
		      c->cmd_added.len ? c->cmd_added.data : "(none added)",
		      "boot loader configuration changed (GRUB_CMDLINE_LINUX, /etc/kernel/cmdline), or a "
		      "kernel or boot loader update rewrote it",
		      "interrupt-related kernel parameters changed%s%s%s%s", c->cmd_removed.len ? ": removed " : "",
		      c->cmd_removed.len ? c->cmd_removed.data : "",
		      c->cmd_added.len ? (c->cmd_removed.len ? ", added " : ": added ") : "",
		      c->cmd_added.len ? c->cmd_added.data : "");

	bool vfio = false;
	for (int i = 0; i < o->ndevs; i++)
		vfio |= (o->devs[i].driver && !strcmp(o->devs[i].driver, "vfio-pci")) ||
			(o->devs[i].handler && !strncmp(o->devs[i].handler, "vfio", 4));
	const char *iommu_cause =
		cmdline_touched(c, iommu_keys) ? "the kernel command line changed (IOMMU parameters)"
		: c->kernel_changed
			? "BIOS profile reset or firmware update (VT-d / AMD-Vi disabled in setup), "
			  "or the new kernel's IOMMU default (CONFIG_INTEL_IOMMU_DEFAULT_ON)"
			: "BIOS profile reset or firmware update: VT-d / AMD-Vi (IOMMU) disabled in the firmware setup";
	platform_tri(c, "drift-iommu", "IOMMU (DMA remapping)", o->iommu, n->iommu, vfio ? SEV_CRITICAL : SEV_WARNING,
		     iommu_cause, "IOMMU enabled in firmware or on the command line");
	const char *ir_cause =
		cmdline_touched(c, ir_keys) ? "the kernel command line changed (intremap= / IOMMU parameters)"
		: n->iommu == TRI_NO && o->iommu == TRI_YES ? "BIOS profile reset: VT-d / AMD-Vi disabled in the "
							      "firmware setup takes interrupt remapping with it"
		: c->kernel_changed ? "kernel update (a firmware quirk now disables remapping), or a BIOS reset/update"
				    : "BIOS update or reset (DMAR/IVRS table changed, x2APIC opt-out) — see "
				      "ir-firmware-disabled in irqsight check";
	platform_tri(c, "drift-interrupt-remapping", "interrupt remapping", o->interrupt_remapping,
		     n->interrupt_remapping, SEV_CRITICAL, ir_cause,
		     "remapping enabled in firmware or on the command line");
	if (o->ir_mode != IR_MODE_UNKNOWN && n->ir_mode != IR_MODE_UNKNOWN && o->ir_mode != n->ir_mode)
		drift(c, "drift-ir-mode", o->ir_mode == IR_MODE_X2APIC ? SEV_WARNING : SEV_INFO, NULL,
		      ir_mode_name(o->ir_mode), ir_mode_name(n->ir_mode),
		      cmdline_touched(c, ir_keys) ? "the kernel command line changed (nox2apic / intremap=)"
						  : "BIOS update or reset changed the x2APIC opt-out flag of the DMAR "
						    "table (or x2APIC mode in setup)",
		      "interrupt remapping mode changed from %s to %s", ir_mode_name(o->ir_mode),
		      ir_mode_name(n->ir_mode));
	platform_tri(c, "drift-x2apic", "x2APIC mode", o->x2apic, n->x2apic, SEV_WARNING,
		     "BIOS profile reset or update (x2APIC disabled or opted out in firmware), or nox2apic",
		     "x2APIC enabled in firmware");
	if (c->cpus_changed) {
		char a[16], b[16];
		snprintf(a, sizeof(a), "%d", o->online_cpus);
		snprintf(b, sizeof(b), "%d", n->online_cpus);
		drift(c, "drift-cpus", SEV_WARNING, NULL, a, b,
		      cmdline_touched(c, cpu_keys)
			      ? "the kernel command line changed (maxcpus= / nosmt)"
			      : "BIOS profile reset (SMT / cores disabled in setup), CPU hot-unplug, or a failed CPU",
		      "online CPUs changed from %d to %d", o->online_cpus, n->online_cpus);
	}
	const char *irqb_cause =
		c->kernel_changed ? "package or kernel update changed the irqbalance service or its configuration"
				  : "irqbalance service or its configuration changed (systemctl enable/disable, "
				    "/etc/default/irqbalance)";
	if (o->irqbalance != TRI_UNKNOWN && n->irqbalance != TRI_UNKNOWN && o->irqbalance != n->irqbalance)
		drift(c, "drift-irqbalance", SEV_WARNING, NULL, o->irqbalance == TRI_YES ? "running" : "not running",
		      n->irqbalance == TRI_YES ? "running" : "not running", irqb_cause,
		      "irqbalance is %s, the baseline has it %s", n->irqbalance == TRI_YES ? "running" : "not running",
		      o->irqbalance == TRI_YES ? "running" : "not running");
	if (o->irqbalance_banned && n->irqbalance_banned && strcmp(o->irqbalance_banned, n->irqbalance_banned))
		drift(c, "drift-irqbalance", SEV_WARNING, NULL, *o->irqbalance_banned ? o->irqbalance_banned : "(none)",
		      *n->irqbalance_banned ? n->irqbalance_banned : "(none)", irqb_cause,
		      "irqbalance banned CPUs changed from '%s' to '%s'", o->irqbalance_banned, n->irqbalance_banned);
}

static const char *name_of(const struct baseline_dev *d)
{
	return d->driver && *d->driver ? d->driver : "no driver";
}

static const char *dev_cause(const struct cctx *c, const struct baseline_dev *o, const struct baseline_dev *n,
			     const char *otherwise)
{
	if (!str_same(o->driver, n->driver) && o->driver && n->driver)
		return "driver change (a different driver is bound now)";
	if (c->kernel_changed)
		return "kernel update: the driver's defaults changed";
	if (c->cpus_changed)
		return "online CPU count changed (drivers size their queues by CPUs)";
	return otherwise;
}

static void compare_dev(struct cctx *c, const struct baseline_dev *o, const struct baseline_dev *n)
{
	const char *bdf = n->bdf;
	char ob[32], nb[32];
	if (o->driver && n->driver && strcmp(o->driver, n->driver)) {
		const char *cause =
			!strcmp(o->driver, "vfio-pci") ? "vfio binding lost (vfio-pci.ids / driver_override no longer "
							 "applied: initramfs or modprobe.d changed)"
			: c->kernel_changed
				? "kernel update (driver renamed, replaced or not built)"
				: "driver change (modprobe.d blacklist/options, package update, or binding changed)";
		drift(c, "drift-driver", SEV_WARNING, bdf, name_of(o), name_of(n), cause,
		      "%s: driver changed from %s to %s", bdf, name_of(o), name_of(n));
	} else if ((!o->driver || !n->driver) && o->handler && n->handler && strcmp(o->handler, n->handler)) {
		/* sysfs not readable on a side: the interrupt handler names tell the driver. */
		const char *cause =
			!strncmp(o->handler, "vfio", 4)
				? "vfio binding lost: the host driver took the device (IOMMU off, or vfio-pci.ids / "
				  "driver_override no longer applied)"
			: c->kernel_changed ? "kernel update (driver renamed or replaced)"
					    : "driver change (modprobe.d, package update, or binding changed)";
		drift(c, "drift-driver", SEV_WARNING, bdf, o->handler, n->handler, cause,
		      "%s: interrupt handlers changed from %s to %s (driver change)", bdf, o->handler, n->handler);
	}
	if (o->irq_mode != IRQ_MODE_UNKNOWN && n->irq_mode != IRQ_MODE_UNKNOWN && o->irq_mode != n->irq_mode) {
		/* Worse = further from per-queue MSI-X; legacy INTx is the one that stalls VMs. */
		enum severity sev = n->irq_mode == IRQ_MODE_INTX && o->irq_mode >= IRQ_MODE_MSI ? SEV_CRITICAL
				    : n->irq_mode < o->irq_mode					? SEV_WARNING
												: SEV_INFO;
		drift(c, "drift-irq-mode", sev, bdf, irq_mode_name(o->irq_mode), irq_mode_name(n->irq_mode),
		      dev_cause(c, o, n, "driver or module parameter change, or MSI disabled (pci=nomsi, quirk)"),
		      "%s (%s): interrupt mode changed from %s to %s", bdf, name_of(n), irq_mode_name(o->irq_mode),
		      irq_mode_name(n->irq_mode));
	}
	if (o->msix_table >= 0 && n->msix_table >= 0 && o->msix_table != n->msix_table) {
		snprintf(ob, sizeof(ob), "%d", o->msix_table);
		snprintf(nb, sizeof(nb), "%d", n->msix_table);
		drift(c, "drift-msix-table", n->msix_table < o->msix_table ? SEV_WARNING : SEV_INFO, bdf, ob, nb,
		      "device firmware update or BIOS/device setting (SR-IOV, NIC partitioning), or a different card",
		      "%s (%s): MSI-X table size changed from %d to %d", bdf, name_of(n), o->msix_table, n->msix_table);
	}
	if (o->vectors >= 0 && n->vectors >= 0 && o->vectors != n->vectors) {
		snprintf(ob, sizeof(ob), "%d", o->vectors);
		snprintf(nb, sizeof(nb), "%d", n->vectors);
		drift(c, "drift-vectors", n->vectors < o->vectors ? SEV_WARNING : SEV_INFO, bdf, ob, nb,
		      dev_cause(c, o, n, "driver configuration change (module parameters, ethtool -L not persisted)"),
		      "%s (%s): interrupt vectors in use changed from %d to %d", bdf, name_of(n), o->vectors,
		      n->vectors);
	}
	const int oq[2] = { o->rx_queues, o->tx_queues }, nq[2] = { n->rx_queues, n->tx_queues };
	for (int k = 0; k < 2; k++) {
		if (oq[k] < 0 || nq[k] < 0 || oq[k] == nq[k])
			continue;
		snprintf(ob, sizeof(ob), "%d", oq[k]);
		snprintf(nb, sizeof(nb), "%d", nq[k]);
		drift(c, "drift-queues", nq[k] < oq[k] ? SEV_WARNING : SEV_INFO, bdf, ob, nb,
		      dev_cause(c, o, n,
				"queue configuration not persisted (ethtool -L / -G at boot), or driver change"),
		      "%s (%s): %s queues changed from %d to %d", bdf, name_of(n), k ? "tx" : "rx", oq[k], nq[k]);
	}
	if (o->affinity && n->affinity && strcmp(o->affinity, n->affinity)) {
		const char *cause = c->irqbalance_changed	      ? "irqbalance state changed"
				    : !str_same(o->driver, n->driver) ? "driver change"
								      : "affinity plan not applied at boot, irqbalance "
									"moved the IRQs, or managed spreading changed";
		drift(c, "drift-affinity", SEV_WARNING, bdf, o->affinity, n->affinity, cause,
		      "%s (%s): IRQ affinity policy changed", bdf, name_of(n));
	}
}

static bool ids_equal(const struct baseline_dev *a, const struct baseline_dev *b)
{
	return a->has_ids && b->has_ids && a->vendor == b->vendor && a->device == b->device;
}

static void diff_cmdline(struct cctx *c)
{
	const struct baseline *o = c->old, *n = c->now;
	if (!o->has_cmdline || !n->has_cmdline)
		return;
	/* Both lists are sorted: a merge walk finds what was removed and added. */
	int i = 0, j = 0;
	while (i < o->ncmdline || j < n->ncmdline) {
		int cmp = i >= o->ncmdline ? 1 : j >= n->ncmdline ? -1 : strcmp(o->cmdline[i], n->cmdline[j]);
		if (cmp < 0) {
			buf_printf(&c->cmd_removed, "%s%s", c->cmd_removed.len ? " " : "", o->cmdline[i++]);
		} else if (cmp > 0) {
			buf_printf(&c->cmd_added, "%s%s", c->cmd_added.len ? " " : "", n->cmdline[j++]);
		} else {
			i++;
			j++;
		}
	}
}

/*
 * Devices: pass 1 pairs the same bdf (same ids, or ids unknown on a side); pass 2 pairs
 * the rest by vendor:device, in bdf order, when both sides have the same number of that
 * id left (identical topology, other bus numbers). match[old] is the new index or -1,
 * used[new] whether it is paired, by_id[old] whether pass 2 paired it.
 */
static void pair_devices(const struct baseline *old, const struct baseline *now, int *match, bool *used, bool *by_id)
{
	int no = old->ndevs, nn = now->ndevs;
	for (int i = 0; i < no; i++) {
		match[i] = -1;
		for (int j = 0; j < nn; j++) {
			const struct baseline_dev *a = &old->devs[i], *b = &now->devs[j];
			if (!used[j] && !strcmp(a->bdf, b->bdf) && (ids_equal(a, b) || !a->has_ids || !b->has_ids)) {
				match[i] = j;
				used[j] = true;
				break;
			}
		}
	}
	for (int i = 0; i < no; i++) {
		const struct baseline_dev *a = &old->devs[i];
		if (match[i] >= 0 || !a->has_ids)
			continue;
		int left_old = 0, left_new = 0, rank = 0;
		for (int k = 0; k < no; k++)
			if ((match[k] < 0 || by_id[k]) && ids_equal(&old->devs[k], a)) {
				left_old++;
				rank += k < i;
			}
		for (int j = 0; j < nn; j++)
			left_new += !used[j] && ids_equal(&now->devs[j], a);
		if (left_old != left_new)
			continue;
		/* The rank-th unused new device with the same ids (matching in bdf order). */
		for (int j = 0, r = 0; j < nn; j++) {
			if (used[j] || !ids_equal(&now->devs[j], a))
				continue;
			if (r++ == rank) {
				match[i] = j;
				by_id[i] = true;
				break;
			}
		}
	}
	/* Pass-2 matches are committed only after all ranks were computed against the
	 * same "unmatched" picture; mark them used now. */
	for (int i = 0; i < no; i++)
		if (by_id[i])
			used[match[i]] = true;
}

int baseline_compare(const struct baseline *old, const struct baseline *now, struct findings *fs)
{
	if (!fs->arena)
		fs->arena = &fs->own;
	struct cctx c = { .old = old, .now = now, .fs = fs };
	c.kernel_changed = old->kernel && now->kernel && strcmp(old->kernel, now->kernel);
	c.cpus_changed = old->online_cpus >= 0 && now->online_cpus >= 0 && old->online_cpus != now->online_cpus;
	c.irqbalance_changed = (old->irqbalance != TRI_UNKNOWN && now->irqbalance != TRI_UNKNOWN &&
				old->irqbalance != now->irqbalance) ||
			       (old->irqbalance_banned && now->irqbalance_banned &&
				strcmp(old->irqbalance_banned, now->irqbalance_banned));
	diff_cmdline(&c);
	compare_platform(&c);

	/* Devices: paired by bdf, then by vendor:device (pair_devices). */
	int no = old->ndevs, nn = now->ndevs;
	int *match = calloc((size_t)(no ? no : 1), sizeof(int));
	bool *used = calloc((size_t)(nn ? nn : 1), sizeof(bool));
	bool *by_id = calloc((size_t)(no ? no : 1), sizeof(bool));
	if (!match || !used || !by_id) {
		free(match);
		free(used);
		free(by_id);
		buf_free(&c.cmd_removed);
		buf_free(&c.cmd_added);
		return -ENOMEM;
	}
	pair_devices(old, now, match, used, by_id);

	for (int i = 0; i < no; i++) {
		const struct baseline_dev *a = &old->devs[i];
		if (match[i] < 0) {
			char ids[16] = "unknown";
			if (a->has_ids)
				snprintf(ids, sizeof(ids), "%04x:%04x", a->vendor, a->device);
			struct buf ob = { 0 };
			buf_printf(&ob, "%s %s (%s)", a->bdf, ids, name_of(a));
			drift(&c, "drift-device-missing", SEV_WARNING, a->bdf, ob.data, "absent",
			      c.kernel_changed ? "device not found after a kernel update (driver or bus enumeration), "
						 "removed, or disabled in the BIOS"
					       : "device removed or failed, or its slot / onboard device disabled in "
						 "the BIOS (profile reset)",
			      "%s (%s, %s) is in the baseline but not on the host", a->bdf, ids, name_of(a));
			buf_free(&ob);
			continue;
		}
		const struct baseline_dev *b = &now->devs[match[i]];
		int before = c.added;
		compare_dev(&c, a, b);
		if (by_id[i] && c.added > before) {
			/* Say how the devices were paired in each finding about them. */
			for (int k = before; k < c.added; k++) {
				struct finding *f = &fs->v[fs->n - (c.added - k)];
				finding_evidence(fs, f, "matched by vendor:device", "baseline %s = now %s", a->bdf,
						 b->bdf);
			}
		}
	}
	for (int j = 0; j < nn; j++) {
		if (used[j])
			continue;
		const struct baseline_dev *b = &now->devs[j];
		char ids[16] = "unknown";
		if (b->has_ids)
			snprintf(ids, sizeof(ids), "%04x:%04x", b->vendor, b->device);
		struct buf nb = { 0 };
		buf_printf(&nb, "%s %s (%s)", b->bdf, ids, name_of(b));
		drift(&c, "drift-device-new", SEV_INFO, b->bdf, "absent", nb.data,
		      "device added, or enabled in the BIOS", "%s (%s, %s) is on the host but not in the baseline",
		      b->bdf, ids, name_of(b));
		buf_free(&nb);
	}
	free(match);
	free(used);
	free(by_id);
	buf_free(&c.cmd_removed);
	buf_free(&c.cmd_added);
	return c.added;
}

/* The drift findings' "save a new baseline" line names the file this check read
 * (the comparison does not know it), quoted for the shell when it needs to be. */
void drift_name_file(struct findings *fs, const char *path)
{
	static const char save[] = "irqsight baseline save FILE";
	bool plain = path[strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./+-")] == '\0';
	struct buf q = { 0 };
	if (plain) {
		buf_puts(&q, path);
	} else {
		buf_sh_quote(&q, path);
	}
	for (int i = 0; i < fs->n; i++)
		for (int k = 0; k < fs->v[i].nfix; k++)
			if (!strncmp(fs->v[i].fix[k], save, sizeof(save) - 1))
				fs->v[i].fix[k] = arena_printf(fs->arena, "irqsight baseline save %s%s", q.data,
							       fs->v[i].fix[k] + sizeof(save) - 1);
	buf_free(&q);
}

/* Warning and critical first, then info; the order within a severity is the
 * comparison's (platform, then devices by bdf). */
void drift_sort(struct findings *fs)
{
	for (int i = 1; i < fs->n; i++) {
		struct finding f = fs->v[i];
		int j = i;
		while (j > 0 && fs->v[j - 1].severity < f.severity) {
			fs->v[j] = fs->v[j - 1];
			j--;
		}
		fs->v[j] = f;
	}
}
