/* pci-nomsi: MSI/MSI-X disabled for every device on the command line. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"
#include "util/buf.h"

void rule_pci_nomsi(const struct host *h, struct findings *fs)
{
	if (!h->has_cmdline || !cmdline_has_word(&h->cmdline, "pci", "nomsi"))
		return;
	struct finding *f = finding_new(fs, "pci-nomsi", SEV_CRITICAL,
					"pci=nomsi: every device is forced onto legacy INTx lines");
	const struct cmdline_param *p = cmdline_get(&h->cmdline, "pci");
	finding_evidence(fs, f, "cmdline", "%s", p ? p->raw : "pci=nomsi");
	int intx = 0;
	for (int i = 0; i < h->ndevs; i++)
		if (h->devs[i].irq_mode == IRQ_MODE_INTX)
			intx++;
	finding_evidence(fs, f, "devices", "%d device(s) on INTx", intx);
	finding_meaning(fs, f, "No device can use more than one interrupt: multiqueue NICs and NVMe run one "
			"queue on one CPU, lines are shared between devices, and every interrupt needs an "
			"extra EOI round trip.");
	finding_decision(fs, f, "Remove the parameter unless it works around a known broken device (then use pci=noaer or a per-device quirk instead).");
	/* Only the nomsi word goes: "pci=noaer,nomsi" becomes "pci=noaer". */
	const char *del[] = { p ? p->raw : "pci=nomsi", NULL }, *add[] = { NULL, NULL };
	if (p && p->val && strcmp(p->val, "nomsi")) {
		struct buf b = { 0 };
		buf_puts(&b, "pci=");
		const char *v = p->val;
		for (int first = 1; *v;) {
			size_t n = strcspn(v, ",");
			if (n != 5 || strncmp(v, "nomsi", 5)) {
				buf_printf(&b, "%s%.*s", first ? "" : ",", (int)n, v);
				first = 0;
			}
			v += n + (v[n] == ',');
		}
		add[0] = arena_strdup(fs->arena, b.data);
		buf_free(&b);
	}
	fix_boot_params(h, fs, f, add, del);
}
