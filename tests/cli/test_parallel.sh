#!/bin/sh
# tests/cli/test_parallel.sh - textfix as a stdin -> stdout record filter under a distributed
# engine: GNU parallel --pipe -k with 4 workers gives exactly the single-process output, and
# so does any split of the input at line ends (what Hadoop Streaming and Spark's pipe() do).
. "$(dirname "$0")/common.sh"
check() { what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }

if ! command -v parallel >/dev/null; then
    echo "GNU parallel is not installed (make deps installs it)"
    echo "parallel: 0 passed, 1 failed"
    exit 1
fi

# 40,000 records: clean, legacy bytes, terminal escapes, records that are not JSON and
# records without the field, in a fixed pseudo-random mix.
python3 - "$tmp/in.jsonl" <<'PY'
import json, random, sys
random.seed(42)
texts = ["你好，世界。这是第%d条记录。", "日本語のテキスト、第%d行です。", "plain English record %d",
         "中文\x1b[31m带颜色\x1b[0m的第%d条"]
with open(sys.argv[1], "wb") as f:
    for i in range(40000):
        k = random.randrange(10)
        t = texts[i % len(texts)] % i
        if k == 0:
            f.write(b"not json, line %d\n" % i)
        elif k == 1:
            f.write(json.dumps({"id": i, "body": t}).encode() + b"\n")
        elif k == 2:   # raw GBK bytes inside the string
            f.write(b'{"id":%d,"text":"' % i + t.encode("gb18030", "replace").replace(b'"', b"") + b'"}\n')
        else:
            f.write(json.dumps({"id": i, "text": t, "n": [i, i * 0.5]},
                               ensure_ascii=bool(k % 2)).encode() + b"\n")
PY

"$T" --jsonl -q <"$tmp/in.jsonl" >"$tmp/single.jsonl"
check "single process ran" [ -s "$tmp/single.jsonl" ]
check "something was repaired" sh -c "! cmp -s '$tmp/in.jsonl' '$tmp/single.jsonl'"

# GNU parallel: blocks cut at line ends, 4 workers, output kept in input order (-k).
parallel --will-cite --pipe -k -j4 --block 200k "'$T' --jsonl -q" <"$tmp/in.jsonl" >"$tmp/par.jsonl"
check "parallel --pipe -k -j4 equals one process" cmp -s "$tmp/single.jsonl" "$tmp/par.jsonl"
check "parallel used several blocks" [ "$(wc -c <"$tmp/in.jsonl")" -gt 800000 ]

# Same with a record count per block (--recend and -N as a Hadoop-style split).
parallel --will-cite --pipe -k -j4 -N 1000 "'$T' --jsonl -q" <"$tmp/in.jsonl" >"$tmp/parN.jsonl"
check "parallel -N 1000 equals one process" cmp -s "$tmp/single.jsonl" "$tmp/parN.jsonl"

# Hadoop Streaming / Spark pipe(): each split is a separate process over a run of lines.
split -l 7777 "$tmp/in.jsonl" "$tmp/part."
for p in "$tmp"/part.*; do "$T" --jsonl -q <"$p"; done >"$tmp/split.jsonl"
check "split at arbitrary line counts equals one process" cmp -s "$tmp/single.jsonl" "$tmp/split.jsonl"

# Order and count: one output line per input line.
check "one line out per line in" [ "$(wc -l <"$tmp/par.jsonl")" = "$(wc -l <"$tmp/in.jsonl")" ]
echo "parallel: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
