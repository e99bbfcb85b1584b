#include "cmd/cmd.h"

int cmd_check(int argc, char **argv, const struct global_opts *g)
{
	return err("check: not built yet");
}
