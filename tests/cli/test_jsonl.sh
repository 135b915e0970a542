#!/bin/sh
# tests/cli/test_jsonl.sh - JSON Lines mode: named string fields repaired, every other byte
# of a record kept; records that are not JSON or lack the field pass through and are counted
# (errors with --strict); order kept; output flushed per record from a pipe; a 1 GB file in
# bounded memory (skipped with TF_QUICK=1).
. "$(dirname "$0")/common.sh"
check() { what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
run() { # run WANT_RC DESCRIPTION CMD...
    want=$1; what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, wanted $want: $(head -c 300 "$tmp/err")"; fi
}
line() { sed -n "$1p" "$tmp/out"; }

# Clean records come back byte for byte: spacing, number spelling, escapes, key order,
# duplicate keys, nesting, CRLF, a last line without a newline.
cat >"$tmp/clean.jsonl" <<'EOF'
{"text":"plain","n":1.0e5,"m":-0.0,"ok":true,"z":null}
  { "id" : 7 , "text" : "spaced \u00e9\u4f60 \"quoted\" back\\slash \/ tab\t" }
{"text":"first","text":"duplicate","nested":{"text":"inner"},"arr":[1,{"text":"x"}]}
{"text":"中文文本，没有问题。","emoji":"\ud83d\ude00"}
EOF
printf '{"text":"crlf"}\r\n{"text":"no newline at end"}' >>"$tmp/clean.jsonl"
run 0 "clean records" "$T" --jsonl "$tmp/clean.jsonl"
check "clean records byte-identical" cmp -s "$tmp/out" "$tmp/clean.jsonl"
check "clean: nothing said" [ ! -s "$tmp/err" ]

# Damage the stages fix whatever else is enabled: legacy bytes in a string (decode), a
# terminal escape (cleanup), a decomposed accent (NFC).
printf '{"id":1,  "text":"\304\343\272\303\243\254\312\300\275\347", "keep":"\\u00e9"}\n' >"$tmp/d.jsonl"
printf '{"text":"red\\u001b[31m alert\\u001b[0m", "n": 2}\n' >>"$tmp/d.jsonl"
printf '{"text":"cafe\\u0301 ASCII style"}\n' >>"$tmp/d.jsonl"
printf '{"text":"cafe\314\201 raw style"}\n' >>"$tmp/d.jsonl"
printf '{"title":"\304\343\272\303","text":"clean","body":"\304\343\272\303"}\n' >>"$tmp/d.jsonl"
printf '{"te\\u0078t":"\304\343\272\303"}\n' >>"$tmp/d.jsonl"
run 0 "damaged records" "$T" --jsonl "$tmp/d.jsonl"
check "legacy bytes repaired, rest kept" [ "$(line 1)" = '{"id":1,  "text":"你好，世界", "keep":"\u00e9"}' ]
check "terminal escapes removed" [ "$(line 2)" = '{"text":"red alert", "n": 2}' ]
check "ASCII-escaped record stays ASCII-escaped" [ "$(line 3)" = '{"text":"caf\u00e9 ASCII style"}' ]
check "raw UTF-8 record stays raw" [ "$(line 4)" = '{"text":"café raw style"}' ]
check "only the named field by default" [ "$(line 5)" = "$(sed -n 5p "$tmp/d.jsonl")" ]
check "escaped key matches" [ "$(line 6)" = '{"te\u0078t":"你好"}' ]
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], errors="replace")]' "$tmp/out" && ok || bad "repaired records are valid JSON"
run 0 "several fields" "$T" --jsonl --field title --field body "$tmp/d.jsonl"
check "--field title --field body" [ "$(line 5)" = '{"title":"你好","text":"clean","body":"你好"}' ]
check "fields not named are left" [ "$(line 1)" = "$(sed -n 1p "$tmp/d.jsonl")" ]

# Lines that are not JSON objects, or lack the field, pass through and are counted.
cat >"$tmp/mixed.jsonl" <<'EOF'
{"text":"one"}
not json at all
{"text": "unterminated}
[1,2,3]
{"other":"no text field"}
{"text":42}

{"text":"last"}
EOF
run 0 "mixed records" "$T" --jsonl --report "$tmp/r.jsonl" "$tmp/mixed.jsonl"
check "mixed: passed through unchanged, order kept" cmp -s "$tmp/out" "$tmp/mixed.jsonl"
check "mixed: counted on stderr" grep -q "3 not JSON objects passed through unchanged (first at line 2); 2 lacking a named string field" "$tmp/err"
python3 - "$tmp/r.jsonl" <<'PY' && ok || bad "mixed: counted in the report"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["summary"] and s["records"] == 8 and s["not_json"] == 3 and s["missing_field"] == 2, s
assert s["first_not_json_line"] == 2, s
PY
run 3 "--strict refuses a bad record" "$T" --jsonl --strict "$tmp/mixed.jsonl"
check "--strict names the line" grep -q "mixed.jsonl:2:" "$tmp/err"
check "--strict: records before it written" [ "$(cat "$tmp/out")" = '{"text":"one"}' ]
printf '{"other":1}\n' >"$tmp/nofield.jsonl"
run 3 "--strict refuses a record without the field" "$T" --jsonl --strict "$tmp/nofield.jsonl"
run 1 "--check finds damage" "$T" --jsonl --check "$tmp/d.jsonl"
check "--check writes nothing" [ ! -s "$tmp/out" ]
run 0 "--check clean" "$T" --jsonl --check "$tmp/clean.jsonl"
run 0 "--explain names record and field" "$T" --jsonl --explain "$tmp/d.jsonl"
grep -q ':2: field "text"' "$tmp/err" && ok || bad "--explain: $(head -3 "$tmp/err")"
run 2 "--field without --jsonl" "$T" --field text "$tmp/d.jsonl"

# Idempotent: a second pass changes nothing.
"$T" --jsonl --field title --field body --field text "$tmp/d.jsonl" >"$tmp/p1"
"$T" --jsonl --field title --field body --field text "$tmp/p1" >"$tmp/p2"
check "second pass changes nothing" cmp -s "$tmp/p1" "$tmp/p2"

# From a pipe, each record is flushed as it is done: the consumer does not wait for more.
( printf '{"text":"first"}\n'; sleep 8; printf '{"text":"second"}\n' ) |
    "$T" --jsonl >"$tmp/pipe.out" &
sleep 3
check "record flushed through a pipe" [ "$(cat "$tmp/pipe.out")" = '{"text":"first"}' ]
wait
( yes 'clean text line' | head -c 70000; sleep 8; echo end ) |
    "$T" >"$tmp/plain.out" &
sleep 3
check "plain mode: lines flushed through a pipe" [ "$(wc -c <"$tmp/plain.out")" -eq 70000 ]
wait

if [ -z "$TF_QUICK" ]; then
    # 1 GB of records in bounded memory (peak RSS under 64 MB), output byte-identical.
    rss=$( { yes '{"id":12345,"text":"这是一行中文文本，用来测试流式处理。This line is English.","tags":["a","b"]}' |
             head -c 1000000000 | /usr/bin/time -f '%M' "$T" --jsonl -q | cksum >"$tmp/sum"; } 2>&1 | tail -n 1)
    want=$(yes '{"id":12345,"text":"这是一行中文文本，用来测试流式处理。This line is English.","tags":["a","b"]}' |
           head -c 1000000000 | cksum)
    if [ "$(cat "$tmp/sum")" = "$want" ] && [ "$rss" -lt 65536 ]; then ok; else
        bad "1 GB JSON Lines: checksum $(cat "$tmp/sum") vs $want, peak RSS ${rss} KB"; fi
fi
echo "jsonl: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
