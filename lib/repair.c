/* repair.c - the mojibake repair stage: its entry point, per-context state and report.
 *
 * Mojibake is text whose bytes were decoded with the wrong codec. It is undone by encoding
 * the text back with the wrong codec and decoding the bytes with the right one, when that
 * round trip is lossless (or its losses can be named) and the result is clearly better text.
 * The passes (repair_latin.c, repair_cjk.c) find the runs worth repairing and record them as
 * edits of the segment; this file applies the edits, reports them, and keeps the clean path
 * cheap: a segment without any character mojibake is made of is copied as it is. */
#include "repair.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- per-context state --------------------------------------------------------------- */

tf__repair_state *tf__repair_state_get(tf_ctx *ctx)
{
    if (!ctx->repair) {
        tf__repair_state *st = calloc(1, sizeof *st);
        if (!st)
            return NULL;
        tf__latin_state_init(st);
        ctx->repair = st;
    }
    return ctx->repair;
}

void tf__repair_free(struct tf__repair_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_ic; i++)
        iconv_close(st->ic[i].cd);
    tf__cjk_state_free(st);
    free(st->rules);
    tf__buf_free(&st->conv);
    free(st);
}

/* A cached handle, so repeated candidates do not pay for iconv_open. The names are static
 * strings, compared by pointer first. */
static iconv_t cached_cd(tf__repair_state *st, const char *to, const char *from)
{
    for (size_t i = 0; i < st->n_ic; i++)
        if ((st->ic[i].to == to || strcmp(st->ic[i].to, to) == 0) &&
            (st->ic[i].from == from || strcmp(st->ic[i].from, from) == 0)) {
            iconv(st->ic[i].cd, NULL, NULL, NULL, NULL); /* back to the initial state */
            return st->ic[i].cd;
        }
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1)
        return cd;
    if (st->n_ic == TF__ICONV_CACHE) { /* full: drop the oldest */
        iconv_close(st->ic[0].cd);
        memmove(&st->ic[0], &st->ic[1], sizeof st->ic[0] * (TF__ICONV_CACHE - 1));
        st->n_ic--;
    }
    st->ic[st->n_ic].to = to;
    st->ic[st->n_ic].from = from;
    st->ic[st->n_ic].cd = cd;
    st->n_ic++;
    return cd;
}

int tf__repair_iconv(tf__repair_state *st, const char *to, const char *from, const char *src,
                     size_t n, tf__buf *out)
{
    iconv_t cd = cached_cd(st, to, from);
    if (cd == (iconv_t)-1)
        return -1;
    tf__buf_clear(out);
    size_t room = n * 4 + 16;
    if (tf__buf_reserve(out, room))
        return -1;
    char *ip = (char *)src, *op = out->data;
    size_t il = n, ol = room;
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
        return -1;
    out->len = (size_t)(op - out->data);
    out->data[out->len] = 0;
    return 0;
}

/* ---- edits --------------------------------------------------------------------------- */

int tf__edits_add(tf__edits *e, size_t start, size_t end, const char *text, size_t text_len,
                  const char *rule, const char *explanation, double confidence)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        tf__edit *v = realloc(e->v, cap * sizeof *v);
        if (!v)
            return -1;
        e->v = v;
        e->cap = cap;
    }
    tf__edit *ed = &e->v[e->n];
    ed->start = start;
    ed->end = end;
    ed->text_off = e->text.len;
    ed->text_len = text_len;
    snprintf(ed->rule, sizeof ed->rule, "%s", rule);
    ed->explanation = explanation;
    ed->confidence = confidence;
    if (tf__buf_append(&e->text, text, text_len))
        return -1;
    e->n++;
    return 0;
}

static int edit_cmp(const void *a, const void *b)
{
    const tf__edit *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Whether s[start..end) is already covered by an edit. */
int tf__edits_overlap(const tf__edits *e, size_t start, size_t end)
{
    for (size_t i = 0; i < e->n; i++)
        if (start < e->v[i].end && e->v[i].start < end)
            return 1;
    return 0;
}

/* ---- report -------------------------------------------------------------------------- */

#define MAX_RULES 256 /* codec chains are few; past this, a generic rule name is used */

/* Report items keep a pointer to their rule, so each rule string lives in the state. */
static const char *intern_rule(tf__repair_state *st, const char *rule)
{
    for (size_t i = 0; i < st->n_rules; i++)
        if (strcmp(st->rules[i], rule) == 0)
            return st->rules[i];
    if (!st->rules && !(st->rules = calloc(MAX_RULES, sizeof *st->rules)))
        return "mojibake";
    if (st->n_rules == MAX_RULES)
        return "mojibake";
    snprintf(st->rules[st->n_rules], sizeof st->rules[0], "%s", rule);
    return st->rules[st->n_rules++];
}

/* A U+FFFD in a repair's output stands for a character whose bytes were lost before the
 * text reached us; the repair cannot bring it back, so it says so in an item of its own. */
/* Where an edit sits in the stage's input (see layer2_in_len). */
static uint64_t in_offset(const tf_ctx *ctx, const tf__pos *pos, const tf__edit *ed)
{
    return pos->in_base + (ctx->repair->layer2_in_len ? 0 : ed->start);
}

static uint64_t in_length(const tf_ctx *ctx, const tf__edit *ed)
{
    size_t whole = ctx->repair->layer2_in_len;
    return whole ? whole : ed->end - ed->start;
}

static int report_lost(tf_ctx *ctx, const char *src, const tf__edit *ed, const char *text,
                       tf__pos *pos, size_t out_at)
{
    size_t n = 0;
    for (size_t i = 0; i + 3 <= ed->text_len; i++)
        if (memcmp(text + i, "\xEF\xBF\xBD", 3) == 0)
            n++;
    if (n == 0)
        return 0;
    tf__change ch = {
        .stage = TF_STAGE_REPAIR, .rule = "lost",
        .in_offset = in_offset(ctx, pos, ed), .in_length = in_length(ctx, ed),
        .out_offset = pos->out_base + out_at, .out_length = ed->text_len,
        .before = src + ed->start, .before_len = ed->end - ed->start,
        .after = text, .after_len = ed->text_len,
        .explanation = n == 1 ? "a character's bytes were lost before this text was "
                                "decoded; it is marked with U+FFFD, not guessed"
                              : "characters' bytes were lost before this text was decoded; "
                                "they are marked with U+FFFD, not guessed",
        .confidence = 1.0,
    };
    return tf__report_add(ctx, &ch);
}

static int report_edit(tf_ctx *ctx, const char *src, const tf__edit *ed, const char *text,
                       tf__pos *pos, size_t out_at)
{
    int is_lost = strcmp(ed->rule, "lost") == 0;
    if (!is_lost) {
        tf__change ch = {
            .stage = TF_STAGE_REPAIR, .rule = intern_rule(ctx->repair, ed->rule),
            .in_offset = in_offset(ctx, pos, ed), .in_length = in_length(ctx, ed),
            .out_offset = pos->out_base + out_at, .out_length = ed->text_len,
            .before = src + ed->start, .before_len = ed->end - ed->start,
            .after = text, .after_len = ed->text_len,
            .explanation = ed->explanation, .confidence = ed->confidence,
        };
        if (tf__report_add(ctx, &ch))
            return -1;
        ctx->totals.repairs++;
    }
    return report_lost(ctx, src, ed, text, pos, out_at);
}

/* Appends src with the edits applied, reporting each. */
static int apply_edits(tf_ctx *ctx, const char *src, size_t len, tf__edits *ed, tf__buf *out,
                       tf__pos *pos)
{
    if (ed->n > 1) /* qsort's pointer may not be NULL, even for no elements */
        qsort(ed->v, ed->n, sizeof *ed->v, edit_cmp);
    size_t at = 0, base = out->len;
    for (size_t i = 0; i < ed->n; i++) {
        const tf__edit *e = &ed->v[i];
        const char *text = ed->text.data + e->text_off;
        if (tf__buf_append(out, src + at, e->start - at))
            return TF_E_NOMEM;
        size_t out_at = out->len - base;
        if (tf__buf_append(out, text, e->text_len))
            return TF_E_NOMEM;
        if (report_edit(ctx, src, e, text, pos, out_at))
            return TF_E_NOMEM;
        at = e->end;
    }
    return tf__buf_append(out, src + at, len - at) ? TF_E_NOMEM : 0;
}

/* ---- the stage ----------------------------------------------------------------------- */

/* Pure ASCII is the common clean case; it is checked eight bytes at a time. CJK text has a
 * high byte within its first few bytes, so the check stops at the first one rather than
 * reading the whole segment. */
static int is_ascii(const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull)
            return 0;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/* Whether the edits cover every non-ASCII character of s: nothing is left for a pass. The
 * edits keep their order (the whole-stretch pass counts on it), so the next one is searched. */
static int covered(const char *s, size_t len, const tf__edits *ed)
{
    if (ed->n == 0)
        return 0;
    for (size_t at = 0;;) {
        const tf__edit *next = NULL;
        for (size_t i = 0; i < ed->n; i++)
            if (ed->v[i].start >= at && (!next || ed->v[i].start < next->start))
                next = &ed->v[i];
        size_t stop = next ? next->start : len;
        if (!is_ascii(s + at, stop - at))
            return 0;
        if (!next)
            return 1;
        at = next->end;
    }
}

/* One pass of every repair over the segment: 1 when nothing changed. */
static int one_pass(tf_ctx *ctx, tf__repair_state *st, const char *src, size_t len, tf__buf *out,
                    tf__pos *pos)
{
    int cjk, dbcs, latin, latin1;
    if (tf__repair_scan(st, src, len, &cjk, &dbcs, &latin, &latin1))
        return TF_E_NOMEM;
    tf__edits ed = {0};
    tf__buf_init(&ed.text, 0);
    if (!latin && !cjk && !dbcs && !latin1) {
        /* Nothing the windowed passes would look at; a lone mark is cheap to rule out (the
         * first two non-ASCII characters in a row end it). */
        int rc = tf__repair_lone(st, src, len, &ed) ? TF_E_NOMEM : 0;
        rc = rc ? rc : ed.n ? apply_edits(ctx, src, len, &ed, out, pos) : 1;
        free(ed.v);
        tf__buf_free(&ed.text);
        return rc;
    }
    /* Whole stretches read as UTF-8 first: what they explain needs no windowed pass. Then the
     * latin pass, the double-byte readings of windows-1252 stretches (against the latin
     * pass's result), and the CJK and double-byte windows for what is left. */
    int rc = tf__repair_whole(st, src, len, &ed, (size_t)-1) ? TF_E_NOMEM : 0;
    size_t first = ed.n;
    if (rc == 0 && latin && !covered(src, len, &ed) && tf__repair_latin(st, src, len, &ed))
        rc = TF_E_NOMEM;
    if (rc == 0 && !covered(src, len, &ed) && tf__repair_whole(st, src, len, &ed, first))
        rc = TF_E_NOMEM;
    if (rc == 0 && cjk && !covered(src, len, &ed) && tf__repair_cjk(st, src, len, &ed))
        rc = TF_E_NOMEM;
    if (rc == 0 && dbcs && !covered(src, len, &ed) && tf__repair_dbcs(st, src, len, &ed))
        rc = TF_E_NOMEM;
    if (rc == 0 && ed.n == 0 && tf__repair_lone(st, src, len, &ed))
        rc = TF_E_NOMEM;
    if (rc == 0 && ed.n == 0)
        rc = 1;
    else if (rc == 0)
        rc = apply_edits(ctx, src, len, &ed, out, pos);
    free(ed.v);
    tf__buf_free(&ed.text);
    return rc;
}

int tf__repair_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos)
{
    if (is_ascii(src, len))
        return 1;
    tf__repair_state *st = tf__repair_state_get(ctx);
    if (!st)
        return TF_E_NOMEM;
    size_t out_start = out->len;
    int rc = one_pass(ctx, st, src, len, out, pos);
    if (rc != 0)
        return rc;
    /* Text that was mojibake twice (UTF-8 read as GBK, and that read as GBK again) is still
     * mojibake after one pass: a second pass over the result undoes the outer layer too, and
     * keeps fix(fix(x)) == fix(x). Clean results cost only the cheap scans. */
    tf__buf layer, next;
    tf__buf_init(&layer, 0);
    tf__buf_init(&next, 0);
    if (tf__buf_append(&layer, out->data + out_start, out->len - out_start)) {
        rc = TF_E_NOMEM;
    } else if (!is_ascii(layer.data, layer.len)) {
        st->layer2_in_len = len;
        int rc2 = one_pass(ctx, st, layer.data, layer.len, &next, pos);
        st->layer2_in_len = 0;
        if (rc2 < 0)
            rc = rc2;
        else if (rc2 == 0) {
            out->len = out_start;
            if (tf__buf_append(out, next.data, next.len))
                rc = TF_E_NOMEM;
        }
    }
    tf__buf_free(&layer);
    tf__buf_free(&next);
    return rc;
}
