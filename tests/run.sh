#!/bin/sh
# tests/run.sh BUILD_DIR [--valgrind] - runs every test suite and ends with the line
# "N passed, N failed". Each suite is a program or script that prints its own
# "SUITE: N passed, N failed" line last; this script adds them up. A suite that crashes or
# prints no such line counts as one failure.
#   build/tests/test_*        unit tests (tests/unit/test_*.c), one program per stage
#   build/tests/replay_*      fuzz targets replaying tests/fuzz/corpus/<target>/*
#   tests/golden.sh           tests/fixtures/NAME.in (+ NAME.args) -> NAME.expected
#   tests/cli/test_*.sh       CLI behaviour (exit codes, errors, files, pipes)
#   tests/py/test_*.py        property and corpus tests driven from Python
B=${1:-build}
VG=""
[ "$2" = "--valgrind" ] && VG="valgrind -q --error-exitcode=99 --leak-check=full --suppressions=tests/valgrind.supp"
export TEXTFIX="$(pwd)/$B/textfix" TF_BUILD="$(pwd)/$B"
total_p=0
total_f=0
log=$(mktemp)
run_suite() {
    name=$1
    shift
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^([A-Za-z0-9_./-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2/p')
    if [ -z "$p" ]; then p=0; f=1; fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    total_p=$((total_p + p))
    total_f=$((total_f + f))
    if [ "$f" -ne 0 ]; then
        echo "FAILED $name (exit $rc): $p passed, $f failed"
        sed 's/^/    /' "$log" | tail -n 40
    else
        echo "ok     $name: $p passed"
    fi
}
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    run_suite "$(basename "$t")" $VG "$t"
done
for t in "$B"/tests/replay_*; do
    [ -x "$t" ] || continue
    target=$(basename "$t" | sed 's/^replay_//')
    run_suite "$(basename "$t")" $VG "$t" "tests/fuzz/corpus/$target"
done
run_suite golden sh tests/golden.sh "$B"
for t in tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    run_suite "$(basename "$t")" sh "$t"
done
for t in tests/py/test_*.py; do
    [ -f "$t" ] || continue
    run_suite "$(basename "$t")" python3 "$t"
done
rm -f "$log"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
