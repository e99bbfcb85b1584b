/* The write watcher (source/fanotify.h) on a temp file: a child process writes it and
 * its pid comes back with the mark's key; the caller's own writes and an unmarked file
 * are not reported. Skipped where fanotify is refused (no CAP_SYS_ADMIN). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "source/fanotify.h"
#include "t.h"

/* A child that writes text to path and exits; its pid. */
static int child_writes(const char *path, const char *text)
{
	pid_t p = fork();
	if (p == 0) {
		int fd = open(path, O_WRONLY | O_TRUNC);
		_exit(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : 1);
	}
	int st = 0;
	if (p > 0)
		waitpid(p, &st, 0);
	CHECK(p > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return (int)p;
}

/* Events within 1 s (a write's events are queued before write() returns: no wait needed). */
static int drain(struct fanwatch *w, struct fw_event *ev, int max)
{
	struct pollfd pf = { w->fd, POLLIN, 0 };
	poll(&pf, 1, 0);
	return fw_read(w, (int)getpid(), ev, max);
}

TEST(fanotify_names_the_writer)
{
	struct fanwatch w;
	int r = fw_open(&w);
	if (r == -EPERM || r == -ENOSYS || r == -EINVAL) {
		fprintf(stderr, "skip fanotify_names_the_writer: fanotify: %s\n", strerror(-r));
		fw_close(&w);
		return;
	}
	CHECK_INT(r, 0);
	char dir[] = "/tmp/irqsight-fw.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char a[64], b[64];
	snprintf(a, sizeof(a), "%s/smp_affinity_list", dir);
	snprintf(b, sizeof(b), "%s/other", dir);
	t_write(a, "0\n");
	t_write(b, "0\n");
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
	CHECK(fa >= 0 && fb >= 0);
	CHECK_INT(fw_mark(&w, fa, 7), 0);
	CHECK_INT(w.nmarks, 1);
	struct fw_event ev[8];

	/* Our own write: skipped. The other file, unmarked: not reported. */
	t_write(a, "1\n");
	child_writes(b, "1\n");
	CHECK_INT(drain(&w, ev, 8), 0);

	int pid = child_writes(a, "2\n");
	int n = drain(&w, ev, 8);
	CHECK_INT(n, 1);
	CHECK_INT(n > 0 ? ev[0].key : -9, 7);
	CHECK_INT(n > 0 ? ev[0].pid : -9, pid);

	/* Marked again under another key (keep's items re-resolved), then unmarked. */
	CHECK_INT(fw_mark(&w, fa, 9), 0);
	CHECK_INT(w.nmarks, 1);
	pid = child_writes(a, "3\n");
	n = drain(&w, ev, 8);
	CHECK(n == 1 && ev[0].key == 9 && ev[0].pid == pid);
	CHECK_INT(fw_unmark(&w, fa), 0);
	CHECK_INT(w.nmarks, 0);
	child_writes(a, "4\n");
	CHECK_INT(drain(&w, ev, 8), 0);

	/* Many marks: the table grows and still finds each file. */
	enum { N = 300 };
	int fds[N];
	for (int i = 0; i < N; i++) {
		char p[96];
		snprintf(p, sizeof(p), "%s/f%d", dir, i);
		t_write(p, "0\n");
		fds[i] = open(p, O_RDONLY);
		CHECK_INT(fw_mark(&w, fds[i], 1000 + i), 0);
	}
	char p[96];
	snprintf(p, sizeof(p), "%s/f%d", dir, 123);
	pid = child_writes(p, "5\n");
	n = drain(&w, ev, 8);
	CHECK(n == 1 && ev[0].key == 1123 && ev[0].pid == pid);
	for (int i = 0; i < N; i++) {
		snprintf(p, sizeof(p), "%s/f%d", dir, i);
		unlink(p);
		close(fds[i]);
	}
	fw_close(&w);
	CHECK_INT(w.fd, -1);
	close(fa);
	close(fb);
	unlink(a);
	unlink(b);
	rmdir(dir);
}

/* The writer named by its pid: comm and command line while it runs, -ENOENT once reaped. */
TEST(fanotify_task_names)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t c = fork();
	if (c == 0) {
		close(p[1]);
		dup2(p[0], 0);	/* sh reads the pipe: it runs until the test closes it */
		execlp("sh", "sh", "-c", "read x", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	/* until the exec has happened (comm becomes "sh") */
	char comm[64] = "", cmd[96] = "";
	for (int i = 0; i < 200 && strcmp(comm, "sh"); i++) {
		fw_task((int)c, comm, sizeof(comm), cmd, sizeof(cmd));
		usleep(5000);
	}
	CHECK_INT(fw_task((int)c, comm, sizeof(comm), cmd, sizeof(cmd)), 0);
	CHECK_STR(comm, "sh");
	CHECK_STR(cmd, "sh -c read x");
	close(p[1]);	/* EOF: read returns, sh exits */
	int st;
	waitpid(c, &st, 0);
	CHECK_INT(fw_task((int)c, comm, sizeof(comm), cmd, sizeof(cmd)), -ENOENT);
	CHECK_INT(fw_task(0, comm, sizeof(comm), cmd, sizeof(cmd)), -EINVAL);
}
