/*
 * PCI configuration space decoding, limited to what interrupt delivery needs:
 * header, INTx pin/line and the Command register's INTx Disable bit, and the
 * MSI (cap ID 0x05) and MSI-X (cap ID 0x11) capabilities. Pure: bytes in, struct out.
 *
 * Without CAP_SYS_ADMIN the kernel returns only the first 64 bytes
 * (drivers/pci/pci-sysfs.c:pci_read_config), so the capability list is out of
 * reach: then has_msi/has_msix are TRI_UNKNOWN, never TRI_NO.
 * The capability walk follows drivers/pci/pci.c: pointers masked with 0xfc, at most
 * 48 entries (PCI_FIND_CAP_TTL), pointers below 0x40 end the walk; loops and
 * pointers past the readable length set cap_list_broken / leave caps unknown.
 * A capability cut short by the readable length, and both capabilities of a device
 * that did not answer (IDs, Command and Status all ones or all zeros), stay TRI_UNKNOWN.
 */
#ifndef IRQSIGHT_PARSE_PCI_CONFIG_H
#define IRQSIGHT_PARSE_PCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/compat.h"

struct pci_cfg {
	size_t len;			/* bytes available */
	bool header_valid;		/* len >= 64 and vendor != 0xffff */
	uint16_t vendor, device;
	uint16_t command, status;
	uint8_t revision, header_type;	/* header_type without the multifunction bit */
	uint32_t class;			/* 24-bit class code (base<<16 | sub<<8 | prog-if) */

	/* INTx: pin 0 = none, 1..4 = INTA..INTD (0x3d); line at 0x3c. */
	uint8_t intx_pin, intx_line;
	bool intx_disabled;		/* Command bit 10 (0x400) */
	bool intx_pending;		/* Status bit 3 (0x08) */

	bool has_cap_list;		/* Status bit 4 (0x10) */
	bool cap_list_broken;		/* loop, bad pointer, or TTL exceeded */

	enum tri has_msi;
	uint8_t msi_offset;
	bool msi_enabled;		/* Message Control bit 0 */
	unsigned msi_vectors_capable;	/* 1 << MMC (bits 3:1) */
	unsigned msi_vectors_enabled;	/* 1 << MME (bits 6:4) */
	bool msi_64bit;			/* bit 7 */
	bool msi_maskable;		/* bit 8 */

	enum tri has_msix;
	uint8_t msix_offset;
	bool msix_enabled;		/* Message Control bit 15 */
	bool msix_function_masked;	/* bit 14 */
	unsigned msix_table_size;	/* (bits 10:0) + 1 */
	uint8_t msix_table_bir, msix_pba_bir;
	uint32_t msix_table_offset, msix_pba_offset;
};

/* Decode cfg[0..len). Returns 0, or -EINVAL when fewer than 64 bytes (header unknown). */
int parse_pci_config(const uint8_t *cfg, size_t len, struct pci_cfg *out);

#endif
