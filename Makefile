# irqsight — plain Makefile. `make` builds ./irqsight, `make check` runs every test,
# `make static` builds one static binary (libc only) for any x86-64 host or an initramfs.
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wvla -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Isrc
ALL_CFLAGS = -std=c17 $(WARN) $(CPPFLAGS) $(CFLAGS)
LDLIBS  ?= -lm -lpthread
BUILD   ?= build

# Optional parts with their own libraries live in src/opt/<pkg-config name>/ and are
# built only when that package is installed; commands reach them through weak symbols
# and say "not available in this build" otherwise. The libc-only core (check, snapshot,
# plan, ...) never depends on them, and `make static` leaves them all out.
OPT_PKGS := $(notdir $(wildcard src/opt/*))
OPT_PKGS := $(filter-out %.h,$(OPT_PKGS))
HAVE_PKGS := $(foreach p,$(OPT_PKGS),$(if $(shell pkg-config --exists $(p) 2>/dev/null && echo y),$(p)))
OPT_SRC := $(foreach p,$(HAVE_PKGS),$(wildcard src/opt/$(p)/*.c))
ALL_OPT_SRC := $(shell find src/opt -name '*.c' 2>/dev/null)
CORE_SRC := $(filter-out src/main.c $(ALL_OPT_SRC),$(shell find src -name '*.c' | LC_ALL=C sort))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
OPT_OBJ  := $(OPT_SRC:%.c=$(BUILD)/%.o)
OPT_CFLAGS = $(if $(HAVE_PKGS),$(shell pkg-config --cflags $(HAVE_PKGS)))
OPT_LIBS   = $(if $(HAVE_PKGS),$(shell pkg-config --libs $(HAVE_PKGS)))

UNIT_SRC := $(shell find tests/unit -name '*.c' | LC_ALL=C sort)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

.PHONY: all static check unit golden live fuzz sanitize lab bench clean install
all: irqsight

irqsight: $(BUILD)/src/main.o $(CORE_OBJ) $(OPT_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(OPT_LIBS) $(LDLIBS)

$(BUILD)/src/opt/%.o: src/opt/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(OPT_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# One static binary, libc only: the optional TUI/HTTP parts are left out.
static: irqsight-static
irqsight-static: src/main.c $(CORE_SRC)
	$(CC) -std=c17 $(WARN) $(CPPFLAGS) -O2 -static -o $@ $^ -lm -lpthread

$(BUILD)/unit-tests: $(UNIT_OBJ) $(CORE_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -c -o $@ $<

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# `make check`: every test; the last line is "N passed, N failed".
check: irqsight irqsight-static $(BUILD)/unit-tests
	@tests/run.sh

golden: irqsight
	@tests/golden.sh

# Regenerate expected outputs after a deliberate change (review the diff!).
golden-update: irqsight
	@UPDATE=1 tests/golden.sh

lab: static
	@tests/lab/run.sh

bench: irqsight
	@bench/run.sh

clean:
	rm -rf $(BUILD) build-* irqsight irqsight-static

PREFIX ?= /usr/local
install: irqsight
	install -D -m 0755 irqsight $(DESTDIR)$(PREFIX)/sbin/irqsight
	install -D -m 0644 docs/irqsight.8 $(DESTDIR)$(PREFIX)/share/man/man8/irqsight.8

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
