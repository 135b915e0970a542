/* repair_whole.c - mojibake that fills a whole line, or a whole stretch of one: UTF-8 read as
 * GBK, Big5, Shift_JIS, EUC-JP or EUC-KR (once or twice), those codecs read as Latin-1 or
 * windows-1252, and UTF-8 read as windows-1252 twice.
 *
 * The windowed passes (repair_cjk.c, repair_latin.c) cut mojibake into runs by the look of its
 * characters, and a cut in the wrong place loses the run: ASCII bytes a double-byte decoder
 * swallowed as trail bytes (`鏈塶mbd`), a one-character word whose codec its own run cannot
 * prove (`¾Ë`), a run whose neighbours were repaired with another codec, a second layer. When
 * the damage covers the whole stretch no cut is needed: the stretch is encoded back as a
 * whole with the wrong codec, the bytes are decoded with the right one, and the decoding the
 * model likes best is kept if it beats the text as it stands by a clear margin. ASCII encodes
 * to itself in every codec, so it is carried along and needs no special case. The encoder
 * knows the codes iconv will not give back (Windows' duplicate codes in cp932, the private-use
 * codes older GB18030 decoders made), so a decoding that went through them still comes back.
 * Where bytes were lost (a U+FFFD the wrong decoder made, windows-1252's undefined bytes
 * dropped), the pieces around them still decode and only the broken characters are marked.
 *
 * It runs twice per segment (repair.c): first, for the UTF-8 readings, whose bytes prove them
 * and which need no windowed pass where they explain the line; then after the latin pass, for
 * double-byte text read as windows-1252, which must beat what that pass made of the stretch
 * (a French line it repaired also reads as GBK, and GBK's reading beats the mojibake). */
#define _GNU_SOURCE /* memmem */
#include "model.h"
#include "repair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { W_GBK, W_BIG5, W_SJIS, W_EUCJP, W_EUCKR, W_NDB };

static const struct {
    const char *iconv_name;
    const char *label; /* in report rules */
} WDB[W_NDB] = {
    {"GB18030", "gbk"},   {"BIG5-HKSCS", "big5"}, {"CP932", "shift_jis"},
    {"EUC-JP", "euc-jp"}, {"CP949", "euc-kr"},
};

/* cp932 characters with two codes, where Python and Windows decode both but encode only one
 * (iconv gives the other): NEC row 13 (`≒` 8790 = 81E0) and the NEC-selected IBM extensions
 * ED40..EEFC (iconv gives their FA40..FC4B twins, which UTF-8 never contains). Sorted by code
 * point; generated with Python's cp932 against glibc's. */
static const struct {
    uint16_t cp, code;
} SJIS_ALT[] = {
    {0x2170, 0xEEEF}, {0x2171, 0xEEF0}, {0x2172, 0xEEF1}, {0x2173, 0xEEF2}, {0x2174, 0xEEF3},
    {0x2175, 0xEEF4}, {0x221A, 0x8795}, {0x2220, 0x8797}, {0x2229, 0x879B}, {0x222A, 0x879C},
    {0x222B, 0x8792}, {0x2235, 0x879A}, {0x2252, 0x8790}, {0x2261, 0x8791}, {0x22A5, 0x8796},
    {0x4E28, 0xED4C}, {0x4EE1, 0xED4D}, {0x4EFC, 0xED4E}, {0x4F00, 0xED4F}, {0x4F03, 0xED50},
    {0x4F39, 0xED51}, {0x4F56, 0xED52}, {0x4F8A, 0xED54}, {0x4F92, 0xED53}, {0x4F94, 0xED56},
    {0x4F9A, 0xED55}, {0x4FC9, 0xED45}, {0x4FCD, 0xED57}, {0x4FFF, 0xED5A}, {0x501E, 0xED5B},
    {0x5022, 0xED59}, {0x5040, 0xED58}, {0x5042, 0xED5E}, {0x5046, 0xED5C}, {0x5070, 0xED5D},
    {0x5094, 0xED5F}, {0x50D8, 0xED61}, {0x50F4, 0xED60}, {0x514A, 0xED62}, {0x5164, 0xED63},
    {0x519D, 0xED64}, {0x51BE, 0xED65}, {0x51EC, 0xED66}, {0x5215, 0xED67}, {0x529C, 0xED68},
    {0x52A6, 0xED69}, {0x52AF, 0xEE5B}, {0x52C0, 0xED6A}, {0x52DB, 0xED6B}, {0x5300, 0xED6C},
    {0x5307, 0xED6D}, {0x5324, 0xED6E}, {0x5372, 0xED6F}, {0x5393, 0xED70}, {0x53B2, 0xED71},
    {0x53DD, 0xED72}, {0x548A, 0xED75}, {0x549C, 0xED74}, {0x54A9, 0xED76}, {0x54FF, 0xED77},
    {0x5586, 0xED78}, {0x5759, 0xED79}, {0x5765, 0xED7A}, {0x57AC, 0xED7B}, {0x57C7, 0xED7D},
    {0x57C8, 0xED7C}, {0x589E, 0xED81}, {0x58B2, 0xED82}, {0x590B, 0xED83}, {0x5953, 0xED84},
    {0x595B, 0xED85}, {0x595D, 0xED86}, {0x5963, 0xED87}, {0x59A4, 0xED88}, {0x59BA, 0xED89},
    {0x5B56, 0xED8A}, {0x5BC0, 0xED8B}, {0x5BD8, 0xED8D}, {0x5BEC, 0xED8E}, {0x5C1E, 0xED8F},
    {0x5CA6, 0xED90}, {0x5CBA, 0xED91}, {0x5CF5, 0xED92}, {0x5D27, 0xED93}, {0x5D42, 0xED96},
    {0x5D53, 0xED94}, {0x5D6D, 0xED97}, {0x5DB8, 0xED98}, {0x5DB9, 0xED99}, {0x5DD0, 0xED9A},
    {0x5F21, 0xED9B}, {0x5F34, 0xED9C}, {0x5F45, 0xED4B}, {0x5F67, 0xED9D}, {0x5FB7, 0xED9E},
    {0x5FDE, 0xED9F}, {0x605D, 0xEDA0}, {0x6085, 0xEDA1}, {0x608A, 0xEDA2}, {0x60D5, 0xEDA4},
    {0x60DE, 0xEDA3}, {0x60F2, 0xEDA6}, {0x6111, 0xEDA7}, {0x6120, 0xEDA5}, {0x6130, 0xEDA9},
    {0x6137, 0xEDA8}, {0x6198, 0xEDAA}, {0x6213, 0xEDAB}, {0x62A6, 0xEDAC}, {0x63F5, 0xEDAD},
    {0x6460, 0xEDAE}, {0x649D, 0xEDAF}, {0x64CE, 0xEDB0}, {0x654E, 0xEDB1}, {0x6600, 0xEDB2},
    {0x6609, 0xEDB5}, {0x6615, 0xEDB3}, {0x661E, 0xEDB7}, {0x6624, 0xEDB8}, {0x662E, 0xEDB6},
    {0x6631, 0xED47}, {0x663B, 0xEDB4}, {0x6657, 0xEDBA}, {0x6659, 0xEDBB}, {0x6665, 0xEDB9},
    {0x6673, 0xEDBD}, {0x6699, 0xEDBE}, {0x66A0, 0xEDBF}, {0x66FA, 0xEDC2}, {0x66FB, 0xED4A},
    {0x670E, 0xEDC3}, {0x6766, 0xEDC5}, {0x67BB, 0xEDC6}, {0x67C0, 0xEDC8}, {0x6801, 0xEDC9},
    {0x6844, 0xEDCA}, {0x6852, 0xEDC7}, {0x68C8, 0xED48}, {0x68CF, 0xEDCB}, {0x6968, 0xEDCD},
    {0x6998, 0xEDCF}, {0x69E2, 0xEDD0}, {0x6A30, 0xEDD1}, {0x6A46, 0xEDD3}, {0x6A6B, 0xEDD2},
    {0x6A73, 0xEDD4}, {0x6A7E, 0xEDD5}, {0x6AE2, 0xEDD6}, {0x6AE4, 0xEDD7}, {0x6BD6, 0xEDD8},
    {0x6C3F, 0xEDD9}, {0x6C5C, 0xEDDA}, {0x6C6F, 0xEDDC}, {0x6C86, 0xEDDB}, {0x6CDA, 0xEDDD},
    {0x6D04, 0xEDDE}, {0x6D6F, 0xEDE0}, {0x6D87, 0xEDDF}, {0x6D96, 0xEDE1}, {0x6DAC, 0xEDE2},
    {0x6DCF, 0xEDE3}, {0x6DF2, 0xEDE5}, {0x6DF8, 0xEDE4}, {0x6DFC, 0xEDE6}, {0x6E27, 0xEDE9},
    {0x6E39, 0xEDE7}, {0x6E3C, 0xEDEA}, {0x6E5C, 0xEDE8}, {0x6EBF, 0xEDEB}, {0x6F88, 0xEDEC},
    {0x6FB5, 0xEDED}, {0x6FF5, 0xEDEE}, {0x7005, 0xEDEF}, {0x7007, 0xEDF0}, {0x7028, 0xEDF1},
    {0x7085, 0xEDF2}, {0x70AB, 0xEDF3}, {0x70BB, 0xED46}, {0x710F, 0xEDF4}, {0x72BE, 0xEE40},
    {0x7324, 0xEE41}, {0x7377, 0xEE43}, {0x73BD, 0xEE44}, {0x73C9, 0xEE45}, {0x73D2, 0xEE48},
    {0x73D6, 0xEE46}, {0x73E3, 0xEE47}, {0x73F5, 0xEE4A}, {0x7407, 0xEE49}, {0x7426, 0xEE4B},
    {0x7429, 0xEE4D}, {0x742A, 0xEE4C}, {0x742E, 0xEE4E}, {0x7462, 0xEE4F}, {0x7489, 0xEE50},
    {0x749F, 0xEE51}, {0x7501, 0xEE52}, {0x752F, 0xED8C}, {0x756F, 0xEE53}, {0x7682, 0xEE54},
    {0x769B, 0xEE57}, {0x769C, 0xEE55}, {0x769E, 0xEE56}, {0x76A6, 0xEE58}, {0x7746, 0xEE5A},
    {0x7821, 0xEE5C}, {0x784E, 0xEE5D}, {0x7864, 0xEE5E}, {0x787A, 0xEE5F}, {0x7930, 0xEE60},
    {0x7994, 0xEE64}, {0x799B, 0xEE66}, {0x7AD1, 0xEE67}, {0x7AE7, 0xEE68}, {0x7AEB, 0xEE6A},
    {0x7B9E, 0xEE6B}, {0x7D48, 0xEE6D}, {0x7D5C, 0xEE6E}, {0x7DA0, 0xEE70}, {0x7DB7, 0xEE6F},
    {0x7DD6, 0xEE71}, {0x7E52, 0xEE72}, {0x7E8A, 0xED40}, {0x7F47, 0xEE73}, {0x7FA1, 0xEE74},
    {0x8301, 0xEE76}, {0x8362, 0xEE77}, {0x837F, 0xEE78}, {0x83C7, 0xEE79}, {0x83F6, 0xEE7A},
    {0x8448, 0xEE7B}, {0x84B4, 0xEE7C}, {0x84DC, 0xED44}, {0x8553, 0xEE7D}, {0x8559, 0xEE7E},
    {0x856B, 0xEE80}, {0x85B0, 0xEE82}, {0x8807, 0xEE85}, {0x88F5, 0xEE86}, {0x891C, 0xED41},
    {0x8A12, 0xEE87}, {0x8A37, 0xEE88}, {0x8A79, 0xEE89}, {0x8AA7, 0xEE8A}, {0x8ABE, 0xEE8B},
    {0x8ADF, 0xEE8C}, {0x8AF6, 0xEE8E}, {0x8B53, 0xEE8F}, {0x8B7F, 0xEE90}, {0x8CF0, 0xEE91},
    {0x8CF4, 0xEE92}, {0x8D12, 0xEE93}, {0x8D76, 0xEE94}, {0x8ECF, 0xEE96}, {0x9067, 0xEE99},
    {0x90DE, 0xEE9A}, {0x9115, 0xEE9C}, {0x9127, 0xEE9D}, {0x91D7, 0xEE9F}, {0x91DA, 0xEE9E},
    {0x91DE, 0xEEA0}, {0x91E4, 0xEEA3}, {0x91E5, 0xEEA4}, {0x91ED, 0xEEA1}, {0x91EE, 0xEEA2},
    {0x9206, 0xEEA5}, {0x920A, 0xEEA7}, {0x9210, 0xEEA6}, {0x9239, 0xEEAE}, {0x923A, 0xEEA8},
    {0x923C, 0xEEAA}, {0x9240, 0xEEA9}, {0x924E, 0xEEAB}, {0x9251, 0xEEAD}, {0x9259, 0xEEAC},
    {0x9267, 0xEEAF}, {0x9277, 0xEEB1}, {0x9278, 0xEEB2}, {0x9288, 0xED43}, {0x92A7, 0xEEB0},
    {0x92D0, 0xEEB6}, {0x92D3, 0xEEBA}, {0x92D5, 0xEEB8}, {0x92D7, 0xEEB4}, {0x92D9, 0xEEB5},
    {0x92E0, 0xEEB9}, {0x92E7, 0xEEB3}, {0x92F9, 0xED49}, {0x92FB, 0xEEBD}, {0x9302, 0xEEC2},
    {0x931E, 0xEEBF}, {0x9321, 0xEEBC}, {0x9325, 0xEEBB}, {0x9348, 0xED42}, {0x9357, 0xEEC4},
    {0x9370, 0xEEC3}, {0x93A4, 0xEEC5}, {0x93C6, 0xEEC6}, {0x93DE, 0xEEC7}, {0x93F8, 0xEEC8},
    {0x9431, 0xEEC9}, {0x9445, 0xEECA}, {0x9448, 0xEECB}, {0x9592, 0xEECC}, {0x969D, 0xEECF},
    {0x96AF, 0xEED0}, {0x9733, 0xEED1}, {0x973B, 0xEED2}, {0x9743, 0xEED3}, {0x974D, 0xEED4},
    {0x974F, 0xEED5}, {0x9751, 0xEED6}, {0x9755, 0xEED7}, {0x9857, 0xEED8}, {0x9865, 0xEED9},
    {0x9927, 0xEEDC}, {0x999E, 0xEEDE}, {0x9A4E, 0xEEDF}, {0x9AD9, 0xEEE0}, {0x9ADC, 0xEEE1},
    {0x9B72, 0xEEE3}, {0x9B75, 0xEEE2}, {0x9B8F, 0xEEE4}, {0x9BB1, 0xEEE5}, {0x9BBB, 0xEEE6},
    {0x9C00, 0xEEE7}, {0x9D6B, 0xEEE9}, {0x9D70, 0xEEE8}, {0x9E19, 0xEEEB}, {0x9ED1, 0xEEEC},
    {0xF929, 0xEDC4}, {0xF9DC, 0xEECD}, {0xFA0E, 0xED73}, {0xFA0F, 0xED7E}, {0xFA10, 0xED80},
    {0xFA11, 0xED95}, {0xFA12, 0xEDBC}, {0xFA13, 0xEDCC}, {0xFA14, 0xEDCE}, {0xFA16, 0xEE42},
    {0xFA17, 0xEE59}, {0xFA18, 0xEE61}, {0xFA19, 0xEE62}, {0xFA1A, 0xEE63}, {0xFA1B, 0xEE65},
    {0xFA1C, 0xEE69}, {0xFA1D, 0xEE6C}, {0xFA1E, 0xEE75}, {0xFA1F, 0xEE81}, {0xFA20, 0xEE83},
    {0xFA21, 0xEE84}, {0xFA22, 0xEE8D}, {0xFA23, 0xEE95}, {0xFA24, 0xEE97}, {0xFA25, 0xEE98},
    {0xFA26, 0xEE9B}, {0xFA27, 0xEEB7}, {0xFA28, 0xEEBE}, {0xFA29, 0xEECE}, {0xFA2A, 0xEEDA},
    {0xFA2B, 0xEEDB}, {0xFA2C, 0xEEDD}, {0xFA2D, 0xEEEA},
};

/* A cp932 code iconv does not give for cp: the duplicates above, and the bytes Python's cp932
 * decodes to a character of their own (80 to U+0080, A0 and FD..FF to U+F8F0..F8F3). */
static int sjis_extra(uint32_t cp)
{
    if (cp == 0x80)
        return 0x80;
    if (cp == 0xF8F0)
        return 0xA0;
    if (cp >= 0xF8F1 && cp <= 0xF8F3)
        return (int)(0xFD + cp - 0xF8F1);
    size_t lo = 0, hi = sizeof SJIS_ALT / sizeof SJIS_ALT[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (SJIS_ALT[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sizeof SJIS_ALT / sizeof SJIS_ALT[0] && SJIS_ALT[lo].cp == cp ? SJIS_ALT[lo].code
                                                                              : -1;
}

static int extra_code(int c, uint32_t cp)
{
    if (c == W_SJIS)
        return sjis_extra(cp);
    if (c == W_GBK && cp >= 0xE000 && cp <= 0xF8FF)
        return tf__gb_pua_code(cp);
    return -1;
}

/* ---- following UTF-8 while encoding ------------------------------------------------- */

/* Feeds bytes to a count of continuation bytes still expected; 0 when they break UTF-8. */
static int utf8_feed(unsigned *pend, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned x = b[i];
        if (x >= 0x80 && x <= 0xBF) {
            if (*pend == 0)
                return 0;
            --*pend;
            continue;
        }
        if (*pend)
            return 0;
        *pend = x < 0x80 ? 0 : x >= 0xC2 && x <= 0xDF ? 1 : x >= 0xE0 && x <= 0xEF ? 2
                : x >= 0xF0 && x <= 0xF4                 ? 3 : 9;
        if (*pend == 9)
            return 0;
    }
    return 1;
}

static int put_code(tf__buf *out, int code)
{
    if (code > 0xFF && tf__buf_putc(out, (unsigned char)(code >> 8)))
        return -1;
    return tf__buf_putc(out, (unsigned char)code);
}

/* Whether s has a character only the slow encoder can encode right. */
static int has_extra(int c, const char *s, size_t len)
{
    if (c != W_SJIS && c != W_GBK)
        return 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (cp >= 0x80 && extra_code(c, cp) >= 0)
            return 1;
    }
    return 0;
}

/* Character by character: where a character has two codes, the one that keeps the bytes
 * UTF-8 so far is taken (`≒` after a lead byte is 87 90, elsewhere 81 E0). */
static int encode_slow(tf__repair_state *st, int c, const char *s, size_t len, tf__buf *out,
                       tf__buf *tmp)
{
    unsigned pend = 0;
    tf__buf_clear(out);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = tf__utf8_next((const unsigned char *)s + i, len - i, &cp);
        int alt = cp >= 0x80 ? extra_code(c, cp) : -1;
        int ok = tf__repair_iconv(st, WDB[c].iconv_name, "UTF-8", s + i, k, tmp) == 0;
        i += k;
        if (alt >= 0) {
            unsigned char ab[2] = {(unsigned char)(alt >> 8), (unsigned char)alt};
            unsigned p2 = pend;
            int alt_fits = utf8_feed(&p2, alt > 0xFF ? ab : ab + 1, alt > 0xFF ? 2 : 1);
            p2 = pend;
            if (!ok || (alt_fits && !utf8_feed(&p2, (unsigned char *)tmp->data, tmp->len))) {
                put_code(out, alt);
                utf8_feed(&pend, alt > 0xFF ? ab : ab + 1, alt > 0xFF ? 2 : 1);
                continue;
            }
        }
        if (!ok)
            return -1;
        tf__buf_append(out, tmp->data, tmp->len);
        utf8_feed(&pend, (unsigned char *)tmp->data, tmp->len);
    }
    return out->failed ? -1 : 0;
}

static int valid_utf8(const tf__buf *b)
{
    return tf__utf8_valid_prefix((const unsigned char *)b->data, b->len) == b->len;
}

/* s encoded with double-byte codec c, whatever the bytes are (a piece between lost bytes
 * has broken UTF-8 at its ends); -1 when a character has no code. */
static int encode_raw(tf__repair_state *st, int c, const char *s, size_t len, tf__buf *out,
                      tf__buf *tmp)
{
    if (tf__repair_iconv(st, WDB[c].iconv_name, "UTF-8", s, len, out) == 0)
        return 0;
    return has_extra(c, s, len) ? encode_slow(st, c, s, len, out, tmp) : -1;
}

/* s encoded with double-byte codec c, as bytes that are UTF-8 (else -1). A U+FFFD stands for
 * bytes lost before the text reached us: this pass does not guess at them. */
static int encode_dbcs(tf__repair_state *st, int c, const char *s, size_t len, tf__buf *out,
                       tf__buf *tmp)
{
    if (memmem(s, len, "\xEF\xBF\xBD", 3))
        return -1;
    if (tf__repair_iconv(st, WDB[c].iconv_name, "UTF-8", s, len, out) == 0 && valid_utf8(out))
        return 0;
    if (!has_extra(c, s, len))
        return -1;
    return encode_slow(st, c, s, len, out, tmp) == 0 && valid_utf8(out) ? 0 : -1;
}

/* Whether cp is windows-1252 mojibake material: every code point below U+0100 stands for its
 * own byte (Latin-1, and the C1 controls WHATWG's windows-1252 gives its five undefined
 * bytes), windows-1252's extras for theirs. */
static int sb_byte(const tf__repair_state *st, uint32_t cp)
{
    if (cp < 0x100)
        return (int)cp;
    return cp == 0xFFFD ? -1 : tf__sb_encode(st, TF__SB_CP1252, cp);
}

static int encode_1252(const tf__repair_state *st, const char *s, size_t len, tf__buf *out)
{
    tf__buf_clear(out);
    if (tf__buf_reserve(out, len + 1)) /* never more bytes than characters */
        return -1;
    unsigned char *o = (unsigned char *)out->data;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp = (unsigned char)s[i];
        if (cp < 0x80) /* ASCII, most of a line, is itself */
            i++;
        else
            i += tf__utf8_next((const unsigned char *)s + i, len - i, &cp);
        int b = cp == TF__BADCP ? -1 : sb_byte(st, cp);
        if (b < 0)
            return -1;
        o[n++] = (unsigned char)b;
    }
    out->len = n;
    o[n] = 0;
    return 0;
}

/* ---- judging a decoding ------------------------------------------------------------- */

/* Characters double-byte CJK text is made of: CJK symbols and punctuation, kana, Han, Hangul,
 * fullwidth forms, box drawing, and the few Latin-1 signs the codecs hold as two bytes. Greek,
 * Cyrillic and Latin letters a codec made of windows-1252 bytes say it is the wrong codec. */
static int cjk_char(uint32_t c)
{
    return (c >= 0x2010 && c < 0x2800) || (c >= 0x2E80 && c < 0xA000) ||
           (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c < 0xFB00) ||
           (c >= 0xFE30 && c < 0xFE70) || (c >= 0xFF00 && c < 0xFFF0) || c == 0xA7 ||
           c == 0xA8 || c == 0xB0 || c == 0xB1 || c == 0xB7 || c == 0xD7 || c == 0xF7;
}

/* What a repair may produce: text, no controls, no private use. Returns the number of
 * non-ASCII characters, or -1. With cjk, only cjk_char() characters may be non-ASCII. */
static long final_ok(const char *s, size_t len, int cjk)
{
    long wide = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &c);
        if (c < 0x80 && (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') && c != 0x7F)
            continue;
        if (c < 0xA0 || (c >= 0xE000 && c <= 0xF8FF) || c >= 0xF0000 || c == 0xFFFD ||
            (cjk && !cjk_char(c)))
            return -1;
        wide++;
    }
    return wide;
}

/* A decoding must read like text on its own, not only beat the mojibake: clean text scores
 * -3 to -5 nats a character, mojibake and wrong-codec garbles -12 to -14. */
#define MIN_PER_CHAR (-9.0)
/* Two or more multibyte UTF-8 characters from the bytes are evidence of their own: a short
 * word of rare Han (`形縮`) may then score lower. */
#define MIN_PER_CHAR_UTF8 (-12.5)
/* A three- or four-byte UTF-8 character is more evidence still: the bytes of a wrong reading
 * form one by chance about once in 256 places (a lead E0..F4, then two continuations), so
 * for the floor above each counts log 256 nats in the decoding's favour. Without it two rare
 * Han (`蹻蹻` from EUC-JP mojibake) fall under the floor while a wrong codec's two-byte
 * garble (`ǁ֫У`) clears it and wins. */
#define LONG_UTF8_CREDIT 5.5

/* The floor's credit for the long UTF-8 characters of a decoding s[0..len). */
static double long_utf8_credit(const char *s, size_t len)
{
    long n = 0;
    for (size_t i = 0; i < len; i++)
        n += (unsigned char)s[i] >= 0xE0;
    return LONG_UTF8_CREDIT * (double)n;
}

typedef struct {
    tf__repair_state *st;
    const char *s;
    size_t len;
    double before; /* the model's score of the stretch */
    long nhigh;    /* its windows-1252 mojibake characters */
    double now;    /* the same for the stretch as the earlier edits leave it */
    long now_high;
    int now_japanese; /* the earlier edits read no windows-1252 with a non-Japanese codec */
    double bias;   /* added to the next offer's score (see try_1252) */
    double best_gain;
    char best_rule[64];
    tf__buf best;
    tf__buf a, b, tmp, sc, sc2; /* scratch */
} whole;

/* The model's score of s[0..len), with box drawing (U+2500..257F) read as ASCII `+`: the
 * model knows running text, and a table drawn in GBK (`©À©¤©¤`) must come back as the table
 * it was (`├──`), not as whatever the model finds likelier. */
static double score(whole *w, const char *s, size_t len, size_t *n)
{
    if (!memmem(s, len, "\xE2\x94", 2) && !memmem(s, len, "\xE2\x95", 2))
        return tf__model_score(s, len, n);
    tf__buf_clear(&w->sc);
    for (size_t i = 0; i < len; i++) {
        if (i + 2 < len && s[i] == '\xE2' && (s[i + 1] == '\x94' || s[i + 1] == '\x95')) {
            tf__buf_putc(&w->sc, '+');
            i += 2;
            continue;
        }
        tf__buf_putc(&w->sc, (unsigned char)s[i]);
    }
    if (w->sc.failed)
        return tf__model_score(s, len, n);
    return tf__model_score(w->sc.data, w->sc.len, n);
}

/* Margins. Bytes that come back as UTF-8 with two or more multibyte characters are a pattern
 * clean text almost never makes, so the model only has to prefer the decoding; with one (`簡`
 * for `²`) it must prefer it clearly. A double-byte reading of Latin-1 letters proves nothing
 * by its bytes, so over the stretch as it is it needs the margin repair_cjk.c uses for it (a
 * true repair gains 16 nats or more per character it changes); over what the windowed passes
 * made of the stretch, a smaller one per character they left, since their repairs already
 * took most of the gain and only what they missed (`¥H` for `以`) is still to win. */
static double utf8_margin(long wide) { return wide >= 2 ? 0.0 : 6.0; }
static double latin_margin(long nhigh) { return 8.0 + 1.5 * (double)nhigh; }
static double latin_margin_now(long nhigh) { return 0.5 * (double)nhigh; }

/* Offers text as the repair of the stretch under rule (a format for label). wide > 0 says the
 * text is a UTF-8 decoding with that many non-ASCII characters, 0 a double-byte reading of
 * windows-1252. Kept when it clears the margins over the stretch as it is and as the earlier
 * edits leave it, and reads better than the best so far. */
static void offer(whole *w, const char *text, size_t len, long wide, const char *rule,
                  const char *label)
{
    size_t n = 0;
    double after = score(w, text, len, &n) + w->bias;
    double gain = after - w->before;
    double m = wide ? utf8_margin(wide) : latin_margin(w->nhigh);
    double m_now = wide ? utf8_margin(wide) : latin_margin_now(w->now_high);
    double floor_score = wide >= 2 ? after + long_utf8_credit(text, len) : after;
    if (n == 0 || floor_score / (double)n < (wide >= 2 ? MIN_PER_CHAR_UTF8 : MIN_PER_CHAR) ||
        gain <= m || after - w->now <= m_now || gain <= w->best_gain)
        return;
    w->best_gain = gain;
    snprintf(w->best_rule, sizeof w->best_rule, rule, label);
    tf__buf_clear(&w->best);
    tf__buf_append(&w->best, text, len);
}

static long multibyte(const tf__buf *b)
{
    long n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += ((unsigned char)b->data[i] & 0xC0) == 0xC0;
    return n;
}

/* The script of a non-ASCII character, for tf__script_switches(): Latin, Greek, Cyrillic,
 * Hebrew, Arabic, CJK; 0 for the rest (symbols, punctuation). */
static int script_of(uint32_t c)
{
    static const uint32_t lim[][3] = {
        {0xC0, 0x250, 1},    {0x1E00, 0x1F00, 1}, {0x370, 0x400, 2},    {0x400, 0x530, 3},
        {0x590, 0x600, 4},   {0x600, 0x700, 5},   {0x2E80, 0xA000, 6},  {0xAC00, 0xD7A4, 6},
        {0xF900, 0xFB00, 6}, {0xFF00, 0xFFF0, 6}, {0x20000, 0x32000, 6},
    };
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
        if (c >= lim[i][0] && c < lim[i][1])
            return (int)lim[i][2];
    return 0;
}

/* Blocks running text hardly uses but a wrong codec's reading of UTF-8 bytes often lands in:
 * CJK radicals, supplemental punctuation, bopomofo, CJK compatibility, small form variants
 * (`⺎`, `⸍`, `㎸`); and, where a three-byte lead E2..E4 came out of the bytes, miscellaneous
 * technical signs, the minority scripts of U+2C00..2DFF (Glagolitic to Ethiopic Extended) and
 * the Yijing hexagrams (`⏭`, `ⶉ`, `䷋`: Shift_JIS readings of EUC-JP mojibake). The model
 * scores some of them like common symbols or letters. */
static int odd_block(uint32_t cp)
{
    return (cp >= 0x2300 && cp <= 0x23FF) || (cp >= 0x2C00 && cp <= 0x2FFF) ||
           (cp >= 0x3100 && cp <= 0x312F) || (cp >= 0x31A0 && cp <= 0x31BF) ||
           (cp >= 0x3300 && cp <= 0x33FF) || (cp >= 0x4DC0 && cp <= 0x4DFF) ||
           (cp >= 0xFE30 && cp <= 0xFE6F);
}

/* How often the script changes from one non-ASCII letter to the next, plus the characters of
 * odd blocks. A UTF-8 decoding that
 * hops between alphabets (`ǁ֫У`: Latin, Hebrew, Cyrillic) is a wrong codec's, yet the model,
 * scoring each character on its own, can like it better than the right one. */
long tf__script_switches(const char *s, size_t len)
{
    long n = 0;
    int prev = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &cp);
        n += odd_block(cp);
        int sc = cp >= 0x80 ? script_of(cp) : 0;
        if (sc && prev && sc != prev)
            n++;
        if (sc)
            prev = sc;
    }
    return n;
}


static void offer_utf8(whole *w, const tf__buf *b, long wide, const char *rule, const char *label)
{
    w->bias = -TF__SWITCH_COST * (double)tf__script_switches(b->data, b->len);
    offer(w, b->data, b->len, wide, rule, label);
    w->bias = 0;
}

/* ---- lost bytes --------------------------------------------------------------------- */

/* Where bytes were lost before the text reached us, the UTF-8 characters they belonged to
 * cannot come back; the rest can. GAP stands in the bytes for a U+FFFD the wrong decoder made
 * of bytes it could not read (no UTF-8 has it). */
#define GAP 0xFF

/* How lenient_utf8() found the breaks: those at a GAP, and the others, which are all a lead
 * byte short of continuation bytes (a byte dropped after it) or not. */
typedef struct {
    long wide;  /* whole multibyte characters */
    long gaps;  /* breaks at a GAP */
    long short_leads, other; /* breaks elsewhere */
} breaks;

/* The end of the broken sequence at b[i] (a lead without all its continuation bytes, stray
 * continuation bytes, GAPs): it becomes one U+FFFD. */
static size_t broken_end(const unsigned char *b, size_t n, size_t i, breaks *k)
{
    int gap = 0, lead = b[i] >= 0xC2 && b[i] <= 0xF4;
    size_t j = i + 1;
    while (j < n && (((b[j] & 0xC0) == 0x80) || b[j] == GAP)) {
        gap |= b[j] == GAP;
        j++;
    }
    gap |= b[i] == GAP;
    if (gap)
        k->gaps++;
    else if (lead)
        k->short_leads++;
    else
        k->other++;
    return j;
}

/* Decodes b as UTF-8 into out, each broken sequence becoming one U+FFFD. Returns -1 when a
 * character is nothing text has (a control, private use). */
static int lenient_utf8(const tf__buf *in, tf__buf *out, breaks *k)
{
    const unsigned char *b = (const unsigned char *)in->data;
    memset(k, 0, sizeof *k);
    tf__buf_clear(out);
    for (size_t i = 0; i < in->len;) {
        uint32_t cp;
        size_t n = tf__utf8_next(b + i, in->len - i, &cp);
        if (cp == TF__BADCP) {
            i = broken_end(b, in->len, i, k);
            tf__buf_put_cp(out, 0xFFFD);
            continue;
        }
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F ||
            (cp >= 0x80 && cp < 0xA0) || (cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000)
            return -1;
        k->wide += n > 1;
        tf__buf_append(out, b + i, n);
        i += n;
    }
    return out->failed ? -1 : 0;
}

/* s with its U+FFFD runs encoded as GAPs and the rest with codec c, into out. */
static int encode_pieces(whole *w, int c, tf__buf *out)
{
    tf__buf_clear(out);
    const char *s = w->s, *end = s + w->len;
    while (s < end) {
        const char *f = memmem(s, (size_t)(end - s), "\xEF\xBF\xBD", 3);
        const char *stop = f ? f : end;
        if (stop > s && (encode_raw(w->st, c, s, (size_t)(stop - s), &w->b, &w->tmp) ||
                         tf__buf_append(out, w->b.data, w->b.len)))
            return -1;
        if (!f)
            break;
        tf__buf_putc(out, GAP);
        for (s = f; s + 3 <= end && memcmp(s, "\xEF\xBF\xBD", 3) == 0; s += 3)
            ;
    }
    return out->failed ? -1 : 0;
}

/* UTF-8 read as double-byte codec c, where the decoder made U+FFFD of bytes it could not read:
 * every piece between them must come back, and only the characters broken at them are lost.
 * The whole characters must outnumber the losses by two. */
static void try_utf8_dbcs_lossy(whole *w, int c)
{
    breaks k;
    if (encode_pieces(w, c, &w->a) || lenient_utf8(&w->a, &w->sc2, &k) ||
        k.short_leads + k.other > 0 || k.wide < k.gaps + 2)
        return;
    offer_utf8(w, &w->sc2, k.wide, "utf-8 read as %s", WDB[c].label);
}

/* UTF-8 read as windows-1252 by a decoder that dropped the five bytes the codec leaves
 * undefined (81 8D 8F 90 9D, all continuation bytes): each character that lost one is a lead
 * short of continuation bytes, and only those are lost (whole characters outnumbering them by
 * two: Japanese loses many, `の` is E3 81 AE). */
static void try_1252_dropped(whole *w)
{
    breaks k;
    if (lenient_utf8(&w->a, &w->sc2, &k) || k.gaps + k.other > 0 || k.short_leads == 0 ||
        k.wide < k.short_leads + 2)
        return;
    offer_utf8(w, &w->sc2, k.wide, "utf-8 read as %s, bytes dropped", "windows-1252");
}

/* UTF-8 read as double-byte codec c, once or twice (the second layer's text is the first's
 * bytes read with c again, so it is tried when the first decoding is itself still UTF-8
 * read as c). */
static void try_utf8_dbcs(whole *w, int c)
{
    if (encode_dbcs(w->st, c, w->s, w->len, &w->a, &w->tmp) || multibyte(&w->a) == 0)
        return;
    long wide = final_ok(w->a.data, w->a.len, 0);
    if (wide >= 1)
        offer_utf8(w, &w->a, wide, "utf-8 read as %s", WDB[c].label);
    if (encode_dbcs(w->st, c, w->a.data, w->a.len, &w->b, &w->tmp) || multibyte(&w->b) == 0)
        return;
    wide = final_ok(w->b.data, w->b.len, 0);
    if (wide >= 1)
        offer_utf8(w, &w->b, wide, "utf-8 read as %s, twice", WDB[c].label);
}

static int ascii_letter(unsigned c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* Whether a CJK letter (U+2E80 and up: Han, kana, Hangul) of s[0..len) sits inside a Latin
 * word, with ASCII letters on both sides (`conf誕n`): a double-byte reading of a European word
 * pairs its accent with the letter after it, which CJK text almost never shows. Symbols
 * (`text→any`) may. */
static int inside_word(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 1; i + 3 < len; i++) {
        if (u[i] < 0xE2 || (u[i] == 0xE2 && u[i + 1] < 0xBA) || !ascii_letter(u[i - 1]))
            continue;
        size_t j = i + (u[i] >= 0xF0 ? 4 : 3);
        if (j < len && ascii_letter(u[j]))
            return 1;
    }
    return 0;
}

/* GBK and EUC-JP share the codes of the kana, so Japanese read either way gives the same kana
 * and the model, which scores Han alike in both languages, cannot tell `値` from `猛`. Kana
 * are Japanese text, though, so a Chinese or Korean codec's reading that has them pays half a
 * nat for each (at most 6): a tie goes to Japanese, and no real Chinese reading loses by it. */
static double kana_bias(int c, const char *s, size_t len)
{
    if (c == W_SJIS || c == W_EUCJP)
        return 0;
    long kana = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &cp);
        kana += tf__is_kana(cp);
    }
    return -0.5 * (double)(kana < 12 ? kana : 12);
}

/* The single-byte codec a layer was read with, named as repair_latin.c names it: Latin-1
 * when every character is below U+0100 (ftfy's order: the first codec that explains it). */
static const char *sb_label(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (cp >= 0x100)
            return "windows-1252";
    }
    return "latin-1";
}

/* The rule of two single-byte layers, outer text s[0..len), inner text in inner; returns a
 * format for offer() (its % signs are the names', which have none). */
static const char *sb_chain(const char *s, size_t len, const tf__buf *inner, char *rule,
                            size_t size)
{
    const char *outer = sb_label(s, len), *in = sb_label(inner->data, inner->len);
    if (strcmp(outer, in) == 0)
        snprintf(rule, size, "utf-8 read as %s, 2 times", outer);
    else
        snprintf(rule, size, "utf-8 read as %s, then as %s", outer, in);
    return rule;
}

/* Whether most non-ASCII characters of the decoding s[0..len) stand alone, with ASCII on
 * both sides. CJK text comes in words and clauses; signs scattered through Latin text
 * (`¬´ ... o¬ô`) read as double-byte make lone Han (`炭 ... o紂`), and no CJK punctuation
 * (`与 CVS，` is CJK). Box drawing does not count: a table's lines stand alone. */
static int scattered(const char *s, size_t len)
{
    long wide = 0, alone = 0;
    int prev = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &cp);
        if ((cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF65))
            return 0; /* CJK punctuation: clauses, not scattered signs */
        int hi = cp >= 0x80, box = cp >= 0x2500 && cp <= 0x257F; /* tables stand alone */
        int next = hi && i < len && (unsigned char)s[i] >= 0x80;
        wide += hi && !box;
        alone += hi && !box && !prev && !next;
        prev = hi;
    }
    return alone * 2 > wide;
}

/* The stretch s[0..len) read as windows-1252 (or Latin-1): its bytes decoded with each
 * double-byte codec, and as UTF-8 once or twice. A plain single layer of UTF-8 is left to
 * repair_latin.c, which knows the single-byte codecs' finer cases; it only competes here so
 * that a stretch it explains better is not taken for double-byte text. */
static void try_1252(whole *w, const char *s, size_t len, int dbcs, int encoded)
{
    char rule[64];
    if (!encoded && encode_1252(w->st, s, len, &w->a))
        return;
    /* Bytes that are UTF-8 with multibyte characters are UTF-8: no double-byte reading. */
    int utf8 = valid_utf8(&w->a) && multibyte(&w->a) > 0;
    for (int c = 0; c < W_NDB && dbcs && !utf8; c++) {
        if (tf__repair_iconv(w->st, "UTF-8", WDB[c].iconv_name, w->a.data, w->a.len, &w->b))
            continue;
        if (final_ok(w->b.data, w->b.len, 1) < 2 || inside_word(w->b.data, w->b.len) ||
            scattered(w->b.data, w->b.len))
            continue;
        w->bias = kana_bias(c, w->b.data, w->b.len);
        offer(w, w->b.data, w->b.len, 0, "%s read as windows-1252", WDB[c].label);
        w->bias = 0;
    }
    if (!utf8) {
        if (dbcs) /* after the latin pass, whose finer readings (`Ã s` for `às`) come first */
            try_1252_dropped(w);
        return;
    }
    long wide = final_ok(w->a.data, w->a.len, 0);
    if (wide >= 1)
        offer_utf8(w, &w->a, wide, "%s", "");
    if (encode_1252(w->st, w->a.data, w->a.len, &w->b) || !valid_utf8(&w->b) ||
        multibyte(&w->b) == 0)
        return;
    wide = final_ok(w->b.data, w->b.len, 0);
    if (wide >= 1)
        offer_utf8(w, &w->b, wide, sb_chain(s, len, &w->a, rule, sizeof rule), "");
}

static const char *explain(const char *rule)
{
    if (strstr(rule, "twice"))
        return "UTF-8 text had been decoded with the wrong codec twice over; encoding it back "
               "twice and decoding the bytes as UTF-8 restores it";
    if (strncmp(rule, "utf-8", 5) == 0)
        return "UTF-8 text had been decoded with a double-byte codec; encoding it back and "
               "decoding the bytes as UTF-8 restores it";
    return "double-byte CJK text had been decoded as windows-1252; encoding it back and "
           "decoding the bytes with the codec the model prefers restores it";
}

/* Drops the earlier edits inside s[a..b): the whole-stretch decoding replaces them. */
static void drop_inside(tf__edits *ed, size_t a, size_t b)
{
    size_t k = 0;
    for (size_t i = 0; i < ed->n; i++)
        if (!(ed->v[i].start >= a && ed->v[i].end <= b))
            ed->v[k++] = ed->v[i];
    ed->n = k;
}

/* Records the best decoding of s[base..base+slen) as an edit of the part that changed, in
 * place of the earlier edits there. An empty rule is a single UTF-8-as-windows-1252 layer:
 * left to the latin pass. Returns 1 when it recorded one, 0, or -1 when out of memory. */
static int emit(whole *w, size_t base, size_t slen, tf__edits *ed)
{
    if (w->best_gain <= -1e299 || w->best_rule[0] == 0)
        return 0;
    if (w->best.failed)
        return -1;
    const char *s = w->s + base, *t = w->best.data;
    size_t tl = w->best.len, p = 0, q = 0;
    while (p < slen && p < tl && s[p] == t[p])
        p++;
    while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80) /* back to a character start */
        p--;
    while (q < slen - p && q < tl - p && s[slen - 1 - q] == t[tl - 1 - q])
        q++;
    while (q > 0 && ((unsigned char)s[slen - q] & 0xC0) == 0x80)
        q--;
    drop_inside(ed, base, base + slen);
    double conf = 1.0 - 1.0 / (1.0 + w->best_gain);
    if (tf__edits_add(ed, base + p, base + slen - q, t + p, tl - p - q, w->best_rule,
                      explain(w->best_rule), conf < 0.5 ? 0.5 : conf > 0.99 ? 0.99 : conf))
        return -1;
    return 1;
}

/* The stretch s[a..b) as the earlier edits leave it, in w->tmp. Returns 0 when none touches
 * it, 1 when some lie inside it, 2 when they read it with different double-byte codecs (one
 * text was written in one codec: such a mix is no reading to defend), -1 when one reaches out
 * of it (the stretch is then not this pass's to judge), -2 when out of memory. */
static int as_edited(whole *w, const tf__edits *ed, size_t a, size_t b)
{
    int inside = 0;
    const char *rule = NULL;
    for (size_t i = 0; i < ed->n; i++) {
        const tf__edit *e = &ed->v[i];
        if (e->end <= a || e->start >= b)
            continue;
        if (e->start < a || e->end > b)
            return -1;
        if (!inside)
            inside = 1;
        if (!strstr(e->rule, "read as windows-1252"))
            continue;
        if (rule && strcmp(rule, e->rule) != 0)
            inside = 2;
        rule = e->rule;
    }
    w->now_japanese = !rule || strncmp(rule, "shift_jis", 9) == 0 ||
                      strncmp(rule, "euc-jp", 6) == 0;
    if (inside != 1)
        return inside;
    tf__buf_clear(&w->tmp);
    for (size_t at = a;;) {
        const tf__edit *next = NULL;
        for (size_t i = 0; i < ed->n; i++) {
            const tf__edit *e = &ed->v[i];
            if (e->start >= at && e->end <= b && (!next || e->start < next->start))
                next = e;
        }
        size_t stop = next ? next->start : b;
        tf__buf_append(&w->tmp, w->s + at, stop - at);
        if (!next)
            break;
        tf__buf_append(&w->tmp, ed->text.data + next->text_off, next->text_len);
        at = next->end;
    }
    return w->tmp.failed ? -2 : 1;
}

/* The characters of s[0..len) windows-1252 mojibake is made of: the ones a double-byte
 * reading would change. */
static long count_high(const whole *w, const char *s, size_t len)
{
    long n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &cp);
        n += cp >= 0x80 && cp != TF__BADCP && sb_byte(w->st, cp) >= 0;
    }
    return n;
}

/* Starts the judging of s[a..b): a decoding must beat both the stretch as it is and what the
 * windowed passes made of it (a French line they repaired is not GBK read as windows-1252
 * because GBK reads better than its mojibake did). Returns 0, 1 to skip the stretch, or -1
 * when out of memory. */
static int reset(whole *w, const tf__edits *ed, size_t a, size_t b)
{
    w->best_gain = -1e300;
    w->best_rule[0] = 0;
    int r = as_edited(w, ed, a, b);
    if (r < 0)
        return r == -1 ? 1 : -1;
    w->before = w->now = score(w, w->s + a, b - a, NULL);
    w->nhigh = w->now_high = count_high(w, w->s + a, b - a);
    if (r == 1) {
        double edited = score(w, w->tmp.data, w->tmp.len, NULL);
        /* The priors offers get hold for the windowed passes' readings too. */
        if (!w->now_japanese)
            edited += kana_bias(W_GBK, w->tmp.data, w->tmp.len);
        edited -= TF__SWITCH_COST * (double)tf__script_switches(w->tmp.data, w->tmp.len);
        if (edited > w->now) {
            w->now = edited;
            w->now_high = count_high(w, w->tmp.data, w->tmp.len);
        }
    }
    return 0;
}

/* The end of the stretch of windows-1252-encodable characters at s[i..), counting its
 * non-ASCII ones. */
static size_t stretch_end(const whole *w, size_t i, long *nhigh)
{
    *nhigh = 0;
    while (i < w->len) {
        uint32_t cp;
        size_t k = tf__utf8_next((const unsigned char *)w->s + i, w->len - i, &cp);
        if (cp == TF__BADCP || sb_byte(w->st, cp) < 0)
            break;
        *nhigh += cp >= 0x80;
        i += k;
    }
    return i;
}

/* Whether the stretch's bytes are UTF-8 with multibyte characters: the first round's
 * readings need it, and it is cheap to know before the model is asked anything. */
static int utf8_stretch(whole *w, const char *s, size_t len)
{
    return encode_1252(w->st, s, len, &w->a) == 0 && valid_utf8(&w->a) && multibyte(&w->a) > 0;
}

/* Whether s[a..b) overlaps one of the edits ed->v[0..n). */
static int overlaps_first(const tf__edits *ed, size_t n, size_t a, size_t b)
{
    for (size_t i = 0; i < n && i < ed->n; i++)
        if (a < ed->v[i].end && ed->v[i].start < b)
            return 1;
    return 0;
}

/* Each stretch a single-byte codec can encode, with two or more non-ASCII characters, on its
 * own. Before the windowed passes (dbcs 0) only its UTF-8 readings are tried, which need no
 * other reading to beat; after the latin pass (dbcs 1) the double-byte readings too, against
 * what that pass made of the stretch, skipping the stretches the first round repaired (the
 * edits ed->v[0..keep)). */
static int stretches(whole *w, tf__edits *ed, int dbcs, size_t keep)
{
    for (size_t i = 0; i < w->len;) {
        long nhigh;
        size_t end = stretch_end(w, i, &nhigh);
        if (end == i) {
            uint32_t cp;
            i += tf__utf8_next((const unsigned char *)w->s + i, w->len - i, &cp);
            continue;
        }
        int r = nhigh >= 2 && !overlaps_first(ed, keep, i, end) &&
                        (dbcs || utf8_stretch(w, w->s + i, end - i))
                    ? reset(w, ed, i, end)
                    : 1;
        if (r < 0)
            return -1;
        if (r == 0) {
            try_1252(w, w->s + i, end - i, dbcs, !dbcs); /* round 1: utf8_stretch did it */
            if (emit(w, i, end - i, ed) < 0)
                return -1;
        }
        i = end;
    }
    return 0;
}

/* The first round: the whole segment as UTF-8 read as a double-byte codec (when it is not all
 * single-byte text), else its stretches as UTF-8 read as windows-1252 twice. */
static int first_round(whole *w, tf__edits *ed)
{
    long nhigh;
    if (stretch_end(w, 0, &nhigh) == w->len)
        return stretches(w, ed, 0, 0);
    int rc = reset(w, ed, 0, w->len);
    int lossy = memmem(w->s, w->len, "\xEF\xBF\xBD", 3) != NULL;
    for (int c = 0; c < W_NDB && rc == 0; c++) {
        if (lossy)
            try_utf8_dbcs_lossy(w, c);
        else
            try_utf8_dbcs(w, c);
    }
    if (rc == 0 && emit(w, 0, w->len, ed) < 0)
        rc = -1;
    return rc < 0 ? -1 : ed->n > 0 ? 0 : stretches(w, ed, 0, 0);
}

int tf__repair_whole(tf__repair_state *st, const char *s, size_t len, tf__edits *ed,
                     size_t keep)
{
    whole w = {.st = st, .s = s, .len = len};
    tf__buf_init(&w.best, 0);
    tf__buf_init(&w.a, 0);
    tf__buf_init(&w.b, 0);
    tf__buf_init(&w.tmp, 0);
    tf__buf_init(&w.sc, 0);
    tf__buf_init(&w.sc2, 0);
    int rc = keep == (size_t)-1 ? first_round(&w, ed) : stretches(&w, ed, 1, keep);
    tf__buf_free(&w.best);
    tf__buf_free(&w.a);
    tf__buf_free(&w.b);
    tf__buf_free(&w.tmp);
    tf__buf_free(&w.sc);
    tf__buf_free(&w.sc2);
    return rc;
}
