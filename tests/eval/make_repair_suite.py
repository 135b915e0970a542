#!/usr/bin/env python3
"""make_repair_suite.py - generates the issue-3 mojibake repair suite from real Debian-packaged
text (tools/corpus.py) as JSON, in the format of ../shared/peer-tests/ftfy/*.json: a list of
{"label", "original" (the damaged text), "fixed" (what a perfect repair gives)} plus our
fields "pair" (the damage, e.g. "utf-8 read as gbk"), "kind" and "expect".

Kinds:
  reversible  one sentence damaged by one wrong decode that succeeded with no replacement
              character and whose bytes come back by encoding the damage again (so a perfect
              repair is possible): at least --per-pair (default 100) cases per pair when the
              corpus has them (the summary says how many it found)
  lossy       the same wrong decode where bytes were undecodable and became U+FFFD (or, for
              windows-1252, were dropped): kept apart, a perfect repair is not possible;
              "fixed" is still the original, for reference
  mixed       five sentences, one line damaged with a reversible case's damage
  clean       text that must come back unchanged ("original" == "fixed")

Pairs (source text for each in parentheses):
  utf-8 read as gbk | big5 | shift_jis | euc-jp | euc-kr     (zh_CN, zh_TW, fortunes, ja)
      decoders: gb18030, big5hkscs, cp932, euc_jp, cp949 (the WHATWG meaning of the labels)
  gbk | big5 | shift_jis | euc-jp | euc-kr read as latin-1 | windows-1252
      (GBK: zh_CN + fortunes; Big5: zh_TW; Shift_JIS, EUC-JP: ja; EUC-KR: vim tutor.ko,
      the only Korean text installed)
  gbk read as big5 (zh_CN), big5 read as gbk (zh_TW), shift_jis read as gbk (ja)
  utf-8 read as windows-1252 | latin-1 (European: vim tutors de fr es it pt nl da sv)
  utf-8 read as windows-1252 (cjk)   Chinese and Japanese UTF-8 read as windows-1252
  utf-8 read as windows-1252, twice  (European and CJK) double encoding
  utf-8 read as gbk, twice           (zh_CN) double encoding
windows-1252 is decoded as browsers do (WHATWG): the five bytes Python's cp1252 leaves
undefined (81 8D 8F 90 9D) become the C1 controls U+0081...; the "lossy" windows-1252 cases
are those where a tool dropped those bytes instead.

Clean set: zh_CN and zh_TW man page sentences, fortunes (chinese.u8), classical poetry
(tang300, song100), Japanese (manpages-ja), Korean (vim tutor.ko), mixed Chinese-English
technical lines from the man pages, accented European text (vim tutors).

Usage: tests/eval/make_repair_suite.py [--out build/eval/repair-suite.json] [--per-pair N]
                                       [--clean N] [--mixed N] [--seed N]
The output is generated, not committed: rerun this script to get it (a few seconds).
"""
import argparse
import json
import os
import random
import re
import sys
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import corpus  # noqa: E402

# Our label -> Python codec used to encode (the damage's source) or decode (the wrong reading).
ENCODE = {"utf-8": "utf-8", "gbk": "gbk", "big5": "big5", "shift_jis": "cp932",
          "euc-jp": "euc_jp", "euc-kr": "euc_kr"}
DECODE = {"gbk": "gb18030", "big5": "big5hkscs", "shift_jis": "cp932", "euc-jp": "euc_jp",
          "euc-kr": "cp949", "latin-1": "latin-1", "windows-1252": "cp1252"}
C1_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
# latin-1 text -> windows-1252 text (WHATWG): 0x80-0x9F but the undefined five are remapped.
WHATWG_1252 = {b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in C1_UNDEFINED}


def wrong_decode(data, wrong):
    """(damaged text, lossless): the bytes read with the wrong codec. Lossless means the
    decode met no invalid byte and encoding the result gives the bytes back."""
    codec = DECODE[wrong]
    if wrong == "windows-1252":
        # WHATWG windows-1252: undefined bytes are the C1 controls of the same value.
        return data.decode("latin-1").translate(WHATWG_1252), True
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return data.decode(codec, "replace"), False
    try:
        back = text.encode(codec)
    except UnicodeEncodeError:
        return text, False
    return text, back == data


def damage(text, src, wrong):
    """Applies "src read as wrong" to text; (damaged, lossless) or None when text cannot be
    written in src."""
    try:
        data = text.encode(ENCODE[src])
    except UnicodeEncodeError:
        return None
    if data.decode(ENCODE[src]) != text:
        return None
    return wrong_decode(data, wrong)


def lossy_1252(text):
    """UTF-8 read as windows-1252 by a tool that drops the undefined bytes (Python's
    errors="ignore"): the common lossy form in the wild."""
    return text.encode("utf-8").decode("cp1252", "ignore")


_pools = {}


def pool(sources, rng, min_chars=6, max_chars=80, count=None):
    """Candidate sentences (and, for short supply, clauses cut at ，、；) of the sources,
    shuffled deterministically (count of them, when given)."""
    key = (tuple(sources), min_chars, max_chars)
    if key not in _pools:
        _pools[key] = _pool(sources, min_chars, max_chars)
    items = _pools[key]
    if count is not None:
        return rng.sample(items, min(count, len(items)))
    items = list(items)
    rng.shuffle(items)
    return items


def _pool(sources, min_chars, max_chars):
    items = []
    for s in sources:
        sents = corpus.sentences(corpus.lines(s))
        items.extend(x for x in sents if min_chars <= len(x) <= max_chars)
        for x in sents:
            for part in re.split(r"(?<=[，、；])", x):
                if min_chars <= len(part) <= 24:
                    items.append(part)
            if min_chars < 6:   # 2-4 character pieces of CJK runs (names, terms, short titles)
                for run in re.findall(r"[\u3040-\u30ff\u4e00-\u9fff]{2,}", x):
                    for k in (2, 3, 4):
                        items.extend(run[i:i + k] for i in range(0, len(run) - k + 1, k + 1))
    return corpus.dedupe(items)


def nonascii(s):
    return any(ord(c) > 127 for c in s)


PAIRS = []  # (pair label, sources, function text -> (damaged, lossless) or None)


def _add(label, sources, fn):
    PAIRS.append((label, sources, fn))


ZH = ["zh_CN", "zh_TW", "chinese"]
EURO = ["vim-" + x for x in ("de", "fr", "es", "it", "pt", "nl", "da", "sv")]
for _w in ("gbk", "big5", "shift_jis", "euc-jp", "euc-kr"):
    _add("utf-8 read as " + _w, ZH + ["ja"], lambda t, w=_w: damage(t, "utf-8", w))
for _s, _src in (("gbk", ["zh_CN", "chinese"]), ("big5", ["zh_TW"]), ("shift_jis", ["ja"]),
                 ("euc-jp", ["ja"]), ("euc-kr", ["vim-ko"])):
    for _w in ("latin-1", "windows-1252"):
        _add("%s read as %s" % (_s, _w), _src, lambda t, s=_s, w=_w: damage(t, s, w))
_add("gbk read as big5", ["zh_CN", "chinese"], lambda t: damage(t, "gbk", "big5"))
_add("big5 read as gbk", ["zh_TW"], lambda t: damage(t, "big5", "gbk"))
_add("shift_jis read as gbk", ["ja"], lambda t: damage(t, "shift_jis", "gbk"))
for _w in ("windows-1252", "latin-1"):
    _add("utf-8 read as " + _w, EURO, lambda t, w=_w: damage(t, "utf-8", w))
_add("utf-8 read as windows-1252 (cjk)", ZH + ["ja"],
     lambda t: damage(t, "utf-8", "windows-1252"))


def _twice(t, wrong, sources_ok=True):
    first = damage(t, "utf-8", wrong)
    if first is None or not first[1]:
        return first
    return damage(first[0], "utf-8", wrong)


_add("utf-8 read as windows-1252, twice", EURO + ["zh_CN", "ja"],
     lambda t: _twice(t, "windows-1252"))
_add("utf-8 read as gbk, twice", ["zh_CN", "chinese"], lambda t: _twice(t, "gbk"))


def build_pairs(args, stats):
    cases, reversible = [], {}
    for k, (label, sources, fn) in enumerate(PAIRS):
        rng = random.Random(args.seed * 100 + k)
        good, bad = [], []
        # UTF-8 read as EUC-JP only decodes when every byte is A1-FE in pairs: whole sentences
        # almost never do, so that pair also draws on words and short phrases.
        short = label == "utf-8 read as euc-jp"
        for n, text in enumerate(pool(sources, rng, min_chars=2 if short else 6)):
            if len(good) >= args.per_pair and (len(bad) >= args.per_pair // 2 or n > 20000):
                break
            if not nonascii(text):
                continue
            r = fn(text)
            if r is None:
                continue
            damaged, lossless = r
            if damaged == text:
                continue
            if lossless and "\ufffd" not in damaged and len(good) < args.per_pair:
                good.append((damaged, text))
            elif not lossless and len(bad) < args.per_pair // 2:
                bad.append((damaged, text))
        if label.startswith("utf-8 read as windows-1252") and "twice" not in label:
            # The lossy form of this pair: the undefined bytes dropped.
            for damaged, text in good[:]:
                lossy = lossy_1252(text)
                if lossy != damaged and len(bad) < args.per_pair // 2:
                    bad.append((lossy, text))
        reversible[label] = good
        for i, (d, t) in enumerate(good):
            cases.append({"label": "%s #%d" % (label, i + 1), "pair": label,
                          "kind": "reversible", "expect": "pass", "original": d, "fixed": t})
        for i, (d, t) in enumerate(bad):
            cases.append({"label": "%s (lossy) #%d" % (label, i + 1), "pair": label,
                          "kind": "lossy", "expect": "lossy", "original": d, "fixed": t})
        stats.append((label, len(good), len(bad)))
    return cases, reversible


def build_mixed(args, reversible):
    """Five lines of one language; one of them is damaged like a reversible case's."""
    rng = random.Random(args.seed * 100 + 77)
    labels = [lab for lab, good in reversible.items() if good]
    lang_of = {lab: src for lab, src, _ in PAIRS}
    cases = []
    for i in range(args.mixed):
        label = labels[i % len(labels)]
        fn = next(f for lab, _, f in PAIRS if lab == label)
        others = pool(lang_of[label], random.Random(args.seed * 1000 + i), count=80)
        damaged = None
        for cand in others:
            r = fn(cand) if nonascii(cand) else None
            if r and r[1] and r[0] != cand and "\ufffd" not in r[0]:
                damaged = (r[0], cand)
                break
        if damaged is None:
            continue
        clean = [x for x in others if x != damaged[1]][:4]
        pos = rng.randrange(5)
        lines_fixed = clean[:pos] + [damaged[1]] + clean[pos:]
        lines_orig = clean[:pos] + [damaged[0]] + clean[pos:]
        cases.append({"label": "mixed: line %d of 5 %s #%d" % (pos + 1, label, i + 1),
                      "pair": "mixed", "kind": "mixed", "expect": "pass",
                      "original": "\n".join(lines_orig) + "\n",
                      "fixed": "\n".join(lines_fixed) + "\n"})
    return cases


def build_clean(args):
    rng = random.Random(args.seed * 100 + 99)
    mixed_tech = [x for x in corpus.sentences(corpus.lines("zh_CN") + corpus.lines("zh_TW"))
                  if corpus.HAN.search(x) and sum(c.isascii() and c.isalpha() for c in x) >= 8]
    sets = {
        "zh_CN": corpus.sentences(corpus.lines("zh_CN")),
        "zh_TW": corpus.sentences(corpus.lines("zh_TW")),
        "fortunes": corpus.sentences(corpus.lines("chinese")),
        "poetry": corpus.lines("poetry"),
        "ja": corpus.sentences(corpus.lines("ja")),
        "ko": corpus.lines("vim-ko"),
        "zh-en technical": mixed_tech,
        "european": [x for x in corpus.lines("vim-" + EURO[0][4:]) + sum(
            (corpus.lines(s) for s in EURO[1:]), []) if nonascii(x)],
    }
    cases = []
    for name, items in sets.items():
        items = [x for x in items if 4 <= len(x) <= 200]
        for i, x in enumerate(corpus.sample(items, args.clean, rng.randrange(1 << 30))):
            cases.append({"label": "clean %s #%d" % (name, i + 1), "pair": "clean " + name,
                          "kind": "clean", "expect": "pass", "original": x, "fixed": x})
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "eval", "repair-suite.json"))
    ap.add_argument("--per-pair", type=int, default=100)
    ap.add_argument("--clean", type=int, default=250, help="clean cases per category")
    ap.add_argument("--mixed", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.time()
    stats = []
    cases, reversible = build_pairs(args, stats)
    cases += build_mixed(args, reversible)
    cases += build_clean(args)
    for c in cases:
        assert unicodedata.is_normalized("NFC", c["fixed"]), c["label"]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print("| pair | reversible | lossy |")
    print("|---|---:|---:|")
    for label, good, bad in stats:
        print("| %s | %d%s | %d |" % (label, good, "" if good >= 60 else " (short)", bad))
    kinds = {}
    for c in cases:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    print("\n%s: %d cases (%s) in %.1f s" % (
        os.path.relpath(args.out), len(cases),
        ", ".join("%s %d" % kv for kv in sorted(kinds.items())), time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
