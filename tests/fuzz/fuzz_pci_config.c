/* PCI configuration space (src/parse/pci_config.c), as src/model/build_pci.c reads sysfs `config`. */
#include "fuzz.h"

#include "parse/pci_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* sysfs gives 64, 256 or 4096 bytes; any length may come from a snapshot. */
	uint8_t *cfg = malloc(size ? size : 1);
	FUZZ_CHECK(cfg);
	memcpy(cfg, data, size);
	struct pci_cfg c;
	int r = parse_pci_config(cfg, size, &c);
	FUZZ_CHECK(c.len == size);
	if (size < 64) {
		FUZZ_CHECK(r != 0 && !c.header_valid && c.has_msi == TRI_UNKNOWN && c.has_msix == TRI_UNKNOWN);
	} else {
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(c.intx_pin == cfg[0x3d] && c.intx_line == cfg[0x3c]);
		/* A capability is found only by walking the list. */
		if (!c.has_cap_list)
			FUZZ_CHECK(c.has_msi != TRI_YES && c.has_msix != TRI_YES);
		if (c.has_msi == TRI_YES) {
			FUZZ_CHECK(c.msi_offset >= 0x40 && (size_t)c.msi_offset + 4 <= size && cfg[c.msi_offset] == 0x05);
			FUZZ_CHECK(c.msi_vectors_capable >= 1 && c.msi_vectors_capable <= 128);
			FUZZ_CHECK(c.msi_vectors_enabled >= 1 && c.msi_vectors_enabled <= 128);
		}
		if (c.has_msix == TRI_YES) {
			FUZZ_CHECK(c.msix_offset >= 0x40 && (size_t)c.msix_offset + 12 <= size && cfg[c.msix_offset] == 0x11);
			FUZZ_CHECK(c.msix_table_size >= 1 && c.msix_table_size <= 2048);
			FUZZ_CHECK(c.msix_table_bir < 8 && c.msix_pba_bir < 8);
		}
	}
	free(cfg);
	return 0;
}
