/* PCI devices from sys/bus/pci/devices, and their network interfaces. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/build.h"
#include "util/str.h"

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool u64_file(struct host *h, const struct source *src, const char *path, int base, uint64_t *v)
{
	const char *s;
	return !host_read_str(h, src, path, &s) && str_u64(s, base, v);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/*
 * Is this the config file the kernel gives (drivers/pci/pci-sysfs.c:pci_read_config):
 * 64 bytes (128 for CardBus) without CAP_SYS_ADMIN, else the whole space of 256 or
 * 4096 bytes, with the device's own IDs? NULL when it is; else what is wrong with it,
 * and *foreign when the bytes are not this device's at all.
 */
static const char *config_damage(const struct pci_dev *d, size_t len, bool *foreign)
{
	*foreign = false;
	if (len < 64)
		return "shorter than the 64-byte header (a damaged copy?)";
	/* An SR-IOV VF's own IDs read 0xffff (the files show the IDs the PF gives it). */
	if (d->has_ids && d->cfg.vendor != 0xffff && (d->cfg.vendor != d->vendor || d->cfg.device != d->device)) {
		*foreign = true;
		return "vendor/device differ from the vendor and device files (a damaged copy?)";
	}
	if (len != 64 && len != 128 && len != 256 && len != 4096)
		return "cut short: not 64, 256 or 4096 bytes (a damaged copy?)";
	if (d->cfg.cap_list_broken)
		return "capability list broken (a loop or a bad pointer)";
	return NULL;
}

static void read_dev(struct host *h, const struct source *src, struct pci_dev *d, const char *bdf)
{
	char dir[256], path[320], link[4096];
	snprintf(dir, sizeof(dir), "sys/bus/pci/devices/%s", bdf);
	d->bdf = arena_strdup(&h->arena, bdf);
	d->in_sysfs = true;
	d->numa_node = -1;
	d->iommu_group = -1;
	d->sysfs_irq = -1;
	d->net_rx_queues = d->net_tx_queues = -1;
	d->net_channels = d->net_channels_max = -1;
	uint64_t v;
	snprintf(path, sizeof(path), "%s/class", dir);
	if (u64_file(h, src, path, 16, &v))
		d->class = (uint32_t)v;
	d->is_bridge = (d->class >> 8) == 0x0604;
	uint64_t ven, dev;
	snprintf(path, sizeof(path), "%s/vendor", dir);
	bool okv = u64_file(h, src, path, 16, &ven);
	snprintf(path, sizeof(path), "%s/device", dir);
	bool okd = u64_file(h, src, path, 16, &dev);
	if (okv && okd) {
		d->vendor = (uint16_t)ven;
		d->device = (uint16_t)dev;
		d->has_ids = true;
	}
	snprintf(path, sizeof(path), "%s/subsystem_vendor", dir);
	if (u64_file(h, src, path, 16, &v))
		d->subsys_vendor = (uint16_t)v;
	snprintf(path, sizeof(path), "%s/subsystem_device", dir);
	if (u64_file(h, src, path, 16, &v))
		d->subsys_device = (uint16_t)v;
	snprintf(path, sizeof(path), "%s/irq", dir);
	if (u64_file(h, src, path, 10, &v))
		d->sysfs_irq = (int)v;
	int64_t node;
	const char *s;
	snprintf(path, sizeof(path), "%s/numa_node", dir);
	if (!host_read_str(h, src, path, &s) && str_i64(s, 10, &node))
		d->numa_node = node < 0 ? -1 : (int)node;
	snprintf(path, sizeof(path), "%s/local_cpulist", dir);
	if (!host_read_cpulist(h, src, path, &d->local_cpus))
		d->has_local_cpus = true;
	snprintf(path, sizeof(path), "%s/driver", dir);
	if (!src_readlink(src, path, link, sizeof(link)))
		d->driver = arena_strdup(&h->arena, base_name(link));
	d->is_vfio = d->driver && !strcmp(d->driver, "vfio-pci");
	snprintf(path, sizeof(path), "%s/iommu_group", dir);
	int64_t g;
	if (!src_readlink(src, path, link, sizeof(link)) && str_i64(base_name(link), 10, &g))
		d->iommu_group = (int)g;
	snprintf(path, sizeof(path), "%s/iommu", dir);
	if (!src_readlink(src, path, link, sizeof(link)))
		d->iommu_unit = arena_strdup(&h->arena, base_name(link));

	/* msi_irqs/<irq>: one file per Linux IRQ, content "msi" or "msix" (the device's mode). */
	char **names;
	size_t n;
	snprintf(path, sizeof(path), "%s/msi_irqs", dir);
	int r = src_list(src, &h->arena, path, &names, &n);
	d->has_msi_irqs_dir = r == 0;
	d->msi_irqs_mode = IRQ_MODE_NONE;
	if (!r && n) {
		d->msi_irqs = arena_calloc(&h->arena, n, sizeof(int));
		const char *first = NULL;	/* names that are no IRQ number are not the kernel's */
		for (size_t i = 0; i < n; i++) {
			uint64_t irq;
			if (!str_u64(names[i], 10, &irq) || irq > INT_MAX)
				continue;
			d->msi_irqs[d->nmsi_irqs++] = (int)irq;
			if (!first)
				first = names[i];
		}
		qsort(d->msi_irqs, (size_t)d->nmsi_irqs, sizeof(int), cmp_int);
		snprintf(path, sizeof(path), "%s/msi_irqs/%s", dir, first ? first : "");
		if (first && !host_read_str(h, src, path, &s))
			d->msi_irqs_mode = !strcmp(s, "msix") ? IRQ_MODE_MSIX : !strcmp(s, "msi") ? IRQ_MODE_MSI : IRQ_MODE_UNKNOWN;
		else
			d->msi_irqs_mode = IRQ_MODE_UNKNOWN;
	} else if (r && r != -ENOENT) {
		host_note_unreadable(h, "sys/bus/pci/devices/*/msi_irqs", r, "MSI vectors of those devices are unknown");
	}
	/* The directory is absent when the device never enabled MSI (kernel ≥ 5.x creates
	 * it on enable): ENOENT then means "no MSI in use", on a live tree. */

	struct buf b = { 0 };
	snprintf(path, sizeof(path), "%s/config", dir);
	r = src_read(src, path, &b, 4096);
	if (!r) {
		d->cfg_read = true;
		d->cfg_full = b.len > 64;
		parse_pci_config((const uint8_t *)b.data, b.len, &d->cfg);
		bool foreign;
		const char *damage = config_damage(d, b.len, &foreign);
		if (foreign) {
			/* Not this device's bytes: nothing in them is known. */
			d->cfg.header_valid = false;
			d->cfg.has_msi = d->cfg.has_msix = TRI_UNKNOWN;
		}
		if (damage)
			host_note_missing(h, "sys/bus/pci/devices/*/config", damage,
					  "MSI/MSI-X capabilities of those devices are unknown");
		else if (!d->cfg_full)
			host_note_missing(h, "sys/bus/pci/devices/*/config",
					  "only 64 bytes readable (not root)",
					  "MSI/MSI-X capabilities of those devices are unknown");
	} else {
		host_note_unreadable(h, "sys/bus/pci/devices/*/config", r,
				     "MSI/MSI-X capabilities of those devices are unknown");
	}
	buf_free(&b);
}

/* Find the last "dddd:bb:dd.f" component of a sysfs path. */
static const char *bdf_in_path(struct host *h, const char *p)
{
	const char *best = NULL;
	size_t bestn = 0;
	const char *s = p;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n >= 12 && s[n - 2] == '.' && s[n - 5] == ':' && s[n - 8] == ':') {
			best = s;
			bestn = n;
		}
		if (!e)
			break;
		s = e + 1;
	}
	return best ? arena_strndup(&h->arena, best, bestn) : NULL;
}

static int count_prefixed(char **names, size_t n, const char *prefix)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		if (!strncmp(names[i], prefix, strlen(prefix)))
			c++;
	return c;
}

static void read_net(struct host *h, const struct source *src)
{
	char **ifs;
	size_t nif;
	if (src_list(src, &h->arena, "sys/class/net", &ifs, &nif))
		return;
	for (size_t i = 0; i < nif; i++) {
		char path[320], link[4096];
		const char *bdf = NULL;
		snprintf(path, sizeof(path), "sys/class/net/%s/device", ifs[i]);
		if (!src_readlink(src, path, link, sizeof(link)))
			bdf = bdf_in_path(h, link);
		/* virtio: device -> ../../../virtioN, a child of the PCI function. */
		if (!bdf && !src_readlink(src, path, link, sizeof(link)) && !strncmp(base_name(link), "virtio", 6)) {
			for (int k = 0; k < h->ndevs && !bdf; k++) {
				char child[4608];
				snprintf(child, sizeof(child), "sys/bus/pci/devices/%s/%s", h->devs[k].bdf, base_name(link));
				if (src_exists(src, child))
					bdf = h->devs[k].bdf;
			}
		}
		struct pci_dev *d = bdf ? host_dev_by_bdf(h, bdf) : NULL;
		if (!d || d->netdev)
			continue;
		d->netdev = ifs[i];
		char **qs;
		size_t nq;
		snprintf(path, sizeof(path), "sys/class/net/%s/queues", ifs[i]);
		if (!src_list(src, &h->arena, path, &qs, &nq)) {
			d->net_rx_queues = count_prefixed(qs, nq, "rx-");
			d->net_tx_queues = count_prefixed(qs, nq, "tx-");
		}
	}
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct pci_dev *)a)->bdf, ((const struct pci_dev *)b)->bdf);
}

void build_pci(struct host *h, const struct source *src)
{
	char **names;
	size_t n;
	int r = src_list(src, &h->arena, "sys/bus/pci/devices", &names, &n);
	if (r) {
		host_note_unreadable(h, "sys/bus/pci/devices", r,
				     "devices are known only from IRQ names; drivers, NUMA nodes and MSI capabilities are unknown");
		return;
	}
	h->devs = arena_calloc(&h->arena, n ? n : 1, sizeof(*h->devs));
	for (size_t i = 0; i < n; i++)
		read_dev(h, src, &h->devs[h->ndevs++], names[i]);
	qsort(h->devs, (size_t)h->ndevs, sizeof(*h->devs), cmp_dev);
	read_net(h, src);
}
