#!/usr/bin/env python3
"""corpus.py - real text from Debian-packaged sources, for fixtures and evaluations.

Nothing is downloaded: every source is a file an installed Debian package ships.

  zh_CN, zh_TW, ja   man pages of manpages-zh and manpages-ja (/usr/share/man/LANG/man*/*.gz),
                     roff markup removed by regular expressions (see strip_roff), paragraphs
                     joined, only lines of prose kept (see is_prose)
  chinese            fortunes-zh's chinese.u8 (modern Simplified prose), terminal colours removed
  tang300, song100   fortunes-zh's classical poetry (titles and authors dropped)
  vim-XX             vim-runtime's tutor.XX.utf-8 (ko, ja, zh_tw, de, fr, es, it, ...): prose lines

Every function is deterministic: files are read in sorted order and sampling uses
random.Random(seed), so a script built on this module produces the same output on every run
on the same package versions.

Typical use:
    import corpus
    lines = corpus.lines("zh_CN")                  # prose lines, deduplicated, in file order
    sents = corpus.sentences(lines)                # split at 。！？!? and ". "
    pick = corpus.sample(sents, 100, seed=1)       # 100 of them, always the same
    text = corpus.text("zh_TW")                    # all prose lines joined by "\\n"
    s = corpus.cut(text, "big5", 12, 24, rng)      # 12-24 bytes of Big5, cut at characters
"""
import glob
import gzip
import os
import random
import re
import unicodedata

MAN_ROOT = "/usr/share/man"
FORTUNE_DIR = "/usr/share/games/fortunes"
TUTOR_DIR = "/usr/share/vim/vim90/tutor"

# Han (with extension A and compatibility), kana, hangul: what makes a line "CJK prose".
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# roff special characters that appear in the man pages, and what they print.
ROFF_CHARS = {
    "aq": "'", "co": "©", "lq": "“", "rq": "”", "bu": "•", "bv": "|", "em": "—", "en": "–",
    "ul": "_", "oq": "‘", "cq": "’", "hy": "-", "de": "°", "rs": "\\", "sl": "/", "ru": "_",
    "pd": "∂", "mu": "×", "ga": "`", "br": "|", "aa": "´", "dq": '"', "ti": "~", "ha": "^",
    "mi": "-", "pl": "+", "eq": "=", "la": "⟨", "ra": "⟩", "<-": "←", "->": "→", "rg": "®",
    "tm": "™", "shc": "\u00ad", "Fo": "«", "Fc": "»", "fo": "‹", "fc": "›",
}
# Macros whose arguments are running text in a different font: their words stay in the
# paragraph. Every other request ends the paragraph and is dropped.
FONT_MACROS = {"B", "I", "BR", "RB", "BI", "IB", "IR", "RI", "SM", "SB", "UR", "MT"}
# Requests that start a block of code or a table, and the request that ends it.
SKIP_BLOCKS = {"nf": "fi", "EX": "EE", "TS": "TE", "ig": "..", "de": "..", "EQ": "EN"}


def _roff_escapes(s):
    """Removes or replaces the escapes of one line of roff text."""
    s = re.sub(r'\\".*$', "", s)                       # comment
    s = re.sub(r"\\\((..)", lambda m: ROFF_CHARS.get(m.group(1), ""), s)
    s = re.sub(r"\\\[([^]]*)\]", lambda m: ROFF_CHARS.get(m.group(1), ""), s)
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)         # fonts
    s = re.sub(r"\\\*(\[[^]]*\]|\(..|.)", "", s)        # strings
    s = re.sub(r"\\s[-+]?(\d|\(\d\d|\[\d+\])", "", s)   # sizes
    s = re.sub(r"\\[hvwoxlLNkbDXZR]'[^']*'", "", s)     # motions, widths, ...
    s = re.sub(r"\\n(\[[^]]*\]|\(..|.)", "", s)         # number registers
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\ ", " ").replace("\\~", " ")
    s = re.sub(r"\\[&%,/|^:c{}!)0t]", "", s)
    s = s.replace("\\\\", "\\")
    return s


def _macro_text(args):
    """The text of a font macro's arguments: quotes removed, words joined by spaces (the
    alternating-font macros .BR and friends join without spaces, like roff does)."""
    words = re.findall(r'"((?:[^"]|"")*)"|(\S+)', args)
    return [a.replace('""', '"') if a else b for a, b in words]


def _join(parts):
    """Joins the lines of a filled paragraph: a space between them, except between two CJK
    characters (roff puts a space there, but the author never meant one)."""
    out = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if out and not (CJK.match(out[-1]) or out[-1] in "，。、；：！？（）「」“”") or (
                out and not (CJK.match(p[0]) or p[0] in "，。、；：！？（）「」“”")):
            out += " "
        out += p
    return re.sub(r"[ \t]+", " ", out).strip()


def strip_roff(src):
    """roff source -> list of paragraphs (one string each), markup removed. Code blocks
    (.nf/.fi, .EX/.EE), tables and macro definitions are dropped."""
    paras, cur, skip_until = [], [], None
    for raw in src.split("\n"):
        if skip_until:
            if re.match(r"^[.']\s*" + re.escape(skip_until) + r"\b", raw) or (
                    skip_until == ".." and raw.startswith("..")):
                skip_until = None
            continue
        m = re.match(r"^[.']\s*([A-Za-z]+)\s*(.*)$", raw)
        if m:
            name, args = m.group(1), m.group(2)
            if name in SKIP_BLOCKS:
                skip_until = SKIP_BLOCKS[name]
                continue
            if name in FONT_MACROS:
                words = _macro_text(_roff_escapes(args))
                alt = len(name) == 2 and name not in ("SM", "SB", "UR", "MT")
                cur.append(("" if alt else " ").join(words))
                continue
            if cur:
                paras.append(_join(cur))
            cur = []
            continue
        if raw.startswith(".") or raw.startswith("'"):
            continue
        if not raw.strip():
            if cur:
                paras.append(_join(cur))
            cur = []
            continue
        cur.append(_roff_escapes(raw))
    if cur:
        paras.append(_join(cur))
    return [p for p in paras if p]


def is_prose(line, script):
    """Whether a line is real prose worth keeping. script is "cjk" (at least 4 CJK
    characters, no markup left) or "latin" (at least 25 characters, mostly letters, some
    spaces, at least 4 words)."""
    if "\\" in line or "\ufffd" in line or any(ord(c) < 32 for c in line):
        return False
    if script == "cjk":
        return len(CJK.findall(line)) >= 4
    letters = sum(c.isalpha() for c in line)
    words = len(re.findall(r"[^\W\d_]{2,}", line))
    return len(line) >= 25 and letters >= 0.6 * len(line.replace(" ", "")) and words >= 4


def dedupe(items):
    """Items in their first order, each once."""
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def sample(items, n, seed=1):
    """n items chosen with random.Random(seed) (all of them, shuffled, when there are fewer),
    returned in the chosen order."""
    items = list(items)
    rng = random.Random(seed)
    if n >= len(items):
        rng.shuffle(items)
        return items
    return rng.sample(items, n)


def _man_docs(lang):
    docs = []
    for path in sorted(glob.glob(os.path.join(MAN_ROOT, lang, "man*", "*.gz"))):
        try:
            src = gzip.open(path).read().decode("utf-8")
        except (UnicodeDecodeError, OSError, EOFError):
            continue
        paras = [unicodedata.normalize("NFC", p) for p in strip_roff(src)]
        lines = [p for p in paras if is_prose(p, "cjk")]
        if lines:
            docs.append((path, lines))
    return docs


def _fortune_entries(name):
    path = os.path.join(FORTUNE_DIR, name + ".u8")
    with open(path, encoding="utf-8") as f:
        src = ANSI.sub("", f.read())
    entries = []
    for e in src.split("\n%\n"):
        lines = [unicodedata.normalize("NFC", x.strip()) for x in e.split("\n")]
        lines = [x for x in lines if x and x != "%"]
        if name != "chinese":   # poetry: drop 《title》 and 作者：author lines
            lines = [x for x in lines if not x.startswith("《") and not x.startswith("作者")]
        else:                   # prose: drop the attribution lines ("-- Debian 《...》")
            lines = [x for x in lines if not x.startswith("--") and not x.startswith("——")]
        if lines:
            entries.append(lines)
    return entries


def _tutor_lines(lang):
    path = os.path.join(TUTOR_DIR, "tutor.%s.utf-8" % lang)
    with open(path, encoding="utf-8") as f:
        src = unicodedata.normalize("NFC", f.read())
    script = "cjk" if lang in ("ko", "ja", "zh_tw", "zh_cn", "zh") else "latin"
    out = []
    for x in src.split("\n"):
        x = re.sub(r"\s+", " ", x.strip().strip("*~=-").strip())
        if is_prose(x, script):
            out.append(x)
    return out


_cache = {}
CACHE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "build", "corpus-cache")


def _disk_cache(source, make):
    """Parsing the man pages takes seconds, so parsed sources are kept as JSON under
    build/corpus-cache/, rebuilt when this file is newer than the cached copy."""
    import json
    path = os.path.join(CACHE_DIR, source + ".json")
    try:
        if os.path.getmtime(path) >= os.path.getmtime(os.path.abspath(__file__)):
            with open(path, encoding="utf-8") as f:
                return json.load(f)
    except (OSError, ValueError):
        pass
    data = make()
    try:
        os.makedirs(CACHE_DIR, exist_ok=True)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(path + ".tmp", path)
    except OSError:
        pass
    return data


def docs(source):
    """source -> list of documents, each a list of prose lines. A document is one man page,
    one fortune, or a whole vim tutor."""
    if source in _cache:
        return _cache[source]
    if source in ("zh_CN", "zh_TW", "ja"):
        d = _disk_cache(source, lambda: [lines for _, lines in _man_docs(source)])
    elif source in ("chinese", "tang300", "song100"):
        d = _fortune_entries(source)
    elif source == "poetry":
        d = docs("tang300") + docs("song100")
    elif source.startswith("vim-"):
        d = [_tutor_lines(source[4:])]
    else:
        raise ValueError("unknown corpus source %r" % source)
    _cache[source] = d
    return d


def lines(source):
    """The prose lines of a source, deduplicated, in file order."""
    return dedupe(x for doc in docs(source) for x in doc)


def text(source):
    """All prose lines of a source joined by newlines: a long stream to cut samples from."""
    return "\n".join(lines(source))


SENTENCE_END = re.compile(r"(?<=[。！？!?])(?=[^”’」』）)!?。！？])|(?<=[.!?])\s+(?=[A-Z\"“])")


def sentences(items, min_chars=4):
    """Lines -> sentences: split after 。！？!? (keeping closing quotes with their sentence)
    and after a Latin full stop followed by a capital; deduplicated; short ones dropped."""
    out = []
    for x in items:
        for s in SENTENCE_END.split(x):
            s = s.strip()
            if len(s) >= min_chars:
                out.append(s)
    return dedupe(out)


def roundtrips(s, codec):
    """Whether s survives encode -> decode with codec unchanged (no unmappable character and
    no one-way mapping)."""
    try:
        return s.encode(codec).decode(codec) == s
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False


def cut(src, codec, lo, hi, rng, need_nonascii=True, tries=200):
    """A piece of src whose encoding in codec is lo..hi bytes long, starting at a random
    character (not a space or newline) and ending at a character boundary; None when no
    such piece is found in `tries` attempts. The piece must round-trip through codec and,
    with need_nonascii, have at least one non-ASCII character."""
    for _ in range(tries):
        want = rng.randint(lo, hi)
        start = rng.randrange(len(src))
        while start < len(src) and src[start] in " \n":
            start += 1
        # Grow one character at a time: the pieces are short, except the 20 KB class, where
        # a first guess of the character count saves most of the steps.
        chunk = src[start:start + want]
        n = len(chunk.encode(codec, "replace"))
        end = start + len(chunk)
        while n > want and end > start:
            end -= 1
            n -= len(src[end].encode(codec, "replace"))
        while end < len(src):
            step = len(src[end].encode(codec, "replace"))
            if n + step > want:
                break
            n += step
            end += 1
        piece = src[start:end]
        if piece.endswith("\n") or piece.endswith(" "):
            continue
        if not (lo <= n <= hi) or not roundtrips(piece, codec):
            continue
        if need_nonascii and all(ord(c) < 128 for c in piece):
            continue
        return piece
    return None


if __name__ == "__main__":
    import sys
    for name in sys.argv[1:] or ["zh_CN", "zh_TW", "ja", "chinese", "tang300", "song100",
                                 "vim-ko", "vim-de", "vim-fr"]:
        ls = lines(name)
        print("%-10s %6d lines %8d chars  e.g. %s" % (
            name, len(ls), sum(map(len, ls)), " | ".join(sample(ls, 2, seed=3))[:150]))
