/* utf8.h - small UTF-8 helpers shared by the stages. Internal to libtextfix. */
#ifndef TF_UTF8_H
#define TF_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Decodes one code point at s[0..len). Returns the sequence length (1-4) and sets *cp.
 * An invalid or truncated sequence returns 1 and sets *cp to TF__BADCP, so callers can
 * always make progress. */
#define TF__BADCP 0xFFFFFFFFu
static inline size_t tf__utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    size_t n; uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; v = c & 0x07; min = 0x10000; }
    else { *cp = TF__BADCP; return 1; }
    if (len < n) { *cp = TF__BADCP; return 1; }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) { *cp = TF__BADCP; return 1; }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) { *cp = TF__BADCP; return 1; }
    *cp = v;
    return n;
}

/* Length of the longest prefix of s that is valid UTF-8. */
size_t tf__utf8_valid_prefix(const unsigned char *s, size_t len);

/* Number of bytes at the end of s[0..len) that start an incomplete but so far valid
 * sequence (0-3): the caller keeps them for the next chunk. */
size_t tf__utf8_incomplete_tail(const unsigned char *s, size_t len);

/* The code point at s[i] (i < len). */
/* The first non-ASCII byte of u[i..len) (or len), eight bytes at a time: most of most text. */
static inline size_t tf__skip_ascii(const unsigned char *u, size_t len, size_t i)
{
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, u + i, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    while (i < len && u[i] < 0x80)
        i++;
    return i;
}

static inline uint32_t tf__utf8_at(const char *s, size_t len, size_t i)
{
    uint32_t c;
    tf__utf8_next((const unsigned char *)s + i, len - i, &c);
    return c;
}

/* Where the character before s[i] starts (0 at the start). */
static inline size_t tf__utf8_prev(const char *s, size_t i)
{
    if (i == 0)
        return 0;
    i--;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static inline int tf__is_han(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x3134F) || (c >= 0xF900 && c <= 0xFAFF);
}

static inline int tf__is_kana(uint32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF);
}

static inline int tf__is_hangul(uint32_t c)
{
    return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x1100 && c <= 0x11FF) ||
           (c >= 0x3130 && c <= 0x318F);
}

#endif
