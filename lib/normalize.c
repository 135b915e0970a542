/* normalize.c - Unicode normalization (NFC by default, NFKC on request) through utf8proc,
 * and removal of the C1 control characters that the repair stage did not turn back into text.
 * Most text is already NFC, so a quick scan decides whether utf8proc needs to run at all. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <utf8proc.h>

/* Code points that NFC leaves alone whatever surrounds them: they neither decompose nor
 * combine with a neighbour. A segment made only of these (the usual case for English and CJK
 * text) skips utf8proc entirely. */
static int nfc_inert(uint32_t c)
{
    if (c < 0x300)
        return 1;
    if (c >= 0x4E00 && c <= 0x9FFF)
        return 1; /* unified ideographs */
    if (c >= 0x3000 && c <= 0x3098)
        return c < 0x302A || c > 0x302F; /* CJK punctuation, hiragana; not the tone marks */
    if (c >= 0x309B && c <= 0x33FF)
        return 1; /* katakana, bopomofo, compatibility jamo, enclosed CJK */
    if (c >= 0x3400 && c <= 0x4DBF)
        return 1;
    if (c >= 0xAC00 && c <= 0xD7A3)
        return 1; /* Hangul syllables (a following trailing jamo is caught on its own) */
    if (c >= 0xFF00 && c <= 0xFFEF)
        return 1; /* fullwidth and halfwidth forms are NFKC's business, not NFC's */
    if (c >= 0x2000 && c <= 0x20CF)
        return 1; /* general punctuation, super/subscripts, currency */
    if (c >= 0x2190 && c <= 0x2328)
        return 1;
    if (c >= 0x232B && c <= 0x2ADB)
        return 1;
    return 0;
}

/* Whether the three-byte character at s is in U+3000-U+3FFF or U+FF00-U+FFEF and inert,
 * read off its bytes: all of those but the ideographic tone marks U+302A-U+302F and the
 * combining kana voicing marks U+3099-U+309A (nfc_inert agrees). */
static int cjk_inert3(const unsigned char *s)
{
    if (s[0] == 0xE3)
        return !(s[1] == 0x80 && s[2] >= 0xAA && s[2] <= 0xAF) &&
               !(s[1] == 0x82 && (s[2] == 0x99 || s[2] == 0x9A));
    return s[0] == 0xEF && s[1] >= 0xBC && !(s[1] == 0xBF && s[2] >= 0xB0);
}

/* Whether the non-ASCII character at s[*i] may need work; *i moves past it. */
static int char_needs_work(const tf_ctx *ctx, const unsigned char *s, size_t len, size_t *i)
{
    if (s[*i] >= 0xE4 && s[*i] <= 0xE9 && ctx->norm != TF_NORM_NFKC) {
        *i += 3; /* U+4000-U+9FFF: ideographs and hexagrams, all inert (input is valid) */
        return 0;
    }
    if (*i + 2 < len && ctx->norm != TF_NORM_NFKC && cjk_inert3(s + *i)) {
        *i += 3; /* CJK punctuation, kana, fullwidth forms: the rest of most CJK text */
        return 0;
    }
    uint32_t c;
    *i += tf__utf8_next(s + *i, len - *i, &c);
    if (c >= 0x80 && c <= 0x9F && !ctx->keep_controls)
        return 1;
    if (ctx->norm == TF_NORM_NONE)
        return 0; /* only C1 controls matter then */
    return ctx->norm == TF_NORM_NFKC ? c >= 0xA0 : !nfc_inert(c);
}

#ifdef __SSE2__
/* The lead bytes among the 16 at s of characters that may not be inert under NFC: C2 (the C1
 * controls), CC-E3 (U+0300-U+3FFF) and EA-FF. ASCII, continuation bytes, C3-CB (U+00C0-U+02FF)
 * and E4-E9 (U+4000-U+9FFF) are inert as they stand. Compares are signed: C2 is -62, CC-E3
 * -52..-29, EA-FF -22..-1. */
static unsigned look16(const unsigned char *s)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i m = _mm_or_si128(
        _mm_cmpeq_epi8(x, _mm_set1_epi8(-62)),
        _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(-53)),
                                   _mm_cmplt_epi8(x, _mm_set1_epi8(-28))),
                     _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(-23)),
                                   _mm_cmplt_epi8(x, _mm_setzero_si128()))));
    return (unsigned)_mm_movemask_epi8(m);
}

/* needs_work for NFC and for no normalization, sixteen bytes a step: only the characters whose
 * lead look16 flags get the per-character test (input is valid UTF-8, so a flagged byte starts
 * a character). Returns 1 as needs_work does, else 0 with *at where the blocks ended (maybe
 * inside a character: the caller backs up to its start). */
static int needs_work16(const tf_ctx *ctx, const unsigned char *s, size_t len, size_t *at)
{
    size_t b = 0;
    for (; b + 16 <= len; b += 16)
        for (unsigned m = look16(s + b); m; m &= m - 1) {
            size_t i = b + (size_t)__builtin_ctz(m);
            if (char_needs_work(ctx, s, len, &i))
                return 1;
        }
    while (b > 0 && (s[b] & 0xC0) == 0x80)
        b--;
    *at = b;
    return 0;
}
#endif

/* 0 when the segment certainly needs no change, 1 when utf8proc must look. */
static int needs_work(const tf_ctx *ctx, const unsigned char *s, size_t len)
{
    size_t i = 0;
#ifdef __SSE2__
    if (ctx->norm != TF_NORM_NFKC && needs_work16(ctx, s, len, &i))
        return 1;
#endif
    while (i < len) {
        while (i + 8 <= len) { /* ASCII eight bytes at a time */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (char_needs_work(ctx, s, len, &i))
            return 1;
    }
    return 0;
}

int tf__normalize_needed(const tf_ctx *ctx, const char *src, size_t len)
{
    return needs_work(ctx, (const unsigned char *)src, len);
}

static int report_change(tf_ctx *ctx, const char *src, size_t len, const tf__buf *out,
                         size_t out_start, const tf__pos *pos)
{
    tf__change ch = {
        .stage = TF_STAGE_NORMALIZE, .rule = ctx->norm == TF_NORM_NFKC ? "nfkc" : "nfc",
        .in_offset = pos->in_base, .in_length = len,
        .out_offset = pos->out_base + out_start, .out_length = out->len - out_start,
        .before = src, .before_len = len, .after = out->data + out_start,
        .after_len = out->len - out_start,
        .explanation = "Unicode normalization changed this segment", .confidence = 1.0,
    };
    return tf__report_add(ctx, &ch) ? TF_E_NOMEM : 0;
}

/* Copies the segment without its C1 controls. */
static int strip_c1(tf_ctx *ctx, const unsigned char *s, size_t len, tf__buf *out)
{
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        size_t n = tf__utf8_next(s + i, len - i, &c);
        if (c >= 0x80 && c <= 0x9F && !ctx->keep_controls)
            ctx->totals.removed_controls++;
        else if (tf__buf_append(out, s + i, n))
            return TF_E_NOMEM;
        i += n;
    }
    return 0;
}

int tf__normalize_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos)
{
    const unsigned char *s = (const unsigned char *)src;
    if (!needs_work(ctx, s, len))
        return 1; /* unchanged */
    tf__buf tmp;
    tf__buf_init(&tmp, 0);
    if (strip_c1(ctx, s, len, &tmp)) {
        tf__buf_free(&tmp);
        return TF_E_NOMEM;
    }
    size_t out_start = out->len;
    int rc = 0;
    if (ctx->norm == TF_NORM_NONE) {
        rc = tf__buf_append(out, tmp.data ? tmp.data : "", tmp.len) ? TF_E_NOMEM : 0;
    } else {
        utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
        if (ctx->norm == TF_NORM_NFKC)
            opt |= UTF8PROC_COMPAT;
        utf8proc_uint8_t *res = NULL;
        utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)(tmp.data ? tmp.data : ""),
                                          (utf8proc_ssize_t)tmp.len, &res, opt);
        if (n < 0)
            rc = n == UTF8PROC_ERROR_NOMEM ? TF_E_NOMEM : TF_E_INTERNAL;
        else if (tf__buf_append(out, res, (size_t)n))
            rc = TF_E_NOMEM;
        free(res);
    }
    tf__buf_free(&tmp);
    if (rc)
        return rc;
    if (out->len - out_start == len && !memcmp(out->data + out_start, src, len)) {
        out->len = out_start;
        out->data[out->len] = 0;
        return 1;
    }
    return report_change(ctx, src, len, out, out_start, pos);
}
