/*
 * VM threads and names (model/build_procs.c through model/vms.h) on small proc/ trees
 * written in a temporary root: each naming source, vhost workers in both layouts,
 * QEMU without thread names, and the per-interval refresh that top uses.
 * Thread files follow fs/proc/array.c (kernel-interfaces.md §8.2).
 */
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/host.h"
#include "model/vms.h"
#include "source/source.h"
#include "util/buf.h"

struct tree {
	char dir[64];
};

static void put(struct tree *t, const char *text, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(struct tree *t, const char *text, const char *fmt, ...)
{
	char rel[256], path[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", t->dir, rel);
	t_write(path, text);
}

/* A thread: comm, stat with last CPU (field 39) and guest_time (field 43), status with Cpus_allowed_list. */
static void thread(struct tree *t, int pid, int tid, const char *comm, int cpu, unsigned guest, const char *allowed)
{
	char stat[512], status[256];
	put(t, comm, "proc/%d/task/%d/comm", pid, tid);
	/* fields 3..52: state "S", zeros, except 39 (processor) and 43 (guest_time) */
	int n = snprintf(stat, sizeof(stat), "%d (%s) S", tid, comm);
	for (int f = 4; f <= 52; f++) {
		if (f == 39)
			n += snprintf(stat + n, sizeof(stat) - (size_t)n, " %d", cpu);
		else if (f == 43)
			n += snprintf(stat + n, sizeof(stat) - (size_t)n, " %u", guest);
		else
			n += snprintf(stat + n, sizeof(stat) - (size_t)n, " 0");
	}
	snprintf(stat + n, sizeof(stat) - (size_t)n, "\n");
	put(t, stat, "proc/%d/task/%d/stat", pid, tid);
	snprintf(status, sizeof(status), "Name:\t%s\nTgid:\t%d\nPid:\t%d\nCpus_allowed_list:\t%s\n", comm, pid, tid,
		 allowed);
	put(t, status, "proc/%d/task/%d/status", pid, tid);
}

static void process(struct tree *t, int pid, const char *comm, const char *cgroup)
{
	put(t, comm, "proc/%d/comm", pid);
	if (cgroup)
		put(t, cgroup, "proc/%d/cgroup", pid);
	thread(t, pid, pid, comm, 0, 0, "0-3");
}

static void tree_new(struct tree *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/irqsight-vms-XXXXXX");
	if (!mkdtemp(t->dir))
		t_fail(__FILE__, __LINE__, "mkdtemp failed");
	put(t, "0-3\n", "sys/devices/system/cpu/online");
}

static void tree_free(struct tree *t)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		t_fail(__FILE__, __LINE__, "cannot remove %s", t->dir);
}

static int scan(struct tree *t, struct host *h, struct source *src)
{
	if (src_open(src, t->dir) < 0) {
		t_fail(__FILE__, __LINE__, "src_open %s", t->dir);
		return -1;
	}
	return host_build_vms(h, src);
}

static const struct vm *vm_of(const struct host *h, int pid)
{
	for (int i = 0; i < h->nvms; i++)
		if (h->vms[i].pid == pid)
			return &h->vms[i];
	return NULL;
}

TEST(vm_names_from_safe_sources)
{
	struct tree t;
	tree_new(&t);
	/* libvirt, cgroup v2, systemd scope; '-' in the name escaped */
	process(&t, 100, "qemu-system-x86",
		"0::/machine.slice/machine-qemu\\x2d3\\x2ddb\\x2dprod.scope/libvirt/emulator\n");
	thread(&t, 100, 101, "CPU 0/KVM", 1, 50, "1");
	/* libvirt without systemd (cgroupfs, v1): "<driver>-<id>-<name>.libvirt-qemu" */
	process(&t, 200, "qemu-system-x86", "4:cpu,cpuacct:/machine/qemu-7-web.libvirt-qemu/emulator\n0::/\n");
	thread(&t, 200, 201, "CPU 0/KVM", 2, 50, "0-3");
	/* Proxmox */
	process(&t, 300, "kvm", "0::/qemu.slice/104.scope\n");
	thread(&t, 300, 301, "CPU 0/KVM", 0, 50, "0-3");
	/* QEMU -name guest=db1,process=db1: the comm */
	process(&t, 400, "db1", "0::/user.slice/session-2.scope\n");
	thread(&t, 400, 401, "CPU 0/TCG", 3, 0, "3");
	thread(&t, 400, 402, "CPU 1/TCG", 3, 0, "3");
	/* a plain -name db2: only on the command line (never read) */
	process(&t, 500, "qemu-system-x86", "0::/\n");
	thread(&t, 500, 501, "CPU 0/KVM", 0, 50, "0-3");
	put(&t, "qemu-system-x86_64\0-name\0db2\0", "proc/500/cmdline");
	/* Firecracker's jailer: cgroup v1 "<parent>/<id>" ... */
	process(&t, 600, "firecracker", "4:memory:/other/abc\n1:cpu:/firecracker/fc-one\n0::/\n");
	thread(&t, 600, 601, "fc_vcpu 0", 0, 50, "0-3");
	/* ... or, without --cgroup, the chroot "<base>/firecracker/<id>/root" */
	process(&t, 700, "firecracker", "0::/system.slice/fc.service\n");
	thread(&t, 700, 701, "fc_vcpu 0", 0, 50, "0-3");
	char link[256];
	snprintf(link, sizeof(link), "%s/proc/700/root", t.dir);
	CHECK_INT(symlink("/srv/jailer/firecracker/fc-two/root", link), 0);
	/* a Firecracker leaf cgroup that is not the jailer's stays unnamed */
	process(&t, 800, "firecracker", "0::/kubepods/pod1/0123abcd\n");
	thread(&t, 800, 801, "fc_vcpu 0", 0, 50, "0-3");
	/* cloud-hypervisor: nothing to read */
	process(&t, 900, "cloud-hyperviso", "0::/\n");
	thread(&t, 900, 901, "vcpu0", 0, 50, "0-3");
	/* another machined registration (systemd-vmspawn) */
	process(&t, 1000, "qemu-system-x86", "0::/machine.slice/machine-devbox.scope/payload\n");
	thread(&t, 1000, 1001, "CPU 0/KVM", 0, 50, "0-3");

	struct host h;
	struct source src;
	CHECK_INT(scan(&t, &h, &src), 0);
	CHECK_INT(h.nvms, 10);
	const struct vm *v;
	CHECK((v = vm_of(&h, 100)) && !strcmp(v->name, "db-prod") && !strcmp(v->vmm, "qemu") && v->nvcpus == 1);
	CHECK((v = vm_of(&h, 200)) && !strcmp(v->name, "web"));
	CHECK((v = vm_of(&h, 300)) && !strcmp(v->name, "vmid 104"));
	CHECK((v = vm_of(&h, 400)) && !strcmp(v->name, "db1") && v->nvcpus == 2 && v->vcpus_pinned);
	CHECK((v = vm_of(&h, 500)) && !strcmp(v->name, "qemu-system-x86[500]"));
	CHECK((v = vm_of(&h, 600)) && !strcmp(v->name, "fc-one") && !strcmp(v->vmm, "firecracker"));
	CHECK((v = vm_of(&h, 700)) && !strcmp(v->name, "fc-two"));
	CHECK((v = vm_of(&h, 800)) && !strcmp(v->name, "firecracker[800]"));
	CHECK((v = vm_of(&h, 900)) && !strcmp(v->name, "cloud-hyperviso[900]") && !strcmp(v->vmm, "cloud-hypervisor"));
	CHECK((v = vm_of(&h, 1000)) && !strcmp(v->name, "devbox"));
	CHECK(h.proc_scanned);
	host_free(&h);
	src_close(&src);
	tree_free(&t);
}

TEST(vm_vhost_workers_both_layouts)
{
	struct tree t;
	tree_new(&t);
	/* 6.4+: a thread of the VMM */
	process(&t, 100, "qemu-system-x86", "0::/\n");
	thread(&t, 100, 101, "CPU 0/KVM", 1, 50, "1");
	thread(&t, 100, 102, "vhost-100", 2, 0, "0-3");
	/* before 6.4 (and the 6.17 kthread mode): a kthread "vhost-<owner>" */
	process(&t, 200, "qemu-system-x86", "0::/\n");
	thread(&t, 200, 201, "CPU 0/KVM", 1, 50, "1");
	process(&t, 300, "vhost-200", NULL);
	struct host h;
	struct source src;
	CHECK_INT(scan(&t, &h, &src), 0);
	CHECK_INT(h.nvms, 2);
	const struct vm *v = vm_of(&h, 100);
	CHECK(v && v->nthreads == 2 && v->nvcpus == 1);
	CHECK(v && v->threads[1].kind == VMT_VHOST && v->threads[1].vcpu == -1 && v->threads[1].last_cpu == 2);
	v = vm_of(&h, 200);
	CHECK(v && v->nthreads == 2 && v->nvcpus == 1);
	int k = v && v->threads[0].kind == VMT_VHOST ? 0 : 1;
	CHECK(v && v->threads[k].kind == VMT_VHOST && v->threads[k].tid == 300 && v->threads[k].pid == 200);
	/* its stat is read under its own pid at once (no failed open under the owner's) */
	CHECK(v && v->threads[k].stat_pid == 300 && v->threads[1 - k].stat_pid == 200);
	CHECK_STR(vm_thread_kind_name(VMT_VHOST), "vhost");
	CHECK_STR(vm_thread_kind_name(VMT_VCPU_TCG), "vcpu-tcg");

	/* top's refresh: new last CPUs, the kthread found under its own pid, a gone thread */
	thread(&t, 100, 101, "CPU 0/KVM", 3, 60, "1");
	thread(&t, 300, 300, "vhost-200", 3, 0, "0-3");
	char path[256];
	snprintf(path, sizeof(path), "%s/proc/100/task/102/stat", t.dir);
	CHECK_INT(unlink(path), 0);
	host_vms_refresh(&h, &src);
	v = vm_of(&h, 100);
	CHECK(v && v->threads[0].last_cpu == 3 && v->threads[0].state == 'S');
	CHECK(v && v->threads[1].last_cpu == -1 && v->threads[1].state == '\0');
	v = vm_of(&h, 200);
	CHECK(v && v->threads[k].last_cpu == 3);
	host_free(&h);
	src_close(&src);
	tree_free(&t);
}

TEST(vm_qemu_without_thread_names)
{
	struct tree t;
	tree_new(&t);
	/* every thread "qemu-system-x86"; the vCPUs are the ones with guest time */
	process(&t, 100, "qemu-system-x86", "0::/\n");
	thread(&t, 100, 101, "qemu-system-x86", 0, 0, "0-3");
	thread(&t, 100, 102, "qemu-system-x86", 2, 700, "2");
	thread(&t, 100, 103, "qemu-system-x86", 3, 650, "3");
	thread(&t, 100, 104, "kvm-nx-lpage-re", 0, 0, "0-3");
	/* renamed by process=db1 and no debug-threads: threads inherit "db1", the RCU thread keeps the binary name */
	process(&t, 200, "db1", "0::/\n");
	thread(&t, 200, 201, "qemu-system-x86", 0, 0, "0-3");
	thread(&t, 200, 202, "db1", 1, 30, "0-3");
	/* qemu-img: a qemu name, threads that never ran guest code */
	process(&t, 300, "qemu-img", "0::/\n");
	thread(&t, 300, 301, "qemu-img", 0, 0, "0-3");
	/* not QEMU at all: guest time alone does not make a VM (it would need a known VMM) */
	process(&t, 400, "myvmm", "0::/\n");
	thread(&t, 400, 401, "myvmm", 0, 90, "0-3");
	struct host h;
	struct source src;
	CHECK_INT(scan(&t, &h, &src), 0);
	CHECK_INT(h.nvms, 2);
	const struct vm *v = vm_of(&h, 100);
	CHECK(v && v->nvcpus == 2 && v->nthreads == 2 && !strcmp(v->vmm, "qemu") && v->vcpus_pinned);
	CHECK(v && v->threads[0].tid == 102 && v->threads[0].vcpu == -1 && v->threads[0].kind == VMT_VCPU_KVM);
	v = vm_of(&h, 200);
	CHECK(v && v->nvcpus == 1 && v->threads[0].tid == 202 && !strcmp(v->name, "db1"));
	CHECK(!vm_of(&h, 300) && !vm_of(&h, 400));
	host_free(&h);
	src_close(&src);
	tree_free(&t);
}
