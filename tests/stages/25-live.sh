#!/bin/sh
# check/snapshot on this machine, as root and as nobody.
exec tests/live/check.sh
