/* Processes: VM threads (docs/kernel-interfaces.md §8) and irqbalance (§10). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/build.h"
#include "parse/envfile.h"
#include "parse/task.h"
#include "util/str.h"

static bool is_pid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Classify a thread name; *vcpu gets the index for vCPU threads. */
static bool vm_thread_kind(const char *comm, enum vm_thread_kind *kind, int *vcpu)
{
	int n, end = 0;
	*vcpu = -1;
	if (sscanf(comm, "CPU %d/KVM%n", &n, &end) == 1 && end && !comm[end]) {
		*kind = VMT_VCPU_KVM;
		*vcpu = n;
	} else if (sscanf(comm, "CPU %d/TCG%n", &n, &end) == 1 && end && !comm[end]) {
		*kind = VMT_VCPU_TCG;
		*vcpu = n;
	} else if (!strcmp(comm, "ALL CPUs/TCG")) {
		*kind = VMT_VCPU_TCG;
	} else if (sscanf(comm, "fc_vcpu %d%n", &n, &end) == 1 && end && !comm[end]) {
		*kind = VMT_VCPU_FC;
		*vcpu = n;
	} else if (sscanf(comm, "crosvm_vcpu%d%n", &n, &end) == 1 && end && !comm[end]) {
		*kind = VMT_VCPU_CROSVM;
		*vcpu = n;
	} else if (sscanf(comm, "vcpu%d%n", &n, &end) == 1 && end && !comm[end]) {
		*kind = VMT_VCPU_CH;
		*vcpu = n;
	} else if (sscanf(comm, "vhost-%d%n", &n, &end) == 1 && end && !comm[end]) {
		*kind = VMT_VHOST;
	} else {
		return false;
	}
	return true;
}

static const char *vmm_of(enum vm_thread_kind k)
{
	switch (k) {
	case VMT_VCPU_KVM:
	case VMT_VCPU_TCG: return "qemu";
	case VMT_VCPU_FC: return "firecracker";
	case VMT_VCPU_CH: return "cloud-hypervisor";
	case VMT_VCPU_CROSVM: return "crosvm";
	default: return NULL;
	}
}

/*
 * The VM's name without reading its command line (which may hold secrets): libvirt
 * runs each domain in a systemd scope "machine-qemu\x2d<id>\x2d<name>.scope", Proxmox
 * in "qemu.slice/<vmid>.scope".
 */
static const char *vm_name(struct host *h, const struct source *src, int pid)
{
	char path[64];
	const char *cg;
	snprintf(path, sizeof(path), "proc/%d/cgroup", pid);
	if (host_read_str(h, src, path, &cg))
		return NULL;
	const char *m = strstr(cg, "machine-qemu");
	if (m) {
		char name[256];
		size_t k = 0;
		const char *p = m + strlen("machine-qemu");
		while (*p && *p != '.' && *p != '/' && *p != '\n' && k + 1 < sizeof(name)) {
			if (!strncmp(p, "\\x2d", 4)) {
				name[k++] = '-';
				p += 4;
			} else {
				name[k++] = *p++;
			}
		}
		name[k] = '\0';
		/* "-<id>-<name>" */
		const char *s = name;
		if (*s == '-')
			s++;
		while (isdigit((unsigned char)*s))
			s++;
		if (*s == '-')
			s++;
		if (*s)
			return arena_strdup(&h->arena, s);
	}
	const char *q = strstr(cg, "qemu.slice/");
	if (q) {
		int vmid;
		if (sscanf(q, "qemu.slice/%d.scope", &vmid) == 1)
			return arena_printf(&h->arena, "vmid %d", vmid);
	}
	return NULL;
}

static void read_thread(struct host *h, const struct source *src, int pid, int tid, struct vm_thread *t)
{
	char path[96];
	struct buf b = { 0 };
	t->pid = pid;
	t->tid = tid;
	t->last_cpu = -1;
	snprintf(path, sizeof(path), "proc/%d/task/%d/stat", pid, tid);
	struct task_stat st;
	if (!src_read(src, path, &b, 4096) && !parse_task_stat(b.data, b.len, &st)) {
		t->last_cpu = st.processor;
		t->guest_time = st.guest_time;
		t->state = st.state;
	}
	buf_reset(&b);
	snprintf(path, sizeof(path), "proc/%d/task/%d/status", pid, tid);
	struct task_status ss;
	if (!src_read(src, path, &b, 65536) && !parse_task_status(b.data, b.len, &ss) &&
	    ss.cpus_allowed_list.n &&
	    !cpuset_parse_list(&t->allowed, &h->arena, ss.cpus_allowed_list.p, ss.cpus_allowed_list.n))
		t->has_allowed = true;
	buf_free(&b);
}

static struct vm *vm_for(struct host *h, int pid)
{
	for (int i = 0; i < h->nvms; i++)
		if (h->vms[i].pid == pid)
			return &h->vms[i];
	h->vms = arena_grow(&h->arena, h->vms, (size_t)h->nvms, sizeof(*h->vms));
	struct vm *vm = &h->vms[h->nvms++];
	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	return vm;
}

static void add_thread(struct host *h, struct vm *vm, const struct vm_thread *t)
{
	vm->threads = arena_grow(&h->arena, vm->threads, (size_t)vm->nthreads, sizeof(*vm->threads));
	vm->threads[vm->nthreads++] = *t;
}

static void read_irqbalance_config(struct host *h, const struct source *src)
{
	static const char *const paths[] = { "etc/default/irqbalance", "etc/sysconfig/irqbalance" };
	struct irqbalance *ib = &h->irqbalance;
	for (size_t i = 0; i < 2; i++) {
		struct buf b = { 0 };
		if (src_read(src, paths[i], &b, 1 << 20)) {
			buf_free(&b);
			continue;
		}
		struct envfile e;
		parse_envfile(b.data, b.len, &h->arena, &e);
		buf_free(&b);
		ib->config_path = paths[i];
		ib->banned_cpulist = envfile_get(&e, "IRQBALANCE_BANNED_CPULIST");
		ib->banned_cpus = envfile_get(&e, "IRQBALANCE_BANNED_CPUS");
		ib->args = envfile_get(&e, "IRQBALANCE_ARGS");
		const char *one = envfile_get(&e, "IRQBALANCE_ONESHOT");
		/* irqbalance.c: getenv("IRQBALANCE_ONESHOT") != NULL — set, even empty, means one shot. */
		ib->oneshot = one || (ib->args && (strstr(ib->args, "--oneshot") || strstr(ib->args, "-o ") ||
						   !strcmp(ib->args, "-o")));
		break;
	}
	/* cputree.c:setup_banned_cpus(): the deprecated mask wins, then the list, else isolated ∪ nohz_full. */
	if (ib->banned_cpus && *ib->banned_cpus &&
	    !cpuset_parse_mask(&ib->banned, &h->arena, ib->banned_cpus, strlen(ib->banned_cpus))) {
		ib->banned_known = true;
		ib->banned_source = "IRQBALANCE_BANNED_CPUS";
	} else if (ib->banned_cpulist &&
		   !cpuset_parse_list(&ib->banned, &h->arena, ib->banned_cpulist, strlen(ib->banned_cpulist))) {
		ib->banned_known = true;
		ib->banned_source = "IRQBALANCE_BANNED_CPULIST";
	} else if (h->has_isolated || h->has_nohz_full) {
		cpuset_or(&ib->banned, &h->arena, &h->isolated, &h->nohz_full);
		ib->banned_known = true;
		ib->banned_source = "isolated and nohz_full CPUs (irqbalance's default ban)";
	}
}

void build_procs(struct host *h, const struct source *src)
{
	char **pids;
	size_t n;
	h->irqbalance.pid = -1;
	int r = src_list(src, &h->arena, "proc", &pids, &n);
	if (r) {
		host_note_unreadable(h, "proc", r, "irqbalance and VM threads are unknown");
		read_irqbalance_config(h, src);
		return;
	}
	int seen = 0;
	char path[96];
	for (size_t i = 0; i < n; i++) {
		if (!is_pid(pids[i]))
			continue;
		int pid = atoi(pids[i]);
		const char *comm;
		snprintf(path, sizeof(path), "proc/%d/comm", pid);
		if (host_read_str(h, src, path, &comm))
			continue;	/* gone, or hidden (hidepid) */
		seen++;
		if (!strcmp(comm, "irqbalance")) {
			h->irqbalance.running = TRI_YES;
			h->irqbalance.pid = pid;
			continue;
		}
		enum vm_thread_kind kind;
		int vcpu;
		/* Before 6.4 vhost workers are kthreads named "vhost-<owner pid>". */
		if (vm_thread_kind(comm, &kind, &vcpu) && kind == VMT_VHOST) {
			int owner = atoi(comm + 6);
			struct vm_thread t = { 0 };
			read_thread(h, src, pid, pid, &t);
			t.comm = comm;
			t.kind = VMT_VHOST;
			t.vcpu = -1;
			t.pid = owner;
			add_thread(h, vm_for(h, owner), &t);
			continue;
		}
		char **tids;
		size_t nt;
		snprintf(path, sizeof(path), "proc/%d/task", pid);
		if (src_list(src, &h->arena, path, &tids, &nt) || nt < 2)
			continue;	/* a VMM has at least a main and a vCPU thread */
		struct vm *vm = NULL;
		for (size_t k = 0; k < nt; k++) {
			const char *tcomm;
			snprintf(path, sizeof(path), "proc/%d/task/%s/comm", pid, tids[k]);
			if (host_read_str(h, src, path, &tcomm) || !vm_thread_kind(tcomm, &kind, &vcpu))
				continue;
			if (!vm)
				vm = vm_for(h, pid);
			struct vm_thread t = { 0 };
			read_thread(h, src, pid, atoi(tids[k]), &t);
			t.comm = tcomm;
			t.kind = kind;
			t.vcpu = vcpu;
			add_thread(h, vm, &t);
			if (!vm->vmm)
				vm->vmm = vmm_of(kind);
		}
		if (vm) {
			vm->name = vm_name(h, src, pid);
			if (!vm->name)
				vm->name = arena_printf(&h->arena, "%s[%d]", comm, pid);
		}
	}
	h->proc_scanned = seen > 0;
	if (h->proc_scanned && h->irqbalance.running == TRI_UNKNOWN)
		h->irqbalance.running = TRI_NO;
	if (!h->proc_scanned)
		host_note_missing(h, "proc/<pid>/comm", "no processes readable",
				  "whether irqbalance runs, and VM threads, are unknown");

	/* Per VM: vCPU count and the union of their allowed CPUs. */
	for (int i = 0; i < h->nvms; i++) {
		struct vm *vm = &h->vms[i];
		cpuset_init(&vm->vcpu_cpus, &h->arena, h->max_cpu);
		bool all_pinned = true;
		for (int k = 0; k < vm->nthreads; k++) {
			struct vm_thread *t = &vm->threads[k];
			t->pinned = t->has_allowed && h->has_online && cpuset_subset(&h->online, &t->allowed) == false;
			if (t->vcpu < 0 && t->kind == VMT_VHOST)
				continue;
			vm->nvcpus++;
			if (t->has_allowed) {
				struct cpuset u;
				cpuset_or(&u, &h->arena, &vm->vcpu_cpus, &t->allowed);
				vm->vcpu_cpus = u;
			}
			if (!t->pinned)
				all_pinned = false;
		}
		vm->vcpus_pinned = vm->nvcpus > 0 && all_pinned;
		if (!vm->name)
			vm->name = arena_printf(&h->arena, "pid %d", vm->pid);
	}
	read_irqbalance_config(h, src);
}
