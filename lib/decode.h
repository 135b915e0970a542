/* decode.h - the first stage: choosing the input encoding (detect.c) and turning bytes into
 * UTF-8 in a stream (decode.c). Internal to libtextfix. */
#ifndef TF_DECODE_H
#define TF_DECODE_H

#include "internal.h"

/* The iconv name for an encoding label, following the WHATWG mapping of legacy labels
 * (gb2312/gbk -> GB18030, big5 -> BIG5-HKSCS, shift_jis -> CP932, iso-8859-1 -> WINDOWS-1252,
 * euc-kr -> CP949, ...). Returns a static string, or NULL when the label is unsupported. */
const char *tf__encoding_canonical(const char *label);

typedef struct {
    const char *encoding; /* canonical iconv name, static */
    const char *source;   /* "bom", "declared", "forced", "utf-8", "detected", "empty" */
    double confidence;    /* 0..1 */
    size_t bom_len;       /* bytes of byte-order mark at the start, to skip */
    int binary;           /* the window looks like a binary file */
} tf__detection;

/* Decides the encoding of a stream from its first bytes win[0..len). final says the window
 * is the whole input (so a truncated UTF-8 sequence at its end is an error, not a cut). */
/* Open iconv handles by encoding name, kept with a context: loading a converter costs more
 * than decoding a detection window with it. */
#define TF__ICONV_CACHE_SIZE 24
typedef struct tf__iconv_cache {
    const char *name[TF__ICONV_CACHE_SIZE]; /* static names from the label table */
    void *cd[TF__ICONV_CACHE_SIZE];         /* iconv_t */
} tf__iconv_cache;
void tf__iconv_cache_free(tf__iconv_cache *cache);

/* cache may be NULL (handles are then opened and closed per call). */
void tf__detect(const unsigned char *win, size_t len, int final, tf__detection *det,
                tf__iconv_cache *cache);

/* A streaming decoder from one encoding to UTF-8. */
tf__decoder *tf__decoder_new(const char *encoding);
void tf__decoder_free(tf__decoder *dec);

/* Decodes in[0..len), appending UTF-8 to out. Undecodable bytes become U+FFFD and are
 * reported (or are an error with TF_OPT_STRICT). Unless final, an incomplete sequence at
 * the end is left unconsumed for the next call. *consumed receives the bytes used. Returns 0
 * or a negative tf_error. ctx->totals.bytes_in gives the stream offset of in[0]. */
int tf__decode(tf_ctx *ctx, tf__decoder *dec, const unsigned char *in, size_t len, int final,
               size_t *consumed, tf__buf *out);

/* Decodes src[0..len) with encoding in one piece into out (U+FFFD for bad bytes) and returns
 * the number of undecodable sequences, or -1 if the encoding cannot be opened. For detection
 * and repair, which compare candidate decodings. */
long tf__decode_all(const char *encoding, const unsigned char *src, size_t len, tf__buf *out,
                    tf__iconv_cache *cache);

#endif
