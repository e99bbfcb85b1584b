/* host_build(): the order of the steps, lookups, and the unreadable list. */
#include "model/host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/build.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/str.h"

const char *irq_mode_name(enum irq_mode m)
{
	static const char *const n[] = { "unknown", "none", "intx", "msi", "msix" };
	return m >= 0 && m <= IRQ_MODE_MSIX ? n[m] : "unknown";
}

const char *time_src_name(enum time_src s)
{
	static const char *const n[] = { "none", "stat", "stat-tick", "tracepoints" };
	return s >= TIME_NONE && s <= TIME_TRACE ? n[s] : "none";
}

const char *ir_mode_name(enum ir_mode m)
{
	static const char *const n[] = { "unknown", "x2apic", "xapic", "none" };
	return m >= 0 && m <= IR_MODE_NONE ? n[m] : "unknown";
}

void host_note_missing(struct host *h, const char *path, const char *why, const char *effect)
{
	for (int i = 0; i < h->nunreadable; i++) {
		struct unreadable *u = &h->unreadable[i];
		if (!strcmp(u->path, path) && !strcmp(u->reason, why)) {
			u->count++;
			return;
		}
	}
	h->unreadable = arena_grow(&h->arena, h->unreadable, (size_t)h->nunreadable, sizeof(*h->unreadable));
	struct unreadable *u = &h->unreadable[h->nunreadable++];
	u->path = arena_strdup(&h->arena, path);
	u->reason = arena_strdup(&h->arena, why);
	u->effect = arena_strdup(&h->arena, effect ? effect : "");
	u->count = 1;
}

void host_note_unreadable(struct host *h, const char *path, int err, const char *effect)
{
	const char *why = err == -ENOENT ? "not present" : strerror(-err);
	host_note_missing(h, path, why, effect);
}

int host_read_str(struct host *h, const struct source *src, const char *path, const char **out)
{
	struct buf b = { 0 };
	int r = src_read(src, path, &b, 1 << 20);
	if (r) {
		buf_free(&b);
		return r;
	}
	struct slice s = slice_trim((struct slice){ b.data, b.len });
	*out = arena_strndup(&h->arena, s.p, s.n);
	buf_free(&b);
	return 0;
}

int host_read_cpulist(struct host *h, const struct source *src, const char *path, struct cpuset *set)
{
	const char *s;
	int r = host_read_str(h, src, path, &s);
	if (r)
		return r;
	/* drivers/base/cpu.c prints tick_nohz_full_mask with "%*pbl": with
	 * CONFIG_CPUMASK_OFFSTACK (Debian) and no nohz_full= the mask is NULL and
	 * the file reads "(null)" (seen on Debian 6.1 and 6.12 in tests/lab). */
	if (!strcmp(s, "(null)"))
		s = "";
	return cpuset_parse_list(set, &h->arena, s, strlen(s));
}

int host_build(struct host *h, const struct source *src, const struct host_opts *opt)
{
	struct host_opts none = { 0 };
	if (!opt)
		opt = &none;
	memset(h, 0, sizeof(*h));
	h->root = arena_strdup(&h->arena, src->root);
	h->is_live = src->is_live;
	h->is_root_user = geteuid() == 0;
	h->uptime = -1;

	int r = build_platform_early(h, src);
	if (!r)
		r = build_irqs(h, src);
	if (r < 0 && r != -ENOMEM && (h->has_klog || h->has_cmdline)) {
		/* No readable proc/interrupts but a log or a command line (a partial capture):
		 * judge what they tell; everything about IRQs is unknown. */
		host_note_unreadable(h, "proc/interrupts", r, "IRQs, devices' interrupt use and CPU load are unknown");
		h->interrupts_unusable = r == -ENOENT ? "not present" : arena_strdup(&h->arena, strerror(-r));
		r = 0;
	}
	if (r) {
		host_free(h);	/* what was read so far: nothing of it is returned */
		return r;
	}
	build_cpus(h, src);
	build_pci(h, src);
	/* Without VMs (baseline) the process list is still read for irqbalance. */
	build_procs(h, src, !opt->skip_vms);
	derive_links(h);
	build_platform_late(h, src);
	build_roles(h, src);
	build_boot(h, src);
	build_keep(h, src);
	if (opt->sample_seconds > 0 && h->is_live)
		sample_rates(h, src, opt);
	derive_load(h);
	return 0;
}

void host_free(struct host *h)
{
	arena_free(&h->arena);
}

struct irq *host_irq_by_number(const struct host *h, int number)
{
	/* Numeric rows are in ascending order: binary search. */
	int lo = 0, hi = h->nirqs - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct irq *q = &h->irqs[mid];
		int key = q->is_arch ? 0x7fffffff : q->number;
		if (key == number && !q->is_arch)
			return q;
		if (key < number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

struct irq *host_irq_by_name(const struct host *h, const char *name)
{
	for (int i = 0; i < h->nirqs; i++)
		if (!strcmp(h->irqs[i].name, name))
			return &h->irqs[i];
	return NULL;
}

static int cmp_bdf(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct pci_dev *)elem)->bdf);
}

struct pci_dev *host_dev_by_bdf(const struct host *h, const char *bdf)
{
	if (!bdf || !h->ndevs)
		return NULL;
	return bsearch(bdf, h->devs, (size_t)h->ndevs, sizeof(*h->devs), cmp_bdf);
}

const struct host_cpu *host_cpu(const struct host *h, int id)
{
	if (id < 0 || id > h->max_cpu || !h->cpus)
		return NULL;
	return &h->cpus[id];
}

uint64_t host_irq_count_on(const struct host *h, const struct irq *q, int cpu)
{
	const struct host_cpu *c = host_cpu(h, cpu);
	if (!c || c->col < 0 || !q->counts || c->col >= h->ncols)
		return 0;
	return q->counts[c->col];
}

size_t irq_action_stem(const char *a)
{
	const char *at = strstr(a, "@pci:");
	return at ? (size_t)(at - a) : strlen(a);
}

bool irq_action_pci_split(const char *a, struct slice *driver, struct slice *word, struct slice *bdf)
{
	size_t stem = irq_action_stem(a);
	const char *u = a[stem] ? memrchr(a, '_', stem) : NULL;
	if (!u || u == a || u + 1 == a + stem)
		return false;
	*driver = (struct slice){ a, (size_t)(u - a) };
	*word = (struct slice){ u + 1, (size_t)(a + stem - u - 1) };
	*bdf = slice_of(a + stem + 5);
	return true;
}

const char *host_irq_chip_text(const struct host *h, const struct irq *q)
{
	struct arena *a = (struct arena *)&h->arena;
	if (q->is_arch)
		return q->name;
	if (q->fused)
		return arena_printf(a, "%s-%s", q->chip ? q->chip : "", q->flow ? q->flow : "");
	return arena_printf(a, "%s%s%s%s%s%s%s", q->chip ? q->chip : "", q->hwirq || q->flow ? " " : "",
			    q->hwirq ? q->hwirq : "", q->flow ? "-" : "", q->flow ? q->flow : "",
			    q->trigger ? " " : "", q->trigger ? q->trigger : "");
}

void host_irq_cpus(const struct host *h, const struct irq *q, struct cpuset *out)
{
	struct arena *a = (struct arena *)&h->arena;
	if (q->has_effective && !cpuset_empty(&q->effective_affinity)) {
		cpuset_copy(out, a, &q->effective_affinity);
		return;
	}
	if (q->has_affinity && !cpuset_empty(&q->smp_affinity)) {
		cpuset_and(out, a, &q->smp_affinity, h->has_online ? &h->online : &q->smp_affinity);
		if (!cpuset_empty(out))
			return;
	}
	cpuset_init(out, a, h->max_cpu);
	for (int col = 0; q->counts && col < h->ncols; col++)
		if (q->counts[col])
			cpuset_set(out, h->col_cpu[col]);
}

enum iommu_vendor host_iommu_hw(const struct host *h)
{
	const struct platform *p = &h->platform;
	bool amd = (p->cpu_vendor && strstr(p->cpu_vendor, "AMD")) || p->iommu_vendor == IOMMU_VENDOR_AMD;
	bool intel = (p->cpu_vendor && strstr(p->cpu_vendor, "Intel")) || p->iommu_vendor == IOMMU_VENDOR_INTEL;
	if (intel != amd)
		return intel ? IOMMU_VENDOR_INTEL : IOMMU_VENDOR_AMD;
	if (p->iommu_vendor == IOMMU_VENDOR_ARM)
		return IOMMU_VENDOR_ARM;
	return IOMMU_VENDOR_UNKNOWN;
}

enum param_effect host_iommu_param(const struct host *h, const char *key, const char *word, const char **raw)
{
	if (raw)
		*raw = NULL;
	if (!h->has_cmdline)
		return PARAM_ABSENT;
	const struct cmdline_param *cp = cmdline_get(&h->cmdline, key);
	if (!cp || (word && !cmdline_has_word(&h->cmdline, key, word)))
		return PARAM_ABSENT;
	if (raw)
		*raw = cp->raw;
	enum iommu_vendor v = host_iommu_hw(h);
	enum iommu_vendor reader = !strcmp(key, "intel_iommu") ? IOMMU_VENDOR_INTEL
				   : !strcmp(key, "amd_iommu") ? IOMMU_VENDOR_AMD : IOMMU_VENDOR_UNKNOWN;
	if (reader == IOMMU_VENDOR_UNKNOWN)
		return PARAM_APPLIES;	/* iommu=: arch code, read whatever the vendor */
	if (v == IOMMU_VENDOR_UNKNOWN)
		return PARAM_VENDOR_UNKNOWN;
	return v == reader ? PARAM_APPLIES : PARAM_OTHER_VENDOR;
}
