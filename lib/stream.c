/* stream.c - the pipeline: input bytes -> detection -> decoding -> segments -> text stages ->
 * output, in bounded memory, for one-shot and streaming calls alike.
 *
 * Determinism is the rule that makes streaming equal one-shot: segments are cut only where
 * the text itself says (a line end, or a fixed length inside a longer line), never where a
 * read happened to end, and detection always looks at the same window. */
#include "decode.h"
#include "internal.h"
#include "repair.h"
#include "resync.h"
#include "punct.h"
#include "ruby.h"
#include "zh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Input is taken in slices of this size, so decoded text waiting to be cut stays small. */
#define IN_SLICE (64u * 1024u)
/* Output held for a caller who gives no room; past it, no more input is consumed. */
#define OUTQ_HIGH (1024u * 1024u)

static size_t outq_held(const tf_ctx *ctx) { return ctx->outq.len - ctx->outq_head; }

typedef int (*stage_fn)(tf_ctx *, const char *, size_t, tf__buf *, tf__pos *);

/* A stage's look at the stream's first block of decoded text, before its first segment. */
typedef void (*prime_fn)(tf_ctx *, const char *, size_t);

typedef struct {
    tf_stage stage;
    stage_fn fn;
    int index;      /* of the stage's bit: where its positions live in ctx->pos */
    prime_fn prime; /* NULL for stages that judge each segment on what came before it */
} stage_entry;

/* The text stages in pipeline order, with the index of each one's bit (asserted below).
 * Repair runs before any normalization: NFC can break the byte mapping a repair needs.
 * Conversion runs last, apart (it keeps phrase context). */
static const stage_entry STAGES[] = {
    {TF_STAGE_CLEANUP, tf__cleanup_segment, 1, NULL},
    {TF_STAGE_REPAIR, tf__repair_segment, 2, NULL},
    {TF_STAGE_RESYNC, tf__resync_segment, 3, tf__resync_prime},
    {TF_STAGE_RUBY, tf__ruby_segment, 4, NULL},
    {TF_STAGE_PUNCT, tf__punct_segment, 5, tf__punct_prime},
    {TF_STAGE_NORMALIZE, tf__normalize_segment, 6, NULL},
};
_Static_assert(TF_STAGE_CLEANUP == 1 << 1 && TF_STAGE_REPAIR == 1 << 2 &&
                   TF_STAGE_RESYNC == 1 << 3 && TF_STAGE_RUBY == 1 << 4 &&
                   TF_STAGE_PUNCT == 1 << 5 && TF_STAGE_NORMALIZE == 1 << 6,
               "STAGES[].index must be the bit of its stage");

static int convert_zh(tf_ctx *ctx, const char *src, size_t len, int final, tf__buf *dst)
{
    tf__buf *carry = &ctx->zh_carry;
    if (tf__buf_append(carry, src, len))
        return TF_E_NOMEM;
    size_t used = tf__zh_convert(ctx->zh, carry->data, carry->len, final, dst,
                                 &ctx->totals.converted);
    tf__buf_consume(carry, used);
    return dst->failed ? TF_E_NOMEM : 0;
}

/* What a whole block of lines was found not to need (see block_hints). */
enum { HINT_NO_CLEANUP = 1, HINT_NO_NORMALIZE = 2 };

/* The stages that may be skipped for this segment on the block's evidence. Cleanup is still
 * run on the first segment (a byte-order mark) and after a carriage return that ended the
 * previous segment; normalization only on a line no earlier stage changed (the caller
 * checks that). Cleanup runs first, so its position and cr_pending are read as it would. */
static unsigned skippable(const tf_ctx *ctx, unsigned hints)
{
    unsigned skip = 0;
    if ((hints & HINT_NO_CLEANUP) && ctx->pos[1].in_base != 0 && !ctx->cr_pending)
        skip |= TF_STAGE_CLEANUP;
    if (hints & HINT_NO_NORMALIZE)
        skip |= TF_STAGE_NORMALIZE;
    return skip;
}

/* Text that came through every stage unchanged and is still to be queued for output: a
 * stretch of the input text, whole lines in a row, so it is copied once rather than line by
 * line. */
typedef struct {
    const char *at;
    size_t len;
    tf_out_buffer *out; /* the caller's output buffer, or NULL */
} unchanged_run;

static int flush_unchanged(tf_ctx *ctx, unchanged_run *run)
{
    if (!run->len)
        return 0;
    if (run->out && outq_held(ctx) == 0) {
        /* Nothing is queued before it: straight into the caller's buffer, as far as it has
         * room, rather than through the queue (one copy of every clean byte fewer). */
        tf_out_buffer *out = run->out;
        size_t room = out->size - out->pos, n = run->len < room ? run->len : room;
        if (n) {
            memcpy((char *)out->dst + out->pos, run->at, n);
            out->pos += n;
            ctx->totals.bytes_out += n;
            run->at += n;
            run->len -= n;
        }
        if (!run->len)
            return 0;
    }
    if (tf__buf_append(&ctx->outq, run->at, run->len))
        return TF_E_NOMEM;
    ctx->totals.bytes_out += run->len;
    run->len = 0;
    return 0;
}

/* Runs one segment through the enabled text stages and queues the result for output. With a
 * run given, an unchanged segment right after it is added to it, not queued yet. */
static int run_segment(tf_ctx *ctx, const char *seg, size_t len, int final, unsigned hints,
                       unchanged_run *run)
{
    const char *cur = seg;
    size_t cur_len = len;
    int binary = ctx->totals.binary;
    unsigned on = binary ? 0 : ctx->stages, skip = hints ? skippable(ctx, hints) : 0;
    /* Unrolled, the table's entries are constants: direct calls and fixed offsets, which
     * matters at one pass of this loop per line. */
#pragma GCC unroll 8
    for (size_t k = 0; k < sizeof STAGES / sizeof STAGES[0]; k++) {
        unsigned stage = STAGES[k].stage;
        if (!(on & stage))
            continue;
        tf__pos *pos = &ctx->pos[STAGES[k].index];
        if ((skip & stage) && (stage != TF_STAGE_NORMALIZE || cur == seg)) {
            pos->in_base += cur_len; /* unchanged, as if the stage had said so */
            pos->out_base += cur_len;
            continue;
        }
        tf__buf *next = cur == ctx->seg_a.data ? &ctx->seg_b : &ctx->seg_a;
        tf__buf_clear(next);
        int rc = STAGES[k].fn(ctx, cur, cur_len, next, pos);
        if (rc < 0)
            return rc;
        size_t out_len = rc == 1 ? cur_len : next->len;
        pos->in_base += cur_len;
        pos->out_base += out_len;
        if (rc == 0) {
            cur = next->data ? next->data : "";
            cur_len = next->len;
        }
    }
    int zh = ctx->zh && tf__stage_on(ctx, TF_STAGE_ZH) && !binary;
    if (run && cur == seg && !zh && (!run->len || run->at + run->len == seg)) {
        run->at = run->len ? run->at : seg;
        run->len += len;
        return 0;
    }
    int rc = run ? flush_unchanged(ctx, run) : 0;
    if (rc)
        return rc;
    size_t before = ctx->outq.len;
    if (zh)
        rc = convert_zh(ctx, cur, cur_len, final, &ctx->outq);
    else if (tf__buf_append(&ctx->outq, cur, cur_len))
        rc = TF_E_NOMEM;
    ctx->totals.bytes_out += ctx->outq.len - before;
    return rc;
}

/* Where to cut a line longer than a segment: after the last space or ASCII punctuation in
 * the final kilobyte before the limit, else at the last character boundary. */
static size_t long_line_cut(const unsigned char *s, size_t limit)
{
    for (size_t i = limit; i > limit - 1024; i--)
        if (s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '.' || s[i - 1] == ',')
            return i;
    size_t i = limit;
    while (i > 0 && (s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* Most lines need neither cleanup nor normalization, and checking each short line on its
 * own costs more than the stages' work. So the checks run once over a block of whole lines
 * (up to HINT_BLOCK bytes, ending at a newline); *end is where the block ends. */
#define HINT_BLOCK (64u * 1024u)
static unsigned block_hints(const tf_ctx *ctx, const unsigned char *s, size_t avail,
                            size_t *end)
{
    size_t n = avail < HINT_BLOCK ? avail : HINT_BLOCK;
    while (n > 0 && s[n - 1] != '\n')
        n--;
    *end = n;
    if (n == 0)
        return 0;
    unsigned h = 0;
    if (tf__stage_on(ctx, TF_STAGE_CLEANUP) && tf__cleanup_block_clean(ctx, (const char *)s, n))
        h |= HINT_NO_CLEANUP;
    if (tf__stage_on(ctx, TF_STAGE_NORMALIZE) && !tf__normalize_needed(ctx, (const char *)s, n))
        h |= HINT_NO_NORMALIZE;
    return h;
}

/* Lets the stages that want it read the stream's first block of decoded text: the first call
 * after decoding started holds the decoded detection window, the same however the input was
 * split. Each stage's prime runs once per stream (it keeps that in its own state). */
static void prime_stages(tf_ctx *ctx, const tf__buf *t)
{
    for (size_t k = 0; k < sizeof STAGES / sizeof STAGES[0]; k++)
        if (STAGES[k].prime && tf__stage_on(ctx, STAGES[k].stage))
            STAGES[k].prime(ctx, t->data ? t->data : "", t->len);
}

/* Cuts complete segments off the decoded text; with final, the rest too. */
static int cut_segments(tf_ctx *ctx, int final, tf_out_buffer *out)
{
    tf__buf *t = &ctx->text;
    size_t start = 0, hint_end = 0;
    unsigned hints = 0;
    int rc = 0;
    unchanged_run run = {NULL, 0, out};
    if (ctx->dec)
        prime_stages(ctx, t);
    while (rc == 0 && start < t->len) {
        const unsigned char *s = (const unsigned char *)t->data + start;
        size_t avail = t->len - start, n;
        if (start >= hint_end) {
            size_t blen;
            hints = block_hints(ctx, s, avail, &blen);
            hint_end = start + (blen ? blen : 1);
            if (!blen)
                hints = 0;
        }
        /* Text already searched in an earlier call holds no newline: search only what came
         * since, so a long line fed in small pieces costs linear time, not quadratic. */
        size_t from = start == 0 && ctx->nl_scanned < avail ? ctx->nl_scanned : 0;
        size_t lim = avail < TF__SEGMENT_MAX ? avail : TF__SEGMENT_MAX;
        const unsigned char *nl = from < lim ? memchr(s + from, '\n', lim - from) : NULL;
        if (nl)
            n = (size_t)(nl - s) + 1;
        else if (avail >= TF__SEGMENT_MAX)
            n = long_line_cut(s, TF__SEGMENT_MAX);
        else if (final)
            n = avail;
        else {
            ctx->nl_scanned = lim;
            break;
        }
        ctx->nl_scanned = 0;
        rc = run_segment(ctx, (const char *)s, n, final && start + n == t->len,
                         start + n <= hint_end ? hints : 0, &run);
        start += n;
    }
    if (rc == 0)
        rc = flush_unchanged(ctx, &run); /* before the text it points into is consumed */
    tf__buf_consume(t, start);
    return rc;
}

static void detect(tf_ctx *ctx, const unsigned char *w, size_t len, int final,
                   tf__detection *det)
{
    if (ctx->forced_encoding[0]) {
        memset(det, 0, sizeof *det);
        det->encoding = ctx->forced_encoding;
        det->source = "forced";
        det->confidence = 1.0;
    } else {
        if (!ctx->iconv_cache)
            ctx->iconv_cache = calloc(1, sizeof *ctx->iconv_cache); /* NULL works, slower */
        tf__detect(w ? w : (const unsigned char *)"", len, final, det, ctx->iconv_cache);
    }
}

int tf_detect(tf_ctx *ctx, const void *src, size_t size, int is_complete, tf_detection *result)
{
    if (!ctx || !result || (!src && size))
        return TF_E_INVALID_ARGUMENT;
    tf__detection det;
    if (size > TF__DETECT_WINDOW) {
        size = TF__DETECT_WINDOW;
        is_complete = 0;
    }
    detect(ctx, src, size, is_complete, &det);
    result->encoding = det.encoding;
    result->source = det.source;
    result->confidence = det.confidence;
    result->binary = det.binary;
    return TF_OK;
}

/* A byte-order mark is part of the encoding, not of the text: it is dropped and reported. */
static int skip_bom(tf_ctx *ctx, size_t n)
{
    char hex[16];
    size_t h = 0;
    for (size_t i = 0; i < n; i++)
        h += (size_t)snprintf(hex + h, sizeof hex - h, "%s%02X", i ? " " : "",
                              (unsigned char)ctx->window.data[i]);
    tf__change ch = {
        .stage = TF_STAGE_DECODE, .rule = "bom", .in_offset = 0, .in_length = n,
        .before = hex, .before_len = h, .after = "", .after_len = 0,
        .explanation = "a byte-order mark names the encoding; it is not text", .confidence = 1.0,
    };
    tf__buf_consume(&ctx->window, n);
    ctx->pos[0].in_base += n;
    ctx->totals.removed_controls++;
    return tf__report_add(ctx, &ch) ? TF_E_NOMEM : 0;
}

static int start_decoder(tf_ctx *ctx, int final)
{
    tf__detection det;
    detect(ctx, (const unsigned char *)ctx->window.data, ctx->window.len, final, &det);
    if (det.binary) {
        if (ctx->strict)
            return tf__fail(ctx, TF_E_BINARY_INPUT, "the input looks like a binary file");
        ctx->totals.binary = 1;
    }
    snprintf(ctx->encoding_name, sizeof ctx->encoding_name, "%s", det.encoding);
    ctx->totals.encoding = ctx->encoding_name;
    ctx->totals.encoding_source = det.source;
    ctx->totals.encoding_confidence = det.confidence;
    ctx->dec = tf__decoder_new(det.encoding);
    if (!ctx->dec)
        return tf__fail(ctx, TF_E_UNKNOWN_ENCODING, "cannot decode %s", det.encoding);
    if (det.bom_len)
        return skip_bom(ctx, det.bom_len);
    return 0;
}

/* Decodes what the raw buffer holds into the text buffer and cuts segments. */
static int decode_pending(tf_ctx *ctx, int final, tf_out_buffer *out)
{
    size_t used = 0;
    const unsigned char *w = (const unsigned char *)(ctx->window.data ? ctx->window.data : "");
    int rc = tf__decode(ctx, ctx->dec, w, ctx->window.len, final, &used, &ctx->text);
    if (rc)
        return rc;
    tf__buf_consume(&ctx->window, used);
    return cut_segments(ctx, final, out);
}

static void drain(tf_ctx *ctx, tf_out_buffer *out)
{
    size_t room = out->size - out->pos;
    size_t held = outq_held(ctx);
    size_t n = held < room ? held : room;
    if (n) {
        memcpy((char *)out->dst + out->pos, ctx->outq.data + ctx->outq_head, n);
        out->pos += n;
        ctx->outq_head += n;
    }
    /* The queue is read from a moving head, and compacted only when that pays, so a caller
     * with a small output buffer costs linear time. */
    if (ctx->outq_head == ctx->outq.len) {
        tf__buf_clear(&ctx->outq);
        ctx->outq_head = 0;
    } else if (ctx->outq_head > 64 * 1024 && ctx->outq_head * 2 > ctx->outq.len) {
        tf__buf_consume(&ctx->outq, ctx->outq_head);
        ctx->outq_head = 0;
    }
}

/* Takes input into the raw buffer: the detection window first, then slices. */
static size_t take_input(tf_ctx *ctx, tf_in_buffer *in)
{
    size_t avail = in->size - in->pos;
    size_t want = ctx->dec ? IN_SLICE : TF__DETECT_WINDOW - ctx->window.len;
    size_t n = avail < want ? avail : want;
    if (n && tf__buf_append(&ctx->window, (const char *)in->src + in->pos, n))
        return (size_t)-1;
    in->pos += n;
    ctx->totals.bytes_in += n;
    return n;
}

static int step(tf_ctx *ctx, tf_in_buffer *in, tf_directive dir, tf_out_buffer *out)
{
    while (outq_held(ctx) < OUTQ_HIGH) {
        size_t took = take_input(ctx, in);
        if (took == (size_t)-1)
            return TF_E_NOMEM;
        int all_in = in->pos == in->size;
        int final = dir == TF_END && all_in;
        if (!ctx->dec) {
            if (ctx->window.len < TF__DETECT_WINDOW && !final)
                return 0; /* detection waits for a full window or the end */
            int rc = start_decoder(ctx, final);
            if (rc)
                return rc;
        }
        int rc = took || final || !ctx->decoded_once ? decode_pending(ctx, final, out) : 0;
        ctx->decoded_once = 1;
        if (rc)
            return rc;
        if (final && ctx->window.len == 0 && ctx->text.len == 0) {
            /* Let the conversion stage emit what it held for phrase context. */
            if (ctx->zh && ctx->zh_carry.len && (rc = run_segment(ctx, "", 0, 1, 0, NULL)))
                return rc;
            ctx->dec_done = 1;
            return 0;
        }
        if (all_in && !took)
            break;
    }
    if (dir == TF_FLUSH && in->pos == in->size && outq_held(ctx) < OUTQ_HIGH)
        return cut_segments(ctx, 1, out); /* emit the partial line the caller asked for */
    return 0;
}

int tf_fix_stream(tf_ctx *ctx, tf_out_buffer *out, tf_in_buffer *in, tf_directive dir,
                  size_t *pending)
{
    if (!ctx || !out || !in || in->pos > in->size || out->pos > out->size ||
        (!in->src && in->size) || (!out->dst && out->size))
        return ctx ? tf__fail(ctx, TF_E_INVALID_ARGUMENT, "bad buffer arguments") : TF_E_INVALID_ARGUMENT;
    if (!ctx->in_stream) {
        tf__stream_abandon(ctx);
        tf__report_reset(ctx);
        ctx->in_stream = 1;
        ctx->dec_done = 0;
    }
    drain(ctx, out);
    int rc = 0;
    if (!ctx->dec_done)
        rc = step(ctx, in, dir, out);
    drain(ctx, out);
    if (tf__report_finalize(ctx) && rc == 0)
        rc = TF_E_NOMEM;
    if (rc) {
        tf__stream_abandon(ctx);
        return rc;
    }
    if (pending)
        *pending = outq_held(ctx) + (ctx->dec_done ? 0 : ctx->text.len + ctx->window.len + 1);
    if (ctx->dec_done && outq_held(ctx) == 0) {
        ctx->in_stream = 0; /* finished: the next call starts a new stream */
        if (pending)
            *pending = 0;
    }
    return 0;
}

int tf_fix(tf_ctx *ctx, const void *src, size_t src_size, char **out, size_t *out_size)
{
    if (out)
        *out = NULL;
    if (out_size)
        *out_size = 0;
    if (!ctx || !out || (!src && src_size))
        return ctx ? tf__fail(ctx, TF_E_INVALID_ARGUMENT, "bad arguments") : TF_E_INVALID_ARGUMENT;
    tf__stream_abandon(ctx);
    tf__buf res;
    tf__buf_init(&res, 0);
    tf_in_buffer in = {src ? src : "", src_size, 0};
    size_t pending = 1;
    int rc = 0;
    while (rc == 0 && pending) {
        /* Decoded text is at most 4 bytes per input byte; grow in generous steps. */
        if (tf__buf_reserve(&res, OUTQ_HIGH + src_size / 4)) {
            rc = TF_E_NOMEM;
            break;
        }
        tf_out_buffer ob = {res.data + res.len, res.cap - res.len - 1, 0};
        rc = tf_fix_stream(ctx, &ob, &in, TF_END, &pending);
        res.len += ob.pos;
        res.data[res.len] = 0;
    }
    if (rc) {
        tf__buf_free(&res);
        return rc;
    }
    *out = tf__buf_detach(&res, out_size);
    return *out ? TF_OK : TF_E_NOMEM;
}
