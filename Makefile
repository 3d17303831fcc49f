# lazybuddy build. `make run` runs the default comparison, `make test` builds
# and runs every test (release, debug with the full checker, ASan+UBSan,
# TSan, the fuzz target's plain driver, the SPIN model of the acceptance
# protocol, the freestanding core), `make fuzz` runs the fuzz target under
# libFuzzer for a minute, `make freestanding` builds the core as a kernel
# or firmware would and checks what it links against.
#
# Variants build into their own folders: build/ (release), build/debug,
# build/asan, build/tsan, build/fuzz (clang, libFuzzer). The recursive call
# with VARIANT=... builds one of them; build/freestanding is apart.

CC      ?= cc
FUZZ_CC ?= clang
VARIANT ?= release

# Warnings are errors in the project's own builds, make test's and make
# fuzz's (CI's); elsewhere (make, make run, make install, a packager's
# build) a newer compiler's new warning is only a warning.
WERROR  ?=
WARN    := -std=c11 -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wvla
CPPFLAGS ?=
ALL_CPPFLAGS = -Iinclude -D_DEFAULT_SOURCE -D_GNU_SOURCE $(CPPFLAGS)

ifeq ($(VARIANT),release)
  B       := build
  VFLAGS  := -O2 -g -fPIC
else ifeq ($(VARIANT),debug)
  B       := build/debug
  VFLAGS  := -O0 -g -DLB_DEBUG=2
else ifeq ($(VARIANT),tsan)
  B       := build/tsan
  VFLAGS  := -O1 -g -DLB_DEBUG=1 -fsanitize=thread
  LDVFLAGS := -fsanitize=thread
else ifeq ($(VARIANT),asan)
  B       := build/asan
  VFLAGS  := -O1 -g -DLB_DEBUG=1 -fsanitize=address,undefined \
             -fno-sanitize-recover=all -fno-omit-frame-pointer
  LDVFLAGS := -fsanitize=address,undefined
else ifeq ($(VARIANT),fuzz)
  # libFuzzer needs clang; the library is instrumented for coverage too.
  override CC := $(FUZZ_CC)
  B       := build/fuzz
  VFLAGS  := -O1 -g -DLB_DEBUG=1 -fsanitize=fuzzer-no-link,address,undefined \
             -fno-sanitize-recover=all -fno-omit-frame-pointer
  LDVFLAGS := -fsanitize=fuzzer,address,undefined
else
  $(error unknown VARIANT $(VARIANT))
endif

# The build's own flags first, then CFLAGS and LDFLAGS from the command
# line or the environment: added (a later -O3 wins over -O2), never instead
# of -fPIC or a variant's sanitizers.
CFLAGS  ?=
LDFLAGS ?=
ALL_CFLAGS  = $(WARN) $(VFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDVFLAGS) $(LDFLAGS)
LDLIBS  := -lpthread -lm -lz -llzma -lzstd

# The library; the tools' shared code (everything under tools/ but the
# programs' main files), linked into the tools and the tests; the programs.
LIB_SRC   := $(wildcard src/*.c) $(wildcard src/backend/*.c)
MAIN_SRC  := tools/lbsim/main.c tools/lbbench/main.c
# a program of its own, which tools/lbbench/instructions.sh builds against
# each library it compares
OWN_SRC   := tools/lbbench/instructions.c
TOOLS_SRC := $(filter-out $(MAIN_SRC) $(OWN_SRC),$(wildcard tools/*/*.c tools/*/*/*.c))
TEST_SRC  := $(wildcard tests/*.c)
FUZZ_SRC  := $(addprefix tests/fuzz/,fuzz_zone.c fuzz_backend.c fuzz_model.c fuzz_ops_alloc.c \
             fuzz_ops_zone.c fuzz_setup.c driver.c)
# The readers' targets: the cost file (tools/lbsim/model/cost.c) and the trace
# (tools/trace/), each one file beside the shared hooks.
FUZZ_READERS := cost trace

LIB_OBJ   := $(LIB_SRC:%.c=$(B)/obj/%.o)
TOOLS_OBJ := $(TOOLS_SRC:%.c=$(B)/obj/%.o)
TEST_OBJ  := $(TEST_SRC:%.c=$(B)/obj/%.o)
FUZZ_OBJ  := $(FUZZ_SRC:%.c=$(B)/obj/%.o)

# FUZZ_DEFS=-DFZ_CHECK_...=1 turns on a check tests/fuzz/fuzz.h holds back.
FUZZ_DEFS ?=
$(FUZZ_OBJ): ALL_CPPFLAGS += $(FUZZ_DEFS)

.PHONY: all help lib tools tests run test bench clean deps deps-build fuzz fuzzer fidelity calibrate policy-bench freestanding freestanding-objs scaling
.DEFAULT_GOAL := all

all: lib tools

# make help: what each target does, in a line.
help:
	@echo "make            build the library, lbsim and lbbench into build/"
	@echo "make run        replay the shipped trace under every policy (report: build/report)"
	@echo "make test       every test in every variant (release, debug, ASan, TSan, ...)"
	@echo "make bench      lbbench against the allocators people use (docs/bench.md)"
	@echo "make scaling    lbbench at 1, 2, 4, 8, 16 threads (docs/scaling.md)"
	@echo "make fidelity   lbsim against published measurements (docs/fidelity.md)"
	@echo "make calibrate  fit the model's fitted figures again, write the table"
	@echo "make policy-bench  every policy on the same terms (docs/adaptive.md)"
	@echo "make fuzz       a minute of libFuzzer on each fuzz target (clang)"
	@echo "make freestanding  the core as a kernel or firmware builds it"
	@echo "make deps       install every optional package (clang, spin, chromium, ...)"
	@echo "make install    PREFIX=/usr/local; make uninstall with the same settings"
	@echo "make clean      remove build/"
	@echo "CFLAGS, CPPFLAGS and LDFLAGS add to the build's own; WERROR=-Werror anywhere."
lib: $(B)/liblazybuddy.a $(if $(filter release,$(VARIANT)),$(B)/liblazybuddy.so)
tools: $(B)/lbsim $(B)/lbbench
tests: $(B)/lbtest $(B)/lbfuzz $(FUZZ_READERS:%=$(B)/lbfuzz-%)
fuzzer: $(B)/lbfuzz-libfuzzer $(FUZZ_READERS:%=$(B)/lbfuzz-%-libfuzzer)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/liblazybuddy.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/libtools.a: $(TOOLS_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/lbsim: $(B)/obj/tools/lbsim/main.o $(B)/libtools.a $(B)/liblazybuddy.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/lbbench: $(B)/obj/tools/lbbench/main.o $(B)/libtools.a $(B)/liblazybuddy.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/lbtest: $(TEST_OBJ) $(B)/libtools.a $(B)/liblazybuddy.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# The fuzz target: with the plain driver (any compiler), or with libFuzzer.
$(B)/lbfuzz: $(FUZZ_OBJ) $(B)/liblazybuddy.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/lbfuzz-libfuzzer: $(filter-out %/driver.o,$(FUZZ_OBJ)) $(B)/liblazybuddy.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/lbfuzz-%: $(B)/obj/tests/fuzz/fuzz_%.o $(B)/obj/tests/fuzz/fz_reader.o \
               $(B)/obj/tests/fuzz/driver.o $(B)/libtools.a $(B)/liblazybuddy.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/lbfuzz-%-libfuzzer: $(B)/obj/tests/fuzz/fuzz_%.o $(B)/obj/tests/fuzz/fz_reader.o \
                         $(B)/libtools.a $(B)/liblazybuddy.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# The main job: every policy on every workload, a 16 GiB guest.
run: deps-build
	$(MAKE) VARIANT=release all
	./build/lbsim

# lbsim against published measurements (docs/fidelity.md).
fidelity: deps-build
	$(MAKE) VARIANT=release all
	./build/lbsim --fidelity

# The model's fitted figures fitted again to their rows and each term's
# form chosen (docs/fidelity.md, "Calibration"), written into the table,
# tools/lbsim/model/figures.c; then lbsim rebuilt and the docs' tables
# pasted from it. Identical on a clean checkout; fails when a fit changed.
calibrate: deps-build
	$(MAKE) VARIANT=release all
	sh tools/lbsim/bench/calibrate.sh build/lbsim; status=$$?; \
	$(MAKE) VARIANT=release all && sh tools/lbsim/bench/docs_tables.sh build/lbsim && \
	exit $$status

# Every policy on the same terms, each row's winner set and adaptive's
# targets (docs/adaptive.md); in virtual time, a worker per CPU, about 12
# minutes on 2 CPUs.
policy-bench: deps-build
	$(MAKE) VARIANT=release all
	./build/lbsim --policy-bench

# Wall-clock speed against glibc, jemalloc, mimalloc and mmap (a minute or
# two), then the library's own paths against their recorded ratios, then
# what idle virtual time costs lbsim.
bench: deps-build
	$(MAKE) VARIANT=release all
	./build/lbbench
	./build/lbbench --no-cache --bench churn,mixed --memory accepted \
		--allocator lazybuddy-eager,jemalloc,mimalloc,glibc
	./build/lbbench --paths
	sh tools/lbsim/bench/idle_bench.sh build/lbsim

# Scaling on a machine with more CPUs, as one prepared run: 1 to 16
# threads (and the CPU count), through caches and CPU lists, against
# jemalloc, mimalloc and glibc, into build/scaling (tools/lbbench/scaling.sh).
scaling: deps-build
	$(MAKE) VARIANT=release build/lbbench
	sh tools/lbbench/scaling.sh

# Every test in every variant; tests/run.sh prints the total line. Under
# ThreadSanitizer (slow) the tests marked TEST_TSAN: those that run threads
# or what threads share (lbtest --tsan). The fuzz
# target runs its seed corpus and N seeded random inputs in each variant;
# tests/spin/run.sh model-checks the acceptance protocol (skipped without
# spin); the freestanding core's objects are checked for what they need;
# tests/record.sh records a trace for real (as root, where the kernel can
# trace), tests/deps.sh runs make deps as a user who is not root.
FUZZ_CORPUS := tests/fuzz/corpus
test: deps-build
	$(MAKE) VARIANT=release WERROR=-Werror all tests
	$(MAKE) VARIANT=debug WERROR=-Werror tests
	$(MAKE) VARIANT=asan WERROR=-Werror tests
	$(MAKE) VARIANT=tsan WERROR=-Werror tests
	$(MAKE) WERROR=-Werror freestanding-objs
	sh tests/run.sh build/lbtest build/debug/lbtest build/asan/lbtest \
		"build/tsan/lbtest --tsan" \
		"build/lbfuzz -n 5000 $(FUZZ_CORPUS)" "build/debug/lbfuzz -n 1000 $(FUZZ_CORPUS)" \
		"build/asan/lbfuzz -n 3000 $(FUZZ_CORPUS)" "build/tsan/lbfuzz -n 500 $(FUZZ_CORPUS)" \
		$(foreach t,$(FUZZ_READERS),"build/lbfuzz-$(t) -n 5000 tests/fuzz/corpus-$(t)" \
		  "build/asan/lbfuzz-$(t) -n 2000 tests/fuzz/corpus-$(t)") \
		"sh tests/spin/run.sh" "sh tests/exports.sh build/liblazybuddy.so" \
		"sh tests/fidelity.sh build/lbsim" "sh tests/report_browser.sh build/lbsim" \
		"sh tests/record.sh build/lbsim" "sh tests/deps.sh" \
		"sh tests/bad_input.sh build/lbsim build/lbbench" "sh tests/scaling.sh" \
		"sh tests/same_results.sh build/lbsim" "sh tests/state_table.sh" \
		"sh tests/instructions.sh" "sh tests/build_flags.sh" \
		"sh tests/install.sh" $(FS_CHECKS)

# libFuzzer on the fuzz target for FUZZ_TIME seconds, from the seed corpus
# (new inputs go to build/fuzz/corpus, crashes to build/fuzz/artifacts).
FUZZ_TIME ?= 60
fuzz: deps
	$(MAKE) VARIANT=fuzz WERROR=-Werror fuzzer
	@mkdir -p build/fuzz/corpus build/fuzz/artifacts
	./build/fuzz/lbfuzz-libfuzzer -max_total_time=$(FUZZ_TIME) -max_len=2048 \
		-len_control=20 -timeout=30 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/artifacts/ build/fuzz/corpus $(FUZZ_CORPUS)
	@for t in $(FUZZ_READERS); do mkdir -p build/fuzz/corpus-$$t || exit 1; \
	  ./build/fuzz/lbfuzz-$$t-libfuzzer -max_total_time=$(FUZZ_TIME) -max_len=4096 \
		-timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/artifacts/$$t- build/fuzz/corpus-$$t \
		tests/fuzz/corpus-$$t || exit 1; done

# ------------------------------------------------------- freestanding core
# The core as a guest kernel or firmware builds it: -ffreestanding -nostdinc,
# against the compiler's own freestanding headers (stddef.h, stdint.h,
# stdbool.h, stdatomic.h) and no C library, on three platforms (src/platform.h):
#   spin             the built-in one of LB_FREESTANDING (platform_spin.h);
#   example          an embedder's header of extern hooks
#                    (tests/freestanding/platform_example.h);
#   example-threads  the same with threads for the acceptor and releaser,
#                    a debug build (assertions, the checker).
# Each is linked into one relocatable object, build/freestanding/NAME/lazybuddy.o,
# whose undefined symbols must all be on its allow-list (FS_ALLOW_NAME:
# memset, memcpy, memmove and the platform's hooks), and whose global
# symbols are lb_* and lbi_* alone (tests/freestanding/check.sh); the spin
# one also runs, in a hosted program. The backends come along but mmap.c
# (hosted: mmap, mprotect).
FS_CONFIGS := spin example example-threads
FS_SRC     := $(filter-out src/backend/mmap.c,$(LIB_SRC))
FS_CFLAGS   = -std=c11 $(WARN) -O2 -ffreestanding -nostdinc \
              -isystem $(shell $(CC) -print-file-name=include) -fno-stack-protector \
              -Iinclude -DLB_FREESTANDING
FS_FLAGS_spin :=
FS_FLAGS_example := -Itests/freestanding -DLB_PLATFORM_HEADER='"platform_example.h"'
FS_FLAGS_example-threads := $(FS_FLAGS_example) -DPLATFORM_EXAMPLE_THREADS -DLB_DEBUG=2
FS_ALLOW_spin := memset memcpy memmove
FS_ALLOW_example := $(FS_ALLOW_spin) lb_lock_init lb_lock_fini lb_lock lb_unlock \
                    lb_wait_init lb_wait_fini lb_wait lb_wake_all
FS_ALLOW_example-threads := $(FS_ALLOW_example) lb_thread_self lb_thread_same \
                    lb_task_start lb_task_join lb_task_idle_class lb_clock_ns \
                    lb_wait_until
FS_OBJ    := $(FS_CONFIGS:%=build/freestanding/%/lazybuddy.o)
FS_CHECKS := $(foreach c,$(FS_CONFIGS),\
               "sh tests/freestanding/check.sh $(c) build/freestanding/$(c)/lazybuddy.o $(FS_ALLOW_$(c))") \
             build/freestanding/run

define fs_rules
build/freestanding/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(FS_CFLAGS) $$(FS_FLAGS_$(1)) -MMD -MP -c $$< -o $$@

build/freestanding/$(1)/lazybuddy.o: $$(FS_SRC:%.c=build/freestanding/$(1)/obj/%.o)
	$$(LD) -r -o $$@ $$^
endef
$(foreach c,$(FS_CONFIGS),$(eval $(call fs_rules,$(c))))

# The spin object at work in a hosted program, whose libc supplies memset,
# memcpy and memmove (tests/freestanding/run.c).
build/freestanding/run: tests/freestanding/run.c build/freestanding/spin/lazybuddy.o
	$(CC) -std=c11 $(WARN) -O1 -g -Iinclude -DLB_FREESTANDING -o $@ $^ -lpthread

freestanding-objs: $(FS_OBJ) build/freestanding/run

freestanding: freestanding-objs
	sh tests/run.sh $(FS_CHECKS)

# ------------------------------------------------ shared library, install
# The version is the header's (LB_VERSION_*), read here for the file names.
# build/liblazybuddy.so.MAJOR.MINOR.PATCH has the soname liblazybuddy.so.MAJOR;
# liblazybuddy.so.MAJOR and liblazybuddy.so are symlinks to it, as installed.
# Only lb_* is exported (src/lazybuddy.map); tests/exports.sh checks it.
# -z defs: a library needing more than -lpthread (lazybuddy.pc's
# Libs.private) fails to link here rather than in its users' builds.
lb_version_part = $(shell sed -n 's/^.define LB_VERSION_$(1)  *\([0-9][0-9]*\).*/\1/p' \
                    include/lazybuddy.h)
LB_VERSION := $(call lb_version_part,MAJOR).$(call lb_version_part,MINOR).$(call lb_version_part,PATCH)
LB_SONAME  := liblazybuddy.so.$(call lb_version_part,MAJOR)
LB_SOFILE  := liblazybuddy.so.$(LB_VERSION)

$(B)/$(LB_SOFILE): $(LIB_OBJ) src/lazybuddy.map
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-soname,$(LB_SONAME) -Wl,--version-script=src/lazybuddy.map \
		-Wl,-z,defs -o $@ $(LIB_OBJ) -lpthread

$(B)/$(LB_SONAME): $(B)/$(LB_SOFILE)
	ln -sf $(LB_SOFILE) $@

$(B)/liblazybuddy.so: $(B)/$(LB_SONAME)
	ln -sf $(LB_SONAME) $@

# make install [PREFIX=/usr/local] [LIBDIR=PREFIX/lib] [INCLUDEDIR=...]
# [DESTDIR=staging]: the headers, both libraries, lazybuddy.pc, lbsim and
# lbbench, and what lbsim reads at run time (the shipped trace,
# lbsim-record.sh) in PREFIX/share/lazybuddy, where lbsim looks for them
# from PREFIX/bin (tools/lbsim/cli/paths.c): so bin and share stay PREFIX's.
# make uninstall removes those files and share/lazybuddy, no other folder.
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     := $(PREFIX)/bin
SHAREDIR   := $(PREFIX)/share/lazybuddy
INST_HEADERS := lazybuddy.h lazybuddy_backends.h
INST_LIBS    := liblazybuddy.a $(LB_SOFILE) $(LB_SONAME) liblazybuddy.so
INST_BINS    := lbsim lbbench
INST_SHARE   := lbsim-record.sh default.txt.zst

.PHONY: install uninstall
install:
	$(MAKE) VARIANT=release all
	sed -e 's|@PREFIX@|$(PREFIX)|' \
	    -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
	    -e 's|@VERSION@|$(LB_VERSION)|' src/lazybuddy.pc.in >build/lazybuddy.pc
	install -d "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(LIBDIR)/pkgconfig" \
		"$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(SHAREDIR)"
	install -m 644 $(addprefix include/,$(INST_HEADERS)) "$(DESTDIR)$(INCLUDEDIR)"
	install -m 644 build/liblazybuddy.a "$(DESTDIR)$(LIBDIR)"
	install -m 755 build/$(LB_SOFILE) "$(DESTDIR)$(LIBDIR)"
	ln -sf $(LB_SOFILE) "$(DESTDIR)$(LIBDIR)/$(LB_SONAME)"
	ln -sf $(LB_SONAME) "$(DESTDIR)$(LIBDIR)/liblazybuddy.so"
	install -m 644 build/lazybuddy.pc "$(DESTDIR)$(LIBDIR)/pkgconfig"
	install -m 755 $(addprefix build/,$(INST_BINS)) "$(DESTDIR)$(BINDIR)"
	install -m 755 tools/record/lbsim-record.sh "$(DESTDIR)$(SHAREDIR)"
	install -m 644 data/traces/default.txt.zst "$(DESTDIR)$(SHAREDIR)"
	@# The dynamic linker's cache knows a new library only once ldconfig ran;
	@# a staged install (DESTDIR) is someone else's to register.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ] && command -v ldconfig >/dev/null; then \
		echo ldconfig; ldconfig; \
	fi; \
	if [ -z "$(DESTDIR)" ] && ! { command -v ldconfig >/dev/null && \
	     ldconfig -p 2>/dev/null | grep -q '$(LIBDIR)/$(LB_SONAME)$$'; }; then \
		echo "note: the dynamic linker does not know $(LIBDIR) yet: run ldconfig as root" \
		     "(with $(LIBDIR) in /etc/ld.so.conf.d) or set LD_LIBRARY_PATH=$(LIBDIR)"; \
	fi

uninstall:
	for f in $(INST_HEADERS); do rm -f "$(DESTDIR)$(INCLUDEDIR)/$$f"; done
	for f in $(INST_LIBS); do rm -f "$(DESTDIR)$(LIBDIR)/$$f"; done
	rm -f "$(DESTDIR)$(LIBDIR)/pkgconfig/lazybuddy.pc"
	for f in $(INST_BINS); do rm -f "$(DESTDIR)$(BINDIR)/$$f"; done
	for f in $(INST_SHARE); do rm -f "$(DESTDIR)$(SHAREDIR)/$$f"; done
	if [ -d "$(DESTDIR)$(SHAREDIR)" ]; then rmdir "$(DESTDIR)$(SHAREDIR)"; fi

# What a fresh Debian 12 lacks for the build and the tests (the compiler and
# make aside): clang and its libFuzzer runtime for make fuzz, spin for the
# protocol model, pkg-config for the test of the installed library,
# jemalloc and mimalloc's shared libraries, which lbbench loads at run time
# (dlopen: no headers needed), chromium for the browser test of the HTML
# report, valgrind for the library's paths counted in instructions
# (tools/lbbench/instructions.sh). As root, or through sudo when it needs no password; otherwise it
# says what to install.
DEB_BUILD := zlib1g-dev liblzma-dev libzstd-dev
DEB_PKGS := $(DEB_BUILD) libjemalloc2 libmimalloc2.0 \
            clang libclang-rt-dev spin pkg-config chromium valgrind

# What the build cannot do without (the trace reader's headers), installed
# by make run, make test and the others only when the compiler cannot find
# them (any system: no package manager is asked when they are there); every optional
# part (the browser test, spin, clang, pkg-config, valgrind, jemalloc and
# mimalloc's rows) is detected and skipped without its package, and make deps installs
# them when asked.
BUILD_HEADERS ?= zlib.h lzma.h zstd.h
deps-build:
	@for h in $(BUILD_HEADERS); do printf '#include <%s>\n' "$$h"; done | \
	  $(CC) $(ALL_CPPFLAGS) -E -x c - >/dev/null 2>&1 || \
	  $(MAKE) -s --no-print-directory deps DEB_PKGS="$(DEB_BUILD)"

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	[ -n "$$missing" ] || exit 0; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make deps: no apt-get here; install the equivalents of:$$missing" >&2; exit 1; \
	elif [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	elif ! command -v sudo >/dev/null 2>&1; then \
	  echo "make deps: not root and no sudo; install: apt-get install$$missing" >&2; exit 1; \
	elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else \
	  echo "make deps: not root and sudo wants a password; install: sudo apt-get install$$missing" >&2; \
	  exit 1; \
	fi; \
	echo "installing:$$missing"; \
	$$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $$missing

clean:
	rm -rf build

-include $(foreach c,$(FS_CONFIGS),$(FS_SRC:%.c=build/freestanding/$(c)/obj/%.d))
-include $(LIB_OBJ:.o=.d) $(TOOLS_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) \
	$(MAIN_SRC:%.c=$(B)/obj/%.d)
