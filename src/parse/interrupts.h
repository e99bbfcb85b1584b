/*
 * /proc/interrupts, parsed line by line (kernel/irq/proc.c:show_interrupts() ≤7.1,
 * irq_seq_show() 7.2, arch/x86/kernel/irq.c:arch_show_interrupts()). Pure.
 *
 * Tokens, never columns: widths changed in 6.13 and 7.2. CPU ids come from the
 * header ("CPU0 CPU2 ..." lists online CPUs only). Row fields are slices into the
 * line. The caller reads the file in chunks and feeds whole lines, so a 46 MB file
 * needs no 46 MB buffer.
 */
#ifndef IRQSIGHT_PARSE_INTERRUPTS_H
#define IRQSIGHT_PARSE_INTERRUPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/str.h"

/* Is this the header line ("   CPU0   CPU1")? */
bool pi_is_header(struct slice line);
/* Parse the header: CPU ids into ids[0..cap), count into *n (may exceed cap). 0 or -EINVAL. */
int pi_parse_header(struct slice line, int *ids, int cap, int *n);

struct pi_row {
	struct slice name;	/* "36", "LOC", "IPI0", "Err" */
	bool is_numeric;
	int irq;		/* when is_numeric */
	int ncounts;		/* count tokens read (up to ncpus) */
	uint64_t total;		/* sum of counts */
	struct slice chip;	/* numeric rows: the chip field, flow suffix removed in the old fused form */
	struct slice hwirq;	/* empty when not printed */
	struct slice trigger;	/* "Level"/"Edge" (GENERIC_IRQ_SHOW_LEVEL archs) */
	struct slice flow;	/* "edge", "fasteoi", "virq", ... */
	struct slice actions;	/* the rest of the line (split with pi_next_action) */
	struct slice desc;	/* named rows: "Local timer interrupts" */
	bool fused;		/* old (<4.0) "IR-PCI-MSI-edge" form */
};

/*
 * Parse a row. ncpus < 0 means unknown (no header): every leading numeric token is a
 * count. counts[] (capacity max(ncpus,0) or cap) receives the counts; pass NULL to skip.
 * Counts beyond u32 are clamped (the kernel prints %10u). 0, or -EINVAL if the line is
 * not a row (no "NAME:" prefix).
 */
int pi_parse_row(struct slice line, int ncpus, uint32_t *counts, int cap, struct pi_row *row);

/* Iterate the ", "-separated action list: returns false at the end. */
bool pi_next_action(struct slice *actions, struct slice *out);

/*
 * The line feeder both readers of /proc/interrupts share (model/build_irqs.c for
 * check's model, sample/reading.c for the sampler's readings): the caller reads the
 * file into pi_feeder_space() and hands the count to pi_feeder_commit(); complete
 * lines go to fn in runs (text ending in '\n'; at the end of the file, 0 bytes
 * committed, the last line without one), never split across runs. The buffer starts
 * at chunk bytes (64-byte aligned: a line read at the same file offset lands at the
 * same place in a cache line every time) and doubles for a long line up to max_line;
 * a line that fills max_line is dropped up to its newline and counted in overlong
 * (skip_overlong) or ends the read with -E2BIG. Still pure: the caller does the I/O.
 * buf may be kept from one read to the next (set buf and cap, take them back after).
 */
typedef void pi_lines_fn(void *ctx, const char *text, size_t n);
struct pi_feeder {
	char *buf;
	size_t cap, have;	/* have: the partial line kept at the front */
	size_t chunk, max_line;
	bool skip_overlong;
	bool skipping;		/* in an overlong line: bytes up to its newline are dropped */
	int overlong;		/* lines dropped (skip_overlong) */
};
/* Where to read next, and how much room: 0, -ENOMEM or -E2BIG. */
int pi_feeder_space(struct pi_feeder *f, char **p, size_t *n);
/* n bytes were read into the space (0: end of file): feed the complete lines. */
void pi_feeder_commit(struct pi_feeder *f, size_t n, pi_lines_fn *fn, void *ctx);

/* Chip classification (docs/kernel-interfaces.md §1.4). */
enum pi_chip {
	PI_CHIP_OTHER = 0, PI_CHIP_IOAPIC, PI_CHIP_XTPIC, PI_CHIP_PCI_MSI, PI_CHIP_PCI_MSIX,
	PI_CHIP_DMAR, PI_CHIP_HPET, PI_CHIP_IOMMU, PI_CHIP_GIC, PI_CHIP_ITS, PI_CHIP_XEN,
};
struct pi_chip_info {
	enum pi_chip kind;
	bool remapped;		/* "IR-" prefix */
	struct slice bdf;	/* per-device domain suffix ("0000:00:02.0"), else empty */
};
void pi_classify_chip(struct slice chip, struct pi_chip_info *out);

/*
 * The old global PCI/MSI domain hwirq (drivers/pci/msi/irqdomain.c:pci_msi_domain_calc_hwirq):
 * index = hw & 0x7ff, devid = (hw >> 11) & 0xffff, segment = hw >> 27. Writes "SSSS:BB:DD.F".
 */
void pi_decode_msi_hwirq(uint64_t hw, char bdf[16], unsigned *index);

#endif
