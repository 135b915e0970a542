/* repair_cjk.c - CJK mojibake:
 *   UTF-8 read as GBK, Big5, Shift_JIS, EUC-JP or EUC-KR: `鍙戝竷` for `发布`, `縺薙ｓ`;
 *   those double-byte codecs read as Latin-1/windows-1252: `ÄãºÃ` for `你好`;
 *   and the U+FFFD that such a round trip made of lost bytes: `锟斤拷`.
 *
 * UTF-8 read as a double-byte codec is recognized by its bytes: re-encoded, the characters
 * give back UTF-8's pattern of a lead byte E0..EF and two continuation bytes, pair after pair,
 * which clean text almost never does. A per-context table gives each character's byte
 * classes in every codec, so the clean-text scan is one table look-up per character with no
 * iconv call; iconv runs only on the few windows that show the pattern, and the model has
 * the last word. The double-byte codecs read as Latin-1 show as runs of four or more Latin-1
 * letters and symbols; only the model can say which codec they were, so they are repaired
 * only when it clearly prefers one decoding. */
#include "model.h"
#include "repair.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum { DB_GBK, DB_BIG5, DB_SJIS, DB_EUCJP, DB_EUCKR, DB_COUNT };

static const struct {
    const char *iconv_name;
    const char *label; /* in report rules */
} DBCS[DB_COUNT] = {
    {"GB18030", "gbk"},
    {"BIG5-HKSCS", "big5"},
    {"CP932", "shift_jis"},
    {"EUC-JP", "euc-jp"},
    {"CP949", "euc-kr"},
};

/* Byte classes of a character's two bytes in one codec, two bits per codec in the table:
 * L = a UTF-8 lead of three bytes (E0..EF), C = a continuation (80..BF). */
enum { T_NONE = 0, T_LC = 1, T_CL = 2, T_CC = 3 };
#define T_SJIS_C1 (1u << 10) /* a halfwidth katakana whose one Shift_JIS byte is a C */
#define S_C1 (1u << 20)      /* the same in the scan table (see scan_table) */

/* The table covers U+3000..9FFF, the Hangul syllables, the halfwidth/fullwidth forms, and the
 * symbols, Greek and Cyrillic the double-byte codecs also hold (`╀`, `∪`): every character
 * UTF-8-as-double-byte mojibake is made of. */
#define IDX_HANGUL 0x7000
#define IDX_FORMS (IDX_HANGUL + (0xD7A4 - 0xAC00))
#define IDX_SYM (IDX_FORMS + 0xF0)
#define IDX_LAT (IDX_SYM + 0x800)
/* GBK's user-defined rows and vertical forms decode (in GB18030 and Windows' cp936) to
 * private-use characters and the CJK compatibility forms: UTF-8 read as GBK makes them often
 * (a lead A1..A7 byte followed by a trail below A1). */
#define IDX_PUA (IDX_LAT + (0x500 - 0xA0))
#define IDX_CFORMS (IDX_PUA + 0x900)
#define IDX_CIDEO (IDX_CFORMS + 0x40)
#define TABLE_SIZE (IDX_CIDEO + 0x200)

static int cjk_index(uint32_t cp)
{
    if (cp >= 0x3000 && cp < 0xA000)
        return (int)(cp - 0x3000);
    if (cp >= 0xAC00 && cp <= 0xD7A3)
        return IDX_HANGUL + (int)(cp - 0xAC00);
    if (cp >= 0xFF00 && cp < 0xFFF0)
        return IDX_FORMS + (int)(cp - 0xFF00);
    if (cp >= 0x2000 && cp < 0x2800)
        return IDX_SYM + (int)(cp - 0x2000);
    if (cp >= 0xA0 && cp < 0x500)
        return IDX_LAT + (int)(cp - 0xA0);
    if (cp >= 0xE000 && cp < 0xE900)
        return IDX_PUA + (int)(cp - 0xE000);
    if (cp >= 0xFE30 && cp < 0xFE70)
        return IDX_CFORMS + (int)(cp - 0xFE30);
    if (cp >= 0xF900 && cp < 0xFB00)
        return IDX_CIDEO + (int)(cp - 0xF900);
    return -1;
}

static unsigned byte_class(unsigned b)
{
    return b >= 0xE0 && b <= 0xEF ? 'L' : b >= 0x80 && b <= 0xBF ? 'C' : 0;
}

static unsigned pair_type(unsigned b1, unsigned b2)
{
    unsigned x = byte_class(b1), y = byte_class(b2);
    if (x == 'L' && y == 'C')
        return T_LC;
    if (x == 'C' && y == 'L')
        return T_CL;
    return x == 'C' && y == 'C' ? T_CC : T_NONE;
}

/* Where codec c's nibble sits in a scan table entry: the five fill bits 0-19 (see
 * scan_table). */
#define NIB(c) (4 * (c))

/* A class pair as the scan table's nibble, one bit a type (L C 1, C L 2, C C 4), so that the
 * scan gets each type for all five codecs with one shift and one mask (see chain_step). */
static unsigned pair_nibble(unsigned t)
{
    return t == T_LC ? 0x1u : t == T_CL ? 0x2u : t == T_CC ? 0x4u : 0u;
}

static unsigned nibble_pair(unsigned n)
{
    return n == 0x1u ? T_LC : n == 0x2u ? T_CL : n == 0x4u ? T_CC : T_NONE;
}

/* Reads fill_codec's output: entry k (up to the k-th newline) is what code k decoded to. */
static void record_codes(uint32_t *tab, int c, const tf__buf *in, const char *o, size_t n)
{
    size_t k = 0, at = 0;
    for (size_t i = 0; i < n && 3 * k < in->len; i++) {
        if (o[i] != '\n')
            continue;
        uint32_t cp;
        size_t len = i - at;
        if (len > 0 && tf__utf8_next((const unsigned char *)o + at, len, &cp) == len &&
            cp < 0x10000 && cjk_index(cp) >= 0 && ((tab[cp] >> NIB(c)) & 0xFu) == 0) {
            unsigned lead = (unsigned char)in->data[3 * k], trail = (unsigned char)in->data[3 * k + 1];
            tab[cp] |= pair_nibble(pair_type(lead, trail)) << NIB(c);
        }
        k++;
        at = i + 1;
    }
}

/* Whether codec c has two-byte codes with this lead and trail at all: the codes sent to iconv
 * in one piece, so that invalid ones, each of which stops the conversion, are few. */
static int code_shape(int c, unsigned lead, unsigned trail)
{
    switch (c) {
    case DB_GBK:
        return lead >= 0x81;
    case DB_BIG5:
        return lead >= 0x81 && trail >= 0xA1;
    case DB_SJIS:
        return (lead >= 0x81 && lead <= 0x9F) || lead >= 0xE0;
    case DB_EUCJP: /* 8E: a halfwidth katakana */
        return (lead >= 0xA1 || (lead == 0x8E && trail <= 0xDF)) && trail >= 0xA1;
    default:
        return lead >= 0x81 && trail >= 0x81;
    }
}

/* Records the class pair of the character each of codec c's two-byte codes that can carry
 * the UTF-8 pattern decodes to (the first code wins). The codes go through iconv in one call,
 * each followed by a newline; where a code does not decode, the call stops, that code's entry
 * is left empty and the call resumes after it. */
static int fill_codec(uint32_t *tab, int c)
{
    tf__buf in, out;
    tf__buf_init(&in, 0);
    tf__buf_init(&out, 0);
    /* Written in place into room reserved once: the table is built on the first non-ASCII
     * text, so its cost is paid by short inputs too. Bytes of no class (C0..DF, F0..FF) have no
     * pair type and are passed over; the order of the codes is kept (the first code wins). */
    if (tf__buf_reserve(&in, 3 * 0x70 * 0x70) == 0)
        for (unsigned lead = 0x80; lead <= 0xEF; lead = lead == 0xBF ? 0xE0 : lead + 1)
            for (unsigned trail = 0x80; trail <= 0xEF; trail = trail == 0xBF ? 0xE0 : trail + 1)
                if (pair_type(lead, trail) != T_NONE && code_shape(c, lead, trail)) {
                    in.data[in.len++] = (char)lead;
                    in.data[in.len++] = (char)trail;
                    in.data[in.len++] = '\n';
                }
    iconv_t cd = iconv_open("UTF-8", DBCS[c].iconv_name);
    int rc = in.failed || tf__buf_reserve(&out, in.len * 2 + 16) || cd == (iconv_t)-1 ? -1 : 0;
    char *ip = in.data, *op = out.data;
    size_t il = in.len, ol = in.len * 2 + 16;
    while (rc == 0 && il > 0 && iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
        if (errno == E2BIG) {
            rc = -1;
            break;
        }
        size_t k = (size_t)(ip - in.data) / 3 + 1; /* entries up to the failed one */
        while (op > out.data && op[-1] != '\n') { /* drop the failed entry's partial output */
            op--;
            ol++;
        }
        *op++ = '\n';
        ol--;
        ip = in.data + 3 * k;
        il = in.len - 3 * k;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    if (rc == 0)
        record_codes(tab, c, &in, out.data, (size_t)(op - out.data));
    tf__buf_free(&in);
    tf__buf_free(&out);
    return rc;
}
/* ---- following the UTF-8 pattern ----------------------------------------------------- */

/* Per codec, the UTF-8 pattern shows when the byte classes of the characters, read in that
 * codec, contain L C C L C C: two whole UTF-8 characters in an unbroken stretch (a lead byte
 * where a continuation is due, or a continuation where none is, breaks a stretch; any byte of
 * no class, or ASCII, too). It is looked for after a character's first byte and after its
 * second; after the first byte of a C L character only, not of a C C one: completing the
 * second UTF-8 character with the first half of a C C pair is a mojibake shape the test has
 * never counted, and clean text makes it (20 lines of the 10 MB corpus).
 *
 * The scan follows the pattern as a small automaton rather than keeping the byte history:
 * what matters is only whether the last bytes are a prefix of the pattern, and five prefixes
 * can lead to it: L (r), L C (p), L C C (q), L C C L (a) and L C C L C (b). Each is a mask with
 * one bit per codec, at bit 0 of the codec's nibble in the scan table (B0), so a character's
 * step is a handful of ANDs of the entry's nibble bits, the same for all five codecs at once:
 * the bulk of clean CJK text pays for this on every character. A pair type's nibble has one
 * bit a type (pair_nibble). */
#define B0 0x11111u                      /* bit 0 of every codec's nibble (NIB(c)) */
#define SJIS_BIT (1u << NIB(DB_SJIS))

typedef struct {
    uint32_t r, p, q, a, b;
} chain;

/* Feeds one character of scan table value v to every codec's chain; returns the codecs (B0
 * bits) that show the pattern after its first or its second byte. A Shift_JIS halfwidth
 * katakana (S_C1) is a single continuation byte in that codec's chain. */
static inline uint32_t chain_step(chain *k, uint32_t v)
{
    uint32_t lc = v & B0, cl = (v >> 1) & B0, cc = (v >> 2) & B0;
    chain o = *k;
    /* After the second byte: L C C L, then C C. After the first: L C C L C, then the C of a
     * C L. */
    uint32_t hit = (o.a & cc) | (o.b & cl);
    k->b = o.q & lc;
    k->a = o.p & cl;
    k->q = o.r & cc;
    k->p = lc;
    k->r = cl;
    if (__builtin_expect((v & S_C1) != 0, 0)) { /* one C byte in the Shift_JIS chain */
        hit = (hit & ~SJIS_BIT) | (o.b & SJIS_BIT);
        k->b = (k->b & ~SJIS_BIT) | (o.a & SJIS_BIT);
        k->a &= ~SJIS_BIT;
        k->q = (k->q & ~SJIS_BIT) | (o.p & SJIS_BIT);
        k->p = (k->p & ~SJIS_BIT) | (o.r & SJIS_BIT);
        k->r &= ~SJIS_BIT;
    }
    return hit;
}

/* Whether some codec is inside a stretch with a character under way or one done: its last
 * bytes are L, L C or L C C. A U+FFFD there stands for the rest of a cut-off character. */
static inline int chain_open(const chain *k) { return (k->r | k->p | k->q) != 0; }

/* Latin-1 letters and symbols (U+00A0..00FF) and windows-1252's extras in a row. */
static int latin_high(uint32_t cp)
{
    return (cp >= 0xA0 && cp <= 0xFF) || (cp >= 0x152 && cp <= 0x17E) || cp == 0x192 ||
           cp == 0x2C6 || cp == 0x2DC || (cp >= 0x2013 && cp <= 0x203A) || cp == 0x20AC ||
           cp == 0x2122 || (cp >= 0x80 && cp <= 0x9F);
}


/* The scan table: for each BMP character, its two byte classes in each codec as a nibble
 * (pair_nibble(), at NIB(c): bits 0-19), S_C1, and for repair_dbcs.c's test its cost in
 * quarter nats, negated (0: not looked at), in the top bits 24-30 so that the scan sums it
 * with one shift, and whether it is rare (S_RARE: below -10 nats). Built once per context
 * (five bulk conversions); a character's cost is filled in on its first read (with_cost). */
#define S_RARE (1u << 21)
#define S_STOP (1u << 22)   /* below U+2600, and U+FFFD: not for scan_cjk_run */
#define S_PENDING (1u << 23) /* the cost bits are not filled in yet (see with_cost) */
#define COST_SHIFT 24       /* bit 31 stays clear: v >> COST_SHIFT is the cost */

static uint32_t cost_bits(int q)
{
    uint32_t m = (uint32_t)-q; /* 0..127 */
    return (m << COST_SHIFT) | (q < -40 ? S_RARE : 0);
}

static unsigned cost_of(uint32_t v) { return v >> COST_SHIFT; }

static uint32_t *scan_table(tf__repair_state *st)
{
    if (st->scan)
        return st->scan;
    uint32_t *tab = calloc(0x10000, sizeof *tab);
    if (!tab)
        return NULL;
    for (int c = 0; c < DB_COUNT; c++)
        if (fill_codec(tab, c)) {
            free(tab);
            return NULL;
        }
    for (unsigned b = 0xA1; b <= 0xBF; b++) /* Shift_JIS halfwidth katakana A1..BF */
        tab[0xFF61 + (b - 0xA1)] |= S_C1;
    /* Below U+2000 the cost is 0 (not looked at) and known; from U+2000 up it is filled in
     * by with_cost on the character's first read: a text uses a few thousand of the 57,344
     * characters, and asking the model about all of them cost more than scanning 2 MB. */
    for (uint32_t cp = 0x2000; cp < 0x10000; cp++)
        tab[cp] |= S_PENDING;
    for (uint32_t cp = 0; cp < 0x2600; cp++)
        tab[cp] |= S_STOP;
    tab[0xFFFD] |= S_STOP;
    st->scan = tab;
    return tab;
}

/* The table entry of cp with its cost filled in (see scan_table). */
static uint32_t cost_fill(uint32_t *tab, uint32_t cp)
{
    return tab[cp] = (tab[cp] & ~S_PENDING) | cost_bits(tf__dbcs_cost(cp));
}

static inline uint32_t with_cost(uint32_t *tab, uint32_t cp)
{
    uint32_t v = tab[cp];
    return __builtin_expect((v & S_PENDING) == 0, 1) ? v : cost_fill(tab, cp);
}

/* The windowed pass's compact table (indexed by cjk_index), made from the scan table. */
static uint16_t *cjk_table(tf__repair_state *st)
{
    if (st->cjk_flags)
        return (uint16_t *)st->cjk_flags;
    const uint32_t *scan = scan_table(st);
    uint16_t *tab = scan ? calloc(TABLE_SIZE, sizeof *tab) : NULL;
    if (!tab)
        return NULL;
    for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
        /* Most characters have no byte classes at all: their entry stays 0 from calloc. */
        if ((scan[cp] & (((1u << NIB(DB_COUNT)) - 1) | S_C1)) == 0)
            continue;
        int idx = cjk_index(cp);
        if (idx < 0)
            continue;
        unsigned v = (scan[cp] & S_C1) ? T_SJIS_C1 : 0;
        for (int c = 0; c < DB_COUNT; c++)
            v |= nibble_pair((scan[cp] >> NIB(c)) & 0xFu) << (2 * c);
        tab[idx] = (uint16_t)v;
    }
    st->cjk_flags = (uint8_t *)tab;
    return tab;
}

void tf__cjk_state_free(tf__repair_state *st)
{
    free(st->cjk_flags);
    st->cjk_flags = NULL;
    free(st->scan);
    st->scan = NULL;
}

#define LATIN_RUN_MIN 4 /* two double-byte characters */

/* The 3-byte sequence at u (a lead E0..EF) when its continuation bytes are well formed. */
static inline int cont2(const unsigned char *u)
{
    return (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80;
}

/* The end of the run of ASCII bytes at u[i..len). */
static inline size_t ascii_end(const unsigned char *u, size_t len, size_t i)
{
#ifdef __SSE2__
    if (len >= 16) {
        while (i < len) { /* the last block overlaps the one before; seen bytes are masked */
            size_t at = i + 16 <= len ? i : len - 16;
            uint32_t high = (uint32_t)_mm_movemask_epi8(
                                _mm_loadu_si128((const __m128i *)(const void *)(u + at))) &
                            (0xFFFFu << (i - at));
            if (high)
                return at + (size_t)__builtin_ctz(high);
            i = at + 16;
        }
        return len;
    }
#endif
    while (i < len && u[i] < 0x80)
        i++;
    return i;
}

/* What the scan keeps: every codec's chain (the prefixes of the pattern it is in), the run of
 * windows-1252 material, the latin pass's class of the last character (repair_latin.c's
 * test), the double-byte test's sums, and the three answers. */
typedef struct {
    chain k;
    uint32_t lprev;
    int latin_run;
    long n, rare, sum;
    int cjk, latin;
    int latin1; /* characters of U+0080..00FF: double-byte text read as Latin-1 */
} scan_state;

/* The latin pass's test for one character of class cls (0 for ASCII other than a space, and
 * for characters it gives no role): a lead right before a continuation of the same codec, a
 * lost no-break space, a C1 control, or U+FFFD after a lead. */
static inline void latin_char(scan_state *sc, uint32_t cp, uint32_t cls)
{
    if ((cls & TF__L_C1) || (sc->lprev & (cls >> 10) & TF__L_LEADS) ||
        (cp == ' ' && (sc->lprev & TF__L_A0)) || (cp == 0xFFFD && (sc->lprev & TF__L_LEADS)))
        sc->latin = 1;
    sc->lprev = cls;
}

/* A character other than a three-byte one of U+2600 and up (which scan_cjk_run takes). */
static void scan_other(const tf__repair_state *st, scan_state *sc, uint32_t cp, uint32_t v)
{
    uint32_t cls = cp < 0x600 ? st->lcls[cp] : cp >= 0x2000 && cp < 0x2600 ? st->lcls2[cp - 0x2000] : 0;
    latin_char(sc, cp, cls);
    unsigned cost = cost_of(v);
    sc->n += cost != 0;
    sc->sum += cost;
    sc->rare += (v & S_RARE) != 0;
    /* High Latin-1 characters in one token; trail bytes can be ASCII letters. */
    sc->latin_run = latin_high(cp) ? sc->latin_run + 1 : 0;
    sc->latin1 += cp < 0x100;
    if (sc->latin_run >= LATIN_RUN_MIN ||
        (cp == 0xFFFD && chain_open(&sc->k)))
        sc->cjk = 1;
    else if (!sc->cjk && chain_step(&sc->k, v))
        sc->cjk = 1;
}

/* The three-byte character at u[i] (i + 3 <= len), or 0 when none starts there (a three-byte
 * form of U+0000 is no CJK character either). Where the machine is little-endian and a fourth
 * byte can be read, the check is one load and one compare. */
static inline uint32_t utf8_3_at(const unsigned char *u, size_t len, size_t i)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (i + 4 <= len) {
        uint32_t w;
        memcpy(&w, u + i, 4);
        if ((w & 0xC0C0F0u) != 0x8080E0u)
            return 0;
        return ((w & 0x0Fu) << 12) | ((w & 0x3F00u) >> 2) | ((w >> 16) & 0x3Fu);
    }
#endif
    if ((u[i] & 0xF0) != 0xE0 || !cont2(u + i))
        return 0;
    return ((uint32_t)(u[i] & 0x0F) << 12) | ((uint32_t)(u[i + 1] & 0x3F) << 6) | (u[i + 2] & 0x3F);
}

/* The five chains packed into two words for scan_cjk_run, each prefix at the bit of the
 * entry's nibble it is ANDed with (nibble bit 0: L C, 1: C L, 2: C C): t1 holds r at bit 2,
 * p at bit 1 and q at bit 0, t2 holds a at bit 2 and b at bit 1. A step is then one AND for
 * the hit and a few shifts for the new state, with no moves between five registers:
 * t1 & v has r & cc (the new q) at bit 2, p & cl (the new a) at bit 1 and q & lc (the new b)
 * at bit 0; the new r and p are cl and lc, v's bits 1 and 0, moved up one. Equal to
 * chain_step for an entry without S_C1; an S_C1 entry goes through chain_step itself. */
typedef struct {
    uint32_t t1, t2;
} packed_chain;

#define NIB_BITS12 ((B0 << 1) | (B0 << 2))

static inline packed_chain chain_pack(const chain *k)
{
    packed_chain t = {(k->r << 2) | (k->p << 1) | k->q, (k->a << 2) | (k->b << 1)};
    return t;
}

static inline void chain_unpack(packed_chain t, chain *k)
{
    k->r = (t.t1 >> 2) & B0;
    k->p = (t.t1 >> 1) & B0;
    k->q = t.t1 & B0;
    k->a = (t.t2 >> 2) & B0;
    k->b = (t.t2 >> 1) & B0;
}

static inline uint32_t packed_step(packed_chain *t, uint32_t v)
{
    uint32_t hit = t->t2 & v; /* a & cc at bit 2, b & cl at bit 1 */
    uint32_t x = t->t1 & v;
    t->t2 = (x << 1) & NIB_BITS12;
    t->t1 = ((v << 1) & NIB_BITS12) | ((x >> 2) & B0);
    return hit;
}

/* The three-byte character at u[i] into *cp: 0 when none starts there. Where the machine is
 * little-endian and a fourth byte can be read, one load and one compare. */
static inline int cjk3_at(const unsigned char *u, size_t len, size_t i, uint32_t *cp)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (__builtin_expect(i + 4 <= len, 1)) { /* utf8_3_at, with the four bytes at hand */
        uint32_t w;
        memcpy(&w, u + i, 4);
        w ^= 0x8080E0u; /* the lead's and continuations' marker bits become 0 */
        if (w & 0xC0C0F0u)
            return 0;
        *cp = ((w & 0x0Fu) << 12) | ((w >> 2) & 0xFC0u) | ((w >> 16) & 0x3Fu);
        return 1;
    }
#endif
    return i + 3 <= len && (*cp = utf8_3_at(u, len, i)) != 0;
}

/* The bulk of CJK text: three-byte characters of U+2600 and up other than U+FFFD (which has
 * rules of its own; both are S_STOP in the table), from u[i] on, in a tight loop with the state
 * in registers. Per character: one load to decode, one table read, one test that sends a
 * character whose cost is not filled in yet or a halfwidth katakana to the slow path, the
 * cost summed with one shift, and the chain's step.
 * Runs of ASCII between such characters are passed over here too, as scan_ascii would (after
 * one of these characters no latin run is open and the latin class is 0, so ASCII only
 * resets the chains): Chinese lines mix in ASCII every few characters, and leaving the loop
 * for each run cost as much as the characters.
 * Returns where the run ends. */
static size_t scan_cjk_run(uint32_t *tab, scan_state *sc, const unsigned char *u,
                           size_t len, size_t i)
{
    size_t start = i, ascii = 0; /* ascii: the bytes of the ASCII runs passed over */
    packed_chain t = chain_pack(&sc->k);
    long sum = 0, rare = 0; /* rare: the sum of the entries' S_RARE bits */
    for (;;) {
        uint32_t cp;
        if (!cjk3_at(u, len, i, &cp)) {
            if (i == start || i >= len || u[i] >= 0x80)
                break;
            t.t1 = t.t2 = 0; /* scan_ascii's reset of the chains; the rest is a no-op here */
            size_t end = ascii_end(u, len, i + 1);
            ascii += end - i;
            i = end;
            continue;
        }
        uint32_t v = tab[cp]; /* a three-byte U+0000 is S_STOP too */
        if (__builtin_expect((v & (S_PENDING | S_STOP | S_C1)) != 0, 0)) {
            if (v & S_STOP)
                break;
            v = with_cost(tab, cp);
            if (v & S_C1) {
                sum += cost_of(v);
                rare += v & S_RARE;
                chain k;
                chain_unpack(t, &k);
                if (chain_step(&k, v))
                    sc->cjk = 1;
                t = chain_pack(&k);
                i += 3;
                continue;
            }
        }
        sum += cost_of(v);
        rare += v & S_RARE;
        if (__builtin_expect(packed_step(&t, v) != 0, 0))
            sc->cjk = 1;
        i += 3;
    }
    if (i == start)
        return i;
    chain_unpack(t, &sc->k);
    sc->n += (long)((i - start - ascii) / 3); /* every character from U+2600 up has a cost */
    sc->sum += sum;
    sc->rare += rare / S_RARE;
    sc->latin_run = 0; /* such characters have no role in the latin tests */
    sc->lprev = 0;
    return i;
}

/* An ASCII byte at u[i]: it breaks every stretch; letters and punctuation may be double-byte
 * trail bytes inside a run of Latin-1. With no such run open and no latin lead before it, the
 * whole ASCII run is passed over at once. Returns where to go on. */
static size_t scan_ascii(scan_state *sc, const unsigned char *u, size_t len, size_t i)
{
    memset(&sc->k, 0, sizeof sc->k);
    latin_char(sc, u[i], 0);
    if (sc->latin_run == 0)
        return ascii_end(u, len, i + 1);
    if (!(u[i] >= 0x40 && u[i] <= 0x7E))
        sc->latin_run = 0;
    return i + 1;
}

int tf__repair_scan(tf__repair_state *st, const char *s, size_t len, int *cjk, int *dbcs,
                    int *latin, int *latin1)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t *tab = NULL;
    scan_state sc;
    memset(&sc, 0, sizeof sc);
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x80) {
            i = scan_ascii(&sc, u, len, i);
            continue;
        }
        if (!tab && !(tab = scan_table(st)))
            return -1;
        size_t j = scan_cjk_run(tab, &sc, u, len, i);
        if (j > i) {
            i = j;
            continue;
        }
        uint32_t cp;
        i += tf__utf8_next(u + i, len - i, &cp);
        scan_other(st, &sc, cp, cp < 0x10000 ? with_cost(tab, cp) : 0);
    }
    *cjk = sc.cjk;
    *dbcs = tf__dbcs_verdict(sc.n, sc.rare, -sc.sum); /* costs were kept negated */
    *latin = sc.latin;
    *latin1 = sc.latin1 >= 2;
    return 0;
}


/* ---- the pass ------------------------------------------------------------------------ */

typedef struct {
    tf__repair_state *st;
    const char *s;
    size_t len;
    size_t n;      /* characters */
    uint32_t *cp;
    size_t *off;   /* n + 1 */
    uint16_t *tab;
    int latin_codec; /* the codec double-byte-as-1252 runs of this segment were repaired with */
} ctext;

typedef struct {
    size_t start, end; /* byte offsets in the segment */
    double gain;       /* model log-likelihood gain */
    char rule[48];
    tf__buf text;
} cand;

typedef struct {
    cand *v;
    size_t n, cap;
} cands;

static int cands_push(cands *cs, size_t start, size_t end, double gain, const char *rule,
                      const char *text, size_t text_len)
{
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 8;
        cand *v = realloc(cs->v, cap * sizeof *v);
        if (!v)
            return -1;
        cs->v = v;
        cs->cap = cap;
    }
    cand *c = &cs->v[cs->n++];
    c->start = start;
    c->end = end;
    c->gain = gain;
    snprintf(c->rule, sizeof c->rule, "%s", rule);
    tf__buf_init(&c->text, 0);
    return tf__buf_append(&c->text, text, text_len);
}

static void cands_free(cands *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        tf__buf_free(&cs->v[i].text);
    free(cs->v);
}

/* A decoded character a repair may produce: no controls, no private use. */
static int decoded_ok(uint32_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7F && !(c >= 0x80 && c < 0xA0) &&
                         !(c >= 0xE000 && c <= 0xF8FF) && c < 0xF0000);
}

/* Decodes bytes as UTF-8 into out; a sequence cut off at the very end (its last byte was
 * lost) becomes U+FFFD. Returns the number of non-ASCII characters, or -1 if the bytes are
 * not UTF-8 or decode to something no text has. */
static int utf8_lossy_end(const char *b, size_t n, tf__buf *out, int *lost)
{
    const unsigned char *u = (const unsigned char *)b;
    int wide = 0;
    tf__buf_clear(out);
    *lost = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = tf__utf8_next(u + i, n - i, &cp);
        if (cp == TF__BADCP) {
            if (tf__utf8_incomplete_tail(u + i, n - i) != n - i)
                return -1;
            *lost = 1;
            tf__buf_put_cp(out, 0xFFFD);
            break;
        }
        if (!decoded_ok(cp))
            return -1;
        wide += cp >= 0x80;
        tf__buf_append(out, b + i, k);
        i += k;
    }
    return out->failed ? -1 : wide;
}

/* A decoding must read like text on its own, not just beat the mojibake: clean CJK scores
 * about -5 nats a character, mojibake and wrong-codec garbles -12 to -14. */
#define MIN_PER_CHAR (-9.0)

/* Model gain of replacing s[start..end) by text; -inf when text is itself implausible. */
static double gain_of(const ctext *t, size_t start, size_t end, const char *text, size_t len)
{
    size_t n = 0;
    double before = tf__model_score(t->s + start, end - start, NULL);
    double after = tf__model_score(text, len, &n);
    if (n == 0 || after / (double)n < MIN_PER_CHAR)
        return -1e300;
    return after - before;
}

/* Undoes one more layer in place: dec re-encoded with codec c must be valid UTF-8 of at least
 * two wide characters, which then replaces dec. Returns 1 when it did. */
static int second_layer(ctext *t, int c, tf__buf *dec, tf__buf *scratch)
{
    if (tf__repair_iconv(t->st, DBCS[c].iconv_name, "UTF-8", dec->data, dec->len, scratch))
        return 0;
    tf__buf out;
    tf__buf_init(&out, 0);
    int lost = 0;
    int ok = tf__buf_append(&out, "", 0) == 0 &&
             utf8_lossy_end(scratch->data, scratch->len, &out, &lost) >= 2 && !lost;
    if (ok) {
        tf__buf_clear(dec);
        ok = tf__buf_append(dec, out.data, out.len) == 0;
    }
    tf__buf_free(&out);
    return ok;
}

/* One window of codec c's UTF-8 pattern, characters [a, b): re-encode, decode as UTF-8. */
static int try_utf8_window(ctext *t, int c, size_t a, size_t b, cands *cs)
{
    tf__buf bytes, dec;
    tf__buf_init(&bytes, 0);
    tf__buf_init(&dec, 0);
    size_t end = b;
    /* The decoder of the wrong codec turned a lone last byte into U+FFFD or `?`. */
    while (end > a && (t->cp[end - 1] == 0xFFFD || t->cp[end - 1] == '?'))
        end--;
    int rc = 0, lost = 0;
    if (end > a && tf__repair_iconv(t->st, DBCS[c].iconv_name, "UTF-8", t->s + t->off[a],
                                    t->off[end] - t->off[a], &bytes) == 0) {
        if (tf__buf_append(&dec, "", 0))
            rc = -1;
        int wide = rc ? -1 : utf8_lossy_end(bytes.data, bytes.len, &dec, &lost);
        if (end < b && !lost && wide >= 0) {
            tf__buf_put_cp(&dec, 0xFFFD); /* the U+FFFD stood for a whole lost character */
            lost = 1;
        }
        int all_lost = wide >= 0 && dec.len == 3 * (size_t)wide &&
                       strspn(dec.data, "\xEF\xBF\xBD") == dec.len;
        if (wide >= 2 || (wide >= 1 && lost)) {
            double g = gain_of(t, t->off[a], t->off[b], dec.data, dec.len);
            char rule[48];
            snprintf(rule, sizeof rule, "utf-8 read as %s", DBCS[c].label);
            if (g <= -1e299 && !lost && second_layer(t, c, &dec, &bytes)) {
                /* Still mojibake after one step: UTF-8 read with this codec twice. */
                g = gain_of(t, t->off[a], t->off[b], dec.data, dec.len);
                snprintf(rule, sizeof rule, "utf-8 read as %s, twice", DBCS[c].label);
            }
            g -= TF__SWITCH_COST * (double)tf__script_switches(dec.data, dec.len);
            if ((g > 0 || all_lost) &&
                cands_push(cs, t->off[a], t->off[b], all_lost ? 1e9 : g, rule, dec.data, dec.len))
                rc = -1;
        }
    }
    tf__buf_free(&bytes);
    tf__buf_free(&dec);
    return rc;
}

/* Feeds one byte class to a one-codec chain; 0 when the UTF-8 pattern breaks. */
static int feed(unsigned *pend, unsigned *done, unsigned cls)
{
    if (cls == 'L') {
        if (*pend)
            return 0;
        *pend = 2;
        return 1;
    }
    if (!*pend)
        return 0;
    if (--*pend == 0)
        (*done)++;
    return 1;
}

static int feed_char(unsigned *pend, unsigned *done, uint16_t v, int c)
{
    if (c == DB_SJIS && (v & T_SJIS_C1))
        return feed(pend, done, 'C');
    unsigned ty = (v >> (2 * c)) & 3u;
    if (ty == T_NONE)
        return 0;
    return feed(pend, done, ty == T_LC ? 'L' : 'C') && feed(pend, done, ty == T_CL ? 'L' : 'C');
}

/* Scans for codec c's windows: unbroken chains of the UTF-8 pattern that begin with a lead
 * byte, plus a U+FFFD or `?` that ends one cut short. */
static int utf8_windows(ctext *t, int c, cands *cs)
{
    unsigned pend = 0, done = 0;
    size_t start = 0;
    int open = 0;
    for (size_t i = 0; i <= t->n; i++) {
        int idx = i < t->n ? cjk_index(t->cp[i]) : -1;
        uint16_t v = idx >= 0 ? t->tab[idx] : 0;
        if (open && idx >= 0 && feed_char(&pend, &done, v, c))
            continue;
        if (open && done >= 1) {
            /* A cut-off character's missing bytes (at most two) were each replaced. */
            size_t end = i;
            while (pend && end < t->n && end < i + 2 && (t->cp[end] == 0xFFFD || t->cp[end] == '?'))
                end++;
            if (try_utf8_window(t, c, start, end, cs))
                return -1;
        }
        pend = done = 0;
        start = i;
        open = idx >= 0 && ((v >> (2 * c)) & 3u) == T_LC && feed_char(&pend, &done, v, c);
    }
    return 0;
}

/* ---- double-byte text read as Latin-1 ------------------------------------------------ */

/* The model must prefer the double-byte decoding by this much: Latin-1 gibberish is very
 * unlikely text, and a wrong codec's decoding is unlikely Han, so a true repair clears it
 * easily, while two European words glued by chance do not. */
static double latin_margin(size_t nchars) { return 8.0 + 1.5 * (double)nchars; }

/* Characters that are all CJK (and ASCII): a double-byte decoding that made Latin or
 * symbols of the bytes is not the codec they came from. */
static int all_cjk(const char *s, size_t len, size_t *nwide)
{
    *nwide = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (cp < 0x80)
            continue;
        if (cjk_index(cp) < 0 && !(cp >= 0x2010 && cp <= 0x203B))
            return 0;
        (*nwide)++;
    }
    return 1;
}

/* Characters [a, b) are a run of Latin-1: tries each double-byte codec on their bytes (only
 * codec only_c when it is >= 0), keeping the best if it gains more than margin and decodes to
 * at least min_wide characters. */
static int try_latin_run_with(ctext *t, size_t a, size_t b, cands *cs, int only_c,
                              double margin, size_t min_wide)
{
    tf__buf bytes, dec, best;
    tf__buf_init(&bytes, 0);
    tf__buf_init(&dec, 0);
    tf__buf_init(&best, 0);
    for (size_t i = a; i < b; i++)
        tf__buf_putc(&bytes, (unsigned char)tf__sb_encode(t->st, TF__SB_CP1252, t->cp[i]));
    double best_gain = -1e300;
    int best_c = -1;
    for (int c = 0; c < DB_COUNT && !bytes.failed; c++) {
        size_t nwide;
        if (only_c >= 0 && c != only_c)
            continue;
        if (tf__repair_iconv(t->st, "UTF-8", DBCS[c].iconv_name, bytes.data, bytes.len, &dec) ||
            !all_cjk(dec.data, dec.len, &nwide) || nwide < min_wide)
            continue;
        double g = gain_of(t, t->off[a], t->off[b], dec.data, dec.len);
        if (g > best_gain) {
            best_gain = g;
            best_c = c;
            tf__buf_clear(&best);
            tf__buf_append(&best, dec.data, dec.len);
        }
    }
    int rc = bytes.failed || best.failed ? -1 : 0;
    if (rc == 0 && best_c >= 0 && best_gain > margin) {
        t->latin_codec = best_c;
        char rule[48];
        snprintf(rule, sizeof rule, "%s read as windows-1252", DBCS[best_c].label);
        rc = cands_push(cs, t->off[a], t->off[b], best_gain, rule, best.data, best.len);
    }
    tf__buf_free(&bytes);
    tf__buf_free(&dec);
    tf__buf_free(&best);
    return rc;
}

static int try_latin_run(ctext *t, size_t a, size_t b, cands *cs)
{
    return try_latin_run_with(t, a, b, cs, -1, latin_margin(b - a), 2);
}

/* A one-character word (`ÀÇ` for 의) is too short to prove anything alone, but once longer
 * runs of the segment were repaired with a codec, the same codec explains it too: it only has
 * to decode cleanly and read better than what is there. */
#define SHORT_RUN_MARGIN 2.0
static int try_short_run(ctext *t, size_t a, size_t b, cands *cs)
{
    return try_latin_run_with(t, a, b, cs, t->latin_codec, SHORT_RUN_MARGIN, 1);
}

/* Runs of characters that windows-1252 encodes to high bytes, with the ASCII letters and
 * punctuation that double-byte trail bytes can be, bounded by spaces and other text; long runs
 * first, then (pass 1) the short ones when the long ones settled the codec. */
static int latin_runs_pass(ctext *t, cands *cs, int pass)
{
    size_t a = 0, high = 0;
    for (size_t i = 0; i <= t->n; i++) {
        uint32_t cp = i < t->n ? t->cp[i] : 0;
        int hi = cp >= 0x80 && latin_high(cp) && tf__sb_encode(t->st, TF__SB_CP1252, cp) >= 0;
        int trail = cp >= 0x40 && cp <= 0x7E && high > 0;
        if (hi || trail) {
            high += hi;
            continue;
        }
        int rc = 0;
        if (pass == 0 && high >= LATIN_RUN_MIN)
            rc = try_latin_run(t, a, i, cs);
        else if (pass == 1 && high >= 2 && high < LATIN_RUN_MIN)
            rc = try_short_run(t, a, i, cs);
        if (rc)
            return -1;
        a = i + 1;
        high = 0;
    }
    return 0;
}

static int latin_runs(ctext *t, cands *cs)
{
    t->latin_codec = -1;
    if (latin_runs_pass(t, cs, 0))
        return -1;
    return t->latin_codec >= 0 ? latin_runs_pass(t, cs, 1) : 0;
}

/* ---- choosing and recording ---------------------------------------------------------- */

static int cand_cmp(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    return a->gain > b->gain ? -1 : a->gain < b->gain;
}

static const char *explain(const char *rule)
{
    if (strncmp(rule, "utf-8", 5) == 0)
        return "UTF-8 text had been decoded with a double-byte codec; encoding it back and "
               "decoding the bytes as UTF-8 restores it";
    return "double-byte CJK text had been decoded as windows-1252; encoding it back and "
           "decoding the bytes with the codec the model prefers restores it";
}

/* Best candidates first; each one that overlaps no earlier edit becomes an edit. */
static int record(cands *cs, tf__edits *ed)
{
    if (cs->n > 1) /* qsort's pointer may not be NULL, even for no elements */
        qsort(cs->v, cs->n, sizeof *cs->v, cand_cmp);
    for (size_t i = 0; i < cs->n; i++) {
        cand *c = &cs->v[i];
        if (tf__edits_overlap(ed, c->start, c->end))
            continue;
        double conf = c->gain >= 1e9 ? 1.0 : 1.0 - 1.0 / (1.0 + c->gain);
        if (tf__edits_add(ed, c->start, c->end, c->text.data, c->text.len, c->rule,
                          explain(c->rule), conf < 0.5 ? 0.5 : conf > 0.99 ? 0.99 : conf))
            return -1;
    }
    return 0;
}

static int ctext_init(ctext *t, tf__repair_state *st, const char *s, size_t len)
{
    t->st = st;
    t->s = s;
    t->len = len;
    t->cp = malloc((len + 1) * sizeof *t->cp);
    t->off = malloc((len + 1) * sizeof *t->off);
    t->tab = cjk_table(st);
    if (!t->cp || !t->off || !t->tab)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < len; n++) {
        t->off[n] = i;
        i += tf__utf8_next((const unsigned char *)s + i, len - i, &t->cp[n]);
    }
    t->off[n] = len;
    t->n = n;
    return 0;
}

int tf__repair_cjk(tf__repair_state *st, const char *s, size_t len, tf__edits *ed)
{
    ctext t = {0};
    cands cs = {0};
    int rc = ctext_init(&t, st, s, len);
    for (int c = 0; c < DB_COUNT && rc == 0; c++)
        rc = utf8_windows(&t, c, &cs);
    if (rc == 0)
        rc = latin_runs(&t, &cs);
    if (rc == 0)
        rc = record(&cs, ed);
    cands_free(&cs);
    free(t.cp);
    free(t.off);
    return rc;
}
