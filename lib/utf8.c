/* utf8.c - UTF-8 validation helpers. */
#include "utf8.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Validates non-ASCII text from s[i] up to the first ASCII byte or the first invalid
 * sequence; returns where it stopped. Three-byte characters (all of CJK) are checked as one
 * 24-bit word: E1-EC and EE-EF leads take any two continuation bytes; E0 and ED need the
 * general path's range checks. */
static size_t multibyte_run(const unsigned char *s, size_t len, size_t i, int *bad)
{
    while (i < len && s[i] >= 0x80) {
        if (i + 3 <= len) {
            /* Composed byte by byte (the compiler makes it one load): endian-neutral. */
            uint32_t w = (uint32_t)s[i] | (uint32_t)s[i + 1] << 8 | (uint32_t)s[i + 2] << 16;
            if ((w & 0xC0C0F0u) == 0x8080E0u && s[i] != 0xE0 && s[i] != 0xED) {
                i += 3;
                continue;
            }
        }
        uint32_t cp;
        size_t n = tf__utf8_next(s + i, len - i, &cp);
        if (cp == TF__BADCP) {
            *bad = 1;
            return i;
        }
        i += n;
    }
    return i;
}

#ifdef __SSE2__
/* Whether the 16 bytes at s are valid as far as they go: ASCII, two-byte characters (lead
 * C2-DF) and three-byte ones whose lead (E1-EC, EE-EF) takes any two continuation bytes, the
 * bulk of CJK and of European text; anything else (E0, ED and four-byte leads need the
 * general path's range checks) makes it 0. Each byte class is a bit mask, and the
 * continuation bytes must be exactly the ones the leads call for, those *carry says the
 * previous block's last leads still call for included; on success *carry becomes what this
 * block's last leads call for in the next (bits 0-1). Blocks follow each other at a fixed
 * step, so the loop does not wait on where a character ends. SSE2 compares are signed:
 * 80-BF are -128..-65, C2-DF -62..-33, E1-EF -31..-17 (ED is -19). */
static int valid16(const unsigned char *s, unsigned *carry)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    unsigned high = (unsigned)_mm_movemask_epi8(x);
    if (high == 0)
        return *carry == 0;
    unsigned cont = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(x, _mm_set1_epi8(-64)));
    unsigned lead2 = (unsigned)_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(-63)), _mm_cmplt_epi8(x, _mm_set1_epi8(-32))));
    unsigned lead3 = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(
        _mm_cmpeq_epi8(x, _mm_set1_epi8(-19)),
        _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(-32)), _mm_cmplt_epi8(x, _mm_set1_epi8(-16)))));
    unsigned want = *carry | (lead2 << 1) | (lead3 << 1) | (lead3 << 2);
    if ((high & ~(cont | lead2 | lead3)) || (cont ^ (want & 0xFFFFu)))
        return 0;
    *carry = want >> 16;
    return 1;
}

/* Validates sixteen bytes a step from s[i] (a character's start) while valid16 says yes;
 * returns where the last whole character before the stop ends. */
static size_t valid_blocks(const unsigned char *s, size_t len, size_t i)
{
    unsigned carry = 0;
    while (i + 16 <= len && valid16(s + i, &carry))
        i += 16;
    if (carry) { /* a character under way: back to its lead, one or two bytes back */
        i--;
        if ((s[i] & 0xC0) == 0x80)
            i--;
    }
    return i;
}
#endif

size_t tf__utf8_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
#ifdef __SSE2__
        /* Sixteen bytes a step while they are simple; the scalar path below takes the rest
         * (one run of ASCII and one of multibyte characters) and comes back here. */
        i = valid_blocks(s, len, i);
#endif
        /* Skip ASCII eight bytes at a time: clean text is mostly ASCII or long runs of it,
         * and this keeps the UTF-8 fast path close to memcpy speed. */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        while (i < len && s[i] < 0x80)
            i++;
        int bad = 0;
        i = multibyte_run(s, len, i, &bad);
        if (bad)
            return i;
    }
    return i;
}

size_t tf__utf8_incomplete_tail(const unsigned char *s, size_t len)
{
    /* Look back at most three bytes for a lead byte whose sequence runs past the end. */
    for (size_t k = 1; k <= 3 && k <= len; k++) {
        unsigned c = s[len - k];
        if ((c & 0xC0) == 0x80)
            continue;
        size_t need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 1;
        if (c >= 0xF5)
            need = 1;
        if (need > k) {
            /* Check the continuation bytes seen so far, and the second-byte ranges that
             * make E0/ED/F0/F4 sequences invalid, so a truly invalid tail is not held. */
            for (size_t j = 1; j < k; j++)
                if ((s[len - k + j] & 0xC0) != 0x80)
                    return 0;
            if (k >= 2) {
                unsigned c2 = s[len - k + 1];
                if ((c == 0xE0 && c2 < 0xA0) || (c == 0xED && c2 > 0x9F) ||
                    (c == 0xF0 && c2 < 0x90) || (c == 0xF4 && c2 > 0x8F))
                    return 0;
            }
            return k;
        }
        return 0;
    }
    return 0;
}
