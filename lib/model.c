/* model.c - the statistical plausibility model (see model.h).
 *
 * The model is a first-order chain over code points. The cost of a character after the previous
 * one is the sum of three terms read from the generated tables (lib/tables/model_*.c; the
 * statistics and the hand-set costs all live in tools/tablegen_model.py, but for the few Han
 * constants below):
 *   - a class transition: each character belongs to one of a few classes (Latin lowercase, Han,
 *     kana, CJK punctuation, rare symbol, invalid, ...); switching script mid-word, or a symbol
 *     right after a letter, is what mojibake looks like, so those transitions are expensive;
 *   - a letter bigram for Latin, Cyrillic and Greek letters (case-folded; 0 = word edge), from
 *     word lists of a dozen European languages;
 *   - an emission cost of the character itself: Han unigrams (through the T->S map, so one table
 *     serves both scripts) plus a word-internal bigram gain between two frequent Han characters,
 *     kana unigrams and bigrams, Hangul frequencies, per-character costs for punctuation and
 *     symbols, and a penalty where Simplified-only Han meets kana, Hangul or Traditional-only
 *     Han.
 * Costs are integers in 1/16 nat, summed in an int64 and turned into a natural log at the end,
 * so the scoring loop has no floating point and no allocation. */
#include "model.h"
#include "utf8.h"

#include <stdint.h>

/* Classes: must match CLASSES in tools/tablegen_model.py (the unit test checks the count). */
enum tf__cls {
    CL_START, CL_SPACE, CL_NEWLINE, CL_DIGIT, CL_APUNCT, CL_LAT_LO, CL_LAT_UP, CL_CYR_LO,
    CL_CYR_UP, CL_GRK_LO, CL_GRK_UP, CL_HAN, CL_KANA, CL_HANGUL, CL_CJKP, CL_SYM, CL_OLET,
    CL_MARK, CL_ODIGIT, CL_RARE, CL_BAD, CL_COUNT
};

#define TF__Q 16 /* table costs are in 1/TF__Q nat */

/* Generated tables (lib/tables/model_*.c). */
extern const int tf__model_nclass;
extern const uint32_t tf__model_run_start[];
extern const uint32_t tf__model_nruns;
extern const uint8_t tf__model_run_class[];
extern const int16_t tf__model_trans[];
extern const int16_t tf__model_class_emit[];
extern const uint8_t tf__model_low_class[0x600];
extern const uint8_t tf__model_low_letter[0x600];
extern const int16_t tf__model_low_emit[0x600];
extern const int16_t tf__model_gp_emit[0x70];
extern const int16_t tf__model_cjk_emit[0x40];
extern const int16_t tf__model_fw_emit[0xF0];
extern const uint8_t tf__model_gp_class[0x70];
extern const uint8_t tf__model_cjk_class[0x100];
extern const uint8_t tf__model_fw_class[0xF0];
extern const int tf__model_nletters;
extern const uint8_t tf__model_letter_pair[];
extern const int16_t tf__model_ascii_pair[128 * 128];
extern const uint8_t tf__model_han_cost[0x5200];
extern const uint32_t tf__model_han_nranks;
extern const uint8_t tf__model_han_after[];
extern const uint32_t tf__model_han_first[];
extern const uint16_t tf__model_han_next[];
extern const uint8_t tf__model_han_gain[];
extern const int16_t tf__model_kana_emit[0xC0];
extern const int8_t tf__model_kana_pair[0xC0 * 0xC0];
extern const uint8_t tf__model_hangul_cost[11172];
extern const uint32_t tf__model_t2s_n;
extern const uint32_t tf__model_t2s_from[];
extern const uint32_t tf__model_t2s_to[];
extern const uint32_t tf__model_simp_n;
extern const uint32_t tf__model_simp_only[];
extern const uint32_t tf__model_trad_n;
extern const uint32_t tf__model_trad_only[];

/* Han outside the URO: Extension A holds some Cantonese and old forms, the compatibility block
 * some Korean duplicates; Extension B and later are almost never running text, and are what
 * GB18030 four-byte misreadings produce. */
#define HAN_EXT_A_COST (16 * TF__Q)
#define HAN_COMPAT_COST (15 * TF__Q)
#define HAN_SUPP_COST (18 * TF__Q)
/* Leaving a word after a Han character too rare to have a bigram list. */
#define HAN_UNRANKED_AFTER (TF__Q / 2)
/* Script flags of a Han character (bits 14-15 of its rank entry). Japanese and Korean text
 * never use Simplified-only forms, and no text puts a Simplified-only character right next to
 * a Traditional-only one; GBK bytes read as EUC-JP/Big5 and the reverse do both. */
#define HAN_SIMP 2u
#define HAN_TRAD 1u
#define SIMP_NEAR_KANA (3 * TF__Q)
#define SIMP_NEXT_TO_TRAD (2 * TF__Q)

/* A word in another alphabet than the word before it (Latin, Cyrillic, Greek). Real text
 * switches now and then; a single-byte misreading sprinkles lone Cyrillic or Greek letters
 * ("а" for "à") among Latin words, and pays this twice per letter. A word-level term, so
 * tf__model_bigram does not include it. */
#define SCRIPT_SWITCH (3 * TF__Q)

typedef struct {
    uint8_t cls;    /* enum tf__cls */
    uint8_t letter; /* index in the letter bigram table, 0 for non-letters */
    uint8_t script; /* HAN_SIMP, HAN_TRAD or 0 */
    uint16_t rank;  /* Han frequency rank; for kana, cp - 0x3040 + 1; 0 for others */
    int32_t emit;   /* emission cost */
} ch_info;

static uint8_t run_class(uint32_t cp)
{
    /* The blocks of CJK punctuation, kana, quotes and fullwidth forms are in every CJK text. */
    if (cp >= 0x3000 && cp <= 0x30FF)
        return tf__model_cjk_class[cp - 0x3000];
    if (cp >= 0x2000 && cp <= 0x206F)
        return tf__model_gp_class[cp - 0x2000];
    if (cp >= 0xFF00 && cp <= 0xFFEF)
        return tf__model_fw_class[cp - 0xFF00];
    uint32_t lo = 0, hi = tf__model_nruns; /* last run starting at or before cp */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tf__model_run_start[mid] <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return tf__model_run_class[lo];
}

static int32_t han_ext_cost(uint32_t cp)
{
    if (cp >= 0x3400 && cp <= 0x4DBF)
        return HAN_EXT_A_COST;
    if (cp >= 0xF900 && cp <= 0xFAFF)
        return HAN_COMPAT_COST;
    return HAN_SUPP_COST;
}

/* Emission cost for a character outside the direct tables, by block, then by class. */
static int32_t block_emit(uint32_t cp, uint8_t cls)
{
    if (cp >= 0x3040 && cp <= 0x30FF && cls == CL_KANA)
        return tf__model_kana_emit[cp - 0x3040];
    if (cp >= 0x3000 && cp <= 0x303F)
        return tf__model_cjk_emit[cp - 0x3000];
    if (cp >= 0x2000 && cp <= 0x206F)
        return tf__model_gp_emit[cp - 0x2000];
    if (cp >= 0xFF00 && cp <= 0xFFEF)
        return tf__model_fw_emit[cp - 0xFF00];
    if (cls == CL_HAN)
        return han_ext_cost(cp);
    return tf__model_class_emit[cls];
}

static inline void char_info(uint32_t cp, ch_info *o)
{
    o->letter = 0;
    o->script = 0;
    o->rank = 0;
    if (cp < 0x600) {
        o->cls = tf__model_low_class[cp];
        o->letter = tf__model_low_letter[cp];
        o->emit = tf__model_low_emit[cp];
    } else if (cp >= 0x4E00 && cp <= 0x9FFF) {
        o->cls = CL_HAN;
        uint16_t r = tf__model_han_rank[cp - 0x4E00];
        o->rank = r & 0x3FFF;
        o->script = (uint8_t)(r >> 14);
        o->emit = 2 * (int32_t)tf__model_han_cost[cp - 0x4E00];
    } else if (cp >= 0xAC00 && cp <= 0xD7A3) {
        o->cls = CL_HANGUL;
        o->emit = 2 * (int32_t)tf__model_hangul_cost[cp - 0xAC00];
    } else if (cp > 0x10FFFF) { /* TF__BADCP: a byte that is not UTF-8 */
        o->cls = CL_BAD;
        o->emit = tf__model_class_emit[CL_BAD];
    } else {
        o->cls = run_class(cp);
        o->emit = block_emit(cp, o->cls);
        if (o->cls == CL_KANA && cp >= 0x3040 && cp <= 0x30FF)
            o->rank = (uint16_t)(cp - 0x3040 + 1);
    }
}

/* The word-internal gain of Han rank b after rank a: pairs are sorted by b within a's list. */
static int32_t han_gain(uint16_t a, uint16_t b)
{
    uint32_t lo = tf__model_han_first[a], hi = tf__model_han_first[a + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint16_t k = tf__model_han_next[mid];
        if (k == b)
            return tf__model_han_gain[mid];
        if (k < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* The script clash penalty of two neighbours, at least one of them Han. */
static int32_t script_clash(const ch_info *a, const ch_info *b)
{
    if ((a->script | b->script) == (HAN_SIMP | HAN_TRAD))
        return SIMP_NEXT_TO_TRAD;
    if ((a->script == HAN_SIMP && (b->cls == CL_KANA || b->cls == CL_HANGUL)) ||
        (b->script == HAN_SIMP && (a->cls == CL_KANA || a->cls == CL_HANGUL)))
        return SIMP_NEAR_KANA;
    return 0;
}

/* The Han pair term: leaving p's word, or the gain of staying in it with c. */
static int32_t han_pair(const ch_info *p, const ch_info *c)
{
    if (!p->rank)
        return HAN_UNRANKED_AFTER;
    return tf__model_han_after[p->rank] - (c->rank ? han_gain(p->rank, c->rank) : 0);
}

/* Cost of c after p: transition + letter bigram + emission (+ Han terms). */
static inline int32_t pair_cost(const ch_info *p, const ch_info *c)
{
    int32_t cost = tf__model_trans[p->cls * CL_COUNT + c->cls] +
                   tf__model_letter_pair[p->letter * tf__model_nletters + c->letter] + c->emit;
    if (p->script | c->script)
        cost += script_clash(p, c);
    if (p->cls == CL_HAN && c->cls == CL_HAN)
        cost += han_pair(p, c);
    else if (p->cls == CL_KANA && c->cls == CL_KANA && p->rank && c->rank)
        cost += tf__model_kana_pair[(p->rank - 1) * 0xC0 + (c->rank - 1)];
    return cost;
}

/* Runs of ASCII are most of most text: one table read per byte, no decoding, and nothing
 * carried from byte to byte but the byte itself. Scores u[*i..) after ASCII byte prev up to the
 * next non-ASCII byte and advances *i past the run. */
static int64_t ascii_run(const unsigned char *u, size_t len, size_t *i, unsigned prev)
{
    int64_t cost = 0;
    size_t k = *i;
    while (k < len && u[k] < 0x80) {
        cost += tf__model_ascii_pair[prev * 128 + u[k]];
        prev = u[k++];
    }
    *i = k;
    return cost;
}

/* The alphabet of a letter class: 1 Latin, 2 Cyrillic, 3 Greek, 0 not such a letter. */
static int alphabet(uint8_t cls)
{
    static const uint8_t of[CL_COUNT] = {[CL_LAT_LO] = 1, [CL_LAT_UP] = 1, [CL_CYR_LO] = 2,
                                         [CL_CYR_UP] = 2, [CL_GRK_LO] = 3, [CL_GRK_UP] = 3};
    return of[cls];
}

static int has_ascii_letter(const unsigned char *u, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        if ((unsigned)((u[k] | 0x20) - 'a') < 26)
            return 1;
    return 0;
}

double tf__model_score(const char *s, size_t len, size_t *nchars)
{
    const unsigned char *u = (const unsigned char *)s;
    ch_info prev = {CL_START, 0, 0, 0, 0}, cur;
    int64_t cost = 0;
    size_t i = 0, n = 0;
    int words = 0; /* alphabet of the last word, for SCRIPT_SWITCH */
    while (i < len) {
        uint32_t cp;
        i += tf__utf8_next(u + i, len - i, &cp);
        char_info(cp, &cur);
        cost += pair_cost(&prev, &cur);
        int a = alphabet(cur.cls);
        if (a) {
            if (words && a != words && !alphabet(prev.cls))
                cost += SCRIPT_SWITCH;
            words = a;
        }
        prev = cur;
        n++;
        if (cp < 0x80 && i < len && u[i] < 0x80) {
            size_t start = i;
            cost += ascii_run(u, len, &i, cp);
            n += i - start;
            char_info(u[i - 1], &prev);
            if (words > 1 && has_ascii_letter(u, start, i)) {
                cost += SCRIPT_SWITCH; /* a Latin word after a Cyrillic or Greek one */
                words = 1;
            }
        }
    }
    if (nchars)
        *nchars = n;
    return -(double)cost / TF__Q;
}

double tf__model_bigram(uint32_t prev, uint32_t cp)
{
    ch_info p = {CL_START, 0, 0, 0, 0}, c;
    if (prev)
        char_info(prev, &p);
    char_info(cp, &c);
    return -(double)pair_cost(&p, &c) / TF__Q;
}

/* ---- Chinese script ------------------------------------------------------------------- */

static long find_cp(const uint32_t *arr, uint32_t n, uint32_t cp)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (arr[mid] == cp)
            return (long)mid;
        if (arr[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

uint32_t tf__model_t2s(uint32_t cp)
{
    long k = find_cp(tf__model_t2s_from, tf__model_t2s_n, cp);
    return k < 0 ? cp : tf__model_t2s_to[k];
}

int tf__model_han_script(uint32_t cp)
{
    if (find_cp(tf__model_simp_only, tf__model_simp_n, cp) >= 0)
        return 1;
    if (find_cp(tf__model_trad_only, tf__model_trad_n, cp) >= 0)
        return 2;
    return 0;
}

int tf__model_nclass_ok(void)
{
    return tf__model_nclass == CL_COUNT;
}
