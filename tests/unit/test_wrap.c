/* render_wrap / render_wrap_command: what an operator reads and pastes fits 80 columns. */
#include "t.h"

#include <stdlib.h>

#include "render/render.h"
#include "util/buf.h"

/* Widest line of s, in characters, the first one starting at column col (later
 * lines carry their indent in s). */
static int widest(const char *s, int col)
{
	int w = 0;
	while (*s) {
		size_t n = strcspn(s, "\n");
		int c = col + render_cols(s, n);
		if (c > w)
			w = c;
		col = 0;
		s += n + (s[n] == '\n');
	}
	return w;
}

TEST(wrap_counts_characters_not_bytes)
{
	CHECK_INT(render_cols("a→b…", strlen("a→b…")), 4);
	struct buf b = { 0 };
	/* 30 two-column words with arrows: a byte count would wrap early, never late */
	render_wrap(&b, "irq 41: eth0 → CPU 3 — and → more → words → here → to → fill → the → line", 6, 8, 40);
	CHECK(widest(b.data, 6) <= 40);
	buf_free(&b);
}

TEST(wrap_cuts_a_word_wider_than_a_line_at_a_separator)
{
	struct buf b = { 0 };
	render_wrap(&b, "systemd.cpu_affinity=0,1,2,3,4,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27", 23, 23, 60);
	CHECK(widest(b.data, 23) <= 60);
	/* cut after a comma: no CPU number is split */
	CHECK(strstr(b.data, ",\n") != NULL);
	buf_free(&b);
}

TEST(wrap_command_breaks_outside_quotes_with_backslash)
{
	struct buf b = { 0 };
	render_wrap_command(&b,
			    "sed -i -E -e '/^GRUB_CMDLINE_LINUX=/s/\"$/ isolcpus=managed_irq,domain,4-7\"/' "
			    "-e '/^GRUB_CMDLINE_LINUX=/s/\"$/ irqaffinity=0-3\"/' /etc/default/grub",
			    6, 8, 80);
	CHECK(widest(b.data, 6) <= 80);
	/* every broken line ends with " \", and the quoted expressions are whole */
	CHECK(strstr(b.data, " \\\n") != NULL);
	CHECK(strstr(b.data, "-e '/^GRUB_CMDLINE_LINUX=/s/\"$/ irqaffinity=0-3\"/'") != NULL);
	CHECK(strstr(b.data, "-e \\\n") == NULL);	/* an option stays with its argument */
	buf_free(&b);
}

TEST(wrap_command_keeps_a_short_line_as_written)
{
	struct buf b = { 0 };
	render_wrap_command(&b, "modinfo e1000e | grep -i msi   # the driver's MSI options", 6, 8, 80);
	CHECK_STR(b.data, "modinfo e1000e | grep -i msi   # the driver's MSI options\n");
	buf_free(&b);
}
