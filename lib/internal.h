/* internal.h - what the stages share: the context, the report and the stage interface.
 * Internal to libtextfix; never installed. */
#ifndef TF_INTERNAL_H
#define TF_INTERNAL_H

#include "textfix.h"
#include "buf.h"
#include "utf8.h"
#include "stages.h" /* struct tf__punct_state (ruby.c, punct.c) */

#include <stdint.h>

/* Segments: text is cut at line ends, or at this length inside longer lines, before it goes
 * through the text stages. It bounds memory and the work any stage does at once. */
#define TF__SEGMENT_MAX (256u * 1024u)
/* Detection looks at this much input before it decides on an encoding. */
#define TF__DETECT_WINDOW (64u * 1024u)

typedef struct tf__decoder tf__decoder; /* decode.c */
typedef struct tf__zh_conv tf__zh_conv; /* zh.c */

/* Where a stage is in the stream: offsets of the current segment in the stage's input and
 * output, so report items carry stream offsets. */
typedef struct {
    uint64_t in_base;
    uint64_t out_base;
} tf__pos;

struct tf_ctx {
    /* options */
    unsigned stages;
    int strict;
    int norm;
    int newlines;
    int punct;
    int report_on;
    int report_limit;
    int keep_controls;
    char forced_encoding[64];
    const tf__zh_conv *zh;
    struct tf__repair_state *repair; /* repair.c: iconv handles, made on first use */
    struct tf__iconv_cache *iconv_cache; /* detect.c: candidate decoders, made on first use */

    /* stream state */
    int in_stream;
    tf__buf window;   /* input held back until detection has seen enough */
    tf__decoder *dec; /* NULL until the encoding is decided */
    tf__buf text;     /* decoded UTF-8 not yet cut into a segment */
    tf__buf outq;     /* finished output not yet handed to the caller, from outq_head on */
    size_t outq_head;
    tf__buf seg_a, seg_b; /* scratch for stage-to-stage passes */
    tf__buf zh_carry;    /* text the conversion stage holds for phrase context */
    tf__buf recent;      /* resync.c: the last few KiB of CJK text, whose repeated pairs of
                            characters help guess a lost one (a document cache model) */
    /* resync.c: the evidence that the document is damaged: runs realigned with a wide
       margin, a decaying sum over its lines of CJK text; and the same for the first block,
       read ahead, with its count of CJK lines and how many of them the stage has passed. */
    int32_t resync_sure;
    int32_t resync_sure_ahead, resync_lines_ahead, resync_lines;
    int resync_primed;
    tf__pos pos[8];      /* per stage, indexed by the stage's bit number */
    int cr_pending;      /* newline stage: last segment ended in CR */
    int dec_done;        /* the whole input has been decoded and cut (after TF_END) */
    int decoded_once;    /* the decoder has run at least once in this stream */
    size_t nl_scanned;   /* bytes at the start of text known to hold no newline */
    struct tf__punct_state punct_state; /* ruby/punct evidence so far; stages.h */

    /* report */
    tf_report_totals totals;
    char encoding_name[64];
    tf_report_item *items; /* before/after hold offsets + 1 into strings while being built */
    size_t n_items, cap_items;
    tf_report_item *views; /* the caller's resolved copy, see tf__report_finalize() */
    size_t n_views, n_views_cap;
    const char *views_base;
    tf__buf strings; /* storage for the items' strings, as offsets until finalized */

    tf__buf detail; /* curl-style detail of the last error */
};

/* Records an error detail (printf-style) and returns code, for `return tf__fail(...)`. */
int tf__fail(tf_ctx *ctx, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Adds a report item. before/after are copied (and shortened if long). Totals other than
 * `changes` are the caller's to update. Returns 0, or -1 when out of memory. */
typedef struct {
    tf_stage stage;
    const char *rule;
    uint64_t in_offset, in_length, out_offset, out_length;
    const char *before;
    size_t before_len;
    const char *after;
    size_t after_len;
    const char *explanation;
    double confidence;
} tf__change;
int tf__report_add(tf_ctx *ctx, const tf__change *ch);
void tf__report_reset(tf_ctx *ctx);
int tf__report_finalize(tf_ctx *ctx);
void tf__stream_abandon(tf_ctx *ctx);

static inline int tf__stage_on(const tf_ctx *ctx, tf_stage s) { return (ctx->stages & s) != 0; }

/* Stage functions. Each reads one UTF-8 segment src[0..len) and appends its result to out;
 * pos says where the segment sits in the stream. They return 0 or a negative tf_error. */
int tf__cleanup_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos);
int tf__normalize_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos);
/* Whole-block checks the pipeline makes once for many lines: 1 when no line in the block
 * needs the cleanup stage (no control byte to remove; BOM and CR state aside) or the
 * normalization stage (as long as earlier stages left the line as it was). */
int tf__cleanup_block_clean(const tf_ctx *ctx, const char *src, size_t len);
int tf__normalize_needed(const tf_ctx *ctx, const char *src, size_t len);

#endif
