/* decode.c - bytes in a known encoding to UTF-8, streaming, through iconv (UTF-8 itself takes
 * a validating fast path). Undecodable bytes become U+FFFD and are reported by offset. */
#include "decode.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tf__decoder {
    iconv_t cd;        /* (iconv_t)-1 for the UTF-8 fast path */
    const char *name;
};

static const char REPLACEMENT[] = "\xEF\xBF\xBD";

tf__decoder *tf__decoder_new(const char *encoding)
{
    tf__decoder *dec = calloc(1, sizeof *dec);
    if (!dec)
        return NULL;
    dec->name = encoding;
    dec->cd = (iconv_t)-1;
    if (strcmp(encoding, "UTF-8") != 0) {
        dec->cd = iconv_open("UTF-8", encoding);
        if (dec->cd == (iconv_t)-1) {
            free(dec);
            return NULL;
        }
    }
    return dec;
}

void tf__decoder_free(tf__decoder *dec)
{
    if (!dec)
        return;
    if (dec->cd != (iconv_t)-1)
        iconv_close(dec->cd);
    free(dec);
}

/* Reports (or, in strict mode, refuses) n undecodable bytes at in[0..n). */
static int bad_bytes(tf_ctx *ctx, tf__decoder *dec, const unsigned char *in, size_t n,
                     uint64_t in_off, tf__buf *out, size_t out_start)
{
    if (ctx->strict)
        return tf__fail(ctx, TF_E_INVALID_INPUT,
                        "byte 0x%02X at offset %llu is not valid %s", in[0],
                        (unsigned long long)in_off, dec->name);
    char hex[3 * 8 + 1];
    size_t h = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        h += (size_t)snprintf(hex + h, sizeof hex - h, "%s%02X", i ? " " : "", in[i]);
    tf__change ch = {
        .stage = TF_STAGE_DECODE, .rule = "invalid-bytes",
        .in_offset = in_off, .in_length = n,
        .out_offset = ctx->pos[0].out_base + (out->len - out_start), .out_length = 3,
        .before = hex, .before_len = h, .after = REPLACEMENT, .after_len = 3,
        .explanation = "bytes that are not valid in the input encoding became U+FFFD",
        .confidence = 1.0,
    };
    ctx->totals.invalid_bytes += n;
    if (tf__report_add(ctx, &ch) || tf__buf_append(out, REPLACEMENT, 3))
        return TF_E_NOMEM;
    return 0;
}

/* Length of the maximal prefix of an ill-formed UTF-8 sequence (at least 1), the unit that
 * becomes one U+FFFD, as the Unicode standard and browsers count it. */
static size_t utf8_bad_len(const unsigned char *s, size_t len)
{
    unsigned c = s[0];
    size_t need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 1;
    size_t i = 1;
    for (; i < need && i < len; i++) {
        unsigned b = s[i];
        unsigned lo = 0x80, hi = 0xBF;
        if (i == 1) {
            if (c == 0xE0) lo = 0xA0;
            else if (c == 0xED) hi = 0x9F;
            else if (c == 0xF0) lo = 0x90;
            else if (c == 0xF4) hi = 0x8F;
        }
        if (b < lo || b > hi)
            break;
    }
    return i;
}

static int decode_utf8(tf_ctx *ctx, tf__decoder *dec, const unsigned char *in, size_t len,
                       int final, size_t *consumed, tf__buf *out)
{
    size_t out_start = out->len; /* out may hold text from earlier calls, already counted */
    size_t i = 0;
    while (i < len) {
        size_t ok = tf__utf8_valid_prefix(in + i, len - i);
        if (tf__buf_append(out, in + i, ok))
            return TF_E_NOMEM;
        i += ok;
        if (i >= len)
            break;
        if (!final && tf__utf8_incomplete_tail(in + i, len - i) == len - i)
            break; /* the rest of this sequence comes with the next chunk */
        size_t n = utf8_bad_len(in + i, len - i);
        int rc = bad_bytes(ctx, dec, in + i, n, ctx->pos[0].in_base + i, out, out_start);
        if (rc)
            return rc;
        i += n;
    }
    *consumed = i;
    return 0;
}

static int decode_iconv(tf_ctx *ctx, tf__decoder *dec, const unsigned char *in, size_t len,
                        int final, size_t *consumed, tf__buf *out)
{
    size_t out_start = out->len; /* out may hold text from earlier calls, already counted */
    char *ip = (char *)in;
    size_t left = len;
    while (left > 0) {
        size_t room = left * 4 + 16; /* any of our encodings expands at most 4x, plus state */
        if (tf__buf_reserve(out, room))
            return TF_E_NOMEM;
        char *op = out->data + out->len;
        size_t oleft = room;
        size_t r = iconv(dec->cd, &ip, &left, &op, &oleft);
        out->len += room - oleft;
        out->data[out->len] = 0;
        if (r != (size_t)-1 || errno == E2BIG)
            continue;
        if (errno == EINVAL && !final)
            break; /* incomplete sequence: wait for more bytes */
        /* EILSEQ, or EINVAL at the end of the input: one bad byte becomes U+FFFD (a truncated
         * sequence at the very end becomes one U+FFFD for all its bytes). */
        size_t n = errno == EINVAL ? left : 1;
        size_t at = (size_t)((unsigned char *)ip - in);
        int rc = bad_bytes(ctx, dec, (unsigned char *)ip, n, ctx->pos[0].in_base + at, out, out_start);
        if (rc)
            return rc;
        ip += n;
        left -= n;
        iconv(dec->cd, NULL, NULL, NULL, NULL); /* resynchronize a stateful decoder */
    }
    *consumed = (size_t)((unsigned char *)ip - in);
    if (final) {
        /* Flush any state the decoder still holds (e.g. a pending base character). */
        char tail[32], *op = tail;
        size_t oleft = sizeof tail;
        iconv(dec->cd, NULL, NULL, &op, &oleft);
        if (tf__buf_append(out, tail, sizeof tail - oleft))
            return TF_E_NOMEM;
    }
    return 0;
}

int tf__decode(tf_ctx *ctx, tf__decoder *dec, const unsigned char *in, size_t len, int final,
               size_t *consumed, tf__buf *out)
{
    size_t before = out->len;
    int rc = dec->cd == (iconv_t)-1 ? decode_utf8(ctx, dec, in, len, final, consumed, out)
                                     : decode_iconv(ctx, dec, in, len, final, consumed, out);
    if (rc == 0) {
        ctx->pos[0].in_base += *consumed;
        ctx->pos[0].out_base += out->len - before;
    }
    return rc;
}

/* A handle for decoding name, from the cache when there is one (names are compared by
 * pointer: they come from the static label table; others are not cached). */
static iconv_t cached_open(tf__iconv_cache *cache, const char *name)
{
    if (!cache)
        return iconv_open("UTF-8", name);
    int free_slot = -1;
    for (int i = 0; i < TF__ICONV_CACHE_SIZE; i++) {
        if (cache->name[i] == name)
            return (iconv_t)cache->cd[i];
        if (!cache->name[i] && free_slot < 0)
            free_slot = i;
    }
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        return cd;
    if (free_slot < 0) { /* full (it never is with our candidate list): replace the first */
        iconv_close((iconv_t)cache->cd[0]);
        free_slot = 0;
    }
    cache->name[free_slot] = name;
    cache->cd[free_slot] = (void *)cd;
    return cd;
}

long tf__decode_all(const char *encoding, const unsigned char *src, size_t len, tf__buf *out,
                    tf__iconv_cache *cache)
{
    if (!strcmp(encoding, "UTF-8")) {
        long bad = 0;
        size_t i = 0;
        while (i < len) {
            size_t ok = tf__utf8_valid_prefix(src + i, len - i);
            if (tf__buf_append(out, src + i, ok))
                return -1;
            i += ok;
            if (i < len) {
                i += utf8_bad_len(src + i, len - i);
                bad++;
                if (tf__buf_append(out, REPLACEMENT, 3))
                    return -1;
            }
        }
        return bad;
    }
    iconv_t cd = cached_open(cache, encoding);
    if (cd == (iconv_t)-1)
        return -1;
    iconv(cd, NULL, NULL, NULL, NULL);
    long bad = 0;
    char *ip = (char *)src;
    size_t left = len;
    while (left > 0) {
        size_t room = left * 4 + 16;
        if (tf__buf_reserve(out, room)) {
            bad = -1;
            break;
        }
        char *op = out->data + out->len;
        size_t oleft = room;
        size_t r = iconv(cd, &ip, &left, &op, &oleft);
        out->len += room - oleft;
        out->data[out->len] = 0;
        if (r != (size_t)-1 || errno == E2BIG)
            continue;
        size_t n = errno == EINVAL ? left : 1;
        ip += n;
        left -= n;
        bad++;
        if (tf__buf_append(out, REPLACEMENT, 3)) {
            bad = -1;
            break;
        }
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    if (!cache)
        iconv_close(cd);
    return bad;
}

void tf__iconv_cache_free(tf__iconv_cache *cache)
{
    if (!cache)
        return;
    for (int i = 0; i < TF__ICONV_CACHE_SIZE; i++)
        if (cache->name[i])
            iconv_close((iconv_t)cache->cd[i]);
    free(cache);
}
