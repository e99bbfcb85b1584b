#!/bin/sh
# Golden tests: `check` on every fixture host under tests/hosts/ vs its expected output.
# IRQSIGHT (default ./irqsight) may name another build, e.g. the sanitizer one.
exec tests/golden.sh
