/* ruby.c - removes flattened ruby annotations. Text extraction turns
 * <ruby>內<rp>(</rp><rt>nèi</rt><rp>)</rp></ruby> into 內(nèi); the annotation goes when
 * every syllable in the parentheses is a Mandarin reading (Unihan) of the character, or the
 * characters in order, right before it. Anything else in parentheses is a real parenthesis:
 * (WHO), (村), (1), 函数(function) stay.
 *
 * Trust: a toned annotation (tone marks, tone numbers or zhuyin) that matches is a ruby
 * annotation; a toneless one (北京(beijing)) could be pinyin written on purpose, so it goes
 * only once the stream has shown several toned annotations. Capitalized romanization
 * (北京(Beijing)) is always left alone: ruby text is lower case. */
#include "ruby.h"

#include <string.h>

#define MAX_LETTERS 64 /* longest annotation looked at, in letters */
#define MAX_CHARS 8    /* most characters one annotation may cover */
#define TONELESS_AFTER 3 /* toned annotations needed before toneless ones are believed */

size_t tf__readings(uint32_t cp, const uint16_t **list)
{
    size_t lo = 0, hi = tf__rd_n_chars;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tf__rd_chars[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == tf__rd_n_chars || tf__rd_chars[lo] != cp)
        return 0;
    const uint16_t *l = tf__rd_lists + tf__rd_char_list[lo];
    *list = l + 1;
    return l[0];
}

/* An annotation in pinyin, taken apart: its letters without tone marks ('v' for u-umlaut),
 * the tone mark on each letter, and what follows each letter (a separator, a tone digit). */
typedef struct {
    char letter[MAX_LETTERS];
    uint8_t mark[MAX_LETTERS];  /* tone 1-4 carried by this letter, 0 none */
    uint8_t digit[MAX_LETTERS]; /* tone digit right after this letter (5 for 0 or 5), 0 none */
    uint8_t sep[MAX_LETTERS];   /* a space, apostrophe or hyphen right after this letter */
    size_t n;
    int toned; /* any tone mark or digit at all */
} pinyin;

/* A vowel carrying a tone mark, as the Latin letters pinyin uses. */
typedef struct {
    uint16_t cp;
    char letter;
    uint8_t tone;
} marked;

static const marked MARKED[] = {
    {0xE0, 'a', 4}, {0xE1, 'a', 2}, {0xE8, 'e', 4}, {0xE9, 'e', 2}, {0xEA, 'e', 0},
    {0xEC, 'i', 4}, {0xED, 'i', 2}, {0xF2, 'o', 4}, {0xF3, 'o', 2}, {0xF9, 'u', 4},
    {0xFA, 'u', 2}, {0xFC, 'v', 0}, {0x101, 'a', 1}, {0x113, 'e', 1}, {0x11B, 'e', 3},
    {0x12B, 'i', 1}, {0x144, 'n', 2}, {0x148, 'n', 3}, {0x14D, 'o', 1}, {0x16B, 'u', 1},
    {0x1CE, 'a', 3}, {0x1D0, 'i', 3}, {0x1D2, 'o', 3}, {0x1D4, 'u', 3}, {0x1D6, 'v', 1},
    {0x1D8, 'v', 2}, {0x1DA, 'v', 3}, {0x1DC, 'v', 4}, {0x1F9, 'n', 4}, {0x1E3F, 'm', 2},
};

static const marked *find_marked(uint32_t cp)
{
    for (size_t i = 0; i < sizeof MARKED / sizeof MARKED[0]; i++)
        if (MARKED[i].cp == cp)
            return &MARKED[i];
    return NULL;
}

/* Combining tone marks (text in NFD): macron, acute, caron, grave; diaeresis makes u-umlaut. */
static int combining_tone(uint32_t cp)
{
    switch (cp) {
    case 0x304: return 1;
    case 0x301: return 2;
    case 0x30C: return 3;
    case 0x300: return 4;
    default: return 0;
    }
}

static int add_letter(pinyin *p, char c, int tone)
{
    if (p->n == MAX_LETTERS)
        return 0;
    p->letter[p->n] = c;
    p->mark[p->n] = (uint8_t)tone;
    p->digit[p->n] = p->sep[p->n] = 0;
    p->n++;
    p->toned |= tone != 0;
    return 1;
}

/* Takes the annotation s[0..len) apart as pinyin; 0 when it is not pinyin (upper case, digits
 * that are not tones, other characters). */
static int parse_pinyin(const unsigned char *s, size_t len, pinyin *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tf__utf8_next(s + i, len - i, &cp);
        const marked *m;
        if (cp >= 'a' && cp <= 'z') {
            if (!add_letter(p, (char)cp, 0))
                return 0;
        } else if ((m = find_marked(cp)) != NULL) {
            if (!add_letter(p, m->letter, m->tone))
                return 0;
        } else if (p->n && combining_tone(cp) && !p->mark[p->n - 1]) {
            p->mark[p->n - 1] = (uint8_t)combining_tone(cp);
            p->toned = 1;
        } else if (p->n && cp == 0x308 && p->letter[p->n - 1] == 'u') {
            p->letter[p->n - 1] = 'v';
        } else if (p->n && cp >= '0' && cp <= '5' && !p->digit[p->n - 1]) {
            p->digit[p->n - 1] = (uint8_t)(cp == '0' ? 5 : cp - '0');
            p->toned = 1;
        } else if (p->n && (cp == ' ' || cp == '\'' || cp == '-' || cp == 0x2019)) {
            p->sep[p->n - 1] = 1;
        } else {
            return 0;
        }
    }
    return p->n > 0;
}

/* How syllable `syl` fits the annotation at letter `at`: -1 no; 1 it fits with its tone
 * confirmed (or the annotation leaves the tone open and the reading is neutral); 0 it fits
 * without a tone to confirm. */
static int fit_syllable(const pinyin *p, size_t at, const char *syl, int tone)
{
    size_t l = strlen(syl);
    if (at + l > p->n || memcmp(p->letter + at, syl, l) != 0)
        return -1;
    int mark = 0;
    for (size_t k = at; k < at + l; k++) {
        if (k + 1 < at + l && (p->sep[k] || p->digit[k]))
            return -1; /* a separator or tone digit inside the syllable */
        if (p->mark[k]) {
            if (mark)
                return -1;
            mark = p->mark[k];
        }
    }
    if (at + l < p->n && !p->sep[at + l - 1] && !p->digit[at + l - 1] && p->toned && !mark)
        return -1; /* in toned text an unmarked syllable must end at a separator or digit */
    int digit = p->digit[at + l - 1];
    if (mark && digit)
        return -1;
    int given = mark ? mark : digit;
    if (given)
        return given == tone ? 1 : -1;
    return tone == 5 ? 1 : 0;
}

/* Whether chars[k..n) read as the annotation from letter `at` on: 0 no, 1 yes with every
 * tone confirmed, 2 yes but some syllable had no tone to confirm. Tries every reading. */
static int match_pinyin(const pinyin *p, size_t at, const uint32_t *chars, size_t k, size_t n)
{
    if (k == n)
        return at == p->n ? 1 : 0;
    const uint16_t *rd;
    size_t nr = tf__readings(chars[k], &rd);
    int found = 0;
    for (size_t r = 0; r < nr; r++) {
        const char *syl = tf__rd_syllables[rd[r] >> 3];
        int fit = fit_syllable(p, at, syl, rd[r] & 7);
        if (fit < 0)
            continue;
        int rest = match_pinyin(p, at + strlen(syl), chars, k + 1, n);
        if (rest == 1 && fit == 1)
            return 1; /* a fully confirmed reading wins */
        if (rest)
            found = 2;
    }
    return found;
}

/* Zhuyin: syllables of bopomofo letters (U+3105-U+312F, U+31A0-U+31BF), each followed by
 * its tone mark (none for the first tone) or preceded by ˙ for the neutral tone. */
typedef struct {
    const unsigned char *start[MAX_CHARS];
    size_t len[MAX_CHARS];
    uint8_t tone[MAX_CHARS];
    size_t n;
} zhuyin;

static int zhuyin_tone(uint32_t cp)
{
    switch (cp) {
    case 0x2C9: return 1;
    case 0x2CA: return 2;
    case 0x2C7: return 3;
    case 0x2CB: return 4;
    case 0x2D9: return 5;
    default: return 0;
    }
}

static int is_bopomofo(uint32_t cp)
{
    return (cp >= 0x3105 && cp <= 0x312F) || (cp >= 0x31A0 && cp <= 0x31BF);
}

static int parse_zhuyin(const unsigned char *s, size_t len, zhuyin *z)
{
    memset(z, 0, sizeof *z);
    int neutral = 0, open = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = tf__utf8_next(s + i, len - i, &cp);
        int t = zhuyin_tone(cp);
        if (is_bopomofo(cp)) {
            if (!open) {
                if (z->n == MAX_CHARS)
                    return 0;
                z->start[z->n] = s + i;
                z->tone[z->n] = (uint8_t)(neutral ? 5 : 1);
                z->n++;
                open = 1;
                neutral = 0;
            }
            z->len[z->n - 1] += n;
        } else if (t == 5 && !open) {
            neutral = 1;
        } else if (t && open) {
            z->tone[z->n - 1] = (uint8_t)t;
            open = 0;
        } else if (cp == ' ') {
            open = 0;
        } else {
            return 0;
        }
        i += n;
    }
    return z->n > 0;
}

static int match_zhuyin(const zhuyin *z, const uint32_t *chars, size_t n)
{
    if (z->n != n)
        return 0;
    for (size_t k = 0; k < n; k++) {
        const uint16_t *rd;
        size_t nr = tf__readings(chars[k], &rd), r;
        for (r = 0; r < nr; r++) {
            const char *zy = tf__rd_zhuyin[rd[r] >> 3];
            if ((rd[r] & 7) == z->tone[k] && strlen(zy) == z->len[k] &&
                !memcmp(zy, z->start[k], z->len[k]))
                break;
        }
        if (r == nr)
            return 0;
    }
    return 1;
}

/* The Han characters right before s[at], nearest last, at most MAX_CHARS. */
static size_t han_before(const unsigned char *s, size_t at, uint32_t *chars)
{
    uint32_t rev[MAX_CHARS];
    size_t n = 0;
    while (at > 0 && n < MAX_CHARS) {
        size_t b = at - 1;
        while (b > 0 && at - b < 4 && (s[b] & 0xC0) == 0x80)
            b--;
        uint32_t cp;
        if (tf__utf8_next(s + b, at - b, &cp) != at - b || !tf__is_han(cp))
            break;
        rev[n++] = cp;
        at = b;
    }
    for (size_t k = 0; k < n; k++)
        chars[k] = rev[n - 1 - k];
    return n;
}

/* Decides whether the parenthesized annotation s[open+ol .. close) after the characters
 * before `open` is a ruby annotation. Returns 0 no, 1 toned match, 2 toneless match. */
static int is_annotation(const tf_ctx *ctx, const unsigned char *s, size_t open, size_t ol,
                         size_t close)
{
    uint32_t chars[MAX_CHARS];
    size_t nc = han_before(s, open, chars);
    if (nc == 0)
        return 0;
    const unsigned char *a = s + open + ol;
    size_t alen = close - open - ol;
    pinyin p;
    zhuyin z;
    if (parse_pinyin(a, alen, &p)) {
        for (size_t m = 1; m <= nc; m++) {
            int fit = match_pinyin(&p, 0, chars + nc - m, 0, m);
            if (fit == 1)
                return 1;
            if (fit == 2)
                return ctx->punct_state.ruby_toned >= TONELESS_AFTER ? 2 : 0;
        }
        return 0;
    }
    if (parse_zhuyin(a, alen, &z))
        for (size_t m = 1; m <= nc; m++)
            if (match_zhuyin(&z, chars + nc - m, m))
                return 1;
    return 0;
}

/* Length of an opening parenthesis at s[i] ('(' or '（'), 0 if none. */
static size_t open_len(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] == '(')
        return 1;
    if (s[i] == 0xEF && i + 2 < len && s[i + 1] == 0xBC && s[i + 2] == 0x88)
        return 3;
    return 0;
}

/* Where the annotation opened at s[i] closes (the index of ')' or '）'), and its length. */
static size_t find_close(const unsigned char *s, size_t len, size_t i, size_t ol, size_t *cl)
{
    size_t limit = i + ol + 4 * MAX_LETTERS < len ? i + ol + 4 * MAX_LETTERS : len;
    for (size_t k = i + ol; k < limit; k++) {
        if (s[k] == ')' && ol == 1) {
            *cl = 1;
            return k;
        }
        if (ol == 3 && s[k] == 0xEF && k + 2 < len && s[k + 1] == 0xBC && s[k + 2] == 0x89) {
            *cl = 3;
            return k;
        }
        if (s[k] == '(' || s[k] == '\n' || s[k] == ')')
            return 0;
    }
    return 0;
}

static int report_removal(tf_ctx *ctx, const char *src, size_t at, size_t n, const tf__buf *out,
                          const tf__pos *pos, int kind)
{
    tf__change ch = {
        .stage = TF_STAGE_RUBY, .rule = "ruby-annotation",
        .in_offset = pos->in_base + at, .in_length = n,
        .out_offset = pos->out_base + out->len, .out_length = 0,
        .before = src + at, .before_len = n, .after = "", .after_len = 0,
        .explanation = kind == 1
            ? "every syllable in the parentheses is a reading, tone included, of the "
              "character(s) right before it: a flattened ruby annotation"
            : "every syllable is a toneless reading of the character(s) before it, in a text "
              "that already showed toned ruby annotations",
        .confidence = kind == 1 ? 0.99 : 0.9,
    };
    ctx->totals.repairs++;
    return tf__report_add(ctx, &ch) ? TF_E_NOMEM : 0;
}

/* Finds the next opening parenthesis, '(' or '（', from i on; len when there is none.
 * memchr keeps the common case (no parenthesis in the line) fast. */
static size_t next_open(const unsigned char *s, size_t len, size_t i)
{
    const unsigned char *p = i < len ? memchr(s + i, '(', len - i) : NULL;
    size_t end = p ? (size_t)(p - s) : len;
    for (const unsigned char *q = i < end ? memchr(s + i, 0xEF, end - i) : NULL; q;) {
        size_t at = (size_t)(q - s);
        if (open_len(s, len, at))
            return at;
        q = at + 1 < end ? memchr(q + 1, 0xEF, end - at - 1) : NULL;
    }
    return end;
}

/* A cheap first look at the parenthesis at s[i]: a multibyte character before it, and what
 * can start pinyin or zhuyin after it (a lower-case letter, a Latin letter with a tone mark,
 * a bopomofo letter or the neutral-tone dot). Most parentheses (ls(1), (WHO)) stop here. */
static int may_annotate(const unsigned char *s, size_t len, size_t i, size_t ol)
{
    if (i == 0 || s[i - 1] < 0x80 || i + ol >= len)
        return 0;
    unsigned char b = s[i + ol];
    return (b >= 'a' && b <= 'z') || b == 0xC3 || b == 0xC4 || b == 0xC5 || b == 0xC7 ||
           b == 0xCB || b == 0xE1 || b == 0xE3;
}

int tf__ruby_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t copied = 0, i = next_open(s, len, 0);
    int changed = 0;
    while (i < len) {
        size_t ol = open_len(s, len, i), cl = 0;
        size_t close = may_annotate(s, len, i, ol) ? find_close(s, len, i, ol, &cl) : 0;
        int kind = close ? is_annotation(ctx, s, i, ol, close) : 0;
        if (kind) {
            if (tf__buf_append(out, s + copied, i - copied))
                return TF_E_NOMEM;
            int rc = report_removal(ctx, src, i, close + cl - i, out, pos, kind);
            if (rc)
                return rc;
            if (kind == 1)
                ctx->punct_state.ruby_toned++;
            copied = close + cl;
            changed = 1;
            i = next_open(s, len, copied);
        } else {
            i = next_open(s, len, i + ol);
        }
    }
    if (!changed)
        return 1;
    return tf__buf_append(out, s + copied, len - copied) ? TF_E_NOMEM : 0;
}
