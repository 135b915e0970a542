/* repair.h - the mojibake repair stage: text that was decoded with the wrong codec.
 * Internal to libtextfix; never installed.
 *
 * The stage is split by the kind of damage:
 *   repair.c        the stage entry, the per-context state, runs of edits and the report
 *   repair_sbcs.c   the single-byte codecs' byte tables (sloppy variants, like ftfy's)
 *   repair_latin.c  UTF-8 read as a single-byte codec (windows-125x, Latin-1, MacRoman, cp437)
 *   repair_cjk.c    CJK mix-ups: UTF-8 read as GBK/Big5/Shift_JIS/EUC-*, those read as
 *                   Latin-1
 *   repair_dbcs.c   GBK read as Big5, Big5 read as GBK, Shift_JIS read as GBK
 *   repair_whole.c  a whole line (or windows-1252 stretch) decoded back as one piece under
 *                   every codec chain, one or two layers, lost bytes marked: first, for the
 *                   UTF-8 readings, and again after the latin pass
 * The declarations below the stage interface are shared by those files only. */
#ifndef TF_REPAIR_H
#define TF_REPAIR_H

#include "internal.h"

#include <iconv.h>
#include <stdint.h>

struct tf__repair_state;

/* The stage: repairs src[0..len) (valid UTF-8) and appends the result to out. Returns 0, or
 * 1 when the segment is clean and nothing was appended (the pipeline then passes src on
 * as it is, which keeps clean text free of copies), or a negative tf_error. */
int tf__repair_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos);

/* Releases the per-context repair state (iconv handles, lookup tables). Accepts NULL. */
void tf__repair_free(struct tf__repair_state *st);

/* ---- shared by repair*.c ------------------------------------------------------------- */

/* The single-byte codecs, in the order they are tried (ftfy's order: the most common
 * confusions first, so ties go to them). */
enum {
    TF__SB_LATIN1,
    TF__SB_CP1252,
    TF__SB_CP1251,
    TF__SB_CP1250,
    TF__SB_CP1253,
    TF__SB_CP1254,
    TF__SB_CP1257,
    TF__SB_ISO88592,
    TF__SB_MACROMAN,
    TF__SB_CP437,
    TF__SB_COUNT
};

/* What a byte stands for in a lost-byte position: U+FFFD encodes to it in every sloppy
 * single-byte codec, so "a byte was lost here" survives re-encoding. */
#define TF__SB_LOST 0x1Au

/* Code points of bytes 0x80..0xFF. The sloppy variants map a byte the codec leaves undefined
 * to the C1 control of the same number, so every byte round-trips. */
extern const uint16_t tf__sb_high[TF__SB_COUNT][128];
/* Names used in report rules: "windows-1252", "macroman", ... */
extern const char *const tf__sb_name[TF__SB_COUNT];

/* One repair of src[start..end): the text that replaces it, already final (all layers). */
typedef struct {
    size_t start, end;
    size_t text_off, text_len; /* in the edit list's text buffer */
    char rule[96];             /* the codec chain, e.g. "utf-8 read as windows-1252" */
    const char *explanation;
    double confidence;
} tf__edit;

typedef struct {
    tf__edit *v;
    size_t n, cap;
    tf__buf text;
} tf__edits;

/* Per-context state, made on first use of the stage and freed with the context. */
#define TF__ICONV_CACHE 24
typedef struct {
    uint16_t cp;
    uint8_t byte;
} tf__sb_rev;

typedef struct tf__repair_state {
    /* During the second pass over a repaired segment, the length of the original segment:
     * edits are then positions in the first pass's output, so the report gives the whole
     * input segment as their input span instead of a wrong one. 0 otherwise. */
    size_t layer2_in_len;
    struct {
        const char *to, *from;
        iconv_t cd;
    } ic[TF__ICONV_CACHE];
    size_t n_ic;
    tf__buf conv;                          /* scratch for conversions */
    tf__sb_rev rev[TF__SB_COUNT][128];     /* each codec's high half, sorted by code point */
    uint32_t lcls[0x600], lcls2[0x600];    /* latin classes of U+0000..05FF, U+2000..25FF */
    uint8_t sb_enc[TF__SB_COUNT][0xC00];   /* the byte of U+0000..05FF, U+2000..25FF, or 0 */
    uint32_t *scan;                        /* repair_cjk.c's character table, first use */
    uint8_t *cjk_flags;                    /* repair_cjk.c's pass classes, made from it */
    char (*rules)[96];                     /* report rules, interned: items point at them */
    size_t n_rules;
} tf__repair_state;

/* Bits of lcls/lcls2: the roles a character can play in single-byte mojibake of UTF-8, per
 * codec, so that a lead of one codec next to a continuation of another (`——` is a MacRoman
 * lead and a windows-1252 continuation) does not count. */
#define TF__L_LEAD(c) (1u << (c))        /* a lead byte C2..F4 in codec c */
#define TF__L_CONT(c) (1u << (10 + (c))) /* a continuation byte 80..BF in codec c */
#define TF__L_LEADS 0x3FFu
#define TF__L_A0 (1u << 20)             /* a lead after which a lost no-break space shows */
#define TF__L_C1 (1u << 21)             /* a C1 control */

void tf__latin_state_init(tf__repair_state *st);
void tf__cjk_state_free(tf__repair_state *st);
/* The byte cp encodes to in single-byte codec c, or -1. ASCII is itself. */
int tf__sb_encode(const tf__repair_state *st, int c, uint32_t cp);
/* Whether s[start..end) overlaps an edit already made. */
int tf__edits_overlap(const tf__edits *e, size_t start, size_t end);

tf__repair_state *tf__repair_state_get(tf_ctx *ctx);

/* Converts with a cached iconv handle; on success out holds the result (NUL-terminated) and
 * 0 is returned; -1 means a byte could not be converted (or the codec is missing). */
int tf__repair_iconv(tf__repair_state *st, const char *to, const char *from, const char *src,
                     size_t n, tf__buf *out);

/* Adds an edit; the replacement text is copied. Returns 0 or -1 when out of memory. */
int tf__edits_add(tf__edits *e, size_t start, size_t end, const char *text, size_t text_len,
                  const char *rule, const char *explanation, double confidence);

/* The lone-mark pass (repair_lone.c): a line that is ASCII but for a few double-byte
 * characters, each closing a word, that another codec reads as a Latin-1 symbol (`a簡` is
 * `a²`) or a CJK punctuation mark (`WORD¡A` is `WORD，`). Adds an edit for each when every one
 * of them reads so with the same codecs. Returns 0 or -1 when out of memory. */
int tf__repair_lone(tf__repair_state *st, const char *s, size_t len, tf__edits *ed);

/* The single-byte pass: finds runs of UTF-8 read as a single-byte codec in s[0..len) and adds
 * an edit for each run worth repairing. Returns 0 or -1 when out of memory. */
int tf__repair_latin(tf__repair_state *st, const char *s, size_t len, tf__edits *ed);

/* The CJK pass, for the spans of s[0..len) that no edit covers yet. */
int tf__repair_cjk(tf__repair_state *st, const char *s, size_t len, tf__edits *ed);



/* The double-byte-as-double-byte pass (repair_dbcs.c), for the spans no edit covers yet. */
int tf__repair_dbcs(tf__repair_state *st, const char *s, size_t len, tf__edits *ed);

/* The test's parts (repair_dbcs.c): a character's cost in quarter nats (0: not looked at),
 * and the verdict on a segment's n looked-at characters, rare of them rare, costing sum. */
int tf__dbcs_cost(uint32_t cp);
int tf__dbcs_verdict(long n, long rare, long sum);

/* The CJK, double-byte and latin tests in one pass (repair_cjk.c): one read of a per-context
 * 64K-entry character table per character, no iconv. Sets *cjk, *dbcs and *latin to the
 * three tests' answers, and *latin1 to whether s has two or more characters of U+0080..00FF
 * (the whole-stretch pass's test for double-byte text read as Latin-1: a table drawn in GBK,
 * `©¦ ... ©¦`, shows no other sign); returns 0, or -1 when out of memory (the table is built
 * on first use). */
int tf__repair_scan(tf__repair_state *st, const char *s, size_t len, int *cjk, int *dbcs,
                    int *latin, int *latin1);

/* How often a decoding hops between scripts (Latin, Greek, Cyrillic, Hebrew, Arabic, CJK)
 * from one non-ASCII letter to the next, plus its characters of blocks running text hardly
 * uses (CJK radicals, compatibility, small forms): a wrong codec's UTF-8 reading (`ǁ֫У`) that
 * the model, scoring characters one by one, may like. Each costs TF__SWITCH_COST nats
 * (repair_whole.c). */
long tf__script_switches(const char *s, size_t len);
#define TF__SWITCH_COST 6.0

/* The GB18030 two-byte code that older decoders read as the private-use character cp, or -1
 * (repair_dbcs.c). */
int tf__gb_pua_code(uint32_t cp);

/* The whole-stretch pass (repair_whole.c): the segment, or each stretch of it a single-byte
 * codec can encode, decoded back as one piece under every codec chain (one or two layers);
 * the best decoding becomes one edit when the model clearly prefers it. It runs twice. With
 * keep == (size_t)-1, first and on an empty edit list: the UTF-8 readings, whose bytes prove
 * them (a segment they explain needs no windowed pass). Then after the latin pass, with keep
 * the number of edits the first round made: the double-byte readings of windows-1252, which
 * must also beat what the latin pass made of the stretch. Returns 0 or -1 (out of memory). */
int tf__repair_whole(tf__repair_state *st, const char *s, size_t len, tf__edits *ed,
                     size_t keep);

#endif
