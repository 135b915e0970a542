/* repair_lone.c - a lone double-byte character in ASCII text, which no windowed pass can
 * prove on its own evidence: one or two characters are too few for the model.
 *
 * Three shapes are common enough in real text to be worth their own rule, and each one is
 * told apart from clean text by where it stands rather than by what it is:
 *   - UTF-8 read as Big5 or GBK: a superscript or other Latin-1 symbol, whose two bytes are one
 *     Han character there, right after a letter, digit or `)` (`a簡 + b簡 = c簡` is
 *     `a² + b² = c²`);
 *   - Big5 or GBK read as Latin-1 or windows-1252: a CJK punctuation mark, whose lead byte A1-A3
 *     is `¡ ¢ £`, glued to the end of an ASCII word (`INSENSITIVE¡A` is `INSENSITIVE，`,
 *     `g++ £»` is `g++ ；`);
 *   - GBK read as Big5: a GBK punctuation mark that Big5 reads as a bopomofo letter, glued to
 *     the end of an ASCII word (`sensible-pager(1)ㄛ` is `sensible-pager(1)，`);
 *   - Big5 or GBK read as Latin-1: a common Han character standing alone as a word, two Latin-1
 *     letters between spaces (`¥Ñ Richard M.` is `由 Richard M.`).
 * The rule applies only when every non-ASCII character of the line is such a mark, each one
 * closes a word (nothing but a space, ASCII punctuation or the line's end after it), and all of
 * them are read with the same codecs. */
#include "model.h"
#include "repair.h"

#define COMMON_HAN 9 /* nats: the unigram cost of a character common enough to stand alone */

typedef struct {
    const char *wrong, *right; /* iconv names: the text was `right` bytes read as `wrong` */
    const char *rule;
    int latin; /* wrong is a single-byte codec: the mark is Latin-1 letters */
} lone_codec;

static const lone_codec UTF8_AS[] = {
    {"BIG5-HKSCS", "UTF-8", "utf-8 read as big5", 0},
    {"GB18030", "UTF-8", "utf-8 read as gbk", 0},
};
/* The other double-byte readings a one-character word may have: if one of them is a word
 * too, the pass cannot choose. */
static const lone_codec OTHER_AS[] = {
    {"WINDOWS-1252", "CP949", "", 1},
    {"WINDOWS-1252", "CP932", "", 1},
    {"WINDOWS-1252", "EUC-JP", "", 1},
};
static const lone_codec MARK_AS[] = {
    {"WINDOWS-1252", "BIG5-HKSCS", "big5 read as windows-1252", 1},
    {"WINDOWS-1252", "GB18030", "gbk read as windows-1252", 1},
    {"BIG5-HKSCS", "GB18030", "gbk read as big5", 0},
};

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Whether what follows s[i] lets a mark close a word there. */
static int word_end(const char *s, size_t len, size_t i)
{
    unsigned char c = i < len ? (unsigned char)s[i] : '\n';
    return c < 0x80 && !is_alnum(c);
}

static uint32_t first_cp(const tf__buf *b)
{
    uint32_t cp = 0;
    if (b->len)
        tf__utf8_next((const unsigned char *)b->data, b->len, &cp);
    return cp;
}

/* s[a..b) read back through c: the one character it was, or 0. */
static uint32_t reread(tf__repair_state *st, const lone_codec *c, const char *s, size_t a,
                       size_t b, tf__buf *bytes, tf__buf *text)
{
    tf__buf_clear(bytes);
    tf__buf_clear(text);
    if (tf__repair_iconv(st, c->wrong, "UTF-8", s + a, b - a, bytes) ||
        tf__repair_iconv(st, "UTF-8", c->right, bytes->data, bytes->len, text))
        return 0;
    uint32_t cp = first_cp(text);
    return cp && (size_t)tf__utf8_next((const unsigned char *)text->data, text->len, &cp) ==
                     text->len ? cp : 0;
}

static int is_cjk_mark(uint32_t cp)
{
    return (cp >= 0x3001 && cp <= 0x3011) || (cp >= 0xFF01 && cp <= 0xFF1F);
}

/* The superscripts and symbols of Latin-1 that follow a letter or digit: ¹²³ ° µ and the rest
 * of A1-BF, × and ÷. */
static int is_latin1_symbol(uint32_t cp)
{
    return (cp >= 0xA1 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7;
}

/* The end of the mark at s[i] (a non-ASCII character, or two Latin-1 ones for a lead byte
 * A1-A3 and its trail), or i when none fits. */
static size_t mark_end(const char *s, size_t len, size_t i)
{
    uint32_t c, d = 0;
    size_t n = tf__utf8_next((const unsigned char *)s + i, len - i, &c);
    size_t e = i + n;
    if (c >= 0xA1 && c <= 0xA3) { /* `¡A`, `£»`: the trail is ASCII or one more Latin-1 letter */
        if (e < len && (unsigned char)s[e] >= 0x40 && (unsigned char)s[e] < 0x7F)
            return e + 1;
        if (e < len && (unsigned char)s[e] >= 0x80)
            e += tf__utf8_next((const unsigned char *)s + e, len - e, &d);
        return d >= 0xA1 && d <= 0xFF ? e : i;
    }
    if (c >= 0xA4 && c <= 0xFE && e < len && (unsigned char)s[e] >= 0x80) {
        /* `¥Ñ`: a one-character word, when both are Latin-1 (a Han lead and its trail) */
        size_t f = e + tf__utf8_next((const unsigned char *)s + e, len - e, &d);
        if (d >= 0xA1 && d <= 0xFF)
            return f;
    }
    /* Otherwise only a CJK character can be a mark (`簡`, `ㄛ`): not an accented letter of a
     * word (`café`), a curly quote or a dash, which no rule reads. */
    return c >= 0x2E80 ? e : i;
}

/* A common Han character (at most COMMON_HAN nats), for a one-character word. */
static int is_common_han(uint32_t cp)
{
    return cp >= 0x4E00 && cp <= 0x9FFF && tf__model_han_cost[cp - 0x4E00] <= COMMON_HAN * 8;
}

/* Whether a mark starting with c can be the wrong codec's reading of a punctuation mark: a
 * Latin-1 letter for windows-1252, a bopomofo letter (Big5's A3 row) for Big5. */
static int fits(const lone_codec *k, uint32_t c)
{
    return k->latin ? c >= 0xA1 && c <= 0xFE : c >= 0x3105 && c <= 0x312F;
}

/* Reads the mark s[a..b) with each codec pair in turn; the first that makes a mark of its
 * kind wins. Returns its index in the list (UTF8_AS then MARK_AS), or -1. */
static int read_mark(tf__repair_state *st, const char *s, size_t a, size_t b, uint32_t *out,
                     tf__buf *bytes, tf__buf *text)
{
    size_t nu = sizeof UTF8_AS / sizeof UTF8_AS[0], nm = sizeof MARK_AS / sizeof MARK_AS[0];
    uint32_t c;
    tf__utf8_next((const unsigned char *)s + a, b - a, &c);
    for (size_t k = 0; k < nu && c >= 0x2E80 && a > 0 &&
                       (is_alnum((unsigned char)s[a - 1]) || s[a - 1] == ')');
         k++)
        if (is_latin1_symbol(*out = reread(st, &UTF8_AS[k], s, a, b, bytes, text)))
            return (int)k;
    /* Glued to its word, or two Latin-1 letters after a space (`g++ £»`): a lone `¡A` after
     * a space is Spanish (`¡A comer!`). */
    int glued = a > 0 && ((unsigned char)s[a - 1] > ' ' ||
                          ((unsigned char)s[b - 1] >= 0x80 && b - a > 2 && s[a - 1] == ' '));
    for (size_t k = 0; k < nm && glued; k++)
        if (fits(&MARK_AS[k], c) &&
            is_cjk_mark(*out = reread(st, &MARK_AS[k], s, a, b, bytes, text)))
            return (int)(nu + k);
    /* Two Latin-1 letters standing alone as a word, read back as a common Han character: a
     * one-character Chinese word among English ones (`¥Ñ Richard M.` is `由 Richard M.`).
     * No European language has a word of two such letters and nothing else. */
    int alone = (a == 0 || s[a - 1] == ' ') && c >= 0xA4 && c <= 0xFE &&
                (unsigned char)s[b - 1] >= 0x80;
    int found = -1;
    for (size_t k = 0; k < nm && alone; k++) {
        uint32_t cp;
        if (!MARK_AS[k].latin || !is_common_han(cp = reread(st, &MARK_AS[k], s, a, b, bytes, text)))
            continue;
        if (found >= 0)
            return -1; /* Big5 and GBK both make a word of it: no telling which */
        found = (int)(nu + k);
        *out = cp;
    }
    for (size_t k = 0; found >= 0 && k < sizeof OTHER_AS / sizeof OTHER_AS[0]; k++) {
        uint32_t cp = reread(st, &OTHER_AS[k], s, a, b, bytes, text);
        /* A Korean syllable or a Japanese particle is as good a word (`¿Í` is 와 as well as
         * 客); a lone katakana is not one (`¥Ñ` is EUC-JP パ as well as Big5 由). */
        if (is_common_han(cp) || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x3041 && cp <= 0x3096))
            return -1;
    }
    return found;
}

/* Whether the line has the shape at all: at most 8 marks, each closing a word. Most lines
 * that reach this pass are clean CJK text, which two non-ASCII characters in a row rule out
 * before any conversion is tried. */
static int lone_shape(const char *s, size_t len)
{
    int n = 0;
    for (size_t i = tf__skip_ascii((const unsigned char *)s, len, 0); i < len;
         i = tf__skip_ascii((const unsigned char *)s, len, i)) {
        if (i + 3 < len && (unsigned char)s[i] >= 0xE0 && (unsigned char)s[i + 3] >= 0x80)
            return 0; /* two CJK characters in a row: most lines end here */
        size_t e = mark_end(s, len, i);
        if (e == i || ++n > 8 || !word_end(s, len, e))
            return 0;
        i = e;
    }
    return n > 0;
}

int tf__repair_lone(tf__repair_state *st, const char *s, size_t len, tf__edits *ed)
{
    if (!lone_shape(s, len))
        return 0;
    size_t start[8], end[8];
    uint32_t cp[8];
    int codec = -1, n = 0, rc = 0;
    tf__buf bytes, text;
    tf__buf_init(&bytes, 0);
    tf__buf_init(&text, 0);
    for (size_t i = 0; i < len && rc == 0;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t e = mark_end(s, len, i);
        int k = e > i && n < 8 && word_end(s, len, e)
                    ? read_mark(st, s, i, e, &cp[n], &bytes, &text) : -1;
        if (k < 0 || (codec >= 0 && k != codec))
            rc = 1; /* a character no rule explains: the line is not this kind of damage */
        codec = k;
        start[n] = i;
        end[n++] = e;
        i = e;
    }
    size_t nu = sizeof UTF8_AS / sizeof UTF8_AS[0];
    const char *rule = codec < 0 ? NULL : codec < (int)nu ? UTF8_AS[codec].rule
                                                          : MARK_AS[codec - (int)nu].rule;
    for (int k = 0; rc == 0 && k < n; k++) {
        tf__buf_clear(&text);
        tf__buf_put_cp(&text, cp[k]);
        if (text.failed || tf__edits_add(ed, start[k], end[k], text.data, text.len, rule,
                                         "a lone double-byte character at the end of an ASCII "
                                         "word, read with the wrong codec",
                                         0.9))
            rc = -1;
    }
    tf__buf_free(&bytes);
    tf__buf_free(&text);
    return rc < 0 ? -1 : 0;
}
