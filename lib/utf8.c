/* utf8.c - UTF-8 validation helpers. */
#include "utf8.h"

#include <string.h>

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

size_t tf__utf8_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
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
