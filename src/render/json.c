/* The JSON report; the schema is documented in docs/json.md and versioned by "schema". */
#include <string.h>
#include <time.h>

#include "model/host.h"
#include "model/query.h"
#include "model/vms.h"
#include "render/render.h"
#include "rules/finding.h"
#include "util/buf.h"
#include "util/json.h"

#define JSON_SCHEMA 1

static void tri(struct json *j, const char *key, enum tri t)
{
	json_str(j, key, tri_yesno(t));
}

static void cpus_str(struct json *j, struct arena *a, const struct host *h, const char *key, const struct cpuset *s,
		     bool known)
{
	if (!known)
		json_null(j, key);
	else
		json_str(j, key, cpulist(a, h, s));
}

static void platform(struct json *j, struct arena *a, const struct host *h)
{
	const struct platform *p = &h->platform;
	static const char *const vendors[] = { "unknown", "intel", "amd", "arm", "none" };
	json_obj_begin(j, "platform");
	json_str(j, "arch", p->arch);
	json_str(j, "kernel", p->kernel_release);
	json_str(j, "cpu_vendor", p->cpu_vendor);
	json_bool(j, "virtual_machine", p->is_virtual);
	json_str(j, "iommu", tri_onoff(p->iommu));
	json_str(j, "iommu_vendor", vendors[p->iommu_vendor]);
	json_str(j, "iommu_evidence", p->iommu_evidence);
	if (p->iommu_units >= 0)
		json_int(j, "iommu_units", p->iommu_units);
	else
		json_null(j, "iommu_units");
	if (p->iommu_groups >= 0)
		json_int(j, "iommu_groups", p->iommu_groups);
	else
		json_null(j, "iommu_groups");
	json_str(j, "default_domain", p->default_domain);
	json_str(j, "interrupt_remapping", tri_onoff(p->interrupt_remapping));
	json_str(j, "ir_mode", ir_mode_name(p->ir_mode));
	json_str(j, "ir_evidence", p->ir_evidence);
	json_int(j, "remapped_irqs", p->remapped_irqs);
	json_int(j, "unremapped_irqs", p->unremapped_irqs);
	json_str(j, "x2apic", tri_onoff(p->x2apic));
	json_str(j, "apicv", tri_onoff(p->apicv));
	json_str(j, "device_posted_irqs", tri_onoff(p->device_posted_irqs));
	json_str(j, "unsafe_interrupts", tri_onoff(p->unsafe_interrupts));
	json_int(j, "vfio_devices", p->vfio_devices);
	json_str(j, "cmdline", h->has_cmdline ? h->cmdline.raw : NULL);
	if (p->has_default_affinity)
		json_str(j, "default_smp_affinity", cpulist(a, h, &p->default_smp_affinity));
	else
		json_null(j, "default_smp_affinity");
	json_obj_end(j);
}

/* cpus.per_cpu[].roles: one entry per source that names the CPU (docs/json.md). */
static void cpu_roles(struct json *j, struct arena *a, const struct host *h, const struct host_cpu *cpu)
{
	const struct host_roles *r = &h->roles;
	json_str(j, "role", cpu_role(h, cpu));
	json_arr_begin(j, "roles");
	for (int s = 0; s < RS_N; s++) {
		if (!(cpu->roles & RS_BIT(s)))
			continue;
		json_obj_begin(j, NULL);
		json_str(j, "role", role_src_kind((enum role_src)s));
		json_str(j, "source", role_src_name(s));
		if (s == RS_VCPU) {
			json_str(j, "vm", cpu->vm && cpu->vm->name ? cpu->vm->name : NULL);
			if (cpu->vm)
				json_int(j, "pid", cpu->vm->pid);
			else
				json_null(j, "pid");
		} else {
			json_str(j, "from", r->where[s]);
		}
		if (s == RS_ISOLCPUS) {
			json_arr_begin(j, "flags");
			if (r->isolcpus_flags & ISOL_NOHZ)
				json_str(j, NULL, "nohz");
			if (r->isolcpus_flags & ISOL_DOMAIN)
				json_str(j, NULL, "domain");
			if (r->isolcpus_flags & ISOL_MANAGED_IRQ)
				json_str(j, NULL, "managed_irq");
			json_arr_end(j);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void cpus(struct json *j, struct arena *a, const struct host *h)
{
	struct load l;
	device_load(a, h, &l);
	json_obj_begin(j, "cpus");
	cpus_str(j, a, h, "possible", &h->possible, h->has_possible);
	cpus_str(j, a, h, "online", &h->online, h->has_online);
	/* the roles model: every isolation source together (not only sysfs) */
	const struct host_roles *r = &h->roles;
	cpus_str(j, a, h, "isolated", &r->isolated,
		 h->has_isolated || r->has[RS_ISOLCPUS] || r->has[RS_NOHZ_FULL] || r->has[RS_CPUSET]);
	cpus_str(j, a, h, "nohz_full", &r->src[RS_NOHZ_FULL], h->has_nohz_full || r->has[RS_NOHZ_FULL]);
	cpus_str(j, a, h, "vm", &r->vm, true);
	cpus_str(j, a, h, "reserved", &r->reserved, true);
	cpus_str(j, a, h, "housekeeping", &r->housekeeping, true);
	json_bool(j, "ids_assumed", h->cpu_ids_assumed);
	json_arr_begin(j, "per_cpu");
	for (int c = 0; c <= h->max_cpu; c++) {
		const struct host_cpu *cpu = &h->cpus[c];
		if (!cpu->online)
			continue;
		json_obj_begin(j, NULL);
		json_int(j, "cpu", c);
		if (cpu->node >= 0)
			json_int(j, "node", cpu->node);
		else
			json_null(j, "node");
		json_bool(j, "isolated", cpu->isolated);
		json_bool(j, "nohz_full", cpu->nohz_full);
		cpu_roles(j, a, h, cpu);
		if (h->has_interrupts)
			json_uint(j, "device_irqs", cpu->dev_irq_count);
		else
			json_null(j, "device_irqs");	/* no /proc/interrupts: unknown, not 0 */
		if (cpu->dev_irq_rate >= 0)
			json_double(j, "device_irq_rate", cpu->dev_irq_rate, 1);
		else
			json_null(j, "device_irq_rate");
		if (h->has_interrupts)
			json_double(j, "device_irq_share", l.total > 0 ? l.per_cpu[c] / l.total : 0, 4);
		else
			json_null(j, "device_irq_share");
		if (cpu->has_softirq) {
			json_obj_begin(j, "softirqs");
			for (int v = 0; v < SOFTIRQ_NR; v++)
				json_uint(j, softirq_name(v), cpu->softirq[v]);
			json_obj_end(j);
		} else {
			json_null(j, "softirqs");
		}
		if (h->sample_seconds > 0) {
			json_obj_begin(j, "softirq_rates");
			for (int v = 0; v < SOFTIRQ_NR; v++)
				json_double(j, softirq_name(v), cpu->softirq_rate[v] > 0 ? cpu->softirq_rate[v] : 0, 1);
			json_obj_end(j);
		} else {
			json_null(j, "softirq_rates");
		}
		/* Each unknown on its own: a kernel without IRQ time accounting has a
		 * (tick-sampled) softirq share but no hardirq share. */
		if (cpu->irq_pct >= 0)
			json_double(j, "irq_pct", cpu->irq_pct, 2);
		else
			json_null(j, "irq_pct");
		if (cpu->softirq_pct >= 0)
			json_double(j, "softirq_pct", cpu->softirq_pct, 2);
		else
			json_null(j, "softirq_pct");
		if (h->sample_seconds > 0) {
			json_str(j, "irq_pct_source", time_src_name(cpu->irq_pct >= 0 ? cpu->irq_src : TIME_NONE));
			json_str(j, "softirq_pct_source",
				 time_src_name(cpu->softirq_pct >= 0 ? cpu->softirq_src : TIME_NONE));
			if (h->traced && cpu->softirq_time_pct[0] >= 0) {
				json_obj_begin(j, "softirq_time_pct");
				for (int v = 0; v < SOFTIRQ_NR; v++)
					json_double(j, softirq_name(v), cpu->softirq_time_pct[v], 3);
				json_obj_end(j);
			} else {
				json_null(j, "softirq_time_pct");
			}
		}
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void dev_caps(struct json *j, const struct pci_dev *d)
{
	const struct pci_cfg *cf = &d->cfg;
	/* Without the full config space the capabilities are unknown, not absent. */
	enum tri has_msix = d->cfg_full || cf->has_msix == TRI_NO ? cf->has_msix : TRI_UNKNOWN;
	enum tri has_msi = d->cfg_full || cf->has_msi == TRI_NO ? cf->has_msi : TRI_UNKNOWN;
	json_obj_begin(j, "msix");
	tri(j, "capable", has_msix);
	if (has_msix == TRI_YES) {
		json_bool(j, "enabled", cf->msix_enabled);
		json_bool(j, "function_masked", cf->msix_function_masked);
		json_uint(j, "table_size", cf->msix_table_size);
	} else {
		json_null(j, "enabled");
		json_null(j, "function_masked");
		json_null(j, "table_size");
	}
	json_obj_end(j);
	json_obj_begin(j, "msi");
	tri(j, "capable", has_msi);
	if (has_msi == TRI_YES) {
		json_bool(j, "enabled", cf->msi_enabled);
		json_uint(j, "vectors_capable", cf->msi_vectors_capable);
		json_uint(j, "vectors_enabled", cf->msi_vectors_enabled);
		json_bool(j, "maskable", cf->msi_maskable);
	} else {
		json_null(j, "enabled");
		json_null(j, "vectors_capable");
		json_null(j, "vectors_enabled");
		json_null(j, "maskable");
	}
	json_obj_end(j);
	json_obj_begin(j, "intx");
	if (d->cfg_read && cf->header_valid) {
		if (cf->intx_pin)
			json_str(j, "pin", (const char *[]){ "A", "B", "C", "D" }[(cf->intx_pin - 1) & 3]);
		else
			json_null(j, "pin");
		json_bool(j, "disabled", cf->intx_disabled);
	} else {
		json_null(j, "pin");
		json_null(j, "disabled");
	}
	if (d->sysfs_irq >= 0)
		json_int(j, "irq", d->sysfs_irq);
	else
		json_null(j, "irq");
	json_obj_end(j);
}

static void devices(struct json *j, struct arena *a, const struct host *h)
{
	json_arr_begin(j, "devices");
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		json_obj_begin(j, NULL);
		json_str(j, "bdf", d->bdf);
		json_bool(j, "in_sysfs", d->in_sysfs);
		if (d->has_ids) {
			json_str(j, "vendor", arena_printf(a, "%04x", d->vendor));
			json_str(j, "device", arena_printf(a, "%04x", d->device));
		} else {
			json_null(j, "vendor");
			json_null(j, "device");
		}
		if (d->in_sysfs)
			json_str(j, "class", arena_printf(a, "%06x", d->class));
		else
			json_null(j, "class");
		json_str(j, "driver", d->driver);
		if (d->numa_node >= 0)
			json_int(j, "numa_node", d->numa_node);
		else
			json_null(j, "numa_node");
		if (d->has_local_cpus)
			json_str(j, "local_cpulist", cpulist(a, h, &d->local_cpus));
		else
			json_null(j, "local_cpulist");
		if (d->iommu_group >= 0)
			json_int(j, "iommu_group", d->iommu_group);
		else
			json_null(j, "iommu_group");
		json_str(j, "irq_mode", irq_mode_name(d->irq_mode));
		json_bool(j, "config_full", d->cfg_full);
		dev_caps(j, d);
		/* Without a parsed /proc/interrupts: msi_irqs/ counts the vectors, else unknown. */
		if (h->has_interrupts)
			json_int(j, "vectors_in_use", d->nirqs);
		else if (d->has_msi_irqs_dir && d->nmsi_irqs > 0)
			json_int(j, "vectors_in_use", d->nmsi_irqs);
		else
			json_null(j, "vectors_in_use");
		json_arr_begin(j, "irqs");
		for (int k = 0; k < d->nirqs; k++)
			json_int(j, NULL, d->irqs[k]->number);
		json_arr_end(j);
		json_str(j, "netdev", d->netdev);
		if (d->net_rx_queues >= 0) {
			json_int(j, "rx_queues", d->net_rx_queues);
			json_int(j, "tx_queues", d->net_tx_queues);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* page: only the keys report's page draws (HTML_IRQ_KEYS), for a host too big to embed whole */
static void irqs(struct json *j, struct arena *a, const struct host *h, bool page)
{
	json_arr_begin(j, "irqs");
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		json_obj_begin(j, NULL);
		json_str(j, "name", q->name);
		if (q->is_arch) {
			json_null(j, "irq");
			if (!page)
				json_str(j, "desc", q->desc);
		} else {
			json_int(j, "irq", q->number);
			json_str(j, "chip", q->chip);
			if (!page) {
				json_str(j, "hwirq", q->hwirq);
				json_str(j, "flow", q->flow);
			}
			json_arr_begin(j, "actions");
			for (int k = 0; k < q->naction; k++)
				json_str(j, NULL, q->action[k]);
			json_arr_end(j);
			if (!page)
				json_bool(j, "remapped", q->remapped);
			json_bool(j, "device_irq", q->is_device);
			json_str(j, "device", q->dev ? q->dev->bdf : NULL);
			if (!page) {
				if (q->vector >= 0)
					json_int(j, "vector", q->vector);
				else
					json_null(j, "vector");
				json_str(j, "smp_affinity", q->has_affinity ? cpulist(a, h, &q->smp_affinity) : NULL);
			}
			json_str(j, "effective_affinity",
				 q->has_effective ? cpulist(a, h, &q->effective_affinity) : NULL);
			json_str(j, "managed", tri_yesno(q->managed));
			if (!page)
				json_str(j, "managed_why", q->managed_why);
		}
		json_uint(j, "total", q->total);
		/* Non-zero counts only, keyed by CPU id: a 512-CPU host stays readable. */
		json_obj_begin(j, "per_cpu");
		for (int col = 0; q->counts && col < h->ncols; col++)
			if (q->counts[col])
				json_uint(j, arena_printf(a, "%d", h->col_cpu[col]), q->counts[col]);
		json_obj_end(j);
		if (q->rate >= 0)
			json_double(j, "rate", q->rate, 1);
		else
			json_null(j, "rate");
		if (h->sample_seconds > 0 && !page) {
			/* % of each CPU's time in this IRQ's handlers (tracepoints), non-zero only */
			if (h->traced) {
				json_obj_begin(j, "time_pct");
				for (int col = 0; q->cpu_time_pct && col < h->ncols; col++)
					if (q->cpu_time_pct[col] > 0)
						json_double(j, arena_printf(a, "%d", h->col_cpu[col]), q->cpu_time_pct[col], 3);
				json_obj_end(j);
			} else {
				json_null(j, "time_pct");
			}
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void vm_threads(struct json *j, struct arena *a, const struct host *h)
{
	json_arr_begin(j, "vms");
	for (int i = 0; i < h->nvms; i++) {
		const struct vm *vm = &h->vms[i];
		json_obj_begin(j, NULL);
		json_int(j, "pid", vm->pid);
		json_str(j, "name", vm->name);
		json_str(j, "vmm", vm->vmm);
		json_int(j, "vcpus", vm->nvcpus);
		json_bool(j, "vcpus_pinned", vm->vcpus_pinned);
		json_str(j, "vcpu_cpus", cpulist(a, h, &vm->vcpu_cpus));
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr_begin(j, "vm_threads");
	for (int i = 0; i < h->nvms; i++)
		for (int k = 0; k < h->vms[i].nthreads; k++) {
			const struct vm_thread *t = &h->vms[i].threads[k];
			json_obj_begin(j, NULL);
			json_int(j, "pid", t->pid);
			json_int(j, "tid", t->tid);
			json_str(j, "vm", h->vms[i].name);
			json_str(j, "comm", t->comm);
			json_str(j, "kind", vm_thread_kind_name(t->kind));
			if (t->vcpu >= 0)
				json_int(j, "vcpu", t->vcpu);
			else
				json_null(j, "vcpu");
			if (t->last_cpu >= 0)
				json_int(j, "last_cpu", t->last_cpu);
			else
				json_null(j, "last_cpu");
			json_str(j, "allowed_cpus", t->has_allowed ? cpulist(a, h, &t->allowed) : NULL);
			json_bool(j, "pinned", t->pinned);
			json_obj_end(j);
		}
	json_arr_end(j);
}

static void irqbalance(struct json *j, struct arena *a, const struct host *h)
{
	const struct irqbalance *ib = &h->irqbalance;
	json_obj_begin(j, "irqbalance");
	json_str(j, "running", tri_yesno(ib->running));
	if (ib->pid > 0)
		json_int(j, "pid", ib->pid);
	else
		json_null(j, "pid");
	json_str(j, "config", ib->config_path);
	json_str(j, "banned_cpulist", ib->banned_cpulist);
	json_str(j, "banned_cpus", ib->banned_cpus);
	json_str(j, "args", ib->args);
	json_str(j, "banned", ib->banned_known ? cpulist(a, h, &ib->banned) : NULL);
	json_str(j, "banned_source", ib->banned_source);
	json_obj_end(j);
}

static void findings(struct json *j, const struct findings *fs)
{
	json_arr_begin(j, "findings");
	for (int i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		json_obj_begin(j, NULL);
		json_str(j, "id", f->id);
		json_str(j, "severity", severity_name(f->severity));
		json_str(j, "title", f->title);
		json_arr_begin(j, "evidence");
		for (int k = 0; k < f->nevidence; k++) {
			json_obj_begin(j, NULL);
			json_str(j, "key", f->evidence[k].key);
			json_str(j, "value", f->evidence[k].value);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_str(j, "meaning", f->meaning);
		json_str(j, "decision", f->decision);
		json_arr_begin(j, "fix");
		for (int k = 0; k < f->nfix; k++)
			if (!finding_fix_is_note(f, k))
				json_str(j, NULL, f->fix[k]);
		json_arr_end(j);
		json_arr_begin(j, "notes");
		for (int k = 0; k < f->nfix; k++)
			if (finding_fix_is_note(f, k))
				json_str(j, NULL, f->fix[k]);
		json_arr_end(j);
		json_str(j, "device", f->device);
		if (f->irq >= 0)
			json_int(j, "irq", f->irq);
		else
			json_null(j, "irq");
		if (f->cpu >= 0)
			json_int(j, "cpu", f->cpu);
		else
			json_null(j, "cpu");
		json_obj_end(j);
	}
	json_arr_end(j);
}

void render_json(const struct host *h, const struct findings *fs, const struct render_opts *o, struct buf *out)
{
	struct arena own = { 0 }, *a = &own;	/* this rendering's strings: never the model's arena */
	struct json j;
	json_init(&j, out, !(o && o->compact));
	json_obj_begin(&j, NULL);
	json_int(&j, "schema", JSON_SCHEMA);
	json_obj_begin(&j, "tool");
	json_str(&j, "name", "irqsight");
	json_str(&j, "version", o && o->version ? o->version : "unknown");
	json_obj_end(&j);
	json_obj_begin(&j, "host");
	json_str(&j, "root", h->is_live ? "/" : h->root);
	json_bool(&j, "live", h->is_live);
	if (h->is_live)
		json_int(&j, "time", (int64_t)time(NULL));
	json_double(&j, "sample_seconds", h->sample_seconds, 3);
	if (h->sample_seconds > 0) {
		json_str(&j, "time_source", time_src_name(h->time_src));
		json_str(&j, "time_note", h->time_note);
		json_str(&j, "irq_time_accounted", tri_yesno(h->irq_accounted));
		if (h->traced) {
			json_obj_begin(&j, "trace");
			json_double(&j, "seconds", h->trace_seconds, 3);
			json_uint(&j, "events", h->trace_events);
			json_uint(&j, "lost", h->trace_lost);
			json_double(&j, "drain_cpu_seconds", h->trace_cpu_seconds, 4);
			if (h->trace_coverage >= 0) {
				json_double(&j, "coverage", h->trace_coverage, 3);
				json_int(&j, "coverage_cpu", h->trace_coverage_cpu);
			} else {
				json_null(&j, "coverage");
				json_null(&j, "coverage_cpu");
			}
			json_obj_end(&j);
		} else {
			json_null(&j, "trace");
		}
	}
	json_obj_end(&j);
	platform(&j, a, h);
	cpus(&j, a, h);
	devices(&j, a, h);
	irqs(&j, a, h, o && o->page_irqs);
	vm_threads(&j, a, h);
	irqbalance(&j, a, h);
	findings(&j, fs);
	json_arr_begin(&j, "unreadable");
	for (int i = 0; i < h->nunreadable; i++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "path", h->unreadable[i].path);
		json_str(&j, "reason", h->unreadable[i].reason);
		json_str(&j, "effect", h->unreadable[i].effect);
		json_int(&j, "count", h->unreadable[i].count);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	int n[3] = { 0, 0, 0 };
	for (int i = 0; i < fs->n; i++)
		n[fs->v[i].severity]++;
	json_obj_begin(&j, "summary");
	json_str(&j, "worst", severity_name(findings_worst(fs)));
	/* status: worst as a Nagios state; "unknown" when nothing above info was found but
	 * /proc/interrupts could not be judged (unknown_reason says why; check exits 3). */
	enum severity w = findings_worst(fs);
	json_str(&j, "status", w == SEV_CRITICAL ? "critical" : w == SEV_WARNING ? "warning"
						  : h->interrupts_unusable ? "unknown" : "ok");
	json_str(&j, "unknown_reason",
		 h->interrupts_unusable ? arena_printf(a, "proc/interrupts: %s", h->interrupts_unusable) : NULL);
	json_int(&j, "critical", n[SEV_CRITICAL]);
	json_int(&j, "warning", n[SEV_WARNING]);
	json_int(&j, "info", n[SEV_INFO]);
	json_obj_end(&j);
	json_obj_end(&j);
	json_end(&j);
	arena_free(&own);
}
