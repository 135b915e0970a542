#!/usr/bin/env python3
"""detect_eval.py - encoding detection accuracy (issue 2) of textfix against uchardet, enca and
python3-chardet, on real Debian-packaged text (tools/corpus.py).

Samples. For every encoding row and every length class, N pieces of real text, each cut at
character boundaries from a random position of the row's source so that its encoding is
lo..hi bytes long, with at least one non-ASCII character, and round-tripping through the
row's codec (text the codec cannot represent is never used):

  row          codec (Python)   source
  GBK          gbk              manpages-zh zh_CN, fortunes-zh (chinese, tang300, song100)
  Big5         big5             manpages-zh zh_TW, vim tutor.zh_tw
  GB18030      gb18030          zh_CN man pages; every piece holds a 4-byte character
                                (•, ©, ® in real text: pieces are cut around those lines)
  Shift_JIS    cp932            manpages-ja, vim tutor.ja
  EUC-JP       euc_jp           manpages-ja, vim tutor.ja
  EUC-KR       euc_kr           vim tutor.ko (the only Korean text Debian ships here)
  UTF-16       utf-16 (LE+BOM)  zh_CN, ja, ko and de lines interleaved
  UTF-16LE     utf-16-le        the same, no BOM
  windows-1252 cp1252           vim tutors de fr es it pt nl da sv

  class   bytes          N (default)  N (--quick)
  6-11    6..11          200          30
  12-24   12..24         200          30
  50      48..52         200          30
  200     196..204       200          30
  20K     20000..20480   40           5

Correct means: the tool's decoded text, NFC-normalized and without a leading BOM, equals the
original piece NFC-normalized. Per tool:
  textfix   `build/textfix --only decode` (run as one batch `-r IN -o OUT`: output identical
            to one stdin -> stdout call per piece; --stdin runs it that way instead)
  uchardet  `uchardet FILE...`; the name it prints decodes the bytes with Python's codec
  enca      `enca -L zh -e FILE...` for the Chinese rows, `enca -L none -e` for the UTF-16
            rows: enca is told the right language (an oracle hint in its favour); it has no
            Japanese, Korean or Western European language, so those rows are n/a
  chardet   `chardet.detect(bytes)["encoding"]` (python3-chardet)
A detected name is decoded with the widest codec of its family, as browsers do (WHATWG):
GB2312/GBK/GB18030 -> gb18030, Big5/cp950/Big5-HKSCS -> big5hkscs, Shift_JIS/cp932 -> cp932,
EUC-KR/cp949 -> cp949, ISO-8859-1/ASCII/windows-1252 -> cp1252. Decoding errors count wrong.

One lost byte: N 2 KB pages (2000..2048 bytes) of GBK, Big5 and Shift_JIS text; one byte,
chosen at random among the bytes >= 0x80 (so a multibyte character is always hit), is deleted.
Three measures per tool:
  detect  the encoding named is the page's (same family as above)
  local   the decoded page equals the original except for at most 2 characters around the
          damage: with P the common prefix and S the common suffix of the two texts (in
          characters, not overlapping), len(original) - P - S <= 2 and len(output) - P - S <= 2
  line    every line but one is decoded exactly (same line count, at most one line differs)
textfix runs `--only decode` and `--only decode,resync` (the stage that realigns the
characters after the loss); the peers decode with errors="replace".

Usage: tests/eval/detect_eval.py [--quick] [--textfix build/textfix] [--seed N] [--jobs N]
                                  [--out FILE] [--stdin] [--no-peers] [--show K]
Prints a markdown report; --out writes it to a file too (bench/RESULTS.detect.md).
"""
import argparse
import concurrent.futures
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import corpus  # noqa: E402

try:
    import chardet
except ImportError:  # python3-chardet is installed for the system python only
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import chardet
    except ImportError:
        chardet = None

CLASSES = [("6-11", 6, 11, 200, 30), ("12-24", 12, 24, 200, 30), ("50", 48, 52, 200, 30),
           ("200", 196, 204, 200, 30), ("20K", 20000, 20480, 40, 5)]


def four_byte(s):
    return any(ord(c) > 127 and len(c.encode("gb18030")) == 4 for c in s)


def interleave(*sources):
    lists = [corpus.lines(s) for s in sources]
    out = []
    for i in range(max(map(len, lists))):
        out.extend(x[i] for x in lists if i < len(x))
    return "\n".join(out)


def rows():
    """(name, codec, family, enca language or None, short source, long source, need)."""
    gbk = "\n".join([corpus.text("zh_CN"), corpus.text("chinese"), corpus.text("poetry")])
    big5 = "\n".join([corpus.text("zh_TW"), corpus.text("vim-zh_tw")])
    ja = "\n".join([corpus.text("ja"), corpus.text("vim-ja")])
    gb4 = [x for x in corpus.lines("zh_CN") if four_byte(x)]
    mixed = interleave("zh_CN", "ja", "vim-ko", "vim-de")
    latin = "\n".join(corpus.text("vim-" + x)
                      for x in ("de", "fr", "es", "it", "pt", "nl", "da", "sv"))
    ko = corpus.text("vim-ko")
    return [
        ("GBK", "gbk", "gb18030", "zh", gbk, gbk, None),
        ("Big5", "big5", "big5", "zh", big5, big5, None),
        ("GB18030", "gb18030", "gb18030", "zh", "\n".join(gb4), corpus.text("zh_CN"), four_byte),
        ("Shift_JIS", "cp932", "cp932", None, ja, ja, None),
        ("EUC-JP", "euc_jp", "euc_jp", None, ja, ja, None),
        ("EUC-KR", "euc_kr", "cp949", None, ko, ko, None),
        ("UTF-16", "utf-16", "utf-16", "none", mixed, mixed, None),
        ("UTF-16LE", "utf-16-le", "utf-16-le", "none", mixed, mixed, None),
        ("windows-1252", "cp1252", "cp1252", None, latin, latin, None),
    ]


FAMILY = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "hz-gb-2312": "hz",
    "big5": "big5", "big5-hkscs": "big5", "big5hkscs": "big5", "cp950": "big5",
    "shift_jis": "cp932", "sjis": "cp932", "cp932": "cp932", "windows-31j": "cp932",
    "euc-jp": "euc_jp", "euc_jp": "euc_jp", "eucjp": "euc_jp",
    "euc-kr": "cp949", "euc_kr": "cp949", "cp949": "cp949", "uhc": "cp949",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252",
    "windows-1252": "cp1252", "cp1252": "cp1252",
    "utf-16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be", "ucs-2": "utf-16",
    "ucs-2le": "utf-16-le", "ucs-2be": "utf-16-be", "utf-8": "utf-8", "utf-8-sig": "utf-8",
}
DECODER = {"gb18030": "gb18030", "big5": "big5hkscs", "cp932": "cp932", "euc_jp": "euc_jp",
           "cp949": "cp949", "cp1252": "cp1252", "utf-8": "utf-8-sig", "utf-16": "utf-16",
           "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be", "hz": "hz"}


def family(name):
    """A detector's name -> our family key (a Python codec name when we do not know it)."""
    if not name:
        return None
    n = name.strip().lower().split("/")[0]
    if n in FAMILY:
        return FAMILY[n]
    try:
        return __import__("codecs").lookup(n).name
    except LookupError:
        return None


def same_family(fam, truth):
    if fam == truth:
        return True
    # A BOM-marked UTF-16 text named UTF-16LE/BE by a detector is still read right.
    return truth == "utf-16" and fam in ("utf-16-le", "utf-16-be")


def decode_as(name, data, errors="strict"):
    fam = family(name)
    if fam is None:
        return None
    codec = DECODER.get(fam, fam)
    try:
        return data.decode(codec, errors)
    except (UnicodeDecodeError, LookupError):
        return None


def norm(s):
    if s is None:
        return None
    if s.startswith("\ufeff"):
        s = s[1:]
    return unicodedata.normalize("NFC", s)


def make_samples(args):
    """[(row, class, original text, bytes)]."""
    out = []
    for ri, (name, codec, fam, _, short, long_, need) in enumerate(rows()):
        unit = "utf-16-le" if codec == "utf-16" else codec
        bom = 2 if codec == "utf-16" else 0
        for ci, (cls, lo, hi, n, nq) in enumerate(CLASSES):
            rng = random.Random(args.seed * 1000 + ri * 10 + ci)
            src = long_ if lo >= 1000 else short
            want = nq if args.quick else n
            got = 0
            for _ in range(want * 20):
                if got == want:
                    break
                s = corpus.cut(src, unit, lo - bom, hi - bom, rng)
                if s is None or (need and not need(s)):
                    continue
                out.append((name, cls, s, s.encode(codec)))
                got += 1
    return out


def write_files(tmp, samples):
    d = os.path.join(tmp, "in")
    os.makedirs(d)
    paths = []
    for i, (_, _, _, data) in enumerate(samples):
        p = os.path.join(d, "%06d" % i)
        with open(p, "wb") as f:
            f.write(data)
        paths.append(p)
    return paths


def run_textfix_batch(textfix, stages, tmp, paths, jobs, tag):
    """textfix over every file in one batch call; returns outputs (None when missing)."""
    out = os.path.join(tmp, "out-" + tag)
    subprocess.run([textfix, "--only", stages, "-q", "-j", str(jobs), "-r",
                    os.path.dirname(paths[0]), "-o", out],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    res = []
    for p in paths:
        q = os.path.join(out, os.path.basename(p))
        res.append(open(q, "rb").read().decode("utf-8", "replace") if os.path.exists(q) else None)
    return res


def run_textfix_stdin(textfix, stages, paths, jobs):
    def one(p):
        with open(p, "rb") as f:
            r = subprocess.run([textfix, "--only", stages, "-q"], stdin=f, capture_output=True)
        return r.stdout.decode("utf-8", "replace") if r.returncode in (0, 3) else None
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        return list(ex.map(one, paths))


def run_names(cmd, paths, parse=lambda s: s):
    """Runs a `tool FILE...` detector over paths in chunks; returns one name per path."""
    names = {}
    for k in range(0, len(paths), 400):
        chunk = paths[k:k + 400]
        r = subprocess.run(cmd + chunk, capture_output=True)
        for line in r.stdout.decode("utf-8", "replace").splitlines():
            path, sep, name = line.partition(": ")
            if sep:
                names[path] = parse(name)
    return [names.get(p) for p in paths]


def textfix_detect(textfix, paths):
    return run_names([textfix, "--detect"], paths, lambda s: s.split(" (")[0])


def _chardet_chunk(datas):
    return [chardet.detect(d)["encoding"] for d in datas]


def run_chardet(datas, jobs):
    if chardet is None:
        return [None] * len(datas)
    chunks = [datas[k::jobs] for k in range(jobs)]
    with concurrent.futures.ProcessPoolExecutor(jobs) as ex:
        parts = list(ex.map(_chardet_chunk, chunks))
    res = [None] * len(datas)
    for k, part in enumerate(parts):
        res[k::jobs] = part
    return res


def enca_names(paths, samples):
    """enca per row language; None for rows enca cannot do (reported n/a)."""
    lang = {r[0]: r[3] for r in rows()}
    res = [None] * len(paths)
    for L in ("zh", "none"):
        idx = [i for i, s in enumerate(samples) if lang[s[0]] == L]
        if not idx:
            continue
        names = run_names(["enca", "-L", L, "-e"], [paths[i] for i in idx])
        for i, n in zip(idx, names):
            res[i] = n or "unknown"
    return res


def pct(ok, n):
    return "n/a" if n == 0 else "%.1f%%" % (100.0 * ok / n)


def ascii_text(data):
    """Bytes that are plain ASCII text (printable, tab, newline, CR, FF: no zero byte)."""
    return all(0x20 <= b < 0x7F or b in (9, 10, 12, 13) for b in data)


def detection_table(samples, results):
    """results: tool -> list of decoded strings (or "n/a" markers as NotImplemented)."""
    tools = list(results)
    # Samples whose bytes are all ASCII (UTF-16LE of kana: `につい` is `k0d0D0`) are ASCII
    # text to any detector that keeps clean ASCII unchanged; they are counted in n and shown.
    lines = ["| encoding | length | n | ASCII text bytes | " + " | ".join(tools) + " |",
             "|---|---|---:|---:|" + "---:|" * len(tools)]
    cells = {}
    for i, (row, cls, orig, _) in enumerate(samples):
        c = cells.setdefault((row, cls), {t: [0, 0] for t in tools})
        for t in tools:
            out = results[t][i]
            if out is NotImplemented:
                continue
            c[t][1] += 1
            c[t][0] += norm(out) == norm(orig)
    totals = {t: [0, 0] for t in tools}
    for (row, cls), c in cells.items():
        n = sum(1 for s in samples if s[0] == row and s[1] == cls)
        na = sum(1 for s in samples if s[0] == row and s[1] == cls and ascii_text(s[3])
                 and max(map(ord, s[2]), default=0) >= 0x80)
        lines.append("| %s | %s | %d | %d | " % (row, cls, n, na)
                     + " | ".join(pct(*c[t]) for t in tools) + " |")
        for t in tools:
            totals[t][0] += c[t][0]
            totals[t][1] += c[t][1]
    lines.append("| **all** | | %d | | " % len(samples)
                 + " | ".join("**%s**" % pct(*totals[t]) for t in tools) + " |")
    return "\n".join(lines), totals


def show_failures(samples, results, k):
    for t, outs in results.items():
        shown = {}
        for (row, cls, orig, _), out in zip(samples, outs):
            if out is NotImplemented or norm(out) == norm(orig) or shown.get(row, 0) >= k:
                continue
            shown[row] = shown.get(row, 0) + 1
            print("%s %s %s: %r -> %r" % (t, row, cls, orig[:50], (out or "")[:50]),
                  file=sys.stderr)


def summary_by_class(samples, results):
    tools = list(results)
    lines = ["| length | " + " | ".join(tools) + " |", "|---|" + "---:|" * len(tools)]
    for cls, *_ in CLASSES:
        row = []
        for t in tools:
            ok = n = 0
            for i, s in enumerate(samples):
                if s[1] != cls or results[t][i] is NotImplemented:
                    continue
                n += 1
                ok += norm(results[t][i]) == norm(s[2])
            row.append(pct(ok, n))
        lines.append("| %s | " % cls + " | ".join(row) + " |")
    return "\n".join(lines)


def damage_samples(args):
    out = []
    specs = [("GBK", "gbk", "gb18030"), ("Big5", "big5", "big5"), ("Shift_JIS", "cp932", "cp932")]
    srcs = {r[0]: r[4] for r in rows()}
    for k, (name, codec, fam) in enumerate(specs):
        rng = random.Random(args.seed * 7 + k)
        want = 30 if args.quick else 200
        got = 0
        while got < want:
            s = corpus.cut(srcs[name], codec, 2000, 2048, rng)
            if s is None:
                continue
            data = s.encode(codec)
            high = [i for i, b in enumerate(data) if b >= 0x80]
            if not high:
                continue
            pos = rng.choice(high)
            out.append((name, fam, s, data[:pos] + data[pos + 1:], pos))
            got += 1
    return out


def local_ok(orig, out, width=2):
    if out is None:
        return False
    o, d = norm(orig), norm(out)
    p = 0
    m = min(len(o), len(d))
    while p < m and o[p] == d[p]:
        p += 1
    s = 0
    while s < m - p and o[-1 - s] == d[-1 - s]:
        s += 1
    return len(o) - p - s <= width and len(d) - p - s <= width


def line_ok(orig, out):
    if out is None:
        return False
    a, b = norm(orig).split("\n"), norm(out).split("\n")
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) <= 1


def machine_info():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ver = lambda cmd: (subprocess.run(cmd, capture_output=True, text=True).stdout or "?").strip()
    git = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip() or "?"
    return ("- textfix: build/textfix from commit %s (\"-dirty\": other files had "
            "uncommitted edits)\n- machine: %s, nproc %d, %s\n- python %s; chardet %s; %s; %s" % (
        git, cpu, os.cpu_count(), platform.platform(), platform.python_version(),
        getattr(chardet, "__version__", "missing"),
        "uchardet " + ver(["dpkg-query", "-W", "-f", "${Version}", "uchardet"]),
        "enca " + ver(["dpkg-query", "-W", "-f", "${Version}", "enca"])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small N (CI-style run)")
    ap.add_argument("--textfix", default=os.path.join(ROOT, "build", "textfix"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 4)
    ap.add_argument("--out", help="also write the report to this file")
    ap.add_argument("--stdin", action="store_true",
                    help="run textfix once per sample on stdin instead of one batch call")
    ap.add_argument("--no-peers", action="store_true", help="measure textfix only")
    ap.add_argument("--show", type=int, default=0, metavar="K",
                    help="print K wrong decodes per tool and encoding on stderr")
    args = ap.parse_args()
    t0 = time.time()
    samples = make_samples(args)
    damaged = damage_samples(args)
    t_samples = time.time() - t0
    have_tf = os.access(args.textfix, os.X_OK)
    tmp = tempfile.mkdtemp(prefix="detect_eval.")
    timing = {}
    try:
        paths = write_files(tmp, samples)
        results = {}
        if have_tf:
            t = time.time()
            if args.stdin:
                results["textfix"] = run_textfix_stdin(args.textfix, "decode", paths, args.jobs)
            else:
                results["textfix"] = run_textfix_batch(args.textfix, "decode", tmp, paths,
                                                       args.jobs, "main")
            timing["textfix"] = time.time() - t
        if not args.no_peers:
            t = time.time()
            names = run_names(["uchardet"], paths)
            results["uchardet"] = [decode_as(n, s[3]) for n, s in zip(names, samples)]
            timing["uchardet"] = time.time() - t
            t = time.time()
            names = enca_names(paths, samples)
            results["enca"] = [NotImplemented if n is None else decode_as(n, s[3])
                               for n, s in zip(names, samples)]
            timing["enca"] = time.time() - t
            t = time.time()
            names = run_chardet([s[3] for s in samples], args.jobs)
            results["chardet"] = [decode_as(n, s[3]) for n, s in zip(names, samples)]
            timing["chardet"] = time.time() - t
        table, _ = detection_table(samples, results)
        if args.show:
            show_failures(samples, results, args.show)
        by_class = summary_by_class(samples, results)

        # One lost byte.
        dtmp = os.path.join(tmp, "damaged")
        os.makedirs(os.path.join(dtmp, "in"))
        dpaths = []
        for i, (_, _, _, data, _) in enumerate(damaged):
            p = os.path.join(dtmp, "in", "%05d" % i)
            open(p, "wb").write(data)
            dpaths.append(p)
        dres = {}   # tool -> (names, outputs)
        if have_tf:
            names = textfix_detect(args.textfix, dpaths)
            dres["textfix decode"] = (names, run_textfix_batch(
                args.textfix, "decode", dtmp, dpaths, args.jobs, "decode"))
            dres["textfix decode,resync"] = (names, run_textfix_batch(
                args.textfix, "decode,resync", dtmp, dpaths, args.jobs, "resync"))
        if not args.no_peers:
            names = run_names(["uchardet"], dpaths)
            dres["uchardet"] = (names, [decode_as(n, d[3], "replace")
                                        for n, d in zip(names, damaged)])
            names = run_names(["enca", "-L", "zh", "-e"], dpaths)
            dres["enca (zh)"] = (names, [decode_as(n, d[3], "replace")
                                         for n, d in zip(names, damaged)])
            names = run_chardet([d[3] for d in damaged], args.jobs)
            dres["chardet"] = (names, [decode_as(n, d[3], "replace")
                                       for n, d in zip(names, damaged)])
        dlines = ["| page | n | tool | detect | local (<= 2 chars) | line |",
                  "|---|---:|---|---:|---:|---:|"]
        for page in ("GBK", "Big5", "Shift_JIS"):
            idx = [i for i, d in enumerate(damaged) if d[0] == page]
            for tool, (names, outs) in dres.items():
                if tool.startswith("enca") and page == "Shift_JIS":
                    continue
                det = sum(same_family(family(names[i]), damaged[i][1]) for i in idx)
                loc = sum(local_ok(damaged[i][2], outs[i]) for i in idx)
                lin = sum(line_ok(damaged[i][2], outs[i]) for i in idx)
                dlines.append("| %s | %d | %s | %s | %s | %s |" % (
                    page, len(idx), tool, pct(det, len(idx)), pct(loc, len(idx)),
                    pct(lin, len(idx))))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total = time.time() - t0
    cmd = "python3 tests/eval/detect_eval.py" + (" --quick" if args.quick else "") + (
        " --stdin" if args.stdin else "") + ("" if args.seed == 1 else " --seed %d" % args.seed)
    report = "\n".join([
        "# Encoding detection: textfix against uchardet, enca and chardet",
        "",
        "Generated by `%s` (%s mode, seed %d) in %.0f s." % (
            cmd, "quick" if args.quick else "full", args.seed, total),
        "How the samples are made and what counts as correct: the docstring of "
        "tests/eval/detect_eval.py and tests/eval/README.md.",
        "",
        machine_info(),
        "- time: samples %.1f s; " % t_samples + ", ".join(
            "%s %.1f s" % kv for kv in timing.items()),
        "" if have_tf else "\n**build/textfix was not found: peers only.**",
        "",
        "## Exact decode, by encoding and length (bytes)",
        "",
        table,
        "",
        "enca: n/a where it has no language for the encoding (Japanese, Korean, Western "
        "European); it was given the right language (`-L zh` for the Chinese rows, `-L none` "
        "for UTF-16).",
        "",
        "## Exact decode by length, all encodings",
        "",
        by_class,
        "",
        "## One lost byte in a 2 KB page",
        "",
        "One byte >= 0x80 deleted at a random position. detect: the encoding named is the "
        "page's; local: the output equals the original but for at most 2 characters around "
        "the damage; line: every line but one is exact. Peers decode with errors=\"replace\".",
        "",
        "\n".join(dlines),
        "",
    ])
    print(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
