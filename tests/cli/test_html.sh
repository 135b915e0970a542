#!/bin/sh
# tests/cli/test_html.sh - HTML mode: the page's charset is used, text nodes and attribute
# values are repaired, markup is kept byte for byte (but for the charset declaration, which
# must say utf-8 now), <rt>/<rp> ruby annotations are dropped, entities kept unless
# --unescape.
. "$(dirname "$0")/common.sh"
check() { what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
run() { # run WANT_RC DESCRIPTION CMD...
    want=$1; what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, wanted $want: $(head -c 300 "$tmp/err")"; fi
}

cat >"$tmp/page.html" <<'EOF'
<!DOCTYPE html>
<html><head><meta charset="gbk"><title>标题</title>
<style>p { color: red; } /* 注释 */</style>
<script>var s = "<b>不是标签</b>"; if (a < b && c > d) {}</script>
</head>
<BODY class="main" data-x='单引号' data-y=无引号 hidden>
<!-- 注释 <p>不是段落</p> -->
<p>你好，世界 &amp; 朋友 &lt;b&gt; &#20320;&#x597D; &copy; &unknown;</p>
<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp>字<rt>ji</ruby> and <ruby>日<rt>ni</rt></ruby>
<img alt="图片" src="a.png"/> 1 < 2
</BODY></html>
EOF
iconv -f UTF-8 -t GBK "$tmp/page.html" >"$tmp/page-gbk.html"
sed -e 's/charset="gbk"/charset="utf-8"/' \
    -e 's|<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp>字<rt>ji</ruby> and <ruby>日<rt>ni</rt></ruby>|<ruby>漢字</ruby> and <ruby>日</ruby>|' \
    "$tmp/page.html" >"$tmp/expected.html"

run 0 "GBK page" "$T" --html "$tmp/page-gbk.html"
check "GBK page: text decoded, markup kept, ruby dropped, charset says utf-8" cmp -s "$tmp/out" "$tmp/expected.html"
run 0 "UTF-8 page" "$T" --html "$tmp/page.html"
check "UTF-8 page gives the same" cmp -s "$tmp/out" "$tmp/expected.html"
run 0 "idempotent" "$T" --html "$tmp/expected.html"
check "a repaired page comes back byte-identical" cmp -s "$tmp/out" "$tmp/expected.html"
run 0 "--check on a clean page" "$T" --html --check "$tmp/expected.html"
run 1 "--check on a GBK page" "$T" --html --check "$tmp/page-gbk.html"

# Entities stay unless --unescape; then what would read as markup stays a reference.
run 0 "--unescape" "$T" --html --unescape "$tmp/page-gbk.html"
grep -q '<p>你好，世界 &amp; 朋友 &lt;b&gt; 你好 © &unknown;</p>' "$tmp/out" && ok ||
    bad "--unescape: $(grep '<p>' "$tmp/out")"
printf '<p title="&quot;x&quot; &amp; y">a &#x3C;b&#62; c</p>\n' >"$tmp/ent.html"
run 0 "--unescape keeps markup-significant references" "$T" --html --unescape "$tmp/ent.html"
check "--unescape keeps &lt; &amp; &quot;" [ "$(cat "$tmp/out")" = '<p title="&quot;x&quot; &amp; y">a &lt;b&gt; c</p>' ]

# Damage in text and attribute values is repaired; the same bytes in script are code.
printf '<p title="red\033[31m!">bell\007 and e\314\201</p><script>x="\033[31m"</script>\n' >"$tmp/ctl.html"
run 0 "controls" "$T" --html "$tmp/ctl.html"
check "attribute and text repaired, script kept" [ "$(cat "$tmp/out")" = "$(printf '<p title="red!">bell and é</p><script>x="\033[31m"</script>')" ]

# The charset of an http-equiv declaration is rewritten too.
printf '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">\n<p>日本語のテキストです。</p>\n' |
    iconv -f UTF-8 -t SHIFT_JIS >"$tmp/sjis.html"
run 0 "Shift_JIS page" "$T" --html "$tmp/sjis.html"
check "http-equiv charset rewritten, text decoded" [ "$(cat "$tmp/out")" = "$(printf '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n<p>日本語のテキストです。</p>')" ]
run 0 "report" "$T" --html --report "$tmp/r.jsonl" "$tmp/page-gbk.html"
python3 - "$tmp/r.jsonl" <<'PY' && ok || bad "html report summary"
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["mode"] == "html" and s["encoding"] == "GB18030" and s["ruby_annotations_dropped"] == 5, s
PY
head -c 20000 /dev/urandom >"$tmp/bin.dat"
run 0 "binary input" "$T" --html "$tmp/bin.dat"
check "binary passed through" cmp -s "$tmp/out" "$tmp/bin.dat"
run 2 "--unescape needs --html" "$T" --unescape "$tmp/page.html"
run 2 "--html and --jsonl" "$T" --html --jsonl "$tmp/page.html"
echo "html: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
