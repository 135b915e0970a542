#!/bin/sh
# tests/cli/test_install.sh - `make install` into a prefix, then a C program built with
# `pkg-config --cflags --libs textfix` links and runs against the shared library, and
# `make uninstall` removes every file again.
if [ -n "$TF_SANITIZE" ]; then
    echo "install: 0 passed, 0 failed (skipped under sanitizers)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
B=${TF_BUILD:-build}
make -s B="$B" PREFIX="$tmp/prefix" install >"$tmp/log" 2>&1 && ok || { bad "make install: $(tail -5 "$tmp/log")"; }
cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <textfix.h>
int main(void)
{
    tf_ctx *ctx = tf_ctx_create();
    char *out;
    size_t n;
    int rc = tf_fix(ctx, "caf\xC3\xA9\n", 6, &out, &n);
    int good = rc == TF_OK && !strcmp(out, "caf\xC3\xA9\n");
    printf("%s %s\n", tf_version_string(), good ? "ok" : "bad");
    tf_free(out);
    tf_ctx_free(ctx);
    return !good;
}
C
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs textfix) && ok || bad "pkg-config finds textfix"
cc -o "$tmp/prog" "$tmp/prog.c" $flags 2>"$tmp/err" && ok || bad "link with pkg-config flags: $(cat "$tmp/err")"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/prog" | grep -q " ok$" && ok || bad "program runs"
readelf -d "$tmp/prefix/lib/libtextfix.so" | grep -q "SONAME.*libtextfix.so.0" && ok || bad "soname"
if nm -D --defined-only "$tmp/prefix/lib/libtextfix.so" | awk '{print $3}' | grep -v '^tf_' | grep -q .; then
    bad "only tf_ symbols are exported: $(nm -D --defined-only "$tmp/prefix/lib/libtextfix.so" | awk '{print $3}' | grep -v '^tf_' | head -3)"
else ok; fi
[ -x "$tmp/prefix/bin/textfix" ] && ok || bad "textfix installed"
make -s B="$B" PREFIX="$tmp/prefix" uninstall >/dev/null 2>&1
left=$(find "$tmp/prefix" -type f | wc -l)
[ "$left" = 0 ] && ok || bad "uninstall left $left files"
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
