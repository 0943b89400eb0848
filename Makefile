# fakes3 — see README.md. `make run` serves on :4569, `make test` runs every test.
PKGS      := libmicrohttpd sqlite3 nettle expat libisal jansson
CC        ?= cc
WARN      := -Wall -Wextra -Werror
CSTD      := -std=c11 -D_GNU_SOURCE
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lpthread -lm
CFLAGS    ?= -O2 -g
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The web console's files (console/), embedded by an assembler file that .incbin's them (cc
# assembles it: no tool beyond the compiler); src/ctl/console.c serves them.
CONSOLE_ASM   := src/ctl/console_assets.S
CONSOLE_FILES := $(wildcard console/*)
LIB_SRC   := $(sort $(wildcard src/lib/*.c src/http/*.c src/s3/*.c src/s3/auth/*.c src/s3/access/*.c src/store/*.c src/ctl/*.c src/cli/*.c)) src/config.c \
             $(CONSOLE_ASM)
HDRS      := $(wildcard src/*.h src/*/*.h src/s3/auth/*.h src/s3/access/*.h src/s3/*.def)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(patsubst tests/unit/%.c,build/asan/%,$(UNIT_SRC))
DEPS_OK   := build/.deps-ok
PYTEST    ?= /usr/bin/python3 -m pytest

.PHONY: all run test test-unit test-integration test-memory test-memory-core test-stress bench fuzz format format-check deps clean
all: build/fakes3

$(DEPS_OK): scripts/deps.sh
	@mkdir -p build && ./scripts/deps.sh build && touch $@

deps:
	./scripts/deps.sh all

build/fakes3: $(LIB_SRC) src/main.c $(HDRS) $(CONSOLE_FILES) | $(DEPS_OK)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -Isrc $(PKG_CFLAGS) -o $@ $(LIB_SRC) src/main.c $(PKG_LIBS)

# The sanitizer build: each source compiled once into build/asan/obj, shared by the server and
# every unit test binary (linking all sources into each test took most of `make test`'s build).
ASAN_OBJ  := $(patsubst %.S,build/asan/obj/%.o,$(patsubst %.c,build/asan/obj/%.o,$(LIB_SRC)))
build/asan/obj/%.o: %.c $(HDRS) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -Isrc $(PKG_CFLAGS) -c -o $@ $<

build/asan/obj/%.o: %.S $(CONSOLE_FILES)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -c -o $@ $<

build/asan/libfakes3.a: $(ASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/asan/fakes3: src/main.c build/asan/libfakes3.a $(HDRS) | $(DEPS_OK)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -Isrc $(PKG_CFLAGS) -o $@ src/main.c build/asan/libfakes3.a $(PKG_LIBS)

build/asan/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) build/asan/libfakes3.a $(HDRS) | $(DEPS_OK)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -Isrc -Itests/unit $(PKG_CFLAGS) -o $@ $< build/asan/libfakes3.a $(PKG_LIBS) -lcmocka

# libFuzzer targets (clang, from scripts/deps.sh test): make fuzz FUZZ_SECONDS=60 runs each for
# that long; FUZZ_TARGETS="build/fuzz/fuzz_range ..." runs only those.
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= $(FUZZ_BIN)
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h tests/unit/qparams.h) $(LIB_SRC) $(HDRS) $(CONSOLE_FILES) | $(DEPS_OK)
	@mkdir -p build/fuzz
	clang $(CSTD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(PKG_CFLAGS) -o $@ $< $(LIB_SRC) $(PKG_LIBS)

fuzz: $(FUZZ_TARGETS)
	@set -e; for f in $(FUZZ_TARGETS); do echo "== $$f ($(FUZZ_SECONDS) s)"; mkdir -p build/fuzz/corpus-$${f##*/}; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build/fuzz/corpus-$${f##*/} 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' || true; done

run: build/fakes3
	./build/fakes3 $(ARGS)

test-unit:
	@$(MAKE) -s -j$$(nproc) $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t; done

# The real binary (ASan build) driven by real clients: boto3, aws CLI, s3cmd, wire replays,
# the per-client workflows (tests/clients/install.sh installs those clients), the browser tests in
# Chromium (tests/browser/install.sh installs Chromium and playwright-core).
PY_SUITES ?= $(wildcard tests/integration tests/replay tests/clients tests/browser)
test-integration: build/asan/fakes3
	@./scripts/deps.sh test
	@if [ -x tests/clients/install.sh ]; then tests/clients/install.sh; fi
	@if [ -x tests/browser/install.sh ]; then tests/browser/install.sh; fi
	FAKES3_BIN=$(CURDIR)/build/asan/fakes3 $(PYTEST) -q -p no:cacheprovider $(PY_SUITES) $(PYTEST_ARGS)

test: format-check test-unit test-integration test-memory-core test-compose

# The integration suite (tests/integration only) against --memory: every server the tests start
# gets FAKES3_TEST_ARGS; tests that need the root folder on disk are skipped (s3lib.disk_only).
# `make test` runs the files that exercise the store most (test-memory-core, about 2 minutes);
# .ci/run runs the whole suite so (test-memory, about 6).
MEMORY_SUITES ?= tests/integration
MEMORY_CORE   := $(addprefix tests/integration/,test_boto3_core.py test_object_semantics.py \
  test_versioning.py test_multipart.py test_tagging.py test_ctl_state.py test_ctl_journal.py \
  test_seed.py test_memory.py)
test-memory: build/asan/fakes3
	@./scripts/deps.sh test
	FAKES3_TEST_ARGS=--memory FAKES3_BIN=$(CURDIR)/build/asan/fakes3 $(PYTEST) -q -p no:cacheprovider $(MEMORY_SUITES) $(PYTEST_ARGS)

test-memory-core:
	@$(MAKE) -s test-memory MEMORY_SUITES="$(MEMORY_CORE)"

# Hostile clients end to end (not part of `make test`): thousands of slow and abandoned
# connections, a full disk, kill -9 under load; prints its figures (tests/stress/).
test-stress: build/asan/fakes3
	@./scripts/deps.sh test
	FAKES3_BIN=$(CURDIR)/build/asan/fakes3 $(PYTEST) -q -s -p no:cacheprovider tests/stress $(PYTEST_ARGS)

# What verifying a signature costs, in the release build's flags.
build/auth_bench: bench/auth_bench.c $(LIB_SRC) $(HDRS) | $(DEPS_OK)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -Isrc $(PKG_CFLAGS) -o $@ $< $(LIB_SRC) $(PKG_LIBS)

bench: build/fakes3 build/auth_bench
	./bench/run.sh

FORMAT_FILES = $(wildcard src/*.c src/*.h src/*/*.c src/*/*.h src/*/*/*.c src/*/*/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h bench/*.c)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build

# The container image and the compose walk-through (docker/).
-include docker/docker.mk
