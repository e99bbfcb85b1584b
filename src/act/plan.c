/*
 * The planner. Pure: reads the host model, writes nothing (the plan lives in the
 * caller's arena). See plan.h for the invariants and docs/plan.md for the file.
 */
#include "act/plan.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/host.h"
#include "util/arena.h"
#include "util/buf.h"

/*
 * Instance numbers that the kernel hands out in probe order change across boots
 * ("virtio3" may come back as "virtio4"); the device's BDF pins the IRQ down, so
 * the pattern only has to tell the device's own vectors apart.
 */
static const char *const instance_prefixes[] = { "virtio", "nvme", "mlx4-", "hinic", "ena-" };

const char *plan_action_pattern(struct arena *a, const char *action)
{
	struct buf b = { 0 };
	size_t skip_from = (size_t)-1, skip_to = 0;
	for (size_t i = 0; i < ARRAY_SIZE(instance_prefixes); i++) {
		size_t pl = strlen(instance_prefixes[i]);
		if (strncmp(action, instance_prefixes[i], pl) != 0 || !isdigit((unsigned char)action[pl]))
			continue;
		skip_from = pl;
		skip_to = pl;
		while (isdigit((unsigned char)action[skip_to]))
			skip_to++;
		break;
	}
	for (size_t i = 0; action[i]; i++) {
		if (i == skip_from) {
			buf_putc(&b, '*');
			i = skip_to - 1;
			continue;
		}
		/* fnmatch(3) metacharacters in the literal part are escaped. */
		if (strchr("*?[]\\", action[i]))
			buf_putc(&b, '\\');
		buf_putc(&b, action[i]);
	}
	const char *r = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

static bool settable(const struct irq *q)
{
	return q->managed != TRI_YES && q->settable != TRI_NO;
}

/* The queue index of a vector: trailing digits of its queue name ("rx-3", "input.0",
 * "q2"); -1 when it has none ("rx"). */
static int queue_index(const struct irq *q)
{
	if (!q->queue)
		return -1;
	size_t n = strlen(q->queue), i = n;
	while (i > 0 && isdigit((unsigned char)q->queue[i - 1]))
		i--;
	if (i == n || n - i > 6)
		return -1;
	return atoi(q->queue + i);
}

static const struct cpuset *node_cpus(const struct host *h, int node)
{
	for (int i = 0; node >= 0 && i < h->nnodes; i++)
		if (h->nodes[i].id == node)
			return &h->nodes[i].cpus;
	return NULL;
}

/* Housekeeping CPUs near a device, and why these. */
static void device_cpus(const struct host *h, const struct pci_dev *d, const struct cpuset *hk,
			struct arena *a, struct cpuset *out, const char **why, const char **brief)
{
	*brief = "all hk";
	const struct cpuset *local = NULL;
	if (d && d->numa_node >= 0)
		local = node_cpus(h, d->numa_node);
	if (!local && d && d->has_local_cpus && !cpuset_empty(&d->local_cpus) && d->numa_node >= 0)
		local = &d->local_cpus;
	if (local) {
		cpuset_and(out, a, hk, local);
		if (!cpuset_empty(out)) {
			*why = arena_printf(a, "housekeeping CPUs of its NUMA node %d", d->numa_node);
			*brief = arena_printf(a, "node %d hk", d->numa_node);
			return;
		}
		*why = arena_printf(a, "NUMA node %d has no housekeeping CPU: all housekeeping CPUs", d->numa_node);
	} else {
		*why = d ? "NUMA node unknown: all housekeeping CPUs" : "no PCI device: all housekeeping CPUs";
	}
	cpuset_copy(out, a, hk);
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

/* Distinct queue indices of the device's settable vectors, sorted; returns the count.
 * A queue name without an index ("config", "control", "virtqueues") is not a queue of
 * a multiqueue set: such a vector is one of the device's other vectors. */
static int device_queues(const struct pci_dev *d, struct arena *a, int **out)
{
	int *v = arena_calloc(a, (size_t)(d->nirqs ? d->nirqs : 1), sizeof(int));
	int n = 0;
	for (int i = 0; i < d->nirqs; i++) {
		const struct irq *q = d->irqs[i];
		int qi = queue_index(q);
		if (qi < 0 || !settable(q))
			continue;
		bool seen = false;
		for (int j = 0; j < n && !seen; j++)
			seen = v[j] == qi;
		if (!seen)
			v[n++] = qi;
	}
	qsort(v, (size_t)n, sizeof(int), cmp_int);
	*out = v;
	return n;
}

/* The n-th member of a set (0-based, wrapping). */
static int nth_cpu(const struct cpuset *s, int n)
{
	int count = cpuset_count(s);
	if (!count)
		return -1;
	n %= count;
	int c = cpuset_next(s, 0);
	while (n-- > 0)
		c = cpuset_next(s, c + 1);
	return c;
}

/* CPUs that isolcpus=managed_irq already isolates (its managed_irq part is best effort). */
static bool ro_isol_managed(const struct host *h, const struct cpuset *s)
{
	const struct host_roles *r = &h->roles;
	return r->has[RS_ISOLCPUS] && (r->isolcpus_flags & ISOL_MANAGED_IRQ) && cpuset_subset(s, &r->src[RS_ISOLCPUS]);
}

static void plan_one_irq(const struct host *h, const struct plan *p, const struct cpuset *hk_on,
			 const struct irq *q, struct arena *a, struct plan_irq *pi)
{
	memset(pi, 0, sizeof(*pi));
	const struct pci_dev *d = q->dev;
	pi->irq = q->number;
	pi->name = q->actions;
	pi->bdf = d ? d->bdf : NULL;
	pi->driver = d ? d->driver : NULL;
	pi->vector = q->vector;
	pi->action = plan_action_pattern(a, q->action[0]);
	pi->has_now = q->has_affinity;
	if (q->has_affinity)
		cpuset_copy(&pi->now, a, &q->smp_affinity);

	if (!settable(q)) {
		pi->kind = PLAN_MANAGED;
		const char *ev = q->managed_why ? q->managed_why : q->settable == TRI_NO ? "smp_affinity is read-only" : "kernel-managed";
		bool eff = q->has_effective && !cpuset_empty(&q->effective_affinity);
		if (eff && cpuset_subset(&q->effective_affinity, hk_on)) {
			pi->why = arena_printf(a, "kernel-managed (%s): not movable at run time; runs on housekeeping CPUs already", ev);
			pi->brief = "managed: on hk";
		} else if (eff && ro_isol_managed(h, &q->effective_affinity)) {
			/* isolcpus=managed_irq is best effort (kernel/irq/cpuhotplug.c, irq_do_set_affinity):
			 * a queue whose CPU mask holds only isolated CPUs stays on one */
			pi->why = arena_printf(a, "kernel-managed (%s): not movable at run time; on isolated CPU %s although "
					      "isolcpus=managed_irq is set: the kernel keeps a queue there when its CPU mask "
					      "has no housekeeping CPU (fewer queues move it)",
					      ev, cpuset_list_str(a, &q->effective_affinity, ""));
			pi->brief = "managed: isolated";
		} else {
			pi->why = arena_printf(a, "kernel-managed (%s): not movable at run time; boot with %s", ev, p->boot_params);
			pi->brief = "managed: boot args";
		}
		return;
	}
	pi->kind = PLAN_MOVE;
	const char *where, *wb;
	struct cpuset local;
	device_cpus(h, d, hk_on, a, &local, &where, &wb);
	int *queues = NULL;
	int nq = d ? device_queues(d, a, &queues) : 0;
	int qi = queue_index(q);
	if (nq >= 2 && qi >= 0) {
		int rank = 0;
		while (rank < nq && queues[rank] != qi)
			rank++;
		int cpu = nth_cpu(&local, rank);
		cpuset_init(&pi->cpus, a, cpu);
		cpuset_set(&pi->cpus, cpu);
		pi->why = arena_printf(a, "queue %d of %d multiqueue vectors: one CPU each from the %s", rank, nq, where);
		pi->brief = arena_printf(a, "q %d/%d, %s", rank, nq, wb);
	} else {
		cpuset_copy(&pi->cpus, a, &local);
		pi->why = arena_printf(a, "%s: %s", d ? "device IRQ" : "system IRQ", where);
		pi->brief = wb;
	}
	if (q->has_affinity && cpuset_equal(&q->smp_affinity, &pi->cpus))
		pi->why = arena_printf(a, "%s (already there)", pi->why);
}

static void online_of(const struct host *h, struct arena *a, struct cpuset *out)
{
	if (h->has_online) {
		cpuset_copy(out, a, &h->online);
		return;
	}
	cpuset_init(out, a, h->max_cpu);
	for (int c = 0; c <= h->max_cpu; c++)
		if (h->cpus && h->cpus[c].online)
			cpuset_set(out, c);
}

/*
 * Which CPUs the plan keeps free (p->vm_cpus) and which take the interrupts
 * (p->housekeeping), and who said so (p->vm_cpus_from): --housekeeping, else the
 * reservations and --vm-cpus, else the declared housekeeping. 0 or -EINVAL with *why.
 */
static int split_cpus(const struct host *h, const struct plan_opts *o, struct arena *a, struct plan *p,
		      const char **why)
{
	const struct host_roles *ro = &h->roles;
	struct cpuset keep;
	cpuset_copy(&keep, a, &ro->reserved);
	if (o->vm_cpus)
		cpuset_or(&keep, a, &keep, o->vm_cpus);
	struct buf from = { 0 };
	if (o->vm_cpus)
		buf_puts(&from, "--vm-cpus");
	for (int s = 0; s < RS_N; s++)
		if (((RS_BIT(s) & RS_ISOLATION) || s == RS_VCPU) && ro->has[s] && !cpuset_empty(&ro->src[s]))
			buf_printf(&from, "%s%s", from.len ? "," : "", role_src_name(s));
	if (o->housekeeping) {
		cpuset_copy(&p->housekeeping, a, o->housekeeping);
		if (o->vm_cpus && cpuset_intersects(o->vm_cpus, o->housekeeping)) {
			buf_free(&from);
			*why = "--vm-cpus and --housekeeping overlap";
			return -EINVAL;
		}
		if (o->vm_cpus) {
			cpuset_andnot(&p->vm_cpus, a, &keep, o->housekeeping);
		} else {
			struct cpuset all;
			cpuset_or(&all, a, &p->online, &keep);
			cpuset_andnot(&p->vm_cpus, a, &all, o->housekeeping);
			buf_reset(&from);
			buf_puts(&from, "--housekeeping");
		}
		struct cpuset named;
		cpuset_and(&named, a, o->housekeeping, &ro->reserved);
		if (!cpuset_empty(&named))
			p->warning = arena_printf(a,
						  "--housekeeping names CPU(s) %s, reserved by %s: this plan puts "
						  "interrupts there",
						  cpuset_list_str(a, &named, ""), roles_why_of(a, h, &named));
	} else if (!cpuset_empty(&keep)) {
		cpuset_copy(&p->vm_cpus, a, &keep);
		/* the declared housekeeping CPUs (irqaffinity=, ...) that are left, else every other online CPU */
		cpuset_andnot(&p->housekeeping, a, &ro->declared_hk, &keep);
		if (cpuset_empty(&p->housekeeping))
			cpuset_andnot(&p->housekeeping, a, &p->online, &keep);
	} else if (!cpuset_empty(&ro->declared_hk)) {
		/* nothing reserved, but the host says where its housekeeping is */
		cpuset_copy(&p->housekeeping, a, &ro->declared_hk);
		cpuset_andnot(&p->vm_cpus, a, &p->online, &ro->declared_hk);
		for (int s = 0; s < RS_N; s++)
			if ((RS_BIT(s) & RS_HOUSEKEEPING) && ro->has[s])
				buf_printf(&from, "%s%s", from.len ? "," : "", role_src_name(s));
	} else {
		buf_free(&from);
		*why = "cannot tell which CPUs to keep free of interrupts (no isolcpus, nohz_full, isolated cpuset "
		       "partition or pinned vCPU thread): give --vm-cpus LIST or --housekeeping LIST";
		return -EINVAL;
	}
	p->vm_cpus_from = arena_strdup(a, from.data ? from.data : "");
	buf_free(&from);
	return 0;
}

int plan_make(const struct host *h, const struct plan_opts *o, struct arena *a, struct plan *p, const char **why)
{
	memset(p, 0, sizeof(*p));
	p->version = PLAN_VERSION;
	p->ncpus = h->max_cpu + 1;
	p->kernel = h->platform.kernel_release;
	online_of(h, a, &p->online);
	if (cpuset_empty(&p->online)) {
		*why = "cannot tell which CPUs are online";
		return -EINVAL;
	}
	p->nnodes = h->nnodes;
	p->nodes = arena_calloc(a, (size_t)(h->nnodes ? h->nnodes : 1), sizeof(*p->nodes));
	for (int i = 0; i < h->nnodes; i++) {
		p->nodes[i].id = h->nodes[i].id;
		cpuset_copy(&p->nodes[i].cpus, a, &h->nodes[i].cpus);
	}

	/*
	 * CPUs kept free of interrupts ("vm-cpus"): every reservation of the roles model
	 * (isolated by any source, nohz_full, pinned vCPUs) plus --vm-cpus, which adds to
	 * them and never cancels them. Only --housekeeping may name a reserved CPU, and the
	 * plan then says so (p->warning). host_build() derives the roles (a model built by
	 * hand calls roles_derive() itself: the host is const here); none derived, no plan.
	 */
	if (!h->roles.derived) {
		*why = "the host's CPU roles were not derived (roles_derive)";
		return -EINVAL;
	}
	int err = split_cpus(h, o, a, p, why);
	if (err)
		return err;
	const struct host_roles *ro = &h->roles;
	struct cpuset hk_on;
	cpuset_and(&hk_on, a, &p->housekeeping, &p->online);
	if (cpuset_empty(&hk_on)) {
		*why = arena_printf(a, "no online housekeeping CPU is left (online %s, kept free %s by %s): "
				    "leave at least one CPU to the host, or name them with --housekeeping LIST",
				    cpuset_list_str(a, &p->online, ""), cpuset_list_str(a, &p->vm_cpus, ""), p->vm_cpus_from);
		return -EINVAL;
	}
	/* An explicit --housekeeping of every CPU is a plan too: it spreads queues, keeps nothing free. */
	if (cpuset_empty(&p->vm_cpus) && !o->housekeeping) {
		*why = "the VM CPU set is empty: nothing to separate";
		return -EINVAL;
	}

	p->has_default_affinity = true;
	cpuset_copy(&p->default_affinity, a, &hk_on);

	/* IRQBALANCE_BANNED_CPULIST replaces irqbalance's own isolated ∪ nohz_full ban
	 * (cputree.c:setup_banned_cpus), so those CPUs go into the list as well, except the
	 * ones --housekeeping hands to interrupts. */
	struct cpuset iso;
	cpuset_copy(&iso, a, &ro->isolated);
	if (h->has_isolated)
		cpuset_or(&iso, a, &iso, &h->isolated);
	if (h->has_nohz_full)
		cpuset_or(&iso, a, &iso, &h->nohz_full);
	cpuset_andnot(&iso, a, &iso, &p->housekeeping);
	cpuset_or(&p->irqbalance_banned, a, &p->vm_cpus, &iso);
	p->has_banned = !cpuset_empty(&p->irqbalance_banned);	/* nothing to ban: leave irqbalance alone */
	if (cpuset_subset(&p->online, &p->irqbalance_banned)) {
		*why = arena_printf(a, "the irqbalance ban (VM CPUs ∪ isolated ∪ nohz_full = %s) would cover every online CPU",
				    cpuset_list_str(a, &p->irqbalance_banned, ""));
		return -EINVAL;
	}
	/* An isolcpus= with managed_irq that already covers the CPUs kept free is what managed
	 * IRQs need: keep the host's own (adding "domain" would also take those CPUs out of
	 * scheduler load balancing, which the host did not ask for). */
	if (ro->has[RS_ISOLCPUS] && (ro->isolcpus_flags & ISOL_MANAGED_IRQ) && !ro->isolcpus_unknown &&
	    cpuset_subset(&p->vm_cpus, &ro->src[RS_ISOLCPUS]) && !cpuset_intersects(&ro->src[RS_ISOLCPUS], &hk_on))
		p->boot_params = arena_printf(a, "%s irqaffinity=%s", ro->where[RS_ISOLCPUS], cpuset_list_str(a, &hk_on, ""));
	else
		p->boot_params = arena_printf(a, "isolcpus=managed_irq,domain,%s irqaffinity=%s",
					      cpuset_list_str(a, &p->vm_cpus, ""), cpuset_list_str(a, &hk_on, ""));

	p->irqs = arena_calloc(a, (size_t)(h->nirqs ? h->nirqs : 1), sizeof(*p->irqs));
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		/* Per-CPU vectors (LOC, RES, ...) and IRQs with no handler or no /proc/irq/N
		 * are never part of a plan. */
		if (q->is_arch || q->number < 0 || q->naction < 1 || !q->has_affinity)
			continue;
		/* The x86 legacy timer and PIC cascade are not balanced by the kernel
		 * (IRQD_NO_BALANCING / no handler to move): writes fail, never plan them. */
		if (!q->dev && (!strcmp(q->action[0], "timer") || !strcmp(q->action[0], "cascade")))
			continue;
		plan_one_irq(h, p, &hk_on, q, a, &p->irqs[p->nirqs++]);
	}

	p->rps = arena_calloc(a, (size_t)(h->ndevs ? h->ndevs : 1), sizeof(*p->rps));
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		if (!d->netdev)
			continue;
		struct plan_rps *r = &p->rps[p->nrps++];
		const char *w, *wb;
		r->netdev = d->netdev;
		r->bdf = d->bdf;
		device_cpus(h, d, &hk_on, a, &r->cpus, &w, &wb);
	}
	return 0;
}

/* ---------------------------------------------------------------- text */

static void put_set(struct buf *b, const char *key, const struct cpuset *s)
{
	struct buf t = { 0 };
	cpuset_format_list(s, &t);
	pf_put(b, key, t.data ? t.data : "");
	buf_free(&t);
}

int plan_format(const struct plan *p, struct buf *b)
{
	struct buf t = { 0 };
	buf_puts(b, "# irqsight plan: where each interrupt should run (format: docs/plan.md).\n"
		    "# Check it with `irqsight apply PLAN` (a dry run), write it with `irqsight apply --yes PLAN`,\n"
		    "# undo it with `irqsight rollback`. IRQs are named by device and action, not by number.\n");
	buf_printf(b, "irqsight-plan %d\n", p->version);
	buf_puts(b, "host");
	buf_printf(b, " cpus=%d", p->ncpus);
	put_set(b, "online", &p->online);
	if (p->kernel)
		pf_put(b, "kernel", p->kernel);
	buf_putc(b, '\n');
	for (int i = 0; i < p->nnodes; i++) {
		buf_printf(b, "node %d", p->nodes[i].id);
		put_set(b, "cpus", &p->nodes[i].cpus);
		buf_putc(b, '\n');
	}
	buf_puts(b, "\n# CPUs that run vCPUs, and the CPUs left to the host for interrupts.\n");
	/* --housekeeping of every CPU keeps none free: no vm-cpus line (a list is never empty) */
	if (!cpuset_empty(&p->vm_cpus)) {
		cpuset_format_list(&p->vm_cpus, &t);
		buf_printf(b, "vm-cpus %s", t.data);
		if (p->vm_cpus_from)
			pf_put(b, "from", p->vm_cpus_from);
		buf_putc(b, '\n');
	}
	buf_reset(&t);
	cpuset_format_list(&p->housekeeping, &t);
	if (p->warning)
		buf_printf(b, "# warning: %s.\n", p->warning);
	buf_printf(b, "housekeeping %s\n", t.data);
	if (p->has_default_affinity) {
		buf_reset(&t);
		cpuset_format_list(&p->default_affinity, &t);
		buf_printf(b, "# /proc/irq/default_smp_affinity: where new IRQs start.\ndefault-affinity %s\n", t.data);
	}
	if (p->has_banned) {
		buf_reset(&t);
		cpuset_format_list(&p->irqbalance_banned, &t);
		buf_printf(b, "# IRQBALANCE_BANNED_CPULIST (replaces irqbalance's own isolcpus/nohz_full ban, so it includes them).\n"
			      "irqbalance-banned %s\n", t.data);
	}
	if (p->boot_params) {
		buf_puts(b, "# Kernel command line for what cannot be moved at run time (kernel-managed IRQs);\n"
			    "# irqsight never edits the boot loader.\nboot");
		pf_put(b, "cmdline", p->boot_params);
		buf_putc(b, '\n');
	}
	if (p->nirqs)
		buf_puts(b, "\n# Interrupts. Matched by dev= (PCI BDF), action= (fnmatch pattern over the action\n"
			    "# names) and vector=; irq=, name=, now= and why= are for the reader.\n");
	for (int i = 0; i < p->nirqs; i++) {
		const struct plan_irq *q = &p->irqs[i];
		buf_puts(b, q->kind == PLAN_MOVE ? "irq" : "managed");
		if (q->kind == PLAN_MOVE)
			put_set(b, "cpus", &q->cpus);
		if (q->bdf)
			pf_put(b, "dev", q->bdf);
		if (q->driver)
			pf_put(b, "driver", q->driver);
		if (q->vector >= 0)
			buf_printf(b, " vector=%d", q->vector);
		if (q->action)
			pf_put(b, "action", q->action);
		if (q->irq >= 0)
			buf_printf(b, " irq=%d", q->irq);
		if (q->name)
			pf_put(b, "name", q->name);
		if (q->has_now)
			put_set(b, "now", &q->now);
		if (q->why)
			pf_put(b, "why", q->why);
		buf_putc(b, '\n');
	}
	if (p->nrps)
		buf_puts(b, "\n# RPS: rx queues whose rps_cpus is non-zero get these CPUs; RPS that is off stays off.\n");
	for (int i = 0; i < p->nrps; i++) {
		const struct plan_rps *r = &p->rps[i];
		buf_puts(b, "rps");
		pf_put(b, "netdev", r->netdev);
		if (r->bdf)
			pf_put(b, "dev", r->bdf);
		put_set(b, "cpus", &r->cpus);
		buf_putc(b, '\n');
	}
	buf_free(&t);
	return 0;
}

bool plan_matches_host(const struct plan *p, const struct host *h, struct arena *a, const char **why)
{
	struct cpuset on;
	online_of(h, a, &on);
	if (p->ncpus != h->max_cpu + 1) {
		*why = arena_printf(a, "the plan was made for %d CPUs, this host has %d", p->ncpus, h->max_cpu + 1);
		return false;
	}
	if (!cpuset_equal(&p->online, &on)) {
		*why = arena_printf(a, "the plan was made for online CPUs %s, this host has %s",
				    cpuset_list_str(a, &p->online, ""), cpuset_list_str(a, &on, ""));
		return false;
	}
	if (p->nnodes && h->nnodes && p->nnodes != h->nnodes) {
		*why = arena_printf(a, "the plan was made for %d NUMA nodes, this host has %d", p->nnodes, h->nnodes);
		return false;
	}
	for (int i = 0; i < p->nnodes && h->nnodes; i++) {
		const struct cpuset *c = node_cpus(h, p->nodes[i].id);
		if (!c || !cpuset_equal(c, &p->nodes[i].cpus)) {
			*why = arena_printf(a, "NUMA node %d had CPUs %s when planned, now %s", p->nodes[i].id,
					    cpuset_list_str(a, &p->nodes[i].cpus, ""), c ? cpuset_list_str(a, c, "") : "none");
			return false;
		}
	}
	return true;
}
