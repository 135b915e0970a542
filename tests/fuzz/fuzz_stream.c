/* fuzz_stream.c - streaming must equal one-shot: the input is fed in chunks whose sizes come
 * from the first bytes, into output buffers of varying size, and must give tf_fix()'s bytes. */
#include "textfix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *stream(const uint8_t *cuts, size_t ncuts, const uint8_t *src, size_t n, size_t *len)
{
    tf_ctx *ctx = tf_ctx_create();
    size_t cap = n * 4 + 64, pos = 0, pending = 1, k = 0;
    char *out = malloc(cap);
    *len = 0;
    while (ctx && out && (pos < n || pending)) {
        size_t chunk = ncuts ? (size_t)cuts[k++ % ncuts] + 1 : n;
        if (pos + chunk > n)
            chunk = n - pos;
        tf_in_buffer in = {src + pos, chunk, 0};
        tf_directive dir = pos + chunk == n ? TF_END : TF_CONTINUE;
        do {
            size_t room = ncuts ? (size_t)cuts[k++ % ncuts] % 17 + 1 : cap;
            if (room > cap - *len)
                room = cap - *len;
            tf_out_buffer ob = {out + *len, room, 0};
            if (tf_fix_stream(ctx, &ob, &in, dir, &pending) != TF_OK)
                abort();
            *len += ob.pos;
        } while (in.pos < in.size || (dir == TF_END && pending));
        pos += chunk;
    }
    tf_ctx_free(ctx);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t ncuts = data[0] % 8;
    if (ncuts + 1 > size)
        ncuts = size - 1;
    const uint8_t *cuts = data + 1, *src = data + 1 + ncuts;
    size_t n = size - 1 - ncuts;
    tf_ctx *ctx = tf_ctx_create();
    char *one = NULL;
    size_t one_n = 0, s_n = 0;
    if (!ctx || tf_fix(ctx, src, n, &one, &one_n) != TF_OK)
        abort();
    char *s = stream(cuts, ncuts, src, n, &s_n);
    if (!s || s_n != one_n || memcmp(s, one, one_n) != 0)
        abort();
    free(s);
    tf_free(one);
    tf_ctx_free(ctx);
    return 0;
}
