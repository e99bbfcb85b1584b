/* Names of the interrupt delivery modes (parse/modes.h). */
#include "parse/modes.h"

const char *irq_mode_name(enum irq_mode m)
{
	static const char *const n[] = { "unknown", "none", "intx", "msi", "msix" };
	return m >= 0 && m <= IRQ_MODE_MSIX ? n[m] : "unknown";
}

const char *ir_mode_name(enum ir_mode m)
{
	static const char *const n[] = { "unknown", "x2apic", "xapic", "none" };
	return m >= 0 && m <= IR_MODE_NONE ? n[m] : "unknown";
}
