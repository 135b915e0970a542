/* zh.c - Simplified/Traditional Chinese conversion with OpenCC 1.1.6's semantics, from our own
 * tables (lib/tables/zh_*.c, generated from Debian's OpenCC data).
 *
 * What OpenCC does, and so what this does, for one configuration:
 *  1. Segmentation: forward maximum matching on the segmentation dictionary. At each position
 *     the longest key that is a prefix of the rest of the text becomes a segment of its own;
 *     characters where no key matches are gathered into one segment per unmatched run.
 *  2. Each stage of the conversion chain in turn converts every segment on its own, by
 *     forward maximum matching inside the segment: at each position the first dictionary of
 *     the stage's group that has any match supplies its longest match, whose first candidate
 *     replaces it; a character with no match is kept.
 *
 * A character that appears in no key of any of the configuration's dictionaries (the bitmap
 * `keyed` says which may) can never be inside any match at any stage, so cutting an unmatched
 * run around it changes nothing. Such "inert" characters (ASCII, newlines, most punctuation)
 * are copied straight through; this keeps runs short and is what lets a chunked conversion
 * stop early at a point that no later byte can influence.
 *
 * Streaming (final == 0): a segmentation decision is made only when the longest key could not
 * reach past the chunk (or an inert byte bounds it), and an unmatched run still open at the
 * stop is converted only up to its last character before which no stage can match across
 * (tf__zh_conv.phrase). The rest is returned to the caller, so any chunking gives the output
 * of one call over the whole text. No state lives between calls: the tables are const and
 * the scratch buffers belong to the call, so threads may convert in parallel freely. */
#include "zh.h"

#include "internal.h"

#include <string.h>

/* Appends n bytes; the inline test avoids a call per character in the common case. */
static inline void put(tf__buf *b, const void *src, size_t n)
{
    if (b->data && b->len + n < b->cap && b->len + n <= b->limit) {
        memcpy(b->data + b->len, src, n);
        b->len += n;
        b->data[b->len] = 0;
    } else {
        tf__buf_append(b, src, n);
    }
}

/* tf__utf8_next with the two common cases first: ASCII, and the three-byte sequences of all
 * of CJK (leads E1-EC and EE-EF take any two continuation bytes; E0 and ED need the general
 * path's range checks). Every character goes through here once per pass. */
static inline size_t next_char(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xE1 && c <= 0xEF && c != 0xED && len >= 3 && (s[1] & 0xC0) == 0x80 &&
        (s[2] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    return tf__utf8_next(s, len, cp);
}

static inline int in_bitmap(const tf__zh_bitmap *m, uint32_t cp)
{
    uint32_t w = (cp >> 6) - m->lo;
    return w < m->n && ((m->words[w] >> (cp & 63)) & 1);
}

/* Invalid bytes and code points in no key are inert. Code points beyond the BMP are not in
 * the bitmap and are treated as keyed, which is only slower, never wrong. */
static inline int keyed(const tf__zh_conv *cv, uint32_t cp)
{
    if (cp >= 0x10000)
        return cp != TF__BADCP;
    return in_bitmap(&cv->keyed, cp);
}

/* Whether an unmatched run may be cut just before cp without changing the result: no stage
 * can have a match that spans the cut (see phrase_chars() in tools/tablegen_zh.py). Beyond the
 * BMP the answer is a safe no. */
static inline int cuttable(const tf__zh_conv *cv, uint32_t cp)
{
    return cp < 0x10000 && !in_bitmap(&cv->phrase, cp);
}

/* The child of node labelled cp, or 0 (the root is never anyone's child). The search is
 * branch-free: which half holds cp is unpredictable, and a conditional move beats a
 * mispredicted branch at every level. */
static inline uint32_t child(const tf__zh_dict *d, uint32_t node, uint32_t cp)
{
    uint32_t lo = d->first[node], n = d->first[node + 1] - lo;
    if (!n)
        return 0;
    const uint32_t *base = d->labels + lo;
    while (n > 1) {
        uint32_t half = n / 2;
        base = base[half] <= cp ? base + half : base;
        n -= half;
    }
    return *base == cp ? (uint32_t)(base - d->labels) : 0;
}

/* Bits set in x. Written out because the builtin becomes a library call on baseline x86-64
 * (no -mpopcnt), which costs more than these few operations. */
static inline uint32_t popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555u);
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
    return (uint32_t)((x * 0x0101010101010101u) >> 56);
}

/* The root's child for cp: a bit test and a popcount for the BMP, where nearly all text is;
 * most characters of a text start no key at all, and this rejects them at once. */
static inline uint32_t root_child(const tf__zh_dict *d, uint32_t cp)
{
    if (cp >= 0x10000)
        return child(d, 0, cp);
    uint32_t w = (cp >> 6) - d->root_lo;
    if (w >= d->root_nwords)
        return 0;
    uint64_t bits = d->root_bits[w], bit = (uint64_t)1 << (cp & 63);
    if (!(bits & bit))
        return 0;
    return 1 + d->root_rank[w] + popcount64(bits & (bit - 1));
}

/* Length in bytes of the longest key of d that is a prefix of s[0..len), 0 if none; *val gets
 * its value. Like OpenCC's DartsDict::MatchPrefix, bounded by the text's end. The caller has
 * decoded the first character (cp, n bytes): the first step is the one that fails for most
 * characters, so it stays cheap and inline, and the walk goes on only for a possible key. */
static size_t dict_walk(const tf__zh_dict *d, uint32_t node, const unsigned char *s, size_t i,
                        size_t len, uint32_t *val)
{
    if (len > d->maxlen)
        len = d->maxlen;
    size_t best = 0;
    for (;;) {
        if (d->values[node] != TF__ZH_NONE) {
            best = i;
            *val = d->values[node];
        }
        uint32_t cp;
        if (i >= len || d->first[node] == d->first[node + 1])
            break;
        size_t n = next_char(s + i, len - i, &cp);
        if (cp == TF__BADCP || !(node = child(d, node, cp)))
            break;
        i += n;
    }
    return best;
}

static inline size_t dict_match(const tf__zh_dict *d, uint32_t cp, size_t n,
                                const unsigned char *s, size_t len, uint32_t *val)
{
    uint32_t node = cp == TF__BADCP ? 0 : root_child(d, cp);
    return node ? dict_walk(d, node, s, n, len, val) : 0;
}

/* OpenCC's DictGroup::MatchPrefix: the first dictionary with any match decides. */
static inline size_t group_match(const tf__zh_group *g, uint32_t cp, size_t n,
                                 const unsigned char *s, size_t len, uint32_t *val,
                                 const tf__zh_dict **which)
{
    for (unsigned k = 0; k < g->n; k++) {
        size_t m = dict_match(g->dicts[k], cp, n, s, len, val);
        if (m) {
            *which = g->dicts[k];
            return m;
        }
    }
    return 0;
}

static void put_value(tf__buf *out, const tf__zh_dict *d, uint32_t val, const unsigned char *key,
                      size_t keylen)
{
    if (val == TF__ZH_SAME)
        put(out, key, keylen);
    else
        put(out, d->pool + (val >> 8), val & 0xFF);
}

/* One stage over one segment: forward maximum matching inside s[0..len). Unmatched stretches
 * are copied in one piece. Returns 0, having written nothing, when nothing matched: most
 * segments pass most stages unchanged, and the caller then keeps the text it has. */
static int stage_apply(const tf__zh_group *g, const unsigned char *s, size_t len, tf__buf *out)
{
    size_t i = 0, copied = 0;
    int any = 0;
    while (i < len) {
        uint32_t val, cp;
        const tf__zh_dict *d = NULL;
        size_t n = next_char(s + i, len - i, &cp);
        size_t m = group_match(g, cp, n, s + i, len - i, &val, &d);
        if (!m) {
            i += n;
            continue;
        }
        put(out, s + copied, i - copied);
        put_value(out, d, val, s + i, m);
        i += m;
        copied = i;
        any = 1;
    }
    if (any)
        put(out, s + copied, len - copied);
    return any;
}

/* Length of the character at s, from its lead byte alone: for text already known to be
 * valid UTF-8 (segments hold no invalid bytes; those are inert). */
static inline size_t char_len(unsigned c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Characters that differ between the segment and its conversion, position by position. */
static uint64_t count_changed(const unsigned char *a, size_t alen, const unsigned char *b,
                              size_t blen)
{
    if (alen == blen && memcmp(a, b, alen) == 0)
        return 0;
    uint64_t n = 0;
    size_t i = 0, j = 0;
    while (i < alen && j < blen) {
        size_t la = char_len(a[i]), lb = char_len(b[j]);
        n += la != lb || memcmp(a + i, b + j, la) != 0;
        i += la;
        j += lb;
    }
    for (; i < alen; i += char_len(a[i]))
        n++;
    for (; j < blen; j += char_len(b[j]))
        n++;
    return n;
}

/* Scratch for the stages between the first and the last; owned by one tf__zh_convert call, so
 * the engine keeps no state between calls and threads never share it. */
typedef struct {
    tf__buf tmp[2];
    tf__buf *out;
    uint64_t changed;
} zh_run;

/* Runs every stage of the chain over one segment and appends the result. key_val is the
 * segmentation dictionary's value when the segment is one of its keys, TF__ZH_NONE for an
 * unmatched run.
 * When the first stage's group starts with the segmentation dictionary (s2t, t2s, ...), its
 * work is already known: on a key segment that dictionary's longest match is the whole
 * segment, and inside an unmatched run it matches nowhere (every position of the run was
 * tried during segmentation, with at least as much text). */
static void convert_segment(const tf__zh_conv *cv, const unsigned char *s, size_t len,
                            uint32_t key_val, zh_run *r)
{
    if (!len)
        return;
    size_t start = r->out->len;
    const unsigned char *cur = s;
    size_t cur_len = len;
    for (unsigned k = 0; k < cv->nstages; k++) {
        /* The last stage writes straight to the output; the others to whichever scratch
         * buffer does not hold the current text. */
        int last = k + 1 == cv->nstages;
        tf__buf *dst = last ? r->out
                            : cur == (const unsigned char *)r->tmp[0].data ? &r->tmp[1] : &r->tmp[0];
        if (!last)
            tf__buf_clear(dst);
        const tf__zh_group *g = &cv->stages[k];
        int wrote;
        if (k == 0 && g->dicts[0] == cv->seg) {
            tf__zh_group rest = {g->dicts + 1, g->n - 1};
            wrote = key_val != TF__ZH_NONE;
            if (wrote)
                put_value(dst, cv->seg, key_val, s, len);
            else
                wrote = stage_apply(&rest, s, len, dst);
        } else {
            wrote = stage_apply(g, cur, cur_len, dst);
        }
        if (dst->failed)
            return;
        if (last && !wrote)
            put(dst, cur, cur_len);
        else if (wrote) {
            cur = (const unsigned char *)dst->data;
            cur_len = dst->len;
        }
    }
    r->changed += count_changed(s, len, (const unsigned char *)r->out->data + start,
                                r->out->len - start);
}

/* Length of the stretch of inert characters at s[0..len). */
static size_t inert_span(const tf__zh_conv *cv, const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = next_char(s + i, len - i, &cp);
        if (keyed(cv, cp))
            break;
        i += n;
    }
    return i;
}

/* Non-final conversion stopped at pos inside an unmatched run begun at run. The run may go on
 * in the next chunk, but it can still be cut before its last cuttable character: convert up
 * to there now. Without this, a long run with no phrase and no inert character (a line of
 * t2s text made only of convertible characters, say) would be held whole. Returns the new
 * start of the run. */
static size_t cut_run(const tf__zh_conv *cv, const unsigned char *s, size_t run, size_t pos,
                      size_t end, zh_run *r)
{
    size_t cut = run;
    for (size_t i = run; i <= pos && i < end;) {
        uint32_t cp;
        size_t n = next_char(s + i, end - i, &cp);
        if (i > run && cuttable(cv, cp))
            cut = i;
        i += n;
    }
    convert_segment(cv, s + run, cut - run, TF__ZH_NONE, r);
    return cut;
}

/* Where non-final conversion must start holding back: from here on a longest match could
 * reach past the chunk's end. A match never crosses an inert character, so text up to the last
 * inert ASCII byte (usually the newline a streamed line ends with) is always safe; this lets
 * a line come out as soon as it is complete. */
static size_t hold_from(const tf__zh_conv *cv, const unsigned char *s, size_t end)
{
    size_t stop = end > cv->seg->maxlen ? end - cv->seg->maxlen : 0;
    for (size_t i = end; i > stop; i--)
        if (s[i - 1] < 0x80 && !keyed(cv, s[i - 1]))
            return i;
    return stop;
}

size_t tf__zh_convert(const tf__zh_conv *cv, const char *src, size_t len, int final,
                      tf__buf *out, uint64_t *nchanged)
{
    const unsigned char *s = (const unsigned char *)src;
    /* A character cut by the chunk's end is held back rather than read as invalid bytes. */
    size_t end = final ? len : len - tf__utf8_incomplete_tail(s, len);
    zh_run r = {.out = out};
    tf__buf_init(&r.tmp[0], 0);
    tf__buf_init(&r.tmp[1], 0);
    size_t hold = final ? end : hold_from(cv, s, end);
    size_t pos = 0, run = 0; /* run: where the current unmatched run began */
    while (pos < end && !out->failed) {
        uint32_t val, cp;
        size_t n = next_char(s + pos, end - pos, &cp);
        if (!keyed(cv, cp)) {
            size_t inert = n + inert_span(cv, s + pos + n, end - pos - n);
            convert_segment(cv, s + run, pos - run, TF__ZH_NONE, &r);
            put(out, s + pos, inert);
            pos += inert;
            run = pos;
            continue;
        }
        /* Unless this is the end of the text, the longest match here must not depend on
         * bytes not yet seen: stop where a key could still reach past the chunk. */
        if (pos >= hold) {
            run = cut_run(cv, s, run, pos, end, &r);
            break;
        }
        size_t m = dict_match(cv->seg, cp, n, s + pos, end - pos, &val);
        if (!m) {
            pos += n;
            continue;
        }
        convert_segment(cv, s + run, pos - run, TF__ZH_NONE, &r);
        convert_segment(cv, s + pos, m, val, &r);
        pos += m;
        run = pos;
    }
    if (final) {
        convert_segment(cv, s + run, len - run, TF__ZH_NONE, &r);
        run = len;
    }
    /* Without final, an unmatched run still open at the stop could grow: it is left for the
     * next call, which gets it back in front of the new bytes. */
    tf__buf_free(&r.tmp[0]);
    tf__buf_free(&r.tmp[1]);
    if (nchanged)
        *nchanged += r.changed;
    return run;
}

const tf__zh_conv *tf__zh_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < tf__zh_nconfigs; i++)
        if (strcmp(tf__zh_configs[i].name, name) == 0)
            return &tf__zh_configs[i];
    return NULL;
}

const char *tf__zh_name(const tf__zh_conv *cv) { return cv ? cv->name : ""; }

int tf_ctx_set_conversion(tf_ctx *ctx, const char *name)
{
    if (!ctx)
        return TF_E_INVALID_ARGUMENT;
    if (ctx->in_stream)
        return tf__fail(ctx, TF_E_STATE, "the conversion cannot change while a stream is in progress");
    if (!name || !*name) {
        ctx->zh = NULL;
        return TF_OK;
    }
    const tf__zh_conv *cv = tf__zh_find(name);
    if (!cv)
        return tf__fail(ctx, TF_E_UNKNOWN_CONVERSION, "unknown Chinese conversion '%s'", name);
    ctx->zh = cv;
    ctx->stages |= TF_STAGE_ZH;
    return TF_OK;
}
