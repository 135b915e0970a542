#!/usr/bin/env python3
"""test_seed_page.py - the seed page (issue 4) repaired end to end, and nothing else changed.

tests/fixtures/qinghai-news.txt is a real scraped page (Traditional Chinese served in GBK)
with three kinds of damage: misaligned GBK runs, flattened ruby annotations and flattened
punctuation. tests/fixtures/qinghai-news.expected is the reviewed output of
`textfix tests/fixtures/qinghai-news.txt`. This test checks:

  golden      the output equals the reviewed file byte for byte;
  no ruby     no inline pinyin annotation is left after a Han character;
  no flat     no ASCII , ; : ! ? sits between two Han characters;
  no runs     none of the page's misaligned runs (listed below, read off the page) is left,
              but for the ones KNOWN_LEFT names (the stage cannot yet realign them; the issue
              stays open for them): a run fixed or a new one left fails the test, so the list
              is kept true;
  only damage the diff between input and output touches only damaged spans: after undoing
              what the ruby and punctuation stages legitimately do (NFKC folds fullwidth
              punctuation back to ASCII, annotations are dropped on both sides), every
              remaining difference lies inside one of the misaligned runs.

Each check prints "ok NAME" or "FAIL NAME: why"; the last line is "N passed, N failed".
"""
import difflib
import os
import re
import subprocess
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEXTFIX = os.environ.get("TEXTFIX", os.path.join(ROOT, "build", "textfix"))
SEED = os.path.join(ROOT, "tests", "fixtures", "qinghai-news.txt")
EXPECTED = os.path.join(ROOT, "tests", "fixtures", "qinghai-news.expected")

# The misaligned runs as they appear in the input: each is where one GBK byte was lost and
# the following characters decoded shifted until an ASCII byte resynchronized the stream.
DAMAGED = ["青?蛻舳擞", "興?h", "青!奎h", ";鶎又卫聿皇", "日?qǐng)?bào)", "平安青!\n"]
# (日?qǐng)?bào) is two lost characters with their annotations, for the ruby stage.)

# Runs the resync stage leaves today: none. (`興?h` is realigned to `興海縣`: alone its gain is
# below the bar, but the page has shown sure runs by then, its first block read ahead; the lost
# 海 is the page's own `興海` pair, from the document cache.)
KNOWN_LEFT = []

HAN = "\u3400-\u4dbf\u4e00-\u9fff"
PINYIN = "a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
RUBY = re.compile(r"(?<=[%s])\([%s]+[1-5]?\)" % (HAN, PINYIN))
FLAT = re.compile(r"[%s][,;:!?][%s]" % (HAN, HAN))

passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok", name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why))


def fold(text):
    """What the input and a correct output have in common outside the misaligned runs."""
    return RUBY.sub("", unicodedata.normalize("NFKC", text))


def damaged_ranges(text):
    ranges = []
    for run in DAMAGED:
        for m in re.finditer(re.escape(fold(run)), text):
            ranges.append((m.start(), m.end()))
    return ranges


def only_damage(src, out):
    a, b = fold(src), fold(out)
    allowed = damaged_ranges(a)
    bad = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if not any(lo <= i1 and i2 <= hi for lo, hi in allowed):
            bad.append("%r -> %r near %r" % (a[i1:i2], b[j1:j2], a[max(0, i1 - 10):i2 + 10]))
    return bad


def main():
    src = open(SEED, encoding="utf-8").read()
    res = subprocess.run([TEXTFIX, SEED], capture_output=True)
    check("runs", res.returncode == 0, "exit %d: %s" % (res.returncode, res.stderr[-200:]))
    out = res.stdout.decode("utf-8", errors="replace")
    try:
        expected = open(EXPECTED, encoding="utf-8").read()
    except OSError as e:
        expected = None
        check("golden", False, str(e))
    if expected is not None:
        diff = list(difflib.unified_diff(expected.splitlines(), out.splitlines(), lineterm="", n=0))
        check("golden", out == expected, "\n".join(diff[:20]))
    check("no ruby", not RUBY.search(out), "left: %s" % RUBY.findall(out)[:10])
    check("no flat", not FLAT.search(out), "left: %s" % FLAT.findall(out)[:10])
    # Compared folded (NFKC): the punctuation stage may have widened a run's ! or ? since.
    folded = fold(out)
    left = [r for r in DAMAGED if fold(r) in folded]
    check("no runs", left == KNOWN_LEFT, "left: %s, known: %s" % (left, KNOWN_LEFT))
    bad = only_damage(src, out)
    check("only damage", not bad, "%d changes outside damaged spans:\n  %s" % (len(bad), "\n  ".join(bad[:15])))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
