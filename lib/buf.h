/* buf.h - growable byte buffer with a hard size cap, used everywhere instead of ad-hoc realloc.
 * Internal to libtextfix. */
#ifndef TF_BUF_H
#define TF_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct tf__buf {
    char *data;    /* NUL-terminated when non-NULL, so stages may use it as a C string */
    size_t len;
    size_t cap;
    size_t limit;  /* hard cap on len; 0 means the default (SIZE_MAX / 2) */
    int failed;    /* sticky: set when an append failed (out of memory or over limit) */
} tf__buf;

void tf__buf_init(tf__buf *b, size_t limit);
void tf__buf_free(tf__buf *b);
/* Returns 0 on success, -1 when memory is exhausted or the limit would be exceeded. */
int tf__buf_reserve(tf__buf *b, size_t extra);
int tf__buf_append(tf__buf *b, const void *src, size_t n);
int tf__buf_putc(tf__buf *b, unsigned char c);
/* Appends the UTF-8 encoding of code point cp (must be a valid scalar value). */
int tf__buf_put_cp(tf__buf *b, uint32_t cp);
/* Drops the first n bytes, moving the rest to the front. */
void tf__buf_consume(tf__buf *b, size_t n);
static inline void tf__buf_clear(tf__buf *b) { b->len = 0; if (b->data) b->data[0] = 0; }
/* Hands the storage to the caller (malloc'd, NUL-terminated) and resets the buffer. */
char *tf__buf_detach(tf__buf *b, size_t *len);

#endif
