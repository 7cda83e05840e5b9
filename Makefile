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
# --no-color-diagnostics: SwiftPM colours diagnostics only when its output is a terminal, and the colour flag is
# part of every compile command, so a build from a terminal after one through a pipe (or the reverse) recompiled
# everything. One fixed setting keeps the build folder valid for both.
SWIFTBUILD  := --no-color-diagnostics
# flock: one release build at a time in that folder (two at once corrupt it), whoever starts them.
RELEASE     := mkdir -p $(STATIC) && flock $(STATIC)/.make.lock $(SWIFT) build $(SWIFTBUILD) -c release -Xswiftc -static-stdlib --scratch-path $(STATIC)
LIB_BUILT   := $(STATIC)/release/libbkcc.so
BUILD       := build
CTEST_FLAGS := -std=c99 -Wall -Wextra -Werror -pedantic -g
# The Python that runs the pytest suites, once scripts/test-python.sh made sure it has requirements-test.txt ("false"
# when it could not: the recipe then fails after the script said what to run).
TEST_PYTHON  = $(shell scripts/test-python.sh $(PYTHON) >&2 && echo $(PYTHON) || echo false)
RESULTS     := $(BUILD)/test-results
PYTEST       = $(TEST_PYTHON) -m pytest -q -rs --junitxml=$(RESULTS)/$@.xml
VALGRIND    := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite

.PHONY: all deps lib dist test test-swift test-c test-header test-emulator test-python demo bench install clean help cli test-cli \
	fuzz fuzz-build test-security test-c-asan test-install test-swift-asan

all: dist

help:
	@echo "make demo       build, start the emulator, import examples/switches.csv, resume, stop (start here)"
	@echo "make            build into dist/: lib/libbkcc.so.0, include/bkcc.h, lib/pkgconfig/bkcc.pc, bin/bkcc"
	@echo "make test       every test: Swift, C (also under valgrind), header check, emulator, Python, CLI, install"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60) seconds"
	@echo "make test-security  TLS, secrets, fault matrix, 100,000 rows with 5%% faults + one resume"
	@echo "make install    install dist/ under PREFIX (default /usr/local)"
	@echo "make clean      remove build output"

deps:
	@command -v $(SWIFT) >/dev/null || { echo "make: no '$(SWIFT)' on PATH: bkcc needs a Swift 6 toolchain. Get it from" \
		"https://www.swift.org/install/linux/ (swiftly, or the tarball for Debian 12), put its usr/bin on PATH," \
		"then run make again (or: make SWIFT=/path/to/usr/bin/swift)." >&2; exit 1; }
	@scripts/install-deps.sh

# --- the shipped library ------------------------------------------------------------------------------------

lib: deps
	@# The header and the export list are inputs SwiftPM does not track: force a recompile and relink when they change.
	@if [ -f $(LIB_BUILT) ] && { [ include/bkcc.h -nt $(LIB_BUILT) ] || [ Sources/BKCCExports/exports.map -nt $(LIB_BUILT) ]; }; then \
		touch Sources/BKCCExports/HeaderCheck.swift; rm -f $(LIB_BUILT); fi
	$(RELEASE) --product bkcc
	@mkdir -p $(DIST)/lib/pkgconfig $(DIST)/include $(DIST)/lib/.debug
	@# Shipped stripped (14.5 MB → 8.5 MB): DWARF dropped, and the symbol table (4 MB) moved to lib/.debug/, where
	@# gdb, valgrind and perf find it by the library's .gnu_debuglink (the README's "Sizes" has the measurements).
	$(call strip-keeping-symbols,$(LIB_BUILT),$(DIST)/lib,libbkcc.so.0)
	ln -sf libbkcc.so.0 $(DIST)/lib/libbkcc.so
	cp include/bkcc.h $(DIST)/include/bkcc.h
	sed 's/@VERSION@/$(VERSION)/' bkcc.pc.in > $(DIST)/lib/pkgconfig/bkcc.pc

dist: lib cli

# $(call strip-keeping-symbols,BUILT,FOLDER,NAME): FOLDER/NAME without DWARF or symbol table, linked by
# .gnu_debuglink to FOLDER/.debug/NAME.debug, which holds the symbol table (no DWARF: valgrind 3.19 cannot read
# Swift's DWARF 5).
define strip-keeping-symbols
	strip --strip-debug -o $(2)/.debug/$(3).tmp $(1)
	objcopy --only-keep-debug $(2)/.debug/$(3).tmp $(2)/.debug/$(3).debug
	cd $(2) && objcopy --strip-all --add-gnu-debuglink=.debug/$(3).debug .debug/$(3).tmp $(3)
	rm -f $(2)/.debug/$(3).tmp
endef

# --- tests ----------------------------------------------------------------------------------------------------

# The last line says "all suites passed" only when no test was skipped; otherwise it names each skipped test and
# why (scripts/test-summary.py, from the JUnit files of the pytest suites).
test:
	@rm -rf $(RESULTS)
	$(MAKE) --no-print-directory test-swift test-swift-asan test-c test-header test-emulator test-python test-cli test-install test-security fuzz
	@$(PYTHON) scripts/test-summary.py $(RESULTS)

test-swift: deps
	$(SWIFT) test $(SWIFTBUILD)

# The Swift tests again under AddressSanitizer and LeakSanitizer (its own build folder): the core's and the CLI's
# unsafe-pointer code (the JSON reader and writer, the readers, readdir) checked byte by byte; what the test
# runners themselves keep is suppressed by scripts/lsan-suppressions.txt.
test-swift-asan: deps
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan-suppressions.txt $(SWIFT) test $(SWIFTBUILD) --sanitize=address --scratch-path .build-asan

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

$(BUILD)/test_log: Tests/C/test_log.c Tests/C/check.h Tests/C/emulator.h $(DIST)/include/bkcc.h $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)
	$(CC) $(CTEST_FLAGS) -I$(DIST)/include $< -o $@ -L$(DIST)/lib -lbkcc -ljansson -lcurl

$(BUILD)/stripped/libbkcc.so.0: $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)/stripped
	strip --strip-debug -o $@ $<

# The README's example, built the way a user builds it (pkg-config), must print what the README shows.
$(BUILD)/validate_and_build: examples/c/validate_and_build.c $(DIST)/lib/libbkcc.so.0
	@mkdir -p $(BUILD)
	$(CC) $(CTEST_FLAGS) $< -o $@ $$(PKG_CONFIG_PATH=$(DIST)/lib/pkgconfig pkg-config --cflags --libs bkcc)

test-c: lib $(BUILD)/test_abi $(BUILD)/test_batch $(BUILD)/test_family $(BUILD)/test_model $(BUILD)/test_hostile $(BUILD)/test_log $(BUILD)/stripped/libbkcc.so.0 $(BUILD)/validate_and_build
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
	LD_LIBRARY_PATH=$(DIST)/lib $(BUILD)/test_log
	LD_LIBRARY_PATH=$(BUILD)/stripped $(VALGRIND) $(BUILD)/test_log
	LD_LIBRARY_PATH=$(DIST)/lib $(BUILD)/validate_and_build | diff -u examples/c/validate_and_build.expected -
	LD_LIBRARY_PATH=$(BUILD)/stripped $(VALGRIND) $(BUILD)/validate_and_build >/dev/null

# The header compiles alone as C99 and as C++, and declares exactly what the library exports.
test-header: lib
	@mkdir -p $(BUILD)
	echo '#include <bkcc.h>' | $(CC) $(CTEST_FLAGS) -I$(DIST)/include -x c -fsyntax-only -
	echo '#include <bkcc.h>' | g++ -std=c++11 -Wall -Wextra -Werror -I$(DIST)/include -x c++ -fsyntax-only -
	scripts/check-exports.sh $(DIST)/lib/libbkcc.so.0 include/bkcc.h

test-emulator:
	$(PYTEST) Tests/Emulator

# The Python package (bindings/python) over the library in dist/, against the emulator.
test-python: lib
	BKCC_LIBRARY=$(CURDIR)/$(DIST)/lib/libbkcc.so.0 $(PYTEST) bindings/python/tests

# --- the command-line tool (bkcc) ---------------------------------------------------------------------------
# Built in the same release folder as the library (after it: one build at a time there), staged as dist/bin/bkcc.

cli: lib
	$(RELEASE) --product bkcc-cli
	@mkdir -p $(DIST)/bin/.debug
	$(call strip-keeping-symbols,$(STATIC)/release/bkcc-cli,$(DIST)/bin,bkcc)
	@# The man pages (swift-argument-parser's generate-manual over the built command's help: bkcc(1) and one per
	@# subcommand, bkcc.batch-create-inst(1) …, so that each discussion is at the page's own margin; then
	@# scripts/fix-manual.py) and the completions.
	$(RELEASE) --product generate-manual
	@rm -rf $(DIST)/share/man/man1
	@mkdir -p $(DIST)/share/man/man1 $(DIST)/share/bash-completion/completions $(DIST)/share/zsh/site-functions \
		$(DIST)/share/fish/vendor_completions.d
	$(STATIC)/release/generate-manual $(DIST)/bin/bkcc --multi-page --date $$(git log -1 --format=%cs 2>/dev/null || date +%F) \
		--authors "bkcc contributors" --output-directory $(DIST)/share/man/man1
	for page in $(DIST)/share/man/man1/*.1; do $(PYTHON) scripts/fix-manual.py $$page || exit 1; done
	$(DIST)/bin/bkcc --generate-completion-script bash > $(DIST)/share/bash-completion/completions/bkcc
	$(DIST)/bin/bkcc --generate-completion-script zsh > $(DIST)/share/zsh/site-functions/_bkcc
	$(DIST)/bin/bkcc --generate-completion-script fish > $(DIST)/share/fish/vendor_completions.d/bkcc.fish

# End-to-end tests of dist/bin/bkcc against the emulator (its unit tests run in test-swift).
test-cli: cli
	BKCC=$(CURDIR)/$(DIST)/bin/bkcc $(PYTEST) Tests/CLI

# make install PREFIX=<a temporary folder> puts the man page, the completions and the rest in place (Tests/Install).
test-install: dist
	Tests/Install/check_install.sh

# The README's first command: build, start the emulator, import examples/switches.csv, resume, stop the emulator.
# The build is one line (its log in build/make-dist.log, shown when it fails).
demo:
	@scripts/quiet-build.sh $(BUILD)/make-dist.log $(MAKE) --no-print-directory cli
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
	BKCC=$(CURDIR)/$(DIST)/bin/bkcc BKCC_LIBRARY=$(CURDIR)/$(DIST)/lib/libbkcc.so.0 $(PYTEST) Tests/Security

# --- benchmarks ---------------------------------------------------------------------------------------------
# bkcc side by side with the BlueKing Python SDK and a requests loop, against the emulator on 127.0.0.1: client CPU
# per instance, throughput, sans-IO cost, memory, start-up, and a callgrind profile. Rewrites BENCHMARKS.md (~5 min;
# creates build/bench/venv with bkapi-component-open from PyPI the first time). The .xlsx part writes its workbook
# with XlsxWriter (requirements-test.txt): TEST_PYTHON installs it as for `make test` (a fresh machine lacked it).
bench:
	$(MAKE) dist
	$(TEST_PYTHON) Benchmarks/bench.py

# --- install ------------------------------------------------------------------------------------------------

install: dist
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(DIST)/lib/libbkcc.so.0 $(DESTDIR)$(PREFIX)/lib/libbkcc.so.0
	ln -sf libbkcc.so.0 $(DESTDIR)$(PREFIX)/lib/libbkcc.so
	install -m 644 $(DIST)/include/bkcc.h $(DESTDIR)$(PREFIX)/include/bkcc.h
	install -m 644 $(DIST)/lib/pkgconfig/bkcc.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/bkcc.pc
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(DIST)/bin/bkcc $(DESTDIR)$(PREFIX)/bin/bkcc
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d \
		$(DESTDIR)$(PREFIX)/share/doc/bkcc
	install -m 644 $(DIST)/share/man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(DIST)/share/bash-completion/completions/bkcc $(DESTDIR)$(PREFIX)/share/bash-completion/completions/bkcc
	install -m 644 $(DIST)/share/zsh/site-functions/_bkcc $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_bkcc
	install -m 644 $(DIST)/share/fish/vendor_completions.d/bkcc.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/bkcc.fish
	install -m 644 LICENSE CHANGELOG.md $(DESTDIR)$(PREFIX)/share/doc/bkcc/
	-[ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null && ldconfig

clean:
	rm -rf $(DIST) $(BUILD) .build $(STATIC)
