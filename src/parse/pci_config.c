#include "parse/pci_config.h"

#include <errno.h>
#include <string.h>

/* Offsets and bits: include/uapi/linux/pci_regs.h. */
#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS 0x06
#define PCI_STATUS_INTERRUPT 0x08
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CB_CAPABILITY_LIST 0x14
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11
#define PCI_FIND_CAP_TTL 48

static uint16_t rd16(const uint8_t *c, size_t o)
{
	return (uint16_t)(c[o] | (c[o + 1] << 8));
}

static uint32_t rd32(const uint8_t *c, size_t o)
{
	return (uint32_t)c[o] | ((uint32_t)c[o + 1] << 8) | ((uint32_t)c[o + 2] << 16) |
	       ((uint32_t)c[o + 3] << 24);
}

int parse_pci_config(const uint8_t *cfg, size_t len, struct pci_cfg *out)
{
	memset(out, 0, sizeof(*out));
	out->len = len;
	if (len < 64)
		return -EINVAL;
	out->vendor = rd16(cfg, PCI_VENDOR_ID);
	out->device = rd16(cfg, PCI_VENDOR_ID + 2);
	out->header_valid = out->vendor != 0xffff && out->vendor != 0;
	out->command = rd16(cfg, PCI_COMMAND);
	out->status = rd16(cfg, PCI_STATUS);
	uint32_t cr = rd32(cfg, PCI_CLASS_REVISION);
	out->revision = (uint8_t)(cr & 0xff);
	out->class = cr >> 8;
	out->header_type = cfg[PCI_HEADER_TYPE] & 0x7f;
	out->intx_line = cfg[PCI_INTERRUPT_LINE];
	out->intx_pin = cfg[PCI_INTERRUPT_PIN];
	out->intx_disabled = (out->command & PCI_COMMAND_INTX_DISABLE) != 0;
	out->intx_pending = (out->status & PCI_STATUS_INTERRUPT) != 0;
	out->has_cap_list = (out->status & PCI_STATUS_CAP_LIST) != 0;

	/* All ones (or all zeros) in IDs, Command and Status is what a read gets when no
	 * device answers (drivers/pci/probe.c:pci_bus_generic_read_dev_vendor_id): nothing
	 * after it says anything, so MSI/MSI-X stay unknown. (An SR-IOV VF also reads
	 * vendor 0xffff, but its Command/Status and capabilities are real.) */
	uint32_t ids = rd32(cfg, PCI_VENDOR_ID), cmd_status = rd32(cfg, PCI_COMMAND);
	if ((ids == 0xffffffff && cmd_status == 0xffffffff) || (ids == 0 && cmd_status == 0))
		return 0;
	if (!out->has_cap_list) {
		/* No list at all: the device has neither capability (a fact, not unknown). */
		out->has_msi = out->has_msix = TRI_NO;
		return 0;
	}
	/* drivers/pci/pci.c:__pci_bus_find_cap_start(): type 2 (CardBus) keeps it at 0x14. */
	size_t start = out->header_type == 2 ? PCI_CB_CAPABILITY_LIST : PCI_CAPABILITY_LIST;
	uint8_t pos = cfg[start] & 0xfc;
	bool seen[256] = { false };
	bool complete = false;
	bool msi_cut = false, msix_cut = false;	/* its ID was read, its registers were not */
	int ttl = PCI_FIND_CAP_TTL;
	while (ttl-- > 0) {
		if (pos < 0x40) {
			/* A 0 pointer ends the list; other values below 0x40 are invalid
			 * (__pci_find_next_cap_ttl stops there too). */
			complete = true;
			if (pos != 0)
				out->cap_list_broken = true;
			break;
		}
		if ((size_t)pos + 2 > len)
			break;	/* beyond what we could read: the rest is unknown */
		if (seen[pos]) {
			out->cap_list_broken = true;
			complete = true;
			break;
		}
		seen[pos] = true;
		uint8_t id = cfg[pos];
		if (id == 0xff) {
			complete = true;
			out->cap_list_broken = true;
			break;
		}
		if (id == PCI_CAP_ID_MSI && out->has_msi != TRI_YES && (size_t)pos + 4 <= len) {
			uint16_t ctl = rd16(cfg, pos + 2);
			out->has_msi = TRI_YES;
			out->msi_offset = pos;
			out->msi_enabled = ctl & 0x0001;
			out->msi_vectors_capable = 1u << ((ctl & 0x000e) >> 1);
			out->msi_vectors_enabled = 1u << ((ctl & 0x0070) >> 4);
			out->msi_64bit = (ctl & 0x0080) != 0;
			out->msi_maskable = (ctl & 0x0100) != 0;
		} else if (id == PCI_CAP_ID_MSIX && out->has_msix != TRI_YES && (size_t)pos + 12 <= len) {
			uint16_t ctl = rd16(cfg, pos + 2);
			uint32_t table = rd32(cfg, pos + 4), pba = rd32(cfg, pos + 8);
			out->has_msix = TRI_YES;
			out->msix_offset = pos;
			out->msix_enabled = (ctl & 0x8000) != 0;
			out->msix_function_masked = (ctl & 0x4000) != 0;
			out->msix_table_size = (ctl & 0x07ff) + 1u;
			out->msix_table_bir = table & 7;
			out->msix_table_offset = table & ~7u;
			out->msix_pba_bir = pba & 7;
			out->msix_pba_offset = pba & ~7u;
		} else if (id == PCI_CAP_ID_MSI && out->has_msi != TRI_YES) {
			msi_cut = true;
		} else if (id == PCI_CAP_ID_MSIX && out->has_msix != TRI_YES) {
			msix_cut = true;
		}
		pos = cfg[pos + 1] & 0xfc;
	}
	if (ttl < 0)
		out->cap_list_broken = true;
	/* Only a walk that reached its end can say a capability is absent, and not one
	 * whose entry was there but cut short (a truncated file). */
	if (complete || ttl < 0) {
		if (out->has_msi == TRI_UNKNOWN && !msi_cut)
			out->has_msi = TRI_NO;
		if (out->has_msix == TRI_UNKNOWN && !msix_cut)
			out->has_msix = TRI_NO;
	}
	return 0;
}
