#include "rules/common.h"

#include <stdio.h>
#include <string.h>

#include "act/plan.h"
#include "util/buf.h"

/* Can the planner make a plan with these options on this host? */
static bool plan_works(const struct host *h, const struct cpuset *vm, const struct cpuset *hk)
{
	struct arena a = { 0 };
	struct plan p;
	const char *why;
	struct plan_opts o = { .vm_cpus = vm, .housekeeping = hk };
	bool ok = plan_make(h, &o, &a, &p, &why) == 0;
	arena_free(&a);
	return ok;
}

const char *plan_fix_args(struct arena *a, const struct host *h, const struct cpuset *extra_vm, const char **decide)
{
	*decide = NULL;
	/* CPUs the roles already keep free need no flag */
	if (extra_vm && cpuset_subset(extra_vm, &h->roles.reserved))
		extra_vm = NULL;
	const char *vm_arg =
		extra_vm && !cpuset_empty(extra_vm) ? arena_printf(a, " --vm-cpus %s", cpulist(a, h, extra_vm)) : "";
	if (plan_works(h, *vm_arg ? extra_vm : NULL, NULL))
		return vm_arg;
	/* The planner cannot tell what to keep free (nothing isolated, no pinned vCPU), or the
	 * reservations leave no CPU: name the housekeeping CPUs, and say it is a choice. */
	struct cpuset on, hk;
	cpuset_copy(&on, a, h->has_online ? &h->online : &h->roles.housekeeping);
	if (extra_vm)
		cpuset_andnot(&hk, a, &on, extra_vm);
	else
		cpuset_copy(&hk, a, &on);
	const struct cpuset *vm = *vm_arg ? extra_vm : NULL;
	if (!cpuset_empty(&h->roles.reserved)) {
		/* every online CPU is reserved: the first one goes to the host (the plan warns) */
		cpuset_init(&hk, a, h->max_cpu);
		int c = cpuset_next(&on, 0);
		if (c >= 0)
			cpuset_set(&hk, c);
		if (vm && cpuset_test(vm, c))
			vm = NULL;
		*decide = arena_printf(a,
				       "Every online CPU is reserved (%s): choose the CPUs for host interrupts; the "
				       "plan below gives them CPU %d.",
				       roles_reserved_why(a, h), c);
	} else if (cpuset_empty(&hk) || !plan_works(h, vm, &hk)) {
		return NULL;
	} else {
		*decide = arena_printf(a,
				       "No CPU here is isolated or runs a pinned vCPU: the plan below spreads "
				       "interrupts over CPUs %s; add --vm-cpus LIST to keep CPUs free for guests.",
				       cpulist(a, h, &hk));
	}
	if (!plan_works(h, vm, &hk))
		return NULL;
	return arena_printf(a, "%s --housekeeping %s", vm ? vm_arg : "", cpulist(a, h, &hk));
}

bool finding_plan_fix(const struct host *h, struct findings *fs, struct finding *f, const struct cpuset *extra_vm,
		      bool persist)
{
	struct arena *a = fs->arena;
	const char *decide;
	const char *args = plan_fix_args(a, h, extra_vm, &decide);
	if (!args) {
		decide = "irqsight cannot plan on this host (its online CPUs are unknown).";
	} else {
		/* one command a line: each runs as printed, and fits the report's width */
		finding_fix(fs, f, "irqsight plan%s -o /etc/irqsight/plan", args);
		finding_fix(fs, f, "irqsight apply /etc/irqsight/plan --yes   # undo: irqsight rollback");
		if (persist)
			finding_fix(fs, f, "irqsight persist /etc/irqsight/plan   # re-applied at every boot");
	}
	/* what to decide goes before the fix lines, in plain words */
	if (decide)
		f->decision = f->decision && *f->decision ? arena_printf(a, "%s %s", f->decision, decide)
							  : arena_strdup(a, decide);
	return args != NULL;
}

/* "IRQ 36 virtio1-req.0", "LOC (Local timer interrupts)" */
static const char *irq_name(struct arena *a, const struct host *h, const struct irq *q)
{
	if (q->is_arch)
		return q->desc ? arena_printf(a, "%s (%s)", q->name, q->desc) : q->name;
	return arena_printf(a, "IRQ %s", irq_label(a, h, q));
}

static const char *pct_text(struct arena *a, double v)
{
	if (v > 0 && v < 0.1)
		return arena_printf(a, "%.2f%%", v);
	return arena_printf(a, "%.1f%%", v);
}

const char *cpu_time_text(struct arena *a, const struct host *h, int cpu, const char **key)
{
	const struct host_cpu *c = host_cpu(h, cpu);
	*key = "proc/stat";
	if (h->sample_seconds <= 0 || !c)
		return NULL;
	if (h->traced && c->irq_src == TIME_TRACE) {
		*key = "tracepoints";
		double ip, sp;
		const struct irq *q = top_time_irq(h, cpu, &ip);
		int v = top_time_softirq(h, cpu, &sp);
		double total = c->irq_pct + c->softirq_pct;
		/* Name the main hardirq source and softirq vector when each is a real part of it. */
		bool name_q = q && ip >= 0.05 && ip * 3 >= c->irq_pct;
		bool name_v = v >= 0 && sp >= 0.05 && sp * 3 >= c->softirq_pct;
		const char *what = name_q && name_v
					   ? arena_printf(a, "%s and %s softirq", irq_name(a, h, q), softirq_name(v))
				   : name_q ? irq_name(a, h, q)
				   : name_v ? arena_printf(a, "%s softirq", softirq_name(v))
					    : "hardirq and softirq handlers";
		const char *qpart = q ? arena_printf(a, ", %s %s", q->is_arch ? q->name : arena_printf(a, "IRQ %d", q->number),
						     pct_text(a, ip))
				      : "";
		const char *vpart = v >= 0 ? arena_printf(a, ", %s %s", softirq_name(v), pct_text(a, sp)) : "";
		return arena_printf(a, "%s of its time in %s (tracepoints over %.1f s: hardirq %s%s; softirq %s%s)",
				    pct_text(a, total), what, h->trace_seconds, pct_text(a, c->irq_pct), qpart,
				    pct_text(a, c->softirq_pct), vpart);
	}
	const char *no_trace = h->trace_why ? arena_printf(a, "; tracepoints not used: %s", h->trace_why) : "";
	if (c->irq_pct >= 0 && c->softirq_pct >= 0)
		return arena_printf(a, "%s of its time in hardirq and %s in softirq (/proc/stat over %.1f s)%s",
				    pct_text(a, c->irq_pct), pct_text(a, c->softirq_pct), h->sample_seconds, no_trace);
	if (h->irq_accounted == TRI_NO)
		return arena_printf(a, "hardirq time not accounted by this kernel (no CONFIG_IRQ_TIME_ACCOUNTING)%s%s",
				    c->softirq_pct >= 0
					    ? arena_printf(a, ", softirq about %s (/proc/stat, tick-sampled, over %.1f s)",
							   pct_text(a, c->softirq_pct), h->sample_seconds)
					    : "",
				    no_trace);
	if (c->softirq_pct >= 0)	/* hardirq time unknown, softirq time read: say what is known */
		return arena_printf(a, "hardirq time unknown, softirq %s (/proc/stat over %.1f s)%s",
				    pct_text(a, c->softirq_pct), h->sample_seconds, no_trace);
	return arena_printf(a, "time in hardirq/softirq unknown (/proc/stat not usable)%s", no_trace);
}

static bool is_vcpu_thread(const struct vm_thread *t)
{
	return t->kind <= VMT_VCPU_CROSVM || t->vcpu >= 0;
}

const char *vcpus_there(struct arena *a, const struct host *h, const struct vm *only, int cpu)
{
	struct buf b = { 0 };
	int nvm = 0;
	for (int i = 0; i < h->nvms; i++) {
		const struct vm *vm = &h->vms[i];
		if (only && vm != only)
			continue;
		/* three groups: pinned to this CPU alone, pinned to a set with it, unpinned and last there */
		struct buf g[3] = { { 0 } };
		int n[3] = { 0, 0, 0 };
		for (int k = 0; k < vm->nthreads; k++) {
			const struct vm_thread *t = &vm->threads[k];
			if (!is_vcpu_thread(t))
				continue;
			int which;
			if (t->pinned && t->has_allowed && cpuset_test(&t->allowed, cpu))
				which = cpuset_count(&t->allowed) == 1 ? 0 : 1;
			else if (!t->pinned && t->last_cpu == cpu)
				which = 2;
			else
				continue;
			if (t->vcpu >= 0)
				buf_printf(&g[which], "%s%d", n[which] ? "," : "", t->vcpu);
			else	/* a vCPU thread without an index ("ALL CPUs/TCG") */
				buf_printf(&g[which], "%sthread %d '%s'", n[which] ? "," : "", t->tid, t->comm ? t->comm : "?");
			n[which]++;
		}
		static const char *const how[3][2] = {
			{ "is pinned there", "are pinned there" },
			{ "is pinned to CPUs that include it", "are pinned to CPUs that include it" },
			{ "last ran there (not pinned)", "last ran there (not pinned)" },
		};
		for (int w = 0; w < 3; w++) {
			if (!n[w]) {
				buf_free(&g[w]);
				continue;
			}
			if (nvm++ < 3)
				buf_printf(&b, "%svCPU%s %s of VM '%s' (pid %d) %s", b.len ? "; " : "", n[w] > 1 ? "s" : "",
					   g[w].data, vm->name ? vm->name : "?", vm->pid, how[w][n[w] > 1]);
			buf_free(&g[w]);
		}
	}
	if (nvm > 3)
		buf_printf(&b, "; and %d more (see --json vm_threads)", nvm - 3);
	const char *r = b.len ? arena_strdup(a, b.data) : NULL;
	buf_free(&b);
	return r;
}

const char *irq_label(struct arena *a, const struct host *h, const struct irq *q)
{
	if (q->is_arch)
		return q->name;
	if (q->actions && *q->actions)
		return arena_printf(a, "%d %s", q->number, q->actions);
	return arena_printf(a, "%d", q->number);
}

const char *dev_label(struct arena *a, const struct host *h, const struct pci_dev *d)
{
	if (d->driver && d->netdev)
		return arena_printf(a, "%s (%s, %s)", d->bdf, d->driver, d->netdev);
	if (d->driver)
		return arena_printf(a, "%s (%s)", d->bdf, d->driver);
	return d->bdf;
}

const char *cpumask_hex(struct arena *a, const struct host *h, const struct cpuset *s)
{
	struct buf b = { 0 };
	cpuset_format_mask(s, h->max_cpu + 1, &b);
	const char *r = arena_strdup(a, b.data ? b.data : "0");
	buf_free(&b);
	return r;
}

static bool key_eq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return false;
	}
	return true;
}

bool cmdline_has_raw(const struct host *h, const char *raw)
{
	if (!h->has_cmdline)
		return false;
	const char *eq = strchr(raw, '=');
	size_t kn = eq ? (size_t)(eq - raw) : strlen(raw);
	for (int i = 0; i < h->cmdline.nparams; i++) {
		const struct cmdline_param *p = &h->cmdline.params[i];
		if (!key_eq(p->key, strlen(p->key), raw, kn))
			continue;
		if (eq ? p->val && !strcmp(p->val, eq + 1) : !p->val)
			return true;
	}
	return false;
}

/* raw with the characters an ERE (or, repl, a sed replacement) gives meaning escaped. */
static const char *sed_escape(struct arena *a, const char *raw, bool repl)
{
	struct buf b = { 0 };
	for (const char *p = raw; *p; p++) {
		if (strchr(repl ? "\\/&" : "\\/.[]()*+?{}|^$", *p))
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	const char *r = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

/* "sed -i -E -e '...' -e '...' FILE": add each parameter at the end of the line that
 * holds the command line, remove each whole-word occurrence of the others. */
static const char *sed_cmdline(struct arena *a, const char *const *add, int nadd, const char *const *del, int ndel,
			       bool grub)
{
	struct buf b = { 0 };
	buf_puts(&b, "sed -i -E");
	for (int i = 0; i < ndel; i++) {
		const char *e = sed_escape(a, del[i], false);
		if (grub)
			buf_printf(&b, " -e '/^GRUB_CMDLINE_LINUX/s/([\" ])%s([\" ])/\\1\\2/'", e);
		else
			buf_printf(&b, " -e 's/(^| )%s( |$)/\\1\\2/'", e);
	}
	for (int i = 0; i < nadd; i++) {
		const char *e = sed_escape(a, add[i], true);
		if (grub)
			buf_printf(&b, " -e '/^GRUB_CMDLINE_LINUX=/s/\"$/ %s\"/'", e);
		else
			buf_printf(&b, " -e 's/$/ %s/'", e);
	}
	buf_puts(&b, grub ? " /etc/default/grub" : " /etc/kernel/cmdline");
	const char *r = arena_strdup(a, b.data);
	buf_free(&b);
	return r;
}

/* "PREFIX OPT=P1 OPT=P2 ..." for tools that take one parameter per option. */
static void each_opt(struct buf *b, const char *opt, const char *const *v, int n)
{
	for (int i = 0; i < n; i++)
		buf_printf(b, " %s=%s", opt, v[i]);
}

/* "grubby --update-kernel=ALL --args='A B' --remove-args='C'" */
static const char *grubby_cmd(struct arena *a, const char *const *add, int nadd, const char *const *del, int ndel)
{
	struct buf b = { 0 };
	buf_puts(&b, "grubby --update-kernel=ALL");
	for (int pass = 0; pass < 2; pass++) {
		const char *const *v = pass ? del : add;
		int n = pass ? ndel : nadd;
		if (!n)
			continue;
		buf_printf(&b, " %s='", pass ? "--remove-args" : "--args");
		for (int i = 0; i < n; i++)
			buf_printf(&b, "%s%s", i ? " " : "", v[i]);
		buf_putc(&b, '\'');
	}
	const char *r = arena_strdup(a, b.data);
	buf_free(&b);
	return r;
}

static const char *kargs_cmd(struct arena *a, const char *const *add, int nadd, const char *const *del, int ndel)
{
	struct buf b = { 0 };
	buf_puts(&b, "rpm-ostree kargs");
	each_opt(&b, "--delete", del, ndel);
	each_opt(&b, "--append", add, nadd);
	const char *r = arena_strdup(a, b.data);
	buf_free(&b);
	return r;
}

static const char *kernelstub_cmd(struct arena *a, const char *const *add, int nadd, const char *const *del, int ndel)
{
	struct buf b = { 0 };
	buf_puts(&b, "kernelstub");
	for (int i = 0; i < ndel; i++)
		buf_printf(&b, " -d %s", del[i]);
	for (int i = 0; i < nadd; i++)
		buf_printf(&b, " -a %s", add[i]);
	const char *r = arena_strdup(a, b.data);
	buf_free(&b);
	return r;
}

int fix_boot_params(const struct host *h, struct findings *fs, struct finding *f, const char *const *add_in,
		    const char *const *del_in)
{
	const char *add[16], *del[16];
	int nadd = 0, ndel = 0;
	for (int i = 0; add_in && add_in[i] && nadd < 16; i++)
		if (!cmdline_has_raw(h, add_in[i]))
			add[nadd++] = add_in[i];
	/* Without a command line, "remove X" is still the advice: it may be there. */
	for (int i = 0; del_in && del_in[i] && ndel < 16; i++)
		if (!h->has_cmdline || cmdline_has_raw(h, del_in[i]))
			del[ndel++] = del_in[i];
	if (!nadd && !ndel)
		return 0;
	struct arena *a = fs->arena;
	const struct boot *bt = &h->boot;
	if (!h->has_cmdline)
		finding_note(fs, f, "The command line was not read: leave out what it already has.");
	switch (bt->loader) {
	case BOOT_OSTREE:
		if (bt->openshift)
			finding_note(fs, f, "OpenShift node (RHCOS): set kernel arguments for the pool in its "
				     "PerformanceProfile (spec.additionalKernelArgs) or a MachineConfig "
				     "(spec.kernelArguments); the Machine Config Operator does not know of "
				     "arguments set by hand with rpm-ostree on one node.");
		finding_fix(fs, f, "%s", kargs_cmd(a, add, nadd, del, ndel));
		break;
	case BOOT_GRUB:
		if (bt->family == OS_RHEL) {
			finding_fix(fs, f, "%s", grubby_cmd(a, add, nadd, del, ndel));
			break;
		}
		finding_fix(fs, f, "%s", sed_cmdline(a, add, nadd, del, ndel, true));
		if (bt->proxmox)
			finding_fix(fs, f, "proxmox-boot-tool refresh");
		else if (bt->family == OS_DEBIAN)
			finding_fix(fs, f, "update-grub");
		else if (bt->family == OS_SUSE)
			finding_fix(fs, f, "grub2-mkconfig -o /boot/grub2/grub.cfg");
		else {
			finding_fix(fs, f, "update-grub   # Debian, Ubuntu");
			finding_fix(fs, f, "grub2-mkconfig -o /boot/grub2/grub.cfg   # SUSE, others");
		}
		break;
	case BOOT_SYSTEMD_BOOT:
		finding_fix(fs, f, "%s", sed_cmdline(a, add, nadd, del, ndel, false));
		if (bt->proxmox)
			finding_fix(fs, f, "proxmox-boot-tool refresh");
		else
			finding_note(fs, f, "Then rebuild the boot entries from /etc/kernel/cmdline: "
				     "proxmox-boot-tool refresh on Proxmox VE, kernel-install add elsewhere.");
		break;
	case BOOT_KERNELSTUB:
		finding_fix(fs, f, "%s", kernelstub_cmd(a, add, nadd, del, ndel));
		break;
	case BOOT_UNKNOWN:
		finding_note(fs, f, "Which boot loader this host uses is not known from what was read: run "
			     "the line for its own (GRUB on Debian/Ubuntu, grubby on RHEL/Fedora, rpm-ostree "
			     "on RHCOS/Fedora CoreOS, proxmox-boot-tool on Proxmox VE with systemd-boot, "
			     "kernelstub on Pop!_OS).");
		finding_fix(fs, f, "%s && update-grub   # Debian", sed_cmdline(a, add, nadd, del, ndel, true));
		finding_fix(fs, f, "%s   # RHEL", grubby_cmd(a, add, nadd, del, ndel));
		finding_fix(fs, f, "%s   # ostree", kargs_cmd(a, add, nadd, del, ndel));
		finding_fix(fs, f, "%s && proxmox-boot-tool refresh   # Proxmox", sed_cmdline(a, add, nadd, del, ndel, false));
		finding_fix(fs, f, "%s   # Pop!_OS", kernelstub_cmd(a, add, nadd, del, ndel));
		break;
	}
	finding_note(fs, f, "Reboot for the change to take effect, then run irqsight check again.");
	return nadd + ndel;
}

/* 1: 1.7 or later, 0: older, -1: unknown. */
static int irqbalance_has_cpulist(const struct host *h)
{
	const char *v = h->irqbalance_version;
	int major, minor;
	if (!v)
		return -1;
	const char *colon = strchr(v, ':');	/* a Debian epoch, "1:1.9.2-1" */
	if (colon)
		v = colon + 1;
	if (sscanf(v, "%d.%d", &major, &minor) != 2)
		return -1;
	return major > 1 || (major == 1 && minor >= 7);
}

void fix_irqbalance_ban(const struct host *h, struct findings *fs, struct finding *f, const struct cpuset *ban,
			const char *start)
{
	struct arena *a = fs->arena;
	const struct irqbalance *ib = &h->irqbalance;
	/* The model keeps paths relative to the root ("etc/default/irqbalance"). */
	const char *path = ib->config_path ? arena_printf(a, "/%s", ib->config_path + (*ib->config_path == '/'))
			   : h->boot.family == OS_RHEL ? "/etc/sysconfig/irqbalance"
						       : "/etc/default/irqbalance";
	if (!ib->config_path && h->boot.family != OS_RHEL && h->boot.family != OS_DEBIAN)
		finding_note(fs, f, "irqbalance reads /etc/default/irqbalance on Debian and Ubuntu, "
			     "/etc/sysconfig/irqbalance on RHEL and SUSE: use the one this host has.");
	int cpulist_ok = irqbalance_has_cpulist(h);
	if (cpulist_ok < 0)
		finding_note(fs, f, "The irqbalance version is not known from what was read (irqbalance --version "
			     "tells): 1.7 and later read the CPU list, older ones only the hex mask. Run one:");
	/* A file that was read loses its old assignment first; the later one wins anyway
	 * (systemd's EnvironmentFile=, a sourced shell file), so a new file is appended to. */
	for (int form = 0; form < 2; form++) {
		if ((form == 0 && cpulist_ok == 0) || (form == 1 && cpulist_ok == 1))
			continue;
		const char *var = form ? "IRQBALANCE_BANNED_CPUS" : "IRQBALANCE_BANNED_CPULIST";
		const char *val = form ? cpumask_hex(a, h, ban) : cpulist(a, h, ban);
		const char *label = cpulist_ok >= 0 ? "" : form ? "   # < 1.7" : "   # 1.7+";
		/* irqbalance reads IRQBALANCE_BANNED_CPUS first: a list needs it gone. */
		if (ib->config_path && form == 0 && ib->banned_cpus)
			finding_fix(fs, f, "sed -i -e '/^%s=/d' -e '/^IRQBALANCE_BANNED_CPUS=/d' %s && echo '%s=%s' >> %s%s", var,
				    path, var, val, path, label);
		else if (ib->config_path)
			finding_fix(fs, f, "sed -i '/^%s=/d' %s && echo '%s=%s' >> %s%s", var, path, var, val, path, label);
		else
			finding_fix(fs, f, "echo '%s=%s' >> %s%s", var, val, path, label);
	}
	finding_fix(fs, f, "systemctl %s irqbalance", start);
}
