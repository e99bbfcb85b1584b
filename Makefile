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

# Optional parts with their own libraries. The libc-only core (check, snapshot, plan, ...)
# never depends on them; `make static` leaves them out.
OPT_SRC := $(wildcard src/opt/*.c)
CORE_SRC := $(filter-out src/main.c $(OPT_SRC),$(shell find src -name '*.c' | LC_ALL=C sort))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
OPT_OBJ  := $(OPT_SRC:%.c=$(BUILD)/%.o)
OPT_CFLAGS := $(shell pkg-config --cflags ncursesw libmicrohttpd json-c 2>/dev/null)
OPT_LIBS   := $(shell pkg-config --libs ncursesw libmicrohttpd json-c 2>/dev/null)
HAVE_OPT   := $(if $(OPT_LIBS),1,0)

UNIT_SRC := $(shell find tests/unit -name '*.c' | LC_ALL=C sort)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

.PHONY: all static check unit golden live fuzz sanitize lab bench clean install
all: irqsight

irqsight: $(BUILD)/src/main.o $(CORE_OBJ) $(if $(filter 1,$(HAVE_OPT)),$(OPT_OBJ))
	$(CC) $(CFLAGS) -o $@ $^ $(if $(filter 1,$(HAVE_OPT)),$(OPT_LIBS)) $(LDLIBS)

$(BUILD)/src/main.o: src/main.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DIRQSIGHT_HAVE_OPT=$(HAVE_OPT) -MMD -MP -c -o $@ $<

$(BUILD)/src/opt/%.o: src/opt/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(OPT_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# One static binary, libc only: the optional TUI/HTTP parts are left out.
static: irqsight-static
irqsight-static: src/main.c $(CORE_SRC)
	$(CC) -std=c17 $(WARN) $(CPPFLAGS) -O2 -DIRQSIGHT_HAVE_OPT=0 -static -o $@ $^ -lm -lpthread

$(BUILD)/unit-tests: $(UNIT_OBJ) $(CORE_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -c -o $@ $<

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# `make check`: every test; the last line is "N passed, N failed".
check: irqsight $(BUILD)/unit-tests
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
