/* resync.c - realigns multibyte runs that were decoded out of step.
 *
 * When one byte of a GBK (or Big5, Shift_JIS, EUC-*) stream is lost, every following byte
 * pair is read across a character boundary until an ASCII byte brings the decoder back in step:
 * `大美青海客戶端訊 ` became `大美青?蛻舳擞 ` (the lead byte of 海 was lost, so its trail
 * byte A3 paired with the next lead and made a fullwidth `？` that NFKC later flattened to
 * `?`; the lone trail byte of 訊 was dropped before the space).
 *
 * The repair re-encodes the run with the codec it came from (trying the fullwidth form of
 * flattened punctuation), puts a lead byte in front and a trail byte at the end where one is
 * missing, and decodes again. The middle of the run is then fixed by the bytes alone; only the
 * lost lead byte and the lost trail byte are guesses, each chosen by the model in its context.
 * A guess the model is not sure of becomes U+FFFD instead of invented text. */
#define _GNU_SOURCE /* memmem */
#include "internal.h"
#include "model.h"
#include "resync.h"
#include "ruby.h"

#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_RUN_CHARS 48  /* a misaligned run ends at the next ASCII byte; lines are short */
#define CONTEXT_CHARS 6   /* characters of context on each side the model sees */
#define MAX_ANOMALIES 16
#define ANOMALY_COST 4.0
#define GARBAGE_PER_CHAR -8.0 /* nats a character: clean text scores about -5.5 */
#define PLAUSIBLE_PER_CHAR -7.0
#define SURE_MARGIN 2.0   /* nats by which a guessed byte must beat the runner-up, else U+FFFD */
#define RECENT_MAX (4u * 1024u) /* CJK text remembered for the document cache */
#define CACHE_WEIGHT 4.0
#define BRACKET_BONUS 12.0 /* nats for a guessed character that closes an open bracket */  /* nats per log-count of a pair seen in the document */  /* nats against each ASCII character glued inside Han text */  /* per segment: damage is rare, runaway searches are not welcome */

typedef struct {
    const char *codec;
    const char *rule;                 /* the report's rule for a run realigned in it */
    unsigned char lead_lo, lead_hi;   /* the codec's lead byte range */
    unsigned char single_lo, single_hi; /* single-byte characters inside it (SJIS kana) */
    unsigned char trail_lo, trail_hi; /* and trail byte range */
} codec_info;

static const codec_info CODECS[] = {
    {"GBK", "misaligned gbk run", 0x81, 0xFE, 0, 0, 0x40, 0xFE},
    {"BIG5", "misaligned big5 run", 0xA1, 0xF9, 0, 0, 0x40, 0xFE},
    {"CP932", "misaligned shift_jis run", 0x81, 0xFC, 0xA0, 0xDF, 0x40, 0xFC},
};


/* ---- small helpers ------------------------------------------------------------------- */

static uint32_t cp_at(const char *s, size_t len, size_t i)
{
    uint32_t c;
    tf__utf8_next((const unsigned char *)s + i, len - i, &c);
    return c;
}

static size_t next_char(const char *s, size_t len, size_t i)
{
    uint32_t c;
    return i + tf__utf8_next((const unsigned char *)s + i, len - i, &c);
}

static size_t prev_char(const char *s, size_t i)
{
    if (i == 0)
        return 0;
    i--;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* iconv handles for each codec, both ways, opened on first use and kept with the context:
 * opening one costs far more than a short conversion. */
struct tf__resync_state {
    iconv_t to[3], from[3];
};

void tf__resync_free(struct tf__resync_state *st)
{
    if (!st)
        return;
    for (int i = 0; i < 3; i++) {
        if (st->to[i] != (iconv_t)-1)
            iconv_close(st->to[i]);
        if (st->from[i] != (iconv_t)-1)
            iconv_close(st->from[i]);
    }
    free(st);
}

static iconv_t handle(tf_ctx *ctx, int codec, int to_codec, const char *name)
{
    if (!ctx->resync) {
        ctx->resync = malloc(sizeof *ctx->resync);
        if (!ctx->resync)
            return (iconv_t)-1;
        for (int i = 0; i < 3; i++)
            ctx->resync->to[i] = ctx->resync->from[i] = (iconv_t)-1;
    }
    iconv_t *h = to_codec ? &ctx->resync->to[codec] : &ctx->resync->from[codec];
    if (*h == (iconv_t)-1)
        *h = to_codec ? iconv_open(name, "UTF-8") : iconv_open("UTF-8", name);
    return *h;
}

/* Converts with iconv in one go; returns 0 when every byte converted. */
static int convert(iconv_t cd, const char *src, size_t n, tf__buf *out)
{
    if (cd == (iconv_t)-1)
        return -1;
    iconv(cd, NULL, NULL, NULL, NULL);
    tf__buf_clear(out);
    int rc = tf__buf_reserve(out, n * 4 + 8);
    char *ip = (char *)src, *op = out->data;
    size_t il = n, ol = n * 4 + 8;
    if (rc == 0 && iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
        rc = -1;
    if (rc == 0 && iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
        rc = -1;
    if (rc == 0) {
        out->len = (size_t)(op - out->data);
        out->data[out->len] = 0;
    }
    return rc;
}

/* The fullwidth form NFKC flattened to this ASCII punctuation, or 0. */
static uint32_t fullwidth_of(uint32_t c)
{
    switch (c) {
    case '?': case '!': case ';': case ':': case ',': case '(': case ')': case '%': case '&':
    case '*': case '+': case '<': case '=': case '>': case '@': case '[': case ']': case '#':
    case '$': case '/': case '|': case '~': case '"': case '\'':
        return c - 0x20 + 0xFF00;
    }
    return 0;
}

/* ---- finding damage ------------------------------------------------------------------ */

static int is_cjk(uint32_t c)
{
    return tf__is_han(c) || tf__is_kana(c) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFF01 && c <= 0xFF5E) || c == 0x2018 || c == 0x2019 || c == 0x201C || c == 0x201D;
}

/* An anomaly is where a misaligned run shows itself: ASCII punctuation or a letter glued to
 * Han characters (flattened fullwidth symbols, trail bytes read as ASCII) or U+FFFD. */
static int is_anomaly(const char *s, size_t len, size_t i)
{
    uint32_t c = cp_at(s, len, i);
    if (c == 0xFFFD)
        return 1;
    if (c >= 0x80 || !(fullwidth_of(c) || (c >= 'A' && c <= 'z')))
        return 0;
    if (c == '(' && tf__ruby_annotation_at(s, len, i))
        return 0; /* `國內(nèi)`: the ruby stage's business, not damage */
    uint32_t before = i > 0 ? cp_at(s, len, prev_char(s, i)) : 0;
    if (!tf__is_han(before))
        return 0;
    size_t j = next_char(s, len, i);
    uint32_t after = j < len ? cp_at(s, len, j) : 0;
    /* `青?蛻` and `興?h公`: Han on both sides, or a letter run ending in Han. */
    return is_cjk(after) || (after >= 'a' && after <= 'z') ||
           (fullwidth_of(c) && (after == ' ' || after == '\n' || after == '\r' || after == 0));
}

/* ---- candidate repairs --------------------------------------------------------------- */

typedef struct {
    tf_ctx *ctx;
    const char *s;
    size_t len;
    const codec_info *ci;
    tf__buf bytes, text, trial, best;
    double best_gain;
    double best_conf;
    size_t best_start, best_end;
    const codec_info *best_ci;
    int lone_lead; /* the realigned bytes end in a lead byte whose trail was lost */
    int kana;      /* the segment has kana: Japanese text (-1: not looked at yet) */
} search;

/* Model score of left context + middle + right context. */
static double score_in_context(search *se, size_t start, size_t end, const char *mid, size_t mid_len)
{
    size_t l = start;
    for (int k = 0; k < CONTEXT_CHARS && l > 0; k++)
        l = prev_char(se->s, l);
    size_t r = end;
    for (int k = 0; k < CONTEXT_CHARS && r < se->len; k++)
        r = next_char(se->s, se->len, r);
    tf__buf_clear(&se->trial);
    tf__buf_append(&se->trial, se->s + l, start - l);
    tf__buf_append(&se->trial, mid, mid_len);
    tf__buf_append(&se->trial, se->s + end, r - end);
    return tf__model_score(se->trial.data, se->trial.len, NULL);
}

/* The run's bytes in the codec, with flattened punctuation put back to fullwidth. */
static int encode_run(search *se, size_t start, size_t end)
{
    tf__buf_clear(&se->text);
    for (size_t i = start; i < end;) {
        uint32_t c = cp_at(se->s, se->len, i);
        size_t j = next_char(se->s, se->len, i);
        if (c == 0xFFFD)
            return -1; /* a replaced byte: its value is gone, realignment cannot be checked */
        uint32_t fw = fullwidth_of(c);
        if (fw && (j < end || i == start)) /* inside the run it was a fullwidth symbol */
            tf__buf_put_cp(&se->text, fw);
        else
            tf__buf_append(&se->text, se->s + i, j - i);
        i = j;
    }
    return convert(handle(se->ctx, (int)(se->ci - CODECS), 1, se->ci->codec), se->text.data,
                   se->text.len, &se->bytes);
}

/* Decodes lead + bytes + trail (either may be 0 for none) into se->text. Without a trail,
 * a lone lead byte at the end is left out (its character is the trail pass's business). */
static int decode_bytes(search *se, unsigned lead, unsigned trail)
{
    tf__buf raw;
    tf__buf_init(&raw, 0);
    if (lead)
        tf__buf_putc(&raw, (unsigned char)lead);
    size_t n = se->bytes.len;
    if (!trail && se->lone_lead)
        n--;
    tf__buf_append(&raw, se->bytes.data, n);
    if (trail)
        tf__buf_putc(&raw, (unsigned char)trail);
    int rc = raw.failed ? -1 : convert(handle(se->ctx, (int)(se->ci - CODECS), 0, se->ci->codec),
                                       raw.data, raw.len, &se->text);
    tf__buf_free(&raw);
    return rc;
}

/* Whether the realigned bytes end in a lead byte that lost its trail. */
static int ends_in_lone_lead(const search *se, int with_lead)
{
    const unsigned char *b = (const unsigned char *)se->bytes.data;
    size_t i = 0, n = se->bytes.len;
    if (with_lead)
        i = 1; /* the first byte pairs with the lead we put in front */
    while (i < n) {
        if (b[i] < 0x80) { i++; continue; }
        if (i + 1 >= n)
            return 1;
        i += 2;
    }
    return 0;
}

/* Occurrences of the UTF-8 string p[0..n) in s[0..len). */
static int count_in(const char *s, size_t len, const char *p, size_t n)
{
    int c = 0;
    const char *e = s + len;
    while (s && s < e && (s = memmem(s, (size_t)(e - s), p, n)) != NULL) {
        c++;
        s += n;
    }
    return c;
}

/* A document repeats its names and words: a guessed character that forms, with its neighbour,
 * a pair already seen in the recent text or elsewhere in this segment is more likely. */
static double cache_bonus(search *se, size_t start, size_t end, int is_lead)
{
    const char *t = se->text.data;
    size_t tl = se->text.len;
    if (!tl)
        return 0;
    char pair[16];
    size_t n = 0;
    if (is_lead) { /* the guessed first character and the one before the run */
        size_t p = prev_char(se->s, start);
        size_t g = next_char(t, tl, 0);
        if (start == 0 || start - p + g > sizeof pair)
            return 0;
        memcpy(pair, se->s + p, start - p);
        memcpy(pair + (start - p), t, g);
        n = start - p + g;
    } else { /* the guessed last character and the one after the run */
        size_t g = prev_char(t, tl);
        size_t q = end < se->len ? next_char(se->s, se->len, end) : end;
        if (q == end || tl - g + q - end > sizeof pair)
            return 0;
        memcpy(pair, t + g, tl - g);
        memcpy(pair + (tl - g), se->s + end, q - end);
        n = tl - g + q - end;
    }
    int c = count_in(se->ctx->recent.data, se->ctx->recent.len, pair, n) +
            count_in(se->s, se->len, pair, n);
    return CACHE_WEIGHT * log1p((double)c);
}

/* The closing bracket the last unclosed opener before position a expects, or 0. */
static uint32_t expected_closer(const search *se, size_t a)
{
    uint32_t stack[8];
    int depth = 0;
    for (size_t i = 0; i < a; i = next_char(se->s, se->len, i)) {
        uint32_t c = cp_at(se->s, se->len, i);
        uint32_t close = c == 0x3010 ? 0x3011 : c == 0x300A ? 0x300B : c == 0x300C ? 0x300D
                       : c == 0xFF08 ? 0xFF09 : 0;
        if (close && depth < 8)
            stack[depth++] = close;
        else if (depth > 0 && c == stack[depth - 1])
            depth--;
    }
    return depth > 0 ? stack[depth - 1] : 0;
}

static int unclosed_bracket(const search *se, size_t a) { return expected_closer(se, a) != 0; }

/* Picks the byte in [lo, hi] that the model likes best at one end; *margin says by how much
 * it beats the runner-up (how sure the model is). The document cache, costlier, only re-ranks
 * the model's few best candidates. */
#define TOP_K 4
static int pick_byte(search *se, size_t start, size_t end, int is_lead, unsigned fixed,
                     unsigned *best_b, double *best_sc, double *margin)
{
    unsigned lo = is_lead ? se->ci->lead_lo : se->ci->trail_lo;
    unsigned hi = is_lead ? se->ci->lead_hi : se->ci->trail_hi;
    /* A lost last character that closes the bracket left open before the run is likely. */
    uint32_t want = is_lead ? 0 : expected_closer(se, start);
    unsigned top_b[TOP_K];
    double top_sc[TOP_K];
    int n = 0;
    for (unsigned b = lo; b <= hi; b++) {
        if (!is_lead && b == 0x7F)
            continue;
        if (is_lead && b >= se->ci->single_lo && b <= se->ci->single_hi)
            continue; /* a one-byte character would not pair with the run's first byte */
        if (decode_bytes(se, is_lead ? b : fixed, is_lead ? 0 : b))
            continue;
        double sc = score_in_context(se, start, end, se->text.data, se->text.len);
        if (want && se->text.len &&
            cp_at(se->text.data, se->text.len, prev_char(se->text.data, se->text.len)) == want)
            sc += BRACKET_BONUS;
        int k; /* insertion into the sorted top list */
        if (n < TOP_K)
            k = n++;
        else if (sc > top_sc[TOP_K - 1])
            k = TOP_K - 1;
        else
            continue;
        while (k > 0 && top_sc[k - 1] < sc) {
            top_sc[k] = top_sc[k - 1];
            top_b[k] = top_b[k - 1];
            k--;
        }
        top_sc[k] = sc;
        top_b[k] = b;
    }
    if (n == 0)
        return -1;
    if (n == 1 || top_sc[0] - top_sc[1] > 3 * SURE_MARGIN)
        n = 1; /* the model is sure without the cache */
    double b1 = -INFINITY, b2 = n == 1 && n < TOP_K ? -INFINITY : top_sc[1];
    for (int k = 0; k < n; k++) {
        if (decode_bytes(se, is_lead ? top_b[k] : fixed, is_lead ? 0 : top_b[k]))
            continue;
        double sc = top_sc[k] + cache_bonus(se, start, end, is_lead);
        if (sc > b1) {
            b2 = b1;
            b1 = sc;
            *best_b = top_b[k];
        } else if (sc > b2) {
            b2 = sc;
        }
    }
    *best_sc = b1;
    *margin = isfinite(b2) ? b1 - b2 : 10.0;
    return isfinite(b1) ? 0 : -1;
}

/* ASCII characters inside the run that sit right after a Han character or another such
 * character: flattened symbols and trail bytes read as ASCII. */
static int count_anomalies(const search *se, size_t start, size_t end)
{
    int n = 0;
    uint32_t prev = start > 0 ? cp_at(se->s, se->len, prev_char(se->s, start)) : 0;
    for (size_t i = start; i < end; i = next_char(se->s, se->len, i)) {
        uint32_t c = cp_at(se->s, se->len, i);
        int glued = c > 0x20 && c < 0x7F && (tf__is_han(prev) || (prev > 0x20 && prev < 0x7F && n));
        n += glued || c == 0xFFFD;
        prev = c;
    }
    return n;
}

/* Replaces a guessed first or last character the model is not sure of with U+FFFD: a
 * realigned run with a marked gap is honest; an invented character is not. */
static int unsure_to_fffd(search *se, int first, int last)
{
    if (!first && !last)
        return 0;
    const char *t = se->text.data;
    size_t tl = se->text.len;
    size_t a = next_char(t, tl, 0), z = prev_char(t, tl);
    tf__buf tmp;
    tf__buf_init(&tmp, 0);
    tf__buf_append(&tmp, first ? "\xEF\xBF\xBD" : t, first ? 3 : a);
    if (a < z || (!last && a == z))
        tf__buf_append(&tmp, t + a, (last ? z : tl) - a);
    if (last && z >= a)
        tf__buf_append(&tmp, "\xEF\xBF\xBD", 3);
    int rc = tmp.failed ? -1 : 0;
    tf__buf_clear(&se->text);
    tf__buf_append(&se->text, tmp.data, tmp.len);
    tf__buf_free(&tmp);
    return rc;
}

/* Tries realigning se->s[start..end) and keeps it when it beats what is there. */
static void try_run(search *se, size_t start, size_t end)
{
    if (encode_run(se, start, end) || se->bytes.len < 2)
        return;
    double orig = score_in_context(se, start, end, se->s + start, end - start);
    unsigned lead = 0, trail = 0;
    double sc, m1, m2 = 10.0;
    se->lone_lead = ends_in_lone_lead(se, 1);
    if (pick_byte(se, start, end, 1, 0, &lead, &sc, &m1))
        return;
    if (se->lone_lead && pick_byte(se, start, end, 0, lead, &trail, &sc, &m2))
        return;
    if (decode_bytes(se, lead, trail))
        return;
    size_t newchars = 0;
    double alone = tf__model_score(se->text.data, se->text.len, &newchars);
    if (newchars && alone / (double)newchars < PLAUSIBLE_PER_CHAR)
        return; /* realigned, it must read like text on its own too */
    if (unsure_to_fffd(se, m1 < SURE_MARGIN, trail && m2 < SURE_MARGIN))
        return;
    size_t nchars = 0;
    for (size_t i = start; i < end; i = next_char(se->s, se->len, i))
        nchars++;
    /* ASCII glued inside Han text is itself evidence the model undervalues: each such
     * character counts against what is there. Short runs still need a clear margin. */
    double gain = sc - orig + ANOMALY_COST * (double)count_anomalies(se, start, end);
    double need = 6.0 + 1.5 * (double)nchars;
    if (gain > need && gain - need > se->best_gain) {
        se->best_gain = gain - need;
        se->best_conf = 1.0 / (1.0 + exp(-(m1 < m2 ? m1 : m2)));
        se->best_start = start;
        se->best_end = end;
        se->best_ci = se->ci;
        tf__buf_clear(&se->best);
        tf__buf_append(&se->best, se->text.data, se->text.len);
    }
}

/* Whether the text after an anomaly looks like garbage, before any costly search: its Han
 * characters are improbable (misaligned pairs mostly land on rare characters: clean text
 * scores about -5.5 nats a character, such runs -9 and below), or it is a lone letter glued
 * between Han characters (`興?h公`: a trail byte read as ASCII). */
static int suspicious(const search *se, size_t a, size_t end)
{
    size_t from = next_char(se->s, se->len, a), to = from, nhan = 0;
    for (int k = 0; k < 12 && to < end; k++) {
        nhan += tf__is_han(cp_at(se->s, se->len, to));
        to = next_char(se->s, se->len, to);
    }
    /* One Han character counts only as `奎h建`: a single letter (a trail byte read as ASCII)
     * with Han after it, not the start of a word. */
    uint32_t last = to > from ? cp_at(se->s, se->len, prev_char(se->s, to)) : 0;
    uint32_t after = to < se->len ? cp_at(se->s, se->len, to) : 0;
    if (nhan >= 2 || (nhan == 1 && last < 0x80 && is_cjk(after))) {
        size_t n = 0;
        double sc = tf__model_score(se->s + from, to - from, &n);
        return n && sc / (double)n < GARBAGE_PER_CHAR;
    }
    if (!fullwidth_of(cp_at(se->s, se->len, a)))
        return 0; /* a letter glued to Han is an abbreviation far more often than damage */
    uint32_t c1 = from < se->len ? cp_at(se->s, se->len, from) : 0;
    size_t j = from < se->len ? next_char(se->s, se->len, from) : from;
    uint32_t c2 = j < se->len ? cp_at(se->s, se->len, j) : 0;
    if (c1 == '\n' || c1 == '\r' || c1 == 0)
        return unclosed_bracket(se, a); /* `【…平安青!` at a line end: `青海】` lost a byte */
    return ((c1 >= 'a' && c1 <= 'z') || (c1 >= 'A' && c1 <= 'Z')) && tf__is_han(c2);
}

static int has_kana(const char *s, size_t len);

/* The run that starts at an anomaly ends at a space, at the end of the segment, or just after
 * a letter that was a trail byte read as ASCII; every such end is tried. */
static void search_from(search *se, size_t a)
{
    size_t ends[8];
    int ne = 0;
    size_t i = a;
    for (int k = 0; k < MAX_RUN_CHARS && i < se->len && ne < 8; k++) {
        uint32_t c = cp_at(se->s, se->len, i);
        size_t j = next_char(se->s, se->len, i);
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            if (i > a)
                ends[ne++] = i;
            break;
        }
        if (c >= 'A' && c <= 'z' && i > a && !fullwidth_of(c))
            ends[ne++] = j;
        else if (is_cjk(c) && i > a && (c < 0x4E00 || c == 0x2018 || c == 0x201C))
            ends[ne++] = i; /* resynchronized at punctuation */
        i = j;
    }
    if (ne == 0 && i >= se->len && i > a)
        ends[ne++] = se->len;
    if (ne == 0 || !suspicious(se, a, ends[0]))
        return;
    /* The garbage may begin a few characters before the anomaly shows, with characters that
     * happen to be plausible Han. */
    size_t starts[4];
    int ns = 0;
    for (size_t st = a; ns < 4; st = prev_char(se->s, st)) {
        starts[ns++] = st;
        if (st == 0 || !tf__is_han(cp_at(se->s, se->len, prev_char(se->s, st))))
            break;
    }
    if (se->kana < 0) /* looked at only here: most anomalies end at suspicious() */
        se->kana = has_kana(se->s, se->len);
    for (int b = 0; b < ns; b++)
        for (int e = 0; e < ne; e++)
            for (size_t c = 0; c < sizeof CODECS / sizeof CODECS[0]; c++) {
                if ((CODECS[c].single_hi != 0) != se->kana)
                    continue; /* Shift_JIS for Japanese text, GBK and Big5 for Chinese */
                se->ci = &CODECS[c];
                try_run(se, starts[b], ends[e]);
            }
}

static int emit(tf_ctx *ctx, search *se, size_t *copied, tf__buf *out, tf__pos *pos)
{
    if (tf__buf_append(out, se->s + *copied, se->best_start - *copied))
        return TF_E_NOMEM;
    size_t out_at = out->len;
    if (tf__buf_append(out, se->best.data, se->best.len))
        return TF_E_NOMEM;
    tf__change ch = {
        .stage = TF_STAGE_RESYNC, .rule = se->best_ci->rule,
        .in_offset = pos->in_base + se->best_start, .in_length = se->best_end - se->best_start,
        .out_offset = pos->out_base + out_at, .out_length = se->best.len,
        .before = se->s + se->best_start, .before_len = se->best_end - se->best_start,
        .after = se->best.data, .after_len = se->best.len,
        .explanation = "a lost byte had shifted the multibyte decoding; realigned, and the lost "
                       "character restored by the model",
        .confidence = se->best_conf,
    };
    ctx->totals.repairs++;
    *copied = se->best_end;
    return tf__report_add(ctx, &ch) ? TF_E_NOMEM : 0;
}

/* A segment with no anomaly is left alone at the cost of one byte scan: an anomaly is an
 * ASCII byte right after a three-byte (CJK) character, or U+FFFD. With SSE2 the scan takes
 * sixteen bytes at a time and looks closer only at the bytes that can start one: an 0xEF, or
 * an ASCII byte three after a lead byte E3..E9. */
static int is_lost_mark(const unsigned char *u, size_t len, size_t i)
{
    return u[i] == 0xEF && i + 2 < len && u[i + 1] == 0xBF && u[i + 2] == 0xBD;
}

static int is_cjk_lead(unsigned char b) { return b >= 0xE3 && b <= 0xE9; }

#ifdef __SSE2__
/* Bit j set when x's byte j is a lead byte E3..E9 (the signed compares see them as -29..-23). */
static inline uint32_t cjk_lead_mask(__m128i x)
{
    __m128i ge = _mm_cmpgt_epi8(x, _mm_set1_epi8((char)0xE2));
    __m128i le = _mm_cmplt_epi8(x, _mm_set1_epi8((char)0xEA));
    return (uint32_t)_mm_movemask_epi8(_mm_and_si128(ge, le));
}
#endif

#ifdef __SSE2__
/* The bytes of u[at..at+16) that can start an anomaly, as bits: 0xEF, or ASCII three bytes
 * after a lead E3..E9. */
static inline uint32_t anomaly_cands(const unsigned char *u, size_t at)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + at));
    uint32_t lead3; /* bit j: the byte at at + j - 3 is a lead */
    if (at >= 3) {
        lead3 = cjk_lead_mask(_mm_loadu_si128((const __m128i *)(const void *)(u + at - 3)));
    } else {
        lead3 = cjk_lead_mask(x) << 3;
        for (size_t k = 3 - at; k < 3; k++)
            if (is_cjk_lead(u[at + k - 3]))
                lead3 |= 1u << k;
    }
    uint32_t high = (uint32_t)_mm_movemask_epi8(x);
    uint32_t ef = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xEF)));
    return (lead3 & ~high & 0xFFFFu) | ef;
}
#endif

static size_t first_anomaly(const char *s, size_t len, size_t from)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = from;
#ifdef __SSE2__
    if (len >= 16) {
        while (i < len) {
            /* The last block overlaps the one before; its bytes already seen are masked. */
            size_t at = i + 16 <= len ? i : len - 16;
            uint32_t cand = anomaly_cands(u, at) & (0xFFFFu << (i - at));
            while (cand) {
                size_t j = at + (size_t)__builtin_ctz(cand);
                cand &= cand - 1;
                if (u[j] == 0xEF ? is_lost_mark(u, len, j) : is_anomaly(s, len, j))
                    return j;
            }
            i = at + 16;
        }
        return len;
    }
#endif
    for (; i < len; i++) {
        if (is_lost_mark(u, len, i))
            return i;
        if (u[i] < 0x80 && i >= 3 && is_cjk_lead(u[i - 3]) && is_anomaly(s, len, i))
            return i;
    }
    return len;
}

/* Keeps the last RECENT_MAX bytes of text that has Han in it, for cache_bonus(). */
static void remember(tf_ctx *ctx, const char *s, size_t len)
{
    if (len > RECENT_MAX) {
        size_t cut = len - RECENT_MAX;
        while (cut < len && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut++;
        s += cut;
        len -= cut;
    }
    tf__buf *r = &ctx->recent;
    if (r->len + len > 2 * RECENT_MAX) {
        size_t cut = r->len + len - RECENT_MAX;
        while (cut < r->len && ((unsigned char)r->data[cut] & 0xC0) == 0x80)
            cut++;
        tf__buf_consume(r, cut < r->len ? cut : r->len);
    }
    tf__buf_append(r, s, len);
}

static int has_kana(const char *s, size_t len)
{
    /* Hiragana and katakana are U+3040-U+30FF: E3 81 80 .. E3 83 BF in UTF-8. */
    for (size_t i = 0; i + 1 < len; i++)
        if ((unsigned char)s[i] == 0xE3 && (unsigned char)s[i + 1] >= 0x81 &&
            (unsigned char)s[i + 1] <= 0x83)
            return 1;
    return 0;
}

static int has_cjk_bytes(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
#ifdef __SSE2__
    if (len >= 16) { /* the last block overlaps the one before */
        for (; i < len; i += 16)
            if (cjk_lead_mask(_mm_loadu_si128(
                    (const __m128i *)(const void *)(u + (i + 16 <= len ? i : len - 16)))))
                return 1;
        return 0;
    }
#endif
    for (; i < len; i++)
        if (is_cjk_lead(u[i]))
            return 1;
    return 0;
}

int tf__resync_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos)
{
    size_t a = first_anomaly(src, len, 0);
    if (a == len) {
        if (has_cjk_bytes(src, len))
            remember(ctx, src, len);
        return 1;
    }
    search se = {.ctx = ctx, .s = src, .len = len, .kana = -1};
    tf__buf_init(&se.bytes, 1 << 16);
    tf__buf_init(&se.text, 1 << 16);
    tf__buf_init(&se.trial, 1 << 16);
    tf__buf_init(&se.best, 1 << 16);
    size_t copied = 0;
    int rc = 0, changed = 0;
    for (int k = 0; k < MAX_ANOMALIES && a < len && rc == 0; k++) {
        se.best_gain = 0;
        se.best_start = se.best_end = 0;
        search_from(&se, a);
        if (se.best_end > se.best_start) {
            rc = emit(ctx, &se, &copied, out, pos);
            changed = 1;
            a = first_anomaly(src, len, se.best_end);
        } else {
            a = first_anomaly(src, len, next_char(src, len, a));
        }
    }
    if (rc == 0 && changed && tf__buf_append(out, src + copied, len - copied))
        rc = TF_E_NOMEM;
    if (has_cjk_bytes(src, len))
        remember(ctx, changed ? out->data : src, changed ? out->len : len);
    tf__buf_free(&se.bytes);
    tf__buf_free(&se.text);
    tf__buf_free(&se.trial);
    tf__buf_free(&se.best);
    if (rc)
        return rc;
    return changed ? 0 : 1;
}
