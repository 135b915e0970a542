/* buf.c - growable byte buffer with a hard size cap. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void tf__buf_init(tf__buf *b, size_t limit)
{
    memset(b, 0, sizeof *b);
    b->limit = limit ? limit : SIZE_MAX / 2;
}

void tf__buf_free(tf__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int tf__buf_reserve(tf__buf *b, size_t extra)
{
    if (b->limit == 0)
        b->limit = SIZE_MAX / 2;
    if (extra > b->limit - b->len) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + extra + 1; /* +1 keeps room for the terminating NUL */
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 4 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int tf__buf_append(tf__buf *b, const void *src, size_t n)
{
    if (tf__buf_reserve(b, n))
        return -1;
    if (n)
        memcpy(b->data + b->len, src, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

int tf__buf_putc(tf__buf *b, unsigned char c)
{
    return tf__buf_append(b, &c, 1);
}

int tf__buf_put_cp(tf__buf *b, uint32_t cp)
{
    unsigned char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (unsigned char)(0xC0 | (cp >> 6));
        s[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (unsigned char)(0xE0 | (cp >> 12));
        s[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        s[0] = (unsigned char)(0xF0 | (cp >> 18));
        s[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        s[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        s[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return tf__buf_append(b, s, n);
}


void tf__buf_consume(tf__buf *b, size_t n)
{
    if (n >= b->len) {
        tf__buf_clear(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = 0;
}

char *tf__buf_detach(tf__buf *b, size_t *len)
{
    if (!b->data && tf__buf_reserve(b, 0))
        return NULL;
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
