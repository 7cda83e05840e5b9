# bkcc — build, test, demo, bench, install. `make help` lists the targets.

PREFIX      ?= /usr/local
SWIFT       ?= swift
PYTHON      ?= python3
CC          = gcc
VERSION     := $(shell sed -n 's/^\#define BKCC_VERSION_STRING "\(.*\)"/\1/p' include/bkcc.h)

DIST        := dist
# The shipped library is built apart from the debug build: switching -static-stdlib in one build folder does not
# reliably relink.
STATIC      := .build-static
# flock: one release build at a time in that folder (two at once corrupt it), whoever starts them.
RELEASE     := mkdir -p $(STATIC) && flock $(STATIC)/.make.lock $(SWIFT) build -c release -Xswiftc -static-stdlib --scratch-path $(STATIC)
LIB_BUILT   := $(STATIC)/release/libbkcc.so
BUILD       := build
CTEST_FLAGS := -std=c99 -Wall -Wextra -Werror -pedantic -g
VALGRIND    := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite

.PHONY: all deps lib dist test test-swift test-c test-header test-emulator test-python demo bench install clean help cli test-cli \
	fuzz fuzz-build test-security test-c-asan

all: dist

help:
	@echo "make demo       build, start the emulator, import examples/switches.csv, resume, stop (start here)"
	@echo "make            build into dist/: lib/libbkcc.so.0, include/bkcc.h, lib/pkgconfig/bkcc.pc, bin/bkcc"
	@echo "make test       every test: Swift, C (also under valgrind), header check, emulator, Python, CLI"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60) seconds"
	@echo "make test-security  TLS, secrets, fault matrix, 100,000 rows with 5%% faults + one resume"
	@echo "make install    install dist/ under PREFIX (default /usr/local)"
	@echo "make clean      remove build output"

deps:
	@scripts/install-deps.sh

# --- the shipped library ------------------------------------------------------------------------------------

lib: deps
	@# The header and the export list are inputs SwiftPM does not track: force a recompile and relink when they change.
	@if [ -f $(LIB_BUILT) ] && { [ include/bkcc.h -nt $(LIB_BUILT) ] || [ Sources/BKCCExports/exports.map -nt $(LIB_BUILT) ]; }; then \
		touch Sources/BKCCExports/HeaderCheck.swift; rm -f $(LIB_BUILT); fi
	$(RELEASE) --product bkcc
	@mkdir -p $(DIST)/lib/pkgconfig $(DIST)/include
	@# Debug info off (13 MB → 9 MB); the symbol table stays, for backtraces.
	strip --strip-debug -o $(DIST)/lib/libbkcc.so.0 $(LIB_BUILT)
	ln -sf libbkcc.so.0 $(DIST)/lib/libbkcc.so
	cp include/bkcc.h $(DIST)/include/bkcc.h
	sed 's/@VERSION@/$(VERSION)/' bkcc.pc.in > $(DIST)/lib/pkgconfig/bkcc.pc

dist: lib cli

# --- tests ----------------------------------------------------------------------------------------------------

test: test-swift test-c test-header test-emulator test-python test-cli test-security fuzz
	@echo "make test: all suites passed"

test-swift: deps
	$(SWIFT) test

# C tests compiled with gcc against dist/ only (the header and the .so a user gets), then run again under valgrind
# (valgrind 3.19 cannot read Swift's DWARF 5: dist/ carries no debug info, and the copy below makes sure of it).
$(BUILD)/test_abi: Tests/C/test_abi.c Tests/C/check.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)
	$(CC) $(CTEST_FLAGS) -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson

$(BUILD)/test_batch: Tests/C/test_batch.c Tests/C/check.h Tests/C/emulator.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)
	$(CC) $(CTEST_FLAGS) -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson -lcurl -lpthread

$(BUILD)/test_family: Tests/C/test_family.c Tests/C/check.h Tests/C/emulator.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)
	$(CC) $(CTEST_FLAGS) -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson -lcurl

$(BUILD)/test_model: Tests/C/test_model.c Tests/C/check.h Tests/C/emulator.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)
	$(CC) $(CTEST_FLAGS) -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson -lcurl

$(BUILD)/test_hostile: Tests/C/test_hostile.c Tests/C/check.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)
	$(CC) $(CTEST_FLAGS) -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson

$(BUILD)/stripped/libbkcc.so.0: $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)/stripped
	strip --strip-debug -o $@ $<

# The README's example, built the way a user builds it (pkg-config), must print what the README shows.
$(BUILD)/validate_and_build: examples/c/validate_and_build.c $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)
	$(CC) $(CTEST_FLAGS) $< -o $@ $$(PKG_CONFIG_PATH=$(DIST)/lib/pkgconfig pkg-config --cflags --libs bkcc)

test-c: lib $(BUILD)/test_abi $(BUILD)/test_batch $(BUILD)/test_family $(BUILD)/test_model $(BUILD)/test_hostile $(BUILD)/stripped/libbkcc.so.0 $(BUILD)/validate_and_build
	LD_LIBRARY_PATH=$(DIST)/lib $(BUILD)/test_abi
	LD_LIBRARY_PATH=$(BUILD)/stripped $(VALGRIND) $(BUILD)/test_abi
	LD_LIBRARY_PATH=$(DIST)/lib $(BUILD)/test_batch
	LD_LIBRARY_PATH=$(BUILD)/stripped $(VALGRIND) $(BUILD)/test_batch
	LD_LIBRARY_PATH=$(DIST)/lib $(BUILD)/test_family
	LD_LIBRARY_PATH=$(BUILD)/stripped $(VALGRIND) $(BUILD)/test_family
	LD_LIBRARY_PATH=$(DIST)/lib $(BUILD)/test_model
	LD_LIBRARY_PATH=$(BUILD)/stripped $(VALGRIND) $(BUILD)/test_model
	LD_LIBRARY_PATH=$(DIST)/lib $(BUILD)/test_hostile
	LD_LIBRARY_PATH=$(BUILD)/stripped $(VALGRIND) $(BUILD)/test_hostile
	LD_LIBRARY_PATH=$(DIST)/lib $(BUILD)/validate_and_build | diff -u examples/c/validate_and_build.expected -
	LD_LIBRARY_PATH=$(BUILD)/stripped $(VALGRIND) $(BUILD)/validate_and_build >/dev/null

# The header compiles alone as C99 and as C++, and declares exactly what the library exports.
test-header: lib
	@mkdir -p $(BUILD)
	echo '#include <bkcc.h>' | $(CC) $(CTEST_FLAGS) -I$(DIST)/include -x c -fsyntax-only -
	echo '#include <bkcc.h>' | g++ -std=c++11 -Wall -Wextra -Werror -I$(DIST)/include -x c++ -fsyntax-only -
	scripts/check-exports.sh $(DIST)/lib/libbkcc.so.0 include/bkcc.h

test-emulator:
	$(PYTHON) -m pytest -q Tests/Emulator

# The Python package (bindings/python) over the library in dist/, against the emulator.
test-python: lib
	BKCC_LIBRARY=$(CURDIR)/$(DIST)/lib/libbkcc.so.0 $(PYTHON) -m pytest -q bindings/python/tests

# --- the command-line tool (bkcc) ---------------------------------------------------------------------------
# Built in the same release folder as the library (after it: one build at a time there), staged as dist/bin/bkcc.

cli: lib
	$(RELEASE) --product bkcc-cli
	@mkdir -p $(DIST)/bin
	strip --strip-debug -o $(DIST)/bin/bkcc $(STATIC)/release/bkcc-cli

# End-to-end tests of dist/bin/bkcc against the emulator (its unit tests run in test-swift).
test-cli: cli
	BKCC=$(CURDIR)/$(DIST)/bin/bkcc $(PYTHON) -m pytest -q Tests/CLI

# The README's first command: build, start the emulator, import examples/switches.csv, resume, stop the emulator.
demo: cli
	@BKCC=$(DIST)/bin/bkcc examples/demo.sh

# --- reliability and security ----------------------------------------------------------------------------
# libFuzzer targets over the Swift core and the CLI's input readers (swiftc -sanitize=fuzzer,address, built into
# build/fuzz by Fuzz/build.sh), each run for FUZZ_SECONDS seconds from the committed corpus (Fuzz/README-section.md).
FUZZ_SECONDS ?= 60

fuzz-build: deps
	Fuzz/build.sh

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

# The C tests again, compiled with AddressSanitizer (and UBSan) against dist/: what valgrind sees, faster and stricter
# on the C side.
$(BUILD)/asan/test_abi: Tests/C/test_abi.c Tests/C/check.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)/asan
	$(CC) $(CTEST_FLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson

$(BUILD)/asan/test_batch: Tests/C/test_batch.c Tests/C/check.h Tests/C/emulator.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)/asan
	$(CC) $(CTEST_FLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson -lcurl -lpthread

$(BUILD)/asan/test_family: Tests/C/test_family.c Tests/C/check.h Tests/C/emulator.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)/asan
	$(CC) $(CTEST_FLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson -lcurl

$(BUILD)/asan/test_model: Tests/C/test_model.c Tests/C/check.h Tests/C/emulator.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)/asan
	$(CC) $(CTEST_FLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson -lcurl

$(BUILD)/asan/test_hostile: Tests/C/test_hostile.c Tests/C/check.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)/asan
	$(CC) $(CTEST_FLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson

test-c-asan: lib $(BUILD)/asan/test_abi $(BUILD)/asan/test_batch $(BUILD)/asan/test_family $(BUILD)/asan/test_model $(BUILD)/asan/test_hostile
	LD_LIBRARY_PATH=$(DIST)/lib ASAN_OPTIONS=detect_leaks=1 $(BUILD)/asan/test_abi
	LD_LIBRARY_PATH=$(DIST)/lib ASAN_OPTIONS=detect_leaks=1 $(BUILD)/asan/test_batch
	LD_LIBRARY_PATH=$(DIST)/lib ASAN_OPTIONS=detect_leaks=1 $(BUILD)/asan/test_family
	LD_LIBRARY_PATH=$(DIST)/lib ASAN_OPTIONS=detect_leaks=1 $(BUILD)/asan/test_model
	LD_LIBRARY_PATH=$(DIST)/lib ASAN_OPTIONS=detect_leaks=1 $(BUILD)/asan/test_hostile

# TLS, secrets, the fault matrix, keep-alive re-sends, 100,000 rows through 5% faults and one --resume (Tests/Security).
test-security: cli test-c-asan
	BKCC=$(CURDIR)/$(DIST)/bin/bkcc BKCC_LIBRARY=$(CURDIR)/$(DIST)/lib/libbkcc.so.0 $(PYTHON) -m pytest -q Tests/Security

# --- benchmarks ---------------------------------------------------------------------------------------------
# bkcc side by side with the BlueKing Python SDK and a requests loop, against the emulator on 127.0.0.1: client CPU
# per instance, throughput, sans-IO cost, memory, start-up, and a callgrind profile. Rewrites BENCHMARKS.md (~5 min;
# creates build/bench/venv with bkapi-component-open from PyPI the first time).
bench:
	$(MAKE) dist
	$(PYTHON) Benchmarks/bench.py

# --- install ------------------------------------------------------------------------------------------------

install: dist
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(DIST)/lib/libbkcc.so.0 $(DESTDIR)$(PREFIX)/lib/libbkcc.so.0
	ln -sf libbkcc.so.0 $(DESTDIR)$(PREFIX)/lib/libbkcc.so
	install -m 644 $(DIST)/include/bkcc.h $(DESTDIR)$(PREFIX)/include/bkcc.h
	install -m 644 $(DIST)/lib/pkgconfig/bkcc.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/bkcc.pc
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(DIST)/bin/bkcc $(DESTDIR)$(PREFIX)/bin/bkcc
	-[ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null && ldconfig

clean:
	rm -rf $(DIST) $(BUILD) .build $(STATIC)
