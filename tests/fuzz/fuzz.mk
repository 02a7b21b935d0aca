# tests/fuzz/fuzz.mk: the libFuzzer targets (tests/fuzz/README), included
# from the Makefile.
#
#   make fuzz-build	  every target into build/fuzz/
#   make fuzz		  each target for FUZZ_TIME seconds (default 600) on
#			  its seeds (tests/fuzz/corpus/T) and a working
#			  corpus (build/fuzz/corpus/T) kept across runs;
#			  crashers go to build/fuzz/crash/T/
#   make fuzz-smoke	  tests/fuzz-smoke.test.sh: each target's regression
#			  inputs, then each target for FUZZ_SMOKE_TIME
#			  seconds (default 10)
#
# Debian's clang builds them (-fsanitize=fuzzer,address,undefined), the
# library's sources compiled under build/fuzz/lib with the same flags.
# Without clang and libFuzzer, fuzz-build says so and fails, and
# fuzz-smoke says it skipped and passes.

FUZZ_CC ?= clang
FUZZ_TIME ?= 600
FUZZ_SMOKE_TIME ?= 5
FUZZ_DIR = build/fuzz
DEB_FUZZ = clang libclang-rt-14-dev
FUZZ_TARGETS = csv ndjson reader split time money ident preset expr program \
	       pstate campaign tmpl abtest oneid clv report
FUZZ_SAN = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
FUZZ_CFLAGS = $(STD) $(WARN) -g -O1 $(FUZZ_SAN) -Ilib
FUZZ_LIB_OBJ = $(LIB_SRC:lib/%.c=$(FUZZ_DIR)/lib/%.o)
FUZZ_BIN = $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_DIR)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_XCFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -D_GNU_SOURCE -o $@ $< $(FUZZ_LIB_OBJ) $(LIBS)

# Kept between builds, though only the pattern rules name them.
.SECONDARY: $(FUZZ_LIB_OBJ)

# Whether clang can link a libFuzzer target here.
fuzz-probe:
	@-sh tests/deps.sh $(DEB_FUZZ) 2>/dev/null
	@mkdir -p $(FUZZ_DIR)
	@printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >$(FUZZ_DIR)/probe.c
	@$(FUZZ_CC) -fsanitize=fuzzer -o $(FUZZ_DIR)/probe \
	    $(FUZZ_DIR)/probe.c >/dev/null 2>&1 || \
	    { echo "fuzz: clang with libFuzzer not found (apt-get install $(DEB_FUZZ))" >&2; exit 1; }

fuzz-build: deps-build fuzz-probe
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

# Each target in turn; a crash stops the run with the input kept in
# build/fuzz/crash/T/ (copy it to tests/fuzz/regress/T/ once fixed).
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crash/$$t; \
		dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
		echo "fuzz: $$t for $(FUZZ_TIME) s"; \
		$(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -timeout=10 \
		    -rss_limit_mb=2048 -print_final_stats=1 $$dict \
		    -artifact_prefix=$(FUZZ_DIR)/crash/$$t/ \
		    $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t; \
	done

fuzz-smoke:
	@FUZZ_SMOKE_TIME=$(FUZZ_SMOKE_TIME) ./tests/fuzz-smoke.test.sh

.PHONY: fuzz fuzz-build fuzz-probe fuzz-smoke
