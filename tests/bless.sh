#!/bin/sh
# tests/bless.sh BUILD_DIR - rewrites every tests/fixtures/NAME.expected (and NAME.report where
# one exists) from the current textfix. Review the diff before committing.
B=${1:-build}
for in in tests/fixtures/*.in; do
    name=${in%.in}
    args=""
    [ -f "$name.args" ] && args=$(cat "$name.args")
    # shellcheck disable=SC2086
    "$B/textfix" $args --report "$name.report.new" "$in" >"$name.expected"
    if [ -f "$name.report" ]; then mv "$name.report.new" "$name.report"; else rm -f "$name.report.new"; fi
done
git status --short tests/fixtures
