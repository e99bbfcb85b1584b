/*
 * The full-screen view of `irqsight top` (ncurses). Reads a frame, never decides:
 * hotspots, names and rates come from model/top.c. Sorting and filtering are view state.
 *
 * Layout (80x24 and up): a status line, the time-source note, the CPU table (or,
 * when the CPUs do not fit, a one-cell-per-CPU heat map plus the busiest CPUs), the
 * IRQ sources, and a key line. Resizes arrive as KEY_RESIZE (ncurses' SIGWINCH
 * handler); the caller calls its input op when poll() is interrupted.
 */
#include "cmd/top_ui.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "util/arena.h"
#include "util/compat.h"
#include "util/cpuset.h"
#include "util/str.h"

struct top_ui {
	bool color;
	bool prompting;		/* typing a filter or an interval */
	char prompt_kind;	/* '/' filter, 'd' interval */
	char input[64];
	size_t ninput;
	char msg[128];		/* one-shot message on the key line */
};

enum { C_HOT = 1, C_HEAD, C_DIM, C_WARM };

static int top_ui_open(struct top_ui **out, char *why, size_t whylen)
{
	*out = NULL;
	setlocale(LC_ALL, "");
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	if (!initscr()) {
		snprintf(why, whylen, "cannot initialise the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		return -ENOTTY;
	}
	struct top_ui *ui = calloc(1, sizeof(*ui));
	if (!ui) {
		endwin();
		return -ENOMEM;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(C_HOT, COLOR_RED, -1);
		init_pair(C_HEAD, COLOR_BLACK, COLOR_CYAN);
		init_pair(C_DIM, COLOR_BLUE, -1);
		init_pair(C_WARM, COLOR_YELLOW, -1);
		ui->color = true;
	}
	*out = ui;
	return 0;
}

static void top_ui_close(struct top_ui *ui)
{
	if (!ui)
		return;
	curs_set(1);
	endwin();
	free(ui);
}

static int top_ui_fd(const struct top_ui *ui)
{
	return STDIN_FILENO;
}

/* ---------------------------------------------------------------- filter */

/* "cpu 3", "cpu3", "3", "0-7,9": a CPU filter. */
static bool cpu_filter(const char *f, struct cpuset *set, struct arena *a)
{
	while (*f == ' ')
		f++;
	if (!strncasecmp(f, "cpu", 3))
		f += 3;
	while (*f == ' ')
		f++;
	if (!*f || !isdigit((unsigned char)*f))
		return false;
	for (const char *p = f; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '-' && *p != ',')
			return false;
	return cpuset_parse_list(set, a, f, strlen(f)) == 0;
}

static bool src_matches(const struct top_src *s, const char *f)
{
	return strcasestr(s->device, f) || strcasestr(s->actions ? s->actions : "", f) || !strcasecmp(s->irq, f) ||
	       strcasestr(s->queue, f);
}

/* ---------------------------------------------------------------- sorting */

static const struct top_frame *sort_frame;
static enum top_sort sort_key;

static double cpu_key(const struct top_cpu *c)
{
	switch (sort_key) {
	case SORT_IRQ: return c->dev_irq_rate;
	case SORT_SOFTIRQ: return c->softirq_rate;
	case SORT_TIME: return (c->irq_pct > 0 ? c->irq_pct : 0) + (c->softirq_pct > 0 ? c->softirq_pct : 0);
	default: return -c->cpu;
	}
}

static int cmp_cpu(const void *x, const void *y)
{
	const struct top_cpu *a = &sort_frame->cpus[*(const int *)x], *b = &sort_frame->cpus[*(const int *)y];
	double ka = cpu_key(a), kb = cpu_key(b);
	if (ka != kb)
		return ka < kb ? 1 : -1;
	return a->cpu - b->cpu;
}

static int cmp_src(const void *x, const void *y)
{
	const struct top_src *a = &sort_frame->srcs[*(const int *)x], *b = &sort_frame->srcs[*(const int *)y];
	if ((a->number < 0) != (b->number < 0))
		return a->number < 0 ? 1 : -1;
	double ka = sort_key == SORT_TIME ? a->time_pct : a->rate, kb = sort_key == SORT_TIME ? b->time_pct : b->rate;
	if (ka != kb)
		return ka < kb ? 1 : -1;
	return strcmp(a->irq, b->irq);
}

/* ---------------------------------------------------------------- drawing */

static void fmt_rate(char *o, size_t n, double v)
{
	if (v < 0)
		snprintf(o, n, "-");
	else if (v >= 10e6)
		snprintf(o, n, "%.0fM", v / 1e6);
	else if (v >= 100e3)
		snprintf(o, n, "%.0fk", v / 1e3);
	else
		snprintf(o, n, "%.0f", v);
}

static void fmt_pct(char *o, size_t n, double v)
{
	if (v < 0)
		snprintf(o, n, "n/a");
	else
		snprintf(o, n, v < 10 ? "%.2f" : "%.1f", v);
}

static const char *sort_name(enum top_sort s)
{
	switch (s) {
	case SORT_IRQ: return "irq";
	case SORT_SOFTIRQ: return "softirq";
	case SORT_TIME: return "time";
	default: return "cpu";
	}
}

static void line_attr(struct top_ui *ui, bool hot, bool on)
{
	int a = hot ? (ui->color ? COLOR_PAIR(C_HOT) | A_BOLD : A_REVERSE) : 0;
	if (on)
		attron(a);
	else
		attroff(a);
}

static void cpu_row(struct top_ui *ui, int y, int cols, const struct top_cpu *c)
{
	char d[16], a[16], s[16], nr[16], bl[16], ip[16], sp[16];
	fmt_rate(d, sizeof(d), c->dev_irq_rate);
	fmt_rate(a, sizeof(a), c->arch_irq_rate);
	fmt_rate(s, sizeof(s), c->softirq_rate);
	fmt_rate(nr, sizeof(nr), c->softirq[SOFTIRQ_NET_RX]);
	fmt_rate(bl, sizeof(bl), c->softirq[SOFTIRQ_BLOCK]);
	fmt_pct(ip, sizeof(ip), c->irq_pct);
	fmt_pct(sp, sizeof(sp), c->softirq_pct);
	line_attr(ui, c->hot, true);
	mvprintw(y, 0, "%4d %8s %8s %8s %7s %7s %6s %6s %c ", c->cpu, d, a, s, nr, bl, ip, sp, c->hot ? '!' : ' ');
	/* the VM threads here first (they are what stutters), then the busiest IRQ */
	int x = getcurx(stdscr);
	if (c->vcpus && cols > x) {
		if (ui->color)
			attron(COLOR_PAIR(C_WARM));
		addnstr(c->vcpus, cols - x);
		if (ui->color)
			attroff(COLOR_PAIR(C_WARM));
		x = getcurx(stdscr);
		if (c->top_irq && cols > x + 2)
			addnstr("  ", 2);
		x = getcurx(stdscr);
	}
	if (c->top_irq && cols > x)
		addnstr(c->top_irq, cols - x);
	line_attr(ui, c->hot, false);
	clrtoeol();
}

/* One cell per CPU: load as a glyph, hot CPUs highlighted. */
static int heat_map(struct top_ui *ui, int y, int maxy, int cols, const struct top_frame *f, const int *idx, int n)
{
	static const char glyph[] = " .:-=+*#%@";
	double peak = 1;
	for (int i = 0; i < n; i++) {
		const struct top_cpu *c = &f->cpus[idx[i]];
		double v = c->dev_irq_rate + (c->softirq_rate > 0 ? c->softirq_rate : 0);
		if (v > peak)
			peak = v;
	}
	int per = cols - 6;
	per = per >= 64 ? 64 : per >= 32 ? 32 : per >= 16 ? 16 : 8;
	mvprintw(y++, 0, "heat map (IRQ+softirq rate, peak %.0f/s; ! hot):", peak);
	for (int i = 0; i < n && y < maxy; i += per, y++) {
		move(y, 0);
		printw("%5d ", f->cpus[idx[i]].cpu);
		for (int k = i; k < n && k < i + per; k++) {
			const struct top_cpu *c = &f->cpus[idx[k]];
			double v = c->dev_irq_rate + (c->softirq_rate > 0 ? c->softirq_rate : 0);
			int g = (int)(v / peak * 9.0 + 0.5);
			if (v > 0 && g == 0)
				g = 1;
			line_attr(ui, c->hot, true);
			addch((chtype)(c->hot ? '!' : glyph[MIN(g, 9)]));
			line_attr(ui, c->hot, false);
		}
		clrtoeol();
	}
	return y;
}

/* The status line (view state first, so it survives narrow terminals) and, with a
 * frame, the note line under it. */
static void draw_status(struct top_ui *ui, const struct top_frame *f, const struct top_state *st, int cols)
{
	if (ui->color)
		attron(COLOR_PAIR(C_HEAD));
	else
		attron(A_REVERSE);
	char head[512];
	/* view state first, so it survives narrow terminals */
	char vms[32] = "";
	if (f && f->nvms)
		snprintf(vms, sizeof(vms), "  %d VM%s", f->nvms, f->nvms == 1 ? "" : "s");
	snprintf(head, sizeof(head), " irqsight top%s sort:%s%s%s | every %.2gs  %d CPUs  IRQ %.0f/s  softirq %.0f/s%s",
		 st->paused ? " [PAUSED]" : "", sort_name(st->sort), st->filter[0] ? " filter:" : "", st->filter,
		 st->interval, f ? f->ncpus : 0, f ? f->dev_irq_total : 0,
		 f && f->softirq_total > 0 ? f->softirq_total : 0, vms);
	mvaddnstr(0, 0, head, cols);
	for (int x = (int)strlen(head); x < cols; x++)
		addch(' ');
	if (ui->color)
		attroff(COLOR_PAIR(C_HEAD));
	else
		attroff(A_REVERSE);
	if (!f)
		return;
	if (ui->color)
		attron(COLOR_PAIR(C_DIM));
	char note[256];
	snprintf(note, sizeof(note), "%s%s", f->pct_note, f->trace_lost ? " (events lost)" : "");
	mvaddnstr(1, 0, note, cols);
	if (ui->color)
		attroff(COLOR_PAIR(C_DIM));
}

/* The sources and CPUs the filter keeps (indexes into f), sorted by st's key: a CPU
 * filter ("cpu 2-3") keeps CPUs and the sources that landed there; a device, IRQ or VM
 * filter keeps its sources and the CPUs they (or the VM's threads) ran on. */
static void select_rows(const struct top_frame *f, const struct top_state *st, struct arena *a, int **sidx_out,
			int *ns_out, int **cidx_out, int *nc_out)
{
	struct cpuset cf;
	bool by_cpu = st->filter[0] && cpu_filter(st->filter, &cf, a);
	const char *dev_filter = st->filter[0] && !by_cpu ? st->filter : NULL;

	/* sources that pass the filter; with a device filter, CPUs they landed on */
	int *sidx = calloc((size_t)f->nsrcs + 1, sizeof(int));
	int ns = 0;
	struct cpuset dev_cpus;
	cpuset_init(&dev_cpus, a, CPUSET_MAX_CPU);
	for (int i = 0; sidx && i < f->nsrcs; i++) {
		const struct top_src *s = &f->srcs[i];
		if (dev_filter && !src_matches(s, dev_filter))
			continue;
		if (by_cpu) {
			struct cpuset sc;
			if (cpuset_parse_list(&sc, a, s->cpus, strlen(s->cpus)) || !cpuset_intersects(&sc, &cf))
				continue;
		}
		if (dev_filter) {
			struct cpuset sc;
			if (!cpuset_parse_list(&sc, a, s->cpus, strlen(s->cpus)))
				for (int c = cpuset_next(&sc, 0); c >= 0; c = cpuset_next(&sc, c + 1))
					cpuset_set(&dev_cpus, c);
		}
		sidx[ns++] = i;
	}
	for (int i = 0; dev_filter && i < f->nvms; i++)
		for (int k = 0; strcasestr(f->vms[i].name, dev_filter) && k < f->vms[i].nthreads; k++)
			if (f->vms[i].threads[k].cpu >= 0)
				cpuset_set(&dev_cpus, f->vms[i].threads[k].cpu);
	int *cidx = calloc((size_t)f->ncpus + 1, sizeof(int));
	int nc = 0;
	for (int i = 0; cidx && i < f->ncpus; i++) {
		int id = f->cpus[i].cpu;
		if (by_cpu && !cpuset_test(&cf, id))
			continue;
		/* a device filter keeps the CPUs its IRQs hit; a VM name keeps its threads' CPUs */
		if (dev_filter && !cpuset_test(&dev_cpus, id))
			continue;
		cidx[nc++] = i;
	}
	sort_frame = f;
	sort_key = st->sort;
	if (cidx)
		qsort(cidx, (size_t)nc, sizeof(int), cmp_cpu);
	if (sidx)
		qsort(sidx, (size_t)ns, sizeof(int), cmp_src);

	*sidx_out = sidx;
	*ns_out = ns;
	*cidx_out = cidx;
	*nc_out = nc;
}

/* The CPU table from row 3: every CPU, or on a tall host a heat map of all of them and
 * then the busiest by the sort key. Returns the next free row. */
static int draw_cpus(struct top_ui *ui, const struct top_frame *f, int *cidx, int nc, int rows, int cols)
{
	/* Space: rows 2..rows-2; CPUs get up to ~55%, sources the rest (at least 4). */
	int y = 3, last = rows - 2;
	int avail = last - y;
	int cpu_lines = MAX(3, avail * 55 / 100);
	if (nc + 1 < cpu_lines)
		cpu_lines = nc + 1;
	if (ui->color)
		attron(A_BOLD);
	mvaddnstr(2, 0, " CPU  DEV-IRQ  LOC+IPI  SOFTIRQ  NET_RX   BLOCK   %IRQ  %SOFT   VM vCPUs / top IRQ", cols);
	if (ui->color)
		attroff(A_BOLD);
	if (nc > cpu_lines && nc > 8) {
		/* compact: heat map of every CPU in CPU order, then the busiest */
		int *byid = calloc((size_t)nc, sizeof(int));
		if (byid) {
			memcpy(byid, cidx, (size_t)nc * sizeof(int));
			enum top_sort save = sort_key;
			sort_key = SORT_CPU;
			qsort(byid, (size_t)nc, sizeof(int), cmp_cpu);
			sort_key = save;
			int per = cols - 6;
			per = per >= 64 ? 64 : per >= 32 ? 32 : per >= 16 ? 16 : 8;
			int map_lines = 1 + (nc + per - 1) / per;
			if (map_lines > cpu_lines - 2)
				map_lines = MAX(2, cpu_lines - 2);
			int yend = heat_map(ui, y, y + map_lines, cols, f, byid, nc);
			free(byid);
			y = yend;
		}
		/* then the top rows by the sort key (CPU order would show idle CPUs) */
		enum top_sort save = sort_key;
		if (sort_key == SORT_CPU) {
			sort_key = SORT_IRQ;
			qsort(cidx, (size_t)nc, sizeof(int), cmp_cpu);
		}
		sort_key = save;
		int room = 3 + cpu_lines - y;
		for (int i = 0; i < nc && i < room; i++)
			cpu_row(ui, y++, cols, &f->cpus[cidx[i]]);
	} else {
		for (int i = 0; i < nc && i < cpu_lines; i++)
			cpu_row(ui, y++, cols, &f->cpus[cidx[i]]);
	}
	return y;
}

/* The IRQ source table from row y to the last row. */
static void draw_srcs(struct top_ui *ui, const struct top_frame *f, const struct top_state *st, const int *sidx, int ns,
		      int y, int rows, int cols)
{
	int last = rows - 2;
	y++;
	if (y < last) {
		if (ui->color)
			attron(A_BOLD);
		mvaddnstr(y++, 0, "   IRQ DEVICE                   QUEUE       RATE/s CPUS      %CPU  ACTIONS", cols);
		if (ui->color)
			attroff(A_BOLD);
	}
	for (int i = 0; i < ns && y < last; i++, y++) {
		const struct top_src *s = &f->srcs[sidx[i]];
		char r[16], tp[16];
		fmt_rate(r, sizeof(r), s->rate);
		fmt_pct(tp, sizeof(tp), s->time_pct);
		line_attr(ui, s->hot, true);
		mvprintw(y, 0, "%6.6s %-24.24s %-9.9s %8s %-8.8s %6s  ", s->irq, s->device, s->queue, r, s->cpus, tp);
		int x = getcurx(stdscr);
		if (cols > x && s->number >= 0)
			addnstr(s->actions, cols - x);
		line_attr(ui, s->hot, false);
		clrtoeol();
	}
	if (!ns && y < last)
		mvaddnstr(y, 0, st->filter[0] ? "  (nothing matches the filter)" : "  (no interrupts this interval)", cols);
}

/* The bottom line: the prompt being typed, or a message, or the keys. */
static void draw_keys(struct top_ui *ui, int rows, int cols)
{
	move(rows - 1, 0);
	if (ui->prompting) {
		printw("%s: %s", ui->prompt_kind == 'd' ? "interval (s)" : "filter (device, IRQ, VM or 'cpu N')", ui->input);
		curs_set(1);
	} else {
		curs_set(0);
		if (ui->color)
			attron(COLOR_PAIR(C_DIM));
		addnstr(ui->msg[0] ? ui->msg
				   : "q quit  c/i/s/t sort  / filter  space pause  +/- interval  d set interval",
			cols);
		if (ui->color)
			attroff(COLOR_PAIR(C_DIM));
		ui->msg[0] = '\0';
	}
	clrtoeol();
}

static void top_ui_draw(struct top_ui *ui, const struct top_frame *f, const struct top_state *st)
{
	int rows = LINES, cols = COLS;
	erase();
	draw_status(ui, f, st, cols);
	if (!f) {
		mvaddnstr(2, 0, "sampling...", cols);
	} else {
		struct arena a = { 0 };
		int *sidx, *cidx, ns, nc;
		select_rows(f, st, &a, &sidx, &ns, &cidx, &nc);
		int y = draw_cpus(ui, f, cidx, nc, rows, cols);
		draw_srcs(ui, f, st, sidx, ns, y, rows, cols);
		free(sidx);
		free(cidx);
		arena_free(&a);
	}
	draw_keys(ui, rows, cols);
	refresh();
}

/* ---------------------------------------------------------------- input */

static const double steps[] = { 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60 };

static void step_interval(struct top_state *st, int dir)
{
	int n = (int)ARRAY_SIZE(steps), i;
	if (dir > 0) {
		for (i = 0; i < n && steps[i] <= st->interval + 1e-9; i++)
			;
		st->interval = i < n ? steps[i] : steps[n - 1];
	} else {
		for (i = n - 1; i >= 0 && steps[i] >= st->interval - 1e-9; i--)
			;
		st->interval = i >= 0 ? steps[i] : steps[0];
	}
}

static void finish_prompt(struct top_ui *ui, struct top_state *st)
{
	ui->input[ui->ninput] = '\0';
	if (ui->prompt_kind == 'd') {
		char *e;
		double v = strtod(ui->input, &e);
		if (ui->ninput && !*e && v >= 0.1 && v <= 3600)
			st->interval = v;
		else if (ui->ninput)
			snprintf(ui->msg, sizeof(ui->msg), "interval must be 0.1 to 3600 seconds, not '%s'", ui->input);
	} else {
		str_copy(st->filter, ui->input, sizeof(st->filter));
	}
	ui->prompting = false;
}

static bool top_ui_input(struct top_ui *ui, struct top_state *st)
{
	bool redraw = false;
	int ch;
	while ((ch = getch()) != ERR) {
		redraw = true;
		if (ch == KEY_RESIZE)
			continue;	/* ncurses updated LINES/COLS */
		if (ui->prompting) {
			if (ch == 27) {
				ui->prompting = false;
			} else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
				finish_prompt(ui, st);
			} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
				if (ui->ninput)
					ui->input[--ui->ninput] = '\0';
			} else if (ch >= 32 && ch < 127 && ui->ninput + 1 < sizeof(ui->input)) {
				ui->input[ui->ninput++] = (char)ch;
				ui->input[ui->ninput] = '\0';
			}
			continue;
		}
		switch (ch) {
		case 'q': case 'Q': st->quit = true; return true;
		case 'c': st->sort = SORT_CPU; break;
		case 'i': st->sort = SORT_IRQ; break;
		case 's': st->sort = SORT_SOFTIRQ; break;
		case 't': st->sort = SORT_TIME; break;
		case ' ': case 'p': st->paused = !st->paused; break;
		case '+': case '=': step_interval(st, +1); break;
		case '-': step_interval(st, -1); break;
		case '/': case 'f': case 'd':
			ui->prompting = true;
			ui->prompt_kind = ch == 'd' ? 'd' : '/';
			ui->ninput = 0;
			ui->input[0] = '\0';
			break;
		case 27:	/* Esc clears the filter */
			st->filter[0] = '\0';
			break;
		case 12:	/* ^L */
			clearok(curscr, TRUE);
			break;
		default:
			snprintf(ui->msg, sizeof(ui->msg), "unknown key (q quits)");
			break;
		}
	}
	return redraw;
}

/* Registered before main: cmd/top.c names nothing here, so the static build, which
 * leaves this file out, links without it. */
__attribute__((constructor)) static void top_ui_register_ncurses(void)
{
	static const struct top_ui_ops ops = {
		.open = top_ui_open,
		.draw = top_ui_draw,
		.input = top_ui_input,
		.fd = top_ui_fd,
		.close = top_ui_close,
	};
	top_ui_register(&ops);
}
