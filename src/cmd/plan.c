/* irqsight plan: decide where every interrupt should run; print the change, write the plan. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/plan.h"
#include "cmd/cmd.h"
#include "model/host.h"
#include "render/prom.h"
#include "render/render.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/str.h"

static void plan_usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] plan [--vm-cpus LIST] [--housekeeping LIST] [-o PLAN]\n\n"
		   "Plans where every interrupt should run: device IRQs, default_smp_affinity and RPS on\n"
		   "housekeeping CPUs, multiqueue vectors one per CPU near the device, irqbalance kept off\n"
		   "the VM CPUs. No interrupt goes to a CPU that is isolated (isolcpus, nohz_full, sysfs,\n"
		   "a cpuset partition) or runs a pinned vCPU; --vm-cpus adds to those. Housekeeping is\n"
		   "what irqaffinity=/tuned/systemd declare, else every other online CPU. Nothing is\n"
		   "changed: apply the plan with `irqsight apply PLAN`.\n\n"
		   "  --vm-cpus LIST       more CPUs to keep free of interrupts (e.g. 2-15)\n"
		   "  --housekeeping LIST  CPUs for the host's interrupts, even reserved ones (warned)\n"
		   "  -o, --output PLAN    write the plan file (docs/plan.md); '-' for stdout\n");
}

/* A CPU list or an IRQ name cut to a table column ("0,2,4,6,8,1…"), never silently; the
 * plan file has it whole. */
static const char *col_s(struct arena *a, const char *s, int w)
{
	if (!s || (int)strlen(s) <= w)
		return s;
	return arena_printf(a, "%.*s…", w - 1, s);
}

static int write_out(const char *path, const struct buf *b)
{
	if (!strcmp(path, "-"))
		return fwrite(b->data, 1, b->len, stdout) == b->len ? 0 : -EIO;
	/* Whole or not at all, and never through a link planted at PLAN (a plain open
	 * once wrote the plan into the file a link there named, and a short write left a
	 * cut plan): a temporary file renamed over PLAN, as export and baseline save do. */
	return prom_write_atomic(path, b->data, b->len);
}

/* One line of the table's prose: prefix as is, then text wrapped at 80 columns
 * (continuations indented). */
static void wrapped(FILE *f, const char *prefix, const char *text, int indent)
{
	struct buf b = { 0 };
	buf_puts(&b, prefix);
	render_wrap(&b, text, (int)strlen(prefix), indent, 80);
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

static void print_table(const struct plan *p, const struct host *h, struct arena *a, FILE *f)
{
	if (!cpuset_empty(&p->vm_cpus))
		wrapped(f, "Kept free of interrupts: ", arena_printf(a, "%s (from %s)", cpuset_list_str(a, &p->vm_cpus, "-"),
					p->vm_cpus_from),
			2);
	else
		fprintf(f, "Kept free of interrupts: none (--housekeeping names every CPU)\n");
	wrapped(f, "Housekeeping CPUs: ", arena_printf(a, "%s", cpuset_list_str(a, &p->housekeeping, "-")), 2);
	if (p->warning)
		wrapped(f, "warning: ", arena_printf(a, "%s.", p->warning), 9);
	fprintf(f, "\n%-4s %-20s %-12s %-9s   %-9s %s\n", "IRQ", "NAME", "DEVICE", "NOW", "PLANNED", "WHY");
	int moves = 0, managed = 0;
	for (int i = 0; i < p->nirqs; i++) {
		const struct plan_irq *q = &p->irqs[i];
		bool same = q->kind == PLAN_MOVE && q->has_now && cpuset_equal(&q->now, &q->cpus);
		moves += q->kind == PLAN_MOVE && !same;
		managed += q->kind == PLAN_MANAGED;
		fprintf(f, "%-4d %-20s %-12s %-9s %s %-9s %s\n", q->irq, col_s(a, q->name ? q->name : q->action, 20),
			q->bdf ? q->bdf : "-", q->has_now ? col_s(a, cpuset_list_str(a, &q->now, "-"), 9) : "?",
			q->kind == PLAN_MANAGED ? " " : same ? "=" : "→",
			q->kind == PLAN_MANAGED ? "(stays)" : col_s(a, cpuset_list_str(a, &q->cpus, "-"), 9),
			q->brief ? q->brief : "");
	}
	fputc('\n', f);
	const struct platform *pl = &h->platform;
	wrapped(f, "default_smp_affinity  ", arena_printf(a, "%s → %s (where new IRQs start)",
				pl->has_default_affinity ? cpuset_list_str(a, &pl->default_smp_affinity, "-") : "?",
				cpuset_list_str(a, &p->default_affinity, "-")),
		22);
	for (int i = 0; i < p->nrps; i++)
		wrapped(f, arena_printf(a, "RPS %-17s ", p->rps[i].netdev), arena_printf(a, "rx queues with RPS on → %s (RPS that is off stays off)",
					cpuset_list_str(a, &p->rps[i].cpus, "-")),
			22);
	const struct irqbalance *ib = &h->irqbalance;
	if (p->has_banned)
		wrapped(f, "irqbalance            ", arena_printf(a, "banned %s → IRQBALANCE_BANNED_CPULIST=%s (VM CPUs ∪ "
					   "isolated ∪ nohz_full: it replaces irqbalance's own isolcpus/nohz_full ban)%s",
					ib->banned_known ? cpuset_list_str(a, &ib->banned, "-") : "?",
					cpuset_list_str(a, &p->irqbalance_banned, "-"),
					ib->running == TRI_YES ? "; irqbalance is running" : ""),
			22);
	else
		fprintf(f, "irqbalance            nothing to ban: its configuration is left alone\n");
	fprintf(f, "\n%d IRQ(s) to move, %d kernel-managed IRQ(s) not movable at run time.\n", moves, managed);
	/* IRQs with a handler but no /proc/irq/N read are left out by the planner: say how
	 * many, or a snapshot without proc/irq shows an empty table as if nothing needed
	 * a change */
	int unread = 0;
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		unread += !q->is_arch && q->number >= 0 && q->naction >= 1 && !q->has_affinity;
	}
	if (unread)
		wrapped(f, "", arena_printf(a, "%d IRQ(s) with a handler are not in the plan: their /proc/irq/N "
					    "(smp_affinity) was not read%s.", unread,
					    h->is_live ? "" : " (a snapshot without proc/irq?)"),
			2);
	wrapped(f, "WHY: ", "hk = housekeeping CPUs; q R/N = queue R of N multiqueue vectors, one CPU each; "
		   "node N hk = those of the device's NUMA node; managed: on hk = runs there already, isolated = on "
		   "a CPU isolcpus=managed_irq isolates (best effort: fewer queues move it), boot args = the boot "
		   "parameters below move it. A name or list cut with … is whole in the plan file, with the full why=.",
		5);
	if (managed) {
		/* irqaffinity= is the default of IRQs set up later, not a lever on managed ones:
		 * say which does what */
		fprintf(f, "Boot parameters (irqsight never edits them): isolcpus=managed_irq keeps managed\n"
			   "IRQs off isolated CPUs where a queue's mask allows; irqaffinity= sets where the\n"
			   "other IRQs start:\n");
		wrapped(f, "  ", p->boot_params, 4);
		/* say which of them this host already boots with: never advise one twice */
		struct buf have = { 0 }, add = { 0 };
		char *bp = arena_strdup(a, p->boot_params), *save = NULL;
		for (char *t = strtok_r(bp, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			bool set = false;
			for (int i = 0; h->has_cmdline && i < h->cmdline.nparams && !set; i++)
				set = h->cmdline.params[i].raw && !strcmp(h->cmdline.params[i].raw, t);
			buf_printf(set ? &have : &add, "%s%s", (set ? have.len : add.len) ? " " : "", t);
		}
		if (have.len)
			wrapped(f, "  ", arena_printf(a, "already on this host's command line: %s%s%s", have.data,
						add.len ? "; to add: " : "", add.len ? add.data : ""),
				4);
		buf_free(&have);
		buf_free(&add);
	}
}

static void print_json(const struct plan *p, struct arena *a, FILE *f)
{
	struct buf b = { 0 };
	struct json j;
	json_init(&j, &b, true);
	json_obj_begin(&j, NULL);
	json_int(&j, "version", p->version);
	json_int(&j, "cpus", p->ncpus);
	json_str(&j, "online", cpuset_list_str(a, &p->online, "-"));
	json_str(&j, "vm_cpus", cpuset_list_str(a, &p->vm_cpus, "-"));
	json_str(&j, "vm_cpus_from", p->vm_cpus_from);
	json_str(&j, "housekeeping", cpuset_list_str(a, &p->housekeeping, "-"));
	json_str(&j, "default_affinity", p->has_default_affinity ? cpuset_list_str(a, &p->default_affinity, "-") : NULL);
	json_str(&j, "irqbalance_banned", p->has_banned ? cpuset_list_str(a, &p->irqbalance_banned, "-") : NULL);
	json_str(&j, "boot_params", p->boot_params);
	json_str(&j, "warning", p->warning);
	json_arr_begin(&j, "irqs");
	for (int i = 0; i < p->nirqs; i++) {
		const struct plan_irq *q = &p->irqs[i];
		json_obj_begin(&j, NULL);
		json_str(&j, "kind", q->kind == PLAN_MOVE ? "move" : "managed");
		json_int(&j, "irq", q->irq);
		json_str(&j, "name", q->name);
		json_str(&j, "device", q->bdf);
		json_str(&j, "driver", q->driver);
		json_int(&j, "vector", q->vector);
		json_str(&j, "action", q->action);
		json_str(&j, "now", q->has_now ? cpuset_list_str(a, &q->now, "-") : NULL);
		json_str(&j, "planned", q->kind == PLAN_MOVE ? cpuset_list_str(a, &q->cpus, "-") : NULL);
		json_str(&j, "why", q->why);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "rps");
	for (int i = 0; i < p->nrps; i++) {
		json_obj_begin(&j, NULL);
		json_str(&j, "netdev", p->rps[i].netdev);
		json_str(&j, "device", p->rps[i].bdf);
		json_str(&j, "cpus", cpuset_list_str(a, &p->rps[i].cpus, "-"));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

/* The table quotes action names and devices from the host (a --root tree may be
 * hostile): it is printed terminal-safe. */
void plan_print_table(const struct plan *p, const struct host *h, struct arena *a, FILE *f)
{
	char *tbl = NULL;
	size_t tlen = 0;
	FILE *mf = open_memstream(&tbl, &tlen);
	if (!mf) {
		print_table(p, h, a, f);
		return;
	}
	print_table(p, h, a, mf);
	fclose(mf);
	str_terminal_safe(tbl, tlen);
	fwrite(tbl, 1, tlen, f);
	free(tbl);
}

int cmd_plan(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = {
		{ "vm-cpus", required_argument, 0, 'v' },
		{ "housekeeping", required_argument, 0, 'k' },
		{ "output", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *vm_txt = NULL, *hk_txt = NULL, *out = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			vm_txt = optarg;
			break;
		case 'k':
			hk_txt = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			plan_usage(stdout);
			return EXIT_OK;
		default:
			plan_usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (optind < argc)
		return err("plan: unexpected argument '%s'", argv[optind]);
	struct arena a = { 0 };
	struct cpuset vm, hk;
	struct plan_opts po = { 0 };
	if (vm_txt) {
		/* An empty list (--vm-cpus "$UNSET") is a mistake, not "nothing more". */
		if (cpuset_parse_list(&vm, &a, vm_txt, strlen(vm_txt)) || cpuset_empty(&vm)) {
			arena_free(&a);
			return err("plan: --vm-cpus takes a non-empty CPU list like 2-7,10, not '%s'", vm_txt);
		}
		po.vm_cpus = &vm;
	}
	if (hk_txt) {
		if (cpuset_parse_list(&hk, &a, hk_txt, strlen(hk_txt)) || cpuset_empty(&hk)) {
			arena_free(&a);
			return err("plan: --housekeeping takes a non-empty CPU list like 0-1, not '%s'", hk_txt);
		}
		po.housekeeping = &hk;
	}
	struct source src;
	int r = src_open(&src, g->root);
	if (r)
		return err("cannot open root '%s': %s", g->root, strerror(-r));
	struct host h;
	struct host_opts ho = { 0 };
	r = host_build(&h, &src, &ho);
	if (r) {
		src_close(&src);
		return err("cannot read the host under '%s': %s", g->root, strerror(-r));
	}
	struct plan p;
	const char *why = NULL;
	int rc = EXIT_OK;
	if (plan_make(&h, &po, &a, &p, &why)) {
		rc = err("cannot plan: %s", why);
		goto out;
	}
	struct buf text = { 0 };
	plan_format(&p, &text);
	bool to_stdout = out && !strcmp(out, "-");
	/* The file first: a reader that stops early (| head) must not lose the plan. */
	r = out && !to_stdout ? write_out(out, &text) : 0;
	if (g->json)
		print_json(&p, &a, to_stdout ? stderr : stdout);
	else
		plan_print_table(&p, &h, &a, to_stdout ? stderr : stdout);
	if (to_stdout)
		r = write_out(out, &text);
	if (g->json) {
		if (r)
			rc = err("cannot write '%s': %s", out, strerror(-r));
	} else if (out) {
		if (r)
			rc = err("cannot write '%s': %s", out, strerror(-r));
		else if (!to_stdout)
			printf("\nPlan written to %s.\nDry run: irqsight apply %s\nApply:   irqsight apply --yes %s\n", out, out,
			       out);
	} else {
		printf("\nNothing written: save the plan with -o PLAN.\n");
	}
	buf_free(&text);
out:
	host_free(&h);
	src_close(&src);
	arena_free(&a);
	return rc;
}
