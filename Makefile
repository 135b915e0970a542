# Makefile for libtextfix (GNU make). See README.md.
VERSION := $(shell sed -n 's/^\#define TF_VERSION_STRING "\(.*\)"/\1/p' include/textfix.h)
SOVERSION := $(shell sed -n 's/^\#define TF_VERSION_MAJOR \([0-9]*\)/\1/p' include/textfix.h)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=

CC ?= cc
B ?= build
OPT ?= -O2
WARN := -Wall -Wextra -Werror
DEPS_CFLAGS := $(shell pkg-config --cflags libutf8proc uchardet 2>/dev/null)
DEPS_LIBS := $(shell pkg-config --libs libutf8proc uchardet 2>/dev/null || echo -lutf8proc -luchardet)
CFLAGS_ALL := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) -g $(WARN) \
	-Iinclude -Ilib $(DEPS_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS_ALL := $(LDFLAGS) $(EXTRA_LDFLAGS)

LIB_SRC := $(sort $(wildcard lib/*.c lib/tables/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_SRC := $(sort $(wildcard cli/*.c))
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/tests/replay_%)

.PHONY: all lib cli deps demo test test-build check unit asan ubsan valgrind bench tables check-tables \
	install uninstall clean bless fuzz eval

all: $(B)/libtextfix.a $(B)/libtextfix.so $(B)/textfix $(B)/textfix.pc

$(B)/obj/%.o: %.c $(wildcard include/*.h lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fPIC -fvisibility=hidden -c $< -o $@

$(B)/libtextfix.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libtextfix.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libtextfix.so.$(SOVERSION) -o $(B)/libtextfix.so.$(VERSION) $^ \
		$(LDFLAGS_ALL) $(DEPS_LIBS) -lm
	ln -sf libtextfix.so.$(VERSION) $(B)/libtextfix.so.$(SOVERSION)
	ln -sf libtextfix.so.$(VERSION) $@

# The CLI links the static library so build/textfix runs from the tree; it uses only the
# public API (cli/ sees include/ only).
$(B)/textfix: $(CLI_SRC) $(B)/libtextfix.a include/textfix.h
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) -g $(WARN) -Iinclude \
		$(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(CLI_SRC) $(B)/libtextfix.a $(LDFLAGS_ALL) $(DEPS_LIBS) -lpthread -lm

$(B)/textfix.pc: textfix.pc.in include/textfix.h
	@mkdir -p $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' $< > $@

$(B)/tests/%: tests/unit/%.c $(B)/libtextfix.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(B)/libtextfix.a $(LDFLAGS_ALL) $(DEPS_LIBS) -lpthread -lm

# Fuzz targets built with a replay driver, so gcc builds run their regression corpus.
$(B)/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay.c $(B)/libtextfix.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< tests/fuzz/replay.c $(B)/libtextfix.a $(LDFLAGS_ALL) $(DEPS_LIBS) -lm

deps:
	@sh tools/install-deps.sh

# demo and test install what is missing first, then build in a new make, so that the
# pkg-config flags above are read after the packages exist (on a fresh machine).
demo: deps
	@$(MAKE) --no-print-directory all >/dev/null
	./$(B)/textfix tests/fixtures/qinghai-news.txt

test: deps
	@$(MAKE) --no-print-directory test-build
	@sh tests/run.sh $(B)

test-build: all $(TEST_BIN) $(FUZZ_REPLAY)

check: test

# The sanitizer run skips the multi-gigabyte stream tests (TF_QUICK) and the install test
# (an instrumented library cannot link an uninstrumented program).
asan:
	TF_QUICK=1 TF_SANITIZE=1 $(MAKE) B=build/asan OPT="-O1 -fno-omit-frame-pointer" \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" test

ubsan: asan

valgrind: all $(TEST_BIN)
	@sh tests/run.sh $(B) --valgrind

fuzz:
	@sh tests/fuzz/run-libfuzzer.sh

bench: all
	@sh bench/run.sh

# Accuracy on real Debian-packaged text, beside the peers (a few minutes; see tests/eval/).
# Each script exits non-zero when its target is missed; the others still run ("-").
eval: deps all
	-python3 tests/eval/detect_eval.py --quick
	python3 tests/eval/make_repair_suite.py
	-python3 tests/eval/repair_eval.py
	-python3 tests/eval/resync_eval.py
	-python3 tests/eval/damage_ruby_punct.py

tables:
	python3 tools/gen_tables.py --write

check-tables:
	python3 tools/gen_tables.py --check

bless: all
	@sh tests/bless.sh $(B)

install: all
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/textfix.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(B)/libtextfix.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(B)/libtextfix.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libtextfix.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libtextfix.so.$(SOVERSION)
	ln -sf libtextfix.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libtextfix.so
	install -m 755 $(B)/textfix $(DESTDIR)$(BINDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' textfix.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/textfix.pc

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/textfix.h $(DESTDIR)$(LIBDIR)/libtextfix.a \
		$(DESTDIR)$(LIBDIR)/libtextfix.so $(DESTDIR)$(LIBDIR)/libtextfix.so.$(SOVERSION) \
		$(DESTDIR)$(LIBDIR)/libtextfix.so.$(VERSION) $(DESTDIR)$(BINDIR)/textfix \
		$(DESTDIR)$(PKGCONFIGDIR)/textfix.pc

clean:
	rm -rf build

# ---- Chinese conversion (issue 5) ----------------------------------------------------------
# The long conformance run against Debian's opencc: >= 2 MB of real text per configuration.
# `make test` runs a ~1 MB sample of it through tests/py/test_zh_conformance.py.
.PHONY: zh-conformance
zh-conformance: all
	@sh tests/zh/full_conformance.sh $(B)
