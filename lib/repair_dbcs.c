/* repair_dbcs.c - one double-byte codec's text read as another: GBK read as Big5
 * (`饒繫躺珆尨` for `那么仅显示`), Big5 read as GBK (`ま计琌` for `引數是`) and Shift_JIS read
 * as GBK (`偙傟偼` for `これは`).
 *
 * Such mojibake is valid-looking CJK, so no byte pattern gives it away; what does is that its
 * characters are rare (Han from the far ends of the tables, private-use code points, kana or
 * Greek among Han). The cheap test (tf__dbcs_cost, part of tf__repair_scan) looks at each
 * non-ASCII character's unigram cost and nothing else, so clean text pays one table look-up
 * per character and no iconv call. On a suspect segment the pass cuts runs of characters the
 * wrong codec can encode, re-encodes each run with it, decodes the bytes with the right codec, and keeps a
 * decoding only when both conversions are lossless and the model prefers it by a clear margin. */
#include "model.h"
#include "repair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The mix-ups: the codec the text was read with, the one it was written in. */
static const struct {
    const char *wrong, *right; /* iconv names */
    const char *rule;
} PAIRS[] = {
    {"BIG5-HKSCS", "GB18030", "gbk read as big5"},
    {"GB18030", "BIG5-HKSCS", "big5 read as gbk"},
    {"GB18030", "CP932", "shift_jis read as gbk"},
};
#define NPAIRS (sizeof PAIRS / sizeof PAIRS[0])

/* GB18030 two-byte codes that decoders before GB18030-2022 (Python's gb18030, older iconv and
 * browsers) read as private-use code points, where glibc reads vertical forms, CJK radicals or
 * Extension B: the private-use character still stands for those two bytes. */
static const struct {
    uint16_t cp, code;
} GB_PUA[] = {
    {0xE78D, 0xA6D9}, {0xE78E, 0xA6DA}, {0xE78F, 0xA6DB}, {0xE790, 0xA6DC}, {0xE791, 0xA6DD},
    {0xE792, 0xA6DE}, {0xE793, 0xA6DF}, {0xE794, 0xA6EC}, {0xE795, 0xA6ED}, {0xE796, 0xA6F3},
    {0xE7C7, 0xA8BC}, {0xE816, 0xFE51}, {0xE817, 0xFE52}, {0xE818, 0xFE53}, {0xE81E, 0xFE59},
    {0xE826, 0xFE61}, {0xE82B, 0xFE66}, {0xE82C, 0xFE67}, {0xE831, 0xFE6C}, {0xE832, 0xFE6D},
    {0xE83B, 0xFE76}, {0xE843, 0xFE7E}, {0xE854, 0xFE90}, {0xE855, 0xFE91}, {0xE864, 0xFEA0},
};

int tf__gb_pua_code(uint32_t cp)
{
    for (size_t i = 0; i < sizeof GB_PUA / sizeof GB_PUA[0]; i++)
        if (GB_PUA[i].cp == cp)
            return GB_PUA[i].code;
    return -1;
}

/* ---- the cheap test ------------------------------------------------------------------ */

/* A character's own cost, from the start of text (a constant plus its unigram emission):
 * common Han about -7 to -9, the rare Han such mojibake is made of -11 and worse. */
#define RARE_COST (-10.0)
/* Mean own cost of the CJK characters: clean Chinese, Japanese and Korean lines -9 or better
 * (classical poetry and fortunes down to -10.6), the mojibake -10 to -28. Or mostly rare
 * characters (3/4) with a mean below -9.5: GBK box drawing read as Big5 (`庚岸岸岸庖`) is
 * rare but repeated Han. On the suite's clean set (2,000 lines) the test fires on 1 line. */
#define SUSPECT_MEAN (-10.5)
#define SUSPECT_RARE_SHARE 0.75
#define SUSPECT_RARE_MEAN (-9.5)

static int is_pua(uint32_t cp) { return cp >= 0xE000 && cp <= 0xF8FF; }

/* Blocks running text hardly uses but double-byte tables hold, so the mojibake shows them:
 * CJK radicals, bopomofo, CJK compatibility and small form variants (`⺼`, `ㄛ`, `㏑`, `﹚`).
 * The model scores some of them like common symbols. */
static int odd_block(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x2FFF) || (cp >= 0x3100 && cp <= 0x312F) ||
           (cp >= 0x31A0 && cp <= 0x31BF) || (cp >= 0x3300 && cp <= 0x33FF) ||
           (cp >= 0xFE30 && cp <= 0xFE6F) || is_pua(cp);
}

/* A character's own cost in quarter nats (-1..-127), for repair_cjk.c's scan table (built
 * once per context from the model: the test then costs one table read per character, shared
 * with the CJK pass's test). 0 marks characters the test does not look at: box drawing, which
 * is tables, not text. Only U+2000..FFFF are asked for; the rest is never this mojibake
 * (two-byte UTF-8 is European text, four-byte is emoji and supplementary Han). */
int tf__dbcs_cost(uint32_t cp)
{
    if ((cp >= 0x2500 && cp <= 0x257F) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    double c = odd_block(cp) ? -30.0 : tf__model_bigram(0, cp);
    long q = (long)(c * 4.0 - 0.5);
    return (int)(q < -127 ? -127 : q > -1 ? -1 : q);
}

/* The test's verdict on a segment whose n looked-at characters cost sum quarter nats, rare of
 * them rare. */
int tf__dbcs_verdict(long n, long rare, long sum)
{
    if (n < 2 || rare < 2)
        return 0;
    double mean = (double)sum / (4.0 * (double)n);
    return mean < SUSPECT_MEAN ||
           ((double)rare >= SUSPECT_RARE_SHARE * (double)n && mean < SUSPECT_RARE_MEAN);
}


/* ---- the pass ------------------------------------------------------------------------ */

/* The model must prefer the decoding by this much (model.h: GBK read as Big5 gains 5.6 nats a
 * character at the 5th percentile, Shift_JIS read as GBK 10). */
static double margin(size_t nchanged) { return 8.0 + 1.5 * (double)nchanged; }

/* Box drawing (U+2500..257F) is what plain-text tables are made of; the model, which knows
 * it only as rare symbols, prefers the Han that GBK's box drawing reads as in Big5 (`庚岸岸岸庖`
 * for `┌───┐`). Both sides are scored with box drawing read as the ASCII such tables are
 * also drawn with (`+---+`). */
static char box_ascii(uint32_t cp)
{
    switch (cp) {
    case 0x2500: case 0x2501: case 0x2504: case 0x2505: case 0x2508: case 0x2509:
    case 0x254C: case 0x254D: case 0x2550:
        return '-';
    case 0x2502: case 0x2503: case 0x2506: case 0x2507: case 0x250A: case 0x250B:
    case 0x254E: case 0x254F: case 0x2551:
        return '|';
    default:
        return '+';
    }
}

static double score(tf__buf *tmp, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    int box = 0;
    for (size_t i = 0; i + 2 < len && !box; i++)
        box = u[i] == 0xE2 && (u[i + 1] == 0x94 || u[i + 1] == 0x95); /* U+2500..257F */
    if (!box)
        return tf__model_score(s, len, NULL);
    tf__buf_clear(tmp);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = tf__utf8_next(u + i, len - i, &cp);
        if (cp >= 0x2500 && cp <= 0x257F)
            tf__buf_putc(tmp, (unsigned char)box_ascii(cp));
        else
            tf__buf_append(tmp, s + i, n);
        i += n;
    }
    return tmp->failed ? tf__model_score(s, len, NULL) : tf__model_score(tmp->data, tmp->len, NULL);
}

/* A character a repair may produce: what GBK, Big5(-HKSCS) and Shift_JIS hold - ASCII (no
 * controls but tab), Latin-1, Greek and Cyrillic, punctuation and symbols, CJK, compatibility
 * ideographs and forms, halfwidth and fullwidth forms, HKSCS's supplementary Han. Not private
 * use nor U+FFFD, and none of the scripts a misaligned decoding would make (Yi, Hangul, Hebrew
 * presentation forms, ...). */
static int decoded_ok(uint32_t c)
{
    if (c < 0x80)
        return c == '\t' || (c >= 0x20 && c != 0x7F);
    return (c >= 0xA0 && c <= 0x4FF) || (c >= 0x2000 && c <= 0x2BFF) ||
           (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFE30 && c <= 0xFE6F) || (c >= 0xFF00 && c <= 0xFFEF && c != 0xFFFD) ||
           (c >= 0x20000 && c <= 0x3FFFF);
}

typedef struct {
    size_t start, end; /* bytes of the segment */
    double gain;
    double need; /* the margin it had to clear */
    int pair;
    tf__buf text;
} dcand;

typedef struct {
    dcand *v;
    size_t n, cap;
} dcands;

static int dcands_push(dcands *cs, size_t start, size_t end, double gain, int pair,
                       const char *text, size_t text_len)
{
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 8;
        dcand *v = realloc(cs->v, cap * sizeof *v);
        if (!v)
            return -1;
        cs->v = v;
        cs->cap = cap;
    }
    dcand *c = &cs->v[cs->n++];
    c->start = start;
    c->end = end;
    c->gain = gain;
    c->pair = pair;
    tf__buf_init(&c->text, 0);
    return tf__buf_append(&c->text, text, text_len);
}

static void dcands_free(dcands *cs)
{
    for (size_t i = 0; i < cs->n; i++)
        tf__buf_free(&cs->v[i].text);
    free(cs->v);
}

/* Scratch of one pass. */
typedef struct {
    tf__repair_state *st;
    const char *s;
    size_t len;
    tf__buf bytes, dec, back, raw;
} pass;

/* The two bytes the wrong codec of pair k gave character cp = s[i..i+n) (not ASCII), as
 * code = b1 << 8 | b2, or -1: a character it cannot encode in two bytes, or one it would not
 * decode the same way (two code points for one code). */
static int encode_char(pass *p, int k, uint32_t cp, size_t i, size_t n)
{
    tf__repair_state *st = p->st;
    int pua = is_pua(cp) && strcmp(PAIRS[k].wrong, "GB18030") == 0 ? tf__gb_pua_code(cp) : -1;
    if (pua >= 0)
        return pua;
    if (tf__repair_iconv(st, PAIRS[k].wrong, "UTF-8", p->s + i, n, &p->bytes) || p->bytes.len != 2)
        return -1;
    int code = (unsigned char)p->bytes.data[0] << 8 | (unsigned char)p->bytes.data[1];
    if (tf__repair_iconv(st, "UTF-8", PAIRS[k].wrong, p->bytes.data, 2, &p->back) ||
        p->back.len != n || memcmp(p->back.data, p->s + i, n) != 0)
        return -1;
    return code;
}

/* s[start..end) (UTF-8) re-encoded with the wrong codec, decoded with the right one: adds a
 * candidate when both conversions are lossless and the model clearly prefers the result. */
static int try_run(pass *p, int k, size_t start, size_t end, dcands *cs)
{
    tf__repair_state *st = p->st;
    const char *run = p->s + start;
    size_t rlen = end - start;
    const unsigned char *u = (const unsigned char *)p->s;
    tf__buf_clear(&p->raw);
    for (size_t i = start; i < end;) {
        if (u[i] < 0x80) {
            tf__buf_putc(&p->raw, u[i++]);
            continue;
        }
        uint32_t cp;
        size_t n = tf__utf8_next(u + i, end - i, &cp);
        int code = encode_char(p, k, cp, i, n);
        if (code < 0)
            return 0;
        tf__buf_putc(&p->raw, (unsigned char)(code >> 8));
        tf__buf_putc(&p->raw, (unsigned char)code);
        i += n;
    }
    if (p->raw.failed)
        return -1;
    if (tf__repair_iconv(st, "UTF-8", PAIRS[k].right, p->raw.data, p->raw.len, &p->dec))
        return 0;
    /* The right codec must give the bytes back from the decoding. */
    if (tf__repair_iconv(st, PAIRS[k].right, "UTF-8", p->dec.data, p->dec.len, &p->back) ||
        p->back.len != p->raw.len || memcmp(p->back.data, p->raw.data, p->raw.len) != 0)
        return 0;
    if (p->dec.len == rlen && memcmp(p->dec.data, run, rlen) == 0)
        return 0;
    size_t nwide = 0;
    const unsigned char *d = (const unsigned char *)p->dec.data;
    for (size_t i = 0; i < p->dec.len;) {
        uint32_t cp;
        i += tf__utf8_next(d + i, p->dec.len - i, &cp);
        if (!decoded_ok(cp))
            return 0;
        nwide += cp >= 0x80;
    }
    if (nwide == 0)
        return 0;
    double before = score(&p->bytes, run, rlen);
    double after = score(&p->bytes, p->dec.data, p->dec.len);
    double gain = after - before;
#ifdef TF_DBCS_DEBUG /* make EXTRA_CFLAGS=-DTF_DBCS_DEBUG: every candidate on stderr */
    fprintf(stderr, "dbcs %s: gain %.1f margin %.1f n %zu: %.*s -> %.*s\n", PAIRS[k].rule,
                gain, margin(nwide), nwide, (int)rlen, run, (int)p->dec.len, p->dec.data);
#endif
    if (gain < margin(nwide))
        return 0;
    if (dcands_push(cs, start, end, gain, k, p->dec.data, p->dec.len))
        return -1;
    cs->v[cs->n - 1].need = margin(nwide);
    return 0;
}

/* Runs of pair k: stretches of characters its wrong codec encodes, with the ASCII between
 * them (double-byte text keeps its ASCII as it is), trimmed of ASCII at both ends. Each run
 * is tried whole and, when it holds ASCII, each of its ASCII-free parts on its own. */
static int pair_runs(pass *p, int k, dcands *cs)
{
    const unsigned char *u = (const unsigned char *)p->s;
    size_t start = 0, last = 0; /* run start, end of its last non-ASCII character */
    int open = 0;
    size_t nparts = 0, part = 0;
    size_t parts_cap = 64;
    size_t *parts = malloc(parts_cap * 2 * sizeof *parts);
    if (!parts)
        return -1;
    int rc = 0;
    for (size_t i = 0; i <= p->len && rc == 0;) {
        if (i < p->len && u[i] < 0x80 && u[i] != '\n' && u[i] != '\r') {
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t n = i < p->len ? tf__utf8_next(u + i, p->len - i, &cp) : 0;
        int enc = n > 1 && cp >= 0x80 && encode_char(p, k, cp, i, n) >= 0;
        if (enc) {
            if (!open) {
                open = 1;
                start = part = i;
                nparts = 0;
            } else if (last != i) { /* ASCII between: a new part */
                if (nparts == parts_cap) {
                    size_t *v = realloc(parts, parts_cap * 4 * sizeof *parts);
                    if (!v) {
                        rc = -1;
                        break;
                    }
                    parts = v;
                    parts_cap *= 2;
                }
                parts[2 * nparts] = part, parts[2 * nparts + 1] = last, nparts++;
                part = i;
            }
            last = i + n;
            i += n;
            continue;
        }
        if (open) {
            size_t before = cs->n;
            rc = try_run(p, k, start, last, cs);
            /* A run repaired whole is not cut: a part's gain can exceed the whole's by a
             * one-character piece that cannot clear a margin on its own (`㎝` for `和`). */
            if (nparts > 0 && cs->n == before) {
                for (size_t j = 0; j < nparts && rc == 0; j++)
                    rc = try_run(p, k, parts[2 * j], parts[2 * j + 1], cs);
                if (rc == 0)
                    rc = try_run(p, k, part, last, cs);
            }
            open = 0;
        }
        i += n ? n : 1;
    }
    free(parts);
    return rc;
}

static int dcand_cmp(const void *x, const void *y)
{
    const dcand *a = x, *b = y;
    return a->gain > b->gain ? -1 : a->gain < b->gain;
}

static const char *explain(int k)
{
    static const char *const text[NPAIRS] = {
        "GBK text had been decoded as Big5; encoding it back to Big5 and decoding the bytes "
        "as GBK restores it",
        "Big5 text had been decoded as GBK; encoding it back to GBK and decoding the bytes as "
        "Big5 restores it",
        "Shift_JIS text had been decoded as GBK; encoding it back to GBK and decoding the "
        "bytes as Shift_JIS restores it",
    };
    return text[k];
}

/* An earlier pass's edits inside c's span (a UTF-8 reading of part of the run, say) give way
 * when the model prefers c's text to the span as they would leave it by c's own margin.
 * Returns how many were dropped, 0 when c must yield, -1 when out of memory. */
static long outbid(pass *p, tf__edits *ed, size_t mine, const dcand *c)
{
    for (size_t i = 0; i < ed->n; i++) {
        const tf__edit *e = &ed->v[i];
        if (c->start < e->end && e->start < c->end &&
            (i >= mine || e->start < c->start || e->end > c->end))
            return 0; /* ours, or reaching out of the run */
    }
    /* The span as the earlier edits leave it (they do not overlap one another). */
    tf__buf_clear(&p->raw);
    size_t at = c->start;
    for (;;) {
        const tf__edit *next = NULL;
        for (size_t i = 0; i < ed->n; i++) {
            const tf__edit *e = &ed->v[i];
            if (e->start >= at && e->end <= c->end && (!next || e->start < next->start))
                next = e;
        }
        if (!next)
            break;
        tf__buf_append(&p->raw, p->s + at, next->start - at);
        tf__buf_append(&p->raw, ed->text.data + next->text_off, next->text_len);
        at = next->end;
    }
    tf__buf_append(&p->raw, p->s + at, c->end - at);
    if (p->raw.failed)
        return -1;
    double now = score(&p->bytes, p->raw.data, p->raw.len);
    double ours = score(&p->bytes, c->text.data, c->text.len);
    if (ours - now < c->need)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < ed->n; i++)
        if (!(ed->v[i].start >= c->start && ed->v[i].end <= c->end))
            ed->v[k++] = ed->v[i];
    long dropped = (long)(ed->n - k);
    ed->n = k;
    return dropped;
}

int tf__repair_dbcs(tf__repair_state *st, const char *s, size_t len, tf__edits *ed)
{
    pass p = {.st = st, .s = s, .len = len};
    tf__buf_init(&p.bytes, 0);
    tf__buf_init(&p.dec, 0);
    tf__buf_init(&p.back, 0);
    tf__buf_init(&p.raw, 0);
    dcands cs = {0};
    int rc = 0;
    for (size_t k = 0; k < NPAIRS && rc == 0; k++)
        rc = pair_runs(&p, (int)k, &cs);
    if (rc == 0 && cs.n > 1)
        qsort(cs.v, cs.n, sizeof *cs.v, dcand_cmp);
    size_t mine = ed->n; /* edits from here on are this pass's */
    for (size_t i = 0; i < cs.n && rc == 0; i++) {
        dcand *c = &cs.v[i];
        if (tf__edits_overlap(ed, c->start, c->end)) {
            long r = outbid(&p, ed, mine, c);
            if (r < 0)
                rc = -1;
            if (r <= 0)
                continue;
            mine -= (size_t)r; /* the dropped edits were all before ours */
        }
        double conf = 1.0 - 1.0 / (1.0 + c->gain);
        rc = tf__edits_add(ed, c->start, c->end, c->text.data, c->text.len, PAIRS[c->pair].rule,
                           explain(c->pair), conf > 0.99 ? 0.99 : conf);
    }
    dcands_free(&cs);
    tf__buf_free(&p.bytes);
    tf__buf_free(&p.dec);
    tf__buf_free(&p.back);
    tf__buf_free(&p.raw);
    return rc;
}
