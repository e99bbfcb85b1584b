/* Baselines written out: the file format, and the report of a baseline check (text, JSON). */
#include "render/baseline.h"

#include <errno.h>
#include <string.h>

#include "render/journal.h"
#include "rules/finding.h"
#include "util/json.h"

/* ---------------------------------------------------------------- format */

/* Values: "unknown" for unknown, "-" for the empty string, otherwise bytes outside
 * '!'..'~' and '%' as %XX (a value that is literally "-" or "unknown" is escaped). */
static void put_val(struct buf *out, const char *s)
{
	if (!s) {
		buf_puts(out, "unknown");
		return;
	}
	if (!*s) {
		buf_putc(out, '-');
		return;
	}
	bool literal = !strcmp(s, "-") || !strcmp(s, "unknown");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%' || (literal && p == (const unsigned char *)s))
			buf_printf(out, "%%%02X", *p);
		else
			buf_putc(out, (char)*p);
	}
}

static void put_int(struct buf *out, int v)
{
	if (v < 0)
		buf_puts(out, "unknown");
	else
		buf_printf(out, "%d", v);
}

static const char *tri_word(enum tri t)
{
	return tri_onoff(t);
}

int baseline_format(const struct baseline *b, struct buf *out)
{
	size_t start = out->len;
	buf_puts(out, "# irqsight baseline: the interrupt profile of a known-good host (docs/baseline.md).\n"
		      "# Compare a host with it: irqsight baseline check FILE\n");
	buf_printf(out, "irqsight-baseline %d\n", BASELINE_VERSION);
	buf_puts(out, "kernel ");
	put_val(out, b->kernel);
	buf_puts(out, "\ncmdline");
	if (!b->has_cmdline) {
		buf_puts(out, " unknown");
	} else {
		for (int i = 0; i < b->ncmdline; i++) {
			buf_putc(out, ' ');
			put_val(out, b->cmdline[i]);
		}
	}
	buf_printf(out, "\niommu %s\ninterrupt-remapping %s\nir-mode %s\nx2apic %s\nonline-cpus ", tri_word(b->iommu),
		   tri_word(b->interrupt_remapping), ir_mode_name(b->ir_mode), tri_word(b->x2apic));
	put_int(out, b->online_cpus);
	buf_printf(out, "\nirqbalance %s\nirqbalance-banned ", tri_word(b->irqbalance));
	put_val(out, b->irqbalance_banned);
	buf_putc(out, '\n');
	for (int i = 0; i < b->ndevs; i++) {
		const struct baseline_dev *d = &b->devs[i];
		buf_puts(out, "device ");
		put_val(out, d->bdf);
		if (d->has_ids)
			buf_printf(out, " id=%04x:%04x", d->vendor, d->device);
		else
			buf_puts(out, " id=unknown");
		buf_puts(out, " driver=");
		put_val(out, d->driver);
		buf_printf(out, " irq-mode=%s msix-table=", irq_mode_name(d->irq_mode));
		put_int(out, d->msix_table);
		buf_puts(out, " vectors=");
		put_int(out, d->vectors);
		buf_puts(out, " rx-queues=");
		put_int(out, d->rx_queues);
		buf_puts(out, " tx-queues=");
		put_int(out, d->tx_queues);
		buf_puts(out, " affinity=");
		put_val(out, d->affinity);
		buf_puts(out, " handler=");
		put_val(out, d->handler);
		buf_putc(out, '\n');
	}
	/* buf functions report -ENOMEM by leaving the buffer short; check once. */
	return out->data && out->len > start ? 0 : -ENOMEM;
}

void render_baseline_text(struct buf *out, const struct findings *fs, const char *path, const struct baseline *old,
			  const struct baseline *now, bool color, bool journal)
{
	static const char *const sev_color[] = { "\033[36m", "\033[33m", "\033[1;31m" };
	buf_printf(out, "%sBaseline %s (kernel %s) vs this host (kernel %s)\n\n", journal ? journal_prio(SEV_INFO) : "",
		   path, old->kernel ? old->kernel : "unknown", now->kernel ? now->kernel : "unknown");
	int per[3] = { 0, 0, 0 };
	for (int i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		per[f->severity]++;
		const char *sev = severity_name(f->severity);
		const char *prio = journal ? journal_prio(f->severity) : "";
		buf_printf(out, "%s%s%-8s%s %s\n", prio, color ? sev_color[f->severity] : "", sev,
			   color ? "\033[0m" : "", f->title);
		buf_printf(out, "%s         id: %s\n", prio, f->id);
		for (int k = 0; k < f->nevidence; k++)
			buf_printf(out, "%s         %s: %s\n", prio, f->evidence[k].key, f->evidence[k].value);
		buf_putc(out, '\n');
	}
	if (journal)
		buf_puts(out, journal_prio(findings_worst(fs)));
	if (!fs->n)
		buf_printf(out, "No drift: the host matches the baseline (%d devices compared).\n", old->ndevs);
	else
		buf_printf(out, "Drift: %d critical, %d warning, %d info.\n", per[SEV_CRITICAL], per[SEV_WARNING],
			   per[SEV_INFO]);
}

void render_baseline_json(struct buf *out, const struct findings *fs, const char *path, const struct baseline *old,
			  const struct baseline *now)
{
	struct json j;
	json_init(&j, out, true);
	json_obj_begin(&j, NULL);
	json_str(&j, "baseline", path);
	json_int(&j, "baseline_version", old->version);
	json_str(&j, "baseline_kernel", old->kernel);
	json_str(&j, "kernel", now->kernel);
	json_int(&j, "devices_compared", old->ndevs);
	json_int(&j, "drift", fs->n);
	json_str(&j, "worst", severity_name(findings_worst(fs)));
	json_arr_begin(&j, "findings");
	for (int i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		json_obj_begin(&j, NULL);
		json_str(&j, "id", f->id);
		json_str(&j, "severity", severity_name(f->severity));
		json_str(&j, "title", f->title);
		json_str(&j, "device", f->device);
		json_arr_begin(&j, "evidence");
		for (int k = 0; k < f->nevidence; k++) {
			json_obj_begin(&j, NULL);
			json_str(&j, "key", f->evidence[k].key);
			json_str(&j, "value", f->evidence[k].value);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_str(&j, "meaning", f->meaning);
		json_str(&j, "decision", f->decision);
		json_arr_begin(&j, "fix");
		for (int k = 0; k < f->nfix; k++)
			if (!finding_fix_is_note(f, k))
				json_str(&j, NULL, f->fix[k]);
		json_arr_end(&j);
		json_arr_begin(&j, "notes");
		for (int k = 0; k < f->nfix; k++)
			if (finding_fix_is_note(f, k))
				json_str(&j, NULL, f->fix[k]);
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}
