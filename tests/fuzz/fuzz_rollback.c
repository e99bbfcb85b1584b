/*
 * Rollback's replay (journal_parse -> act_restore_ops -> act_run, as `irqsight rollback`
 * does) on a scratch tree: the input is a journal whose header this harness supplies
 * (its root is always the scratch tree, whatever the input says: a fuzzed root= must
 * never reach this host's /proc), unless the input brings its own "irqsight-journal"
 * line, which is then parsed as it is and still replayed on the scratch tree.
 * Promises: nothing outside the allow-list is ever written (a sentinel etc/shadow, a
 * file beside the tree, and the file a planted symlink points at keep their bytes),
 * no file is created, every allowed file holds a value that parses as a CPU set of
 * its kind. The tree is reset after every input.
 */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/allow.h"
#include "act/apply.h"
#include "act/journal.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

static char top[64], root[96];

struct file {
	const char *path, *value;
};
/* The allow-listed files of the scratch tree and their values; then what must never change. */
static const struct file files[] = {
	{ "proc/irq/0/smp_affinity", "3" },
	{ "proc/irq/0/smp_affinity_list", "0-1" },
	{ "proc/irq/1/smp_affinity", "1" },
	{ "proc/irq/1/smp_affinity_list", "0" },
	{ "proc/irq/41/smp_affinity_list", "0-3" },
	{ "proc/irq/default_smp_affinity", "f" },
	{ "sys/class/net/eth0/queues/rx-0/rps_cpus", "e" },
	{ "sys/class/net/eth0/queues/tx-0/xps_cpus", "0" },
};
static const struct file sentinels[] = {
	{ "etc/shadow", "root:secret" },
	{ "proc/irq/2/target", "untouched" },
	{ "sys/class/net/eth0/queues/rx-0/rps_flow_cnt", "0" },
};

static void put(const char *rel, const char *v)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, v, strlen(v)) == (ssize_t)strlen(v) && write(fd, "\n", 1) == 1);
	close(fd);
}

static bool holds(const char *path, const char *v)
{
	struct buf b = { 0 };
	bool ok = buf_read_file(&b, path, 4096) == 0 && b.len == strlen(v) + 1 && !memcmp(b.data, v, b.len - 1);
	buf_free(&b);
	return ok;
}

static void mkdirs(const char *rel)
{
	char p[256];
	int n = snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (int i = (int)strlen(root) + 1; i <= n; i++) {
		if (p[i] == '/' || !p[i]) {
			char c = p[i];
			p[i] = '\0';
			mkdir(p, 0755);
			p[i] = c;
		}
	}
}

static void setup(void)
{
	if (top[0])
		return;
	snprintf(top, sizeof(top), "/tmp/fuzz-rollback.XXXXXX");
	FUZZ_CHECK(mkdtemp(top));
	snprintf(root, sizeof(root), "%s/root", top);
	mkdir(root, 0755);
	mkdirs("proc/irq/0");
	mkdirs("proc/irq/1");
	mkdirs("proc/irq/2");
	mkdirs("proc/irq/41");
	mkdirs("proc/irq/5");
	mkdirs("etc");
	mkdirs("sys/class/net/eth0/queues/rx-0");
	mkdirs("sys/class/net/eth0/queues/tx-0");
	/* Links a journal could try to write through: at the last component, and as an
	 * interface name leading out of sys/class/net. */
	char p[256];
	snprintf(p, sizeof(p), "%s/proc/irq/5/smp_affinity_list", root);
	FUZZ_CHECK(!symlink("../2/target", p));
	snprintf(p, sizeof(p), "%s/proc/irq/5/smp_affinity", root);
	FUZZ_CHECK(!symlink("/etc/shadow", p));
	snprintf(p, sizeof(p), "%s/sys/class/net/evil", root);
	FUZZ_CHECK(!symlink("../../../etc", p));
	/* Beside the tree: ../outside from the root. */
	snprintf(p, sizeof(p), "%s/outside", top);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FUZZ_CHECK(fd >= 0 && write(fd, "outside\n", 8) == 8);
	close(fd);
}

static void reset(void)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put(files[i].path, files[i].value);
	for (size_t i = 0; i < sizeof(sentinels) / sizeof(sentinels[0]); i++)
		put(sentinels[i].path, sentinels[i].value);
}

static int count_entries(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		if (e->d_type == DT_DIR) {
			char p[512];
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			n += count_entries(p);
		}
	}
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	reset();
	static int entries;
	if (!entries)
		entries = count_entries(top);
	struct buf j = { 0 };
	if (!(size >= 16 && !memcmp(data, "irqsight-journal", 16)))
		buf_printf(&j, "irqsight-journal 1\nstarted time=x pid=1 command=apply root=%s\n", root);
	buf_append(&j, data, size);
	struct arena a = { 0 };
	struct journal_data jd;
	const char *err = NULL;
	if (journal_parse(j.data, j.len, &a, &jd, &err) == 0) {
		struct source src;
		FUZZ_CHECK(src_open(&src, root) == 0);	/* never jd.root */
		struct act_list ops;
		FUZZ_CHECK(act_restore_ops(&jd, &a, &ops) == 0);
		struct act_opts ao = { 0 };
		int r = act_run(&src, &ops, &ao, NULL, &a);
		FUZZ_CHECK(r == 0 || (r == -EPERM && ops.refused >= 0 && ops.refused < ops.n && ops.refused_why));
		for (int i = 0; i < ops.n; i++) {
			const struct act_op *op = &ops.v[i];
			const char *why;
			FUZZ_CHECK(op->path && act_allow_path(op->path, &why) == 0);
			fuzz_touch(op->why);
		}
		src_close(&src);
	}
	char p[256];
	for (size_t i = 0; i < sizeof(sentinels) / sizeof(sentinels[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, sentinels[i].path);
		FUZZ_CHECK(holds(p, sentinels[i].value));
	}
	snprintf(p, sizeof(p), "%s/outside", top);
	FUZZ_CHECK(holds(p, "outside"));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct buf b = { 0 };
		struct cpuset s;
		snprintf(p, sizeof(p), "%s/%s", root, files[i].path);
		FUZZ_CHECK(buf_read_file(&b, p, 4096) == 0);
		size_t n = b.len && b.data[b.len - 1] == '\n' ? b.len - 1 : b.len;
		bool list = strstr(files[i].path, "_list") != NULL;
		FUZZ_CHECK((list ? cpuset_parse_list(&s, &a, b.data, n) : cpuset_parse_mask(&s, &a, b.data, n)) == 0);
		buf_free(&b);
	}
	FUZZ_CHECK(count_entries(top) == entries);
	arena_free(&a);
	buf_free(&j);
	return 0;
}
