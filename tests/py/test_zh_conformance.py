#!/usr/bin/env python3
"""test_zh_conformance.py [--full] - our Chinese conversion against Debian's `opencc` CLI.

For every configuration, real text (Debian's manpages-zh and fortunes-zh) goes through
`textfix --only zh --zh CONFIG` and through `opencc -c CONFIG.json`, and the outputs must be
byte-identical. opencc reads standard input line by line and converts each line on its own;
no dictionary key holds a newline, so that equals converting the whole text in one piece,
which is what textfix does. (With -i FILE it converts 1 MiB blocks instead, and a phrase cut
by a block boundary comes out differently: see tests/zh/KNOWN-DIFFERENCES.md.)

Then OpenCC's own test cases (tests/zh/testcases/CONFIG.in and .ans): our output must equal
Debian's opencc, and equal the upstream answer except for the lines listed in
tests/zh/known-differences.tsv (upstream data newer than Debian's 1.1.6).

Default: about 1 MB of text in all (a few seconds), for `make test`. --full: the whole corpus
(over 2 MB per configuration) for every configuration, for `make zh-conformance`.
The last line printed is "zh-conformance: N passed, N failed".
Environment: TEXTFIX (the CLI), or ZH_CMD, a command with {config} to run instead.
"""
import glob
import gzip
import os
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = ["s2t", "t2s", "s2tw", "tw2s", "s2hk", "hk2s", "s2twp", "tw2sp", "t2tw", "t2hk",
           "t2jp", "jp2t"]
QUICK_BYTES = 80 * 1024
FORTUNES = ["/usr/share/games/fortunes/chinese", "/usr/share/games/fortunes/tang300",
            "/usr/share/games/fortunes/song100"]


def our_command(config):
    fmt = os.environ.get("ZH_CMD")
    if fmt:
        return shlex.split(fmt.format(config=config))
    textfix = os.environ.get("TEXTFIX") or os.path.join(ROOT, "build", "textfix")
    return [textfix, "--only", "zh", "--zh", config]


def run(cmd, data):
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                   p.stderr.decode(errors="replace")[:300]))
    return p.stdout


def man_text(lang):
    """The concatenated man page sources of one language, in a fixed order."""
    out = []
    for path in sorted(glob.glob("/usr/share/man/%s/man*/*.gz" % lang)):
        with gzip.open(path) as f:
            out.append(f.read())
    return b"".join(out)


def fortunes():
    return b"".join(open(p, "rb").read() for p in FORTUNES if os.path.exists(p))


def cut_lines(data, start, size):
    """data[start:start+size] widened to whole lines."""
    if start:
        start = data.find(b"\n", start) + 1
    end = data.find(b"\n", start + size)
    return data[start:] if end < 0 else data[start:end + 1]


def corpus(full):
    """config -> text: simplified sources for s2*, traditional for the others."""
    zhs, zht, fort = man_text("zh_CN"), man_text("zh_TW"), fortunes()
    texts = {}
    for i, config in enumerate(CONFIGS):
        if full:
            texts[config] = zhs + zht + fort
            continue
        src = zhs if config.startswith("s2") else zht
        # Different configurations see different pages, so the quick run covers more text.
        start = (len(src) // (len(CONFIGS) + 1)) * i
        texts[config] = cut_lines(src, start, QUICK_BYTES - 8 * 1024) + cut_lines(
            fort, (len(fort) // len(CONFIGS)) * i, 8 * 1024)
    return texts


def first_difference(a, b):
    n = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return "first difference at byte %d: ours %r, opencc %r" % (
        n, a[max(0, n - 20):n + 20].decode(errors="replace"),
        b[max(0, n - 20):n + 20].decode(errors="replace"))


def check_corpus(full, opencc, results):
    for config, text in corpus(full).items():
        ours = run(our_command(config), text)
        ref = run([opencc, "-c", config + ".json"], text)
        same = ours == ref
        results.append(same)
        print("%-6s %9d bytes in, %9d out: %s" % (config, len(text), len(ours),
                                                   "identical" if same else "DIFFERENT"))
        if not same:
            print("    " + first_difference(ours, ref))


def known_differences():
    known = set()
    path = os.path.join(ROOT, "tests", "zh", "known-differences.tsv")
    for line in open(path, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            config, text, _upstream, debian = line.rstrip("\n").split("\t")
            known.add((config, text, debian))
    return known


def check_testcases(opencc, results):
    known = known_differences()
    for config in CONFIGS:
        base = os.path.join(ROOT, "tests", "zh", "testcases", config)
        data = open(base + ".in", "rb").read()
        answers = open(base + ".ans", encoding="utf-8").read().splitlines()
        ours = run(our_command(config), data)
        ok = True
        if opencc and ours != run([opencc, "-c", config + ".json"], data):
            print("testcases %s: differs from Debian's opencc" % config)
            ok = False
        lines = zip(data.decode().splitlines(), ours.decode().splitlines(), answers)
        for text, got, want in lines:
            if got != want and (config, text, got) not in known:
                print("testcases %s: %s -> %s, upstream says %s" % (config, text, got, want))
                ok = False
        results.append(ok)
    print("testcases: %d of %d configurations agree" % (sum(results[-len(CONFIGS):]),
                                                        len(CONFIGS)))


def main():
    full = "--full" in sys.argv[1:]
    opencc = shutil.which("opencc")
    results = []
    if opencc and os.path.isdir("/usr/share/man/zh_CN"):
        check_corpus(full, opencc, results)
    else:
        print("opencc or manpages-zh missing (apt-get install opencc manpages-zh "
              "fortunes-zh): corpus comparison skipped")
    check_testcases(opencc, results)
    passed = sum(1 for r in results if r)
    print("zh-conformance: %d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
