/* cleanup.c - removes what is not text: a byte-order mark at the start, terminal (ANSI)
 * escape sequences and C0 control characters (tab, newline, carriage return and form feed are
 * text), and optionally unifies line endings.
 *
 * C1 controls (U+0080-U+009F) are NOT removed here: UTF-8 read as Latin-1 produces them, and
 * the repair stage needs them to undo that. The normalization stage removes what is left. */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Length of the escape sequence at s[0] == ESC: CSI (ESC [ params final), OSC (ESC ] ... BEL
 * or ESC \), or a two-character escape. 1 when nothing sensible follows. */
static size_t escape_len(const unsigned char *s, size_t len)
{
    if (len < 2)
        return 1;
    if (s[1] == '[') {
        for (size_t i = 2; i < len && i < 64; i++) {
            if (s[i] >= 0x40 && s[i] <= 0x7E)
                return i + 1;
            if (s[i] < 0x20 || s[i] > 0x3F)
                break; /* not a parameter or intermediate byte: not a CSI sequence */
        }
        return 1;
    }
    if (s[1] == ']') {
        for (size_t i = 2; i < len && i < 512; i++) {
            if (s[i] == 0x07)
                return i + 1;
            if (s[i] == 0x1B && i + 1 < len && s[i + 1] == '\\')
                return i + 2;
            if (s[i] == '\n')
                break;
        }
        return 1;
    }
    if (s[1] >= 0x40 && s[1] <= 0x5F)
        return 2;
    return 1;
}

static int is_removable_c0(unsigned c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F;
}

/* Records that src[n_at..n_at+n) was removed. */
static int drop(tf_ctx *ctx, const char *src, size_t n_at, size_t n, tf__buf *out,
                const tf__pos *pos, const char *rule, const char *why)
{
    char name[8]; /* a lone control is shown by its code point: it has no visible form */
    snprintf(name, sizeof name, "U+%04X", (unsigned char)src[n_at]);
    tf__change ch = {
        .stage = TF_STAGE_CLEANUP, .rule = rule,
        .in_offset = pos->in_base + n_at, .in_length = n,
        .out_offset = pos->out_base + out->len, .out_length = 0,
        .before = n == 1 ? name : src + n_at, .before_len = n == 1 ? strlen(name) : n,
        .after = "", .after_len = 0, .explanation = why, .confidence = 1.0,
    };
    ctx->totals.removed_controls++;
    return tf__report_add(ctx, &ch) ? TF_E_NOMEM : 0;
}

/* Whether the segment needs this stage at all: the common case is a quick scan. */
static int needs_cleanup(const tf_ctx *ctx, const unsigned char *s, size_t len, const tf__pos *pos)
{
    if (pos->in_base == 0 && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
        return 1;
    if (ctx->newlines == TF_NEWLINES_LF && (memchr(s, '\r', len) || ctx->cr_pending))
        return 1;
    if (ctx->keep_controls)
        return 0;
    /* A branch-free pass the compiler vectorizes finds whether any control byte is there at
     * all; the segment's final newline is expected and left out. Only then look closer. */
    size_t n = len && s[len - 1] == '\n' ? len - 1 : len;
    unsigned any = 0;
    for (size_t i = 0; i < n; i++)
        any |= (unsigned)(s[i] < 0x20) | (unsigned)(s[i] == 0x7F);
    if (!any)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 ? is_removable_c0(s[i]) : s[i] == 0x7F)
            return 1;
    return 0;
}

/* Whether the byte is a control character the cleanup stage would act on. */
static int acted_on(unsigned c, int keep_cr)
{
    if (c == 0x7F)
        return 1;
    return c < 0x20 && c != '\n' && c != '\t' && c != '\f' && !(c == '\r' && keep_cr);
}

#ifdef __SSE2__
/* Whether any of the 16 bytes at s is a control the stage acts on: below 0x20 (an unsigned
 * compare, made of min and equality) and not newline, tab or form feed (nor carriage return
 * when it is kept), or DEL. Exact, so a clean block needs no byte-by-byte look. */
static int block16_acted_on(const unsigned char *s, __m128i keep_cr)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i ctrl = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
    __m128i text = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')),
                                             _mm_cmpeq_epi8(x, _mm_set1_epi8('\t'))),
                                _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\f')),
                                             _mm_cmpeq_epi8(x, keep_cr)));
    __m128i bad = _mm_or_si128(_mm_andnot_si128(text, ctrl), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
    return _mm_movemask_epi8(bad) != 0;
}
#endif

int tf__cleanup_block_clean(const tf_ctx *ctx, const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    int keep_cr = ctx->newlines != TF_NEWLINES_LF;
    size_t i = 0;
#ifdef __SSE2__
    /* Sixteen bytes at a time, exactly: this runs over every byte of clean text. When carriage
     * returns are not kept, the \n byte stands in for \r in the "text" test (it is there). */
    __m128i cr = _mm_set1_epi8(keep_cr ? '\r' : '\n');
    for (; i + 16 <= len; i += 16)
        if (block16_acted_on(s + i, cr))
            return 0;
#else
    /* Eight bytes at a time: the word test flags any byte below 0x20 or equal to 0x7F
     * (it may also flag a byte next to one, never miss one), so only words holding a
     * newline or such a byte are looked at byte by byte. */
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (; i + 8 <= len; i += 8) {
        uint64_t w, d;
        memcpy(&w, s + i, 8);
        d = w ^ (0x7F * ones);
        if (!(((w - 0x20 * ones) | (d - ones)) & ~w & highs))
            continue;
        for (size_t k = i; k < i + 8; k++)
            if (acted_on(s[k], keep_cr))
                return 0;
    }
#endif
    for (; i < len; i++)
        if (acted_on(s[i], keep_cr))
            return 0;
    return 1;
}

static int newline(tf_ctx *ctx, const unsigned char *s, size_t len, size_t *i, tf__buf *out)
{
    if (s[*i] == '\r') {
        int rc = tf__buf_putc(out, '\n');
        if (*i + 1 < len && s[*i + 1] == '\n')
            (*i)++;
        else if (*i + 1 == len)
            ctx->cr_pending = 1; /* a LF opening the next segment belongs to this CR */
        (*i)++;
        return rc;
    }
    return 0;
}

int tf__cleanup_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos)
{
    const unsigned char *s = (const unsigned char *)src;
    if (!needs_cleanup(ctx, s, len, pos)) {
        ctx->cr_pending = 0;
        return 1; /* unchanged */
    }
    size_t i = 0;
    int lf = ctx->newlines == TF_NEWLINES_LF;
    if (lf && ctx->cr_pending && len && s[0] == '\n')
        i = 1;
    ctx->cr_pending = 0;
    if (pos->in_base == 0 && len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        if (drop(ctx, src, 0, 3, out, pos, "bom", "a byte-order mark is not text"))
            return TF_E_NOMEM;
        i = 3;
    }
    while (i < len) {
        size_t start = i;
        while (i < len && !(s[i] < 0x20 || s[i] == 0x7F))
            i++;
        while (i < len && (s[i] == '\t' || s[i] == '\n' || s[i] == '\f' || (s[i] == '\r' && !lf)))
            i++;
        if (i > start && tf__buf_append(out, s + start, i - start))
            return TF_E_NOMEM;
        if (i >= len)
            break;
        if (s[i] == '\r') {
            if (newline(ctx, s, len, &i, out))
                return TF_E_NOMEM;
            continue;
        }
        if (!(s[i] < 0x20 || s[i] == 0x7F))
            continue;
        if (ctx->keep_controls) {
            if (tf__buf_putc(out, s[i++]))
                return TF_E_NOMEM;
            continue;
        }
        size_t n = s[i] == 0x1B ? escape_len(s + i, len - i) : 1;
        int rc = n > 1 ? drop(ctx, src, i, n, out, pos, "terminal-escape",
                              "a terminal escape sequence is display markup, not text")
                       : drop(ctx, src, i, 1, out, pos, "control-character",
                              "a control character is not text");
        if (rc)
            return rc;
        i += n;
    }
    return 0;
}
