/*
 * parse/pci_config: spot checks on real config space (pciutils' lspci -x test dumps, the
 * lspci -vv text beside each dump says what to expect; the dev machine's sysfs config
 * files as root and as a user), then the capability walk on broken input. The full
 * comparison against lspci -vv is tests/pcidump.
 */
#include "t.h"

#include <errno.h>
#include <stdlib.h>

#include "bad.h"
#include "parse/pci_config.h"
#include "util/buf.h"
#include "util/str.h"

#define DP "tests/unit/data/parse/pcidumps/"
#define DB "tests/unit/data/parse/pci-config/"

/* The index-th device of an "lspci -x" dump ("00: 86 80 ..." lines) into cfg; returns its length. */
static size_t dump_device(const char *file, int index, uint8_t cfg[4096])
{
	struct buf b = { 0 };
	char path[256];
	snprintf(path, sizeof(path), DP "%s", file);
	t_read(path, &b);
	struct slice all = { b.data, b.len }, line;
	int dev = -1;
	size_t len = 0;
	memset(cfg, 0, 4096);
	while (slice_line(&all, &line)) {
		/* "01:00.0 Ethernet controller: ..." starts a device */
		if (line.n > 8 && line.p[2] == ':' && line.p[5] == '.' && line.p[7] == ' ') {
			dev++;
			continue;
		}
		const char *colon = memchr(line.p, ':', line.n < 5 ? line.n : 5);
		if (dev != index || !colon || colon + 1 >= line.p + line.n || colon[1] != ' ')
			continue;
		uint64_t off;
		if (!slice_u64((struct slice){ line.p, (size_t)(colon - line.p) }, 16, &off) || off > 4080)
			continue;
		struct slice rest = { colon + 1, line.n - (size_t)(colon + 1 - line.p) }, t;
		size_t i = 0;
		while ((t = slice_token(&rest)).n && i < 16) {
			uint64_t v;
			if (!slice_u64(t, 16, &v) || v > 0xff)
				break;
			cfg[off + i++] = (uint8_t)v;
		}
		if (off + i > len)
			len = off + i;
	}
	buf_free(&b);
	return len;
}

static size_t binary(const char *file, uint8_t cfg[4096])
{
	struct buf b = { 0 };
	char path[256];
	snprintf(path, sizeof(path), DB "%s", file);
	t_read(path, &b);
	size_t n = b.len < 4096 ? b.len : 4096;
	memcpy(cfg, b.data, n);
	buf_free(&b);
	return n;
}

TEST(pcicfg_lspci_dump_msi_and_msix)
{
	/* Intel 10c9 (82576): "[50] MSI: Mask+ 64bit+ Count=1/1 Enable-",
	 * "[70] MSI-X: Enable+ Mask- TabSize=10", table BAR=3 offset=0, PBA BAR=3 offset=2000, DisINTx+ */
	uint8_t cfg[4096];
	struct pci_cfg c;
	size_t len = dump_device("pciutils-cap-pcie-2.lspci-x.txt", 0, cfg);
	CHECK_INT(len, 4096);
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK(c.header_valid);
	CHECK_INT(c.vendor, 0x8086);
	CHECK_INT(c.device, 0x10c9);
	CHECK_INT(c.revision, 1);
	CHECK_INT(c.class, 0x020000);
	CHECK_INT(c.header_type, 0);
	CHECK(c.intx_disabled);
	CHECK_INT(c.intx_pin, 1);
	CHECK_INT(c.intx_line, 0x0b);
	CHECK(c.has_cap_list);
	CHECK(!c.cap_list_broken);
	CHECK_INT(c.has_msi, TRI_YES);
	CHECK_INT(c.msi_offset, 0x50);
	CHECK(!c.msi_enabled);
	CHECK(c.msi_64bit);
	CHECK(c.msi_maskable);
	CHECK_INT(c.msi_vectors_capable, 1);
	CHECK_INT(c.msi_vectors_enabled, 1);
	CHECK_INT(c.has_msix, TRI_YES);
	CHECK_INT(c.msix_offset, 0x70);
	CHECK(c.msix_enabled);
	CHECK(!c.msix_function_masked);
	CHECK_INT(c.msix_table_size, 10);
	CHECK_INT(c.msix_table_bir, 3);
	CHECK_INT(c.msix_table_offset, 0);
	CHECK_INT(c.msix_pba_bir, 3);
	CHECK_INT(c.msix_pba_offset, 0x2000);

	/* Samsung PM174X NVMe: "[b0] MSI-X: Enable- Count=129 Masked-", BAR=0 4000 / 3000; no MSI */
	len = dump_device("pciutils-cap-phy32.lspci-x.txt", 0, cfg);
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.vendor, 0x144d);
	CHECK_INT(c.class, 0x010802);
	CHECK_INT(c.has_msi, TRI_NO);
	CHECK_INT(c.has_msix, TRI_YES);
	CHECK_INT(c.msix_offset, 0xb0);
	CHECK(!c.msix_enabled);
	CHECK_INT(c.msix_table_size, 129);
	CHECK_INT(c.msix_table_bir, 0);
	CHECK_INT(c.msix_table_offset, 0x4000);
	CHECK_INT(c.msix_pba_offset, 0x3000);
	CHECK(c.intx_disabled);
	CHECK_INT(c.intx_line, 0xff);	/* "no connection" */
}

TEST(pcicfg_lspci_dump_virtio_bridge_no_caps)
{
	uint8_t cfg[4096];
	struct pci_cfg c;
	/* virtio-net 00:09.0: "[84] MSI-X: Enable+ Count=3 Masked-", BAR=1 0 / 800, four
	 * vendor caps 70 60 50 40 after it; 256 bytes */
	size_t len = dump_device("pciutils-cap-vendor-virtio.lspci-x.txt", 0, cfg);
	CHECK_INT(len, 256);
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.vendor, 0x1af4);
	CHECK_INT(c.device, 0x1000);
	CHECK(c.intx_disabled);
	CHECK_INT(c.intx_pin, 1);
	CHECK_INT(c.intx_line, 10);
	CHECK_INT(c.has_msix, TRI_YES);
	CHECK_INT(c.msix_offset, 0x84);
	CHECK(c.msix_enabled);
	CHECK_INT(c.msix_table_size, 3);
	CHECK_INT(c.msix_table_bir, 1);
	CHECK_INT(c.msix_pba_bir, 1);
	CHECK_INT(c.msix_pba_offset, 0x800);
	CHECK_INT(c.has_msi, TRI_NO);
	CHECK(!c.cap_list_broken);
	/* the second device of the file, virtio-fs 00:04.0: "[40] MSI-X: Enable+ Count=3", PBA BAR=0 2000 */
	len = dump_device("pciutils-cap-vendor-virtio.lspci-x.txt", 1, cfg);
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.msix_offset, 0x40);
	CHECK_INT(c.msix_table_size, 3);
	CHECK_INT(c.msix_pba_bir, 0);
	CHECK_INT(c.msix_pba_offset, 0x2000);

	/* HT2100 PCI-E bridge (type 1), caps a0 b0 98 80 78 50: MSI at 80 (64-bit, one vector) */
	len = dump_device("pciutils-cap-MSI-mapping.lspci-x.txt", 0, cfg);
	CHECK_INT(len, 256);
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.vendor, 0x1166);
	CHECK_INT(c.device, 0x0140);
	CHECK_INT(c.header_type, 1);
	CHECK_INT(c.class, 0x060401);
	CHECK_INT(c.has_msi, TRI_YES);
	CHECK_INT(c.msi_offset, 0x80);
	CHECK(c.msi_64bit);
	CHECK(!c.msi_maskable);
	CHECK(!c.msi_enabled);
	CHECK_INT(c.msi_vectors_capable, 2);	/* Message Control 0x0082: MMC = 1 */
	CHECK_INT(c.msi_vectors_enabled, 1);
	CHECK_INT(c.has_msix, TRI_NO);

	/* ICH10 UHCI: one cap ([50] PCI Advanced Features), DisINTx-: neither MSI nor MSI-X */
	len = dump_device("pciutils-cap-pci-af.lspci-x.txt", 0, cfg);
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.device, 0x3a34);
	CHECK(!c.intx_disabled);
	CHECK_INT(c.intx_pin, 1);
	CHECK_INT(c.has_msi, TRI_NO);
	CHECK_INT(c.has_msix, TRI_NO);
}

TEST(pcicfg_sysfs_root_and_nonroot)
{
	uint8_t cfg[4096];
	struct pci_cfg c;
	/* The dev machine's virtio-net as root: 256 bytes, caps 40 50 60 70 84 (vendor) then
	 * 98 MSI-X, 3 vectors, table BAR0+0x8000, PBA BAR0+0x48000; no INTx pin */
	size_t len = binary("live-firecracker-root-0000:00:03.0-virtio-net.config", cfg);
	CHECK_INT(len, 256);
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.vendor, 0x1af4);
	CHECK_INT(c.device, 0x1041);
	CHECK(c.intx_disabled);
	CHECK_INT(c.intx_pin, 0);
	CHECK_INT(c.has_msix, TRI_YES);
	CHECK_INT(c.msix_offset, 0x98);
	CHECK(c.msix_enabled);
	CHECK_INT(c.msix_table_size, 3);
	CHECK_INT(c.msix_table_offset, 0x8000);
	CHECK_INT(c.msix_pba_offset, 0x48000);
	CHECK_INT(c.has_msi, TRI_NO);

	/* The same device as a user: the kernel gives 64 bytes. The header is there, the
	 * capability list is not: unknown, never "no". */
	uint8_t cfg64[4096];
	len = binary("live-firecracker-nonroot-0000:00:03.0-virtio-net-64bytes.config", cfg64);
	CHECK_INT(len, 64);
	CHECK(!memcmp(cfg, cfg64, 64));
	CHECK_INT(parse_pci_config(cfg64, len, &c), 0);
	CHECK_INT(c.len, 64);
	CHECK(c.header_valid);
	CHECK_INT(c.vendor, 0x1af4);
	CHECK(c.has_cap_list);
	CHECK_INT(c.has_msi, TRI_UNKNOWN);
	CHECK_INT(c.has_msix, TRI_UNKNOWN);
	CHECK(!c.cap_list_broken);

	/* Host bridge, 4096 bytes, Status without Cap+: no capabilities is a fact */
	len = binary("live-firecracker-root-0000:00:00.0-host-bridge.config", cfg);
	CHECK_INT(len, 4096);
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.device, 0x0d57);
	CHECK_INT(c.class, 0x060000);
	CHECK(!c.has_cap_list);
	CHECK_INT(c.has_msi, TRI_NO);
	CHECK_INT(c.has_msix, TRI_NO);
}

/* The real 256-byte virtio-net config, to break. */
static size_t virtio(uint8_t cfg[4096])
{
	memset(cfg, 0, 4096);
	return binary("live-firecracker-root-0000:00:03.0-virtio-net.config", cfg);
}

TEST(pcicfg_bad_short_and_truncated)
{
	uint8_t cfg[4096];
	struct pci_cfg c;
	virtio(cfg);
	/* fewer than 64 bytes: -EINVAL, nothing known */
	for (size_t n = 0; n < 64; n++) {
		memset(&c, 0x5a, sizeof(c));
		CHECK_INT(parse_pci_config(cfg, n, &c), -EINVAL);
		CHECK_INT(c.len, n);
		CHECK(!c.header_valid);
		CHECK_INT(c.has_msi, TRI_UNKNOWN);
		CHECK_INT(c.has_msix, TRI_UNKNOWN);
	}
	CHECK_INT(parse_pci_config(NULL, 0, &c), -EINVAL);
	/* Every length from 64 to 256: MSI-X (at 0x98, 12 bytes) is known only once all 12
	 * bytes are there; before that it is unknown, never "no". MSI is "no" once the walk
	 * reached the end of the list (the last entry's next pointer, 0x99). */
	for (size_t n = 64; n <= 256; n++) {
		CHECK_INT(parse_pci_config(cfg, n, &c), 0);
		enum tri want = n >= 0x98 + 12 ? TRI_YES : TRI_UNKNOWN;
		if (c.has_msix != want)
			t_fail(__FILE__, __LINE__, "len %zu: has_msix %d, expected %d", n, c.has_msix, want);
		want = n >= 0x98 + 2 ? TRI_NO : TRI_UNKNOWN;
		if (c.has_msi != want)
			t_fail(__FILE__, __LINE__, "len %zu: has_msi %d, expected %d", n, c.has_msi, want);
		CHECK(!c.cap_list_broken);
	}
	/* An MSI capability cut after its ID and next pointer, before Message Control: the
	 * walk still reaches the end of the list, but MSI is unknown, not "no". (The real
	 * virtio-net config with its last capability, at 0x98, turned into MSI.) */
	virtio(cfg);
	cfg[0x98] = 0x05;
	for (size_t n = 0x9a; n < 0x9c; n++) {
		CHECK_INT(parse_pci_config(cfg, n, &c), 0);
		if (c.has_msi != TRI_UNKNOWN)
			t_fail(__FILE__, __LINE__, "MSI cap cut at %#zx: has_msi %d, expected unknown", n, c.has_msi);
		CHECK_INT(c.has_msix, TRI_NO);
	}
	CHECK_INT(parse_pci_config(cfg, 0x9c, &c), 0);
	CHECK_INT(c.has_msi, TRI_YES);
	CHECK_INT(c.msi_offset, 0x98);
}

TEST(pcicfg_bad_capability_walk)
{
	uint8_t cfg[4096];
	struct pci_cfg c;
	/* A loop: the MSI-X cap (last, at 0x98) points back to the first (0x40). The walk
	 * ends, says broken, and keeps what it found. */
	size_t len = virtio(cfg);
	cfg[0x99] = 0x40;
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK(c.cap_list_broken);
	CHECK_INT(c.has_msix, TRI_YES);
	CHECK_INT(c.msix_table_size, 3);
	/* A loop onto itself before MSI-X is reached */
	len = virtio(cfg);
	cfg[0x51] = 0x50;
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK(c.cap_list_broken);
	/* A pointer into the header (below 0x40, not 0): invalid, the walk stops */
	len = virtio(cfg);
	cfg[0x41] = 0x20;
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK(c.cap_list_broken);
	/* A pointer past what was read: the rest is unknown, and that is not "broken" */
	len = virtio(cfg);
	cfg[0x85] = 0xfc;
	CHECK_INT(parse_pci_config(cfg, 0xf0, &c), 0);
	CHECK_INT(c.has_msix, TRI_UNKNOWN);
	CHECK_INT(c.has_msi, TRI_UNKNOWN);
	CHECK(!c.cap_list_broken);
	/* Low two pointer bits are reserved (masked with 0xfc, drivers/pci/pci.c) */
	len = virtio(cfg);
	cfg[0x34] = 0x43;
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.has_msix, TRI_YES);
	CHECK(!c.cap_list_broken);
	/* Capability ID 0xff: a dead entry */
	len = virtio(cfg);
	cfg[0x60] = 0xff;
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK(c.cap_list_broken);
	/* TTL: 48 distinct entries 0x40, 0x44, ... 0xfc, the last pointing back to 0x40;
	 * PCI_FIND_CAP_TTL stops the walk before the loop is seen */
	len = virtio(cfg);
	memset(cfg + 0x40, 0, 0xc0);
	for (int p = 0x40; p <= 0xfc; p += 4) {
		cfg[p] = 0x09;
		cfg[p + 1] = (uint8_t)(p == 0xfc ? 0x40 : p + 4);
	}
	cfg[0x34] = 0x40;
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK(c.cap_list_broken);
	CHECK_INT(c.has_msix, TRI_NO);	/* the kernel's own walk would not find one either */
	/* Cap-list bit set, pointer 0: an empty list */
	len = virtio(cfg);
	cfg[0x34] = 0;
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.has_msix, TRI_NO);
	CHECK(!c.cap_list_broken);
	/* CardBus (type 2) keeps its pointer at 0x14 */
	len = virtio(cfg);
	cfg[0x0e] = 0x02;
	cfg[0x14] = 0x40;
	cfg[0x34] = 0;
	CHECK_INT(parse_pci_config(cfg, len, &c), 0);
	CHECK_INT(c.header_type, 2);
	CHECK_INT(c.has_msix, TRI_YES);
}

TEST(pcicfg_bad_absent_device_and_garbage)
{
	uint8_t cfg[4096];
	struct pci_cfg c;
	/* A device that did not answer reads all ones (or zeros): the header is not valid,
	 * and its "capabilities" say nothing (unknown, not "no") */
	memset(cfg, 0xff, sizeof(cfg));
	for (size_t n = 64; n <= 4096; n *= 4) {
		CHECK_INT(parse_pci_config(cfg, n, &c), 0);
		CHECK(!c.header_valid);
		CHECK_INT(c.vendor, 0xffff);
		CHECK_INT(c.has_msi, TRI_UNKNOWN);
		CHECK_INT(c.has_msix, TRI_UNKNOWN);
	}
	memset(cfg, 0, sizeof(cfg));
	CHECK_INT(parse_pci_config(cfg, 256, &c), 0);
	CHECK(!c.header_valid);
	CHECK_INT(c.has_msix, TRI_UNKNOWN);
	/* An SR-IOV VF reads vendor/device 0xffff too, but its Command/Status and capability
	 * list are real: the real virtio-net config with its IDs turned into a VF's */
	virtio(cfg);
	memset(cfg, 0xff, 4);
	CHECK_INT(parse_pci_config(cfg, 256, &c), 0);
	CHECK(!c.header_valid);
	CHECK_INT(c.has_msix, TRI_YES);
	CHECK_INT(c.msix_table_size, 3);
	CHECK_INT(c.has_msi, TRI_NO);
	/* random bytes at every length: a defined answer, fields in range */
	struct buf b = { 0 };
	int odd = 0;
	for (uint32_t seed = 1; seed <= 2000; seed++) {
		buf_reset(&b);
		bad_random(&b, 4096, seed);
		size_t n = seed % 5 == 0 ? 4096 : seed % 5 == 1 ? 256 : seed % 5 == 2 ? 64 : 64 + seed % 200;
		int r = parse_pci_config((const uint8_t *)b.data, n, &c);
		if (r != 0 || c.has_msi > TRI_YES || c.has_msix > TRI_YES || c.len != n ||
		    (c.has_msix == TRI_YES && (c.msix_table_size < 1 || c.msix_table_size > 2048)) ||
		    (c.has_msi == TRI_YES && c.msi_vectors_capable > 128))
			odd++;
	}
	CHECK_INT(odd, 0);
	buf_free(&b);
}
