#!/bin/sh
# tests/golden.sh BUILD_DIR - golden fixtures: tests/fixtures/NAME.in, run through
# `textfix [NAME.args]`, must produce NAME.expected byte for byte (and NAME.report, when it
# exists, must equal the --report output). `make bless` rewrites the expected files.
B=${1:-build}
bin="$B/textfix"
pass=0
fail=0
tmp=$(mktemp -d)
for in in tests/fixtures/*.in; do
    [ -f "$in" ] || continue
    name=${in%.in}
    args=""
    [ -f "$name.args" ] && args=$(cat "$name.args")
    # shellcheck disable=SC2086
    "$bin" $args --report "$tmp/report" "$in" >"$tmp/out" 2>"$tmp/err"
    ok=1
    if ! cmp -s "$tmp/out" "$name.expected"; then ok=0; echo "FAIL $name: output differs"; fi
    if [ -f "$name.report" ] && ! cmp -s "$tmp/report" "$name.report"; then
        ok=0; echo "FAIL $name: report differs"
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
rm -rf "$tmp"
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
