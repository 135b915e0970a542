# tests/cli/common.sh - sourced by every tests/cli/test_*.sh: the program under test, a scratch
# directory removed on exit, and the pass/fail counters each script reports at its end.
T=${TEXTFIX:-build/textfix}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
