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
# built only when that package is installed; each registers itself with the core from a
# constructor and commands say "not available in this build"
# otherwise. The libc-only core (check, snapshot, plan, ...) never depends on them, and
# `make static` leaves them all out.
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

.PHONY: all static check unit golden live fuzz sanitize lab bench clean install deb
all: irqsight

irqsight: $(BUILD)/src/main.o $(CORE_OBJ) $(OPT_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(OPT_LIBS) $(LDLIBS)

$(BUILD)/src/opt/%.o: src/opt/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(OPT_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# One static binary, libc only: the optional TUI/HTTP parts are left out.
static: irqsight-static
# (one compile of every source: the headers and the page's generated html_assets.inc are
# listed too, or an edit to them would leave the binary stale)
irqsight-static: src/main.c $(CORE_SRC) $(shell find src -name '*.h' -o -name '*.inc')
	$(CC) -std=c17 $(WARN) $(CPPFLAGS) -O2 -static -o $@ $(filter %.c,$^) -lm -lpthread

$(BUILD)/unit-tests: $(UNIT_OBJ) $(CORE_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -c -o $@ $<

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# tests/stages/17-pcidump.sh: our MSI/MSI-X decoder on lspci -x dumps, compared with lspci -vv.
$(BUILD)/pcidump-decode: $(BUILD)/tests/pcidump/decode.o $(BUILD)/src/parse/pci_config.o
	$(CC) $(CFLAGS) -o $@ $^

# `make check`: every test; the last line is "N passed, N failed".
check: irqsight irqsight-static $(BUILD)/unit-tests
	@tests/run.sh

golden: irqsight
	@tests/golden.sh

# Regenerate expected outputs after a deliberate change (review the diff!).
golden-update: irqsight
	@UPDATE=1 tests/golden.sh

# Sanitizer build: irqsight and the unit tests with ASan+UBSan in build-san/ (its own
# objects; the optional parts are in when their packages are). tests/stages/12-sanitize.sh.
SAN_CC    ?= clang
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
sanitize:
	@$(MAKE) --no-print-directory BUILD=build-san CC=$(SAN_CC) CFLAGS="-O1 -g $(SAN_FLAGS)" \
		build-san/irqsight build-san/unit-tests

$(BUILD)/irqsight: $(BUILD)/src/main.o $(CORE_OBJ) $(OPT_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(OPT_LIBS) $(LDLIBS)

# libFuzzer harnesses, one per parser (tests/fuzz/fuzz_NAME.c -> build-fuzz/fuzz_NAME), each
# linked with only the sources listed in FUZZ_NAME. tests/stages/14-fuzz.sh runs them.
FUZZ_CC     ?= clang
FUZZ_BUILD  := build-fuzz
FUZZ_CFLAGS := -std=c17 $(WARN) $(CPPFLAGS) -O1 -g -fno-omit-frame-pointer \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_ARENA  := src/util/arena.c src/util/str.c
FUZZ_interrupts := src/parse/interrupts.c src/util/str.c
FUZZ_softirqs   := src/parse/softirqs.c src/parse/interrupts.c $(FUZZ_ARENA)
FUZZ_stat       := src/parse/stat.c $(FUZZ_ARENA)
FUZZ_cmdline    := src/parse/cmdline.c $(FUZZ_ARENA)
FUZZ_klog       := src/parse/klog.c $(FUZZ_ARENA)
FUZZ_pci_config := src/parse/pci_config.c
FUZZ_task       := src/parse/task.c src/util/cpuset.c src/util/buf.c $(FUZZ_ARENA)
FUZZ_envfile    := src/parse/envfile.c src/util/cpuset.c src/util/buf.c $(FUZZ_ARENA)
FUZZ_planfile   := src/parse/planfile.c src/util/cpuset.c src/util/buf.c $(FUZZ_ARENA)
FUZZ_keepstate  := src/parse/keepstate.c src/parse/planfile.c src/util/cpuset.c src/util/buf.c $(FUZZ_ARENA)
FUZZ_cpuset     := src/util/cpuset.c src/util/buf.c $(FUZZ_ARENA)
# html: what report --from does with a file, json-c's reading included (the loader
# registers itself with the harness as it does with cmd/report.c).
FUZZ_html       := src/render/html.c src/util/buf.c src/util/json.c src/opt/json-c/report_load.c
FUZZ_LDLIBS_html := $(shell pkg-config --libs json-c 2>/dev/null)
$(FUZZ_BUILD)/src/opt/json-c/%.o $(FUZZ_BUILD)/tests/fuzz/fuzz_html.o: \
	FUZZ_CFLAGS += $(shell pkg-config --cflags json-c 2>/dev/null)
# The baseline parser, writer and drift rules reach the findings, which reach the rule
# table: the linker takes what it needs of the core from an archive.
FUZZ_baseline   := src/parse/baseline.c src/render/baseline.c src/rules/drift.c
FUZZ_LIBS_baseline := $(FUZZ_BUILD)/core.a
# The journal parser checks paths against the write allow-list; rollback's replay
# (act_run on a scratch tree) reaches the source layer.
FUZZ_journal    := src/act/journal.c src/act/allow.c
FUZZ_LIBS_journal := $(FUZZ_BUILD)/core.a
FUZZ_rollback   := src/act/journal.c src/act/allow.c src/act/apply.c
FUZZ_LIBS_rollback := $(FUZZ_BUILD)/core.a
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/core.a: $(CORE_SRC:%.c=$(FUZZ_BUILD)/%.o)
	rm -f $@ && ar rcs $@ $^

define FUZZ_LINK
$(FUZZ_BUILD)/fuzz_$(1): $(FUZZ_BUILD)/tests/fuzz/fuzz_$(1).o $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(sort $(FUZZ_$(1)))) $(FUZZ_LIBS_$(1))
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $$^ $$(FUZZ_LDLIBS_$(1)) $$(LDLIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_LINK,$(n))))

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

# The Debian package (packaging/deb/build.sh): irqsight_VERSION-1_amd64.deb here.
deb:
	@packaging/deb/build.sh .

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
