/*
 * Interrupt delivery modes by the names the tool writes: an IRQ's relation to its device
 * and the interrupt remapping mode. Below the model because the baseline file format
 * (parse/baseline.h) reads and writes them too; model/host.h uses them.
 */
#ifndef IRQSIGHT_PARSE_MODES_H
#define IRQSIGHT_PARSE_MODES_H

/* How an IRQ relates to its device. */
enum irq_mode {
	IRQ_MODE_UNKNOWN = 0,
	IRQ_MODE_NONE,		/* device has no IRQ in use */
	IRQ_MODE_INTX,
	IRQ_MODE_MSI,
	IRQ_MODE_MSIX,
};
const char *irq_mode_name(enum irq_mode m);	/* "unknown", "none", "intx", "msi", "msix" */

/* Interrupt remapping mode. */
enum ir_mode { IR_MODE_UNKNOWN = 0, IR_MODE_X2APIC, IR_MODE_XAPIC, IR_MODE_NONE };
const char *ir_mode_name(enum ir_mode m);	/* "unknown", "x2apic", "xapic", "none" */

#endif
