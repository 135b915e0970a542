#!/usr/bin/env python3
"""make_fixtures.py - writes the decode golden fixtures tests/fixtures/decode-*.{in,args,expected}
from real Debian-packaged text (see tools/corpus.py), deterministically.

Each fixture is a few hundred bytes to under 4 KB of real prose encoded in one legacy
encoding: NAME.in holds the raw bytes, NAME.expected the original text in UTF-8 (NFC, no BOM:
what `textfix` prints), NAME.args runs only the decode and normalize stages, so the fixture
tests decoding and nothing else.

Usage: tools/make_fixtures.py [--check]     (--check: exit 1 if a committed fixture differs)
"""
import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import corpus  # noqa: E402

OUT = os.path.join(ROOT, "tests", "fixtures")
ARGS = "--only decode,normalize\n"
MAX = 4000


def pick(source, codec, count, seed, need=None, min_len=20):
    """count prose lines of source that round-trip through codec (and satisfy need)."""
    ok = [x for x in corpus.lines(source)
          if len(x) >= min_len and corpus.roundtrips(x, codec) and (need is None or need(x))]
    return corpus.sample(ok, count, seed)


def four_byte(x):
    return any(ord(c) > 127 and len(c.encode("gb18030")) == 4 for c in x)


def lines_text(lines, limit=1400):
    """Lines joined with newlines, as many as fit in about `limit` characters."""
    out, n = [], 0
    for x in lines:
        if out and n + len(x) > limit:
            break
        out.append(x)
        n += len(x) + 1
    return "\n".join(out) + "\n"


def fixtures():
    """name -> (text, codec, bom, prefix, suffix): the fixture is
    prefix + text + suffix encoded with codec (after bom)."""
    f = {}
    f["gbk"] = (lines_text(pick("zh_CN", "gbk", 12, 11), 900), "gbk")
    f["gbk-fortune"] = (lines_text(pick("chinese", "gbk", 12, 12), 600), "gbk")
    f["big5"] = (lines_text(pick("zh_TW", "big5", 12, 13), 900), "big5")
    f["cp950"] = (lines_text(pick("vim-zh_tw", "cp950", 12, 14, min_len=10), 700), "cp950")
    # A GB18030 page with characters beyond GBK: their 4-byte sequences must decode too.
    four = pick("zh_CN", "gb18030", 2, 15, need=four_byte)
    f["gb18030"] = (lines_text(four + pick("zh_CN", "gbk", 6, 16), 900), "gb18030")
    f["shift_jis"] = (lines_text(pick("ja", "cp932", 12, 17), 900), "cp932")
    f["euc-jp"] = (lines_text(pick("ja", "euc_jp", 12, 18), 900), "euc_jp")
    f["euc-jp-tutor"] = (lines_text(pick("vim-ja", "euc_jp", 12, 19, min_len=10), 700), "euc_jp")
    f["euc-kr"] = (lines_text(pick("vim-ko", "euc_kr", 14, 20, min_len=10), 900), "euc_kr")
    mixed = (pick("zh_CN", "utf-8", 3, 21) + pick("ja", "utf-8", 3, 22)
             + pick("vim-ko", "utf-8", 2, 23) + pick("vim-de", "utf-8", 2, 24))
    f["utf16le-bom"] = (lines_text(mixed, 800), "utf-16-le", b"\xff\xfe")
    f["utf16be"] = (lines_text(pick("zh_CN", "utf-8", 8, 25), 700), "utf-16-be")
    f["windows-1252-de"] = (lines_text(pick("vim-de", "cp1252", 20, 26,
                                            need=lambda x: any(ord(c) > 127 for c in x)), 900),
                            "cp1252")
    f["windows-1252-fr"] = (lines_text(pick("vim-fr", "cp1252", 20, 27,
                                            need=lambda x: any(ord(c) > 127 for c in x)), 900),
                            "cp1252")
    f["utf8-bom"] = (lines_text(pick("zh_TW", "utf-8", 4, 28) + pick("vim-fr", "utf-8", 4, 29),
                                900), "utf-8", b"\xef\xbb\xbf")
    body = pick("zh_CN", "gbk", 4, 30)
    f["html-meta-gbk"] = (
        "<!DOCTYPE html>\n<html><head><meta charset=\"gbk\"><title>%s</title></head>\n<body>\n"
        % body[0][:12] + "".join("<p>%s</p>\n" % x for x in body[1:]) + "</body></html>\n",
        "gbk")
    body = pick("zh_TW", "big5", 4, 31)
    f["html-http-equiv-big5"] = (
        "<html><head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=big5\">\n"
        "</head><body>\n" + "".join("<p>%s</p>\n" % x for x in body) + "</body></html>\n",
        "big5")
    body = pick("ja", "cp932", 4, 32)
    f["xml-decl-shift_jis"] = (
        "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<doc>\n"
        + "".join("<para>%s</para>\n" % x.replace("&", "&amp;").replace("<", "&lt;")
                  for x in body) + "</doc>\n", "cp932")
    return f


def build():
    out = {}
    for name, spec in fixtures().items():
        text, codec = spec[0], spec[1]
        bom = spec[2] if len(spec) > 2 else b""
        text = unicodedata.normalize("NFC", text)
        raw = bom + text.encode(codec)
        while len(raw) > MAX:           # keep every fixture small: drop whole lines
            text = text[:text.rstrip("\n").rfind("\n") + 1]
            raw = bom + text.encode(codec)
        assert raw[len(bom):].decode(codec) == text, name
        base = os.path.join(OUT, "decode-" + name)
        out[base + ".in"] = raw
        out[base + ".expected"] = text.encode("utf-8")
        out[base + ".args"] = ARGS.encode()
    return out


def main():
    check = "--check" in sys.argv[1:]
    files = build()
    bad = 0
    for path, data in sorted(files.items()):
        old = open(path, "rb").read() if os.path.exists(path) else None
        if old == data:
            continue
        if check:
            print("stale: %s" % os.path.relpath(path, ROOT))
            bad += 1
        else:
            with open(path, "wb") as fh:
                fh.write(data)
            print("wrote %s (%d bytes)" % (os.path.relpath(path, ROOT), len(data)))
    if check:
        print("make_fixtures: %d passed, %d failed" % (len(files) - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
