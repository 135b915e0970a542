#!/usr/bin/env python3
"""resync_eval.py - measures the resync stage (issue 4, part 1) on real text.

Sentences from Debian-packaged text (manpages-zh zh_CN and zh_TW for GBK and Big5,
manpages-ja for Shift_JIS) are encoded, lose one byte at a random position, are decoded
leniently (invalid bytes dropped, as the seed page's scraper did) and flattened with NFKC.
`textfix --only resync` must then give back the sentence:
  realigned - everything right except at most the lost character (or a U+FFFD in its place)
  restored  - exactly the original
  not idem  - lines a second run over the first run's output still changes (must be 0)
Cases where the lost byte did not shift anything (an ASCII byte, or damage that decodes to the
original) are skipped. Clean sentences must come back unchanged.

Usage: resync_eval.py [--n N] [--seed S] [--textfix build/textfix]
"""
import argparse
import glob
import gzip
import random
import re
import subprocess
import sys
import unicodedata

HAN = re.compile(r"[\u4e00-\u9fff]")


def sentences(pattern, limit, rng):
    out = []
    files = sorted(glob.glob(pattern))
    rng.shuffle(files)
    for path in files:
        try:
            text = gzip.open(path).read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for line in text.splitlines():
            if line.startswith((".", "'", '\\"')):
                continue
            line = re.sub(r"\\f[BIRP]|\\\(..|\\[-&e]|\\s[-+]?\d", "", line).strip()
            if len(HAN.findall(line)) >= 8 and len(line) <= 80 and "\\" not in line:
                out.append(line)
        if len(out) >= limit * 3:
            break
    rng.shuffle(out)
    return list(dict.fromkeys(out))[:limit]


def damage(sentence, codec, rng):
    try:
        b = sentence.encode(codec)
    except UnicodeEncodeError:
        return None
    for _ in range(20):
        k = rng.randrange(len(b))
        if b[k] < 0x80:
            continue
        broken = b[:k] + b[k + 1:]
        text = unicodedata.normalize("NFKC", broken.decode(codec, errors="ignore"))
        if text != unicodedata.normalize("NFKC", sentence):
            return text
    return None


def run(textfix, lines):
    data = "\n".join(lines) + "\n"
    out = subprocess.run([textfix, "--only", "resync", "--from", "utf-8"], input=data.encode(),
                         capture_output=True, check=True).stdout.decode()
    return out.split("\n")[: len(lines)]


def realigned(got, want):
    if got == want:
        return True
    # one character (the lost one) may differ or be U+FFFD
    if len(got) != len(want):
        return False
    return sum(1 for a, b in zip(got, want) if a != b) <= 1


def mixed(textfix, damaged, sents):
    """Clean sentences in a damaged document: each damaged line is followed by MIXED_CLEAN
    clean sentences (other ones), and those must still come back unchanged. The stage grows
    bolder in a document that has shown damage; this keeps it honest there."""
    doc, clean_at = [], []
    for k, d in enumerate(damaged):
        doc.append(d)
        for q in range(1, MIXED_CLEAN + 1):
            clean_at.append((len(doc), sents[(k + q) % len(sents)]))
            doc.append(sents[(k + q) % len(sents)])
    got = run(textfix, doc)
    return sum(got[i] == s for i, s in clean_at), len(clean_at)


MIXED_CLEAN = 3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--textfix", default="build/textfix")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sets = [("gbk", "/usr/share/man/zh_CN/man*/*.gz"), ("big5", "/usr/share/man/zh_TW/man*/*.gz"),
            ("shift_jis", "/usr/share/man/ja/man*/*.gz")]
    total_fail = 0
    print(f"{'codec':10} {'cases':>6} {'realigned':>10} {'restored':>9} {'clean kept':>11} "
          f"{'mixed kept':>11} {'not idem':>9}")
    for codec, pattern in sets:
        sents = sentences(pattern, args.n, rng)
        cases = [(s, d) for s in sents if (d := damage(s, codec, rng))]
        got = run(args.textfix, [d for _, d in cases])
        want = [unicodedata.normalize("NFKC", s) for s, _ in cases]
        # NFKC flattened the original too: compare against the NFC original where the stage
        # restores fullwidth forms, and accept either
        orig = [unicodedata.normalize("NFC", s) for s, _ in cases]
        ok_re = sum(realigned(g, w) or realigned(g, o) for g, w, o in zip(got, want, orig))
        ok_fu = sum(g in (w, o) for g, w, o in zip(got, want, orig))
        clean = run(args.textfix, sents)
        kept = sum(c == s for c, s in zip(clean, sents))
        mixed_kept, mixed_n = mixed(args.textfix, [d for _, d in cases], sents)
        again = run(args.textfix, got)  # fix(fix(x)) == fix(x), over the damaged document
        moved = sum(a != g for a, g in zip(again, got))
        n = max(len(cases), 1)
        print(f"{codec:10} {len(cases):6} {100 * ok_re / n:9.1f}% {100 * ok_fu / n:8.1f}% "
              f"{100 * kept / max(len(sents), 1):10.2f}% {100 * mixed_kept / max(mixed_n, 1):10.2f}% "
              f"{moved:9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
