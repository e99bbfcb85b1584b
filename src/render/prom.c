/*
 * Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): one "# HELP" and
 * "# TYPE" line per family followed by all its samples; label values escape '\\',
 * '"' and '\n'; HELP text escapes '\\' and '\n'. Names follow the Prometheus naming
 * guide: base units (seconds), counters end in _total, ratios are 0..1.
 */
#include "render/prom.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/host.h"
#include "model/query.h"
#include "rules/finding.h"
#include "util/cpuset.h"

/* Linux exports /proc/stat in USER_HZ, which is 100 on every architecture
 * (include/asm-generic/param.h; sysconf(_SC_CLK_TCK) reports it). */
#define USER_HZ 100.0

/* The softirq vectors that device interrupts feed; the others (TIMER, SCHED, RCU,
 * HRTIMER, HI) are not interrupt topology and would only add series. */
static const int prom_softirqs[] = { SOFTIRQ_NET_RX, SOFTIRQ_NET_TX, SOFTIRQ_BLOCK, SOFTIRQ_IRQ_POLL, SOFTIRQ_TASKLET };

void prom_opts_init(struct prom_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->top_irqs = PROM_TOP_IRQS_DEFAULT;
	o->up = true;
	o->run_duration = -1;
}

/* Length of a valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

void prom_escape_label(struct buf *out, const char *s)
{
	if (!s)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		if (c < 0x80) {
			if (c == '\\')
				buf_puts(out, "\\\\");
			else if (c == '"')
				buf_puts(out, "\\\"");
			else if (c == '\n')
				buf_puts(out, "\\n");
			else
				buf_putc(out, (char)c);
			i++;
			continue;
		}
		size_t l = utf8_len(p + i, n - i);
		if (l) {
			buf_append(out, p + i, l);
			i += l;
		} else {
			buf_puts(out, "\xef\xbf\xbd");	/* U+FFFD */
			i++;
		}
	}
}

/* ---------------------------------------------------------------- writer */

struct pw {
	struct buf *out;
	bool oom;
};

static void family(struct pw *w, const char *name, const char *type, const char *help)
{
	/* HELP texts are literals without '\\' or newlines: no escaping needed. */
	if (buf_printf(w->out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type) < 0)
		w->oom = true;
}

static void value(struct pw *w, double v)
{
	int r;
	if (isnan(v))
		r = buf_puts(w->out, " NaN\n");
	else if (isinf(v))
		r = buf_puts(w->out, v > 0 ? " +Inf\n" : " -Inf\n");
	else if (v == floor(v) && fabs(v) < 1e15)
		r = buf_printf(w->out, " %.0f\n", v);
	else
		r = buf_printf(w->out, " %.6g\n", v);
	if (r < 0)
		w->oom = true;
}

/* A sample with up to 4 labels given as name/value pairs (NULL name ends the list). */
static void sample(struct pw *w, const char *name, double v, const char *k1, const char *v1,
		   const char *k2, const char *v2, const char *k3, const char *v3, const char *k4,
		   const char *v4)
{
	const char *k[4] = { k1, k2, k3, k4 }, *vals[4] = { v1, v2, v3, v4 };
	buf_puts(w->out, name);
	for (int i = 0; i < 4 && k[i]; i++) {
		buf_putc(w->out, i ? ',' : '{');
		buf_puts(w->out, k[i]);
		buf_puts(w->out, "=\"");
		prom_escape_label(w->out, vals[i] ? vals[i] : "");
		buf_putc(w->out, '"');
		if (i == 3 || !k[i + 1])
			buf_putc(w->out, '}');
	}
	value(w, v);
}

#define S0(w, n, v) sample(w, n, v, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
#define S1(w, n, v, a, b) sample(w, n, v, a, b, NULL, NULL, NULL, NULL, NULL, NULL)
#define S2(w, n, v, a, b, c, d) sample(w, n, v, a, b, c, d, NULL, NULL, NULL, NULL)
#define S3(w, n, v, a, b, c, d, e, f) sample(w, n, v, a, b, c, d, e, f, NULL, NULL)

static double tri_value(enum tri t)
{
	return t == TRI_YES ? 1 : t == TRI_NO ? 0 : NAN;
}

/* ---------------------------------------------------------------- findings */

struct fkey {
	const char *id;
	enum severity sev;
};

static int fkey_cmp(const void *a, const void *b)
{
	const struct fkey *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (int)x->sev - (int)y->sev;
}

static void render_findings(struct pw *w, const struct findings *fs, const struct prom_opts *o)
{
	int n = fs ? fs->n : 0;
	int per_sev[3] = { 0, 0, 0 };
	int drift = 0;
	enum severity worst = SEV_INFO;
	struct fkey *keys = n ? calloc((size_t)n, sizeof(*keys)) : NULL;
	if (n && !keys) {
		w->oom = true;
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct finding *f = &fs->v[i];
		keys[i].id = f->id ? f->id : "";
		keys[i].sev = f->severity;
		if (f->severity >= SEV_INFO && f->severity <= SEV_CRITICAL)
			per_sev[f->severity]++;
		if (f->severity > worst)
			worst = f->severity;
		if (!strncmp(keys[i].id, "drift-", 6))
			drift++;
	}
	if (n)
		qsort(keys, (size_t)n, sizeof(*keys), fkey_cmp);

	family(w, "irqsight_finding", "gauge",
	       "Findings of the last run by id and severity; the value counts instances (docs/findings.md#<id>).");
	for (int i = 0; i < n;) {
		int j = i;
		while (j < n && !fkey_cmp(&keys[i], &keys[j]))
			j++;
		S2(w, "irqsight_finding", j - i, "id", keys[i].id, "severity", severity_name(keys[i].sev));
		i = j;
	}
	free(keys);

	family(w, "irqsight_findings", "gauge", "Number of findings of the last run by severity.");
	for (int s = SEV_INFO; s <= SEV_CRITICAL; s++)
		S1(w, "irqsight_findings", per_sev[s], "severity", severity_name((enum severity)s));
	family(w, "irqsight_worst_severity", "gauge",
	       "Worst finding severity: 0 info/none, 1 warning, 2 critical (the check exit status).");
	S0(w, "irqsight_worst_severity", worst);
	if (o->has_baseline) {
		family(w, "irqsight_drift_findings", "gauge",
		       "Number of drift-* findings against the baseline (irqsight baseline check).");
		S0(w, "irqsight_drift_findings", drift);
	}
}

/* ---------------------------------------------------------------- platform */

static const char *vendor_name(enum iommu_vendor v)
{
	switch (v) {
	case IOMMU_VENDOR_INTEL: return "intel";
	case IOMMU_VENDOR_AMD: return "amd";
	case IOMMU_VENDOR_ARM: return "arm";
	case IOMMU_VENDOR_NONE: return "none";
	default: return "unknown";
	}
}

static void render_platform(struct pw *w, const struct host *h)
{
	const struct platform *p = &h->platform;
	family(w, "irqsight_iommu", "gauge", "DMA remapping (IOMMU) active: 1 on, 0 off, NaN unknown.");
	S0(w, "irqsight_iommu", tri_value(p->iommu));
	family(w, "irqsight_interrupt_remapping", "gauge",
	       "Interrupt remapping active: 1 on, 0 off, NaN unknown.");
	S0(w, "irqsight_interrupt_remapping", tri_value(p->interrupt_remapping));
	family(w, "irqsight_x2apic", "gauge", "x2APIC mode in use: 1 on, 0 off, NaN unknown.");
	S0(w, "irqsight_x2apic", tri_value(p->x2apic));
	family(w, "irqsight_platform_info", "gauge",
	       "Platform facts as labels; the value is always 1.");
	sample(w, "irqsight_platform_info", 1, "kernel", p->kernel_release ? p->kernel_release : "unknown",
	       "iommu_vendor", vendor_name(p->iommu_vendor), "ir_mode", ir_mode_name(p->ir_mode),
	       "arch", p->arch ? p->arch : "unknown");
	family(w, "irqsight_vfio_devices", "gauge", "PCI devices bound to vfio-pci (passed through to VMs).");
	S0(w, "irqsight_vfio_devices", p->vfio_devices);
	family(w, "irqsight_unreadable", "gauge",
	       "Paths (or path patterns) that could not be read; facts depending on them are unknown.");
	S0(w, "irqsight_unreadable", h->nunreadable);
	family(w, "irqsight_irqbalance_running", "gauge", "irqbalance running: 1 yes, 0 no, NaN unknown.");
	S0(w, "irqsight_irqbalance_running", tri_value(h->irqbalance.running));
	if (h->irqbalance.banned_known) {
		family(w, "irqsight_irqbalance_banned_cpus", "gauge",
		       "CPUs irqbalance keeps device IRQs off (its banned set).");
		S0(w, "irqsight_irqbalance_banned_cpus", cpuset_count(&h->irqbalance.banned));
	}
}

/* ---------------------------------------------------------------- devices */

static bool dev_listed(const struct pci_dev *d)
{
	return !d->is_bridge && (d->driver || d->nirqs > 0 || d->nmsi_irqs > 0);
}

static int dev_vectors(const struct pci_dev *d)
{
	return d->nmsi_irqs > d->nirqs ? d->nmsi_irqs : d->nirqs;
}

static void render_devices(struct pw *w, const struct host *h)
{
	char ids[16];
	family(w, "irqsight_device_irq_mode", "gauge",
	       "Interrupt mode of a PCI device (label mode: msix, msi, intx, none, unknown); value 1.");
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		if (!dev_listed(d))
			continue;
		if (d->has_ids)
			snprintf(ids, sizeof(ids), "%04x:%04x", d->vendor, d->device);
		else
			snprintf(ids, sizeof(ids), "unknown");
		sample(w, "irqsight_device_irq_mode", 1, "bdf", d->bdf, "device", ids, "driver",
		       d->driver ? d->driver : "", "mode", irq_mode_name(d->irq_mode));
	}
	family(w, "irqsight_device_vectors", "gauge", "Interrupt vectors (Linux IRQs) a PCI device has in use.");
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		if (dev_listed(d))
			S2(w, "irqsight_device_vectors", dev_vectors(d), "bdf", d->bdf, "driver",
			   d->driver ? d->driver : "");
	}
	family(w, "irqsight_device_msix_table_size", "gauge",
	       "MSI-X table size of a PCI device (vectors it can have); absent when unknown or no MSI-X.");
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		if (dev_listed(d) && d->cfg.has_msix == TRI_YES)
			S2(w, "irqsight_device_msix_table_size", d->cfg.msix_table_size, "bdf", d->bdf,
			   "driver", d->driver ? d->driver : "");
	}
}

/* ---------------------------------------------------------------- CPUs */

static bool sampled(const struct host *h)
{
	return h->sample_seconds > 0;
}

static void render_cpus(struct pw *w, const struct host *h)
{
	char cpu[16];
	family(w, "irqsight_cpu_device_interrupts_total", "counter",
	       "Device interrupts (numeric /proc/interrupts rows of devices) handled by a CPU since boot.");
	for (int id = 0; id <= h->max_cpu; id++) {
		const struct host_cpu *c = &h->cpus[id];
		if (!c->online || c->col < 0)
			continue;
		snprintf(cpu, sizeof(cpu), "%d", id);
		S1(w, "irqsight_cpu_device_interrupts_total", (double)c->dev_irq_count, "cpu", cpu);
	}
	if (sampled(h)) {
		family(w, "irqsight_cpu_device_interrupts_per_second", "gauge",
		       "Device interrupt rate of a CPU over the run's sample interval.");
		for (int id = 0; id <= h->max_cpu; id++) {
			const struct host_cpu *c = &h->cpus[id];
			if (!c->online || c->col < 0 || c->dev_irq_rate < 0)
				continue;
			snprintf(cpu, sizeof(cpu), "%d", id);
			S1(w, "irqsight_cpu_device_interrupts_per_second", c->dev_irq_rate, "cpu", cpu);
		}
	}
	family(w, "irqsight_cpu_softirqs_total", "counter",
	       "Softirqs raised on a CPU since boot, for the device-fed types (NET_RX, NET_TX, BLOCK, IRQ_POLL, TASKLET).");
	for (int id = 0; id <= h->max_cpu; id++) {
		const struct host_cpu *c = &h->cpus[id];
		if (!c->online || !c->has_softirq)
			continue;
		snprintf(cpu, sizeof(cpu), "%d", id);
		for (size_t k = 0; k < ARRAY_SIZE(prom_softirqs); k++)
			S2(w, "irqsight_cpu_softirqs_total", (double)c->softirq[prom_softirqs[k]], "cpu", cpu,
			   "type", softirq_name(prom_softirqs[k]));
	}
	if (sampled(h)) {
		family(w, "irqsight_cpu_softirqs_per_second", "gauge",
		       "Softirq rate of a CPU over the run's sample interval, device-fed types only.");
		for (int id = 0; id <= h->max_cpu; id++) {
			const struct host_cpu *c = &h->cpus[id];
			if (!c->online || !c->has_softirq)
				continue;
			snprintf(cpu, sizeof(cpu), "%d", id);
			for (size_t k = 0; k < ARRAY_SIZE(prom_softirqs); k++)
				if (c->softirq_rate[prom_softirqs[k]] >= 0)
					S2(w, "irqsight_cpu_softirqs_per_second", c->softirq_rate[prom_softirqs[k]],
					   "cpu", cpu, "type", softirq_name(prom_softirqs[k]));
		}
	}
	/* Without CONFIG_IRQ_TIME_ACCOUNTING the irq column is 0 forever: that is not "no
	 * time in hardirq", so the family is left out (docs/metrics.md, unknown values). */
	if (h->irq_accounted != TRI_NO) {
		family(w, "irqsight_cpu_irq_seconds_total", "counter",
		       "Time a CPU spent in hardirq context since boot (/proc/stat irq).");
		for (int id = 0; id <= h->max_cpu; id++) {
			const struct host_cpu *c = &h->cpus[id];
			if (!c->online || !c->stat.present)
				continue;
			snprintf(cpu, sizeof(cpu), "%d", id);
			S1(w, "irqsight_cpu_irq_seconds_total", c->stat.v[ST_IRQ] / USER_HZ, "cpu", cpu);
		}
	}
	family(w, "irqsight_cpu_softirq_seconds_total", "counter",
	       "Time a CPU spent in softirq context since boot (/proc/stat softirq).");
	for (int id = 0; id <= h->max_cpu; id++) {
		const struct host_cpu *c = &h->cpus[id];
		if (!c->online || !c->stat.present)
			continue;
		snprintf(cpu, sizeof(cpu), "%d", id);
		S1(w, "irqsight_cpu_softirq_seconds_total", c->stat.v[ST_SOFTIRQ] / USER_HZ, "cpu", cpu);
	}
	int known = 0;
	for (int id = 0; id <= h->max_cpu; id++)
		known += h->cpus[id].online && h->cpus[id].irq_pct >= 0 && h->cpus[id].softirq_pct >= 0;
	if (sampled(h) && known) {
		/* Series only where both shares are known (hardirq: accounted by the kernel, or
		 * measured from tracepoints); no family at all when none is. */
		family(w, "irqsight_cpu_irq_time_ratio", "gauge",
		       "Share (0..1) of a CPU's time in hardirq + softirq over the run's sample interval.");
		for (int id = 0; id <= h->max_cpu; id++) {
			const struct host_cpu *c = &h->cpus[id];
			if (!c->online || c->irq_pct < 0 || c->softirq_pct < 0)
				continue;
			snprintf(cpu, sizeof(cpu), "%d", id);
			S1(w, "irqsight_cpu_irq_time_ratio", (c->irq_pct + c->softirq_pct) / 100.0, "cpu", cpu);
		}
	}

	/* Hot CPU: the CPU with the largest share of device interrupts, the load the
	 * irq-hotspot rule judges (model/query.h: rates when sampled, counts since boot
	 * otherwise; an unknown rate counts 0, never a count since boot). */
	struct arena own = { 0 };
	struct load l;
	device_load(&own, h, &l);
	if (l.top_cpu >= 0 && l.total > 0) {
		family(w, "irqsight_hot_cpu_share", "gauge",
		       "Share (0..1) of all device interrupts taken by the busiest CPU (rates when sampled, else counts since boot).");
		S0(w, "irqsight_hot_cpu_share", l.top_share);
		family(w, "irqsight_hot_cpu", "gauge", "CPU id of the busiest CPU by device interrupts.");
		S0(w, "irqsight_hot_cpu", l.top_cpu);
	}
	arena_free(&own);
}

/* ---------------------------------------------------------------- VMs */

/* CPUs an IRQ is delivered to, as far as known: effective affinity, else the allowed
 * affinity; false when neither was read. */
static bool delivered_cpus(const struct irq *q, const struct cpuset **out)
{
	if (q->has_effective && !cpuset_empty(&q->effective_affinity)) {
		*out = &q->effective_affinity;
		return true;
	}
	if (q->has_affinity) {
		*out = &q->smp_affinity;
		return true;
	}
	return false;
}

static void render_vms(struct pw *w, const struct host *h)
{
	int vcpus = 0, overlap = 0;
	for (int i = 0; i < h->nvms; i++)
		vcpus += h->vms[i].nvcpus;
	family(w, "irqsight_vms", "gauge", "Virtual machines (VMM processes) found.");
	S0(w, "irqsight_vms", h->nvms);
	family(w, "irqsight_vcpu_threads", "gauge", "vCPU threads found across all VMs.");
	S0(w, "irqsight_vcpu_threads", vcpus);
	/* CPUs that both run (may run) vCPUs and take active device interrupts. */
	for (int id = 0; id <= h->max_cpu && h->nvms; id++) {
		const struct host_cpu *c = &h->cpus[id];
		if (!c->online)
			continue;
		bool vm = false, dev = false;
		for (int i = 0; i < h->nvms && !vm; i++)
			vm = h->vms[i].vcpu_cpus.w && cpuset_test(&h->vms[i].vcpu_cpus, id);
		for (int i = 0; i < h->nirqs && vm && !dev; i++) {
			const struct irq *q = &h->irqs[i];
			const struct cpuset *cs;
			bool active = sampled(h) && q->rate >= 0 ? q->rate > 0 : q->total > 0;
			dev = q->is_device && active && delivered_cpus(q, &cs) && cpuset_test(cs, id);
		}
		overlap += vm && dev;
	}
	family(w, "irqsight_vcpu_irq_overlap_cpus", "gauge",
	       "CPUs where vCPU threads may run and active device IRQs are delivered (see vcpu-irq-overlap).");
	S0(w, "irqsight_vcpu_irq_overlap_cpus", overlap);
}

/* ---------------------------------------------------------------- top IRQs */

struct irank {
	const struct irq *q;
	double load;
};

static int irank_cmp(const void *a, const void *b)
{
	const struct irank *x = a, *y = b;
	if (x->load != y->load)
		return x->load < y->load ? 1 : -1;
	return x->q->number - y->q->number;
}

static void render_irqs(struct pw *w, const struct host *h, const struct prom_opts *o)
{
	int ndev = 0;
	for (int i = 0; i < h->nirqs; i++)
		ndev += h->irqs[i].is_device;
	family(w, "irqsight_device_irqs", "gauge",
	       "Device IRQs on the host; per-IRQ series are written only for the top --top-irqs of them.");
	S0(w, "irqsight_device_irqs", ndev);
	int top = o->top_irqs < 0 ? 0 : MIN(o->top_irqs, PROM_TOP_IRQS_MAX);
	if (!top || !ndev)
		return;
	struct irank *r = calloc((size_t)ndev, sizeof(*r));
	if (!r) {
		w->oom = true;
		return;
	}
	int n = 0;
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (!q->is_device)
			continue;
		r[n].q = q;
		r[n].load = sampled(h) && q->rate >= 0 ? q->rate : (double)q->total;
		n++;
	}
	qsort(r, (size_t)n, sizeof(*r), irank_cmp);
	n = MIN(n, top);
	char num[16];
	family(w, "irqsight_irq_interrupts_total", "counter",
	       "Interrupts of one of the top device IRQs since boot (label name: first action).");
	for (int i = 0; i < n; i++) {
		const struct irq *q = r[i].q;
		snprintf(num, sizeof(num), "%d", q->number);
		S3(w, "irqsight_irq_interrupts_total", (double)q->total, "irq", num, "bdf",
		   q->dev ? q->dev->bdf : "", "name", q->naction ? q->action[0] : (q->actions ? q->actions : ""));
	}
	if (sampled(h)) {
		family(w, "irqsight_irq_interrupts_per_second", "gauge",
		       "Rate of one of the top device IRQs over the run's sample interval.");
		for (int i = 0; i < n; i++) {
			const struct irq *q = r[i].q;
			if (q->rate < 0)
				continue;
			snprintf(num, sizeof(num), "%d", q->number);
			S3(w, "irqsight_irq_interrupts_per_second", q->rate, "irq", num, "bdf",
			   q->dev ? q->dev->bdf : "", "name",
			   q->naction ? q->action[0] : (q->actions ? q->actions : ""));
		}
	}
	free(r);
}

/* ---------------------------------------------------------------- all */

/* ---------------------------------------------------------------- keep */

/* What a running `irqsight keep` reported in its keep.state; nothing without one. */
static void render_keep(struct pw *w, const struct host *h)
{
	const struct keep_state *k = &h->keep;
	if (!k->present)
		return;
	family(w, "irqsight_keep_corrections_total", "counter",
	       "Values irqsight keep wrote back, by reason (since keep started).");
	for (int r = 0; r < KEEP_NREASONS; r++)
		S1(w, "irqsight_keep_corrections_total", (double)k->corrections[r], "reason", keep_reason_name(r));
	family(w, "irqsight_keep_drifted_irqs", "gauge",
	       "Held files found not as planned at keep's last verify (contested ones included).");
	S0(w, "irqsight_keep_drifted_irqs", k->drifted);
	family(w, "irqsight_keep_last_verify_timestamp_seconds", "gauge",
	       "When keep last read every held value back, seconds since the epoch.");
	S0(w, "irqsight_keep_last_verify_timestamp_seconds", (double)k->last_verify);
	family(w, "irqsight_keep_contested_irqs", "gauge",
	       "Files keep stopped holding because another writer keeps rewriting them.");
	S0(w, "irqsight_keep_contested_irqs", k->ncontested);
	if (!k->ncontested)
		return;
	/* Who owns each contested file, as keep saw it write: an alert can name it. */
	family(w, "irqsight_keep_contested_info", "gauge",
	       "A file keep stopped holding and its writer as seen (unknown when no write was seen); always 1.");
	for (int i = 0; i < k->ncontested; i++) {
		const struct keep_contested *c = &k->contested[i];
		char irq[16];
		snprintf(irq, sizeof(irq), "%d", c->irq);
		S3(w, "irqsight_keep_contested_info", 1, "irq", c->irq >= 0 ? irq : "", "path", c->path ? c->path : "",
		   "writer", c->writer ? c->writer : "unknown");
	}
}

int render_prom(const struct host *h, const struct findings *fs, const struct prom_opts *o,
		struct buf *out)
{
	struct pw w = { .out = out };
	family(&w, "irqsight_up", "gauge", "1 when the last run could build the host model, else 0.");
	S0(&w, "irqsight_up", o->up && h ? 1 : 0);
	if (o->version) {
		family(&w, "irqsight_build_info", "gauge", "irqsight version; the value is always 1.");
		S1(&w, "irqsight_build_info", 1, "version", o->version);
	}
	family(&w, "irqsight_scrape_errors_total", "counter",
	       "Runs that failed to build the host model (serve: since it started).");
	S0(&w, "irqsight_scrape_errors_total", (double)o->scrape_errors);
	if (o->run_timestamp > 0) {
		family(&w, "irqsight_last_run_timestamp_seconds", "gauge",
		       "When the metrics were computed, seconds since the epoch.");
		buf_printf(out, "irqsight_last_run_timestamp_seconds %.3f\n", o->run_timestamp);
	}
	if (o->run_duration >= 0) {
		family(&w, "irqsight_last_run_duration_seconds", "gauge",
		       "How long reading the host and running the rules took.");
		buf_printf(out, "irqsight_last_run_duration_seconds %.6f\n", o->run_duration);
	}
	if (o->up && h) {
		render_findings(&w, fs, o);
		render_platform(&w, h);
		render_devices(&w, h);
		render_cpus(&w, h);
		render_vms(&w, h);
		render_irqs(&w, h, o);
		render_keep(&w, h);
	}
	return w.oom ? -ENOMEM : 0;
}

/* ---------------------------------------------------------------- atomic write */

int prom_write_atomic(const char *path, const char *data, size_t len)
{
	/* The collector reads *.prom: the temporary name must not end in ".prom"
	 * (node_exporter textfile.go only reads files with that suffix). */
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) : 0;
	char dir[4096], tmp[4200];
	if (dirlen >= sizeof(dir) || strlen(path) + 32 >= sizeof(tmp))
		return -ENAMETOOLONG;
	if (slash) {
		memcpy(dir, path, dirlen ? dirlen : 1);
		dir[dirlen ? dirlen : 1] = '\0';
	} else {
		strcpy(dir, ".");
	}
	/* Hidden file: "dir/.name.tmp.XXXXXX". */
	snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp.XXXXXX", (int)(slash ? dirlen + 1 : 0), path,
		 slash ? slash + 1 : path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = 0;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!rc && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);	/* make the rename durable; failure here loses nothing already visible */
		close(dfd);
	}
	return 0;
}
