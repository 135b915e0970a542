/* resync.c - realigns multibyte runs that were decoded out of step.
 *
 * When one byte of a GBK (or Big5, Shift_JIS) stream is lost, every following byte pair is
 * read across a character boundary until the decoder falls back in step: `大美青海客戶端訊 `
 * became `大美青?蛻舳擞 ` (the lead byte of 海 was lost, so its trail byte A3 paired with the
 * next lead and made a fullwidth `？` that NFKC later flattened to `?`; the lone trail byte of
 * 訊 was dropped before the space). Such a run is mostly ordinary characters, each an unlikely
 * one in its place.
 *
 * This file finds where a run may be, cheaply: clean text must cost next to nothing, so one
 * pass looks at each Han character's unigram cost (a misaligned pair lands on a character
 * chosen nearly at random, most of them rare) and at the marks a run leaves (ASCII glued
 * inside CJK text, U+FFFD). resync_search.c then tries the realignments around each such
 * place and keeps one only when the model prefers it by a clear margin. */
#define _GNU_SOURCE /* memmem */
#include "internal.h"
#include "model.h"
#include "resync.h"

#include <stdlib.h>
#include <string.h>

#define RECENT_MAX (4u * 1024u) /* CJK text remembered for the document cache */
#define MAX_SEARCHES 16 /* per segment: damage is rare, runaway searches are not */
/* The suspicion a Han character adds is its unigram cost above RARE_DRIFT (in 1/8 nat, as
 * the model's table); a search starts where the sum over a stretch passes RARE_TRIGGER. Clean
 * Chinese averages about 5.5 nats a character, misaligned pairs 10 and more. */
#define RARE_DRIFT (9 * 8)
#define RARE_TRIGGER (5 * 8)
#define ODD_CHAR (8 * 8) /* a non-Han character no CJK text has between Han (Greek, PUA...) */

/* The state the stage keeps with the context: nothing since the codec tables are generated
 * (iconv handles were kept here). context.c still frees it. */
/* ---- small helpers ------------------------------------------------------------------- */

static size_t next_char(const char *s, size_t len, size_t i)
{
    uint32_t c;
    return i + tf__utf8_next((const unsigned char *)s + i, len - i, &c);
}

static int is_cjk(uint32_t c)
{
    return tf__is_han(c) || tf__is_kana(c) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFF01 && c <= 0xFF5E) || c == 0x2018 || c == 0x2019 || c == 0x201C || c == 0x201D;
}

/* ---- finding damage ------------------------------------------------------------------ */

static int is_letter(unsigned b)
{
    return (b | 0x20) >= 'a' && (b | 0x20) <= 'z';
}

/* A lone ASCII letter between CJK characters (or after a flattened fullwidth pair), where a
 * run shows itself: a trail byte 0x40-0x7E read on its own (`奎h建`, `マCク`, `興?h公`). NFKC'd text has ASCII punctuation between
 * Han everywhere, so a flattened fullwidth pair is found by the rare characters around it. */
static int is_anomaly(const char *s, size_t len, size_t i)
{
    uint32_t c = (unsigned char)s[i];
    size_t p = tf__utf8_prev(s, i);
    uint32_t before = i > 0 ? tf__utf8_at(s, len, p) : 0;
    if (before > 0x20 && before < 0x7F && !is_letter(before) && p > 0) /* `興?h公`: a flattened fullwidth pair before the letter */
        before = tf__utf8_at(s, len, tf__utf8_prev(s, p));
    if (!tf__is_han(before) && !tf__is_kana(before))
        return 0;
    uint32_t after = i + 1 < len ? tf__utf8_at(s, len, i + 1) : 0;
    return is_letter(c) && is_cjk(after) &&
           after < 0xFF01; /* not `Ｘ`: fullwidth letters are words */
}

/* A katakana character alone between other characters: in Shift_JIS a trail byte A1-DF read
 * on its own is a halfwidth katakana, which NFKC made fullwidth (`カーネルフ権限`). */
static int lone_katakana(const char *s, size_t len, size_t i, uint32_t c)
{
    if (c < 0x30A1 || c > 0x30FA)
        return 0;
    uint32_t before = i > 0 ? tf__utf8_at(s, len, tf__utf8_prev(s, i)) : 0;
    uint32_t after = i + 3 < len ? tf__utf8_at(s, len, i + 3) : 0;
    int kb = before >= 0x30A1 && before <= 0x30FC, ka = after >= 0x30A1 && after <= 0x30FC;
    return !kb && !ka && (tf__is_han(before) || tf__is_kana(before)) &&
           (tf__is_han(after) || tf__is_kana(after));
}

/* Suspicion a non-Han, non-ASCII character adds, or -1 when it is damage for sure. */
static int other_char(const char *s, size_t len, size_t i, uint32_t c)
{
    if (c == 0xFFFD)
        return -1;
    if (tf__is_kana(c))
        return lone_katakana(s, len, i, c) ? -1 : 0;
    if (is_cjk(c) || (c >= 0x2000 && c <= 0x206F) || (c >= 0x2500 && c <= 0x25FF) || c == 0xB7)
        return 0; /* punctuation, box drawing and shapes: tables and lists in CJK text */
    if (tf__is_han(c) || (c >= 0xE000 && c <= 0xF8FF) || c >= 0x10000)
        return ODD_CHAR; /* Extension A and beyond, private use: rare in running text */
    return ODD_CHAR / 2;
}

/* The first non-ASCII byte from i on (or len), eight bytes at a time: most of most text. */
static size_t skip_ascii(const unsigned char *u, size_t len, size_t i)
{
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, u + i, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    while (i < len && u[i] < 0x80)
        i++;
    return i;
}

/* Whether s[i] is a flattened mark (! ? ; :) ending the line right after CJK while a 【 or
 * 「 opened earlier in the line is still open: a title cut by a lost byte, whose closing
 * bracket's lead merged into the mark NFKC then flattened. Clean text closes its brackets. */
static int mark_closing_nothing(const char *s, size_t len, size_t from, size_t i)
{
    unsigned char b = (unsigned char)s[i];
    if (!(b == '!' || b == '?' || b == ';' || b == ':'))
        return 0;
    if (i + 1 < len && s[i + 1] != '\n' && s[i + 1] != '\r')
        return 0;
    int open = 0;
    for (size_t k = from; k + 3 <= i; k++) {
        if (!memcmp(s + k, "\xE3\x80\x90", 3) || !memcmp(s + k, "\xE3\x80\x8C", 3))
            open++; /* 【 「 */
        else if (open && (!memcmp(s + k, "\xE3\x80\x91", 3) || !memcmp(s + k, "\xE3\x80\x8D", 3)))
            open--; /* 】 」 */
    }
    return open > 0;
}

/* The offset of the first place from `from` on where a misaligned run may be, or len; *cjk is
 * set when CJK text was seen (it is worth remembering for the document cache). The
 * suspicion accumulated over a stretch of CJK characters is reset by ASCII, which ends every
 * misaligned run. */
static size_t next_suspect(const char *s, size_t len, size_t from, int *cjk)
{
    const unsigned char *u = (const unsigned char *)s;
    int acc = 0, after_cjk = 0;
    size_t i = from;
    while (i < len) {
        unsigned b = u[i];
        if (b < 0x80) {
            if (after_cjk && mark_closing_nothing(s, len, from, i))
                return i; /* `【平安青!` at a line end: the ! was a shifted 海 and 】's lead */
            size_t l = after_cjk && !is_letter(b) && i + 1 < len ? i + 1 : i; /* `興?h` */
            if (after_cjk && is_letter(u[l]) && is_anomaly(s, len, l))
                return l;
            acc = after_cjk = 0;
            i = skip_ascii(u, len, i + 1);
            continue;
        }
        if (b >= 0xE4 && b <= 0xE9 && i + 2 < len) { /* U+4E00..U+9FFF: the table */
            /* A tight loop over the run of ideographs: most of CJK text, one table read and
             * a clamped sum a character. */
            do {
                uint32_t cp = (u[i] & 0xFu) << 12 | (u[i + 1] & 0x3Fu) << 6 | (u[i + 2] & 0x3Fu);
                acc += (int)tf__model_han_cost[cp - 0x4E00] - RARE_DRIFT;
                acc = acc < 0 ? 0 : acc;
                if (acc > RARE_TRIGGER)
                    return i;
                i += 3;
            } while (i + 2 < len && u[i] >= 0xE4 && u[i] <= 0xE9);
            after_cjk = *cjk = 1;
            continue;
        }
        if ((b == 0xE3 && i + 1 < len && u[i + 1] == 0x80) ||
            (b == 0xEF && i + 1 < len && (u[i + 1] == 0xBC || u[i + 1] == 0xBD))) {
            after_cjk = *cjk = 1; /* CJK and fullwidth punctuation: the commonest non-Han */
            i += 3;
            continue;
        }
        uint32_t c;
        size_t n = tf__utf8_next(u + i, len - i, &c);
        int add = other_char(s, len, i, c);
        if (add < 0)
            return i;
        acc += add;
        if (acc > RARE_TRIGGER && after_cjk)
            return i;
        after_cjk = is_cjk(c);
        *cjk |= after_cjk;
        i += n;
    }
    return len;
}

static int emit(tf_ctx *ctx, const char *s, const tf__resync_fix *fix, size_t *copied,
                tf__buf *out, tf__pos *pos)
{
    if (tf__buf_append(out, s + *copied, fix->start - *copied))
        return TF_E_NOMEM;
    size_t out_at = out->len;
    if (tf__buf_append(out, fix->text.data, fix->text.len))
        return TF_E_NOMEM;
    tf__change ch = {
        .stage = TF_STAGE_RESYNC, .rule = fix->rule,
        .in_offset = pos->in_base + fix->start, .in_length = fix->end - fix->start,
        .out_offset = pos->out_base + out_at, .out_length = fix->text.len,
        .before = s + fix->start, .before_len = fix->end - fix->start,
        .after = fix->text.data, .after_len = fix->text.len,
        .explanation = "a lost byte had shifted the multibyte decoding; realigned, and the lost "
                       "character restored by the model (U+FFFD where it was unsure)",
        .confidence = fix->confidence,
    };
    ctx->totals.repairs++;
    *copied = fix->end;
    return tf__report_add(ctx, &ch) ? TF_E_NOMEM : 0;
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

/* Whether a suspect place is worth a search. A rare character the document has used before
 * (it is in the recent text) is its vocabulary, not damage. A lone letter in Simplified text
 * is an abbreviation (`C函数`): GB2312 has no trail byte that reads as ASCII. */
static int worth_search(const tf_ctx *ctx, const char *s, size_t len, size_t a)
{
    if ((unsigned char)s[a] < 0x80)
        return tf__resync_script(s, len) != 1;
    size_t n = next_char(s, len, a) - a;
    return !(ctx->recent.len && memmem(ctx->recent.data, ctx->recent.len, s + a, n));
}

/* Each suspect place is searched; a run found is replaced and the scan goes on after it. */
static int resync_scan(tf_ctx *ctx, const char *src, size_t len, size_t a, tf__buf *out,
                       tf__pos *pos, int *changed)
{
    tf__resync_fix fix = {0};
    tf__buf_init(&fix.text, 1 << 16);
    size_t copied = 0;
    int rc = 0, cjk = 0;
    for (int k = 0; k < MAX_SEARCHES && a < len && rc == 0; k++) {
        if (!worth_search(ctx, src, len, a)) {
            fix.found = 0;
        } else if (tf__resync_search(ctx, src, len, copied, a, &fix)) {
            rc = TF_E_NOMEM;
        }
        if (rc == 0 && fix.found) {
            rc = emit(ctx, src, &fix, &copied, out, pos);
            *changed = 1;
            a = next_suspect(src, len, fix.end, &cjk);
        } else if (rc == 0) {
            a = next_suspect(src, len, next_char(src, len, a), &cjk);
        }
    }
    if (rc == 0 && *changed && tf__buf_append(out, src + copied, len - copied))
        rc = TF_E_NOMEM;
    tf__buf_free(&fix.text);
    return rc;
}

int tf__resync_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos)
{
    int changed = 0, rc = 0, cjk = 0;
    size_t a = next_suspect(src, len, 0, &cjk);
    if (a < len)
        rc = resync_scan(ctx, src, len, a, out, pos, &changed);
    if (rc == 0 && (cjk || a < len))
        remember(ctx, changed ? out->data : src, changed ? out->len : len);
    if (rc)
        return rc;
    return changed ? 0 : 1;
}
