#!/bin/sh
# tests/fuzz/run-libfuzzer.sh [SECONDS] - builds each fuzz target with clang's libFuzzer and
# ASan/UBSan and runs it for SECONDS (default 60) on its corpus; new crashes are left as
# crash-* files to add to tests/fuzz/corpus/TARGET/ once fixed (make fuzz).
set -e
secs=${1:-60}
cd "$(dirname "$0")/../.."
B=build/fuzz
make B=$B CC=clang OPT="-O1 -g" EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
    EXTRA_LDFLAGS="-fsanitize=address,undefined" $B/libtextfix.a
for src in tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -o $B/$t "$src" $B/libtextfix.a \
        $(pkg-config --libs libutf8proc uchardet) -lm -lpthread
    mkdir -p "tests/fuzz/corpus/$t"
    $B/$t -max_total_time="$secs" -max_len=4096 "tests/fuzz/corpus/$t" || exit 1
done
