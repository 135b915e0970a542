/* stream_check.h - feeds text to tf_fix_stream in fixed-size chunks, for the stage tests'
 * "streaming equals one-shot" cases (test_stream.c has its own, with random chunks and tiny
 * output windows). */
#ifndef TF_STREAM_CHECK_H
#define TF_STREAM_CHECK_H

#include "check.h"
#include "textfix.h"

/* Streams s[0..n) through ctx in chunks of `cut` bytes into buf (cap bytes); returns the
 * output length. */
static inline size_t stream_in_chunks(tf_ctx *ctx, const char *s, size_t n, size_t cut,
                                      char *buf, size_t cap)
{
    size_t len = 0, pending = 1, pos = 0;
    while (pos < n || pending) {
        size_t chunk = pos + cut > n ? n - pos : cut;
        tf_in_buffer in = {s + pos, chunk, 0};
        tf_out_buffer ob = {buf + len, cap - len, 0};
        int rc = tf_fix_stream(ctx, &ob, &in, pos + chunk == n ? TF_END : TF_CONTINUE, &pending);
        CHECK_EQ(rc, TF_OK);
        if (rc)
            break;
        len += ob.pos;
        pos += in.pos;
        if (pos == n && !pending)
            break;
    }
    return len;
}

#endif
