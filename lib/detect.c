/* detect.c - choosing the encoding of a stream from its first bytes.
 *
 * Order of evidence: a byte-order mark; a binary-file check; valid UTF-8 (legacy text is
 * almost never valid UTF-8 by accident); a declared charset that decodes cleanly; then every
 * candidate encoding (ours plus uchardet's guess) decodes the window and the one whose text the
 * model finds most plausible wins, with each undecodable byte costing a lot but not
 * everything, so one stray byte cannot flip a GBK page to windows-1252. */
#include "decode.h"
#include "model.h"

#include <ctype.h>
#include <iconv.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <uchardet.h>

/* Only this much of the window is decoded per candidate: enough text to tell encodings apart,
 * little enough to keep detection cheap for many small files. */
#define SCORE_WINDOW (24u * 1024u)
/* The cost of one undecodable sequence, in nats of model log-probability. */
#define BAD_SEQ_COST 25.0

typedef struct {
    const char *label;
    const char *name;
} label_map;

/* WHATWG Encoding Standard labels, mapped to the superset iconv name browsers decode with. */
static const label_map LABELS[] = {
    {"utf-8", "UTF-8"}, {"utf8", "UTF-8"}, {"unicode-1-1-utf-8", "UTF-8"},
    {"gbk", "GB18030"}, {"gb2312", "GB18030"}, {"gb_2312", "GB18030"}, {"gb_2312-80", "GB18030"},
    {"gb18030", "GB18030"}, {"x-gbk", "GB18030"}, {"chinese", "GB18030"}, {"csgb2312", "GB18030"},
    {"iso-ir-58", "GB18030"}, {"cp936", "GB18030"}, {"windows-936", "GB18030"}, {"euc-cn", "GB18030"},
    {"big5", "BIG5-HKSCS"}, {"big5-hkscs", "BIG5-HKSCS"}, {"cn-big5", "BIG5-HKSCS"},
    {"x-x-big5", "BIG5-HKSCS"}, {"csbig5", "BIG5-HKSCS"}, {"cp950", "BIG5-HKSCS"},
    {"shift_jis", "CP932"}, {"shift-jis", "CP932"}, {"sjis", "CP932"}, {"ms_kanji", "CP932"},
    {"csshiftjis", "CP932"}, {"windows-31j", "CP932"}, {"x-sjis", "CP932"}, {"ms932", "CP932"},
    {"cp932", "CP932"}, {"euc-jp", "EUC-JP"}, {"x-euc-jp", "EUC-JP"}, {"eucjp", "EUC-JP"},
    {"euc-kr", "CP949"}, {"ks_c_5601-1987", "CP949"}, {"windows-949", "CP949"}, {"cp949", "CP949"},
    {"uhc", "CP949"}, {"korean", "CP949"}, {"csksc56011987", "CP949"},
    {"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"},
    {"l1", "WINDOWS-1252"}, {"ascii", "WINDOWS-1252"}, {"us-ascii", "WINDOWS-1252"},
    {"cp819", "WINDOWS-1252"}, {"iso_8859-1", "WINDOWS-1252"}, {"windows-1252", "WINDOWS-1252"},
    {"cp1252", "WINDOWS-1252"}, {"x-cp1252", "WINDOWS-1252"},
    {"windows-1250", "WINDOWS-1250"}, {"cp1250", "WINDOWS-1250"},
    {"windows-1251", "WINDOWS-1251"}, {"cp1251", "WINDOWS-1251"},
    {"windows-1253", "WINDOWS-1253"}, {"cp1253", "WINDOWS-1253"},
    {"windows-1254", "WINDOWS-1254"}, {"cp1254", "WINDOWS-1254"}, {"iso-8859-9", "WINDOWS-1254"},
    {"latin5", "WINDOWS-1254"}, {"windows-1255", "WINDOWS-1255"}, {"cp1255", "WINDOWS-1255"},
    {"windows-1256", "WINDOWS-1256"}, {"cp1256", "WINDOWS-1256"},
    {"windows-1257", "WINDOWS-1257"}, {"cp1257", "WINDOWS-1257"},
    {"windows-1258", "WINDOWS-1258"}, {"cp1258", "WINDOWS-1258"},
    {"iso-8859-2", "ISO-8859-2"}, {"latin2", "ISO-8859-2"}, {"iso-8859-3", "ISO-8859-3"},
    {"iso-8859-4", "ISO-8859-4"}, {"iso-8859-5", "ISO-8859-5"}, {"iso-8859-6", "ISO-8859-6"},
    {"iso-8859-7", "ISO-8859-7"}, {"greek", "ISO-8859-7"}, {"iso-8859-8", "ISO-8859-8"},
    {"iso-8859-10", "ISO-8859-10"}, {"iso-8859-13", "ISO-8859-13"}, {"iso-8859-14", "ISO-8859-14"},
    {"iso-8859-15", "ISO-8859-15"}, {"latin9", "ISO-8859-15"}, {"iso-8859-16", "ISO-8859-16"},
    {"koi8-r", "KOI8-R"}, {"koi8r", "KOI8-R"}, {"koi8-u", "KOI8-U"}, {"koi8-ru", "KOI8-U"},
    {"macintosh", "MACINTOSH"}, {"mac", "MACINTOSH"}, {"x-mac-roman", "MACINTOSH"},
    {"cp437", "CP437"}, {"ibm437", "CP437"},
    {"utf-16", "UTF-16LE"}, {"utf-16le", "UTF-16LE"}, {"utf-16be", "UTF-16BE"},
    {"utf-32", "UTF-32LE"}, {"utf-32le", "UTF-32LE"}, {"utf-32be", "UTF-32BE"},
};

/* The static name for a label in our table, or NULL. */
static const char *table_name(const char *label)
{
    for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++)
        if (!strcasecmp(label, LABELS[i].label))
            return LABELS[i].name;
    return NULL;
}

const char *tf__encoding_canonical(const char *label)
{
    if (!label || !*label || strlen(label) > 40)
        return NULL;
    const char *name = table_name(label);
    if (name)
        return name;
    /* Any other name iconv knows is accepted as it is (the caller copies it). */
    iconv_t cd = iconv_open("UTF-8", label);
    if (cd == (iconv_t)-1)
        return NULL;
    iconv_close(cd);
    return label;
}

/* ---- Byte-order marks and binary files ----------------------------------------------- */

static int detect_bom(const unsigned char *s, size_t len, tf__detection *det)
{
    static const struct { const char *bom; size_t n; const char *enc; } boms[] = {
        {"\xEF\xBB\xBF", 3, "UTF-8"}, {"\xFF\xFE\x00\x00", 4, "UTF-32LE"},
        {"\x00\x00\xFE\xFF", 4, "UTF-32BE"}, {"\xFF\xFE", 2, "UTF-16LE"}, {"\xFE\xFF", 2, "UTF-16BE"},
    };
    for (size_t i = 0; i < sizeof boms / sizeof boms[0]; i++) {
        if (len >= boms[i].n && !memcmp(s, boms[i].bom, boms[i].n)) {
            det->encoding = boms[i].enc;
            det->source = "bom";
            det->confidence = 1.0;
            det->bom_len = boms[i].n;
            return 1;
        }
    }
    return 0;
}

/* UTF-16 without a BOM: text with much ASCII has a zero byte in every other position. */
static const char *utf16_by_zeros(const unsigned char *s, size_t len)
{
    size_t n = len < 4096 ? len & ~(size_t)1 : 4096, even = 0, odd = 0;
    if (n < 4)
        return NULL;
    for (size_t i = 0; i < n; i += 2) {
        even += s[i] == 0;
        odd += s[i + 1] == 0;
    }
    size_t pairs = n / 2;
    if (even * 10 > pairs * 3 && odd * 20 < pairs)
        return "UTF-16BE";
    if (odd * 10 > pairs * 3 && even * 20 < pairs)
        return "UTF-16LE";
    return NULL;
}

/* UTF-16 without a BOM and with little ASCII (CJK text) has few zero bytes, and its bytes
 * look like binary. It decodes without error only as UTF-16, and then reads as text. */
static const char *utf16_by_model(const unsigned char *s, size_t len, tf__iconv_cache *cache)
{
    if (len < 4 || (len & 1 && len < 4096))
        return NULL;
    size_t n = (len < 4096 ? len : 4096) & ~(size_t)1;
    size_t odd = 0; /* zero bytes and controls (DEL too): UTF-16 of CJK text has them */
    for (size_t i = 0; i < n; i++)
        odd += (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '\f') ||
               s[i] == 0x7F;
    if (odd == 0)
        return NULL;
    static const char *const encs[] = {"UTF-16LE", "UTF-16BE"};
    const char *best = NULL;
    double best_pc = -7.5; /* nats a character: readable text, not noise */
    tf__buf tmp;
    tf__buf_init(&tmp, 0);
    for (int k = 0; k < 2; k++) {
        tf__buf_clear(&tmp);
        if (tf__decode_all(encs[k], s, n, &tmp, cache) != 0)
            continue;
        size_t nc = 0;
        double sc = tf__model_score(tmp.data, tmp.len, &nc);
        if (nc && sc / (double)nc > best_pc) {
            best_pc = sc / (double)nc;
            best = encs[k];
        }
    }
    tf__buf_free(&tmp);
    return best;
}

static int is_binary(const unsigned char *s, size_t len)
{
    static const struct { const char *magic; size_t n; } magics[] = {
        {"\x89PNG", 4}, {"GIF8", 4}, {"\xFF\xD8\xFF", 3}, {"PK\x03\x04", 4}, {"\x1F\x8B", 2},
        {"\x7F" "ELF", 4}, {"%PDF", 4}, {"BZh", 3}, {"\xFD" "7zXZ", 5}, {"\x28\xB5\x2F\xFD", 4},
        {"Rar!", 4}, {"7z\xBC\xAF", 4}, {"\xCA\xFE\xBA\xBE", 4}, {"OggS", 4}, {"RIFF", 4},
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (len >= magics[i].n && !memcmp(s, magics[i].magic, magics[i].n))
            return 1;
    size_t ctrl = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i];
        ctrl += (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B &&
                 c != '\v') || c == 0x7F;
    }
    /* A few NULs or controls in a text file are damage to report, not a reason to give up;
     * binary formats are dense with them (random bytes: one in ten). */
    return ctrl * 20 > len + 40;
}

/* ---- Declared charsets --------------------------------------------------------------- */

/* Finds charset=NAME / encoding="NAME" in the first kilobyte of markup. */
static const char *declared_charset(const unsigned char *s, size_t len)
{
    char buf[48];
    size_t bufsz = sizeof buf;
    size_t n = len < 1024 ? len : 1024;
    static const char *keys[] = {"charset", "encoding"};
    for (size_t i = 0; i + 8 < n; i++) {
        for (size_t k = 0; k < 2; k++) {
            size_t kl = strlen(keys[k]);
            if (i + kl >= n || strncasecmp((const char *)s + i, keys[k], kl))
                continue;
            size_t j = i + kl;
            while (j < n && s[j] == ' ')
                j++;
            if (j >= n || s[j] != '=')
                continue;
            j++;
            while (j < n && (s[j] == ' ' || s[j] == '"' || s[j] == '\''))
                j++;
            size_t m = 0;
            while (j < n && m + 1 < bufsz && (isalnum(s[j]) || s[j] == '-' || s[j] == '_' || s[j] == '.'))
                buf[m++] = (char)s[j++];
            buf[m] = 0;
            if (m > 0 && (k == 0 || memchr(s, '<', n)))
                return table_name(buf);
        }
    }
    return NULL;
}

/* ---- Scoring candidates -------------------------------------------------------------- */

static const char *const CANDIDATES[] = {
    "GB18030", "BIG5-HKSCS", "CP932", "EUC-JP", "CP949", "WINDOWS-1252", "WINDOWS-1250",
    "WINDOWS-1251", "WINDOWS-1253", "WINDOWS-1254", "WINDOWS-1257", "ISO-8859-2", "KOI8-R",
    "UTF-16LE", "UTF-16BE",
};

/* Small priors, in nats: they only break near-ties, in favour of the encodings that are
 * most common in the text this library is for. UTF-16 without a BOM decodes almost any even
 * byte string, so it has to earn its place. */
static double prior(const char *enc)
{
    if (!strcmp(enc, "GB18030")) return 2.0;
    if (!strcmp(enc, "BIG5-HKSCS")) return 1.5;
    if (!strcmp(enc, "WINDOWS-1252")) return 2.5;
    if (!strcmp(enc, "CP932")) return 1.0;
    if (!strncmp(enc, "UTF-16", 6)) return -8.0;
    if (!strncmp(enc, "WINDOWS-125", 11) || !strncmp(enc, "ISO-8859", 8)) return -1.0;
    return 0.0;
}

static int is_multibyte_cjk(const char *enc)
{
    return !strcmp(enc, "GB18030") || !strcmp(enc, "BIG5-HKSCS") || !strcmp(enc, "CP932") ||
           !strcmp(enc, "EUC-JP") || !strcmp(enc, "CP949");
}

/* Blocks of scripts that none of the candidate codecs is for (Armenian to Thaana, Indic to
 * Mongolian, Yi to Javanese, private use, ...): a decoding full of them is a wrong one, most
 * often UTF-16 without a BOM read from bytes of a legacy CJK codec (`│` in GBK is U+A6A9). */
static int foreign_block(uint32_t c)
{
    return (c >= 0x0530 && c < 0x1E00) || (c >= 0x2C00 && c < 0x2E00) ||
           (c >= 0xA000 && c < 0xAC00) || (c >= 0xD7B0 && c < 0xF900) || c >= 0x10000;
}

/* The box-drawing characters tables in text dumps are drawn with: light and double lines,
 * corners, tees and crosses. */
static int common_box(uint32_t c)
{
    static const uint16_t light[] = {0x2500, 0x2502, 0x250C, 0x2510, 0x2514, 0x2518,
                                     0x251C, 0x2524, 0x252C, 0x2534, 0x253C};
    for (size_t i = 0; i < sizeof light / sizeof light[0]; i++)
        if (c == light[i])
            return 1;
    return c >= 0x2550 && c <= 0x256C;
}

/* What the general model does not know about a decoding as a whole, in nats: characters that
 * a wrong codec produces but the right one almost never does. Kana in a Chinese or Korean
 * decoding (EUC-JP and GBK share the kana rows; the kanji tell them apart only weakly), Latin
 * letters, radicals and roman numerals from a CJK codec's symbol rows (`│` in GBK is `ĳ` in
 * CP949), bopomofo outside Big5 and circled Latin letters (Big5 `使` is GBK `ㄏ`, CP949 `ⓒ`,
 * both of which the model likes better), foreign scripts, and C0 controls, which no text
 * encoding but UTF-16's zero-less cousins explains. Box drawing, which old text dumps are full
 * of and the model knows too little of, earns a little back in the CJK codecs that have it. */
static double oddity(const char *enc, const char *s, size_t len)
{
    double cost = 0;
    int japanese = !strcmp(enc, "CP932") || !strcmp(enc, "EUC-JP");
    int big5 = !strcmp(enc, "BIG5-HKSCS");
    int cjk = is_multibyte_cjk(enc);
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &c);
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B)
            cost += 8;
        else if (c < 0x80)
            continue;
        else if (foreign_block(c))
            cost += 10;
        else if (cjk && !japanese && c >= 0x3041 && c <= 0x30FF)
            cost += 4;
        else if (cjk && !big5 && ((c >= 0x3100 && c < 0x3130) || (c >= 0x31A0 && c < 0x31C0)))
            cost += 8; /* bopomofo: Taiwan's, so Big5's; GBK holds it in a symbol row */
        else if (cjk && c >= 0x24B6 && c <= 0x24E9)
            cost += 4; /* circled Latin letters: symbol rows hold them, text circles digits */
        else if (cjk && ((c >= 0x100 && c < 0x370) || (c >= 0x2E80 && c < 0x2FE0) ||
                         (c >= 0x3380 && c < 0x3400) || (c >= 0x2160 && c < 0x2180) ||
                         (c >= 0x3200 && c < 0x3300) || (c >= 0xFE10 && c < 0xFE20) ||
                         (c >= 0xFE30 && c < 0xFE70)))
            cost += 8; /* Latin/IPA, combining marks, radicals, squared units, numerals,
                        * enclosed ideographs, vertical and small forms */
        else if (cjk && common_box(c))
            cost -= 4;
    }
    return cost;
}

static double candidate_score(const char *enc, const unsigned char *s, size_t len, int cut,
                              tf__buf *tmp, tf__iconv_cache *cache)
{
    tf__buf_clear(tmp);
    size_t n = len;
    if (!strncmp(enc, "UTF-16", 6))
        n &= ~(size_t)1;
    long bad = tf__decode_all(enc, s, n, tmp, cache);
    if (bad < 0)
        return -INFINITY;
    if (cut && bad > 0)
        bad--; /* the window may end inside a character */
    double sc = tf__model_score(tmp->data, tmp->len, NULL);
    return sc - BAD_SEQ_COST * (double)bad + prior(enc) - oddity(enc, tmp->data, tmp->len);
}

/* The end of the scored part of the window: just after an ASCII byte near SCORE_WINDOW, so
 * that no multibyte character is cut. Sets *cut when no such place was found. */
static size_t score_len(const unsigned char *s, size_t len, int *cut)
{
    *cut = 0;
    if (len <= SCORE_WINDOW)
        return len;
    for (size_t i = SCORE_WINDOW; i > SCORE_WINDOW / 2; i--)
        if (s[i - 1] < 0x80)
            return i;
    *cut = 1;
    return SCORE_WINDOW;
}

static const char *uchardet_guess(const unsigned char *s, size_t len)
{
    uchardet_t ud = uchardet_new();
    if (!ud)
        return NULL;
    const char *enc = NULL;
    if (uchardet_handle_data(ud, (const char *)s, len) == 0) {
        uchardet_data_end(ud);
        const char *name = uchardet_get_charset(ud);
        /* Only names from our own table are kept: the string must outlive the handle. */
        if (name && *name)
            enc = table_name(name);
    }
    uchardet_delete(ud);
    return enc;
}

static void choose_by_model(const unsigned char *s, size_t len, const char *declared,
                            tf__detection *det, tf__iconv_cache *cache)
{
    int cut;
    size_t n = score_len(s, len, &cut);
    tf__buf tmp;
    tf__buf_init(&tmp, 0);
    const char *best = "WINDOWS-1252", *guess = uchardet_guess(s, n);
    double best_sc = -INFINITY, second = -INFINITY;
    size_t nc = sizeof CANDIDATES / sizeof CANDIDATES[0];
    for (size_t i = 0; i < nc + 2; i++) {
        const char *enc = i < nc ? CANDIDATES[i] : i == nc ? declared : guess;
        if (!enc || (i > nc && enc == declared))
            continue;
        double sc = candidate_score(enc, s, n, cut, &tmp, cache);
        if (i == nc)
            sc += 5.0; /* a declaration is evidence, though pages do lie */
        else if (i > nc)
            sc += 1.0;
        if (!strcmp(enc, best)) {
            if (sc > best_sc)
                best_sc = sc; /* the same encoding again, with a bonus: not a rival */
        } else if (sc > best_sc) {
            second = best_sc;
            best_sc = sc;
            best = enc;
        } else if (sc > second) {
            second = sc;
        }
    }
    tf__buf_free(&tmp);
    det->encoding = best;
    det->source = "detected";
    det->confidence = isfinite(second) ? 1.0 / (1.0 + exp(second - best_sc)) : 1.0;
}

static int ascii_only(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] >= 0x80)
            return 0;
    return 1;
}

/* The script of a two-byte UTF-8 character, for telling a word from an accident: 1 Latin
 * Extended, 2 IPA and modifier letters, 3 Greek, 4 Cyrillic, 5 the rest; 0 for combining
 * marks, which join any script, and for the neutral characters below. */
static int script2(uint32_t c)
{
    /* Latin-1 and the spacing accents of the windows-125x codecs are neutral: UTF-8 read as
     * one of those codecs mixes them with anything, and is UTF-8 for the repair stage. */
    if (c < 0x100 || (c >= 0x2C6 && c <= 0x2DD))
        return 0;
    if (c < 0x250)
        return 1;
    if (c < 0x300)
        return 2;
    if (c < 0x370)
        return 0;
    if (c < 0x400)
        return 3;
    return c < 0x530 ? 4 : 5;
}

/* Two-byte characters that real text hardly ever has, even in their own language: archaic
 * and symbol Greek, archaic and extended Cyrillic. */
static int rare_anywhere(uint32_t c)
{
    return (c >= 0x370 && c < 0x380) || (c >= 0x3CF && c < 0x400) || (c >= 0x460 && c < 0x530);
}

/* A character that is odd as a word of its own (between spaces or punctuation): letters of
 * Latin Extended-A and -B, modifier letters other than the accents and length marks, Hebrew
 * points. Latin-1 is not among them: mojibake of UTF-8 is made of it, and is UTF-8 text for
 * the repair stage to mend. */
static int rare_alone(uint32_t c)
{
    if (c >= 0x2B0 && c < 0x300)
        return !(c >= 0x2C6 && c <= 0x2C8) && c != 0x2CC && c != 0x2D0 && !(c >= 0x2D8 && c <= 0x2DD);
    return (c >= 0x100 && c < 0x250) || (c >= 0x591 && c < 0x5C8);
}

/* Whether every character of the two-byte run s[i..end) is rare_alone or a combining mark
 * on one: a word made only of such letters. */
static int all_rare_alone(const unsigned char *s, size_t len, size_t i, size_t end)
{
    for (size_t k = i; k < end; k += 2) {
        uint32_t c;
        tf__utf8_next(s + k, len - k, &c);
        if (!rare_alone(c) && !(k > i && c >= 0x300 && c < 0x370))
            return 0;
    }
    return 1;
}

/* Whether the run of non-ASCII characters s[i..end) is odd: a word of rare_alone letters (and
 * marks on them) touching no ASCII letter (`ġȯ` is 치환 in EUC-KR, `ƽ̨` 平台 in GBK), a
 * combining mark on nothing, a rare_anywhere character, or two-byte characters of more than
 * one script in one word (`ĳЩϵ` is 某些系 in GBK). */
static int odd_run(const unsigned char *s, size_t len, size_t i, size_t end, size_t chars)
{
    int before = i > 0 && isalpha(s[i - 1]), after = end < len && isalpha(s[end]);
    uint32_t c;
    tf__utf8_next(s + i, len - i, &c);
    if (chars == 1 && c >= 0x300 && c < 0x370 && !before)
        return 1;
    if (!before && !after && all_rare_alone(s, len, i, end))
        return 1;
    int first = 0;
    for (size_t k = i; k < end; k += 2) {
        tf__utf8_next(s + k, len - k, &c);
        int sc = script2(c);
        if ((sc && first && sc != first) || rare_anywhere(c))
            return 1;
        if (sc)
            first = sc;
    }
    return 0;
}

/* Whether valid UTF-8 may still be a legacy CJK codec: short GBK or EUC-KR text is valid
 * UTF-8 by accident when each of its few non-ASCII characters is a byte pair from C2-DF
 * followed by 80-BF (通 in GBK is U+0368, 某些系 is ĳЩϵ, 혹 in EUC-KR is U+0224). Real UTF-8
 * text rarely has such a thing: see odd_run. IPA (`/ə/`), Greek, Cyrillic, Hebrew, words
 * of one script and everything else keep UTF-8. Returns the number of odd characters. */
static size_t utf8_by_accident(const unsigned char *s, size_t len)
{
    size_t seen = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t end = i, chars = 0;
        while (end < len && s[end] >= 0x80) {
            uint32_t c;
            size_t n = tf__utf8_next(s + end, len - end, &c);
            if (n != 2)
                return 0;
            end += n;
            chars++;
        }
        if (!odd_run(s, len, i, end, chars))
            return 0;
        seen += chars;
        i = end;
    }
    return seen;
}

/* Keeps UTF-8 for text utf8_by_accident flagged unless a multibyte CJK codec reads it
 * better by a margin. Only the CJK codecs compete: they are what such accidents come from. */
static void utf8_or_cjk(const unsigned char *s, size_t len, size_t odd, tf__detection *det,
                        tf__iconv_cache *cache)
{
    tf__buf tmp;
    tf__buf_init(&tmp, 0);
    /* The model knows too little of these characters to charge them what they cost. */
    double best = candidate_score("UTF-8", s, len, 0, &tmp, cache) - 5.0 * (double)odd;
    best += 4.0; /* the margin: clean text passing through unchanged matters most */
    for (size_t i = 0; i < sizeof CANDIDATES / sizeof CANDIDATES[0]; i++) {
        if (!is_multibyte_cjk(CANDIDATES[i]))
            continue;
        double sc = candidate_score(CANDIDATES[i], s, len, 0, &tmp, cache);
        if (sc > best) {
            best = sc;
            det->encoding = CANDIDATES[i];
            det->source = "detected";
            det->confidence = 0.6;
        }
    }
    tf__buf_free(&tmp);
}

void tf__detect(const unsigned char *s, size_t len, int final, tf__detection *det,
                tf__iconv_cache *cache)
{
    memset(det, 0, sizeof *det);
    det->encoding = "UTF-8";
    det->source = len ? "utf-8" : "empty";
    det->confidence = 1.0;
    if (detect_bom(s, len, det))
        return;
    const char *u16 = utf16_by_zeros(s, len);
    if (u16) {
        det->encoding = u16;
        det->source = "detected";
        det->confidence = 0.9;
        return;
    }
    const char *u16p = utf16_by_model(s, len, cache);
    if (u16p) {
        det->encoding = u16p;
        det->source = "detected";
        det->confidence = 0.8;
        return;
    }
    if (is_binary(s, len)) {
        det->binary = 1;
        det->source = "binary";
        return;
    }
    size_t valid = tf__utf8_valid_prefix(s, len);
    size_t odd = valid == len ? utf8_by_accident(s, len) : 0;
    if (odd) {
        utf8_or_cjk(s, len, odd, det, cache);
        return;
    }
    if (valid == len)
        return; /* UTF-8 (pure ASCII included) */
    /* Valid UTF-8 but for a character cut at the end: a cut read, or (at the end of the
     * input) a truncated file, which is still UTF-8 when real multibyte text came before. */
    if (valid + tf__utf8_incomplete_tail(s, len) == len && (!final || !ascii_only(s, valid)))
        return;
    const char *declared = declared_charset(s, len);
    if (declared && strcmp(declared, "UTF-8") != 0) {
        tf__buf tmp;
        tf__buf_init(&tmp, 0);
        int cut;
        size_t n = score_len(s, len, &cut);
        long bad = tf__decode_all(declared, s, n, &tmp, cache);
        tf__buf_free(&tmp);
        if (bad == 0 || (cut && bad == 1)) {
            det->encoding = declared;
            det->source = "declared";
            det->confidence = 0.99;
            return;
        }
    }
    choose_by_model(s, len, declared, det, cache);
}
