#!/usr/bin/env python3
"""tablegen_readings.py - Mandarin readings of Han characters for the ruby stage.

Reads Unihan_Readings.txt from Debian's unicode-data package and writes
lib/tables/readings_table.c (see lib/ruby.h for the layout):

  - every reading a character has in kMandarin, kHanyuPinyin, kHanyuPinlu, kXHC1983 and
    kTGHZ2013, as (toneless syllable, tone) with tone 1-4, or 5 for the neutral tone;
  - syllables are ASCII pinyin with 'v' for u-umlaut ("lv", "nve"); the C side derives the
    tone-mark, tone-number and toneless forms of an annotation and compares them to these;
  - distinct reading lists are stored once (many characters share one), each character points
    at its list;
  - a zhuyin (bopomofo) spelling of every syllable, so annotations in zhuyin match too.

Usage: tablegen_readings.py --out DIR   (tools/gen_tables.py runs it; `make tables`)
"""
import argparse
import bz2
import os
import re
import unicodedata

SOURCE = "/usr/share/unicode/Unihan_Readings.txt.bz2"
FIELDS = ("kMandarin", "kHanyuPinyin", "kHanyuPinlu", "kXHC1983", "kTGHZ2013")
TONE_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}


def split_tone(syl):
    """'nèi' -> ('nei', 4); 'lǜ' -> ('lv', 4); 'de' -> ('de', 5)."""
    tone = 5
    base = []
    for ch in unicodedata.normalize("NFD", syl.lower()):
        if ch in TONE_MARKS:
            tone = TONE_MARKS[ch]
        elif ch == "\u0308":  # diaeresis: u-umlaut
            if base and base[-1] == "u":
                base[-1] = "v"
        elif ch == "\u0302":  # e-circumflex: spelled plain e
            pass
        elif "a" <= ch <= "z":
            base.append(ch)
        else:
            return None
    if not base:
        return None
    return "".join(base), tone


def field_syllables(field, value):
    if field == "kMandarin":
        return value.split()
    if field == "kHanyuPinlu":
        return [re.sub(r"\(.*\)", "", v) for v in value.split()]
    out = []  # kHanyuPinyin, kXHC1983, kTGHZ2013: "loc:syl,syl loc:syl"
    for part in value.split():
        if ":" in part:
            out.extend(part.split(":", 1)[1].split(","))
    return out


def read_unihan(path):
    readings = {}
    with bz2.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if not line.startswith("U+"):
                continue
            cp, field, value = line.rstrip("\n").split("\t", 2)
            if field not in FIELDS:
                continue
            lst = readings.setdefault(int(cp[2:], 16), [])
            for syl in field_syllables(field, value):
                st = split_tone(syl)
                if st and st not in lst:
                    lst.append(st)
    return readings


# Pinyin -> zhuyin. Initials and finals of the standard table; the spelling rules of pinyin
# (y/w, j q x + u = u-umlaut, iu/ui/un contractions) are undone first.
INITIALS = [("zh", "ㄓ"), ("ch", "ㄔ"), ("sh", "ㄕ"), ("b", "ㄅ"), ("p", "ㄆ"), ("m", "ㄇ"),
            ("f", "ㄈ"), ("d", "ㄉ"), ("t", "ㄊ"), ("n", "ㄋ"), ("l", "ㄌ"), ("g", "ㄍ"),
            ("k", "ㄎ"), ("h", "ㄏ"), ("j", "ㄐ"), ("q", "ㄑ"), ("x", "ㄒ"), ("r", "ㄖ"),
            ("z", "ㄗ"), ("c", "ㄘ"), ("s", "ㄙ")]
FINALS = {"a": "ㄚ", "o": "ㄛ", "e": "ㄜ", "ai": "ㄞ", "ei": "ㄟ", "ao": "ㄠ", "ou": "ㄡ",
          "an": "ㄢ", "en": "ㄣ", "ang": "ㄤ", "eng": "ㄥ", "er": "ㄦ", "ong": "ㄨㄥ",
          "i": "ㄧ", "ia": "ㄧㄚ", "io": "ㄧㄛ", "ie": "ㄧㄝ", "iao": "ㄧㄠ", "iou": "ㄧㄡ",
          "ian": "ㄧㄢ", "in": "ㄧㄣ", "iang": "ㄧㄤ", "ing": "ㄧㄥ", "iong": "ㄩㄥ",
          "u": "ㄨ", "ua": "ㄨㄚ", "uo": "ㄨㄛ", "uai": "ㄨㄞ", "uei": "ㄨㄟ", "uan": "ㄨㄢ",
          "uen": "ㄨㄣ", "uang": "ㄨㄤ", "ueng": "ㄨㄥ", "v": "ㄩ", "ve": "ㄩㄝ", "van": "ㄩㄢ",
          "vn": "ㄩㄣ", "m": "ㄇ", "n": "ㄋ", "ng": "ㄫ", "hm": "ㄏㄇ", "hng": "ㄏㄫ"}


def zhuyin(base):
    if base in ("m", "n", "ng", "hm", "hng"):
        return FINALS[base]
    ini, z_ini = "", ""
    for p, z in INITIALS:
        if base.startswith(p):
            ini, z_ini = p, z
            break
    fin = base[len(ini):]
    if not ini:
        if fin.startswith("yu"):
            fin = "v" + fin[2:]
        elif fin.startswith("yi"):
            fin = fin[1:]
        elif fin.startswith("y"):
            fin = "i" + fin[1:]
        elif fin.startswith("wu"):
            fin = fin[1:]
        elif fin.startswith("w"):
            fin = "u" + fin[1:]
    if ini in ("j", "q", "x") and fin.startswith("u"):
        fin = "v" + fin[1:]
    fin = {"iu": "iou", "ui": "uei", "un": "uen", "ue": "ve"}.get(fin, fin)
    if fin == "i" and ini in ("zh", "ch", "sh", "r", "z", "c", "s"):
        return z_ini  # the empty rime
    if fin not in FINALS:
        return None
    return z_ini + FINALS[fin]


def c_bytes(s):
    return "".join("\\x%02x" % b for b in s.encode("utf-8"))


def emit(readings, out):
    sylls = sorted({b for lst in readings.values() for b, _ in lst})
    sidx = {s: i for i, s in enumerate(sylls)}
    assert len(sylls) < 8192
    lists, list_idx, chars = [], {}, []
    for cp in sorted(readings):
        vals = tuple(sidx[b] << 3 | t for b, t in readings[cp])
        if not vals:
            continue
        if vals not in list_idx:
            list_idx[vals] = len(lists)
            lists.extend((len(vals),) + vals)
        chars.append((cp, list_idx[vals]))
    assert len(lists) < 65536
    w = []
    w.append("/* readings_table.c - GENERATED by tools/tablegen_readings.py from Debian's")
    w.append(" * unicode-data Unihan_Readings.txt (kMandarin, kHanyuPinyin, kHanyuPinlu, kXHC1983,")
    w.append(" * kTGHZ2013). Do not edit; run `make tables`. Layout: see lib/ruby.h. */")
    w.append('#include "ruby.h"\n')
    w.append("const unsigned tf__rd_n_syllables = %d;" % len(sylls))
    w.append("/* Toneless ASCII pinyin ('v' for u-umlaut), sorted; index = syllable number. */")
    w.append("const char *const tf__rd_syllables[] = {")
    for i in range(0, len(sylls), 10):
        w.append("    " + " ".join('"%s",' % s for s in sylls[i:i + 10]))
    w.append("};")
    w.append("/* The same syllables spelled in zhuyin (UTF-8), \"\" when there is no spelling. */")
    w.append("const char *const tf__rd_zhuyin[] = {")
    for i in range(0, len(sylls), 8):
        w.append("    " + " ".join('"%s",' % c_bytes(zhuyin(s) or "") for s in sylls[i:i + 8]))
    w.append("};")
    w.append("/* Reading lists: a count, then that many (syllable << 3 | tone) values. */")
    w.append("const uint16_t tf__rd_lists[] = {")
    for i in range(0, len(lists), 16):
        w.append("    " + " ".join("%d," % v for v in lists[i:i + 16]))
    w.append("};")
    w.append("const unsigned tf__rd_n_chars = %d;" % len(chars))
    w.append("/* Characters with readings, sorted by code point, and where their list starts. */")
    w.append("const uint32_t tf__rd_chars[] = {")
    for i in range(0, len(chars), 10):
        w.append("    " + " ".join("0x%x," % c for c, _ in chars[i:i + 10]))
    w.append("};")
    w.append("const uint16_t tf__rd_char_list[] = {")
    for i in range(0, len(chars), 16):
        w.append("    " + " ".join("%d," % l for _, l in chars[i:i + 16]))
    w.append("};")
    with open(os.path.join(out, "readings_table.c"), "w", encoding="utf-8") as f:
        f.write("\n".join(w) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--source", default=SOURCE)
    args = ap.parse_args()
    emit(read_unihan(args.source), args.out)


if __name__ == "__main__":
    main()
