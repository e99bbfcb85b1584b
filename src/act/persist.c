#include "act/persist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/allow.h"
#include "act/ibpolicy.h"
#include "act/journal.h"
#include "parse/planfile.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"
#include "util/str.h"

/*
 * systemd reads ExecStart= as words with specifiers (%h, %i, ...) and $VARIABLES
 * expanded, and a newline ends the setting: a binary path with a newline would add lines
 * of its choosing to a unit that runs as root at every boot. So: control characters,
 * quotes, backslash and '$' are refused; '%' is doubled; a path with blanks is
 * double-quoted (systemd.syntax(7)).
 */
int persist_binary_ok(const char *binary)
{
	if (!binary || binary[0] != '/')
		return -EINVAL;
	for (const unsigned char *c = (const unsigned char *)binary; *c; c++)
		if (*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\'' || *c == '\\' || *c == '$')
			return -EINVAL;
	return 0;
}

/* ExecStart=BINARY ARGS, the path quoted and '%' doubled (see persist_binary_ok). */
static void exec_start(struct buf *b, const char *binary, const char *args)
{
	bool blank = strchr(binary, ' ') != NULL;
	buf_puts(b, blank ? "ExecStart=\"" : "ExecStart=");
	for (const char *c = binary; *c; c++)
		*c == '%' ? buf_puts(b, "%%") : buf_putc(b, *c);
	buf_printf(b, "%s %s\n", blank ? "\"" : "", args);
}

static const char unit_after[] =
	"# IRQs exist once drivers have probed (udev coldplug); irqbalance must have read its\n"
	"# banned CPU list first, or it moves the IRQs back.\n"
	"After=systemd-udev-trigger.service systemd-udev-settle.service systemd-modules-load.service "
	"irqbalance.service\n"
	"ConditionPathExists=/" PERSIST_PLAN "\n";

int persist_unit_text(const char *binary, struct buf *b)
{
	if (persist_binary_ok(binary))
		return -EINVAL;
	buf_puts(b, "# Installed by `irqsight persist`; remove with `irqsight persist --remove`.\n"
		    "[Unit]\n"
		    "Description=Apply the irqsight interrupt affinity plan\n"
		    "# Documentation: irqsight(8), docs/plan.md (no man: link, so `systemd-analyze verify`\n"
		    "# passes where the man page is not installed).\n");
	buf_puts(b, unit_after);
	buf_puts(b, "\n"
		    "[Service]\n"
		    "Type=oneshot\n"
		    "RemainAfterExit=yes\n");
	exec_start(b, binary, "apply --yes --boot /" PERSIST_PLAN);
	return buf_puts(b, "\n[Install]\nWantedBy=multi-user.target\n");
}

int persist_keep_unit_text(const char *binary, bool notify, struct buf *b)
{
	if (persist_binary_ok(binary))
		return -EINVAL;
	buf_puts(b, "# Installed by `irqsight persist`; remove with `irqsight persist --remove`.\n"
		    "[Unit]\n"
		    "Description=Hold the irqsight interrupt affinity plan in force\n"
		    "# Documentation: irqsight(8), docs/keep.md (no man: link, so `systemd-analyze verify`\n"
		    "# passes where the man page is not installed).\n");
	buf_puts(b, unit_after);
	buf_puts(b, "\n[Service]\n");
	/* A build without libsystemd cannot say READY=1: systemd would wait for it. */
	buf_puts(b, notify ? "Type=notify\nNotifyAccess=main\n# keep pings every WatchdogSec/2; a loop stuck for "
			     "longer is restarted.\nWatchdogSec=30\n"
			   : "# Built without libsystemd: no readiness or watchdog notification.\nType=simple\n");
	exec_start(b, binary, "keep /" PERSIST_PLAN);
	buf_puts(b, "# SIGHUP: re-read the plan. SIGTERM (stop) leaves the plan in force.\n"
		    "ExecReload=/bin/kill -HUP $MAINPID\n"
		    "Restart=on-failure\n"
		    "RestartSec=5\n"
		    "# 3: the plan cannot be used here (another host, unreadable): a restart will not help.\n"
		    "RestartPreventExitStatus=3\n");
	return buf_puts(b, "\n[Install]\nWantedBy=multi-user.target\n");
}

static bool assigns(struct slice line, const char *key)
{
	line = slice_trim(line);
	if (slice_starts(line, "export ")) {
		line.p += 7;
		line.n -= 7;
		line = slice_trim(line);
	}
	size_t k = strlen(key);
	return line.n > k && !memcmp(line.p, key, k) && (line.p[k] == '=' || line.p[k] == ' ');
}

int persist_irqbalance_edit(const char *old, size_t len, const char *banned, struct buf *out)
{
	struct slice all = { old ? old : "", old ? len : 0 }, line;
	bool done = false;
	while (slice_line(&all, &line)) {
		if (assigns(line, "IRQBALANCE_BANNED_CPULIST")) {
			if (!done)
				buf_printf(out, "IRQBALANCE_BANNED_CPULIST=%s\n", banned);
			done = true;
			continue;
		}
		if (assigns(line, "IRQBALANCE_BANNED_CPUS")) {
			buf_puts(out, "# irqsight: disabled, it would override IRQBALANCE_BANNED_CPULIST:\n#");
		}
		buf_append(out, line.p, line.n);
		buf_putc(out, '\n');
	}
	if (!done)
		buf_printf(out, "# irqsight persist: CPUs irqbalance must not use (VM CPUs, isolated, nohz_full).\n"
				"IRQBALANCE_BANNED_CPULIST=%s\n", banned);
	return 0;
}

/* ---------------------------------------------------------------- files */

static char *under(struct arena *a, const char *dest, const char *rel)
{
	size_t n = strlen(dest);
	while (n > 1 && dest[n - 1] == '/')
		n--;
	if (n == 1 && dest[0] == '/')
		return arena_printf(a, "/%s", rel);
	return arena_printf(a, "%.*s/%s", (int)n, dest, rel);
}

static int mkdirs_for(const char *path)
{
	char tmp[4096];
	str_copy(tmp, path, sizeof(tmp));
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char tmp[4096];
	str_copy(tmp, path, sizeof(tmp));
	char *s = strrchr(tmp, '/');
	if (!s)
		return 0;
	*(s == tmp ? s + 1 : s) = '\0';
	int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) ? -errno : 0;
	close(fd);
	return r;
}

/* Write a file durably and atomically (temp file + fsync + rename + fsync dir). */
static int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int r = mkdirs_for(path);
	if (r)
		return r;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.irqsight-tmp", path);
	/* A fresh file: a leftover temporary, or a link planted under that name, is
	 * removed, never written through. */
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (len && !r) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno != EINTR)
			r = -errno;
		else if (w > 0)
			data += w, len -= (size_t)w;
	}
	if (!r && fsync(fd))
		r = -errno;
	close(fd);
	if (!r && rename(tmp, path))
		r = -errno;
	if (r)
		unlink(tmp);
	return r ? r : fsync_dir_of(path);
}

/* Whole or refused (-EFBIG), never cut. */
static int read_file(const char *path, struct buf *b)
{
	return buf_read_file(b, path, PF_MAX_BYTES);
}

struct manifest {
	int fd;
	const char *path;
};

static int manifest_line(struct manifest *m, const char *kind, const char *path, const char *key, const char *val)
{
	struct buf b = { 0 };
	buf_puts(&b, kind);
	pf_put(&b, "path", path);
	if (key)
		pf_put(&b, key, val);
	buf_putc(&b, '\n');
	int r = write(m->fd, b.data, b.len) == (ssize_t)b.len ? 0 : -EIO;
	if (!r && fsync(m->fd))
		r = -errno;
	buf_free(&b);
	return r;
}

/*
 * Under a --dest prefix (an image, a copy tree) a symbolic link at any component of a
 * file persist writes, reads or removes would take it outside DEST (etc/systemd -> /etc/
 * systemd wrote the unit into this host's /etc; etc/default/irqbalance -> /etc/shadow
 * was backed up and restored 0644 inside DEST). -ELOOP with *why naming the link; the
 * live root (DEST "/", root's own /etc) is not checked.
 */
static int no_links(const char *dest, const char *rel, struct arena *a, const char **why)
{
	if (!strcmp(dest, "/"))
		return 0;
	char tmp[4096];
	str_copy(tmp, rel, sizeof(tmp));
	for (char *p = tmp;; p++) {
		bool last = !*p;
		if (*p && *p != '/')
			continue;
		*p = '\0';
		struct stat st;
		const char *full = under(a, dest, tmp);
		if (!lstat(full, &st) && S_ISLNK(st.st_mode)) {
			*why = arena_printf(a, "'%s' is a symbolic link: persist --dest writes nothing through a link", full);
			return -ELOOP;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

static const char *irqbalance_file(const char *dest, struct arena *a)
{
	struct stat st;
	const char *deb = under(a, dest, "etc/default/irqbalance");
	const char *rh = under(a, dest, "etc/sysconfig/irqbalance");
	if (!stat(deb, &st))
		return "etc/default/irqbalance";
	if (!stat(rh, &st))
		return "etc/sysconfig/irqbalance";
	if (!stat(under(a, dest, "etc/sysconfig"), &st) && stat(under(a, dest, "etc/default"), &st))
		return "etc/sysconfig/irqbalance";
	return "etc/default/irqbalance";
}

/*
 * irqbalance's environment file (backed up and recorded first, then edited): the
 * banned CPUs, and --policyscript in IRQBALANCE_ARGS naming the script that bans the
 * plan's IRQs (act/ibpolicy.h), written before the file that names it.
 */
static int install_irqbalance(const struct persist_opts *o, struct arena *a, struct manifest *m, const char *pdir,
			      struct persist_result *r, const char **why)
{
	struct buf old = { 0 }, cfg = { 0 }, cfg2 = { 0 }, script = { 0 };
	const char *rel = irqbalance_file(o->dest, a), *chain = NULL;
	int e = 0;
	r->irqbalance_path = under(a, o->dest, rel);
	r->policy_path = under(a, o->dest, PERSIST_IB_POLICY);
	int rd = read_file(r->irqbalance_path, &old);
	if (rd && rd != -ENOENT) {
		*why = arena_printf(a, "cannot read '%s'", r->irqbalance_path);
		e = rd;
		goto out;
	}
	if (!rd) {
		const char *bk = arena_printf(a, "%s/irqbalance.orig", pdir);
		if ((e = write_file(bk, old.data, old.len, 0600)) ||
		    (e = manifest_line(m, "replaced", rel, "backup", "irqbalance.orig"))) {
			*why = arena_printf(a, "cannot back up '%s'", r->irqbalance_path);
			goto out;
		}
	} else if ((e = manifest_line(m, "created", rel, NULL, NULL))) {
		goto out;
	}
	struct buf lb = { 0 };
	cpuset_format_list(o->banned, &lb);
	r->banned = arena_strdup(a, lb.data ? lb.data : "");
	buf_free(&lb);
	persist_irqbalance_edit(old.data, old.len, r->banned, &cfg);
	ibpolicy_args_edit(cfg.data, cfg.len, a, &cfg2, &chain);
	r->policy_chain = chain;
	ibpolicy_script(o->plan, chain, &script);
	if ((e = manifest_line(m, "created", PERSIST_IB_POLICY, NULL, NULL)) ||
	    (e = write_file(r->policy_path, script.data, script.len, 0755))) {
		*why = arena_printf(a, "cannot write '%s'", r->policy_path);
		goto out;
	}
	if ((e = write_file(r->irqbalance_path, cfg2.data, cfg2.len, 0644)))
		*why = arena_printf(a, "cannot write '%s'", r->irqbalance_path);
out:
	buf_free(&old);
	buf_free(&cfg);
	buf_free(&cfg2);
	buf_free(&script);
	return e;
}

int persist_install(const struct persist_opts *o, struct arena *a, struct persist_result *r, const char **why)
{
	memset(r, 0, sizeof(*r));
	if (persist_binary_ok(o->binary)) {
		*why = arena_printf(a, "binary path '%s' cannot go into ExecStart= (not absolute, or a control "
				       "character, quote, backslash or '$'); give --binary PATH", o->binary);
		return -EINVAL;
	}
	const char *pdir = arena_printf(a, "%s/persist", o->state_dir);
	const char *mpath = arena_printf(a, "%s/manifest.txt", pdir);
	struct stat st;
	int e = journal_dir_check(o->state_dir, why);
	if (e)
		return e;
	static const char *const targets[] = {
		PERSIST_PLAN,
		"etc/systemd/system/" PERSIST_UNIT,
		"etc/systemd/system/multi-user.target.wants/" PERSIST_UNIT,
		"etc/default/irqbalance",
		"etc/sysconfig/irqbalance",
		"etc/systemd/system/" PERSIST_KEEP_UNIT,
		PERSIST_IB_POLICY,
	};
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if ((e = no_links(o->dest, i == 2 ? "etc/systemd/system/multi-user.target.wants" : targets[i], a, why)))
			return e;
	if (!stat(mpath, &st)) {
		/* Installed before: undo that first, so backups keep the original files. */
		struct persist_result rr;
		if ((e = persist_remove(o->dest, o->state_dir, a, &rr, why)))
			return e;
	}
	/* The manifest and the backups of /etc files: 0700, like the journals. */
	e = mkdirs_for(pdir);
	if (e || (mkdir(pdir, 0700) && errno != EEXIST)) {
		*why = arena_printf(a, "cannot create '%s'", pdir);
		return e ? e : -errno;
	}
	struct manifest m = { open(mpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), mpath };
	if (m.fd < 0) {
		*why = arena_printf(a, "cannot create '%s'", mpath);
		return -errno;
	}
	if (write(m.fd, "irqsight-persist 1\n", 19) != 19 || fsync(m.fd) || fsync_dir_of(mpath)) {
		close(m.fd);
		*why = arena_printf(a, "cannot write '%s'", mpath);
		return -EIO;
	}
	const char *name = o->keep ? PERSIST_KEEP_UNIT : PERSIST_UNIT;
	const char *rel_unit = arena_printf(a, "etc/systemd/system/%s", name);
	const char *rel_link = arena_printf(a, "etc/systemd/system/multi-user.target.wants/%s", name);
	struct buf unit = { 0 };
	if (o->keep)
		persist_keep_unit_text(o->binary, o->notify, &unit);
	else
		persist_unit_text(o->binary, &unit);
	r->unit_path = under(a, o->dest, rel_unit);
	r->plan_path = under(a, o->dest, PERSIST_PLAN);
	const char *link = under(a, o->dest, rel_link);
	/* Plan and unit are ours: recorded as created, removed by --remove. */
	if ((e = manifest_line(&m, "created", PERSIST_PLAN, NULL, NULL)) ||
	    (e = write_file(r->plan_path, o->plan_text, o->plan_len, 0644))) {
		*why = arena_printf(a, "cannot write '%s'", r->plan_path);
		goto out;
	}
	if ((e = manifest_line(&m, "created", rel_unit, NULL, NULL)) ||
	    (e = write_file(r->unit_path, unit.data, unit.len, 0644))) {
		*why = arena_printf(a, "cannot write '%s'", r->unit_path);
		goto out;
	}
	/* What `systemctl enable` does: a symlink in the target's .wants directory. */
	if ((e = manifest_line(&m, "created", rel_link, NULL, NULL)) || (e = mkdirs_for(link))) {
		*why = arena_printf(a, "cannot create '%s'", link);
		goto out;
	}
	unlink(link);
	if (symlink(arena_printf(a, "../%s", name), link)) {
		e = -errno;
		*why = arena_printf(a, "cannot create '%s'", link);
		goto out;
	}
	fsync_dir_of(link);
	if (o->banned && (e = install_irqbalance(o, a, &m, pdir, r, why)))
		goto out;
out:
	close(m.fd);
	buf_free(&unit);
	return e;
}

int persist_remove(const char *dest, const char *state_dir, struct arena *a, struct persist_result *r,
		   const char **why)
{
	memset(r, 0, sizeof(*r));
	const char *pdir = arena_printf(a, "%s/persist", state_dir);
	const char *mpath = arena_printf(a, "%s/manifest.txt", pdir);
	struct buf b = { 0 };
	int e = journal_dir_check(state_dir, why);
	if (e)
		return e;
	e = read_file(mpath, &b);
	if (e) {
		*why = e == -ENOENT ? "nothing is installed (no persist manifest)" : arena_printf(a, "cannot read '%s'", mpath);
		buf_free(&b);
		return e;
	}
	struct pf_line *l;
	int n;
	unsigned bad;
	/* A torn last line is ignored: that file was not touched yet. */
	size_t whole = b.len;
	while (whole && b.data[whole - 1] != '\n')
		whole--;
	if (pf_parse_lines(b.data, whole, a, &l, &n, &bad) || !n || strcmp(l[0].keyword, "irqsight-persist")) {
		*why = arena_printf(a, "'%s' is not an irqsight persist manifest", mpath);
		buf_free(&b);
		return -EINVAL;
	}
	/* Every line checked before any file is touched: persist removes or restores only
	 * the files it installs (act/allow.h), whatever the manifest says. */
	for (int i = 1; i < n; i++) {
		const char *rel = pf_get(&l[i], "path");
		bool known = !strcmp(l[i].keyword, "created") || !strcmp(l[i].keyword, "replaced");
		if (!known || !act_persist_allowed(rel)) {
			*why = arena_printf(a, "'%s' line %u: %s; nothing was changed", mpath, l[i].line_no,
					    !known ? "unknown keyword" : "not a file persist installs");
			buf_free(&b);
			return -EINVAL;
		}
		/* The .wants entry is itself a link (ours): only the directories above it count. */
		bool wants = !strcmp(rel, "etc/systemd/system/multi-user.target.wants/" PERSIST_UNIT) ||
			     !strcmp(rel, "etc/systemd/system/multi-user.target.wants/" PERSIST_KEEP_UNIT);
		if ((e = no_links(dest, wants ? "etc/systemd/system/multi-user.target.wants" : rel, a, why))) {
			buf_free(&b);
			return e;
		}
	}
	int failed = 0;
	for (int i = n - 1; i >= 1; i--) {
		const char *rel = pf_get(&l[i], "path");
		const char *path = under(a, dest, rel);
		if (!strcmp(l[i].keyword, "created")) {
			if (!unlink(path))
				r->removed++;
			else if (errno != ENOENT)
				failed++;
		} else if (!strcmp(l[i].keyword, "replaced")) {
			const char *bk = pf_get(&l[i], "backup");
			struct buf ob = { 0 };
			if (!bk || strchr(bk, '/') || read_file(arena_printf(a, "%s/%s", pdir, bk), &ob) ||
			    write_file(path, ob.data, ob.len, 0644))
				failed++;
			else
				r->restored++;
			buf_free(&ob);
			if (!strcmp(rel, "etc/default/irqbalance") || !strcmp(rel, "etc/sysconfig/irqbalance"))
				r->irqbalance_path = path;
		}
	}
	buf_free(&b);
	if (failed) {
		*why = arena_printf(a, "%d file(s) could not be restored; the manifest '%s' is kept", failed, mpath);
		return -EIO;
	}
	unlink(arena_printf(a, "%s/irqbalance.orig", pdir));
	unlink(mpath);
	rmdir(pdir);
	rmdir(under(a, dest, "etc/irqsight"));
	return 0;
}
