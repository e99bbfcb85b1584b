/* Processes: VM threads (docs/kernel-interfaces.md §8) and irqbalance (§10). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/build.h"
#include "model/vms.h"
#include "parse/envfile.h"
#include "parse/interrupts.h"
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

const char *vm_thread_kind_name(enum vm_thread_kind k)
{
	static const char *const n[] = { "vcpu-kvm", "vcpu-tcg", "vcpu-firecracker", "vcpu-cloud-hypervisor",
					 "vcpu-crosvm", "vhost", "other" };
	return k >= VMT_VCPU_KVM && k <= VMT_OTHER ? n[k] : "other";
}

/*
 * The comm of a QEMU that was not renamed: its binary's name cut to 15 bytes
 * ("qemu-system-x86", "qemu-kvm"), or "kvm". `-name guest=G,process=P` renames the
 * main thread to P (os_set_proc_name), and with it /proc/PID/comm.
 */
static bool is_qemu_binary_comm(const char *comm)
{
	return str_starts(comm, "qemu") || !strcmp(comm, "kvm");
}

/* Undo systemd's unit-name escaping ("\x2d" is '-', any byte can be "\xNN"). Returns the length. */
static size_t unit_unescape(const char *p, size_t len, char *out, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < len && k + 1 < n;) {
		unsigned v;
		if (i + 3 < len && p[i] == '\\' && p[i + 1] == 'x' && isxdigit((unsigned char)p[i + 2]) &&
		    isxdigit((unsigned char)p[i + 3]) && sscanf(p + i + 2, "%2x", &v) == 1 && v >= 0x20 && v != 0x7f) {
			out[k++] = (char)v;
			i += 4;
		} else {
			out[k++] = p[i++];
		}
	}
	out[k] = '\0';
	return k;
}

/* "<driver>-<id>-<name>" (libvirt's machine name, virDomainDriverGenerateMachineName): the name. */
static const char *libvirt_machine_name(const char *s)
{
	const char *d = strchr(s, '-');
	if (!d || d == s)
		return NULL;
	const char *p = d + 1;
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '-' && p[1] ? p + 1 : NULL;
}

/* A jailer id: alphanumerics and '-', at most 64 (firecracker docs/jailer.md). */
static bool is_jailer_id(const char *s, size_t n)
{
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/*
 * In a path, the component after one that contains "firecracker", when the component
 * after it is `tail` (NULL: when it is the last one). The jailer puts the microVM in
 * the cgroup "<parent>/<id>" (parent defaults to the exec file name, which must
 * contain "firecracker") and chroots it to "<base>/<exec file name>/<id>/root".
 */
static const char *firecracker_id(struct arena *a, const char *path, size_t len, const char *tail)
{
	const char *comp[64];
	size_t clen[64];
	int nc = 0;
	for (size_t i = 0; i < len && nc < 64;) {
		while (i < len && path[i] == '/')
			i++;
		size_t b = i;
		while (i < len && path[i] != '/')
			i++;
		if (i > b) {
			comp[nc] = path + b;
			clen[nc++] = i - b;
		}
	}
	int want = tail ? 3 : 2;	/* "firecracker", id[, tail] at the end */
	if (nc < want)
		return NULL;
	int f = nc - want;
	if (!memmem(comp[f], clen[f], "firecracker", 11) || !is_jailer_id(comp[f + 1], clen[f + 1]))
		return NULL;
	if (tail && (clen[f + 2] != strlen(tail) || memcmp(comp[f + 2], tail, clen[f + 2])))
		return NULL;
	return arena_strndup(a, comp[f + 1], clen[f + 1]);
}

/*
 * The VM's name from what is safe to read — never its command line or environment,
 * which may hold secrets (docs/ARCHITECTURE.md) — best first:
 *  1. libvirt: the domain's scope "machine-<driver>\x2d<id>\x2d<name>.scope" (systemd;
 *     libvirt cuts the name to 20 bytes there) or "<driver>-<id>-<name>.libvirt-<driver>"
 *     (cgroupfs), in any hierarchy of proc/PID/cgroup; other machined registrations
 *     ("machine-<name>.scope", systemd-vmspawn) give the whole unit name;
 *  2. Proxmox: "qemu.slice/<vmid>.scope" -> "vmid N";
 *  3. Firecracker's jailer: the id from the cgroup "<parent>/<id>", else from the
 *     chroot (the target of proc/PID/root, "/srv/jailer/firecracker/<id>/root");
 *  4. QEMU renamed by `-name ...,process=NAME`: a comm that is not a qemu binary name.
 * NULL when none applies (the caller names the VM "<comm>[<pid>]"). Plain `-name db1`
 * is only on the command line: such a VM keeps the fallback name.
 */
static const char *vm_name(struct host *h, const struct source *src, int pid, const char *comm, const char *vmm)
{
	char path[64], name[256];
	const char *cg = NULL;
	snprintf(path, sizeof(path), "proc/%d/cgroup", pid);
	if (!host_read_str(h, src, path, &cg)) {
		const char *m = strstr(cg, "machine-");
		if (m) {
			m += strlen("machine-");
			size_t n = strcspn(m, "/\n");
			if (n > 6 && !memcmp(m + n - 6, ".scope", 6))
				n -= 6;
			if (unit_unescape(m, n, name, sizeof(name))) {
				const char *ln = libvirt_machine_name(name);
				return arena_strdup(&h->arena, ln ? ln : name);
			}
		}
		for (const char *l = strstr(cg, ".libvirt-"); l; l = strstr(l + 1, ".libvirt-")) {
			const char *b = l;
			while (b > cg && b[-1] != '/' && b[-1] != '\n' && b[-1] != ':')
				b--;
			if (unit_unescape(b, (size_t)(l - b), name, sizeof(name))) {
				const char *ln = libvirt_machine_name(name);
				return arena_strdup(&h->arena, ln ? ln : name);
			}
		}
		const char *q = strstr(cg, "qemu.slice/");
		int vmid;
		if (q && sscanf(q, "qemu.slice/%d.scope", &vmid) == 1)
			return arena_printf(&h->arena, "vmid %d", vmid);
	}
	if (vmm && !strcmp(vmm, "firecracker")) {
		/* one "hierarchy-id:controllers:path" line per hierarchy (cgroup(7)) */
		struct slice all = slice_of(cg ? cg : ""), line;
		while (slice_line(&all, &line)) {
			const char *c = memchr(line.p, ':', line.n);
			c = c ? memchr(c + 1, ':', line.n - (size_t)(c + 1 - line.p)) : NULL;
			if (!c)
				continue;
			const char *id = firecracker_id(&h->arena, c + 1, line.n - (size_t)(c + 1 - line.p), NULL);
			if (id)
				return id;
		}
		char root[4096];
		snprintf(path, sizeof(path), "proc/%d/root", pid);
		if (!src_readlink(src, path, root, sizeof(root))) {
			const char *id = firecracker_id(&h->arena, root, strlen(root), "root");
			if (id)
				return id;
		}
	}
	if (vmm && !strcmp(vmm, "qemu") && comm && *comm && !is_qemu_binary_comm(comm))
		return comm;
	return NULL;
}

/* stat of a VM thread: last CPU, state, guest time. 0 or -errno. */
static int read_thread_stat(const struct source *src, int pid, int tid, struct vm_thread *t)
{
	struct buf b = { 0 };
	struct task_stat st;
	int r = src_readf(src, &b, 4096, "proc/%d/task/%d/stat", pid, tid);
	if (!r && parse_task_stat(b.data, b.len, &st))
		r = -EINVAL;
	if (!r) {
		t->last_cpu = st.processor;
		t->guest_time = st.guest_time;
		t->state = st.state;
	}
	buf_free(&b);
	return r;
}

static void read_thread_status(struct host *h, const struct source *src, int pid, int tid, struct vm_thread *t)
{
	struct buf b = { 0 };
	struct task_status ss;
	if (!src_readf(src, &b, 65536, "proc/%d/task/%d/status", pid, tid) && !parse_task_status(b.data, b.len, &ss) &&
	    ss.cpus_allowed_list.n &&
	    !cpuset_parse_list(&t->allowed, &h->arena, ss.cpus_allowed_list.p, ss.cpus_allowed_list.n))
		t->has_allowed = true;
	buf_free(&b);
}

static void read_thread(struct host *h, const struct source *src, int pid, int tid, struct vm_thread *t)
{
	t->pid = pid;
	t->tid = tid;
	t->stat_pid = pid;
	t->last_cpu = -1;
	read_thread_stat(src, pid, tid, t);
	read_thread_status(h, src, pid, tid, t);
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

/*
 * The threads of one process: named vCPU and vhost threads (§8.1, §8.3). A QEMU
 * without `debug-threads=on` leaves every thread with the process's name; then the
 * threads that ran guest code (stat field 43, guest_time > 0: KVM only) are its vCPUs,
 * index unknown (-1). Reads the stat of unnamed threads only in processes that look
 * like QEMU (the comm of the process or of one of its threads is a qemu binary name).
 */
static void scan_process(struct host *h, const struct source *src, int pid, const char *comm)
{
	char **tids;
	size_t nt;
	char path[96];
	snprintf(path, sizeof(path), "proc/%d/task", pid);
	if (src_list(src, &h->arena, path, &tids, &nt) || nt < 2)
		return;	/* a VMM has at least a main and a vCPU thread */
	const char **tcomm = arena_calloc(&h->arena, nt, sizeof(*tcomm));
	struct vm *vm = NULL;
	bool qemu_like = is_qemu_binary_comm(comm), any_vcpu = false;
	for (size_t k = 0; k < nt; k++) {
		enum vm_thread_kind kind;
		int vcpu;
		snprintf(path, sizeof(path), "proc/%d/task/%s/comm", pid, tids[k]);
		if (host_read_str(h, src, path, &tcomm[k]))
			continue;
		if (is_qemu_binary_comm(tcomm[k]))
			qemu_like = true;
		if (!vm_thread_kind(tcomm[k], &kind, &vcpu))
			continue;
		if (!vm)
			vm = vm_for(h, pid);
		struct vm_thread t = { 0 };
		read_thread(h, src, pid, atoi(tids[k]), &t);
		t.comm = tcomm[k];
		t.kind = kind;
		t.vcpu = vcpu;
		add_thread(h, vm, &t);
		if (kind != VMT_VHOST)
			any_vcpu = true;
		if (!vm->vmm)
			vm->vmm = vmm_of(kind);
	}
	if (!any_vcpu && qemu_like) {
		for (size_t k = 0; k < nt; k++) {
			enum vm_thread_kind kind;
			int vcpu;
			if (!tcomm[k] || vm_thread_kind(tcomm[k], &kind, &vcpu))
				continue;
			if (strcmp(tcomm[k], comm) && !is_qemu_binary_comm(tcomm[k]))
				continue;	/* a named helper thread ("call_rcu", "worker") */
			struct vm_thread t = { .last_cpu = -1 };
			int tid = atoi(tids[k]);
			if (read_thread_stat(src, pid, tid, &t) || !t.guest_time)
				continue;
			if (!vm)
				vm = vm_for(h, pid);
			t.pid = t.stat_pid = pid;
			t.tid = tid;
			read_thread_status(h, src, pid, tid, &t);
			t.comm = tcomm[k];
			t.kind = VMT_VCPU_KVM;
			t.vcpu = -1;
			add_thread(h, vm, &t);
		}
		if (vm && !vm->vmm)
			vm->vmm = "qemu";
	}
	if (vm) {
		vm->name = vm_name(h, src, pid, comm, vm->vmm);
		if (!vm->name)
			vm->name = arena_printf(&h->arena, "%s[%d]", comm, pid);
	}
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

/*
 * One pass over proc/: irqbalance by its comm (§10), VM threads by their names
 * (§8). Costs one comm read per process plus one per thread of processes that have
 * threads, and stat/status reads of the VM threads only.
 */
static void scan_procs(struct host *h, const struct source *src, bool vms)
{
	char **pids;
	size_t n;
	h->irqbalance.pid = -1;
	int r = src_list(src, &h->arena, "proc", &pids, &n);
	if (r) {
		host_note_unreadable(h, "proc", r, "irqbalance and VM threads are unknown");
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
		if (!vms)
			continue;
		enum vm_thread_kind kind;
		int vcpu;
		/* vhost workers as kthreads "vhost-<owner pid>": before 6.4, and since 6.17 in
		 * the kthread mode (§8.3). */
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
		scan_process(h, src, pid, comm);
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
}

void build_procs(struct host *h, const struct source *src, bool vms)
{
	scan_procs(h, src, vms);
	read_irqbalance_config(h, src);
}

/*
 * Online CPUs for host_build_vms(): sysfs, else the /proc/interrupts header (it lists
 * online CPUs only, kernel-interfaces.md §1.2), of which only the first line is read.
 */
static void read_online(struct host *h, const struct source *src)
{
	if (!host_read_cpulist(h, src, "sys/devices/system/cpu/online", &h->online)) {
		h->has_online = true;
		return;
	}
	int fd = src_openat(src, "proc/interrupts", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char *buf = malloc(1 << 20);
	ssize_t n = 0, r;
	while (buf && n < (1 << 20) && (r = read(fd, buf + n, (size_t)((1 << 20) - n))) > 0) {
		n += r;
		if (memchr(buf + n - r, '\n', (size_t)r))
			break;
	}
	close(fd);
	const char *nl = buf && n > 0 ? memchr(buf, '\n', (size_t)n) : NULL;
	struct slice line = { buf, nl ? (size_t)(nl - buf) : 0 };
	int cap = CPUSET_MAX_CPU + 1, ncpu = 0;
	int *ids = nl && pi_is_header(line) ? malloc((size_t)cap * sizeof(int)) : NULL;
	if (ids && !pi_parse_header(line, ids, cap, &ncpu) && ncpu > 0 && ncpu <= cap) {
		int max = 0;
		for (int i = 0; i < ncpu; i++)
			max = MAX(max, ids[i]);
		cpuset_init(&h->online, &h->arena, max);
		for (int i = 0; i < ncpu; i++)
			cpuset_set(&h->online, ids[i]);
		h->has_online = true;
	}
	free(ids);
	free(buf);
}

int host_build_vms(struct host *h, const struct source *src)
{
	memset(h, 0, sizeof(*h));
	h->root = arena_strdup(&h->arena, src->root);
	h->is_live = src->is_live;
	h->is_root_user = geteuid() == 0;
	h->uptime = -1;
	read_online(h, src);
	h->max_cpu = h->has_online && !cpuset_empty(&h->online) ? cpuset_last(&h->online) : 0;
	scan_procs(h, src, true);
	return h->proc_scanned ? 0 : -ENOENT;
}

void host_vms_refresh(struct host *h, const struct source *src)
{
	for (int i = 0; i < h->nvms; i++)
		for (int k = 0; k < h->vms[i].nthreads; k++) {
			struct vm_thread *t = &h->vms[i].threads[k];
			/* a vhost kthread is its own process (stat_pid), t->pid its owner */
			if (read_thread_stat(src, t->stat_pid ? t->stat_pid : t->pid, t->tid, t)) {
				t->last_cpu = -1;
				t->state = '\0';
			}
		}
}
