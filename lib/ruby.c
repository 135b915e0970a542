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
#include "model.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* Decides whether a[0..alen), the text in parentheses, is a ruby annotation of the end of
 * pre[0..pre_len), the text before the parenthesis (the stage's output so far, when it
 * already changed something: removing one annotation must not hide the character before the
 * next, or a second run would change more). Returns 0 no, 1 toned match, 2 toneless match. */
static int is_annotation(const tf_ctx *ctx, const unsigned char *pre, size_t pre_len,
                         const unsigned char *a, size_t alen)
{
    uint32_t chars[MAX_CHARS];
    size_t nc = han_before(pre, pre_len, chars);
    if (nc == 0)
        return 0;
    pinyin p;
    zhuyin z;
    if (parse_pinyin(a, alen, &p)) {
        for (size_t m = 1; m <= nc; m++) {
            int fit = match_pinyin(&p, 0, chars + nc - m, 0, m);
            if (fit == 1)
                return 1;
            if (fit == 2)
                return ctx && ctx->punct_state.ruby_toned >= TONELESS_AFTER ? 2 : 0;
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
        if (s[k] == ')') {
            *cl = 1;
            return k;
        }
        if (s[k] == 0xEF && k + 2 < len && s[k + 1] == 0xBC && s[k + 2] == 0x89) {
            *cl = 3; /* （nèi） or a mix of widths: another stage may have touched one side */
            return k;
        }
        if (s[k] == '(' || s[k] == '\n')
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

/* A cheap first look at the parenthesis at s[i]: what can start pinyin or zhuyin after it (a lower-case letter, a Latin letter with a tone mark,
 * a bopomofo letter or the neutral-tone dot). Most parentheses (ls(1), (WHO)) stop here. */
static int may_annotate(const unsigned char *s, size_t len, size_t i, size_t ol)
{
    if (i + ol >= len)
        return 0;
    unsigned char b = s[i + ol];
    return (b >= 'a' && b <= 'z') || b == 0xC3 || b == 0xC4 || b == 0xC5 || b == 0xC7 ||
           b == 0xCB || b == 0xE1 || b == 0xE3;
}

/* ---- lost characters ------------------------------------------------------------------
 * When a decoder lost a character and the ( after it (日?bào) ), the annotation still says
 * how the character was read. The candidates are every character with that reading; the
 * model picks the one that fits between its neighbours, and only a clear winner is used
 * (reported as a guess). Otherwise the text stays as it is. */

#define LOST_MARGIN 3.0 /* log-likelihood lead the best candidate needs over the next */

/* Where the lost-character annotation closed by the ) at s[close] starts (at its ? or
 * U+FFFD), or SIZE_MAX when there is none. */
static size_t lost_start(const unsigned char *s, size_t close)
{
    for (size_t k = close; k > 0 && close - k < 4 * MAX_LETTERS; k--) {
        if (k >= 3 && k < close && !memcmp(s + k - 3, "\xEF\xBF\xBD", 3))
            return k - 3;
        if (s[k - 1] == '?')
            return k < close ? k - 1 : SIZE_MAX;
        if (s[k - 1] == '(' || s[k - 1] == ')' || s[k - 1] < 0x20 || s[k - 1] >= 0xE4)
            return SIZE_MAX;
    }
    return SIZE_MAX;
}

/* The next lost-character annotation at or after `from`: its start, with its ) in *close;
 * len when there is none. */
static size_t next_lost(const unsigned char *s, size_t len, size_t from, size_t *close)
{
    for (const unsigned char *p = memchr(s + from, ')', len - from); p;
         p = memchr(p + 1, ')', len - (size_t)(p + 1 - s))) {
        size_t c = (size_t)(p - s), st = lost_start(s, c);
        if (st != SIZE_MAX && st >= from) {
            *close = c;
            return st;
        }
        if (c + 1 >= len)
            break;
    }
    return len;
}

/* Whether s holds U+FFFD, the decoder's mark for a lost character. */
static int has_replacement(const unsigned char *s, size_t len)
{
    for (const unsigned char *p = memchr(s, 0xEF, len); p;
         p = memchr(p + 1, 0xEF, len - (size_t)(p + 1 - s))) {
        size_t at = (size_t)(p - s);
        if (at + 2 < len && p[1] == 0xBF && p[2] == 0xBD)
            return 1;
        if (at + 1 >= len)
            break;
    }
    return 0;
}

/* The one toned syllable the annotation spells, as a reading value; 0 if it is not one. */
static uint16_t single_reading(const unsigned char *a, size_t alen)
{
    pinyin p;
    if (!parse_pinyin(a, alen, &p) || !p.toned)
        return 0;
    for (unsigned k = 0; k < tf__rd_n_syllables; k++) {
        const char *syl = tf__rd_syllables[k];
        if (strlen(syl) != p.n)
            continue;
        for (int tone = 1; tone <= 5; tone++)
            if (fit_syllable(&p, 0, syl, tone) == 1)
                return (uint16_t)(k << 3 | (unsigned)tone);
    }
    return 0;
}

/* 1 when the segment's Han characters are mostly Traditional-only, -1 Simplified-only, 0
 * when it cannot tell. Keeps a guess in the script of its text. */
static int segment_script(const unsigned char *s, size_t len)
{
    int trad = 0, simp = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += tf__utf8_next(s + i, len - i, &c);
        int sc = tf__is_han(c) ? tf__model_han_script(c) : 0;
        trad += sc == 2;
        simp += sc == 1;
    }
    return trad > simp ? 1 : simp > trad ? -1 : 0;
}

typedef struct {
    uint32_t best, runner_group; /* the winner, and the Simplified form of the runner-up */
    double best_score, runner_score;
} lost_guess;

static void consider(lost_guess *g, uint32_t cp, double score)
{
    if (score > g->best_score) {
        if (g->best && tf__model_t2s(g->best) != tf__model_t2s(cp)) {
            g->runner_score = g->best_score;
            g->runner_group = tf__model_t2s(g->best);
        }
        g->best = cp;
        g->best_score = score;
    } else if (score > g->runner_score && tf__model_t2s(cp) != tf__model_t2s(g->best)) {
        g->runner_score = score;
        g->runner_group = tf__model_t2s(cp);
    }
}

/* The character read `reading` that fits best between prev and next, 0 if none is clear. */
static uint32_t guess_lost(uint16_t reading, uint32_t prev, uint32_t next, int script,
                           double *margin)
{
    lost_guess g = {0, 0, -1e300, -1e300};
    for (unsigned i = 0; i < tf__rd_n_chars; i++) {
        uint32_t cp = tf__rd_chars[i];
        if (cp < 0x4E00 || cp > 0x9FFF)
            continue;
        int sc = tf__model_han_script(cp);
        if ((script > 0 && sc == 1) || (script < 0 && sc == 2))
            continue;
        const uint16_t *l = tf__rd_lists + tf__rd_char_list[i];
        for (unsigned r = 1; r <= l[0]; r++)
            if (l[r] == reading) {
                consider(&g, cp, tf__model_bigram(prev, cp) + tf__model_bigram(cp, next));
                break;
            }
    }
    *margin = g.best_score - g.runner_score;
    return g.best && *margin >= LOST_MARGIN ? g.best : 0;
}

/* Reports what became of a lost character: the guess (cp != 0xFFFD) with the model's margin,
 * or U+FFFD when its annotation fitted no character clearly. */
static int report_lost(tf_ctx *ctx, const char *src, size_t at, size_t n, const tf__buf *out,
                       size_t out_at, const tf__pos *pos, uint32_t cp, double margin)
{
    int guessed = cp != 0xFFFD;
    tf__change ch = {
        .stage = TF_STAGE_RUBY, .rule = guessed ? "lost-character-from-ruby" : "lost-character",
        .in_offset = pos->in_base + at, .in_length = n,
        .out_offset = pos->out_base + out_at, .out_length = out->len - out_at,
        .before = src + at, .before_len = n, .after = out->data + out_at,
        .after_len = out->len - out_at,
        .explanation = guessed
                           ? "a guess: the character was lost but its ruby annotation survived; "
                             "of the characters with that reading, this one fits its neighbours "
                             "best"
                           : "a character and the ( after it were lost; its ruby annotation "
                             "(kept here in 'before') fits no single character clearly, so "
                             "U+FFFD marks it",
        .confidence = guessed ? 1.0 - 0.5 / (1.0 + margin) : 0.8,
    };
    ctx->totals.repairs++;
    return tf__report_add(ctx, &ch) ? TF_E_NOMEM : 0;
}

/* Where the characters before s[at] are to be looked at: in s itself while nothing has
 * changed (the stage then appends nothing at all), else at the end of out, after the rest of
 * s up to `at` is copied there. Returns 0, or TF_E_NOMEM. */
static int text_before(const unsigned char *s, size_t at, size_t *copied, int changed,
                       tf__buf *out, const unsigned char **pre, size_t *pre_len)
{
    *pre = s;
    *pre_len = at;
    if (!changed)
        return 0;
    if (tf__buf_append(out, s + *copied, at - *copied))
        return TF_E_NOMEM;
    *copied = at;
    *pre = (const unsigned char *)out->data;
    *pre_len = out->len;
    return 0;
}

/* Tries to restore the lost character at s[at..close]. 1 done, 0 left alone, <0 error. */
static int restore_lost(tf_ctx *ctx, const char *src, size_t len, size_t at, size_t close,
                        size_t *copied, int changed, tf__buf *out, const tf__pos *pos)
{
    const unsigned char *s = (const unsigned char *)src, *pre;
    size_t ql = s[at] == '?' ? 1 : 3, pre_len, nb;
    uint16_t reading = single_reading(s + at + ql, close - at - ql);
    if (!reading)
        return 0;
    if (text_before(s, at, copied, changed, out, &pre, &pre_len))
        return TF_E_NOMEM;
    uint32_t prev = 0, next = 0, before[MAX_CHARS];
    nb = han_before(pre, pre_len, before);
    if (nb == 0 && pre_len >= 3 && !memcmp(pre + pre_len - 3, "\xEF\xBF\xBD", 3))
        nb = han_before(pre, pre_len - 3, before); /* a chain: 日?qǐng)?bào) */
    if (nb == 0)
        return 0; /* without the character before it, the model cannot be sure */
    prev = before[nb - 1];
    if (close + 1 < len)
        tf__utf8_next(s + close + 1, len - close - 1, &next);
    double margin;
    uint32_t cp = guess_lost(reading, prev, next, segment_script(s, len), &margin);
    if (tf__buf_append(out, s + *copied, at - *copied))
        return TF_E_NOMEM;
    size_t out_at = out->len;
    /* No clear winner: the character stays lost, marked U+FFFD; its reading is kept in the
     * report, so nothing is invented and nothing is silently dropped. */
    cp = cp ? cp : 0xFFFD;
    if (tf__buf_put_cp(out, cp))
        return TF_E_NOMEM;
    *copied = close + 1;
    int rc = report_lost(ctx, src, at, close + 1 - at, out, out_at, pos, cp, margin);
    return rc ? rc : 1;
}

/* ---- the stage ---------------------------------------------------------------------- */

/* Removes the annotation at s[i] if it is one: 1 removed, 0 not an annotation, <0 error. */
static int annotation_at(tf_ctx *ctx, const char *src, size_t len, size_t i, size_t *copied,
                         int changed, tf__buf *out, const tf__pos *pos)
{
    const unsigned char *s = (const unsigned char *)src, *pre;
    size_t ol = open_len(s, len, i), cl = 0, pre_len;
    if ((i > *copied && s[i - 1] < 0x80) || (i == 0 && !changed))
        return 0; /* no Han character right before: ls(1), (WHO) */
    size_t close = may_annotate(s, len, i, ol) ? find_close(s, len, i, ol, &cl) : 0;
    if (!close)
        return 0;
    if (text_before(s, i, copied, changed, out, &pre, &pre_len))
        return TF_E_NOMEM;
    int kind = is_annotation(ctx, pre, pre_len, s + i + ol, close - i - ol);
    if (!kind)
        return 0;
    if (tf__buf_append(out, s + *copied, i - *copied))
        return TF_E_NOMEM;
    int rc = report_removal(ctx, src, i, close + cl - i, out, pos, kind);
    if (rc)
        return rc;
    if (kind == 1)
        ctx->punct_state.ruby_toned++;
    *copied = close + cl;
    return 1;
}

/* Whether the byte at s[i] starts what the stage looks for: '?' or U+FFFD (a lost character)
 * or an opening parenthesis, '(' or '（'. */
static int ruby_mark_at(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] != 0xEF)
        return 1; /* '?' or '(': the only other bytes the caller asks about */
    return i + 2 < len && ((s[i + 1] == 0xBF && s[i + 2] == 0xBD) ||
                           (s[i + 1] == 0xBC && s[i + 2] == 0x88));
}

/* Whether the segment holds nothing the stage acts on (see ruby_mark_at), in one pass rather
 * than the four searches below: most lines have none, and Chinese lines have many 0xEF bytes
 * (fullwidth punctuation) that are only looked at here. */
static int ruby_quiet(const unsigned char *s, size_t len)
{
    size_t i = 0;
#ifdef __SSE2__
    /* The last block overlaps the one before (lines are short); bytes seen are masked off. */
    for (; len >= 16 && i < len; i += 16) {
        size_t at = i + 16 <= len ? i : len - 16;
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + at));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('?')),
                                      _mm_cmpeq_epi8(x, _mm_set1_epi8('('))),
                         _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xEF))));
        for (m &= 0xFFFFu << (i - at); m; m &= m - 1)
            if (ruby_mark_at(s, len, at + (size_t)__builtin_ctz(m)))
                return 0;
        i = at;
    }
#endif
    for (; i < len; i++)
        if ((s[i] == '?' || s[i] == '(' || s[i] == 0xEF) && ruby_mark_at(s, len, i))
            return 0;
    return 1;
}

/* The stage for a segment that holds a lost character or a parenthesis. Kept out of line so
 * that the quiet lines do not pay for its register saves. */
__attribute__((noinline)) static int ruby_work(tf_ctx *ctx, const char *src, size_t len,
                                               tf__buf *out, tf__pos *pos)
{
    const unsigned char *s = (const unsigned char *)src;
    int maybe_lost = memchr(s, '?', len) || has_replacement(s, len);
    size_t copied = 0, from = 0, lc = 0;
    size_t lost = maybe_lost ? next_lost(s, len, 0, &lc) : len;
    int changed = 0;
    for (;;) {
        size_t i = next_open(s, len, from);
        int rc;
        if (lost < len && lost < i) {
            if ((rc = restore_lost(ctx, src, len, lost, lc, &copied, changed, out, pos)) < 0)
                return rc;
            changed |= rc;
            from = rc ? lc + 1 : lost + 1;
            lost = next_lost(s, len, from > lc ? from : lc + 1, &lc);
            continue;
        }
        if (i >= len)
            break;
        if ((rc = annotation_at(ctx, src, len, i, &copied, changed, out, pos)) < 0)
            return rc;
        changed |= rc;
        from = rc ? copied : i + open_len(s, len, i);
        if (lost < from && lost < len)
            lost = next_lost(s, len, from, &lc);
    }
    if (!changed)
        return 1;
    return tf__buf_append(out, s + copied, len - copied) ? TF_E_NOMEM : 0;
}

int tf__ruby_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos)
{
    if (ruby_quiet((const unsigned char *)src, len))
        return 1; /* unchanged: no lost character and no parenthesis */
    return ruby_work(ctx, src, len, out, pos);
}
