/*
 * What `report --from` reads (docs/report.md, "Bundles"): saved check and latency JSON
 * files, told apart by their content, and directories: a `fix` bundle or the hand-made
 * layout (check.json, latency-before.json, latency-after.json, latency.json). Each file
 * goes through the json-c loader src/opt/json-c registers (cmd/report_load.h), which
 * checks it and writes it compact; a build without json-c refuses --from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/report.h"
#include "cmd/report_load.h"
#include "render/html.h"
#include "util/buf.h"
#include "util/json.h"

#define REPORT_MAX_INPUT (256u << 20)	/* a saved check of a 512-CPU host is ~6 MB */

/* src/opt/json-c/report_load.c is linked only where json-c is (not in `make static`),
 * and registers itself. */
static report_loader report_load;

void report_register_loader(report_loader load)
{
	report_load = load;
}

/* One saved JSON file through the loader into json: 0, 1 when it is absent and need not
 * be there, or EXIT_UNKNOWN (said why). */
static int load(const char *path, bool must, unsigned flags, struct buf *json, enum report_kind *kind, bool *trimmed)
{
	struct buf b = { 0 };
	int r = buf_read_file(&b, path, REPORT_MAX_INPUT);
	if (r == -ENOENT && !must)
		return 1;
	if (r)
		return err("report: cannot read '%s': %s", path, strerror(-r));
	char why[256] = "";
	r = report_load(b.data ? b.data : "", b.len, flags, HTML_TRIM_BYTES, json, kind, trimmed, why, sizeof(why));
	buf_free(&b);
	if (r)
		return err("report: '%s': %s", path, r == -EINVAL ? why : strerror(-r));
	return 0;
}

/* A saved file, told apart by its content: a check or a latency file. */
static int add_file(struct report_inputs *in, const char *path, bool must)
{
	struct buf j = { 0 };
	enum report_kind kind;
	bool trimmed;
	int r = load(path, must, 0, &j, &kind, &trimmed);
	if (r)
		return r == 1 ? 0 : r;
	if (kind == REPORT_LATENCY && in->nlat < 2) {
		in->lat[in->nlat] = j;
		in->lat_name[in->nlat++] = strdup(path);
		return 0;
	}
	if (kind == REPORT_CHECK && !in->check.data) {
		in->check = j;
		in->check_name = strdup(path);
		in->trimmed = trimmed;
		return 0;
	}
	buf_free(&j);
	if (kind == REPORT_LATENCY)
		return err("report: '%s': a third latency file (give one, or two: before and after)", path);
	if (kind == REPORT_CHECK)
		return err("report: '%s': a second check file (one host per page)", path);
	return err("report: '%s' is neither `irqsight --json check` output nor an `irqsight latency --save` file",
		   path);
}

#define REPORT_TEXT_MAX (256u << 10)

/* A text file of a fix bundle as a JSON string member, cut at REPORT_TEXT_MAX (and saying
 * so); absent: nothing; unreadable: why. */
static void add_text(struct buf *fix, const char *dir, const char *name, bool *first)
{
	char p[4096];
	struct buf b = { 0 };
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int r = buf_read_file(&b, p, 64u << 20);
	if (r == -ENOENT)
		return;
	if (r)
		buf_printf(&b, "(%s could not be read: %s)", name, strerror(-r));
	else if (b.len > REPORT_TEXT_MAX) {
		size_t all = b.len;
		b.len = REPORT_TEXT_MAX;
		buf_printf(&b, "\n(cut here: %u of %zu bytes shown)", REPORT_TEXT_MAX, all);
	}
	if (!*first)
		buf_putc(fix, ',');
	*first = false;
	json_escape(fix, name, strlen(name));
	buf_putc(fix, ':');
	json_escape(fix, b.data ? b.data : "", b.len);
	buf_free(&b);
}

/*
 * A `fix` bundle (docs/report.md, "Bundles"): the after-check is the page's check, the
 * latency pair its before/after, and the "fix" element carries summary.json, the
 * before-check's summary and the text files. Each part optional.
 */
static int add_fix_bundle(struct report_inputs *in, const char *dir)
{
	static const char *const order[] = { "check-after.json", "latency-before.json", "latency-after.json" };
	char p[4096];
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, order[i]);
		int r = add_file(in, p, false);
		if (r)
			return r;
	}
	struct buf *fix = &in->fix;
	buf_puts(fix, "{\"dir\":");
	json_escape(fix, dir, strlen(dir));
	static const char *const docs[][2] = { { "summary", "summary.json" }, { "before", "check-before.json" } };
	for (size_t i = 0; i < 2; i++) {
		enum report_kind kind;
		bool trimmed;
		size_t mark = fix->len;
		buf_printf(fix, ",\"%s\":", docs[i][0]);
		snprintf(p, sizeof(p), "%s/%s", dir, docs[i][1]);
		int r = load(p, false, REPORT_SUMMARY, fix, &kind, &trimmed);
		if (r == 1) {
			fix->len = mark;
			fix->data[mark] = '\0';
		} else if (r) {
			return r;
		} else if (kind != (i ? REPORT_CHECK : REPORT_OTHER)) {
			return err("report: '%s' is not %s", p, i ? "`irqsight --json check` output" : "a fix summary");
		}
	}
	buf_puts(fix, ",\"texts\":{");
	static const char *const texts[] = { "summary.txt", "plan", "journal" };
	bool first = true;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		add_text(fix, dir, texts[i], &first);
	buf_puts(fix, "}}");
	return 0;
}

int report_add_path(struct report_inputs *in, const char *path)
{
	if (!report_load)
		return err("report: --from is not available in this build (it reads JSON with json-c; the static "
			   "binary leaves it out): make the page on a host with the full build, or use --root");
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return add_file(in, path, true);
	if (strlen(path) > 3000)
		return err("report: path too long: '%s'", path);
	char p[4096];
	int before = in->nlat;
	bool had_check = in->check.data != NULL;
	snprintf(p, sizeof(p), "%s/check-after.json", path);
	bool fix = access(p, F_OK) == 0;
	snprintf(p, sizeof(p), "%s/summary.json", path);
	fix = fix || access(p, F_OK) == 0;
	if (fix) {
		if (in->fix.data)
			return err("report: '%s': a second fix bundle (one per page)", path);
		in->bundle = strdup(path);
		return add_fix_bundle(in, path);
	}
	/* the hand-made layout: fixed names, each optional */
	static const char *const names[] = { "check.json", "latency-before.json", "latency-after.json",
					     "latency.json" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", path, names[i]);
		int r = add_file(in, p, false);
		if (r)
			return r;
	}
	if ((had_check || !in->check.data) && in->nlat == before)
		return err("report: '%s' is no bundle: it holds neither a fix bundle's check-after.json or "
			   "summary.json nor check.json, latency-before.json, latency-after.json, latency.json",
			   path);
	return 0;
}

void report_inputs_free(struct report_inputs *in)
{
	buf_free(&in->check);
	buf_free(&in->fix);
	free(in->check_name);
	free(in->bundle);
	for (int i = 0; i < 2; i++) {
		buf_free(&in->lat[i]);
		free(in->lat_name[i]);
	}
}
