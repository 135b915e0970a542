/* repair_latin.c - UTF-8 that was read as a single-byte codec: `cafÃ©`, `вЂ™`, `wei√ü`.
 *
 * Every character of such mojibake stands for one byte, so the text is mapped back to bytes
 * one character per byte with each candidate codec, and the bytes are searched for UTF-8
 * sequences: a lead byte C2..F4 followed by the continuation bytes it needs. Each sequence
 * is a few characters that decode to one; adjacent sequences make a run.
 *
 * Finding sequences is easy; knowing that they are mojibake is the work. Clean text makes
 * sequences too (`Å™`, `×£`, `√π`), so each sequence gets a weight of evidence from what its
 * characters are (a C1 control or a symbol glued to a letter is telling, an apostrophe before
 * an `s` is not) and what it decodes to (an IPA letter or an Armenian one is no repair). A
 * codec is applied when the evidence over the segment is enough: less when every non-ASCII
 * character of the segment belongs to a sequence (the text decodes as a whole), more when
 * clean characters sit beside the runs. The model then vetoes runs it finds worse.
 *
 * Like ftfy (whose published facts this follows: the codec list and order, the "sloppy"
 * codecs that keep undefined bytes, a no-break space flattened to a space, lost bytes shown
 * as U+FFFD or `?`), the decoded run is tried again, for text that went through the mix-up
 * more than once. */
#include "model.h"
#include "repair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS 4    /* ftfy's cases go to three; a fourth costs nothing when unused */
#define MAX_SEQ_CHARS 6 /* a CESU-8 surrogate pair is six bytes */

/* ---- codec tables -------------------------------------------------------------------- */

static int rev_cmp(const void *a, const void *b)
{
    const tf__sb_rev *x = a, *y = b;
    return (int)x->cp - (int)y->cp;
}

static void set_cls(tf__repair_state *st, uint32_t cp, uint32_t bits)
{
    if (cp < 0x600)
        st->lcls[cp] |= bits;
    else if (cp >= 0x2000 && cp < 0x2600)
        st->lcls2[cp - 0x2000] |= bits;
    /* The few others (MacRoman's ligatures and Apple logo) are too rare to need the fast
     * test: mojibake made only of them is missed by it. */
}

static uint32_t byte_roles(unsigned b, int c)
{
    uint32_t r = 0;
    if (b >= 0x80 && b <= 0xBF)
        r |= TF__L_CONT(c);
    if (b >= 0xC2 && b <= 0xF4)
        r |= TF__L_LEAD(c);
    if (b == 0xC2 || b == 0xC3 || b == 0xC5 || b == 0xCE || b == 0xD0 || b == 0xD9)
        r |= TF__L_A0;
    return r;
}

void tf__latin_state_init(tf__repair_state *st)
{
    for (int c = 0; c < TF__SB_COUNT; c++) {
        for (int i = 0; i < 128; i++) {
            uint32_t cp = tf__sb_high[c][i];
            st->rev[c][i].cp = (uint16_t)cp;
            st->rev[c][i].byte = (uint8_t)(0x80 + i);
            if (cp < 0x600 || (cp >= 0x2000 && cp < 0x2600))
                st->sb_enc[c][cp < 0x600 ? cp : cp - 0x2000 + 0x600] = (uint8_t)(0x80 + i);
            set_cls(st, tf__sb_high[c][i], byte_roles(0x80u + (unsigned)i, c));
        }
        qsort(st->rev[c], 128, sizeof st->rev[c][0], rev_cmp);
    }
    for (uint32_t cp = 0x80; cp < 0xA0; cp++)
        st->lcls[cp] |= TF__L_C1;
}

int tf__sb_encode(const tf__repair_state *st, int c, uint32_t cp)
{
    if (cp < 0x80)
        return (int)cp;
    if (cp == 0xFFFD)
        return TF__SB_LOST;
    /* The passes encode text character by character in every codec, so the usual ranges are
     * one table read; no codec here has a byte for U+2600 and up but MacRoman's three. */
    if (cp < 0x600 || (cp >= 0x2000 && cp < 0x2600)) {
        int b = st->sb_enc[c][cp < 0x600 ? cp : cp - 0x2000 + 0x600];
        return b ? b : -1;
    }
    if (cp != 0xF8FF && cp != 0xFB01 && cp != 0xFB02)
        return -1;
    size_t lo = 0, hi = 128;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (st->rev[c][mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < 128 && st->rev[c][lo].cp == cp ? st->rev[c][lo].byte : -1;
}



/* ---- text as characters -------------------------------------------------------------- */

typedef struct {
    const tf__repair_state *st;
    const char *s;
    size_t n;         /* characters */
    uint32_t *cp;     /* n characters */
    size_t *off;      /* n + 1 byte offsets */
    int16_t *b;       /* the byte each character encodes to in the codec tried, or -1 */
    uint32_t lctx, rctx; /* the characters just outside s (0: none), for context */
    int inner;        /* a layer under one already undone: its text is known mojibake */
    int codec;        /* the codec b[] is in */
} ltext;

static int ltext_init(ltext *t, const tf__repair_state *st, const char *s, size_t len)
{
    t->st = st;
    t->s = s;
    t->cp = malloc((len + 1) * sizeof *t->cp);
    t->off = malloc((len + 1) * sizeof *t->off);
    t->b = malloc((len + 1) * sizeof *t->b);
    if (!t->cp || !t->off || !t->b)
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

static void ltext_free(ltext *t)
{
    free(t->cp);
    free(t->off);
    free(t->b);
}

static uint32_t char_at(const ltext *t, size_t i, long d)
{
    long j = (long)i + d;
    if (j < 0)
        return j == -1 ? t->lctx : 0;
    if ((size_t)j >= t->n)
        return (size_t)j == t->n ? t->rctx : 0;
    return t->cp[j];
}

/* ---- sequences ----------------------------------------------------------------------- */

typedef struct {
    size_t i, n;     /* first character, number of characters */
    uint32_t cp;     /* what they decode to (U+FFFD when bytes were lost) */
    int nbytes;      /* length of the UTF-8 sequence */
    int lossy;       /* a byte was lost (U+FFFD or `?` in its place) */
    int a0;          /* a no-break space had become a space */
    double ev;       /* evidence that this is mojibake */
} lseq;

static int is_cont(int v) { return v >= 0x80 && v <= 0xBF; }

static int need_of(int lead)
{
    if (lead >= 0xC2 && lead <= 0xDF)
        return 1;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 2;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 3;
    return 0;
}

/* A decoded character that real text uses. A sequence decoding to anything else (IPA,
 * Armenian, Hebrew points, private use, ...) is taken as clean text that happened to fit. */
static int plausible(uint32_t c)
{
    if (c < 0xA0)
        return c >= 0x80; /* C1 only as an intermediate layer; see seq_evidence() */
    if (c < 0x250)
        return c < 0x180 ? (c != 0x138 && c != 0x149 && c != 0x17F)
                         : (c == 0x1A0 || c == 0x1A1 || c == 0x1AF || c == 0x1B0 ||
                            (c >= 0x1CD && c <= 0x1DC) || (c >= 0x218 && c <= 0x21B));
    if (c < 0x2B0)
        return 0;
    if (c < 0x300)
        return c == 0x2BC || (c >= 0x2C6 && c <= 0x2DD); /* ʼ ˆ ˇ ˘ ˙ ˚ ˛ ˜ ˝ */
    if (c < 0x370)
        return 1; /* combining marks */
    if (c < 0x400)
        return c >= 0x384 && c <= 0x3CE;
    if (c < 0x500)
        return c < 0x460 || c == 0x490 || c == 0x491;
    if (c < 0x600)
        return (c >= 0x5D0 && c <= 0x5EA) || (c >= 0x5F0 && c <= 0x5F4);
    if (c < 0x700)
        return c == 0x60C || c == 0x61B || c == 0x61F || (c >= 0x621 && c <= 0x652) ||
               (c >= 0x660 && c <= 0x669) || c == 0x67E || c == 0x686 || c == 0x698 ||
               c == 0x6A9 || c == 0x6AF || c == 0x6CC;
    if (c < 0x800)
        return 0;
    return (c >= 0x900 && c <= 0xEFF) || (c >= 0x10A0 && c <= 0x10FF) ||
           (c >= 0x1E00 && c <= 0x1FFF) || (c >= 0x2000 && c <= 0x2BFF) ||
           (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) ||
           (c >= 0xFB00 && c <= 0xFB06) || (c >= 0xFE00 && c <= 0xFE0F) ||
           (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFFEF) || c == 0xFFFD ||
           (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x20000 && c <= 0x3134F);
}

/* ftfy's observation: `Ã ` before a word is `à ` whose no-break space was merged with the
 * space after it, except in Portuguese `às`, `àquele`, `àquela`, `àquilo`. */
static int a_grave_word(const ltext *t, size_t i)
{
    static const char *const keep[] = {" ", "quele", "quela", "quilo", "s "};
    for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
        size_t m = strlen(keep[k]), j = 0;
        while (j < m && i + 2 + j < t->n && t->cp[i + 2 + j] == (unsigned char)keep[k][j])
            j++;
        if (j == m)
            return 0;
    }
    return 1;
}

/* Where a space may stand for a flattened no-break space (byte A0) in a sequence: only
 * where the result is a likely character (ftfy's list of leads). */
static int a0_allowed(int lead, int need, int pos, const int *v)
{
    int mid_ok = v[0] != 0x85 && v[0] != 0xA0;
    if (need == 1)
        return lead == 0xC2 || lead == 0xC3 || lead == 0xC5 || lead == 0xCE || lead == 0xD0 ||
               lead == 0xD9;
    if (need == 2)
        return (pos == 1 && (lead == 0xE2 || lead == 0xE3) && v[1] != 0x85 && v[1] != 0xA0) ||
               (pos == 2 && lead >= 0xE0 && lead <= 0xE3 && mid_ok);
    return lead == 0xF0;
}

static uint32_t decode_bytes(int lead, int need, const int *v)
{
    uint32_t c = (uint32_t)lead & (need == 1 ? 0x1Fu : need == 2 ? 0x0Fu : 0x07u);
    for (int k = 0; k < need; k++)
        c = (c << 6) | ((uint32_t)v[k] & 0x3Fu);
    return c;
}

/* A CESU-8 surrogate pair (Java's "modified UTF-8", old MySQL): ED A0-AF xx ED B0-BF xx. */
static int cesu_pair(const ltext *t, size_t i, lseq *q)
{
    const int16_t *b = t->b;
    if (i + 6 > t->n)
        return 0;
    if (b[i] != 0xED || b[i + 1] < 0xA0 || b[i + 1] > 0xAF || !is_cont(b[i + 2]) ||
        b[i + 3] != 0xED || b[i + 4] < 0xB0 || b[i + 4] > 0xBF || !is_cont(b[i + 5]))
        return 0;
    uint32_t hi = 0xD000u | ((uint32_t)(b[i + 1] & 0x3F) << 6) | (uint32_t)(b[i + 2] & 0x3F);
    uint32_t lo = 0xD000u | ((uint32_t)(b[i + 4] & 0x3F) << 6) | (uint32_t)(b[i + 5] & 0x3F);
    q->cp = 0x10000u + ((hi - 0xD800u) << 10) + (lo - 0xDC00u);
    q->n = 6;
    q->nbytes = 4;
    return 1;
}

/* Reads the continuation bytes of the sequence led by b[i]: 0 when they cannot belong. */
static int read_conts(const ltext *t, size_t i, int need, int *v, int *lost, int *qm, int *sp,
                      int *sp_pos)
{
    for (int k = 1; k <= need; k++) {
        if (i + (size_t)k >= t->n)
            return 0;
        int x = t->b[i + (size_t)k];
        if (is_cont(x)) {
            v[k - 1] = x;
            continue;
        }
        v[k - 1] = 0x80;
        if (x == TF__SB_LOST)
            (*lost)++;
        else if (x == '?')
            (*qm)++;
        else if (x == ' ')
            (*sp)++, *sp_pos = k, v[k - 1] = 0xA0;
        else
            return 0;
    }
    return 1;
}

/* The sequence starting at character i, if any. */
static int seq_at(const ltext *t, size_t i, lseq *q)
{
    int lead = t->b[i], need = need_of(lead);
    memset(q, 0, sizeof *q);
    q->i = i;
    if (!need)
        return 0;
    if (lead == 0xC3 && i + 1 < t->n && t->cp[i + 1] == ' ' && t->codec != TF__SB_MACROMAN &&
        a_grave_word(t, i)) {
        q->n = 1, q->nbytes = 2, q->cp = 0xE0, q->a0 = 1;
        return 1;
    }
    if (lead == 0xED && cesu_pair(t, i, q))
        return 1;
    int v[3] = {0, 0, 0}, lost = 0, qm = 0, sp = 0, sp_pos = 0;
    if (!read_conts(t, i, need, v, &lost, &qm, &sp, &sp_pos))
        return 0;
    q->n = (size_t)need + 1;
    q->nbytes = need + 1;
    /* Not in MacRoman, where `– ` (D0 20) would become `Р` (ftfy's finding). */
    if (sp && (sp > 1 || lost || qm || !a0_allowed(lead, need, sp_pos, v) ||
               t->codec == TF__SB_MACROMAN))
        return 0;
    q->a0 = sp;
    if (lost || qm) {
        /* ftfy's lossy forms: `?` only once, and after C2/C3 only for two bytes. */
        if (qm > 1 || (need == 1 && qm && lead > 0xC3))
            return 0;
        q->lossy = 1;
        q->cp = 0xFFFD;
        return 1;
    }
    uint32_t c = decode_bytes(lead, need, v);
    if ((need == 2 && c < 0x800) || (need == 3 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF) || !plausible(c))
        return 0;
    q->cp = c;
    return 1;
}

/* ---- evidence ------------------------------------------------------------------------ */

static int is_letter(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x370 && c <= 0x52F) ||
           (c >= 0x5D0 && c <= 0x6FF);
}

static int is_ascii_lower(uint32_t c) { return c >= 'a' && c <= 'z'; }

/* Symbols that do follow a word in clean text: `NESTLÉ®`, `VOCÊ…`, `aí´´`. */
static int word_final_symbol(uint32_t c)
{
    switch (c) {
    case 0x2122: case 0xAE: case 0xA9: case 0x201D: case 0xBB: case 0xBF: case 0xA1:
    case 0xB0: case 0xB4: case 0xA8: case 0x2026: case 0x2019: case 0x2014: case 0x2013:
        return 1;
    }
    return 0;
}

/* The lead characters that start most mojibake in the wild (`Ã`, `Â`, `Î`, `Ð` of
 * windows-1252 and Latin-1, `√` of MacRoman) and rarely start a clean pair. */
static int hot_lead(int codec, uint32_t c)
{
    if (codec == TF__SB_LATIN1 || codec == TF__SB_CP1252)
        return c == 0xC3 || c == 0xC2 || c == 0xCE || c == 0xD0;
    return codec == TF__SB_MACROMAN && c == 0x221A;
}

/* A letter of a wide script (CJK, Hangul, Thai, Indic) or of Greek, Cyrillic, Hebrew,
 * Arabic: one such letter alone amid Latin text is not a plausible repair. */
static int foreign_letter(uint32_t c)
{
    return (c >= 0x370 && c <= 0x6FF) || (c >= 0x900 && c <= 0xEFF) ||
           (c >= 0x3040 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3);
}

/* `Ã ` flattened from `à `: telling after a lowercase word or at the start (ftfy's rule). */
static double a0_evidence(const ltext *t, const lseq *q)
{
    if (t->b[q->i] != 0xC2 && t->b[q->i] != 0xC3)
        return 0;
    uint32_t p1 = char_at(t, q->i, -1), p2 = char_at(t, q->i, -2);
    if (q->i == 0 && t->lctx == 0)
        return 1;
    return (is_ascii_lower(p1) || (p1 == ' ' && is_ascii_lower(p2))) ? 1 : 0;
}

static double two_byte_evidence(const ltext *t, const lseq *q, int codec, int alone)
{
    uint32_t lead = t->cp[q->i], c = t->cp[q->i + 1], next = char_at(t, q->i, 2);
    int hot = hot_lead(codec, lead);
    if (c >= 0x80 && c <= 0x9F)
        return 2;
    if ((c == 0x2019 || c == '\'') && (next == 's' || next == 't') &&
        !is_letter(char_at(t, q->i, 3)))
        return 0; /* `Ã’s`: a plural or possessive, not `Ò` */
    if (alone && foreign_letter(q->cp) && !hot)
        return 0; /* `5×£35` is not Hebrew */
    uint32_t prev = char_at(t, q->i, -1);
    int in_word = is_letter(prev) || is_letter(next);
    if (codec == TF__SB_MACROMAN)
        hot = hot && in_word; /* `√π` in a formula is math; `wei√ü` is not */
    if (c == 0xA0 || c == 0xAD) {
        /* `Ã\xa0` is `à`; `Â\xa0` is a no-break space, telling only after a lowercase word
         * or punctuation (`namedÂ\xa0`), not between capitals (`MISUTÂ\xa0AJIKKO`). */
        if (lead == 0xC2 && hot)
            return is_ascii_lower(prev) || prev == '.' || prev == ',' || prev == '!' ||
                   prev == '?' ? 1 : 0;
        return hot ? 1 : 0;
    }
    double e;
    if (is_letter(c))
        /* Two letters (`ÅØ`, `Рё`) are weak evidence unless the lead is a symbol glued to a
         * word (`─î` of cp437, `◊ë` of MacRoman). */
        e = is_letter(lead) ? (hot ? 0.5 : 0.25) : (in_word ? 1 : 0.5);
    else
        e = c == 0xB7 || c == 0x2015 ? 0.5 : 1;
    if (word_final_symbol(c) && !is_letter(next) && !(next >= '0' && next <= '9'))
        e = 0.5;
    return hot ? e + 0.5 : e;
}

/* How much one sequence says "mojibake"; alone means no other sequence touches it. */
static double seq_evidence(const ltext *t, const lseq *q, int codec, int alone)
{
    if (q->cp >= 0x80 && q->cp < 0xA0)
        return 0; /* a C1 control is no repair by itself; another layer may use it */
    if (q->a0 && (q->nbytes == 2))
        return a0_evidence(t, q);
    if (q->a0)
        return 0.5;
    if (q->lossy) {
        if (q->nbytes >= 3)
            return 1.5;
        return t->b[q->i + 1] == TF__SB_LOST ? 1 : 0.5;
    }
    if (q->nbytes >= 3) {
        uint32_t p = char_at(t, q->i, -1), nx = char_at(t, q->i, (long)q->n);
        if (alone && !t->inner && foreign_letter(q->cp) && !foreign_letter(p) &&
            !foreign_letter(nx))
            return 0.5; /* `Brontë…”` is not a Hangul syllable */
        return 2;
    }
    return two_byte_evidence(t, q, codec, alone);
}

/* ---- plans --------------------------------------------------------------------------- */

typedef struct {
    int codec;
    lseq *q;
    size_t nq, cap;
    int consistent;
    size_t explained, unexplained; /* non-ASCII characters in sequences, and the others */
    double total;
    unsigned char *use; /* per sequence: part of a run that is applied */
} lplan;

static int push_seq(lplan *p, const lseq *q)
{
    if (p->nq == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        lseq *v = realloc(p->q, cap * sizeof *v);
        unsigned char *u = realloc(p->use, cap);
        if (v)
            p->q = v;
        if (u)
            p->use = u;
        if (!v || !u)
            return -1;
        p->cap = cap;
    }
    p->q[p->nq++] = *q;
    return 0;
}

/* Maps the text to bytes in codec c and collects its sequences. */
static int find_seqs(ltext *t, int c, lplan *p)
{
    p->codec = c;
    t->codec = c;
    p->nq = 0;
    p->explained = p->unexplained = 0;
    p->consistent = 1;
    for (size_t i = 0; i < t->n; i++)
        t->b[i] = (int16_t)tf__sb_encode(t->st, c, t->cp[i]);
    for (size_t i = 0; i < t->n;) {
        lseq q;
        if (t->b[i] >= 0x80 && seq_at(t, i, &q)) {
            if (push_seq(p, &q))
                return -1;
            i += q.n;
            p->explained += q.n;
            continue;
        }
        if (t->b[i] < 0 || t->b[i] >= 0x80) {
            p->consistent = 0; /* a character this reading leaves unexplained */
            p->unexplained++;
        }
        i++;
    }
    return 0;
}

static int touches(const lseq *a, const lseq *b) { return a->i + a->n == b->i; }

/* A continuation character right before q that is not common punctuation (`’`, `–`, ...,
 * which clean text puts next to mojibake, as in `l’Ã©galité`). */
static int strict_cont_before(const ltext *t, const lseq *q)
{
    /* A character this codec cannot even encode counts too (`¢` in windows-1250). */
    if (q->i == 0 || !(is_cont(t->b[q->i - 1]) || (t->b[q->i - 1] < 0 && t->cp[q->i - 1] < 0x3000)))
        return 0;
    switch (t->cp[q->i - 1]) {
    case 0x2018: case 0x2019: case 0x201C: case 0x201D: case 0x2013: case 0x2014:
    case 0x2026: case 0xA0:
        return 0;
    }
    return 1;
}

/* Weighs the runs of adjacent sequences and marks the ones to apply. A text that decodes as
 * a whole needs less evidence than one with clean characters beside the runs. */
static void weigh(const ltext *t, lplan *p)
{
    p->total = 0;
    double need_run = p->consistent ? 0 : 1, need_total = p->consistent ? 1 : 2;
    for (size_t a = 0; a < p->nq;) {
        size_t b = a + 1;
        while (b < p->nq && touches(&p->q[b - 1], &p->q[b]))
            b++;
        double ev = 0;
        for (size_t k = a; k < b; k++) {
            p->q[k].ev = seq_evidence(t, &p->q[k], p->codec, b - a == 1);
            ev += p->q[k].ev;
        }
        /* In a text that does not decode as a whole, a run right after a stray continuation
         * character is a piece of a bigger garble; fixing it alone makes things worse. */
        int use = ev >= need_run && !(!p->consistent && strict_cont_before(t, &p->q[a]));
        for (size_t k = a; k < b; k++)
            p->use[k] = (unsigned char)use;
        if (use)
            p->total += ev;
        a = b;
    }
    /* Mojibake beside clean text must dominate its non-ASCII characters, or be plain. */
    if (!p->consistent && p->explained < p->unexplained && p->total < 4)
        p->total = 0;
    if (p->total < need_total)
        for (size_t k = 0; k < p->nq; k++)
            p->use[k] = 0;
}

static int plan_better(const lplan *a, const lplan *b)
{
    if (b->nq == 0 || b->total < (b->consistent ? 1 : 2))
        return 1;
    if (a->consistent != b->consistent)
        return a->consistent;
    return a->total > b->total;
}

/* Tries every codec; leaves the best plan in *best. Returns 1 if it has runs to apply. */
static int plan_layer(ltext *t, lplan *best, lplan *tmp)
{
    best->nq = 0;
    best->total = 0;
    for (int c = 0; c < TF__SB_COUNT; c++) {
        if (find_seqs(t, c, tmp))
            return -1;
        if (tmp->nq == 0)
            continue;
        weigh(t, tmp);
        if (tmp->total >= (tmp->consistent ? 1 : 2) && plan_better(tmp, best)) {
            lplan x = *best;
            *best = *tmp;
            *tmp = x;
        }
    }
    return best->nq > 0 && best->total >= (best->consistent ? 1 : 2);
}

/* ---- applying plans ------------------------------------------------------------------ */

/* Appends t's characters [from, to) as they are. */
static int put_chars(const ltext *t, size_t from, size_t to, tf__buf *out)
{
    return tf__buf_append(out, t->s + t->off[from], t->off[to] - t->off[from]);
}

/* The whole text with the plan's runs decoded. */
static int apply_plan(const ltext *t, const lplan *p, tf__buf *out)
{
    size_t at = 0;
    for (size_t k = 0; k < p->nq; k++) {
        if (!p->use[k])
            continue;
        put_chars(t, at, p->q[k].i, out);
        tf__buf_put_cp(out, p->q[k].cp);
        at = p->q[k].i + p->q[k].n;
    }
    put_chars(t, at, t->n, out);
    return out->failed ? -1 : 0;
}

typedef struct {
    int codecs[MAX_LAYERS];
    int n;
} chain;

static void chain_rule(const chain *ch, char *rule, size_t size)
{
    int same = 1;
    for (int i = 1; i < ch->n; i++)
        same &= ch->codecs[i] == ch->codecs[0];
    const char *first = tf__sb_name[ch->codecs[0]];
    if (ch->n == 1)
        snprintf(rule, size, "utf-8 read as %s", first);
    else if (same)
        snprintf(rule, size, "utf-8 read as %s, %d times", first, ch->n);
    else if (ch->n == 2)
        snprintf(rule, size, "utf-8 read as %s, then as %s", first, tf__sb_name[ch->codecs[1]]);
    else
        snprintf(rule, size, "utf-8 read as %s, then as %s and more", first,
                 tf__sb_name[ch->codecs[1]]);
}

/* Decodes text again while another layer of mojibake shows, each layer chosen as the first
 * was. lctx/rctx are the characters around it in the segment. */
static int more_layers(const tf__repair_state *st, tf__buf *text, uint32_t lctx, uint32_t rctx,
                       chain *ch)
{
    int rc = 0;
    while (rc == 0 && ch->n < MAX_LAYERS) {
        ltext t = {0};
        lplan best = {0}, tmp = {0};
        tf__buf next;
        tf__buf_init(&next, 0);
        int found = 0;
        if (ltext_init(&t, st, text->data, text->len))
            rc = -1;
        t.lctx = lctx;
        t.rctx = rctx;
        t.inner = 1;
        if (rc == 0 && (found = plan_layer(&t, &best, &tmp)) < 0)
            rc = -1;
        if (rc == 0 && found == 1 && apply_plan(&t, &best, &next) == 0) {
            ch->codecs[ch->n++] = best.codec;
            tf__buf_clear(text);
            if (tf__buf_append(text, next.data, next.len))
                rc = -1;
        }
        tf__buf_free(&next);
        free(best.q), free(best.use), free(tmp.q), free(tmp.use);
        ltext_free(&t);
        if (found != 1)
            break;
    }
    return rc;
}

static const char *const EXPLAIN =
    "UTF-8 text had been decoded with a single-byte codec; encoding it back and decoding "
    "the bytes as UTF-8 restores it";

/* Confidence from the weight of evidence: a handful of clear sequences is near certainty. */
static double confidence_of(double ev)
{
    double c = 1.0 - 1.0 / (1.0 + ev * ev);
    return c < 0.5 ? 0.5 : c > 0.99 ? 0.99 : c;
}

/* Turns each applied run of the first layer into an edit of the segment. */
static int emit_runs(const ltext *t, const lplan *p, tf__edits *ed)
{
    tf__buf text;
    tf__buf_init(&text, 0);
    int rc = 0;
    for (size_t a = 0; a < p->nq && rc == 0;) {
        size_t b = a + 1;
        while (b < p->nq && touches(&p->q[b - 1], &p->q[b]))
            b++;
        if (!p->use[a]) {
            a = b;
            continue;
        }
        double ev = 0;
        tf__buf_clear(&text);
        for (size_t k = a; k < b; k++) {
            tf__buf_put_cp(&text, p->q[k].cp);
            ev += p->q[k].ev;
        }
        size_t ci = p->q[a].i, cj = p->q[b - 1].i + p->q[b - 1].n;
        chain ch = {{p->codec}, 1};
        rc = text.failed ? -1
                         : more_layers(t->st, &text, char_at(t, ci, -1), char_at(t, cj, 0), &ch);
        char rule[96];
        chain_rule(&ch, rule, sizeof rule);
        if (rc == 0 && !tf__edits_overlap(ed, t->off[ci], t->off[cj]))
            rc = tf__edits_add(ed, t->off[ci], t->off[cj], text.data, text.len, rule, EXPLAIN,
                               confidence_of(p->total > ev ? p->total : ev));
        a = b;
    }
    tf__buf_free(&text);
    return rc;
}

/* C1 controls left over are windows-1252 punctuation read as Latin-1 (`\x93` for `“`):
 * no text means a C1 control, so each one with a windows-1252 meaning becomes that. */
static int c1_with_meaning(const ltext *t, size_t i, const tf__edits *ed)
{
    uint32_t c = t->cp[i];
    return c >= 0x80 && c <= 0x9F && tf__sb_high[TF__SB_CP1252][c - 0x80] != c &&
           !tf__edits_overlap(ed, t->off[i], t->off[i + 1]);
}

static int fix_c1(const ltext *t, tf__edits *ed)
{
    for (size_t i = 0; i < t->n; i++) {
        if (!c1_with_meaning(t, i, ed))
            continue;
        size_t j = i;
        tf__buf text;
        tf__buf_init(&text, 0);
        while (j < t->n && c1_with_meaning(t, j, ed))
            tf__buf_put_cp(&text, tf__sb_high[TF__SB_CP1252][t->cp[j++] - 0x80]);
        int rc = text.failed ? -1 : tf__edits_add(ed, t->off[i], t->off[j], text.data, text.len,
                               "windows-1252 read as latin-1",
                               "C1 control characters are windows-1252 punctuation that was "
                               "decoded as Latin-1",
                               0.9);
        tf__buf_free(&text);
        if (rc)
            return rc;
        i = j - 1;
    }
    return 0;
}

int tf__repair_latin(tf__repair_state *st, const char *s, size_t len, tf__edits *ed)
{
    ltext t = {0};
    lplan best = {0}, tmp = {0};
    int rc = ltext_init(&t, st, s, len);
    int found = rc == 0 ? plan_layer(&t, &best, &tmp) : -1;
    if (found < 0)
        rc = -1;
    if (found == 1)
        rc = emit_runs(&t, &best, ed);
    if (rc == 0)
        rc = fix_c1(&t, ed);
    free(best.q), free(best.use), free(tmp.q), free(tmp.use);
    ltext_free(&t);
    return rc;
}
