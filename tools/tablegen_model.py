#!/usr/bin/env python3
"""tablegen_model.py --out DIR - tables of the plausibility model (lib/tables/model_*.c).

The statistics and nearly every hand-set cost come from here, so lib/model.c is mostly an
evaluator and the model is retuned in one place (model.c keeps only the costs of Han outside
the URO, the Han script clash and the word-level alphabet switch). Costs are negative natural-log probabilities in 1/16 nat (TF__Q in
lib/model.c) unless a comment says otherwise. Sources, all Debian packages (see
lib/tables/README.md for licenses):

  python3-jieba    /usr/lib/python3/dist-packages/jieba/dict.txt: Han unigrams and word-internal
                   bigrams weighted by word frequency (MIT)
  libopencc-data   TSCharacters / STCharacters (via opencc_dict from opencc): T->S map, scripts;
                   JPVariantsRev: Japanese shinjitai scored as their Chinese forms
  unicode-data     UnicodeData.txt, Scripts.txt: character classes; Unihan_OtherMappings:
                   Joyo and Jinmeiyo kanji
  w* word lists    american-english ngerman french spanish italian portuguese polish
                   ukrainian bulgarian danish bokmaal swedish dutch catalan: Latin/Cyrillic
                   letter bigrams
  hunspell-*       ru_RU cs_CZ el_GR tr_TR hu_HU ro_RO sk_SK hr_HR (stems): more letters
  vim-runtime      message catalogs of 20 European languages (lang/*/vim.mo): running text
  coreutils bash dpkg tar grep findutils diffutils sed (essential): their message catalogs
                   (/usr/share/locale/*/LC_MESSAGES) with vim.mo give the word lists' words
                   their running-text frequencies
  hunspell-ko      ko.dic stems: Hangul syllable frequencies
  vim-runtime      tutor.ja.utf-8 and the Japanese message catalog (lang/ja vim.mo): kana
                   unigrams and bigrams; the Korean message catalog (lang/ko.UTF-8 vim.mo):
                   Hangul frequencies. The Korean tutor is never read: it is evaluation data.

Character classes (CLASSES below) must match enum tf__cls in lib/model.c; the generated
tf__model_nclass lets the unit test check that.
"""
import argparse
import bz2
import math
import os
import re
import struct
import sys
import subprocess
import tempfile
import unicodedata

JIEBA = "/usr/lib/python3/dist-packages/jieba/dict.txt"
OPENCC = "/usr/share/opencc"
UCD = "/usr/share/unicode"
WORDLISTS = [  # (path, encoding, weight): each language is normalized, then weighted
    ("/usr/share/dict/american-english", "utf-8", 3.0),
    ("/usr/share/dict/ngerman", "utf-8", 1.5),
    ("/usr/share/dict/french", "utf-8", 1.5),
    ("/usr/share/dict/spanish", "utf-8", 1.0),
    ("/usr/share/dict/italian", "utf-8", 1.0),
    ("/usr/share/dict/portuguese", "utf-8", 1.0),
    ("/usr/share/dict/polish", "utf-8", 1.0),
    ("/usr/share/dict/ukrainian", "utf-8", 0.7),
    ("/usr/share/dict/bulgarian", "utf-8", 0.5),
    ("/usr/share/dict/danish", "utf-8", 0.7),
    ("/usr/share/dict/bokmaal", "utf-8", 0.7),
    ("/usr/share/dict/swedish", "utf-8", 0.8),
    ("/usr/share/dict/dutch", "utf-8", 0.8),
    ("/usr/share/dict/catalan", "utf-8", 0.6),
    ("/usr/share/hunspell/ru_RU.dic", "utf-8", 1.5),
    ("/usr/share/hunspell/cs_CZ.dic", "utf-8", 0.8),
    ("/usr/share/hunspell/el_GR.dic", "iso8859-7", 1.0),
    ("/usr/share/hunspell/tr_TR.dic", "utf-8", 0.8),
    ("/usr/share/hunspell/hu_HU.dic", "utf-8", 0.8),
    ("/usr/share/hunspell/ro_RO.dic", "utf-8", 0.6),
    ("/usr/share/hunspell/sk_SK.dic", "utf-8", 0.6),
    ("/usr/share/hunspell/hr_HR.dic", "utf-8", 0.6),
]
# The language (a Vim catalog's name, also used under /usr/share/locale) whose running text
# gives a word list its word frequencies (read_words).
LIST_TEXT = {"/usr/share/dict/ngerman": "de", "/usr/share/dict/french": "fr",
             "/usr/share/dict/spanish": "es", "/usr/share/dict/italian": "it",
             "/usr/share/dict/portuguese": "pt_BR", "/usr/share/dict/polish": "pl",
             "/usr/share/dict/ukrainian": "uk", "/usr/share/dict/danish": "da",
             "/usr/share/dict/bokmaal": "nb", "/usr/share/dict/swedish": "sv",
             "/usr/share/dict/dutch": "nl", "/usr/share/dict/catalan": "ca",
             "/usr/share/hunspell/ru_RU.dic": "ru", "/usr/share/hunspell/cs_CZ.dic": "cs",
             "/usr/share/hunspell/tr_TR.dic": "tr", "/usr/share/hunspell/sk_SK.dic": "sk"}
# Message catalogs of Debian's essential packages (every system has them, in every language
# they are translated to): a few hundred kilobytes of running text per language, for word
# frequencies only.
BASE_LANG = "/usr/share/locale/%s/LC_MESSAGES/%s.mo"
FREQ_CATALOGS = ["coreutils", "bash", "dpkg", "tar", "grep", "findutils", "diffutils", "sed"]
# The share of a list's weight given to its words by their running-text frequency (the rest
# goes to every listed word alike).
FREQ_SHARE = 1.0
# Vim's message catalogs (vim-runtime): running text in many languages, weighted like a list.
VIM_LANG = "/usr/share/vim/vim90/lang/%s/LC_MESSAGES/vim.mo"
VIM_MESSAGES = [("de", 1.0), ("fr", 1.0), ("es", 1.0), ("it", 1.0), ("pt_BR", 0.8),
                ("pl", 0.8), ("cs", 0.6), ("sk", 0.5), ("ca", 0.5), ("da", 0.5), ("nb", 0.5),
                ("sv", 0.5), ("nl", 0.6), ("fi", 0.5), ("tr", 0.5), ("lv", 0.3), ("eo", 0.3),
                ("ru", 1.0), ("uk", 0.7), ("sr", 0.5)]
KO_DIC = "/usr/share/hunspell/ko.dic"
JA_TEXT = "/usr/share/vim/vim90/tutor/tutor.ja.utf-8"
JA_MO = "/usr/share/vim/vim90/lang/ja/LC_MESSAGES/vim.mo"
KO_MO = "/usr/share/vim/vim90/lang/ko.UTF-8/LC_MESSAGES/vim.mo"
KANA_PRIOR = 20.0  # pseudo-counts of the kana bigram's unigram prior
MAX_WORDS = 60000  # words sampled per list (evenly), which keeps the generator fast

Q = 16  # fixed point: 1/16 nat
CLASSES = ["START", "SPACE", "NEWLINE", "DIGIT", "APUNCT", "LAT_LO", "LAT_UP", "CYR_LO",
           "CYR_UP", "GRK_LO", "GRK_UP", "HAN", "KANA", "HANGUL", "CJKP", "SYM", "OLET",
           "MARK", "ODIGIT", "RARE", "BAD"]
C = {name: i for i, name in enumerate(CLASSES)}
URO_FIRST, URO_LAST = 0x4E00, 0x9FFF
HAN_RANKS = 6000  # Han characters with bigram lists
HEADER = ("/* Generated by tools/tablegen_model.py from Debian-packaged data (jieba MIT, Unicode\n"
          " * data license, OpenCC Apache-2.0, word lists: see README.md). Do not edit: run\n"
          " * `make tables`. */\n#include <stdint.h>\n\n")


def q(nats, lo=-32768, hi=32767):
    return max(lo, min(hi, int(round(nats * Q))))


# ---- Unicode data ------------------------------------------------------------------------

def read_ucd():
    """General category of every assigned code point, and the script of each."""
    gc = {}
    with open(os.path.join(UCD, "UnicodeData.txt"), encoding="utf-8") as f:
        first = None
        for line in f:
            fields = line.split(";")
            cp, name, cat = int(fields[0], 16), fields[1], fields[2]
            if name.endswith(", First>"):
                first = cp
                continue
            if name.endswith(", Last>"):
                for c in range(first, cp + 1):
                    gc[c] = cat
                continue
            gc[cp] = cat
    script = {}
    with open(os.path.join(UCD, "Scripts.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            rng, sc = [x.strip() for x in line.split(";")]
            a, _, b = rng.partition("..")
            for c in range(int(a, 16), int(b or a, 16) + 1):
                script[c] = sc
    return gc, script


# ---- Letters (Latin, Cyrillic, Greek) ----------------------------------------------------

def lower1(cp):
    """The single lowercase code point of cp (Turkish dotted I counts as i)."""
    if cp == 0x130:
        return 0x69
    lo = chr(cp).lower()
    return ord(lo) if len(lo) == 1 else cp


def read_words(path, enc):
    """A word list, as (word, weight) pairs: an even sample of the list, each sampled word
    standing for the `step` words around it, plus every word of the list that the language's
    running text (running_counts) uses, weighted by how often it does. A list counts
    each word once, so without this French "où" would weigh as little as any rare word, and
    letter pairs of a language's frequent short words (où, então, før) would lose to those of
    another language's many rare ones (Polish "oł")."""
    with open(path, encoding=enc, errors="replace") as f:
        lines = f.read().split("\n")
    words = []
    for ln in lines:
        w = ln.split("/")[0].strip()
        if w and not w.isdigit():
            words.append(w)
    step = max(1, len(words) // MAX_WORDS)
    freq = running_counts(LIST_TEXT.get(path))
    weights = {}
    for w in words[::step]:
        weights[w] = float(step)
    used = {w: freq[w.lower()] for w in words if w.lower() in freq}
    # The used words together weigh FREQ_SHARE of the list, shared by their frequency.
    scale = FREQ_SHARE * len(words) / max(1, sum(used.values()))
    for w, c in used.items():
        weights[w] = weights.get(w, 0.0) + scale * c
    return list(weights.items())


def running_counts(lang):
    """How often each (lowercased) word occurs in the running text of lang: its Vim message
    catalog and those of the essential packages (FREQ_CATALOGS) that are translated to it."""
    counts = {}
    if lang is None:
        return counts
    paths = [VIM_LANG % lang] + [BASE_LANG % (lang, name) for name in FREQ_CATALOGS]
    for path in paths:
        if not os.path.exists(path):
            continue
        for w in text_words(path):
            w = w.lower()
            counts[w] = counts.get(w, 0) + 1
    return counts


def text_words(path):
    """The words of a message catalog's translations, in order, with repeats: running text
    counts short function words (French "à", Czech "v") as often as they are written."""
    words = []
    for msg in mo_messages(path):
        words.extend(re.findall(r"[^\W\d_]+", msg))
    return words


def text_pairs(path):
    """text_words as (word, 1) pairs, like read_words' (word, weight)."""
    return [(w, 1.0) for w in text_words(path)]


def letter_counts():
    """Per-source normalized, weighted letter bigram counts; 0 is the word boundary."""
    big, uni = {}, {}
    sources = [(read_words, (path, enc), weight) for path, enc, weight in WORDLISTS]
    sources += [(text_pairs, (VIM_LANG % lang,), weight) for lang, weight in VIM_MESSAGES]
    for reader, args, weight in sources:
        local = {}
        for w, ww in reader(*args):
            seq = [0] + [lower1(ord(ch)) for ch in w] + [0]
            for a, b in zip(seq, seq[1:]):
                if a >= 0x600 or b >= 0x600:
                    continue
                local[(a, b)] = local.get((a, b), 0) + ww
        total = sum(local.values())
        for k, v in local.items():
            big[k] = big.get(k, 0.0) + weight * v / total
            uni[k[1]] = uni.get(k[1], 0.0) + weight * v / total
    return big, uni


def build_letters(gc, script):
    big, uni = letter_counts()
    tot = sum(uni.values())
    alpha = sorted(c for c, v in uni.items() if c and v / tot > 2e-6 and gc.get(c, "")[:1] == "L"
                   and script.get(c) in ("Latin", "Cyrillic", "Greek") and c not in (0xAA, 0xBA, 0xB5))
    for c in range(0x61, 0x7B):
        if c not in alpha:
            alpha.append(c)
    alpha.sort()
    assert len(alpha) < 255
    idx = {c: i + 1 for i, c in enumerate(alpha)}
    n = len(alpha) + 1
    rows = {}
    for (a, b), v in big.items():
        if (a == 0 or a in idx) and (b == 0 or b in idx):
            rows.setdefault(a, {})[b] = rows.get(a, {}).get(b, 0.0) + v
    punig = {c: uni.get(c, 0.0) / tot for c in [0] + alpha}
    beta = 0.01  # share of the unigram in each row: what an unseen pair costs
    table = [[0] * n for _ in range(n)]
    for a in [0] + alpha:
        row = rows.get(a, {})
        rt = sum(row.values()) or 1.0
        for b in [0] + alpha:
            if a == 0 and b == 0:
                continue  # two non-letters: the letter model has nothing to say
            p = (1 - beta) * row.get(b, 0.0) / rt + beta * max(punig[b], 1e-7)
            table[idx.get(a, 0)][idx.get(b, 0)] = q(-math.log(p), 0, 255)
    return idx, table


# ---- Character classes and emission costs ------------------------------------------------

GENERAL_PUNCT_CJKP = {0x2010, 0x2013, 0x2014, 0x2015, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026,
                      0x2025, 0x00B7, 0x2027}
LATIN1_RARE = {0xA4, 0xA6, 0xA8, 0xAF, 0xB4, 0xB8, 0xAC, 0xB9, 0xBC, 0xBE, 0xB6, 0xAD}


def classify(cp, gc, script, lidx):
    cat = gc.get(cp, "Cn")
    sc = script.get(cp, "Unknown")
    if cp in (0x09, 0x20, 0xA0):
        return C["SPACE"]
    if cp in (0x0A, 0x0D, 0x2028, 0x2029):
        return C["NEWLINE"]
    if cp in (0x0B, 0x0C):
        return C["RARE"]
    if cat in ("Cn", "Co", "Cs", "Cc") or cp == 0xFFFD:
        return C["BAD"]
    if cp in LATIN1_RARE or 0x2500 <= cp <= 0x259F or cat == "Cf":
        return C["RARE"]
    if cp == 0x3000 or cp == 0x30FB:
        return C["CJKP"]
    if cp in (0x3005, 0x30FC, 0x309D, 0x309E, 0x30FD, 0x30FE):
        return C["KANA"]  # iteration and length marks live inside kana and kanji runs
    if cat == "Nd":
        return C["DIGIT"] if cp < 0x80 else C["ODIGIT"]
    if cat[0] in "PS" and cp < 0x80:
        return C["APUNCT"]
    if cat[0] == "P" and (0x3000 <= cp <= 0x303F or 0xFF01 <= cp <= 0xFF65 or cp in GENERAL_PUNCT_CJKP):
        return C["CJKP"]
    if cat[0] in "PSN" or cat == "Zs":
        return C["SYM"]
    if cat[0] == "M":
        return C["MARK"]
    if cat[0] == "L":
        return letter_class(cp, cat, sc, lidx)
    return C["OLET"]


def letter_class(cp, cat, sc, lidx):
    lo = lower1(cp)
    if sc in ("Latin", "Cyrillic", "Greek") and cat in ("Ll", "Lu", "Lt"):
        # Letters outside the bigram alphabet (Vietnamese, polytonic Greek, ...) stay in their
        # script's class, with letter index 0 and CLASS_EMIT's cost for a rare letter.
        base = {"Latin": "LAT", "Cyrillic": "CYR", "Greek": "GRK"}[sc]
        return C[base + ("_LO" if lo == cp else "_UP")]
    if sc == "Han":
        return C["HAN"]
    if sc in ("Hiragana", "Katakana"):
        return C["KANA"]
    if sc == "Hangul":
        return C["HANGUL"]
    return C["OLET"]


def letter_index(cp, cls, lidx):
    return lidx.get(lower1(cp), 0) if CLASSES[cls][:3] in LETTER_SCRIPTS else 0


def class_runs(gc, script, lidx):
    runs, last = [], None
    for cp in range(0x110000):
        c = classify(cp, gc, script, lidx)
        if c != last:
            runs.append((cp, c))
            last = c
    return runs


# Emission costs in nats by class (what a character of the class costs beyond the transition);
# the tables below refine them for single characters.
CLASS_EMIT = {"START": 0, "SPACE": 0, "NEWLINE": 0, "DIGIT": 2.3, "APUNCT": 4.0, "LAT_LO": 6.0,
              "LAT_UP": 6.0, "CYR_LO": 6.0, "CYR_UP": 6.0, "GRK_LO": 6.0, "GRK_UP": 6.0,
              "HAN": 14.0,
              "KANA": 8.0, "HANGUL": 14.0, "CJKP": 5.0, "SYM": 4.0, "OLET": 4.0, "MARK": 3.0,
              "ODIGIT": 3.0, "RARE": 4.0, "BAD": 12.0}
# A Latin, Cyrillic or Greek letter outside the bigram alphabet that a single-byte codec makes
# of a high byte: none of the languages above writes it (Lithuanian ų į, Maltese ċ). Its letter
# index is 0, so its neighbours pay only word-edge costs; it must still cost more than the
# rarest letters of the alphabet (about 10 nats alone), or a codec that makes such letters of
# French or Danish bytes (`ø` as `ų` in windows-1257, `å` as `ċ` in ISO-8859-3) reads better
# than the right one. Other letters outside the alphabet (Latin Extended-B, archaic Cyrillic)
# come from no single-byte misreading and keep CLASS_EMIT's cost.
LETTER_UNSEEN_EMIT = 10.0
SINGLE_BYTE_CODECS = ["cp125%d" % k for k in range(9)] + \
    ["iso8859_%d" % k for k in (2, 3, 4, 5, 7, 9, 10, 13, 14, 15, 16)] + \
    ["koi8_r", "koi8_u", "mac_roman", "cp437"]  # those lib/detect.c knows by name


def single_byte_letter(cp):
    """Whether a single-byte codec of SINGLE_BYTE_CODECS has cp as one of its high bytes."""
    for codec in SINGLE_BYTE_CODECS:
        try:
            if chr(cp).encode(codec)[0] >= 0x80:
                return True
        except UnicodeEncodeError:
            pass
    return False


APUNCT_EMIT = {",": 1.2, ".": 1.2, "'": 2.5, '"': 2.5, "(": 2.5, ")": 2.5, "-": 2.2, ":": 2.5,
               ";": 3.0, "!": 3.0, "?": 3.0, "/": 3.0, "_": 3.5, "=": 3.5, "*": 3.5,
               "&": 3.5, "#": 3.5, "%": 3.5, "<": 3.5, ">": 3.5, "[": 3.5, "]": 3.5,
               "+": 3.5, "@": 4.0, "$": 4.0, "{": 4.0, "}": 4.0, "|": 4.5, "\\": 4.5,
               "~": 4.5, "^": 5.0, "`": 5.0}
SPACE_EMIT = {0x20: 0.0, 0x09: 2.5, 0x0A: 0.0, 0x0D: 0.5, 0xA0: 3.0}
SYM_EMIT = {0xA9: 2.0, 0xAE: 2.5, 0xB0: 1.5, 0xB1: 2.5, 0xA7: 2.5, 0xAB: 1.5, 0xBB: 1.5,
            0xBF: 2.5, 0xA1: 2.5, 0xA3: 2.0, 0xA2: 3.0, 0xA5: 3.0, 0xD7: 3.0, 0xB2: 3.0,
            0xB3: 3.0, 0xBD: 3.0, 0xB5: 4.0, 0xF7: 4.0, 0xAA: 4.0, 0xBA: 4.0, 0xB7: 2.0,
            0x20AC: 2.0, 0x2122: 3.0, 0x2022: 2.0, 0x2030: 4.0, 0x2039: 4.5, 0x203A: 4.5,
            0x2020: 4.5, 0x2021: 5.5, 0x2032: 3.5, 0x2033: 3.5, 0x203B: 3.0}
CJKP_EMIT = {0x3001: 0.5, 0x3002: 0.5, 0xFF0C: 0.5, 0x300C: 1.5, 0x300D: 1.5, 0x300E: 2.5,
             0x300F: 2.5, 0x300A: 1.5, 0x300B: 1.5, 0x3008: 2.5, 0x3009: 2.5, 0x3010: 2.0,
             0x3011: 2.0, 0x3014: 3.0, 0x3015: 3.0, 0xFF01: 1.5, 0xFF08: 1.5, 0xFF09: 1.5,
             0xFF1A: 1.5, 0xFF1B: 1.5, 0xFF1F: 1.5, 0x201C: 1.2, 0x201D: 1.2, 0x2018: 1.8,
             0x2019: 1.2, 0x2014: 2.0, 0x2013: 2.5, 0x2026: 1.5, 0x00B7: 2.5, 0x30FB: 2.0,
             0x3000: 1.5, 0xFF0E: 3.0, 0xFF0F: 3.0, 0x301C: 3.0, 0xFF5E: 2.5, 0xFF0D: 3.0,
             0xFF3B: 3.5, 0xFF3D: 3.5, 0x3003: 4.0, 0x3006: 4.0}
KANA_BLOCK_EMIT = {0x3005: 3.5}  # 々 (人々, 時々), classed as kana but outside the kana table
# Other CJK punctuation (〖〗〘〙 ...) costs CLASS_EMIT["CJKP"]: rare in text, and what EUC-JP's
# long vowel mark and other symbols become when read as GBK.


def emit_cost(cp, cls, lidx):
    name = CLASSES[cls]
    if name[:3] in LETTER_SCRIPTS and lidx.get(lower1(cp)):
        return 0.0  # the letter bigram is the whole cost
    if name[:3] in LETTER_SCRIPTS and single_byte_letter(cp):
        return LETTER_UNSEEN_EMIT
    if name == "APUNCT":
        return APUNCT_EMIT.get(chr(cp), 4.0)
    if name in ("SPACE", "NEWLINE"):
        return SPACE_EMIT.get(cp, 2.0)
    if name == "SYM" and cp in SYM_EMIT:
        return SYM_EMIT[cp]
    if name == "CJKP" and cp in CJKP_EMIT:
        return CJKP_EMIT[cp]
    if name == "KANA" and cp in KANA_BLOCK_EMIT:
        return KANA_BLOCK_EMIT[cp]
    if name == "ODIGIT" and 0xFF10 <= cp <= 0xFF19:
        return 4.0
    if name == "OLET" and 0xFF21 <= cp <= 0xFF5A:
        return 5.0  # fullwidth Latin
    if name == "KANA" and 0xFF61 <= cp <= 0xFF9F:
        return 10.0  # halfwidth katakana: rare in real text, common in CP932 mojibake
    return CLASS_EMIT[name]


# ---- Transitions -------------------------------------------------------------------------

LETTER_SCRIPTS = {"LAT": ("LAT_LO", "LAT_UP"), "CYR": ("CYR_LO", "CYR_UP"),
                  "GRK": ("GRK_LO", "GRK_UP")}
WORDISH = ["LAT_LO", "LAT_UP", "CYR_LO", "CYR_UP", "GRK_LO", "GRK_UP", "HAN", "KANA", "HANGUL",
           "OLET"]
BREAKS = ["START", "SPACE", "NEWLINE", "APUNCT"]


def script_of(name):
    return name.split("_")[0] if name[:3] in LETTER_SCRIPTS else name


def trans_cost(a, b):
    """Cost in nats of a character of class b after one of class a (the script-change model)."""
    if b == "BAD":
        return 20.0
    if b == "RARE":
        return 7.0 if a == "RARE" else 9.0
    if b == "MARK":
        return 2.0 if a in WORDISH else 9.0
    if a in WORDISH and b in WORDISH:
        return word_to_word(a, b)
    if b in WORDISH:
        return break_to_word(a, b)
    if a in WORDISH:
        return word_to_break(a, b)
    return other_pair(a, b)


def word_to_word(a, b):
    sa, sb = script_of(a), script_of(b)
    if sa == sb:
        if sa in LETTER_SCRIPTS:
            if a.endswith("_LO") and b.endswith("_UP"):
                return 4.5  # camel case is rare; Latin-1 mojibake makes it everywhere
            if a.endswith("_UP") and b.endswith("_UP"):
                return 1.5
            return 0.0
        return 0.0 if sa != "OLET" else 0.3
    pair = {sa, sb}
    if pair == {"HAN", "KANA"}:
        return 1.2
    if pair == {"LAT", "GRK"}:
        return 5.5  # science writes Greek letters inside Latin words: "IL2Rγ", "β-catenin"
    if sa in LETTER_SCRIPTS and sb in LETTER_SCRIPTS:
        return 9.0
    if pair == {"LAT", "HAN"}:
        return 4.5  # "用Python写" is common, but each switch still has to pay
    if "LAT" in pair and ("KANA" in pair or "HANGUL" in pair):
        return 4.5
    if "HANGUL" in pair and "HAN" in pair:
        return 6.0
    return 8.0


def break_to_word(a, b):
    sb = script_of(b)
    if a in ("START", "NEWLINE"):
        return {"HAN": 1.5, "KANA": 2.0, "HANGUL": 1.5, "OLET": 3.0}.get(sb, 1.0 if b.endswith("_UP") else 1.2)
    if a == "SPACE":
        if sb in LETTER_SCRIPTS:
            return 1.5 if b.endswith("_UP") else 0.4
        return {"HAN": 2.5, "KANA": 3.0, "HANGUL": 0.5, "OLET": 2.0}[sb]
    if a == "CJKP":
        return {"HAN": 0.5, "KANA": 1.0, "HANGUL": 2.0}.get(sb, 3.0)
    if a == "APUNCT":
        if sb in LETTER_SCRIPTS:
            return 1.8 if b.endswith("_UP") else 1.0
        return 2.5
    if a in ("DIGIT", "ODIGIT"):
        return 2.0 if sb in ("HAN", "KANA") else 3.0
    return 4.0  # after a symbol, mark or rare character


def word_to_break(a, b):
    sa = script_of(a)
    if b == "SPACE":
        return {"HAN": 3.0, "KANA": 3.0, "HANGUL": 0.8, "OLET": 1.5}.get(sa, 0.3)
    if b == "NEWLINE":
        return {"HAN": 2.5, "KANA": 2.5, "HANGUL": 2.0}.get(sa, 2.5)
    if b == "CJKP":
        return {"HAN": 1.2, "KANA": 1.2, "HANGUL": 3.0}.get(sa, 4.5)
    if b == "APUNCT":
        return {"HAN": 3.0, "KANA": 3.0, "HANGUL": 1.5, "OLET": 2.0}.get(sa, 1.0)
    if b == "DIGIT":
        return 3.0 if sa in ("HAN", "KANA") else 4.0
    if b == "ODIGIT":
        return 3.5
    return 5.0  # a symbol right after a letter


def other_pair(a, b):
    if a == "START":
        return 1.5
    table = {("SPACE", "SPACE"): 2.0, ("NEWLINE", "NEWLINE"): 1.5, ("NEWLINE", "SPACE"): 1.5,
             ("SPACE", "NEWLINE"): 2.0, ("DIGIT", "DIGIT"): 0.3, ("APUNCT", "SPACE"): 0.3,
             ("APUNCT", "NEWLINE"): 0.8, ("SPACE", "APUNCT"): 1.5, ("APUNCT", "APUNCT"): 1.8,
             ("SPACE", "DIGIT"): 1.5, ("DIGIT", "SPACE"): 0.8, ("DIGIT", "APUNCT"): 1.0,
             ("APUNCT", "DIGIT"): 1.2, ("NEWLINE", "DIGIT"): 1.5, ("NEWLINE", "APUNCT"): 1.5,
             ("CJKP", "CJKP"): 2.0, ("CJKP", "NEWLINE"): 0.5, ("CJKP", "SPACE"): 2.5,
             ("SPACE", "CJKP"): 3.0, ("NEWLINE", "CJKP"): 1.5, ("DIGIT", "CJKP"): 2.0,
             ("CJKP", "DIGIT"): 2.0, ("ODIGIT", "ODIGIT"): 0.5, ("DIGIT", "NEWLINE"): 2.0}
    if (a, b) in table:
        return table[(a, b)]
    if b == "SYM" or a == "SYM":
        return 3.5
    return 3.0


# ---- Han ---------------------------------------------------------------------------------

def export_opencc(name, tmp):
    out = os.path.join(tmp, name + ".txt")
    subprocess.run(["opencc_dict", "-i", os.path.join(OPENCC, name + ".ocd2"), "-o", out,
                    "-f", "ocd2", "-t", "text"], check=True, stdout=subprocess.DEVNULL)
    pairs = {}
    with open(out, encoding="utf-8") as f:
        for line in f:
            key, _, vals = line.rstrip("\n").partition("\t")
            if len(key) == 1:
                pairs[ord(key)] = [ord(v) for v in vals.split(" ") if len(v) == 1]
    return pairs


def han_maps():
    with tempfile.TemporaryDirectory() as tmp:
        ts = export_opencc("TSCharacters", tmp)
        st = export_opencc("STCharacters", tmp)
        jp = export_opencc("JPVariantsRev", tmp)
    t2s = {k: v[0] for k, v in ts.items() if v and v[0] != k}
    simp_only = {k for k, v in st.items() if v and k not in v}
    trad_only = {k for k, v in ts.items() if v and k not in v}
    both = simp_only & trad_only  # an entry on both sides is used in both scripts
    # Japanese shinjitai -> Traditional -> Simplified (単 -> 單 -> 单), for scoring only, so
    # that Japanese compounds (簡単) meet their Chinese statistics (简单).
    jp2s = {k: t2s.get(v[0], v[0]) for k, v in jp.items() if v and k not in t2s}
    return t2s, jp2s, sorted(simp_only - both), sorted(trad_only - both)


def jieba_counts(t2s):
    uni, big = {}, {}
    with open(JIEBA, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            word, freq = parts[0], int(parts[1])
            cps = [t2s.get(ord(ch), ord(ch)) for ch in word]
            for c in cps:
                if URO_FIRST <= c <= URO_LAST:
                    uni[c] = uni.get(c, 0) + freq
            for a, b in zip(cps, cps[1:]):
                if URO_FIRST <= a <= URO_LAST and URO_FIRST <= b <= URO_LAST:
                    big[(a, b)] = big.get((a, b), 0) + freq
    return uni, big


def encodable(ch, codecs):
    for codec in codecs:
        try:
            if len(ch.encode(codec)) == 2:
                return True
        except UnicodeEncodeError:
            pass
    return False


def japanese_kanji():
    """Costs for kanji common in Japanese that Chinese word lists miss or rate rare (shinjitai
    such as 駅 図 読, kokuji such as 込 働): Unihan's Joyo and Jinmeiyo lists."""
    out = {}
    with bz2.open(os.path.join(UCD, "Unihan_OtherMappings.txt.bz2"), "rt", encoding="utf-8") as f:
        for line in f:
            if not line.startswith("U+"):
                continue
            cp, field, _ = line.split("\t", 2)
            if field == "kJoyoKanji":
                out[int(cp[2:], 16)] = 9.5
            elif field == "kJinmeiyoKanji":
                out.setdefault(int(cp[2:], 16), 11.5)
    return out


def score_map(t2s, jp2s, uni):
    """The map through which characters are scored: T->S, plus shinjitai the Chinese data
    does not know by themselves (図 駅 単; not 芸, a Chinese character of its own)."""
    out = dict(t2s)
    for k, v in jp2s.items():
        if uni.get(k, 0) * 100 < uni.get(v, 0):
            out[k] = v
    return out


def build_han(t2s, jp2s, scripts):
    uni, big = jieba_counts(t2s)
    smap = score_map(t2s, jp2s, uni)
    total = sum(uni.values())
    cost = {c: -math.log(v / total) for c, v in uni.items()}
    kanji = japanese_kanji()
    known = q(15.0) // 2  # in a CJK national set, but never in jieba's words
    rare = q(18.0) // 2
    ucost = []
    for cp in range(URO_FIRST, URO_LAST + 1):
        s = smap.get(cp, cp)
        if s in cost:
            ucost.append(min(255, q(min(cost[s], kanji.get(cp, 99.0))) // 2))
        elif cp in kanji:
            ucost.append(q(kanji[cp]) // 2)
        elif encodable(chr(cp), ("gb2312", "big5", "euc_jp", "euc_kr")):
            ucost.append(known)
        else:
            ucost.append(rare)
    ranked = sorted(uni, key=lambda c: (-uni[c], c))[:HAN_RANKS]
    rank = {c: i + 1 for i, c in enumerate(ranked)}
    rank_of = [rank.get(smap.get(cp, cp), 0) | script_flags(cp, scripts)
               for cp in range(URO_FIRST, URO_LAST + 1)]
    return ucost, rank_of, han_pairs(uni, big, total, ranked, rank)


def script_flags(cp, scripts):
    """Bits 15 and 14 of a rank entry: Simplified-only and Traditional-only characters, which
    real text does not put next to each other, nor (Simplified ones) next to kana or Hangul."""
    simp_only, trad_only = scripts
    return (0x8000 if cp in simp_only else 0) | (0x4000 if cp in trad_only else 0)


def han_pairs(uni, big, total, ranked, rank):
    """Per left character: the cost of leaving its word (after[]) and, for each right character
    seen inside a word after it, the gain over that backoff (1/16 nat)."""
    bisum, right = {}, {}
    for (a, b), v in big.items():
        bisum[a] = bisum.get(a, 0) + v
        if b in rank:
            right.setdefault(a, []).append((b, v))
    after, lists = [0], [[]]
    for a in ranked:
        stay = min(bisum.get(a, 0) / uni[a], 0.95)
        leave = 1.0 - stay
        after.append(q(-math.log(leave), 0, 255))
        row = []
        for b, v in right.get(a, []):
            if v < 3:
                continue
            pmi = math.log(v / (uni[a] * uni[b] / total) + leave)
            gain = q(pmi - math.log(leave), 0, 255)
            if gain >= Q:
                row.append((rank[b], gain))
        lists.append(sorted(row))
    return after, lists


# ---- Kana and Hangul ---------------------------------------------------------------------

def mo_messages(path):
    """The translated messages of a gettext catalog, in file (msgid) order: running text.
    Parsed here rather than with the gettext module, which rejects catalogs whose header has
    bytes outside its declared charset."""
    with open(path, "rb") as f:
        data = f.read()
    order = "<" if struct.unpack("<I", data[:4])[0] == 0x950412DE else ">"
    n, _, trans_at = struct.unpack(order + "3I", data[8:20])
    raw = []
    for i in range(n):
        length, offset = struct.unpack(order + "2I", data[trans_at + 8 * i:trans_at + 8 * i + 8])
        raw.append(data[offset:offset + length])
    m = re.search(rb"charset=([-\w]+)", raw[0] if raw else b"")
    charset = m.group(1).decode() if m else "utf-8"
    return [r.decode(charset, errors="replace").replace("\0", "\n") for r in raw[1:]]


def ja_text():
    with open(JA_TEXT, encoding="utf-8") as f:
        return [f.read()] + mo_messages(JA_MO)


def build_kana():
    """Kana emission costs and kana-after-kana adjustments (1/16 nat, [a * 192 + b])."""
    uni, big = {}, {}
    for text in ja_text():
        cps = [ord(ch) - 0x3040 for ch in text]
        for a, b in zip([-1] + cps, cps):
            if 0 <= b < 0xC0:
                uni[b] = uni.get(b, 0) + 1
                if 0 <= a < 0xC0:
                    big[(a, b)] = big.get((a, b), 0) + 1
    total = sum(uni.values())
    prob = [(uni.get(k, 0) + 0.5) / (total + 96) for k in range(0xC0)]
    emit = [min(12.0, -math.log(p) - math.log(0.6)) for p in prob]
    pairs = []
    for a in range(0xC0):
        ca = sum(big.get((a, b), 0) for b in range(0xC0))
        for b in range(0xC0):
            # Dirichlet-smoothed P(b|a) against P(b): a bonus for pairs seen often, a capped
            # penalty for pairs never seen (the training text is small).
            pba = (big.get((a, b), 0) + KANA_PRIOR * prob[b]) / (ca + KANA_PRIOR)
            pairs.append(q(min(2.5, max(-7.9, -math.log(pba / prob[b]))), -127, 127))
    return emit, pairs


def build_hangul():
    counts = {}
    with open(KO_DIC, encoding="utf-8") as f:
        for line in f:
            for ch in line.split("/")[0]:
                if 0xAC00 <= ord(ch) <= 0xD7A3:
                    counts[ord(ch)] = counts.get(ord(ch), 0) + 1
    for msg in mo_messages(KO_MO):  # running text weighs more than dictionary stems
        for ch in msg:
            if 0xAC00 <= ord(ch) <= 0xD7A3:
                counts[ord(ch)] = counts.get(ord(ch), 0) + 5
    total = sum(counts.values())
    out = []
    for cp in range(0xAC00, 0xD7A4):
        common = encodable(chr(cp), ("euc_kr",))
        p = (counts.get(cp, 0) + 0.5) / (total + 2350 * 0.5)
        c = -math.log(p) if common else 14.0
        out.append(min(255, q(min(c, 13.5) if common else c) // 2))
    return out


# ---- Writers -----------------------------------------------------------------------------

def c_array(ctype, name, values, per_line=16, static=False):
    lines = ["%sconst %s %s[%d] = {" % ("static " if static else "", ctype, name, len(values))]
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(str(v) for v in values[i:i + per_line]) + ",")
    lines.append("};\n")
    return "\n".join(lines)


def write(out, name, body):
    with open(os.path.join(out, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER + body)


def write_classes(out, gc, script, lidx, ltable):
    runs = class_runs(gc, script, lidx)
    n = len(CLASSES)
    body = "const int tf__model_nclass = %d;\n\n" % n
    body += c_array("uint32_t", "tf__model_run_start", [r[0] for r in runs], 12)
    body += "const uint32_t tf__model_nruns = %d;\n" % len(runs)
    body += c_array("uint8_t", "tf__model_run_class", [r[1] for r in runs], 24)
    trans = [q(trans_cost(a, b)) for a in CLASSES for b in CLASSES]
    body += "/* trans[a * nclass + b]: class b after class a. */\n"
    body += c_array("int16_t", "tf__model_trans", trans, n)
    body += c_array("int16_t", "tf__model_class_emit", [q(CLASS_EMIT[c]) for c in CLASSES], n)
    low = [classify(cp, gc, script, lidx) for cp in range(0x600)]
    body += "/* Code points below U+0600: class, letter index, emission cost. */\n"
    body += c_array("uint8_t", "tf__model_low_class", low, 24)
    body += c_array("uint8_t", "tf__model_low_letter", [letter_index(cp, low[cp], lidx)
                                                      for cp in range(0x600)], 24)
    body += c_array("int16_t", "tf__model_low_emit",
                    [q(emit_cost(cp, low[cp], lidx)) for cp in range(0x600)], 16)
    for lo, hi, nm in ((0x2000, 0x2070, "gp"), (0x3000, 0x3040, "cjk"), (0xFF00, 0xFFF0, "fw")):
        body += c_array("int16_t", "tf__model_%s_emit" % nm,
                        [q(emit_cost(cp, classify(cp, gc, script, lidx), lidx))
                         for cp in range(lo, hi)])
    body += "/* Classes of U+2000..U+206F, U+3000..U+30FF, U+FF00..U+FFEF: no search there. */\n"
    for lo, hi, nm in ((0x2000, 0x2070, "gp"), (0x3000, 0x3100, "cjk"), (0xFF00, 0xFFF0, "fw")):
        body += c_array("uint8_t", "tf__model_%s_class" % nm,
                        [classify(cp, gc, script, lidx) for cp in range(lo, hi)], 24)
    nl = len(ltable)
    body += "const int tf__model_nletters = %d;\n" % nl
    body += "/* Letter bigram costs [prev * nletters + next], 0 = not a letter (word edge). */\n"
    body += c_array("uint8_t", "tf__model_letter_pair", [v for row in ltable for v in row], 24)
    body += ascii_pairs(trans, low, lidx, ltable, [q(emit_cost(cp, low[cp], lidx))
                                                   for cp in range(0x80)])
    write(out, "model_classes.c", body)


def ascii_pairs(trans, low, lidx, ltable, emit):
    """The whole cost of ASCII byte b after ASCII byte a, precomputed with the very sums
    lib/model.c makes (transition + letter pair + emission), so runs of ASCII cost one table
    read per byte. The unit test checks every entry against the general path."""
    n = len(CLASSES)
    let = [letter_index(c, low[c], lidx) for c in range(0x80)]
    vals = [trans[low[a] * n + low[b]] + ltable[let[a]][let[b]] + emit[b]
            for a in range(0x80) for b in range(0x80)]
    return ("/* [a * 128 + b]: cost of ASCII b after ASCII a. */\n" +
            c_array("int16_t", "tf__model_ascii_pair", vals, 16))


def write_han(out, ucost, rank_of, after, lists):
    offs, keys, gains = [0], [], []
    for row in lists:
        for r, g in row:
            keys.append(r)
            gains.append(g)
        offs.append(len(keys))
    body = "/* U+4E00..U+9FFF through the T->S map: unigram cost in 1/8 nat. */\n"
    body += c_array("uint8_t", "tf__model_han_cost", ucost, 24)
    body += ("/* Frequency rank (1 = most common, 0 = unranked) of the Simplified form in bits\n"
             " * 0-13; bit 15: Simplified-only, bit 14: Traditional-only. */\n")
    body += c_array("uint16_t", "tf__model_han_rank", rank_of, 16)
    body += "const uint32_t tf__model_han_nranks = %d;\n" % (len(lists) - 1)
    body += "/* Cost of leaving the word after rank r (1/16 nat). */\n"
    body += c_array("uint8_t", "tf__model_han_after", after, 24)
    body += "/* Pairs of rank a: keys/gains [first[a], first[a + 1]), keys sorted. */\n"
    body += c_array("uint32_t", "tf__model_han_first", offs, 12)
    body += c_array("uint16_t", "tf__model_han_next", keys, 16)
    body += c_array("uint8_t", "tf__model_han_gain", gains, 24)
    write(out, "model_han.c", body)


def write_zhmap(out, t2s, simp_only, trad_only):
    keys = sorted(t2s)
    body = "const uint32_t tf__model_t2s_n = %d;\n" % len(keys)
    body += c_array("uint32_t", "tf__model_t2s_from", keys, 12)
    body += c_array("uint32_t", "tf__model_t2s_to", [t2s[k] for k in keys], 12)
    body += "const uint32_t tf__model_simp_n = %d;\n" % len(simp_only)
    body += c_array("uint32_t", "tf__model_simp_only", simp_only, 12)
    body += "const uint32_t tf__model_trad_n = %d;\n" % len(trad_only)
    body += c_array("uint32_t", "tf__model_trad_only", trad_only, 12)
    write(out, "model_zhmap.c", body)


def write_kana_hangul(out, kana, hangul):
    emit, pairs = kana
    body = "/* U+3040..U+30FF emission cost (1/16 nat), from vim's Japanese tutor and messages. */\n"
    body += c_array("int16_t", "tf__model_kana_emit", [q(v) for v in emit])
    body += "/* Kana b after kana a: [(a - 0x3040) * 192 + b - 0x3040], added to b's cost. */\n"
    body += c_array("int8_t", "tf__model_kana_pair", pairs, 24)
    body += "/* U+AC00..U+D7A3 emission cost in 1/8 nat: KS X 1001 syllables by frequency. */\n"
    body += c_array("uint8_t", "tf__model_hangul_cost", hangul, 24)
    write(out, "model_kana.c", body)


# ---- Legacy CJK codecs (resync) -----------------------------------------------------------

# (C name, Python codec, lead range, trail range) of the double-byte codecs whose misaligned
# runs lib/resync.c realigns. Python's codecs are what the tables are made from, so they do
# not depend on the C library's iconv (which agrees on all but a handful of symbols).
CODECS = [("gbk", "gbk", 0x81, 0xFE, 0x40, 0xFE), ("big5", "big5", 0xA1, 0xF9, 0x40, 0xFE),
          ("sjis", "cp932", 0x81, 0xFC, 0x40, 0xFC)]


def codec_cells(pyname, lead_lo, lead_hi, trail_lo, trail_hi):
    """Code point of every (lead, trail) pair, 0 where the pair does not decode to one BMP
    character (the lenient decoder then drops the lead and reads the trail afresh)."""
    cells = []
    for lead in range(lead_lo, lead_hi + 1):
        for trail in range(trail_lo, trail_hi + 1):
            try:
                t = bytes([lead, trail]).decode(pyname)
            except UnicodeDecodeError:
                t = ""
            cells.append(ord(t) if len(t) == 1 and ord(t) >= 0x80 and ord(t) < 0x10000 else 0)
    return cells


def codec_singles(pyname):
    """The character of each byte that decodes on its own (ASCII, Shift_JIS halfwidth kana
    after NFKC), 0 for lead bytes and invalid bytes."""
    out = []
    for b in range(256):
        try:
            t = bytes([b]).decode(pyname)
        except UnicodeDecodeError:
            t = ""
        t = unicodedata.normalize("NFKC", t) if t else t
        out.append(ord(t) if len(t) == 1 else 0)
    return out


def codec_flattened(cells, lead_lo, trail_lo, ntrail):
    """Pairs whose character NFKC turns into another single character (fullwidth ASCII,
    vertical forms, ideographic space): (flattened code point << 16 | lead << 8 | trail),
    sorted, so a run can be re-encoded as it was before NFKC."""
    out = []
    for k, cp in enumerate(cells):
        if not cp:
            continue
        t = unicodedata.normalize("NFKC", chr(cp))
        if len(t) == 1 and ord(t) != cp and ord(t) < 0x10000:
            # lib/resync_search.c (may_flatten) looks the list up only for these ranges.
            assert (0x2100 <= cp < 0x2500 or cp == 0x3000 or 0x3200 <= cp < 0x3300 or
                    0xF900 <= cp < 0xFB00 or 0xFE30 <= cp < 0xFFF0), hex(cp)
            lead, trail = lead_lo + k // ntrail, trail_lo + k % ntrail
            out.append(ord(t) << 16 | lead << 8 | trail)
    return sorted(out)


def write_codecs(out):
    body = ("/* Decoding tables of the double-byte codecs, for lib/resync.c: cells[(lead - lead_lo)\n"
            " * * ntrail + trail - trail_lo] is the code point (0: no character), singles[b] the\n"
            " * character of a byte read alone after NFKC (0: none), flat[] the pairs NFKC turns into\n"
            " * another character, as flattened << 16 | lead << 8 | trail, sorted. */\n")
    for name, py, llo, lhi, tlo, thi in CODECS:
        cells = codec_cells(py, llo, lhi, tlo, thi)
        body += c_array("uint16_t", "tf__codec_%s_cells" % name, cells, 12)
        body += c_array("uint16_t", "tf__codec_%s_singles" % name, codec_singles(py), 16)
        flat = codec_flattened(cells, llo, tlo, thi - tlo + 1)
        body += "const uint32_t tf__codec_%s_nflat = %d;\n" % (name, len(flat))
        body += c_array("uint32_t", "tf__codec_%s_flat" % name, flat, 8)
    write(out, "model_codecs.c", body)


def check_sources():
    """Names the Debian package behind each missing source, instead of a bare traceback."""
    need = [(JIEBA, "python3-jieba"), (os.path.join(UCD, "UnicodeData.txt"), "unicode-data"),
            (os.path.join(OPENCC, "TSCharacters.ocd2"), "libopencc-data"), (JA_TEXT, "vim-runtime"),
            (JA_MO, "vim-runtime"), (KO_MO, "vim-runtime"), (KO_DIC, "hunspell-ko")]
    need += [(path, "the package providing it (see the docstring)") for path, _, _ in WORDLISTS]
    # Minimal images drop /usr/share/locale (dpkg path-exclude): the tables would differ.
    need += [(BASE_LANG % ("fr", name), name + " with its translations") for name in FREQ_CATALOGS]
    missing = [(p, pkg) for p, pkg in need if not os.path.exists(p)]
    for p, pkg in missing:
        print("tablegen_model.py: missing %s (install %s)" % (p, pkg), file=sys.stderr)
    if missing:
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    check_sources()
    gc, script = read_ucd()
    lidx, ltable = build_letters(gc, script)
    write_classes(args.out, gc, script, lidx, ltable)
    t2s, jp2s, simp_only, trad_only = han_maps()
    write_zhmap(args.out, t2s, simp_only, trad_only)
    ucost, rank_of, (after, lists) = build_han(t2s, jp2s, (set(simp_only), set(trad_only)))
    write_han(args.out, ucost, rank_of, after, lists)
    write_kana_hangul(args.out, build_kana(), build_hangul())
    write_codecs(args.out)


if __name__ == "__main__":
    main()
