/* The state `irqsight keep` leaves for check, export and serve (parse/keepstate.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/build.h"
#include "parse/keepstate.h"
#include "parse/planfile.h"
#include "util/arena.h"

void build_keep(struct host *h, const struct source *src)
{
	/* keep writes STATE/keep.state: /var/lib/irqsight on a host and in its snapshot; on
	 * the live root, the state directory $IRQSIGHT_STATE_DIR names when set (as keep,
	 * apply and rollback use it). */
	const char *dir = h->is_live ? getenv("IRQSIGHT_STATE_DIR") : NULL;
	const char *path = dir && dir[0] == '/' ? arena_printf(&h->arena, "%s/keep.state", dir + 1)
						: "var/lib/irqsight/keep.state";
	struct buf b = { 0 };
	int r = src_read(src, path, &b, PF_MAX_BYTES);
	if (r == -ENOENT || r == -ENOTDIR) {
		buf_free(&b);
		return;
	}
	const char *why = NULL;
	if (r)
		host_note_unreadable(h, path, r, "what irqsight keep holds is unknown");
	else if (keepstate_parse(b.data ? b.data : "", b.len, &h->arena, &h->keep, &why))
		host_note_missing(h, path, why, "what irqsight keep holds is unknown");
	else
		h->keep_state_path = path;
	buf_free(&b);
	h->keep_running = TRI_UNKNOWN;
	if (!h->keep_state_path || h->keep.pid <= 0)
		return;
	/* A state left by a keep that stopped says what was, not what is. */
	struct buf c = { 0 };
	r = src_readf(src, &c, 64, "proc/%d/comm", h->keep.pid);
	if (!r)
		h->keep_running = c.len >= 8 && !memcmp(c.data, "irqsight", 8) ? TRI_YES : TRI_NO;
	else if (r == -ENOENT)
		h->keep_running = TRI_NO;
	buf_free(&c);
}
