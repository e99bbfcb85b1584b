/* parse/cmdline on real /proc/cmdline captures and a real quoted command line, then bad input. */
#include "t.h"

#include "bad.h"
#include "parse/cmdline.h"
#include "parse/klog.h"
#include "util/arena.h"
#include "util/buf.h"

#define DC "tests/unit/data/parse/cmdline/"

static const char *val(const struct cmdline *c, const char *key)
{
	const struct cmdline_param *p = cmdline_get(c, key);
	return p ? (p->val ? p->val : "(flag)") : "(absent)";
}

TEST(cmdline_rt_worker_isolcpus_managed_irq)
{
	struct buf b = { 0 };
	struct arena a = { 0 };
	struct cmdline c;
	t_read(DC "x86-80cpu-2s-ocp-rt-worker-i40e-megasas-isolcpus-managed-irq-nto-mustgather.txt", &b);
	CHECK_INT(parse_cmdline(b.data, b.len, &a, &c), 0);
	CHECK_INT(c.nparams, 37);
	CHECK(c.raw[strlen(c.raw) - 1] == 'n');	/* trailing newline trimmed: "...trust_cpu=on" */
	CHECK_STR(val(&c, "isolcpus"), "managed_irq,0-4,11-79");
	CHECK(cmdline_has_word(&c, "isolcpus", "managed_irq"));
	CHECK(!cmdline_has_word(&c, "isolcpus", "domain"));
	CHECK(!cmdline_has_word(&c, "isolcpus", "managed"));
	CHECK_STR(val(&c, "nohz_full"), "0-4,11-79");
	CHECK_STR(val(&c, "rcu_nocbs"), "0-4,11-79");
	CHECK_STR(val(&c, "intel_iommu"), "on");
	CHECK_STR(val(&c, "iommu"), "pt");
	CHECK_STR(val(&c, "systemd.cpu_affinity"), "5,6,7,8,9,10");
	CHECK_STR(val(&c, "rw"), "(flag)");
	CHECK_STR(val(&c, "nosoftlockup"), "(flag)");
	CHECK_STR(val(&c, "intremap"), "(absent)");
	/* "tsc=reliable" twice, "skew_tick=1" twice: last wins (same value here) */
	CHECK_STR(val(&c, "tsc"), "reliable");
	CHECK_STR(val(&c, "BOOT_IMAGE"),
		  "(hd0,gpt3)/boot/ostree/rhcos-cf4ee84bd9b3d19ceaeb125ff3a19514901bf2b4c35373f7252c445eba6d6907/"
		  "vmlinuz-5.14.0-427.59.1.el9_4.x86_64+rt");
	CHECK_STR(c.params[0].key, "BOOT_IMAGE");
	CHECK_STR(c.params[c.nparams - 1].raw, "random.trust_cpu=on");
	/* '-' and '_' are the same in parameter names (kernel/params.c:parameqn) */
	CHECK_STR(val(&c, "nohz-full"), "0-4,11-79");
	CHECK_STR(val(&c, "rcutree.kthread-prio"), "11");
	buf_free(&b);
	arena_free(&a);
}

TEST(cmdline_vfio_quotes_and_cut_capture)
{
	struct buf b = { 0 };
	struct arena a = { 0 };
	struct cmdline c;
	/* systemd-boot style "initrd=\..." twice, a quoted value */
	t_read(DC "amd-threadripper-1950x-vfio-amd-iommu-on-iommu-pt-threadirqs-blog.txt", &b);
	CHECK_INT(parse_cmdline(b.data, b.len, &a, &c), 0);
	CHECK_INT(c.nparams, 22);
	CHECK_STR(val(&c, "initrd"), "\\initramfs-spudd-master.img");
	CHECK_STR(c.params[0].val, "\\amd-ucode.img");
	CHECK_STR(val(&c, "vfio-pci.ids"), "1002:66af,1002:ab20,144d:a808,1b73:1100,1d6a:d107");
	CHECK(cmdline_has_word(&c, "vfio-pci.ids", "144d:a808"));
	CHECK_STR(val(&c, "amd_iommu"), "on");
	CHECK_STR(val(&c, "cgroup_no_v1"), "all");	/* quotes removed */
	CHECK_STR(val(&c, "video"), "efifb:off");
	CHECK_STR(val(&c, "threadirqs"), "(flag)");
	buf_reset(&b);
	/* a must-gather that cut the line: it ends in " +" */
	t_read(DC "x86-2cpu-gce-vm-ocp-isolcpus-managed-irq-1-nohz-full-intel-iommu-nto-mustgather.txt", &b);
	CHECK_INT(parse_cmdline(b.data, b.len, &a, &c), 0);
	CHECK_STR(val(&c, "isolcpus"), "managed_irq,1");
	CHECK_STR(val(&c, "nohz_full"), "1");
	CHECK_STR(val(&c, "hugepagesz"), "2M");
	CHECK_STR(c.params[c.nparams - 1].raw, "+");
	buf_reset(&b);
	/* "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M" and "net.ifnames=0" */
	t_read(DC "centos-stream9-5.14-cloud-kvm-guest.txt", &b);
	CHECK_INT(parse_cmdline(b.data, b.len, &a, &c), 0);
	CHECK_INT(c.nparams, 7);
	CHECK_STR(val(&c, "crashkernel"), "1G-4G:192M,4G-64G:256M,64G-:512M");
	CHECK(cmdline_has_word(&c, "crashkernel", "64G-:512M"));
	CHECK_STR(val(&c, "console"), "ttyS0,115200n8");
	buf_reset(&b);
	/* The ChromeOS log's "Command line:" has dm="1 vroot none ro 1,0 ..." with spaces. */
	t_read("tests/unit/data/parse/dmesg/intel-chromebook-alderlake-n-dmar-ir-x2apic-enabled-full.txt", &b);
	struct klog k;
	parse_klog(b.data, b.len, &a, &k);
	const struct klog_event *e = klog_find(&k, KLOG_CMDLINE);
	CHECK(e && e->arg);
	if (e && e->arg) {
		CHECK_INT(parse_cmdline(e->arg, strlen(e->arg), &a, &c), 0);
		CHECK_STR(val(&c, "console"), "");	/* "console=" */
		const char *dm = val(&c, "dm");
		CHECK(!strncmp(dm, "1 vroot none ro 1,0 7946240 verity payload=PARTUUID=", 52));
		CHECK(strstr(dm, "salt=6996cbaafd192f2eb45222a8676d102e40f59ec417f01247f086ddb191c962f8") &&
		      !strchr(dm, '"'));
		CHECK_STR(val(&c, "noinitrd"), "(flag)");
		CHECK_STR(val(&c, "root"), "/dev/dm-0");
		CHECK_STR(val(&c, "dm_verity.max_bios"), "-1");
	}
	buf_free(&b);
	arena_free(&a);
}

TEST(cmdline_every_real_capture_parses)
{
	static const char *const files[] = {
		"ubuntu-5.11-generic-quiet-splash-procfs-fixture.txt",
		"rhcos-4.18-el8-openshift-master-metal.txt",
		"rhcos-4.18-openstack-vm-plain-nto-mustgather.txt",
		"x86-112cpu-2s-ocp-master-ice-irdma-4nvme-ir-pci-msix-nto-mustgather.txt",
		"x86-12cpu-ocp-sno-kvm-guest-virtio-pci-msix-nto-mustgather.txt",
		"x86-32cpu-2s-ocp-worker-i40e-megasas-nvme-nto-mustgather.txt",
		"x86-80cpu-2s-ocp46-rt-worker-mlx5-isolcpus-managed-irq-5-10-intel-iommu-nto-mustgather.txt",
	};
	static const int nparams[] = { 6, 9, 8, 11, 11, 11, 28 };
	struct arena a = { 0 };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct buf b = { 0 };
		struct cmdline c;
		char path[256];
		snprintf(path, sizeof(path), DC "%s", files[i]);
		t_read(path, &b);
		CHECK_INT(parse_cmdline(b.data, b.len, &a, &c), 0);
		CHECK_INT(c.nparams, nparams[i]);
		CHECK(cmdline_get(&c, "BOOT_IMAGE") != NULL);
		buf_free(&b);
	}
	/* the old RT worker: isolcpus=managed_irq,5-10 and a 3-word hex mask */
	struct buf b = { 0 };
	struct cmdline c;
	t_read(DC "x86-80cpu-2s-ocp46-rt-worker-mlx5-isolcpus-managed-irq-5-10-intel-iommu-nto-mustgather.txt", &b);
	parse_cmdline(b.data, b.len, &a, &c);
	CHECK_STR(val(&c, "isolcpus"), "managed_irq,5-10");
	CHECK_STR(val(&c, "tuned.non_isolcpus"), "0000ffff,ffffffff,fffff81f");
	CHECK_STR(val(&c, "ignition.platform.id"), "openstack");
	buf_free(&b);
	arena_free(&a);
}

TEST(cmdline_bad_input)
{
	struct arena a = { 0 };
	struct cmdline c;
	CHECK_INT(parse_cmdline("", 0, &a, &c), 0);
	CHECK_INT(c.nparams, 0);
	CHECK_STR(c.raw, "");
	CHECK(cmdline_get(&c, "x") == NULL);
	CHECK(!cmdline_has_word(&c, "x", "y"));
	CHECK_INT(parse_cmdline(" \n\t \n", 5, &a, &c), 0);
	CHECK_INT(c.nparams, 0);
	/* "--": the rest goes to init */
	CHECK_INT(parse_cmdline("a=1 -- b=2", 10, &a, &c), 0);
	CHECK_INT(c.nparams, 1);
	CHECK(cmdline_get(&c, "b") == NULL);
	/* unterminated quote: runs to the end, quote dropped */
	static const char uq[] = "x=\"a b c d=1";
	CHECK_INT(parse_cmdline(uq, sizeof(uq) - 1, &a, &c), 0);
	CHECK_INT(c.nparams, 1);
	CHECK_STR(val(&c, "x"), "a b c d=1");
	/* "=" alone, "=x", "k==v", flags compared against words */
	static const char odd[] = "= =x k==v flag pci=nomsi,noaer";
	CHECK_INT(parse_cmdline(odd, sizeof(odd) - 1, &a, &c), 0);
	CHECK_INT(c.nparams, 5);
	CHECK_STR(c.params[0].key, "");
	CHECK_STR(c.params[0].val, "");
	CHECK_STR(val(&c, "k"), "=v");
	CHECK(!cmdline_has_word(&c, "flag", "x"));
	CHECK(cmdline_has_word(&c, "pci", "noaer"));
	CHECK(!cmdline_has_word(&c, "pci", ""));
	/* truncated in the middle of a value */
	static const char cut[] = "intel_iommu=on isolcpus=managed_irq,2-";
	CHECK_INT(parse_cmdline(cut, sizeof(cut) - 1, &a, &c), 0);
	CHECK_STR(val(&c, "isolcpus"), "managed_irq,2-");
	/* NULs inside: kept in raw, the key stops there */
	static const char nul[] = "a=1\0b=2 c=3";
	CHECK_INT(parse_cmdline(nul, sizeof(nul) - 1, &a, &c), 0);
	CHECK_INT(c.nparams, 2);
	CHECK_STR(val(&c, "c"), "3");
	/* overflowing / negative numbers are just text here */
	static const char nums[] = "nr_cpus=99999999999999999999999 maxcpus=-1";
	CHECK_INT(parse_cmdline(nums, sizeof(nums) - 1, &a, &c), 0);
	CHECK_STR(val(&c, "maxcpus"), "-1");

	/* random binary, one 10 MB word, 10 MB of short words, a real line with NULs */
	struct buf b = { 0 };
	bad_random(&b, 1 << 20, 3);
	CHECK_INT(parse_cmdline(b.data, b.len, &a, &c), 0);
	CHECK(c.nparams > 0);
	buf_reset(&b);
	bad_long_line(&b, "isolcpus=", "1", BAD_LONG);
	CHECK_INT(parse_cmdline(b.data, b.len, &a, &c), 0);
	CHECK_INT(c.nparams, 1);
	CHECK_INT(strlen(val(&c, "isolcpus")), BAD_LONG);
	buf_reset(&b);
	bad_long_line(&b, "", "a=1 ", 1u << 20);
	CHECK_INT(parse_cmdline(b.data, b.len, &a, &c), 0);
	CHECK_INT(c.nparams, (1u << 20) / 4);
	CHECK_STR(val(&c, "a"), "1");
	buf_reset(&b);
	struct buf real = { 0 };
	t_read(DC "x86-80cpu-2s-ocp-rt-worker-i40e-megasas-isolcpus-managed-irq-nto-mustgather.txt", &real);
	bad_with_nuls(&b, real.data, real.len, 11);
	CHECK_INT(parse_cmdline(b.data, b.len, &a, &c), 0);
	CHECK(c.nparams > 0);
	buf_free(&real);
	buf_free(&b);
	arena_free(&a);
}
