#!/bin/sh
# tests/cli/test_cli.sh - the textfix program as users run it: exit statuses, errors that
# name the file and the offset, several files, reports, pipes, full disks, binary files,
# huge lines and streams in bounded memory. Set TF_QUICK=1 to skip the multi-GB cases.
. "$(dirname "$0")/common.sh"
expect_rc() { # expect_rc WANT DESCRIPTION CMD...
    want=$1; what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, wanted $want: $(head -c 300 "$tmp/err")"; fi
}

expect_rc 0 "--version" "$T" --version
grep -q "^textfix [0-9]" "$tmp/out" && ok || bad "--version output"
expect_rc 0 "--help" "$T" --help
grep -q "Exit status" "$tmp/out" && ok || bad "--help lists exit statuses"
expect_rc 2 "unknown option" "$T" --no-such-option
expect_rc 2 "bad --only" "$T" --only nonsense
expect_rc 2 "bad --from" "$T" --from no-such-enc /dev/null

printf 'clean text\n' >"$tmp/clean.txt"
printf '\304\343\272\303\243\254\312\300\275\347\n' >"$tmp/gbk.txt"
expect_rc 0 "clean file" "$T" "$tmp/clean.txt"
cmp -s "$tmp/out" "$tmp/clean.txt" && ok || bad "clean text changed"
expect_rc 0 "gbk file" "$T" "$tmp/gbk.txt"
[ "$(cat "$tmp/out")" = "你好，世界" ] && ok || bad "gbk decode: $(cat "$tmp/out")"

expect_rc 3 "missing file among others" "$T" "$tmp/nope.txt" "$tmp/clean.txt"
grep -q "nope.txt" "$tmp/err" && ok || bad "error names the missing file"
cmp -s "$tmp/out" "$tmp/clean.txt" && ok || bad "other files still processed"

chmod 000 "$tmp/clean.txt"
if [ "$(id -u)" != 0 ]; then
    expect_rc 3 "unreadable file" "$T" "$tmp/clean.txt"
else
    ok # root reads anything
fi
chmod 644 "$tmp/clean.txt"

expect_rc 0 "--check clean" "$T" --check "$tmp/clean.txt"
[ ! -s "$tmp/out" ] && ok || bad "--check writes nothing"
expect_rc 1 "--check gbk" "$T" --check "$tmp/gbk.txt"

printf 'abc\377def\n' >"$tmp/invalid.txt"
expect_rc 3 "--strict invalid byte" "$T" --strict --from utf-8 "$tmp/invalid.txt"
grep -q "offset 3" "$tmp/err" && grep -q "invalid.txt" "$tmp/err" && ok || bad "strict error names file and offset: $(cat "$tmp/err")"
expect_rc 0 "lenient invalid byte" "$T" --from utf-8 "$tmp/invalid.txt"
[ "$(cat "$tmp/out")" = "abc�def" ] && ok || bad "invalid byte becomes U+FFFD"

expect_rc 0 "-o FILE" "$T" -o "$tmp/o.txt" "$tmp/gbk.txt"
[ "$(cat "$tmp/o.txt")" = "你好，世界" ] && ok || bad "-o writes the file"

expect_rc 0 "--report" "$T" --report "$tmp/r.jsonl" --from utf-8 "$tmp/invalid.txt"
python3 - "$tmp/r.jsonl" <<'PY' && ok || bad "report is JSON Lines with an item and a summary"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows[0]["rule"] == "invalid-bytes" and rows[0]["in_offset"] == 3, rows
assert rows[-1]["summary"] and rows[-1]["invalid_bytes"] == 1, rows
PY
expect_rc 0 "--explain" "$T" --explain --from utf-8 "$tmp/invalid.txt"
grep -q "invalid-bytes" "$tmp/err" && ok || bad "--explain describes the change"

: >"$tmp/empty.txt"
expect_rc 0 "empty input" "$T" "$tmp/empty.txt"
[ ! -s "$tmp/out" ] && ok || bad "empty output for empty input"
expect_rc 0 "stdin" sh -c "printf 'x\n' | '$T'"

head -c 20000 /dev/urandom >"$tmp/bin.dat"
expect_rc 0 "binary file" "$T" "$tmp/bin.dat"
cmp -s "$tmp/out" "$tmp/bin.dat" && ok || bad "binary file passed through unchanged"
grep -q "binary" "$tmp/err" && ok || bad "binary file reported"
expect_rc 3 "binary --strict" "$T" --strict "$tmp/bin.dat"

expect_rc 4 "full disk" sh -c "'$T' '$tmp/gbk.txt' > /dev/full"
yes 'a line of clean text to fill a pipe' | head -c 20000000 >"$tmp/big.txt"
timeout 20 sh -c "'$T' '$tmp/big.txt' 2>'$tmp/err'; echo \$? >'$tmp/rc'" | head -c 10 >/dev/null
[ "$(cat "$tmp/rc")" = 4 ] && ok || bad "closed pipe: exit $(cat "$tmp/rc"), wanted 4"

if [ -z "$TF_QUICK" ]; then
    # A single 100 MB line passes through byte-identical.
    head -c 100000000 /dev/zero | tr '\0' 'x' >"$tmp/line.txt"
    "$T" "$tmp/line.txt" | cmp -s - "$tmp/line.txt" && ok || bad "100 MB single line"
    rm -f "$tmp/line.txt"
    # A 2 GB stream in bounded memory (peak RSS under 64 MB).
    rss=$( { yes '这是一行中文文本，用来测试流式处理。This line is English.' | head -c 2000000000 |
             /usr/bin/time -f '%M' "$T" | wc -c >"$tmp/n"; } 2>&1 | tail -n 1)
    if [ "$(cat "$tmp/n")" = 2000000000 ] && [ "$rss" -lt 65536 ]; then ok; else
        bad "2 GB stream: $(cat "$tmp/n") bytes out, peak RSS ${rss} KB"; fi
fi
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
