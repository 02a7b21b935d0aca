# mbr: `make` builds lib/libmbr.a and bin/mbr-*; `make check` rebuilds
# everything with AddressSanitizer and UndefinedBehaviorSanitizer under
# build/asan and runs every test (and `make bench-small` as a smoke run,
# on the optimised bin/); `make demo` runs examples/nightly.sh.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CFLAGS ?= -O2 -g
STD = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN = -Wall -Wextra -Wno-unused-parameter
LIBS = -lcsv -ljansson -lpcre2-8 -lz -lm -lpthread
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer \
      -fno-sanitize-recover=undefined

# Packages the build needs, installed when missing (see tests/deps.sh).
DEB_BUILD = gcc make libcsv-dev libjansson-dev libpcre2-dev zlib1g-dev \
	    tzdata
DEB_CHECK = mandoc clang libclang-rt-14-dev time python3 python3-scipy \
	    python3-statsmodels

PROGS = $(sort $(notdir $(basename $(wildcard cmd/mbr-*.c))))
LIB_SRC = $(sort $(wildcard lib/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))

# O is the build directory: objects, the library and programs.  The
# default build keeps the layout DESIGN.md names (lib/libmbr.a, bin/);
# the sanitizer build lives wholly under build/asan.
O ?= build
ifeq ($(O),build)
LIBA = lib/libmbr.a
BIN = bin
else
LIBA = $(O)/libmbr.a
BIN = $(O)/bin
endif
LIB_OBJ = $(LIB_SRC:lib/%.c=$(O)/lib/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
PROG_BIN = $(PROGS:%=$(BIN)/%)
ALL_CFLAGS = $(STD) $(WARN) $(CFLAGS) $(XCFLAGS) -Ilib

all: deps-build $(LIBA) $(PROG_BIN)

$(O)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BIN)/%: cmd/%.c $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LIBS)

$(O)/tests/%: tests/unit/%.c tests/unit/t.h $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIBA) $(LIBS)

units: $(UNIT_BIN)

deps-build:
	@sh tests/deps.sh $(DEB_BUILD)

# The sanitizer builds, gcc's and clang's (each finds what the other
# misses: clang's UBSan reported pointer arithmetic on NULL that gcc's
# did not), then the suites on each (the long bad-input corpus under
# clang's only, and what tests no build of ours under gcc's only: see
# tests/run.sh); tests/run.sh prints the one closing line "N passed, N
# failed".  LeakSanitizer is on: no program may leak on any exit path.
# The three builds use every core ($(NPROC) jobs) whether or not make
# was given -j: one after the other on one core they took three
# minutes of the check.
NPROC = $(shell nproc 2>/dev/null || echo 2)

check: deps-build
	@sh tests/deps.sh $(DEB_CHECK)
	$(MAKE) -j$(NPROC) all
	$(MAKE) -j$(NPROC) O=build/asan XCFLAGS="$(SAN) -Werror -O1" all units
	$(MAKE) -j$(NPROC) O=build/asan-clang CC=clang \
	    XCFLAGS="$(SAN) -Werror -O1" all units
	sh tests/run.sh build/asan build/asan-clang

# Every suite with the programs and unit tests under valgrind memcheck
# (tests/valgrind-wrap.sh), on a build without sanitizers.  Slow (about
# 20 times a plain run), so not part of check.
check-valgrind: deps-build
	@sh tests/deps.sh $(DEB_CHECK) valgrind
	$(MAKE) O=build/vg all units
	sh tests/valgrind-wrap.sh build/vg build/vg-wrap
	MBR_NO_BENCH=1 MBR_NO_FUZZ=1 MBR_VALGRIND=1 BAD_TIMEOUT=900 \
	    GOLDEN_TIMEOUT=300 sh tests/run.sh build/vg-wrap

# Without sanitizers: faster, for a quick loop.
check-fast: all units
	sh tests/run.sh build

demo: all
	sh examples/nightly.sh

# mbr against DuckDB, pandas, Miller and GrowthBook's SDK (bench/run.sh):
# all three sizes into bench/RESULTS.md; bench-small is the smoke run
# (small size, one round, the agreement checks), about a minute and a
# half, which check runs once (tests/bench-smoke.test.sh).
bench: all
	bash bench/run.sh

bench-small: all
	bash bench/run.sh --smoke

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	cp $(PROG_BIN) $(DESTDIR)$(PREFIX)/bin/
	cp man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	-cp man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/ 2>/dev/null
	cp man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/

clean:
	rm -rf build bin lib/libmbr.a

include tests/fuzz/fuzz.mk

.PHONY: all units deps-build check check-fast check-valgrind demo install \
	clean bench bench-small
