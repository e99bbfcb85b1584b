/*
 * CPU roles: which CPUs are isolated, declared housekeeping, or run pinned vCPUs, and
 * every source that says so (host.h "CPU roles", docs/plan.md). One model that rules,
 * the planner, text and JSON read, so they cannot disagree about a CPU.
 *
 * Sources combine; none replaces another: a host booted with isolcpus= and running
 * pinned VMs has both sets reserved. build_roles() reads what only a source has
 * (cgroup v2 partitions, systemd's system.conf); roles_derive() is pure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/build.h"
#include "util/buf.h"

const char *role_src_name(enum role_src s)
{
	static const char *const names[RS_N] = {
		[RS_ISOLCPUS] = "isolcpus",
		[RS_NOHZ_FULL] = "nohz_full",
		[RS_SYSFS_ISOLATED] = "sysfs-isolated",
		[RS_CPUSET] = "cpuset-partition",
		[RS_RCU_NOCBS] = "rcu_nocbs",
		[RS_IRQAFFINITY] = "irqaffinity",
		[RS_TUNED] = "tuned.non_isolcpus",
		[RS_SYSTEMD] = "systemd-cpu-affinity",
		[RS_VCPU] = "vcpu-pinning",
	};
	return (unsigned)s < RS_N ? names[s] : "?";
}

/* ------------------------------------------------------------ readers */

/* cgroup v2: the root's cpuset.cpus.isolated (6.7+) lists the CPUs of every isolated
 * partition; older kernels only show each partition's cpuset.cpus.partition. The walk
 * is bounded (depth, count): partitions sit near the root (they must nest under root
 * partitions), a pod's container cgroups do not matter here. */
#define CG_ROOT "sys/fs/cgroup"
enum { CG_MAX_DEPTH = 3, CG_MAX_DIRS = 2000 };

static void cg_walk(struct host *h, const struct source *src, const char *dir, int depth, int *ndirs,
		    struct cpuset *out, bool *found, const char **where)
{
	struct arena *a = &h->arena;
	if (depth > CG_MAX_DEPTH || ++*ndirs > CG_MAX_DIRS)
		return;
	struct buf b = { 0 };
	if (!src_readf(src, &b, 4096, "%s/cpuset.cpus.partition", dir) && b.data) {
		struct slice s = slice_trim((struct slice){ b.data, b.len });
		/* "isolated", or "isolated invalid (reason)" for one the kernel refused */
		if (s.n == 8 && !memcmp(s.p, "isolated", 8)) {
			struct buf e = { 0 };
			struct cpuset c;
			if (!src_readf(src, &e, 65536, "%s/cpuset.cpus.effective", dir) && e.data &&
			    !cpuset_parse_list(&c, a, e.data, e.len)) {
				cpuset_or(out, a, out, &c);
				*found = true;
				if (!*where)
					*where = arena_printf(a, "%s/cpuset.cpus.partition", dir);
			}
			buf_free(&e);
		}
	}
	buf_free(&b);
	char **names;
	size_t n;
	if (src_list(src, a, dir, &names, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		/* interface files are "controller.knob"; cgroups are directories */
		const char *sub = arena_printf(a, "%s/%s", dir, names[i]);
		struct stat st;
		if (!strncmp(names[i], "cgroup.", 7) || !strncmp(names[i], "cpuset.", 7) || src_stat(src, sub, &st) ||
		    !S_ISDIR(st.st_mode))
			continue;
		cg_walk(h, src, sub, depth + 1, ndirs, out, found, where);
	}
}

static void read_cpuset_partitions(struct host *h, const struct source *src)
{
	struct host_roles *r = &h->roles;
	struct cpuset *s = &r->src[RS_CPUSET];
	cpuset_init(s, &h->arena, h->max_cpu);
	if (!host_read_cpulist(h, src, CG_ROOT "/cpuset.cpus.isolated", s)) {
		r->has[RS_CPUSET] = true;
		r->where[RS_CPUSET] = CG_ROOT "/cpuset.cpus.isolated";
		return;
	}
	cpuset_init(s, &h->arena, h->max_cpu);
	struct stat st;
	if (src_stat(src, CG_ROOT "/cgroup.controllers", &st))
		return;	/* no cgroup v2 hierarchy here (or not captured): unknown */
	int ndirs = 0;
	bool found = false;
	cg_walk(h, src, CG_ROOT, 0, &ndirs, s, &found, &r->where[RS_CPUSET]);
	r->has[RS_CPUSET] = true;	/* walked: no partition is a fact too */
	if (!found)
		r->where[RS_CPUSET] = CG_ROOT;
}

/* systemd's CPUAffinity=: a list of CPUs and ranges separated by spaces or commas. */
static int parse_systemd_affinity(struct arena *a, const char *v, struct cpuset *out)
{
	char *t = arena_strdup(a, v);
	for (char *p = t; *p; p++)
		if (isspace((unsigned char)*p))
			*p = ',';
	/* collapse empty items ("0 , 2" -> "0,,,2") */
	char *w = t;
	for (char *p = t; *p; p++)
		if (*p != ',' || (w > t && w[-1] != ','))
			*w++ = *p;
	while (w > t && w[-1] == ',')
		w--;
	*w = '\0';
	return cpuset_parse_list(out, a, t, strlen(t));
}

/* CPUAffinity= in [Manager] of etc/systemd/system.conf, then its drop-ins (the last
 * assignment wins; an empty one resets). systemd.cpu_affinity= on the command line
 * overrides both (roles_derive). */
static void read_systemd_conf(struct host *h, const struct source *src)
{
	struct arena *a = &h->arena;
	const char *files[64];
	int nf = 0;
	files[nf++] = "etc/systemd/system.conf";
	char **names;
	size_t n;
	if (!src_list(src, a, "etc/systemd/system.conf.d", &names, &n)) {
		/* src_list sorts; drop-ins apply in lexical order */
		for (size_t i = 0; i < n && nf < 64; i++) {
			size_t l = strlen(names[i]);
			if (l > 5 && !strcmp(names[i] + l - 5, ".conf"))
				files[nf++] = arena_printf(a, "etc/systemd/system.conf.d/%s", names[i]);
		}
	}
	const char *val = NULL, *where = NULL;
	for (int i = 0; i < nf; i++) {
		struct buf b = { 0 };
		if (src_read(src, files[i], &b, 1 << 20) || !b.data) {
			buf_free(&b);
			continue;
		}
		bool manager = false;
		char *save = NULL;
		for (char *line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			while (isspace((unsigned char)*line))
				line++;
			if (*line == '[') {
				manager = !strncmp(line, "[Manager]", 9);
				continue;
			}
			if (!manager || strncmp(line, "CPUAffinity=", 12))
				continue;
			char *v = line + 12;
			size_t l = strlen(v);
			while (l && isspace((unsigned char)v[l - 1]))
				v[--l] = '\0';
			val = l ? arena_strdup(a, v) : NULL;
			where = l ? files[i] : NULL;
		}
		buf_free(&b);
	}
	struct host_roles *r = &h->roles;
	if (val && !parse_systemd_affinity(a, val, &r->src[RS_SYSTEMD])) {
		r->has[RS_SYSTEMD] = true;
		r->where[RS_SYSTEMD] = arena_printf(a, "CPUAffinity=%s in %s", val, where);
	}
}

void build_roles(struct host *h, const struct source *src)
{
	read_cpuset_partitions(h, src);
	read_systemd_conf(h, src);
	roles_derive(h);
}

/* ------------------------------------------------------------ derivation */

/* A command line CPU list: bitmap_parselist() also takes "all". */
static int cmdline_cpus(struct host *h, const char *v, struct cpuset *out)
{
	if (!strcmp(v, "all")) {
		cpuset_init(out, &h->arena, h->max_cpu);
		for (int c = 0; c <= h->max_cpu; c++)
			cpuset_set(out, c);
		return 0;
	}
	return cpuset_parse_list(out, &h->arena, v, strlen(v));
}

/* tuned.non_isolcpus=: tuned's cpulist2hex, 32-bit groups joined by commas
 * ("00000000,000007e0"); accept a 0x prefix and one long group too. */
int roles_parse_hexmask(struct arena *a, const char *v, struct cpuset *out)
{
	if (!strncmp(v, "0x", 2) || !strncmp(v, "0X", 2))
		v += 2;
	size_t len = strlen(v), ndig = 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == ',')
			continue;
		if (!isxdigit((unsigned char)v[i]))
			return -EINVAL;
		ndig++;
	}
	if (!ndig || ndig * 4 > CPUSET_MAX_CPU + 1)
		return -EINVAL;
	cpuset_init(out, a, (int)(ndig * 4 - 1));
	int bit = 0;
	for (size_t i = len; i-- > 0;) {
		if (v[i] == ',')
			continue;
		int d = isdigit((unsigned char)v[i]) ? v[i] - '0' : tolower((unsigned char)v[i]) - 'a' + 10;
		for (int k = 0; k < 4; k++, bit++)
			if (d & (1 << k))
				cpuset_set(out, bit);
	}
	return 0;
}

/* isolcpus=[flag,...]cpu-list as kernel/sched/isolation.c reads it: words up to the
 * first digit are flags; no flag means "domain". */
static void parse_isolcpus(struct host *h, const struct cmdline_param *p)
{
	struct host_roles *r = &h->roles;
	const char *v = p->val;
	unsigned flags = 0;
	while (isalpha((unsigned char)*v)) {
		const char *e = strchr(v, ',');
		size_t n = e ? (size_t)(e - v) : strlen(v);
		if (n == 4 && !strncmp(v, "nohz", 4))
			flags |= ISOL_NOHZ;
		else if (n == 6 && !strncmp(v, "domain", 6))
			flags |= ISOL_DOMAIN;
		else if (n == 11 && !strncmp(v, "managed_irq", 11))
			flags |= ISOL_MANAGED_IRQ;
		else if (!r->isolcpus_unknown)
			r->isolcpus_unknown = arena_strndup(&h->arena, v, n);
		v += n + (e ? 1 : 0);
		if (!e)
			break;
	}
	if (cmdline_cpus(h, v, &r->src[RS_ISOLCPUS]))
		return;
	r->isolcpus_flags = flags ? flags : ISOL_DOMAIN;
	r->has[RS_ISOLCPUS] = true;
	r->where[RS_ISOLCPUS] = p->raw;
}

static void cmdline_list(struct host *h, const char *key, enum role_src s)
{
	struct host_roles *r = &h->roles;
	const struct cmdline_param *p = cmdline_get(&h->cmdline, key);
	if (!p || !p->val || !*p->val)
		return;
	int rc = s == RS_TUNED ? roles_parse_hexmask(&h->arena, p->val, &r->src[s]) : cmdline_cpus(h, p->val, &r->src[s]);
	if (rc) {
		cpuset_init(&r->src[s], &h->arena, h->max_cpu);
		return;
	}
	r->has[s] = true;
	r->where[s] = p->raw;
}

static bool is_vcpu(const struct vm_thread *t)
{
	return t->kind <= VMT_VCPU_CROSVM || t->vcpu >= 0;
}

void host_online_cpus(const struct host *h, struct arena *a, struct cpuset *out)
{
	if (h->has_online) {
		cpuset_copy(out, a, &h->online);
		return;
	}
	cpuset_init(out, a, h->max_cpu);
	for (int c = 0; h->cpus && c <= h->max_cpu; c++)
		if (h->cpus[c].online)
			cpuset_set(out, c);
}

/* cpus[].roles, isolated, nohz_full and the VM whose pinned vCPUs run there, from the sources. */
static void mark_cpus(struct host *h)
{
	const struct host_roles *r = &h->roles;
	for (int c = 0; h->cpus && c <= h->max_cpu; c++) {
		struct host_cpu *cpu = &h->cpus[c];
		cpu->roles = 0;
		cpu->vm = NULL;
		for (int s = 0; s < RS_N; s++)
			if (r->has[s] && cpuset_test(&r->src[s], c))
				cpu->roles |= RS_BIT(s);
		cpu->isolated = cpu->roles & RS_ISOLATION;
		cpu->nohz_full = cpu->roles & RS_BIT(RS_NOHZ_FULL);
		for (int i = 0; !cpu->vm && i < h->nvms; i++) {
			const struct vm *vm = &h->vms[i];
			for (int k = 0; !cpu->vm && k < vm->nthreads; k++) {
				const struct vm_thread *t = &vm->threads[k];
				if (is_vcpu(t) && t->pinned && t->has_allowed && cpuset_test(&t->allowed, c))
					cpu->vm = vm;
			}
			if (!cpu->vm && vm->vcpus_pinned && vm->vcpu_cpus.w && cpuset_test(&vm->vcpu_cpus, c))
				cpu->vm = vm;
		}
	}
}

void roles_derive(struct host *h)
{
	struct host_roles *r = &h->roles;
	struct arena *a = &h->arena;
	/* The reader-filled sources (cpuset partitions, system.conf) stay; the others are
	 * derived again from the model, so calling this twice gives the same roles. */
	for (int s = 0; s < RS_N; s++) {
		if ((s == RS_CPUSET || s == RS_SYSTEMD) && r->has[s])
			continue;
		r->has[s] = false;
		r->where[s] = NULL;
		cpuset_init(&r->src[s], a, h->max_cpu);
	}
	r->isolcpus_flags = 0;
	r->isolcpus_unknown = NULL;

	if (h->has_cmdline) {
		const struct cmdline_param *p = cmdline_get(&h->cmdline, "isolcpus");
		if (p && p->val)
			parse_isolcpus(h, p);
		cmdline_list(h, "nohz_full", RS_NOHZ_FULL);
		cmdline_list(h, "rcu_nocbs", RS_RCU_NOCBS);
		cmdline_list(h, "irqaffinity", RS_IRQAFFINITY);
		cmdline_list(h, "tuned.non_isolcpus", RS_TUNED);
		/* the command line overrides system.conf's CPUAffinity= */
		struct cpuset conf = r->src[RS_SYSTEMD];
		bool had = r->has[RS_SYSTEMD];
		const char *where = r->where[RS_SYSTEMD];
		r->has[RS_SYSTEMD] = false;
		cmdline_list(h, "systemd.cpu_affinity", RS_SYSTEMD);
		if (!r->has[RS_SYSTEMD] && had) {
			r->src[RS_SYSTEMD] = conf;
			r->has[RS_SYSTEMD] = true;
			r->where[RS_SYSTEMD] = where;
		}
	}
	if (h->nohz_full_sysfs && h->has_nohz_full) {
		cpuset_or(&r->src[RS_NOHZ_FULL], a, &r->src[RS_NOHZ_FULL], &h->nohz_full);
		if (!r->has[RS_NOHZ_FULL])
			r->where[RS_NOHZ_FULL] = "/sys/devices/system/cpu/nohz_full";
		r->has[RS_NOHZ_FULL] = true;
	} else if (!h->nohz_full_sysfs && h->has_nohz_full && !r->has[RS_NOHZ_FULL]) {
		/* a hand-built model (tests) without a command line */
		cpuset_copy(&r->src[RS_NOHZ_FULL], a, &h->nohz_full);
		r->has[RS_NOHZ_FULL] = !cpuset_empty(&h->nohz_full);
		r->where[RS_NOHZ_FULL] = "nohz_full";
	}
	if (h->has_isolated && (h->isolated_sysfs || !h->has_cmdline)) {
		cpuset_copy(&r->src[RS_SYSFS_ISOLATED], a, &h->isolated);
		r->has[RS_SYSFS_ISOLATED] = h->isolated_sysfs || !cpuset_empty(&h->isolated);
		r->where[RS_SYSFS_ISOLATED] = "/sys/devices/system/cpu/isolated";
	}

	for (int i = 0; i < h->nvms; i++) {
		const struct vm *vm = &h->vms[i];
		for (int k = 0; k < vm->nthreads; k++) {
			const struct vm_thread *t = &vm->threads[k];
			if (!is_vcpu(t) || !t->pinned || !t->has_allowed)
				continue;
			cpuset_or(&r->src[RS_VCPU], a, &r->src[RS_VCPU], &t->allowed);
			r->has[RS_VCPU] = true;
		}
		if (vm->vcpus_pinned && vm->vcpu_cpus.w) {
			cpuset_or(&r->src[RS_VCPU], a, &r->src[RS_VCPU], &vm->vcpu_cpus);
			r->has[RS_VCPU] = true;
		}
	}

	cpuset_init(&r->isolated, a, h->max_cpu);
	for (int s = 0; s < RS_N; s++)
		if ((RS_BIT(s) & RS_ISOLATION) && r->has[s])
			cpuset_or(&r->isolated, a, &r->isolated, &r->src[s]);
	cpuset_copy(&r->vm, a, &r->src[RS_VCPU]);
	cpuset_or(&r->reserved, a, &r->isolated, &r->vm);

	struct cpuset on, free_on;
	host_online_cpus(h, a, &on);
	cpuset_andnot(&free_on, a, &on, &r->reserved);
	/* Declared housekeeping: where every present source agrees; irqaffinity= (the one
	 * about interrupts) alone when they disagree; their union as a last resort. */
	struct cpuset all, any;
	cpuset_copy(&all, a, &free_on);
	cpuset_init(&any, a, h->max_cpu);
	int nhk = 0;
	for (int s = 0; s < RS_N; s++)
		if ((RS_BIT(s) & RS_HOUSEKEEPING) && r->has[s]) {
			cpuset_and(&all, a, &all, &r->src[s]);
			cpuset_or(&any, a, &any, &r->src[s]);
			nhk++;
		}
	cpuset_init(&r->declared_hk, a, h->max_cpu);
	if (nhk) {
		cpuset_copy(&r->declared_hk, a, &all);
		if (cpuset_empty(&r->declared_hk) && r->has[RS_IRQAFFINITY])
			cpuset_and(&r->declared_hk, a, &free_on, &r->src[RS_IRQAFFINITY]);
		if (cpuset_empty(&r->declared_hk))
			cpuset_and(&r->declared_hk, a, &free_on, &any);
	}
	cpuset_copy(&r->housekeeping, a, cpuset_empty(&r->declared_hk) ? &free_on : &r->declared_hk);

	mark_cpus(h);
	r->derived = true;
}

/* ------------------------------------------------------------ text */

/* "isolcpus" (the default, domain), or "isolcpus=managed_irq" with the flags given */
static const char *isolcpus_text(struct arena *a, const struct host *h)
{
	unsigned f = h->roles.isolcpus_flags;
	if (f == ISOL_DOMAIN)
		return "isolcpus";
	const char *t = arena_printf(a, "%s%s%s", f & ISOL_NOHZ ? ",nohz" : "", f & ISOL_DOMAIN ? ",domain" : "",
				     f & ISOL_MANAGED_IRQ ? ",managed_irq" : "");
	return arena_printf(a, "isolcpus=%s", t + 1);
}

static const char *why_of(struct arena *a, const struct host *h, const struct cpuset *s, bool vms);

const char *roles_why_of(struct arena *a, const struct host *h, const struct cpuset *s)
{
	return why_of(a, h, s, true);
}

const char *roles_isolated_why(struct arena *a, const struct host *h, const struct cpuset *s)
{
	return why_of(a, h, s, false);
}

static const char *why_of(struct arena *a, const struct host *h, const struct cpuset *s, bool vms)
{
	const struct host_roles *r = &h->roles;
	struct buf b = { 0 };
	for (int k = 0; k < RS_N; k++) {
		if (!(RS_BIT(k) & RS_ISOLATION) || !r->has[k] || !cpuset_intersects(&r->src[k], s))
			continue;
		const char *t = k == RS_ISOLCPUS	 ? isolcpus_text(a, h)
				: k == RS_NOHZ_FULL	 ? "nohz_full"
				: k == RS_SYSFS_ISOLATED ? "/sys/devices/system/cpu/isolated"
							 : "an isolated cpuset partition";
		buf_printf(&b, "%s%s", b.len ? ", " : "", t);
	}
	int nvm = 0;
	for (int i = 0; vms && i < h->nvms; i++) {
		const struct vm *vm = &h->vms[i];
		bool hit = false;
		for (int c = cpuset_next(s, 0); c >= 0 && !hit; c = cpuset_next(s, c + 1))
			hit = c <= h->max_cpu && h->cpus && h->cpus[c].vm == vm;
		if (!hit)
			continue;
		if (nvm++ < 2)
			buf_printf(&b, "%spinned vCPUs of VM '%s' (pid %d)", b.len ? ", " : "", vm->name ? vm->name : "?",
				   vm->pid);
	}
	if (nvm > 2)
		buf_printf(&b, " and %d more VM(s)", nvm - 2);
	if (vms && !nvm && r->has[RS_VCPU] && cpuset_intersects(&r->vm, s))
		buf_printf(&b, "%spinned vCPUs", b.len ? ", " : "");
	const char *out = b.len ? arena_strdup(a, b.data) : NULL;
	buf_free(&b);
	return out;
}

const char *roles_reserved_why(struct arena *a, const struct host *h)
{
	return cpuset_empty(&h->roles.reserved) ? NULL : roles_why_of(a, h, &h->roles.reserved);
}
