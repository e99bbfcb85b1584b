/* CPUs: ids, NUMA nodes, /proc/softirqs, /proc/stat. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/build.h"
#include "parse/softirqs.h"
#include "parse/stat.h"

static int max_of_set(const struct cpuset *s, bool has)
{
	return has ? cpuset_last(s) : -1;
}

static void read_nodes(struct host *h, const struct source *src)
{
	char **names;
	size_t n;
	int r = src_list(src, &h->arena, "sys/devices/system/node", &names, &n);
	if (r) {
		host_note_unreadable(h, "sys/devices/system/node", r, "NUMA placement is unknown");
		return;
	}
	h->nodes = arena_calloc(&h->arena, n ? n : 1, sizeof(*h->nodes));
	for (size_t i = 0; i < n; i++) {
		int id;
		if (sscanf(names[i], "node%d", &id) != 1)
			continue;
		char path[128];
		snprintf(path, sizeof(path), "sys/devices/system/node/%s/cpulist", names[i]);
		struct numa_node *nd = &h->nodes[h->nnodes];
		if (host_read_cpulist(h, src, path, &nd->cpus))
			continue;
		nd->id = id;
		h->nnodes++;
		for (int c = cpuset_next(&nd->cpus, 0); c >= 0; c = cpuset_next(&nd->cpus, c + 1))
			if (c <= h->max_cpu)
				h->cpus[c].node = id;
	}
}

enum tri stat_irq_accounted(uint64_t irq_sum, int cpus_with_field, uint64_t interrupts)
{
	/* The same judgement as sample/rates.c on the later reading: under tick accounting
	 * the irq column grows only when a tick lands inside another hard IRQ, which in
	 * practice never happens. */
	if (!cpus_with_field)
		return TRI_UNKNOWN;
	if (irq_sum > 0)
		return TRI_YES;
	return interrupts > 0 ? TRI_NO : TRI_UNKNOWN;
}

void build_cpus(struct host *h, const struct source *src)
{
	struct buf b = { 0 };
	struct softirqs si = { 0 };
	struct proc_stat st = { 0 };
	bool have_si = false, have_st = false;
	int r = src_read(src, "proc/softirqs", &b, 64u << 20);
	if (!r)
		have_si = !parse_softirqs(b.data, b.len, &h->arena, &si);
	if (r || !have_si)
		host_note_unreadable(h, "proc/softirqs", r ? r : -EINVAL, "softirq load per CPU is unknown");
	buf_reset(&b);
	r = src_read(src, "proc/stat", &b, 64u << 20);
	if (!r)
		have_st = !parse_stat(b.data, b.len, &h->arena, &st);
	if (r || !have_st)
		host_note_unreadable(h, "proc/stat", r ? r : -EINVAL, "CPU time in IRQ/softirq is unknown");
	buf_free(&b);

	int max = -1;
	max = MAX(max, max_of_set(&h->possible, h->has_possible));
	max = MAX(max, max_of_set(&h->online, h->has_online));
	for (int i = 0; i < h->ncols; i++)
		max = MAX(max, h->col_cpu[i]);
	for (int i = 0; have_si && i < si.ncpus; i++)
		max = MAX(max, si.cpu_ids[i]);
	for (int i = 0; have_st && i < st.ncpus; i++)
		max = MAX(max, st.cpus[i].id);
	if (max < 0)
		max = 0;
	h->max_cpu = max;
	h->cpus = arena_calloc(&h->arena, (size_t)max + 1, sizeof(*h->cpus));
	for (int c = 0; c <= max; c++) {
		h->cpus[c].id = c;
		h->cpus[c].node = -1;
		h->cpus[c].col = -1;
		h->cpus[c].dev_irq_rate = -1;
		h->cpus[c].irq_pct = h->cpus[c].softirq_pct = -1;
		for (int v = 0; v < SOFTIRQ_NR; v++)
			h->cpus[c].softirq_rate[v] = h->cpus[c].softirq_time_pct[v] = -1;
	}
	for (int i = 0; i < h->ncols; i++)
		h->cpus[h->col_cpu[i]].col = i;

	/* Online: sysfs, else the /proc/interrupts header (it lists online CPUs only). */
	if (!h->has_online && h->ncols) {
		cpuset_init(&h->online, &h->arena, max);
		for (int i = 0; i < h->ncols; i++)
			cpuset_set(&h->online, h->col_cpu[i]);
		h->has_online = true;
	}
	if (!h->has_possible) {
		cpuset_init(&h->possible, &h->arena, max);
		for (int c = 0; c <= max; c++)
			if (cpuset_test(&h->online, c))
				cpuset_set(&h->possible, c);
		for (int i = 0; have_si && i < si.ncpus; i++)
			cpuset_set(&h->possible, si.cpu_ids[i]);
		h->has_possible = true;
	}
	if (!h->has_isolated)
		cpuset_init(&h->isolated, &h->arena, max);
	if (!h->has_nohz_full)
		cpuset_init(&h->nohz_full, &h->arena, max);
	for (int c = 0; c <= max; c++) {
		struct host_cpu *cpu = &h->cpus[c];
		cpu->possible = cpuset_test(&h->possible, c);
		cpu->online = cpuset_test(&h->online, c);
		cpu->isolated = cpuset_test(&h->isolated, c);
		cpu->nohz_full = cpuset_test(&h->nohz_full, c);
	}
	for (int i = 0; have_si && i < si.ncpus; i++) {
		struct host_cpu *cpu = &h->cpus[si.cpu_ids[i]];
		cpu->has_softirq = true;
		for (int v = 0; v < SOFTIRQ_NR; v++)
			cpu->softirq[v] = si.counts[v] ? si.counts[v][i] : 0;
	}
	uint64_t irq_sum = 0, intr = 0;
	int with_field = 0;
	for (int i = 0; have_st && i < st.ncpus; i++) {
		struct host_cpu *cpu = &h->cpus[st.cpus[i].id];
		memcpy(cpu->stat.v, st.cpus[i].v, sizeof(cpu->stat.v));
		cpu->stat.present = true;
		if (st.cpus[i].nfields > ST_SOFTIRQ) {
			with_field++;
			irq_sum += st.cpus[i].v[ST_IRQ];
		}
	}
	if (have_st) {
		intr = st.has_intr ? st.intr_total : 0;
		for (int i = 0; !intr && i < h->nirqs; i++)
			intr += h->irqs[i].is_arch ? 0 : h->irqs[i].total;
		h->irq_accounted = stat_irq_accounted(irq_sum, with_field, intr);
	}
	read_nodes(h, src);
}
