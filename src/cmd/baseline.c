/* irqsight baseline save|check FILE: record a known-good interrupt profile; report drift. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/baseline.h"
#include "model/host.h"
#include "render/journal.h"
#include "render/prom.h"
#include "rules/finding.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/json.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] [--json] baseline save FILE\n"
		   "       irqsight [--root DIR] [--json] baseline check FILE\n\n"
		   "save:  record this host's interrupt profile (kernel, relevant boot parameters,\n"
		   "       IOMMU / interrupt remapping / x2APIC, per device driver, IRQ mode, MSI-X\n"
		   "       table size, vectors, queues, affinity policy, irqbalance) in FILE.\n"
		   "check: compare the host with FILE; every difference is a drift-* finding with\n"
		   "       the baseline and current value and the likely cause.\n"
		   "       Exit status as check: 0 no drift above info, 1 warning, 2 critical,\n"
		   "       3 could not run. See docs/baseline.md.\n");
}

static int build(const struct global_opts *g, struct host *h)
{
	struct source src;
	int rc = src_open(&src, g->root);
	if (rc)
		return err("cannot open root '%s': %s", g->root, strerror(-rc));
	struct host_opts ho = { .skip_vms = true };
	memset(h, 0, sizeof(*h));
	rc = host_build(h, &src, &ho);
	src_close(&src);
	if (rc)
		return err("cannot read the host at '%s': %s", g->root, strerror(-rc));
	return 0;
}

static int save(const struct global_opts *g, const char *path)
{
	struct host h;
	int rc = build(g, &h);
	if (rc)
		return rc;
	struct baseline b;
	baseline_from_host(&b, &h);
	struct buf out = { 0 };
	rc = baseline_format(&b, &out);
	int ndevs = b.ndevs;
	baseline_free(&b);
	host_free(&h);
	if (!rc)
		rc = strcmp(path, "-") ? prom_write_atomic(path, out.data, out.len) :
		     (fwrite(out.data, 1, out.len, stdout) == out.len ? 0 : -EIO);
	buf_free(&out);
	if (rc)
		return err("cannot write baseline '%s': %s", path, strerror(-rc));
	if (strcmp(path, "-"))
		fprintf(stderr, "irqsight: baseline of %d devices saved to %s\n", ndevs, path);
	return EXIT_OK;
}

/* Warning and critical first, then info; the order within a severity is the
 * comparison's (platform, then devices by bdf). */
static void sort_findings(struct findings *fs)
{
	for (int i = 1; i < fs->n; i++) {
		struct finding f = fs->v[i];
		int j = i;
		while (j > 0 && fs->v[j - 1].severity < f.severity) {
			fs->v[j] = fs->v[j - 1];
			j--;
		}
		fs->v[j] = f;
	}
}

static void print_text(const struct findings *fs, const char *path, const struct baseline *old,
		       const struct baseline *now, bool color)
{
	static const char *const sev_color[] = { "\033[36m", "\033[33m", "\033[1;31m" };
	bool journal = journal_stream_is(STDOUT_FILENO);	/* render/journal.h */
	printf("%sBaseline %s (kernel %s) vs this host (kernel %s)\n\n", journal ? journal_prio(SEV_INFO) : "", path,
	       old->kernel ? old->kernel : "unknown", now->kernel ? now->kernel : "unknown");
	int per[3] = { 0, 0, 0 };
	for (int i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		per[f->severity]++;
		const char *sev = severity_name(f->severity);
		const char *prio = journal ? journal_prio(f->severity) : "";
		printf("%s%s%-8s%s %s\n", prio, color ? sev_color[f->severity] : "", sev, color ? "\033[0m" : "",
		       f->title);
		printf("%s         id: %s\n", prio, f->id);
		for (int k = 0; k < f->nevidence; k++)
			printf("%s         %s: %s\n", prio, f->evidence[k].key, f->evidence[k].value);
		putchar('\n');
	}
	if (journal)
		fputs(journal_prio(findings_worst(fs)), stdout);
	if (!fs->n)
		printf("No drift: the host matches the baseline (%d devices compared).\n", old->ndevs);
	else
		printf("Drift: %d critical, %d warning, %d info.\n", per[SEV_CRITICAL], per[SEV_WARNING],
		       per[SEV_INFO]);
}

static void print_json(const struct findings *fs, const char *path, const struct baseline *old,
		       const struct baseline *now)
{
	struct buf out = { 0 };
	struct json j;
	json_init(&j, &out, true);
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
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
}

/* The drift findings' "save a new baseline" line names the file this check read
 * (model/baseline.c does not know it), quoted for the shell when it needs to be. */
static void name_baseline_file(struct findings *fs, const char *path)
{
	static const char save[] = "irqsight baseline save FILE";
	bool plain = path[strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./+-")] == '\0';
	struct buf q = { 0 };
	if (plain) {
		buf_puts(&q, path);
	} else {
		buf_putc(&q, '\'');
		for (const char *p = path; *p; p++)
			buf_puts(&q, *p == '\'' ? "'\\''" : (char[]){ *p, 0 });
		buf_putc(&q, '\'');
	}
	for (int i = 0; i < fs->n; i++)
		for (int k = 0; k < fs->v[i].nfix; k++)
			if (!strncmp(fs->v[i].fix[k], save, sizeof(save) - 1))
				fs->v[i].fix[k] = arena_printf(fs->arena, "irqsight baseline save %s%s", q.data,
							       fs->v[i].fix[k] + sizeof(save) - 1);
	buf_free(&q);
}

static int check(const struct global_opts *g, const char *path)
{
	struct baseline old;
	char msg[512];
	if (cmd_load_baseline(path, &old, msg, sizeof(msg))) {
		baseline_free(&old);
		return err("%s", msg);
	}
	struct host h;
	int rc = build(g, &h);
	if (rc) {
		baseline_free(&old);
		return rc;
	}
	struct baseline now;
	baseline_from_host(&now, &h);
	struct findings fs = { .arena = &h.arena };
	if (baseline_compare(&old, &now, &fs) < 0) {
		baseline_free(&old);
		baseline_free(&now);
		host_free(&h);
		return err("baseline check: out of memory");
	}
	name_baseline_file(&fs, path);
	sort_findings(&fs);
	if (g->json)
		print_json(&fs, path, &old, &now);
	else
		print_text(&fs, path, &old, &now, use_color(g, stdout));
	enum severity worst = findings_worst(&fs);
	baseline_free(&old);
	baseline_free(&now);
	host_free(&h);
	return worst == SEV_CRITICAL ? EXIT_CRITICAL : worst == SEV_WARNING ? EXIT_WARNING : EXIT_OK;
}

int cmd_baseline(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = {
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_UNKNOWN;
	}
	if (argc - optind != 2) {
		usage(stderr);
		return err("baseline: give save or check and a FILE");
	}
	const char *what = argv[optind], *path = argv[optind + 1];
	if (!strcmp(what, "save"))
		return save(g, path);
	if (!strcmp(what, "check"))
		return check(g, path);
	usage(stderr);
	return err("baseline: unknown action '%s' (save or check)", what);
}
