# lazybuddy build. `make run` runs the default comparison, `make test` builds
# and runs every test (release, debug with the full checker, ASan+UBSan).
#
# Variants build into their own folders: build/ (release), build/debug,
# build/asan. The recursive call with VARIANT=... builds one of them.

CC      ?= cc
VARIANT ?= release

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wvla
CPPFLAGS := -Iinclude -D_DEFAULT_SOURCE -D_GNU_SOURCE

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
else
  $(error unknown VARIANT $(VARIANT))
endif

CFLAGS  ?=
CFLAGS  += $(WARN) $(VFLAGS)
LDFLAGS += $(LDVFLAGS)
LDLIBS  := -lpthread -lm -lz -llzma -lzstd

# The library; the tools' shared code (everything under tools/ but the
# programs' main files), linked into the tools and the tests; the programs.
LIB_SRC   := $(wildcard src/*.c) $(wildcard src/backend/*.c)
MAIN_SRC  := tools/lbsim/main.c tools/lbbench/main.c
TOOLS_SRC := $(filter-out $(MAIN_SRC),$(wildcard tools/*/*.c))
TEST_SRC  := $(wildcard tests/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(B)/obj/%.o)
TOOLS_OBJ := $(TOOLS_SRC:%.c=$(B)/obj/%.o)
TEST_OBJ  := $(TEST_SRC:%.c=$(B)/obj/%.o)

.PHONY: all lib tools tests run test bench clean deps
.DEFAULT_GOAL := all

all: lib tools
lib: $(B)/liblazybuddy.a $(if $(filter release,$(VARIANT)),$(B)/liblazybuddy.so)
tools: $(B)/lbsim $(B)/lbbench
tests: $(B)/lbtest

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/liblazybuddy.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/liblazybuddy.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/libtools.a: $(TOOLS_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/lbsim: $(B)/obj/tools/lbsim/main.o $(B)/libtools.a $(B)/liblazybuddy.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/lbbench: $(B)/obj/tools/lbbench/main.o $(B)/libtools.a $(B)/liblazybuddy.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/lbtest: $(TEST_OBJ) $(B)/libtools.a $(B)/liblazybuddy.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The main job: every policy on every workload, a 16 GiB guest.
run: deps
	$(MAKE) VARIANT=release all
	./build/lbsim

# Wall-clock speed against glibc, jemalloc, mimalloc and mmap (a minute or two).
bench: deps
	$(MAKE) VARIANT=release all
	./build/lbbench

# Every test in every variant; tests/run.sh prints the total line. Under
# ThreadSanitizer only the tests that run threads (it is slow).
TSAN_TESTS := thread stress cache_threads cache_double
test: deps
	$(MAKE) VARIANT=release all tests
	$(MAKE) VARIANT=debug tests
	$(MAKE) VARIANT=asan tests
	$(MAKE) VARIANT=tsan tests
	sh tests/run.sh build/lbtest build/debug/lbtest build/asan/lbtest \
		"build/tsan/lbtest $(TSAN_TESTS)"

# What a fresh Debian 12 lacks for the build (the compiler and make aside).
DEB_PKGS := zlib1g-dev liblzma-dev libzstd-dev libjemalloc-dev libmimalloc-dev
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(TOOLS_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(MAIN_SRC:%.c=$(B)/obj/%.d)
