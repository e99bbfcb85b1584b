#include "act/apply.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/allow.h"
#include "act/journal.h"
#include "act/plan.h"
#include "model/host.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

const char *act_status_name(enum act_status s)
{
	static const char *const n[] = { "pending", "already", "would-write", "written", "failed",
					 "not-movable", "missing", "skipped" };
	return (unsigned)s < ARRAY_SIZE(n) ? n[s] : "?";
}

/* docs/kernel-interfaces.md §3.2: kernel/irq/proc.c:write_irq_affinity() and friends. */
const char *act_explain(int err)
{
	switch (err) {
	case EIO:
	case EPERM:
		return "the kernel refuses user affinity for this IRQ (EIO before 6.12, EPERM since): "
		       "it is kernel-managed (multiqueue drivers such as nvme, virtio-blk), per-CPU or "
		       "marked no-balancing; only the boot parameters isolcpus=managed_irq,... and irqaffinity= move it";
	case ENOSPC:
		return "no free interrupt vector on the target CPUs (x86 vector space full): give this IRQ more CPUs "
		       "or spread the devices";
	case EINVAL:
		return "no online CPU in the mask, or the kernel rejected the text";
	case ERANGE:
	case EOVERFLOW:
		return "a CPU number beyond this kernel's CPUs (nr_cpu_ids): the plan is for another host";
	case EROFS:
		return "/proc or /sys is read-only here (a container runtime mounts /proc/irq read-only): run on the host";
	case ENOENT:
		return "the IRQ or file is gone (device removed, driver unloaded or IRQ freed)";
	case EACCES:
		return "permission denied: run as root";
	case EBUSY:
		return "the IRQ is being moved already; try again";
	case ELOOP:
		return "a symbolic link where a proc or sysfs file should be: irqsight reads and writes no file through a link";
	case EMEDIUMTYPE:
		return "not a regular file (a device, FIFO or socket where a proc or sysfs file should be)";
	default:
		return strerror(err);
	}
}

/* ---------------------------------------------------------------- values */

static bool path_is_list(const char *path)
{
	size_t n = strlen(path);
	return n >= 5 && !strcmp(path + n - 5, "_list");
}

static int parse_value(const char *path, const char *text, struct arena *a, struct cpuset *s)
{
	size_t n = strlen(text);
	return path_is_list(path) ? cpuset_parse_list(s, a, text, n) : cpuset_parse_mask(s, a, text, n);
}

bool act_value_equal(const char *path, const char *text, const struct cpuset *want, struct arena *a)
{
	struct cpuset s;
	return text && !parse_value(path, text, a, &s) && cpuset_equal(&s, want);
}

static int read_fd_value(int fd, struct arena *a, const char **out)
{
	struct buf b = { 0 };
	int r = buf_read_fd(&b, fd, 1 << 16);
	close(fd);
	if (!r) {
		struct slice s = slice_trim((struct slice){ b.data, b.len });
		*out = arena_strndup(a, s.p, s.n);
	}
	buf_free(&b);
	return r;
}

/* A file apply only looks at (effective_affinity_list, rps_cpus while resolving): never
 * through a link at the last component, only a regular file. */
static int read_value(const struct source *src, const char *path, struct arena *a, const char **out)
{
	int fd = src_openat(src, path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return fd;
	struct stat st;
	int r = fstat(fd, &st) ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : !S_ISREG(st.st_mode) ? -EMEDIUMTYPE : 0;
	if (r) {
		close(fd);
		return r;
	}
	return read_fd_value(fd, a, out);
}

/* A file apply or rollback writes: read through the allow-list's open (act/allow.h), so
 * that what a dry run shows is that file and no other. -EPERM with *why for a refusal. */
static int read_checked(const struct source *src, const char *path, struct arena *a, const char **out,
			const char **why)
{
	int fd = act_open_checked(src, path, O_RDONLY, why);
	return fd < 0 ? fd : read_fd_value(fd, a, out);
}

static int write_value(const struct source *src, const char *path, const char *text, const char **why)
{
	/* One write() per value: proc/sysfs parse each write on its own. The open is the
	 * allow-list's (a copy tree's regular file is truncated first). */
	const char *refusal = NULL;
	int fd = act_open_for_write(src, path, &refusal);
	if (fd < 0) {
		if (fd == -EPERM)
			*why = refusal;
		return fd;
	}
	size_t n = strlen(text);
	char *line = malloc(n + 2);
	if (!line) {
		close(fd);
		return -ENOMEM;
	}
	memcpy(line, text, n);
	line[n] = '\n';
	ssize_t w = write(fd, line, n + 1);
	int r = w < 0 ? -errno : (size_t)w != n + 1 ? -EIO : 0;
	free(line);
	if (close(fd) && !r)
		r = -errno;
	return r;
}

static const char *format_value(const struct act_op *op, struct arena *a)
{
	struct buf b = { 0 };
	if (op->is_mask)
		cpuset_format_mask(&op->want, op->nbits, &b);
	else
		cpuset_format_list(&op->want, &b);
	const char *r = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

/* ---------------------------------------------------------------- resolve */

struct act_op *act_add_op(struct act_list *l, struct arena *a)
{
	if (l->n == l->cap) {
		int nc = l->cap ? l->cap * 2 : 32;
		l->v = arena_realloc(a, l->v, (size_t)l->cap * sizeof(*l->v), (size_t)nc * sizeof(*l->v));
		l->cap = nc;
	}
	struct act_op *op = &l->v[l->n++];
	memset(op, 0, sizeof(*op));
	op->irq = -1;
	return op;
}

static const char *irq_bdf(const struct irq *q)
{
	return q->dev ? q->dev->bdf : q->chip_bdf;
}

/* CPUs the host does not have: the kernel refuses them (ERANGE), and a mask cut to the
 * host's width would write another set than planned. Skipped, with the CPUs named. */
static bool beyond_host(struct act_op *op, const struct host *h, struct arena *a)
{
	int last = cpuset_last(&op->want);
	if (last <= h->max_cpu)
		return false;
	struct cpuset over;
	cpuset_init(&over, a, last);
	for (int c = h->max_cpu + 1; c <= last; c++)
		if (cpuset_test(&op->want, c))
			cpuset_set(&over, c);
	op->status = ACT_SKIPPED;
	op->why = arena_printf(a, "CPU %s beyond this host's CPUs 0-%d (the kernel refuses it: ERANGE); nothing written",
			       cpuset_list_str(a, &over, "-"), h->max_cpu);
	return true;
}

static bool irq_matches(const struct plan_irq *pi, const struct irq *q)
{
	const char *bdf = irq_bdf(q);
	if (pi->bdf ? (!bdf || strcmp(bdf, pi->bdf) != 0) : bdf != NULL)
		return false;
	if (!pi->action)
		return pi->vector >= 0 && q->vector == pi->vector;
	for (int i = 0; i < q->naction; i++)
		if (!fnmatch(pi->action, q->action[i], 0))
			return true;
	return false;
}

static bool settable_now(const struct irq *q)
{
	return q->managed != TRI_YES && q->settable != TRI_NO;
}

/*
 * The host's IRQs ordered by device (no device first), in IRQ order within one: a plan
 * line looks only at its device's IRQs. Matching every line against every IRQ cost
 * seconds on a host with thousands of both (keep re-resolves after every event).
 */
struct by_dev {
	int *order;
	int n;
	const struct host *h;
};

static int cmp_bdf(const char *x, const char *y)
{
	return !x ? (y ? -1 : 0) : !y ? 1 : strcmp(x, y);
}

static int by_dev_cmp(const void *a, const void *b, void *ctx)
{
	const struct host *h = ctx;
	int i = *(const int *)a, j = *(const int *)b;
	int c = cmp_bdf(irq_bdf(&h->irqs[i]), irq_bdf(&h->irqs[j]));
	return c ? c : (i > j) - (i < j);
}

static void by_dev_init(struct by_dev *d, const struct host *h, struct arena *a)
{
	d->h = h;
	d->n = h->nirqs;
	d->order = arena_calloc(a, (size_t)(h->nirqs ? h->nirqs : 1), sizeof(int));
	for (int i = 0; i < h->nirqs; i++)
		d->order[i] = i;
	qsort_r(d->order, (size_t)d->n, sizeof(int), by_dev_cmp, (void *)h);
}

/* [*lo, *hi) of d->order: the IRQs of device bdf (NULL: those without one). */
static void by_dev_range(const struct by_dev *d, const char *bdf, int *lo, int *hi)
{
	int l = 0, r = d->n;
	while (l < r) {
		int m = (l + r) / 2;
		if (cmp_bdf(irq_bdf(&d->h->irqs[d->order[m]]), bdf) < 0)
			l = m + 1;
		else
			r = m;
	}
	*lo = l;
	r = d->n;
	while (l < r) {
		int m = (l + r) / 2;
		if (cmp_bdf(irq_bdf(&d->h->irqs[d->order[m]]), bdf) <= 0)
			l = m + 1;
		else
			r = m;
	}
	*hi = l;
}

static void resolve_irq(const struct plan *p, const struct plan_irq *pi, const struct host *h, const struct by_dev *d,
			const struct cpuset *online, bool *used, struct arena *a, struct act_list *out)
{
	int nmatch = 0, nvec = 0, nused = 0, lo, hi;
	by_dev_range(d, pi->bdf, &lo, &hi);
	for (int k = lo; k < hi; k++) {
		int i = d->order[k];
		const struct irq *q = &h->irqs[i];
		if (q->is_arch || q->number < 0 || q->naction < 1 || !irq_matches(pi, q))
			continue;
		if (used[i]) {
			nused++;
			continue;
		}
		nmatch++;
		nvec += pi->vector >= 0 && q->vector == pi->vector;
	}
	/* Several vectors of one device may share an action name (xhci_hcd): then the
	 * MSI index tells them apart. */
	bool by_vector = nmatch > 1 && nvec > 0;
	int found = 0;
	for (int k = lo; k < hi; k++) {
		int i = d->order[k];
		const struct irq *q = &h->irqs[i];
		if (used[i] || q->is_arch || q->number < 0 || q->naction < 1 || !irq_matches(pi, q))
			continue;
		if (by_vector && q->vector != pi->vector)
			continue;
		used[i] = true;
		found++;
		struct act_op *op = act_add_op(out, a);
		op->line = pi->line;
		op->kind = ACT_IRQ;
		op->irq = q->number;
		op->name = q->actions;
		op->dev = irq_bdf(q);
		op->path = arena_printf(a, "proc/irq/%d/smp_affinity_list", q->number);
		cpuset_copy(&op->want, a, &pi->cpus);
		if (pi->kind == PLAN_MANAGED || !settable_now(q)) {
			op->status = ACT_MANAGED;
			const char *ev = q->managed_why ? q->managed_why
				       : q->settable == TRI_NO ? "smp_affinity is read-only" : "kernel-managed";
			op->why = arena_printf(a, "kernel-managed (%s): not movable at run time; boot with %s", ev,
					       p->boot_params ? p->boot_params : "isolcpus=managed_irq,domain,<VM CPUs>");
			if (q->has_affinity)
				cpuset_copy(&op->want, a, &q->smp_affinity);
			continue;
		}
		if (beyond_host(op, h, a))
			continue;
		if (!cpuset_intersects(&op->want, online)) {
			op->status = ACT_SKIPPED;
			op->why = "no online CPU in the planned set: left as it is (an IRQ is never left without an online CPU)";
			continue;
		}
		op->want_text = format_value(op, a);
		op->why = pi->why;
	}
	/* Several IRQs with one name and no device (two "ACPI:Ged" lines): the first of
	 * their identical plan lines took them all. */
	if (!found && nused && !pi->bdf)
		return;
	if (!found) {
		struct act_op *op = act_add_op(out, a);
		op->line = pi->line;
		op->kind = ACT_IRQ;
		op->status = ACT_MISSING;
		op->irq = -1;
		op->name = pi->name ? pi->name : pi->action;
		op->dev = pi->bdf;
		op->why = pi->bdf ? arena_printf(a, "no IRQ of device %s matches '%s' now (device gone, driver changed or fewer queues)",
						 pi->bdf, pi->action ? pi->action : "?")
				  : arena_printf(a, "no IRQ matches '%s' now", pi->action ? pi->action : "?");
	}
}

static void resolve_rps(const struct plan_rps *r, const struct host *h, const struct source *src,
			const struct cpuset *online, struct arena *a, struct act_list *out)
{
	/* Interface names can change across boots: the device's current netdev wins. */
	const char *netdev = r->netdev;
	if (r->bdf) {
		for (int i = 0; i < h->ndevs; i++)
			if (!strcmp(h->devs[i].bdf, r->bdf) && h->devs[i].netdev)
				netdev = h->devs[i].netdev;
	}
	char *dir = arena_printf(a, "sys/class/net/%s/queues", netdev);
	char **names;
	size_t n;
	if (!act_ifname_ok(netdev) || src_list(src, a, dir, &names, &n)) {
		struct act_op *op = act_add_op(out, a);
		op->line = r->line;
		op->kind = ACT_RPS;
		op->status = ACT_MISSING;
		op->name = netdev;
		op->dev = r->bdf;
		op->why = arena_printf(a, "network interface %s not found", netdev);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (strncmp(names[i], "rx-", 3) != 0)
			continue;
		char *path = arena_printf(a, "%s/%s/rps_cpus", dir, names[i]);
		const char *cur;
		struct cpuset s;
		/* No CONFIG_RPS, or RPS off (mask 0): nothing to do; RPS that is off stays off. */
		if (read_value(src, path, a, &cur) || cpuset_parse_mask(&s, a, cur, strlen(cur)) || cpuset_empty(&s))
			continue;
		struct act_op *op = act_add_op(out, a);
		op->line = r->line;
		op->kind = ACT_RPS;
		op->path = path;
		op->is_mask = true;
		op->nbits = h->max_cpu + 1;
		op->name = arena_printf(a, "%s %s", netdev, names[i]);
		op->dev = r->bdf;
		cpuset_copy(&op->want, a, &r->cpus);
		op->why = "RPS CPUs of a network queue -> housekeeping";
		if (beyond_host(op, h, a))
			continue;
		if (!cpuset_intersects(&op->want, online)) {
			op->status = ACT_SKIPPED;
			op->why = "no online CPU in the planned set";
			continue;
		}
		op->want_text = format_value(op, a);
	}
}

int act_resolve(const struct plan *p, const struct host *h, const struct source *src, struct arena *a,
		struct act_list *out)
{
	memset(out, 0, sizeof(*out));
	struct cpuset online;
	if (h->has_online) {
		cpuset_copy(&online, a, &h->online);
	} else {
		cpuset_init(&online, a, h->max_cpu);
		for (int c = 0; c <= h->max_cpu; c++)
			if (h->cpus && h->cpus[c].online)
				cpuset_set(&online, c);
	}
	bool *used = arena_calloc(a, (size_t)(h->nirqs ? h->nirqs : 1), sizeof(bool));
	struct by_dev d;
	by_dev_init(&d, h, a);
	for (int i = 0; i < p->nirqs; i++)
		resolve_irq(p, &p->irqs[i], h, &d, &online, used, a, out);
	if (p->has_default_affinity) {
		struct act_op *op = act_add_op(out, a);
		op->kind = ACT_DEFAULT_AFFINITY;
		op->path = "proc/irq/default_smp_affinity";
		op->is_mask = true;
		op->nbits = h->max_cpu + 1;
		op->name = "default_smp_affinity";
		cpuset_copy(&op->want, a, &p->default_affinity);
		op->line = p->default_affinity_line;
		op->why = "where new IRQs start";
		if (beyond_host(op, h, a)) {
		} else if (!cpuset_intersects(&op->want, &online)) {
			op->status = ACT_SKIPPED;
			op->why = "no online CPU in the planned set";
		} else {
			op->want_text = format_value(op, a);
		}
	}
	for (int i = 0; i < p->nrps; i++)
		resolve_rps(&p->rps[i], h, src, &online, a, out);
	out->has_host = true;
	cpuset_copy(&out->online, a, &online);
	out->max_cpu = h->max_cpu;
	return 0;
}

/* ---------------------------------------------------------------- run */

static const char *what_of(const struct act_op *op, struct arena *a)
{
	const char *w = op->irq >= 0 ? arena_printf(a, "irq %d %s%s%s", op->irq, op->name ? op->name : "",
						    op->dev ? " " : "", op->dev ? op->dev : "")
				     : op->name;
	return op->note ? arena_printf(a, "%s %s", w ? w : "", op->note) : w;
}

/* Test hook: stop here, as if killed between two writes; the test sends SIGKILL. */
static void fault_stop(int writes)
{
	fprintf(stderr, "irqsight: fault injection: stopped after %d writes\n", writes);
	fflush(stderr);
	for (int i = 0; i < 600; i++)
		sleep(1);
	_exit(70);
}

/* Wrote want_text, read back something else: both, and what the kernel did to the set. */
static const char *mismatch(const struct act_list *ops, const struct act_op *op, struct arena *a)
{
	const char *rb = op->readback ? op->readback : "";
	const char *head = arena_printf(a, "wrote '%s', read back '%s'", op->want_text, rb);
	struct cpuset got, lost, added;
	if (!op->readback || parse_value(op->path, rb, a, &got))
		return arena_printf(a, "%s (not a CPU %s)", head, path_is_list(op->path) ? "list" : "mask");
	cpuset_andnot(&lost, a, &op->want, &got);
	cpuset_andnot(&added, a, &got, &op->want);
	struct buf b = { 0 };
	buf_puts(&b, head);
	if (!cpuset_empty(&lost)) {
		const char *l = cpuset_list_str(a, &lost, "-");
		if (ops->has_host && cpuset_last(&lost) > ops->max_cpu)
			buf_printf(&b, ": CPU %s beyond this kernel's CPUs (0-%d)", l, ops->max_cpu);
		else if (ops->has_host && !cpuset_intersects(&lost, &ops->online))
			buf_printf(&b, ": the kernel dropped offline CPU %s", l);
		else
			buf_printf(&b, ": the kernel dropped CPU %s", l);
	}
	if (!cpuset_empty(&added))
		buf_printf(&b, "%s the kernel added CPU %s", cpuset_empty(&lost) ? ":" : ";",
			   cpuset_list_str(a, &added, "-"));
	if (cpuset_empty(&lost) && cpuset_empty(&added))
		buf_puts(&b, " (the same CPUs, another spelling)");
	const char *r = arena_strdup(a, b.data);
	buf_free(&b);
	return r;
}

int act_run(const struct source *src, struct act_list *ops, const struct act_opts *o, struct journal *j,
	    struct arena *a)
{
	int writes = 0;
	/* The allow-list first, for every path, before anything is read or written: a plan
	 * or journal naming one other file is refused whole. */
	ops->refused = -1;
	ops->refused_why = NULL;
	for (int i = 0; i < ops->n; i++) {
		const char *why;
		if (ops->v[i].status == ACT_PENDING && act_allow_write(src, ops->v[i].path, &why)) {
			ops->refused = i;
			ops->refused_why = why;
			return -EPERM;
		}
	}
	for (int i = 0; i < ops->n; i++) {
		struct act_op *op = &ops->v[i];
		if (op->status != ACT_PENDING)
			continue;
		const char *rwhy = NULL;
		int r = read_checked(src, op->path, a, &op->old, &rwhy);
		if (r) {
			op->status = r == -ENOENT ? ACT_MISSING : ACT_FAILED;
			op->err = r;
			op->why = arena_printf(a, "cannot read '%s': %s", op->path,
					       r == -EPERM && rwhy ? rwhy : act_explain(-r));
			continue;
		}
		if (act_value_equal(op->path, op->old, &op->want, a)) {
			op->status = ACT_SAME;
			continue;
		}
		if (op->kind == ACT_RESTORE)
			op->want_text = op->want_text ? op->want_text : format_value(op, a);
		if (o->dry_run) {
			op->status = ACT_DRY;
			continue;
		}
		/* Journal first: no write without a durable record of the old value. */
		if (j && (r = journal_set(j, op->path, op->journal_old ? op->journal_old : op->old, op->want_text,
					  what_of(op, a))))
			return r;
		const char *wwhy = NULL;
		r = write_value(src, op->path, op->want_text, &wwhy);
		writes++;
		if (r) {
			op->status = ACT_FAILED;
			op->err = r;
			op->why = r == -EPERM && wwhy ? wwhy : act_explain(-r);
		} else {
			const char *ignored;
			read_checked(src, op->path, a, &op->readback, &ignored);
			if (op->kind == ACT_IRQ)
				read_value(src, arena_printf(a, "proc/irq/%d/effective_affinity_list", op->irq), a,
					   &op->effective);
			if (act_value_equal(op->path, op->readback, &op->want, a)) {
				op->status = ACT_DONE;
				struct cpuset eff;
				/* x86 without remapping moves an MSI from its next interrupt
				 * (GENERIC_PENDING_IRQ): until then the old CPU stays effective. */
				if (op->effective && *op->effective &&
				    !cpuset_parse_list(&eff, a, op->effective, strlen(op->effective)))
					op->effective_pending = !cpuset_subset(&eff, &op->want);
			} else {
				op->status = ACT_FAILED;
				op->why = mismatch(ops, op, a);
			}
		}
		if (o->fault_after > 0 && writes >= o->fault_after)
			fault_stop(writes);
	}
	return 0;
}

int act_restore_ops(const struct journal_data *jd, struct arena *a, struct act_list *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = jd->n - 1; i >= 0; i--) {
		const struct journal_entry *e = &jd->v[i];
		struct act_op *op = act_add_op(out, a);
		op->kind = ACT_RESTORE;
		op->line = e->line;
		op->path = e->path;
		op->name = e->what;
		op->want_text = e->old;
		op->is_mask = !path_is_list(e->path);
		int irq;
		if (sscanf(e->path, "proc/irq/%d/", &irq) == 1)
			op->irq = irq;
		if (parse_value(e->path, e->old, a, &op->want)) {
			op->status = ACT_SKIPPED;
			op->why = arena_printf(a, "the journal's old value '%s' is not a CPU set", e->old);
		}
	}
	/* The same file written twice: restoring newest first leaves the oldest value. */
	return 0;
}

int act_count(const struct act_list *ops, int s)
{
	int n = 0;
	for (int i = 0; i < ops->n; i++)
		n += (int)ops->v[i].status == s;
	return n;
}
