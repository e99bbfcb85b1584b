#include "act/ibpolicy.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "act/persist.h"
#include "parse/envfile.h"
#include "parse/planfile.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

/* ---------------------------------------------------------------- the script */

/* PCI BDF as the kernel names it (domain 4 to 8 hex digits, as VMD's 10000:...). */
static bool bdf_ok(const char *s)
{
	size_t n = strlen(s), i = 0;
	if (n < 12 || n > 16)
		return false;
	while (i < n && isxdigit((unsigned char)s[i]))
		i++;
	if (i < 4 || i > 8 || n - i != 8)
		return false;
	s += i;
	return s[0] == ':' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2]) && s[3] == ':' &&
	       isxdigit((unsigned char)s[4]) && isxdigit((unsigned char)s[5]) && s[6] == '.' && s[7] >= '0' &&
	       s[7] <= '7';
}

/* A pattern goes into the script in quotes; a control character has no place in an
 * action name and is left out rather than written. */
static bool pattern_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool seen(const char **list, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static const char script_head[] =
	"#!/bin/sh\n"
	"# Installed by `irqsight persist` from /" PERSIST_PLAN "; removed by `irqsight persist --remove`.\n"
	"# irqbalance's --policyscript (IRQBALANCE_ARGS): irqbalance runs `SCRIPT DEVPATH IRQ` for\n"
	"# each IRQ when it builds its IRQ list and reads key=value lines. The plan's IRQs get\n"
	"# ban=true: irqsight keep holds them, and irqbalance moving them among the housekeeping\n"
	"# CPUs would make the two fight. Other IRQs get no line: irqbalance balances them as before.\n";

static const char script_chain[] =
	"# The operator's own policy script runs first and its lines are passed on, as irqbalance\n"
	"# would read them: a file's when it exits 0; a directory's first script that exits 0.\n"
	"if [ -d \"$chain\" ]; then\n"
	"\tfor s in \"$chain\"/*; do\n"
	"\t\t[ -f \"$s\" ] && [ -x \"$s\" ] || continue\n"
	"\t\tout=$(\"$s\" \"$@\") || continue\n"
	"\t\t[ -z \"$out\" ] || printf '%s\\n' \"$out\"\n"
	"\t\tbreak\n"
	"\tdone\n"
	"elif [ -n \"$chain\" ] && out=$(\"$chain\" \"$@\") && [ -n \"$out\" ]; then\n"
	"\tprintf '%s\\n' \"$out\"\n"
	"fi\n";

int ibpolicy_script(const struct plan *p, const char *chain, struct buf *out)
{
	struct arena a = { 0 };
	const char **devs = NULL, **pats = NULL;
	int ndev = 0, npat = 0;
	for (int i = 0; i < p->nirqs; i++) {
		const struct plan_irq *q = &p->irqs[i];
		if (q->kind != PLAN_MOVE)
			continue;
		if (q->bdf && bdf_ok(q->bdf) && !seen(devs, ndev, q->bdf)) {
			devs = arena_grow(&a, devs, (size_t)ndev, sizeof(*devs));
			devs[ndev++] = q->bdf;
		} else if (!q->bdf && q->action && pattern_ok(q->action) && !seen(pats, npat, q->action)) {
			pats = arena_grow(&a, pats, (size_t)npat, sizeof(*pats));
			pats[npat++] = q->action;
		}
	}
	buf_puts(out, script_head);
	buf_puts(out, "chain=");
	/* Words from the plan (text from a file) go in single quotes: never expanded. */
	buf_sh_quote(out, chain ? chain : "");
	buf_puts(out, "\n# Another /proc (tests only).\nproc=${IRQSIGHT_POLICY_PROC:-/proc}\n\n");
	buf_puts(out, "planned() { # DEVPATH IRQ\n"
		      "\tcase $2 in '' | *[!0-9]*) return 1 ;; esac\n"
		      "\tcase $1 in\n"
		      "\t/sys/bus/pci/devices/*)\n");
	if (ndev) {
		buf_puts(out, "\t\tcase ${1##*/} in\n\t\t");
		for (int i = 0; i < ndev; i++) {
			buf_puts(out, i ? " | " : "");
			buf_sh_quote(out, devs[i]);
		}
		buf_puts(out, ") return 0 ;;\n\t\tesac\n");
	}
	buf_puts(out, "\t\treturn 1 ;;\n\tesac\n");
	if (npat) {
		/* Unquoted $p in the case: the plan's fnmatch(3) pattern, never code. */
		buf_puts(out, "\t# An IRQ without a PCI device: its action names are the directories of\n"
			      "\t# /proc/irq/N, matched by the plan's action patterns.\n"
			      "\tfor d in \"$proc/irq/$2\"/*/; do\n"
			      "\t\t[ -d \"$d\" ] || continue\n"
			      "\t\td=${d%/}\n"
			      "\t\tfor p in");
		for (int i = 0; i < npat; i++) {
			buf_putc(out, ' ');
			buf_sh_quote(out, pats[i]);
		}
		buf_puts(out, "; do\n"
			      "\t\t\tcase ${d##*/} in $p) return 0 ;; esac\n"
			      "\t\tdone\n"
			      "\tdone\n");
	}
	buf_puts(out, "\treturn 1\n}\n\n");
	buf_puts(out, script_chain);
	buf_puts(out, "planned \"$1\" \"$2\" && echo ban=true\n"
		      "# 0 always: irqbalance ignores every line of a script that exits otherwise.\n"
		      "exit 0\n");
	arena_free(&a);
	return 0;
}

/* ---------------------------------------------------------------- IRQBALANCE_ARGS */

/* "--policyscript=X", "--policyscript X", "-l X", "-lX", and getopt_long's unambiguous
 * abbreviations ("--pol..."; "--po" is also --powerthresh). 0: not one; 1: X is in the
 * token (*x); 2: X is the next token. */
static int policy_opt(const char *tok, const char **x)
{
	if (!strncmp(tok, "--", 2)) {
		const char *eq = strchr(tok, '=');
		size_t n = eq ? (size_t)(eq - tok - 2) : strlen(tok + 2);
		if (n < 3 || strncmp(tok + 2, "policyscript", n) || n > 12)
			return 0;
		*x = eq ? eq + 1 : NULL;
		return eq ? 1 : 2;
	}
	if (!strncmp(tok, "-l", 2)) {
		*x = tok[2] ? tok + 2 : NULL;
		return tok[2] ? 1 : 2;
	}
	return 0;
}

/* The new value: every other argument kept, in order, then ours. */
static void new_args(const char *val, struct arena *a, struct buf *v, const char **chain)
{
	struct slice s = { val ? val : "", val ? strlen(val) : 0 };
	*chain = NULL;
	for (struct slice t = slice_token(&s); t.n; t = slice_token(&s)) {
		const char *tok = arena_strndup(a, t.p, t.n), *x = NULL;
		int k = policy_opt(tok, &x);
		if (k == 2) {
			struct slice nx = slice_token(&s);
			x = nx.n ? arena_strndup(a, nx.p, nx.n) : NULL;
		}
		if (k) {
			if (x && *x && strcmp(x, "/" PERSIST_IB_POLICY))
				*chain = x;
			continue;
		}
		/* Double-quoted for sh and systemd alike: \ " $ ` escaped. */
		for (const char *c = tok; *c; c++) {
			if (strchr("\\\"$`", *c))
				buf_putc(v, '\\');
			buf_putc(v, *c);
		}
		buf_putc(v, ' ');
	}
	buf_puts(v, "--policyscript=/" PERSIST_IB_POLICY);
}

static const char args_comment[] =
	"# irqsight persist: irqbalance leaves the plan's IRQs to irqsight keep (--policyscript).";

int ibpolicy_args_edit(const char *old, size_t len, struct arena *a, struct buf *out, const char **chain)
{
	struct envfile e;
	parse_envfile(old ? old : "", old ? len : 0, a, &e);
	unsigned at = 0;
	const char *val = NULL;
	for (int i = 0; i < e.nvars; i++)
		if (!strcmp(e.vars[i].key, "IRQBALANCE_ARGS"))
			at = e.vars[i].line_no, val = e.vars[i].val;
	struct buf v = { 0 };
	new_args(val, a, &v, chain);
	struct slice all = { old ? old : "", old ? len : 0 }, line, prev = { "", 0 };
	for (unsigned no = 1; slice_line(&all, &line); no++, prev = line) {
		if (no != at) {
			buf_append(out, line.p, line.n);
			buf_putc(out, '\n');
			continue;
		}
		/* The comment once, when a file edited before (its manifest lost) comes again. */
		if (!slice_eq(prev, args_comment))
			buf_printf(out, "%s\n", args_comment);
		bool exp = slice_starts(slice_trim(line), "export ");
		buf_printf(out, "%sIRQBALANCE_ARGS=\"%s\"\n", exp ? "export " : "", v.data);
	}
	if (!at)
		buf_printf(out, "%s\nIRQBALANCE_ARGS=\"%s\"\n", args_comment, v.data);
	buf_free(&v);
	return 0;
}
