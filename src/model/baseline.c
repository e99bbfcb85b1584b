/* A baseline from a built host: the interrupt profile kept in the file (model/baseline.h). */
#include "model/baseline.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/cpuset.h"
#include "util/str.h"

/* ---------------------------------------------------------------- profile */

/* Kernel parameters that decide how interrupts are delivered and where
 * (Documentation/admin-guide/kernel-parameters.txt). Module parameters of kvm and
 * vfio given on the command line are kept too. */
static const char *const relevant_keys[] = {
	"intel_iommu", "amd_iommu", "iommu", "iommu.passthrough", "iommu.strict", "intremap",
	"nox2apic", "x2apic_phys", "noapic", "nolapic", "pci", "isolcpus", "nohz_full",
	"irqaffinity", "rcu_nocbs", "maxcpus", "nr_cpus", "nosmt", "threadirqs", "irqpoll",
	"acpi", "pcie_ports", "pcie_aspm", "vfio-pci.ids", "vfio_pci.ids", "idle",
};
static const char *const relevant_prefixes[] = { "kvm.", "kvm_intel.", "kvm-intel.", "kvm_amd.",
						 "kvm-amd.", "vfio_iommu_type1.", "vfio-iommu-type1.",
						 "irqbalance" };

static bool key_eq(const char *a, const char *b)
{
	/* Kernel parameters compare with '-' == '_' (kernel/params.c:parameq). */
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
	}
	return !*a && !*b;
}

static bool key_starts(const char *key, const char *prefix)
{
	for (; *prefix; key++, prefix++) {
		char x = *key == '-' ? '_' : *key, y = *prefix == '-' ? '_' : *prefix;
		if (!*key || x != y)
			return false;
	}
	return true;
}

bool baseline_cmdline_relevant(const char *key)
{
	if (!key)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(relevant_keys); i++)
		if (key_eq(key, relevant_keys[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(relevant_prefixes); i++)
		if (key_starts(key, relevant_prefixes[i]))
			return true;
	return false;
}

static const char *dev_affinity(struct arena *a, const struct host *h, const struct pci_dev *d)
{
	if (d->nirqs <= 0)
		return NULL;
	bool all_managed = true, all_default = h->has_online;
	for (int i = 0; i < d->nirqs; i++) {
		const struct irq *q = d->irqs[i];
		if (!q || !q->has_affinity)
			return NULL;
		all_managed &= q->managed == TRI_YES;
		all_default &= cpuset_equal(&q->smp_affinity, &h->online) ||
			       cpuset_subset(&h->online, &q->smp_affinity);
	}
	if (all_managed)
		return "managed";
	if (all_default)
		return "default";
	struct buf b = { 0 };
	for (int i = 0; i < d->nirqs; i++) {
		if (i)
			buf_putc(&b, '/');
		cpuset_format_list(&d->irqs[i]->smp_affinity, &b);
	}
	const char *s = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

static const char *dev_handler(struct arena *a, const struct pci_dev *d)
{
	const struct irq *q = d->nirqs > 0 ? d->irqs[0] : NULL;
	const char *name = q && q->naction > 0 ? q->action[0] : NULL;
	if (!name || !*name)
		return NULL;
	size_t n = strcspn(name, "[( ");
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (name[i] >= '0' && name[i] <= '9') {
			while (i + 1 < n && name[i + 1] >= '0' && name[i + 1] <= '9')
				i++;
			*o++ = 'N';
		} else {
			*o++ = name[i];
		}
	}
	*o = '\0';
	return out;
}

void baseline_from_host(struct baseline *b, const struct host *h)
{
	memset(b, 0, sizeof(*b));
	struct arena *a = &b->arena;
	const struct platform *p = &h->platform;
	b->version = BASELINE_VERSION;
	b->kernel = p->kernel_release ? arena_strdup(a, p->kernel_release) : NULL;
	b->has_cmdline = h->has_cmdline;
	if (h->has_cmdline && h->cmdline.nparams > 0) {
		b->cmdline = arena_calloc(a, (size_t)h->cmdline.nparams, sizeof(*b->cmdline));
		for (int i = 0; i < h->cmdline.nparams; i++) {
			const struct cmdline_param *cp = &h->cmdline.params[i];
			if (baseline_cmdline_relevant(cp->key))
				b->cmdline[b->ncmdline++] = arena_strdup(a, cp->raw ? cp->raw : cp->key);
		}
		baseline_sort_cmdline(b);
	}
	b->iommu = p->iommu;
	b->interrupt_remapping = p->interrupt_remapping;
	b->x2apic = p->x2apic;
	b->ir_mode = p->ir_mode;
	b->online_cpus = h->has_online ? cpuset_count(&h->online) : -1;
	b->irqbalance = h->irqbalance.running;
	if (h->irqbalance.banned_known) {
		struct buf t = { 0 };
		cpuset_format_list(&h->irqbalance.banned, &t);
		b->irqbalance_banned = arena_strdup(a, t.data ? t.data : "");
		buf_free(&t);
	}
	b->devs = h->ndevs ? arena_calloc(a, (size_t)h->ndevs, sizeof(*b->devs)) : NULL;
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		struct baseline_dev *bd = &b->devs[b->ndevs++];
		bd->bdf = arena_strdup(a, d->bdf);
		bd->has_ids = d->has_ids;
		bd->vendor = d->vendor;
		bd->device = d->device;
		/* No ids: the device is known only from IRQ names, its driver is unknown. */
		bd->driver = d->driver ? arena_strdup(a, d->driver) : d->has_ids ? "" : NULL;
		bd->handler = dev_handler(a, d);
		bd->irq_mode = d->irq_mode;
		bd->msix_table = d->cfg.has_msix == TRI_YES ? (int)d->cfg.msix_table_size :
				 d->cfg.has_msix == TRI_NO ? 0 : -1;
		bd->vectors = d->irq_mode == IRQ_MODE_UNKNOWN ? -1 : MAX(d->nmsi_irqs, d->nirqs);
		bd->rx_queues = d->net_rx_queues;
		bd->tx_queues = d->net_tx_queues;
		if (!d->netdev)
			bd->rx_queues = bd->tx_queues = -1;
		bd->affinity = dev_affinity(a, h, d);
	}
	baseline_sort_devs(b);
}
