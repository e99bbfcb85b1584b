#include "cmd/cmd.h"

int cmd_snapshot(int argc, char **argv, const struct global_opts *g)
{
	return err("snapshot: not built yet");
}
