/*
 * irqsight snapshot DIR: build the model of this host with a recorder on the source
 * layer, and write every path the readers consumed into DIR (same relative paths,
 * same file modes, symlink targets kept), plus the kernel log as DIR/dmesg. So
 * `irqsight --root DIR check` elsewhere sees exactly what it would see here.
 * Nothing else is copied: no process environments or command lines — only the
 * names of processes and threads, and stat/status/cgroup of VM threads.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/host.h"
#include "source/snapshot.h"
#include "source/source.h"
#include "util/buf.h"

static bool dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return true;
	struct dirent *de;
	bool empty = true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

int cmd_snapshot(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: irqsight snapshot DIR\n\n"
			       "Copy what irqsight reads on this host into DIR (a new or empty directory),\n"
			       "including the kernel log as DIR/dmesg, for `irqsight --root DIR check`\n"
			       "elsewhere. No process environments or command lines are copied.\n");
			return EXIT_OK;
		}
		return EXIT_UNKNOWN;
	}
	if (optind + 1 != argc)
		return err("snapshot: give exactly one target directory (irqsight snapshot DIR)");
	const char *dir = argv[optind];
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return err("snapshot: '%s' exists and is not a directory", dir);
		if (!dir_is_empty(dir))
			return err("snapshot: refusing to write into non-empty directory '%s'", dir);
	} else if (mkdir(dir, 0755)) {
		return err("snapshot: cannot create '%s': %s", dir, strerror(errno));
	}
	struct snap s = { 0 };
	int r = src_open(&s.out, dir);
	if (r)
		return err("snapshot: cannot open '%s': %s", dir, strerror(-r));
	s.dirfd = s.out.rootfd;
	struct source *src = cmd_root(g);
	if (!src) {
		src_close(&s.out);
		return EXIT_UNKNOWN;
	}
	snap_start(&s, src, g->json);
	struct host_opts ho = { 0 };
	struct host *h = cmd_host(g, &ho);
	snap_stop(&s, src);	/* s ends with this function; the runner closes src */
	if (!h) {
		src_close(&s.out);
		return EXIT_UNKNOWN;
	}
	struct buf meta = { 0 };
	time_t now = time(NULL);
	char when[64];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	buf_printf(&meta, "irqsight snapshot\nsource: %s\ntaken: %s\nuid: %u%s\nkernel: %s\n",
		   src->is_live ? "live" : src->root, when, (unsigned)geteuid(),
		   geteuid() == 0 ? " (root)" : " (not root: PCI config is 64 bytes, log may be missing)",
		   h->platform.kernel_release ? h->platform.kernel_release : "unknown");
	snap_write_file(&s, "irqsight-snapshot.txt", meta.data, meta.len, 0644);
	buf_free(&meta);
	int unread = h->nunreadable;
	src_close(&s.out);
	if (s.errors)
		return err("snapshot: %d write error(s); first: %s", s.errors, s.first_error);
	fprintf(stderr, "irqsight: snapshot written to %s: %d files (%zu KiB), %d links%s\n", dir, s.files, s.bytes / 1024,
		s.links, unread ? "; some facts were unreadable (see the report's 'unreadable')" : "");
	fprintf(stderr, "analyse it anywhere with: irqsight --root %s check\n", dir);
	return EXIT_OK;
}
