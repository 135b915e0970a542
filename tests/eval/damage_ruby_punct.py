#!/usr/bin/env python3
"""damage_ruby_punct.py - measures the ruby and punctuation stages on real Debian-packaged text.

Corpus: the Chinese man pages of manpages-zh (/usr/share/man/zh_CN, zh_TW; groff markup
stripped) and the fortunes of fortunes-zh (/usr/share/games/fortunes/*.u8; escapes stripped).
Every man page and every fortune file is one document; each document is one textfix input
(one stream), and a "case" is one line with Han characters in it.

Suites (each prints "NAME: exact X% (n/N)"):
  ruby-common   ruby annotations (tone-marked pinyin) after 30% of Han characters, using the
                character's most frequent reading (kHanyuPinlu, else kMandarin): the
                contextually likely one. `textfix --only ruby` must give the original back.
  ruby-any      the same with a random reading out of all of the character's readings.
  ruby-forms    the same, annotations in tone numbers (nei4) or zhuyin (ㄋㄟˋ) half the time.
  punct-all     NFKC applied to the fullwidth punctuation (，；：！？（） and the rest of U+FF01-FF5E)
                and to …: `textfix --only punct` must restore it. Cases: lines that had any.
                Expected output: the original, with fullwidth letters and digits in ASCII
                (the stage's documented normalization).
  punct         the same, counting only lines the author wrote consistently (no ASCII mark
                next to a CJK character in the original): mixed lines cannot be undone.
  clean         the untouched corpus plus hand-written lines with real parentheses, pinyin
                written on purpose, times and URLs, through `--only ruby,punct`: unchanged.

Usage: damage_ruby_punct.py [--textfix build/textfix] [--seed N] [--limit DOCS] [--show K]
Targets (issue 4): ruby >= 99% exact, punct >= 97% exact, clean >= 99.9% unchanged.
Exit status 1 when a target is missed.
"""
import argparse
import glob
import gzip
import os
import random
import re
import subprocess
import sys
import tempfile
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import tablegen_readings as tr  # noqa: E402  (reading table source, zhuyin spelling)

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MARKS = {"a": "āáǎà", "e": "ēéěè", "i": "īíǐì", "o": "ōóǒò", "u": "ūúǔù", "v": "ǖǘǚǜ"}

CLEAN_EXTRA = """世界卫生组织(WHO)发布了新的指南，各国响应。
我们在北京(Beijing)见面，然后去上海(Shanghai)。
拼音(pinyin)是汉字的注音方法，例如“中”读作zhōng。
会议于08:30开始，12:00结束，地址见http://www.debian.org/intro/about。
请联系 E-mail:webmaster@example.com 或致电 010-12345678。
函数(function)的返回值(return value)见第(1)节，参见 ls(1)。
本条款(第3条)自2024年1月1日起施行，解释权归社区(村)委员会。
在 C 语言中写作 printf("%d,%d", a, b); 即可。
This is an English sentence, with commas; and colons: fine!
他问：“你去吗？”我说：“去！”（笑）
"""


def tone_mark(base, tone):
    """'nei',4 -> 'nèi': a or e takes the mark, o in ou, else the last vowel; m and n in
    syllables without a vowel (hm, ng) take it as a combining mark."""
    if tone == 5:
        return base.replace("v", "ü")
    if "a" in base or "e" in base:
        i = base.index("a") if "a" in base else base.index("e")
    elif "ou" in base:
        i = base.index("o")
    else:
        vs = [k for k, c in enumerate(base) if c in "iouv"]
        i = vs[-1] if vs else len(base) - 1
    c = base[i]
    marked = MARKS[c][tone - 1] if c in MARKS else unicodedata.normalize(
        "NFC", c + "\u0304\u0301\u030c\u0300"[tone - 1])
    return (base[:i] + marked + base[i + 1:]).replace("v", "ü")


def read_primary(path):
    """The most frequent reading per character: kHanyuPinlu's first, else kMandarin's."""
    import bz2
    best = {}
    with bz2.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.startswith("U+"):
                continue
            cp, field, value = line.rstrip("\n").split("\t", 2)
            cp = int(cp[2:], 16)
            if field == "kHanyuPinlu":
                best[cp] = tr.split_tone(re.sub(r"\(.*\)", "", value.split()[0]))
            elif field == "kMandarin" and cp not in best:
                best[cp] = tr.split_tone(value.split()[0])
    return best


def strip_groff(text):
    out = []
    for line in text.split("\n"):
        if line.startswith(".") or line.startswith("'"):
            continue
        line = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", line)
        line = re.sub(r"\\\((..)", "", line)
        line = line.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
        line = re.sub(r"\\[,/|^ ]", "", line)
        out.append(line)
    return "\n".join(out)


def corpus(limit):
    docs = []
    for f in sorted(glob.glob("/usr/share/man/zh_*/man*/*.gz")):
        try:
            t = gzip.open(f).read().decode("utf-8")
        except (UnicodeDecodeError, OSError, EOFError):
            continue
        t = strip_groff(t)
        if HAN.search(t):
            docs.append((f, t))
    for f in sorted(glob.glob("/usr/share/games/fortunes/*.u8")):
        t = open(f, encoding="utf-8", errors="replace").read()
        t = re.sub(r"\x1b\[[0-9;]*m", "", t)
        docs.append((f, t))
    random.Random(1).shuffle(docs)
    return docs[:limit] if limit else docs


def run(textfix, args, texts):
    """Runs every text as its own input file in one textfix call; returns the outputs."""
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for i, t in enumerate(texts):
            n = os.path.join(tmp, "%05d.txt" % i)
            with open(n, "w", encoding="utf-8") as f:
                f.write(t if t.endswith("\n") else t + "\n")
            names.append(n)
        outs = []
        for k in range(0, len(names), 200):
            for n in names[k:k + 200]:
                r = subprocess.run([textfix] + args + [n], capture_output=True)
                outs.append(r.stdout.decode("utf-8", "replace"))
    return outs


def zhuyin_form(base, tone):
    z = tr.zhuyin(base)
    if not z:
        return None
    return ("˙" + z) if tone == 5 else z + {1: "", 2: "ˊ", 3: "ˇ", 4: "ˋ"}[tone]


def annotate(text, rng, readings, primary, mode):
    def one(m):
        ch = m.group(0)
        cp = ord(ch)
        if rng.random() >= 0.3 or cp not in readings or not readings[cp]:
            return ch
        if mode == "common" and primary.get(cp):
            base, tone = primary[cp]
        else:
            base, tone = rng.choice(readings[cp])
        form = tone_mark(base, tone)
        if mode == "forms":
            r = rng.random()
            if r < 0.25:
                form = base + str(tone)
            elif r < 0.5:
                form = zhuyin_form(base, tone) or form
        return "%s(%s)" % (ch, form)
    return HAN.sub(one, text)


def flatten_punct(text):
    return "".join(unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" or c == "…"
                   else c for c in text)


def expected_punct(text):
    return re.sub(r"[０-９Ａ-Ｚａ-ｚ]", lambda m: chr(ord(m.group(0)) - 0xFEE0), text)


def compare(name, origs, outs, pick, show):
    """Counts the lines with Han characters that `pick` selects, and the exact ones."""
    n = ok = 0
    bad = []
    for orig, out, sel in zip(origs, outs, pick):
        ol, xl = orig.rstrip("\n").split("\n"), out.rstrip("\n").split("\n")
        if len(ol) != len(xl):
            n += len(sel)
            bad.append(("<line count differs>", ""))
            continue
        for i in sel:
            n += 1
            if ol[i] == xl[i]:
                ok += 1
            elif len(bad) < show:
                bad.append((ol[i], xl[i]))
    rate = 100.0 * ok / n if n else 100.0
    print("%s: exact %.3f%% (%d/%d)" % (name, rate, ok, n))
    for e, g in bad[:show]:
        print("   want: %s\n   got:  %s" % (e[:200], g[:200]))
    return rate


MIXED = re.compile(r"[\u3000-\u9fff\uff01-\uff60][,;:!?()]|[,;:!?()][\u3000-\u9fff\uff01-\uff60]")


UNDOABLE = re.compile(r"[\uff02-\uff07\uff0a\uff0b\uff0d-\uff0f\uff1c-\uff1e\uff20\uff3b-\uff40\uff5b-\uff5e]")


def consistent(line):
    """A line whose flattening can be undone: its author wrote CJK punctuation throughout (no
    ASCII mark touches a CJK character; Debian's man pages often mix (例如GRUB2) with ，in
    one line, and no one can tell which was which once both are ASCII), and it has none of
    the fullwidth forms the stage does not claim to restore (．－／＂＊ and the like, which
    authors use interchangeably with ASCII)."""
    return not MIXED.search(line) and not UNDOABLE.search(line)


def changed_lines(a, b):
    al, bl = a.split("\n"), b.split("\n")
    return [i for i in range(min(len(al), len(bl))) if al[i] != bl[i]]


def han_lines(t):
    return [i for i, l in enumerate(t.split("\n")) if HAN.search(l)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--textfix", default=os.environ.get("TEXTFIX", os.path.join(ROOT, "build/textfix")))
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args()
    docs = corpus(args.limit)
    texts = [t for _, t in docs]
    readings = tr.read_unihan(tr.SOURCE)
    primary = read_primary(tr.SOURCE)
    ok = True
    for mode in ("common", "any", "forms"):
        rng = random.Random(args.seed)
        damaged = [annotate(t, rng, readings, primary, mode) for t in texts]
        outs = run(args.textfix, ["--only", "ruby"], damaged)
        pick = [changed_lines(t, d) for t, d in zip(texts, damaged)]
        ok &= compare("ruby-" + mode, texts, outs, pick, args.show) >= 99.0
    flat = [flatten_punct(t) for t in texts]
    outs = run(args.textfix, ["--only", "punct"], flat)
    pick = [changed_lines(t, f) for t, f in zip(texts, flat)]
    compare("punct-all", [expected_punct(t) for t in texts], outs, pick, args.show)
    pick = [[i for i in p if consistent(t.split("\n")[i])] for t, p in zip(texts, pick)]
    ok &= compare("punct", [expected_punct(t) for t in texts], outs, pick, args.show) >= 97.0
    clean = texts + [CLEAN_EXTRA]
    outs = run(args.textfix, ["--only", "ruby,punct"], clean)
    ok &= compare("clean", clean, outs, [han_lines(t) for t in clean], args.show) >= 99.9
    print("docs: %d" % len(texts))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
