#!/bin/sh
# Unit tests of parsers, utilities and rules.
exec ./build/unit-tests
