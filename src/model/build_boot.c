/*
 * How this host changes its kernel command line, and which irqbalance it runs: what a
 * fix line needs to be a command for this host rather than for a typical one. Read
 * from the command line itself (BOOT_IMAGE= is set by GRUB, ostree= by ostree's GRUB
 * entries, initrd=\... by EFI stubs such as systemd-boot) and the files the tools keep
 * under /etc; each is read through the source, so a snapshot records them.
 */
#include <string.h>

#include "model/build.h"
#include "parse/envfile.h"
#include "util/str.h"

/* Value of KEY= in an os-release style file, unquoted, in the arena; NULL when absent. */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; p && (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

static enum os_family family_of(const char *id, const char *like)
{
	static const struct {
		const char *id;
		enum os_family f;
	} ids[] = {
		{ "debian", OS_DEBIAN }, { "ubuntu", OS_DEBIAN }, { "rhel", OS_RHEL }, { "fedora", OS_RHEL },
		{ "centos", OS_RHEL },	 { "suse", OS_SUSE },	  { "opensuse", OS_SUSE },
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (has_word(id, ids[i].id))
			return ids[i].f;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (has_word(like, ids[i].id))
			return ids[i].f;
	return OS_UNKNOWN;
}

/* A distribution's kernel names itself: 5.14.0-427.el9_4, 6.8.12-4-pve, 6.1.0-18-amd64. */
static enum os_family family_of_kernel(const char *rel, bool *pve)
{
	if (!rel)
		return OS_UNKNOWN;
	if (strstr(rel, "-pve")) {
		*pve = true;
		return OS_DEBIAN;
	}
	if (strstr(rel, ".el") || strstr(rel, ".fc"))
		return OS_RHEL;
	if (strstr(rel, "-generic") || strstr(rel, "-amd64") || strstr(rel, "-arm64") || strstr(rel, "-cloud-") ||
	    strstr(rel, "-lowlatency") || strstr(rel, "-azure") || strstr(rel, "-aws") || strstr(rel, "+deb"))
		return OS_DEBIAN;
	if (strstr(rel, "-default") && strstr(rel, "-lp"))
		return OS_SUSE;
	return OS_UNKNOWN;
}

static bool read_small(struct host *h, const struct source *src, const char *path, const char **out)
{
	*out = NULL;
	return !host_read_str(h, src, path, out);
}

/* dpkg's record of the installed irqbalance: "Package: irqbalance" ... "Version: 1.9.2-1". */
static void irqbalance_version(struct host *h, const struct source *src)
{
	const struct irqbalance *ib = &h->irqbalance;
	/* The package database is large: read it only when irqbalance is there to advise. */
	if (ib->running != TRI_YES && !ib->config_path)
		return;
	struct buf b = { 0 };
	if (src_read(src, "var/lib/dpkg/status", &b, 64u << 20) || !b.len) {
		buf_free(&b);
		return;
	}
	buf_putc(&b, '\0');
	const char *p = strstr(b.data, "Package: irqbalance\n");
	if (p && (p == b.data || p[-1] == '\n')) {
		const char *end = strstr(p, "\n\n");
		const char *st = strstr(p, "\nStatus: ");
		const char *v = strstr(p, "\nVersion: ");
		bool installed = st && (!end || st < end) && !strncmp(strchr(st + 1, ' ') + 1, "install ok installed", 20);
		if (installed && v && (!end || v < end)) {
			v += strlen("\nVersion: ");
			h->irqbalance_version = arena_strndup(&h->arena, v, strcspn(v, "\n"));
			h->irqbalance_version_source = "var/lib/dpkg/status";
		}
	}
	buf_free(&b);
}

void build_boot(struct host *h, const struct source *src)
{
	struct boot *bt = &h->boot;
	const struct cmdline_param *image = h->has_cmdline ? cmdline_get(&h->cmdline, "BOOT_IMAGE") : NULL;
	const struct cmdline_param *initrd = h->has_cmdline ? cmdline_get(&h->cmdline, "initrd") : NULL;
	const char *osr = NULL, *grub = NULL, *kcmd = NULL, *kstub = NULL, *pbt = NULL;
	if (!read_small(h, src, "etc/os-release", &osr))
		read_small(h, src, "usr/lib/os-release", &osr);
	read_small(h, src, "etc/default/grub", &grub);
	read_small(h, src, "etc/kernel/cmdline", &kcmd);
	read_small(h, src, "etc/kernelstub/configuration", &kstub);
	read_small(h, src, "etc/kernel/proxmox-boot-uuids", &pbt);

	bool pve = false;
	struct envfile os = { 0 };	/* os-release is a shell-style KEY=value file, as irqbalance's */
	if (osr)
		parse_envfile(osr, strlen(osr), &h->arena, &os);
	bt->family = osr ? family_of(envfile_get(&os, "ID"), envfile_get(&os, "ID_LIKE")) : OS_UNKNOWN;
	/* A kernel release, or the kernel GRUB booted (".../vmlinuz-5.14.0-427.el9_4.x86_64"). */
	const char *rel = h->platform.kernel_release;
	if (!rel && image && image->val && strstr(image->val, "vmlinuz-"))
		rel = strstr(image->val, "vmlinuz-") + strlen("vmlinuz-");
	enum os_family kf = family_of_kernel(rel, &pve);
	if (bt->family == OS_UNKNOWN)
		bt->family = kf;
	/* proxmox-boot-tool syncs the ESPs it lists; a Proxmox host booted by GRUB without
	 * them (root on ext4/xfs) uses plain update-grub, one booted by systemd-boot (EFI,
	 * root on ZFS) always has them. */
	bt->proxmox = pbt != NULL;

	if (h->has_cmdline && cmdline_get(&h->cmdline, "ostree")) {
		bt->loader = BOOT_OSTREE;
		bt->evidence = "ostree= on the command line";
		/* Red Hat CoreOS runs only as an OpenShift node. */
		bt->openshift = (image && image->val && strstr(image->val, "/rhcos-")) || (osr && strstr(osr, "ID=\"rhcos\"")) ||
				(osr && strstr(osr, "ID=rhcos"));
		bt->family = OS_RHEL;
	} else if (kstub) {
		bt->loader = BOOT_KERNELSTUB;
		bt->evidence = "/etc/kernelstub/configuration";
	} else if (image) {
		bt->loader = BOOT_GRUB;
		bt->evidence = grub ? "BOOT_IMAGE= on the command line (GRUB), /etc/default/grub"
				    : "BOOT_IMAGE= on the command line (GRUB)";
	} else if (kcmd || (initrd && initrd->val && initrd->val[0] == '\\')) {
		bt->loader = BOOT_SYSTEMD_BOOT;
		bt->evidence = kcmd ? "/etc/kernel/cmdline" : "initrd=\\... on the command line (an EFI stub loader)";
		bt->proxmox |= pve;
	} else if (grub) {
		bt->loader = BOOT_GRUB;
		bt->evidence = "/etc/default/grub";
	}
	irqbalance_version(h, src);
}
