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

#define RECENT_MAX (16u * 1024u) /* CJK text remembered for the document cache */
#define MAX_SEARCHES 16 /* per segment: damage is rare, runaway searches are not */
/* The suspicion a Han character adds is its unigram cost above RARE_DRIFT (in 1/8 nat, as
 * the model's table); a search starts where the sum over a stretch passes RARE_TRIGGER. Clean
 * Chinese averages about 5.5 nats a character, misaligned pairs 10 and more. */
static const int CLEAN_BAR[2] = {9 * 8, 5 * 8}; /* RARE_DRIFT, RARE_TRIGGER */
/* In a document that has shown damage (resync_search.c counts runs realigned with a wide
 * margin) one rare character is enough: short runs are one garbled character. */
static const int DAMAGED_BAR[2] = {8 * 8, 3 * 8};
/* The evidence that a document is damaged (ctx->resync_sure): SURE_UNIT for each run
 * realigned with a wide margin, decaying by 1/SURE_LIFE a line of CJK text; the document
 * counts as damaged from DAMAGED_SURE on (two sure runs within a dozen lines, or a steady
 * rate of one in SURE_LIFE lines). */
#define SURE_UNIT 1024
#define SURE_LIFE 32
#define DAMAGED_SURE (3 * SURE_UNIT / 2)
#define PRIME_SEARCHES 24 /* in the first block: enough for a page, cheap on any input */
#define ODD_CHAR (8 * 8) /* a non-Han character no CJK text has between Han (Greek, PUA...) */

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

/* CJK text, or bopomofo (a Big5 run reads its A3 row now and then). */
static int is_wide_cjk(uint32_t c)
{
    return is_cjk(c) || (c >= 0x3105 && c <= 0x312F);
}

/* ---- finding damage ------------------------------------------------------------------ */

/* Whether the ASCII marks from s[i] on (after a CJK character) are a group a misaligned run
 * left: at most TF__RESYNC_GROUP_MAX marks, one of them 0x40-0x7E (a trail byte read alone:
 * `奎h建`, `ネットメ[ク`, `任韝@個`; or after a flattened fullwidth pair: `興?h公`), then a
 * CJK character. NFKC'd text has ASCII punctuation between Han everywhere, so a flattened
 * fullwidth pair alone is found by the rare characters around it. */
static int is_anomaly(const char *s, size_t len, size_t i)
{
    int trail = 0, letters = 0;
    size_t e = i;
    for (; e < len && e - i <= TF__RESYNC_GROUP_MAX && s[e] > 0x20 && s[e] < 0x7F; e++) {
        trail |= s[e] >= 0x40;
        letters += ((s[e] | 0x20) >= 'a' && (s[e] | 0x20) <= 'z');
    }
    if (!trail || e - i > TF__RESYNC_GROUP_MAX || (s[i] == '\\' && e > i + 1) ||
        (letters > 2 && letters == (int)(e - i)))
        return 0; /* nor troff's escapes `\fB`, `\c`, nor words `GNU插件` */
    /* After ideographs, kana or bopomofo (Big5 has them where a run reads its A3 row), and
     * before the same or CJK marks: not between curly quotes, which English has too (`“.so”
     * file`), nor before fullwidth letters (`Ｘ`, words). A lone letter or `@` may also end
     * the line or stand before a space (`被忽瓷C`, `膜J 核心`: 。 and 入 lost their leads);
     * brackets there close what the line opened (`[文件]`). */
    uint32_t before = i > 0 ? tf__utf8_at(s, len, tf__utf8_prev(s, i)) : 0;
    if (!tf__is_han(before) && !tf__is_kana(before) && !(before >= 0x3105 && before <= 0x312F))
        return 0;
    if (e == len || s[e] == '\n' || s[e] == '\r' || s[e] == ' ')
        return e == i + 1 && (letters == 1 || s[i] == '@');
    uint32_t after = tf__utf8_at(s, len, e);
    if (letters == 2 && letters == (int)(e - i) && !tf__is_kana(before) && !tf__is_kana(after))
        return 0; /* two letters are a word (`sh下`) but beside kana, where Shift_JIS trail
                     bytes read as letters are common */
    return tf__is_han(after) || tf__is_kana(after) || (after >= 0x3000 && after <= 0x303F);
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

#define HAN_N 0x5200u /* U+4E00..U+9FFF, the model's Han table */

/* The index in the Han table of the character at u[i] (valid UTF-8), or HAN_N or more when it
 * is not one of U+4E00..U+9FFF: one unsigned compare tells, as a lead byte below E4 or above
 * E9 (or U+4000..U+4DFF) lands outside. */
static inline uint32_t han_index(const unsigned char *u, size_t len, size_t i)
{
    if (i + 2 >= len)
        return HAN_N;
    return ((uint32_t)(u[i] - 0xE4) << 12 | (u[i + 1] & 0x3Fu) << 6 | (u[i + 2] & 0x3Fu)) - 0xE00;
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
static size_t next_suspect(const char *s, size_t len, size_t from, int *cjk, const int *bar)
{
    const int drift = bar[0], trigger = bar[1];
    const unsigned char *u = (const unsigned char *)s;
    size_t i = from;
    /* Restarted after a suspect that was not worth a search, the scan keeps its context: a
     * glued mark right after it is still glued (`刪ㄓ@個`). */
    int acc = 0, after_cjk = i > 0 && is_wide_cjk(tf__utf8_at(s, len, tf__utf8_prev(s, i)));
    while (i < len) {
        unsigned b = u[i];
        if (b < 0x80) {
            if (after_cjk && mark_closing_nothing(s, len, from, i))
                return i; /* `【平安青!` at a line end: the ! was a shifted 海 and 】's lead */
            if (after_cjk && is_anomaly(s, len, i))
                return i;
            acc = after_cjk = 0;
            i = tf__skip_ascii(u, len, i + 1);
            continue;
        }
        uint32_t k = han_index(u, len, i);
        if (k < HAN_N) {
            /* U+4E00..U+9FFF, the table's range: a tight loop over the run of ideographs,
             * most of CJK text. A common character leaves a zero sum at zero, so the sum is
             * only kept up after a rare one. */
            do {
                int c = tf__model_han_cost[k] - drift;
                if (c > 0 || acc) {
                    acc += c;
                    acc = acc < 0 ? 0 : acc;
                    if (acc > trigger)
                        return i;
                }
                i += 3;
            } while ((k = han_index(u, len, i)) < HAN_N);
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
        if (acc > trigger && after_cjk)
            return i;
        after_cjk = is_wide_cjk(c);
        *cjk |= is_cjk(c);
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
    ctx->resync_sure += fix->sure ? SURE_UNIT : 0;
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

/* Whether a suspect place is worth a search. A rare Han character the document has used before
 * (it is in the recent text) is its vocabulary, not damage. A lone letter in Simplified text
 * is an abbreviation (`C函数`): GB2312 has no trail byte that reads as ASCII. */
static int worth_search(const tf_ctx *ctx, const char *s, size_t len, size_t a, int *script)
{
    if ((unsigned char)s[a] < 0x80) {
        if (*script < 0) /* once a segment: many letters may be glued to its CJK */
            *script = tf__resync_script(s, len) == 2 ? 2 : tf__resync_japanese(s, len) ? 3 : 1;
        return *script != 1;
    }
    size_t n = next_char(s, len, a) - a;
    if (!tf__is_han(tf__utf8_at(s, len, a)))
        return 1; /* a lone katakana, U+FFFD: damage whatever the document said before */
    return !(ctx->recent.len && memmem(ctx->recent.data, ctx->recent.len, s + a, n));
}

/* Each suspect place is searched; a run found is replaced and the scan goes on after it. */
static int resync_scan(tf_ctx *ctx, const char *src, size_t len, size_t a, const int *bar,
                       tf__buf *out, tf__pos *pos, int *changed)
{
    tf__resync_fix fix = {0};
    tf__buf_init(&fix.text, 1 << 16);
    size_t copied = 0;
    int rc = 0, cjk = 0, script = -1;
    for (int k = 0; k < MAX_SEARCHES && a < len && rc == 0; k++) {
        if (!worth_search(ctx, src, len, a, &script)) {
            fix.found = 0;
        } else if (tf__resync_search(ctx, src, len, copied, a, &fix)) {
            rc = TF_E_NOMEM;
        }
        if (rc == 0 && fix.found) {
            rc = emit(ctx, src, &fix, &copied, out, pos);
            *changed = 1;
            a = next_suspect(src, len, fix.end, &cjk, bar);
        } else if (rc == 0) {
            a = next_suspect(src, len, next_char(src, len, a), &cjk, bar);
        }
    }
    if (rc == 0 && *changed && tf__buf_append(out, src + copied, len - copied))
        rc = TF_E_NOMEM;
    tf__buf_free(&fix.text);
    return rc;
}

int tf__resync_damaged(const tf_ctx *ctx)
{
    if (ctx->resync_sure >= DAMAGED_SURE)
        return 1;
    /* The first block as a whole, until the stage has passed it: sure runs that are not rare
     * among its lines (a rare classical character pair can look like a run now and then). */
    return ctx->resync_lines < ctx->resync_lines_ahead &&
           ctx->resync_sure_ahead >= DAMAGED_SURE &&
           ctx->resync_sure_ahead / SURE_UNIT * SURE_LIFE >= ctx->resync_lines_ahead;
}

/* Whether most of the line's non-ASCII characters are rare Han or not CJK at all: text the
 * repair stage mends as a whole (mojibake), where a misaligned run is a stretch in clean
 * text. */
static int garbled_throughout(const char *s, size_t len)
{
    int odd = 0, all = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &c);
        if (c < 0x80)
            continue;
        all++;
        if (c >= 0x4E00 && c <= 0x9FFF)
            odd += tf__model_han_cost[c - 0x4E00] > CLEAN_BAR[0];
        else
            odd += !is_cjk(c);
    }
    return odd * 3 > all;
}

/* Counts the sure runs and the CJK lines of the first block, a line at a time as the stage
 * will see them, changing nothing, until PRIME_SEARCHES searches are spent (mojibake the
 * repair stage will mend is full of suspects). */
void tf__resync_prime(tf_ctx *ctx, const char *text, size_t len)
{
    if (ctx->resync_primed)
        return;
    ctx->resync_primed = 1;
    tf__resync_fix fix = {0};
    tf__buf_init(&fix.text, 256);
    int searches = 0;
    for (size_t line = 0; line < len && searches < PRIME_SEARCHES;) {
        const char *nl = memchr(text + line, '\n', len - line);
        size_t end = nl ? (size_t)(nl - text) + 1 : len;
        const char *s = text + line;
        size_t n = end - line;
        int cjk = 0, script = -1;
        size_t a = next_suspect(s, n, 0, &cjk, CLEAN_BAR);
        if (a < n && garbled_throughout(s, n))
            a = n; /* mojibake for the repair stage, not a run in clean text: no evidence */
        for (; a < n && searches < PRIME_SEARCHES; searches++) {
            if (!worth_search(ctx, s, n, a, &script) || tf__resync_search(ctx, s, n, 0, a, &fix) ||
                !fix.found) {
                a = next_suspect(s, n, next_char(s, n, a), &cjk, CLEAN_BAR);
                continue;
            }
            ctx->resync_sure_ahead += fix.sure ? SURE_UNIT : 0;
            a = next_suspect(s, n, fix.end, &cjk, CLEAN_BAR);
        }
        ctx->resync_lines_ahead += cjk;
        line = end;
    }
    tf__buf_free(&fix.text);
}

int tf__resync_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos)
{
    int changed = 0, rc = 0, cjk = 0;
    const int *bar = tf__resync_damaged(ctx) ? DAMAGED_BAR : CLEAN_BAR;
    size_t a = next_suspect(src, len, 0, &cjk, bar);
    if (a < len)
        rc = resync_scan(ctx, src, len, a, bar, out, pos, &changed);
    if (rc == 0 && (cjk || a < len)) {
        remember(ctx, changed ? out->data : src, changed ? out->len : len);
        ctx->resync_sure -= ctx->resync_sure / SURE_LIFE;
        ctx->resync_lines++;
    }
    if (rc)
        return rc;
    return changed ? 0 : 1;
}
