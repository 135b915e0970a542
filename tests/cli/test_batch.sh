#!/bin/sh
# tests/cli/test_batch.sh - batch mode as archivists use it: mirrored trees, atomic in-place
# rewrites (SIGKILL mid-write leaves the original intact), read-only files, files vanishing
# during the run, symbolic links, mojibake file names and their collisions, --jobs giving the
# same output as --jobs 1, 10,000 small files, reports and summaries, re-runs.
. "$(dirname "$0")/common.sh"
check() { # check DESCRIPTION CONDITION...
    what=$1; shift
    if "$@"; then ok; else bad "$what"; fi
}
run() { # run WANT_RC DESCRIPTION CMD... (stdout, stderr kept in $tmp/out, $tmp/err)
    want=$1; what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, wanted $want: $(head -c 400 "$tmp/err")"; fi
}
gbk() { printf '\304\343\272\303\243\254\312\300\275\347\n'; } # 你好，世界 in GBK
valid_jsonl() { python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$1"; }
status_of() { # status_of REPORT PATH-SUFFIX
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"].endswith(sys.argv[2]): print(r["status"], r.get("error") or "")' "$1" "$2"
}

# ---- a mirror tree -------------------------------------------------------------------------
src=$tmp/src
mkdir -p "$src/sub/deeper" "$src/empty"
printf 'clean text\n' >"$src/clean.txt"
gbk >"$src/sub/gbk.txt"
gbk >"$src/sub/deeper/gbk2.txt"
head -c 20000 /dev/urandom >"$src/bin.dat"
run 0 "mirror" "$T" -r "$src" -o "$tmp/mir" --report "$tmp/r.jsonl"
check "mirror repairs GBK" [ "$(cat "$tmp/mir/sub/gbk.txt")" = "你好，世界" ]
check "mirror keeps depth" [ "$(cat "$tmp/mir/sub/deeper/gbk2.txt")" = "你好，世界" ]
check "mirror copies clean text" cmp -s "$src/clean.txt" "$tmp/mir/clean.txt"
check "binary copied untouched into the mirror" cmp -s "$src/bin.dat" "$tmp/mir/bin.dat"
check "source untouched" [ "$(gbk)" = "$(cat "$src/sub/gbk.txt")" ]
check "report is JSON Lines" valid_jsonl "$tmp/r.jsonl"
check "one report object per file" [ "$(wc -l <"$tmp/r.jsonl")" = 4 ]
check "report: gbk changed" [ "$(status_of "$tmp/r.jsonl" /sub/gbk.txt)" = "changed " ]
check "report: binary skipped" grep -q '"path":"[^"]*bin.dat","output":"[^"]*","status":"skipped"' "$tmp/r.jsonl"
python3 - "$tmp/r.jsonl" <<'PY' && ok || bad "report fields: path, encoding, confidence, repairs, bytes, status, error"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
g = [r for r in rows if r["path"].endswith("/sub/gbk.txt")][0]
assert g["encoding"] == "GB18030" and 0 < g["confidence"] <= 1, g
assert isinstance(g["repairs"], dict) and g["bytes_in"] == 11 and g["bytes_out"] == 16, g
assert g["error"] is None, g
PY
grep -q "files seen" "$tmp/err" && grep -q "detected encodings" "$tmp/err" && ok || bad "summary table on stderr"
grep -q "GB18030 *2" "$tmp/err" && ok || bad "summary counts encodings: $(cat "$tmp/err")"
if grep -q "$(printf '\r')" "$tmp/err"; then bad "no progress bar when stderr is not a terminal"; else ok; fi
run 0 "quiet mirror" "$T" -q -r "$src" -o "$tmp/outq"
check "--quiet prints nothing" [ ! -s "$tmp/err" ]

# A second run over its own output changes nothing and says so.
run 0 "second run" "$T" -r "$tmp/mir" -o "$tmp/out2"
check "second run: nothing to change" grep -q "nothing to change" "$tmp/err"
check "second run: identical tree" diff -r "$tmp/mir" "$tmp/out2"
run 0 "second run in place" "$T" -r "$tmp/out2" --in-place
check "in place over clean tree says so" grep -q "no file was written" "$tmp/err"

# --check writes nothing and exits 1 when something would change.
run 1 "--check" "$T" -r "$src" --check
check "--check wrote nothing" [ "$(gbk)" = "$(cat "$src/sub/gbk.txt")" ]

# ---- --jobs N equals --jobs 1 --------------------------------------------------------------
python3 - "$tmp/many" <<'PY'
import os, sys, random
root = sys.argv[1]
random.seed(7)
texts = ["你好，世界。这是一个测试。\n", "日本語のテキストです。\n", "plain ascii line\n"]
encs = ["gbk", "big5", "shift_jis", "euc_jp", "utf-8"]
for i in range(10000):
    d = os.path.join(root, "d%02d" % (i % 50))
    os.makedirs(d, exist_ok=True)
    enc = encs[i % len(encs)]
    t = texts[i % len(texts)] * (1 + i % 7)
    try:
        data = t.encode(enc)
    except UnicodeEncodeError:
        data = t.encode("utf-8")
    open(os.path.join(d, "f%05d.txt" % i), "wb").write(data)
PY
start=$(date +%s)
run 0 "10,000 files --jobs 4" "$T" -r "$tmp/many" -o "$tmp/m4" --jobs 4 --report "$tmp/m4.jsonl"
mv "$tmp/err" "$tmp/m4.err"
run 0 "10,000 files --jobs 1" "$T" -r "$tmp/many" -o "$tmp/m1" --jobs 1 --report "$tmp/m1.jsonl"
check "10,000 files all written" [ "$(find "$tmp/m4" -type f | wc -l)" = 10000 ]
check "--jobs 4 tree equals --jobs 1" diff -r "$tmp/m1" "$tmp/m4"
sed -i 's|/m4/|/m1/|' "$tmp/m4.jsonl"
check "--jobs 4 report equals --jobs 1" cmp -s "$tmp/m1.jsonl" "$tmp/m4.jsonl"
sed 's/summary ([0-9.]* s)/summary/' "$tmp/err" >"$tmp/m1.err2"
sed 's/summary ([0-9.]* s)/summary/' "$tmp/m4.err" >"$tmp/m4.err2"
check "--jobs 4 messages and summary equal --jobs 1" cmp -s "$tmp/m1.err2" "$tmp/m4.err2"
check "10,000 files in reasonable time" [ $(($(date +%s) - start)) -lt 120 ]
rm -rf "$tmp/m1" "$tmp/m4" "$tmp/many"

# ---- in place ------------------------------------------------------------------------------
ip=$tmp/ip
mkdir -p "$ip"
gbk >"$ip/a.txt"
chmod 640 "$ip/a.txt"
touch -d '2001-02-03 04:05:06' "$ip/a.txt"
printf 'clean\n' >"$ip/b.txt"
touch -d '2002-01-01 00:00:00' "$ip/b.txt"
ino_b=$(stat -c %i "$ip/b.txt")
run 0 "in place" "$T" -r "$ip" --in-place --backup .orig
check "in place repairs" [ "$(cat "$ip/a.txt")" = "你好，世界" ]
check "in place keeps mode" [ "$(stat -c %a "$ip/a.txt")" = 640 ]
check "in place keeps mtime" [ "$(stat -c %Y "$ip/a.txt")" = "$(date -d '2001-02-03 04:05:06' +%s)" ]
check "backup holds the original" [ "$(cat "$ip/a.txt.orig")" = "$(gbk)" ]
check "unchanged file not rewritten" [ "$(stat -c %i "$ip/b.txt")" = "$ino_b" ]
check "no backup for an unchanged file" [ ! -e "$ip/b.txt.orig" ]
run 0 "in place again" "$T" -r "$ip" --in-place --backup .orig
check "re-run: nothing to change, backups not repaired" grep -q "nothing to change" "$tmp/err"
check "re-run keeps the backup" [ "$(cat "$ip/a.txt.orig")" = "$(gbk)" ]
gbk >"$ip/c.txt"
run 0 "in place on FILE operands" "$T" --in-place "$ip/c.txt"
check "FILE operand repaired" [ "$(cat "$ip/c.txt")" = "你好，世界" ]

# Read-only files are left alone (reported), even for root.
gbk >"$ip/ro.txt"
chmod 444 "$ip/ro.txt"
run 0 "read-only file" "$T" -r "$ip" --in-place --report "$tmp/ro.jsonl"
check "read-only file intact" [ "$(cat "$ip/ro.txt")" = "$(gbk)" ]
check "read-only file reported" grep -q "ro.txt: read-only" "$tmp/err"
check "read-only mode kept" [ "$(stat -c %a "$ip/ro.txt")" = 444 ]
if [ "$(id -u)" != 0 ]; then
    mkdir "$tmp/rodir"; gbk >"$tmp/rodir/x.txt"; chmod 555 "$tmp/rodir"
    run 3 "read-only directory" "$T" -r "$tmp/rodir" --in-place
    check "read-only directory: file intact" [ "$(cat "$tmp/rodir/x.txt")" = "$(gbk)" ]
    chmod 755 "$tmp/rodir"
else
    ok; ok # root can write into any directory
fi

# ---- killed mid-write ----------------------------------------------------------------------
kd=$tmp/kill
mkdir -p "$kd"
python3 -c "
import sys
line = ('这是一行中文文本，用来测试批处理的安全写入。' * 4 + '\n').encode('gbk')
sys.stdout.buffer.write(line * (150_000_000 // len(line)))" >"$kd/big.txt"
cp "$kd/big.txt" "$tmp/big.orig"
wait_tmp() { # waits until a temporary file exists in $1 (at most 10 s)
    for _ in $(seq 1 200); do
        ls -A "$1" | grep -q '^\.textfix-tmp\.' && return 0
        sleep 0.05
    done
    return 1
}
"$T" -q -r "$kd" --in-place --jobs 1 &
pid=$!
wait_tmp "$kd" && kill -KILL $pid
wait $pid 2>/dev/null
check "SIGKILL: original intact" cmp -s "$kd/big.txt" "$tmp/big.orig"
check "SIGKILL: no other file appeared" [ "$(ls "$kd")" = big.txt ]
run 0 "re-run after SIGKILL" "$T" -r "$kd" --in-place
check "re-run removes the stale temporary file" [ "$(ls -A "$kd")" = big.txt ]
check "re-run completes the repair" [ "$(head -c 15 "$kd/big.txt")" = "这是一行中" ]
cp "$tmp/big.orig" "$kd/big.txt"
"$T" -q -r "$kd" --in-place --jobs 1 &
pid=$!
wait_tmp "$kd" && kill -TERM $pid
wait $pid 2>/dev/null
check "SIGTERM: original intact" cmp -s "$kd/big.txt" "$tmp/big.orig"
check "SIGTERM: temporary file removed" [ "$(ls -A "$kd")" = big.txt ]

# ---- files vanishing during the run -------------------------------------------------------
cp "$tmp/big.orig" "$kd/a-big.txt"
rm -f "$kd/big.txt"
gbk >"$kd/b-small.txt"
"$T" -r "$kd" --in-place --jobs 1 --report "$tmp/v.jsonl" 2>"$tmp/v.err" &
pid=$!
wait_tmp "$kd" && rm -f "$kd/b-small.txt"
wait $pid
rc=$?
check "vanished file: exit 0 (rc $rc)" [ "$rc" = 0 ]
check "vanished file reported as skipped" [ "$(status_of "$tmp/v.jsonl" b-small.txt | cut -d' ' -f1)" = skipped ]
check "vanished file not recreated" [ ! -e "$kd/b-small.txt" ]
cp "$tmp/big.orig" "$kd/a-big.txt"
"$T" -r "$kd" --in-place --jobs 1 --report "$tmp/v2.jsonl" 2>"$tmp/v.err" &
pid=$!
wait_tmp "$kd" && rm -f "$kd/a-big.txt"
wait $pid
check "file removed while being repaired: not recreated" [ ! -e "$kd/a-big.txt" ]
check "file removed while being repaired: reported" grep -q "vanished" "$tmp/v.err"
check "no temporary file left" [ -z "$(ls -A "$kd")" ]

# ---- symbolic links ------------------------------------------------------------------------
sl=$tmp/sl
mkdir -p "$sl/real" "$tmp/outside"
gbk >"$tmp/outside/target.txt"
gbk >"$sl/real/r.txt"
ln -s "$tmp/outside/target.txt" "$sl/link.txt"
ln -s "$tmp/outside" "$sl/linkdir"
ln -s .. "$sl/real/loop"
run 0 "symlinks in place" "$T" -r "$sl" --in-place
check "symlink target untouched" [ "$(cat "$tmp/outside/target.txt")" = "$(gbk)" ]
check "symlink still a symlink" [ -L "$sl/link.txt" ]
check "symlinks reported" grep -q "link.txt: symbolic link; not followed" "$tmp/err"
check "real file repaired" [ "$(cat "$sl/real/r.txt")" = "你好，世界" ]
run 0 "--follow-symlinks mirror" timeout 20 "$T" -r "$sl" -o "$tmp/slout" --follow-symlinks
check "followed link copied as a repaired file" [ "$(cat "$tmp/slout/link.txt")" = "你好，世界" ]
check "followed directory link" [ "$(cat "$tmp/slout/linkdir/target.txt")" = "你好，世界" ]
check "link loop not entered" grep -q "loop" "$tmp/err"

# ---- mojibake file names and collisions ----------------------------------------------------
nm=$tmp/names
mkdir -p "$nm"
moj=$(printf '\304\343\272\303')    # 你好 in GBK, as a file name
printf 'one\n' >"$nm/$moj.txt"
run 0 "mojibake name reported" "$T" -r "$nm" -o "$tmp/nmout"
check "name reported, not renamed without --fix-names" grep -q "fix-names would rename it to '你好.txt'" "$tmp/err"
check "mirror keeps the name without --fix-names" [ -e "$tmp/nmout/$moj.txt" ]
run 0 "--fix-names mirror" "$T" -r "$nm" -o "$tmp/nmout2" --fix-names
check "--fix-names mirror renames" [ "$(cat "$tmp/nmout2/你好.txt")" = one ]
printf 'two\n' >"$nm/你好.txt"
run 0 "name collision" "$T" -r "$nm" --in-place --fix-names
check "collision reported" grep -q "taken by another file" "$tmp/err"
check "collision: both files kept" [ "$(cat "$nm/$moj.txt")" = one ] && [ "$(cat "$nm/你好.txt")" = two ]
rm "$nm/你好.txt"
run 0 "--fix-names in place" "$T" -r "$nm" --in-place --fix-names
check "--fix-names renames in place" [ "$(cat "$nm/你好.txt")" = one ] && [ ! -e "$nm/$moj.txt" ]

# ---- errors --------------------------------------------------------------------------------
run 2 "-r without -o or --in-place" "$T" -r "$src"
run 3 "-r on a missing directory" "$T" -r "$tmp/nope" -o "$tmp/x"
run 2 "--backup without --in-place" "$T" -r "$src" -o "$tmp/x" --backup .b
run 2 "bad --jobs" "$T" -r "$src" -o "$tmp/x" --jobs 0
run 3 "-o DIR onto the tree itself refused" "$T" -r "$src" -o "$src"
check "refusal says to use --in-place" grep -q "in-place" "$tmp/err"

# The modes combine: a tree of JSON Lines files.
mkdir -p "$tmp/jl"
printf '{"id":1,"text":"\304\343\272\303"}\n' >"$tmp/jl/a.jsonl"
run 0 "--jsonl in batch mode" "$T" -r "$tmp/jl" -o "$tmp/jlout" --jsonl --report "$tmp/jl.jsonl"
check "--jsonl batch output" [ "$(cat "$tmp/jlout/a.jsonl")" = '{"id":1,"text":"你好"}' ]
check "--jsonl batch report" grep -q '"status":"changed"' "$tmp/jl.jsonl"

# ---- progress bar on a terminal ------------------------------------------------------------
if command -v script >/dev/null; then
    script -qec "'$T' -r '$src' -o '$tmp/pout'" /dev/null >"$tmp/tty" 2>&1
    grep -q "files" "$tmp/tty" && grep -q "ETA" "$tmp/tty" && ok || bad "progress bar on a terminal"
    script -qec "'$T' -q -r '$src' -o '$tmp/pout2'" /dev/null >"$tmp/tty" 2>&1
    if grep -q "ETA" "$tmp/tty"; then bad "--quiet hides the progress bar"; else ok; fi
fi

echo "batch: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
