/* punct.c - restores CJK punctuation that NFKC (or a careless converter) flattened to ASCII:
 * ，；：！？（） became , ; : ! ? ( ) and … became ... inside Chinese sentences.
 *
 * Many authors write ASCII punctuation in Chinese on purpose (Debian's Chinese man pages do),
 * and clean text must not change, so in the default mode (TF_PUNCT_AUTO) a segment is only
 * touched when the stream so far carries the flattening signature:
 *  - CJK sentence marks NFKC leaves alone (。、“”《》「」) are there (two, or one beside a
 *    mark glued between two Han characters, see flattened()),
 *  - ASCII , ; : ! ? ( ) sits glued to CJK characters,
 *  - and not one fullwidth ，；：！？（） has been seen (one is enough to show the text was not
 *    flattened, and from then on the stage stays off for the stream).
 * A stage sees the stream in order and cannot hold text back, so lines before the evidence
 * stay as they are.
 * The evidence is carried in ctx->punct_state from segment to segment; segments are cut where
 * the text says, so the result does not depend on how the input was cut into calls.
 * TF_PUNCT_CJK restores wherever the local context is CJK, TF_PUNCT_ASCII goes the other way,
 * TF_PUNCT_KEEP leaves everything. Where the stage acts it also turns fullwidth Latin letters
 * and digits into ASCII and halfwidth katakana into fullwidth.
 *
 * What stays ASCII even then: times and grouped numbers (08:48:27, 1,000; but 参数3,4,5 is a
 * Chinese list), punctuation with Latin on both sides (E-mail:webmaster@..., URLs, code, Latin
 * sentences, -o rw,noatime) unless it separates words a CJK sentence enumerates, a Latin
 * term's colon (NLM_F_EXCL: 如物件...), a ? or ! glued to a Latin letter (a lost-character
 * marker, not a question, unless a question particle precedes it), a ? between Han
 * characters followed by misaligned garbage, and parentheses around Latin text that are not
 * part of a CJK sentence ((1), (WHO) alone, ls(1), f(x)y, Tcl's 字 (words) 并). */
#include "punct.h"
#include "model.h"

#include <string.h>

enum { TO_CJK = 1, TO_ASCII = 2 };

/* Longest parenthesized text, in bytes, judged as a pair. */
#define PAREN_SPAN 1024

static int is_cjk(uint32_t c)
{
    return tf__is_han(c) || tf__is_kana(c) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFF01 && c <= 0xFF9F) || c == 0x2026 || c == 0x2014;
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* A box-drawing character: in a text table (│ ─ ┼) it bounds a cell as a line end would. */
static int is_box(uint32_t c) { return c >= 0x2500 && c <= 0x257F; }
static int is_alnum(uint32_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static uint32_t cp_at(const unsigned char *s, size_t len, size_t at)
{
    uint32_t cp = 0;
    if (at < len)
        tf__utf8_next(s + at, len - at, &cp);
    return cp;
}

static int is_restored_mark(uint32_t c);

/* The character at s[at] as a decision may look at it: a fullwidth mark this stage restores
 * counts as its ASCII form, so a mark is judged the same before and after its neighbours
 * were restored (a second run changes nothing). */
static uint32_t neutral_at(const unsigned char *s, size_t len, size_t at)
{
    uint32_t c = cp_at(s, len, at);
    return is_restored_mark(c) ? c - 0xFEE0 : c;
}

/* The fullwidth form of an ASCII punctuation mark the stage restores, 0 for others. */
static uint32_t fullwidth_of(unsigned char c)
{
    switch (c) {
    case ',': return 0xFF0C;
    case ';': return 0xFF1B;
    case ':': return 0xFF1A;
    case '!': return 0xFF01;
    case '?': return 0xFF1F;
    case '(': return 0xFF08;
    case ')': return 0xFF09;
    default: return 0;
    }
}

static int is_restored_mark(uint32_t c)
{
    return c == 0xFF0C || c == 0xFF1B || c == 0xFF1A || c == 0xFF01 || c == 0xFF1F ||
           c == 0xFF08 || c == 0xFF09;
}

static int is_kept_mark(uint32_t c)
{
    return c == 0x3001 || c == 0x3002 || c == 0x201C || c == 0x201D || c == 0x300A ||
           c == 0x300B || c == 0x300C || c == 0x300D;
}

/* ---- evidence ------------------------------------------------------------------------ */

/* Whether c, after a . , ends a sentence rather than continuing a word, number or ... */
static int ends_word(uint32_t c)
{
    if (c < 0x80)
        return !is_alnum(c) && c != '.' && c != '_';
    return !tf__is_han(c) && !tf__is_kana(c) && !tf__is_hangul(c);
}

/* Adds what the segment shows to the stream's evidence. An ASCII mark counts as out of
 * place when it follows a CJK character (來源:青海, 帮助: <https...>), stands between two
 * with a space on either side (pages that space every character: 訊 息 , 這 些), or, for
 * parentheses, touches one on either side. */
static void gather(struct tf__punct_counts *st, const unsigned char *s, size_t len)
{
    uint32_t prev = 0, prev2 = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t n = tf__utf8_next(s + i, len - i, &c);
        if (c >= 0x2000) {
            st->fullwidth += is_restored_mark(c);
            st->kept_marks += is_kept_mark(c);
            st->enum_comma += c == 0x3001;
        } else if (c == '(' || c == ')') {
            st->ascii_between += is_cjk(prev) || is_cjk(cp_at(s, len, i + 1));
        } else if ((c == ',' || c == ';' || c == ':' || c == '!' || c == '?') && is_cjk(prev)) {
            st->ascii_between++;
            st->han_between += tf__is_han(prev) && tf__is_han(cp_at(s, len, i + 1));
        } else if (c == '.' && tf__is_han(prev)) {
            st->ascii_period += ends_word(cp_at(s, len, i + 1));
        } else if (c < 0x80 && fullwidth_of((unsigned char)c) && prev == ' ' && is_cjk(prev2)) {
            st->ascii_between += cp_at(s, len, i + 1) == ' ' && is_cjk(cp_at(s, len, i + 2));
        }
        prev2 = prev;
        prev = c;
        i += n;
    }
}

/* The flattening signature: no fullwidth ，；：！？（）, and ASCII marks out of place beside
 * CJK marks NFKC leaves alone. Two kept marks, not one: a clean text's first lines may
 * show a lone “” before its first ，. One is enough beside a mark glued between two Han
 * characters, unless the text ends Han sentences with an ASCII . and has no 、 (its author
 * types ASCII). On manpages-zh and fortunes-zh the second way turns the stage on 300 lines
 * earlier in flattened documents and not one line earlier in clean ones. */
static int flattened(const struct tf__punct_counts *st)
{
    if (st->fullwidth || !st->ascii_between)
        return 0;
    return st->kept_marks >= 2 || (st->kept_marks >= 1 && st->han_between >= 1 &&
                                   (st->ascii_period == 0 || st->enum_comma));
}

/* Whether a segment with no byte >= 0x80 may be skipped: it has no CJK to judge. A
 * branch-free pass the compiler vectorizes. */
static int all_ascii(const unsigned char *s, size_t len)
{
    unsigned any = 0;
    for (size_t i = 0; i < len; i++)
        any |= s[i];
    return any < 0x80;
}

/* ---- decisions ----------------------------------------------------------------------- */

/* The context a mark is judged in: the last character written (after earlier changes in
 * the segment), the one before it, and the first character after the mark's run. */
typedef struct {
    uint32_t prev, prev2, next;
    uint32_t next_word; /* the first character after the mark and any spaces */
    int question;       /* the clause before the mark has a question word or particle */
    int thousands;      /* three digits follow the mark, as in 1,000 */
    int in_list;        /* a comma in an enumeration of Latin words after CJK */
    int line_cjk;       /* the segment so far has a CJK character */
} around;

/* Characters that make a Chinese clause a question (particles and question words). */
static int is_question_char(uint32_t c)
{
    /* 吗嗎呢吧么麼嘛 哪谁誰什甚怎几幾否难難岂豈何, and classical 乎哉耶邪欤歟孰 */
    static const uint16_t Q[] = {0x5417, 0x55CE, 0x5462, 0x5427, 0x4E48, 0x9EBC, 0x561B,
                                 0x54EA, 0x8C01, 0x8AB0, 0x4EC0, 0x751A, 0x600E, 0x51E0,
                                 0x5E7E, 0x5426, 0x96BE, 0x96E3, 0x5C82, 0x8C48, 0x4F55,
                                 0x4E4E, 0x54C9, 0x8036, 0x90AA, 0x6B24, 0x6B5F, 0x5B70};
    for (size_t i = 0; i < sizeof Q / sizeof Q[0]; i++)
        if (Q[i] == c)
            return 1;
    return 0;
}

/* A mark that ends a clause: the question evidence starts over after it. */
static int ends_clause(uint32_t c)
{
    return c == 0x3002 || c == 0xFF0C || c == 0xFF01 || c == 0xFF1F || c == 0xFF1B ||
           c == ',' || c == '.' || c == '!' || c == '?' || c == ';' || c == '\n';
}

/* Whether the clause ending at s[at] asks a question. Looked up only for a ? between two Han
 * characters, so the common path pays nothing for it. */
static int clause_is_question(const unsigned char *s, size_t at)
{
    for (int k = 0; k < 64 && at > 0; k++) {
        size_t b = at - 1;
        while (b > 0 && (s[b] & 0xC0) == 0x80)
            b--;
        uint32_t c;
        tf__utf8_next(s + b, at - b, &c);
        if (ends_clause(c))
            return 0;
        if (is_question_char(c))
            return 1;
        at = b;
    }
    return 0;
}

/* Whether the Han characters from s[at] on read as Chinese: a ? between two Han characters
 * is a question mark (此身合是诗人未?细雨骑驴入剑门) unless it stands for a lost character, and
 * then what follows it is misaligned double-byte garbage (大美青?蛻舳擞). The mean bigram
 * log-probability of up to four characters tells them apart: on manpages-zh and
 * fortunes-zh, 95% of the real text after a ？ between Han characters scores above -9
 * (classical verse -8 to -10), 93% of fortunes-zh text read as GBK one byte off below it. */
static int han_text_follows(const unsigned char *s, size_t len, size_t at)
{
    uint32_t prev = 0, c;
    double sum = 0;
    int n = 0;
    for (int k = 0; k < 4 && at < len; k++) {
        at += tf__utf8_next(s + at, len - at, &c);
        if (!tf__is_han(c))
            break;
        if (prev) {
            sum += tf__model_bigram(prev, c);
            n++;
        }
        prev = c;
    }
    return n > 0 && sum / n > -9.0;
}

static int left_cjk(const around *a)
{
    if (is_cjk(a->prev))
        return 1;
    /* A closing quote after CJK: “楓橋經驗”,不斷 */
    return (a->prev == 0x201D || a->prev == 0x2019) && is_cjk(a->prev2);
}

static int right_cjk(const around *a)
{
    return is_cjk(a->next) || a->next == 0x201C || a->next == 0x2018;
}

/* Whether the digits after a comma at s[at] group a number by thousands (1,000 and
 * 12,345,678, not the list 3,4,5,6 or 10,11,12): exactly three digits, then no digit. */
static int thousands_after(const unsigned char *s, size_t len, size_t at)
{
    size_t k = at + 1;
    while (k < len && k - at <= 4 && is_digit(s[k]))
        k++;
    return k - at == 4 && (k == len || !is_digit(s[k]));
}

/* The character that ends just before s[k] (k > 0), a restored mark as its ASCII form
 * (so a second run judges as the first did); *start receives where it begins. */
static uint32_t neutral_before(const unsigned char *s, size_t k, size_t *start)
{
    size_t b = k - 1;
    while (b > 0 && (s[b] & 0xC0) == 0x80)
        b--;
    *start = b;
    return neutral_at(s, k, b);
}

static int list_char(uint32_t c)
{
    return is_alnum(c) || c == ',' || c == '-' || c == '_' || c == '.' || c == '/';
}

/* Whether the comma at s[at], glued between Latin words, separates an enumeration that a
 * CJK sentence introduces: 如果你在 INSERT,UPDATE,DELETE,或者, 比如 nfs,ram,scd, 選項 -h,-p,
 * 命令:INSERT, UPDATE,DELETE. The enumeration is followed back over its words and commas
 * (a comma may have a space after it) to what precedes it: a CJK character, directly, after
 * one space, or after a : ; ( that follows one. -o rw,noatime and a,b=1 stay ASCII. */
static int list_after_cjk(const unsigned char *s, size_t at)
{
    size_t k = at, b, b2;
    uint32_t c = 0;
    while (k > 0 && at - k < 256) {
        c = neutral_before(s, k, &b);
        if (!list_char(c) && !(c == ' ' && b > 0 && neutral_before(s, b, &b2) == ','))
            break;
        k = b;
    }
    if (k == 0)
        return 0;
    if ((c == ' ' || c == ':' || c == ';' || c == '(') && b > 0)
        c = neutral_before(s, b, &b);
    return is_cjk(c);
}

static int line_end(uint32_t c) { return c == '\n' || c == '\r' || c == 0; }

/* Whether the ASCII mark c ( , ; : ! ? ) belongs to a CJK sentence. */
static int wants_fullwidth(unsigned char c, const around *a)
{
    if (is_digit(a->prev) && is_digit(a->next) && (c != ',' || a->thousands))
        return 0; /* 08:48:27, 1,000 (but 参数3,4,5 is a list in a Chinese sentence) */
    if ((c == '?' || c == '!') && is_alnum(a->next) && !(c == '?' && a->question))
        return 0; /* 日?qǐng): the mark of a lost character, not a question (呢?FHS is) */
    if (c == '?' && tf__is_han(a->prev) && tf__is_han(a->next) && !a->question)
        return 0; /* 大美青?蛻舳: between two Han characters only a question is a ？ */
    if (left_cjk(a))
        return 1; /* 例如,/dev/sda3 too: after CJK a path does not make the mark ASCII */
    if (a->next == '/' || a->next == '\\')
        return 0; /* a URL scheme or a path */
    if (c == ',' && is_alnum(a->prev) && (is_alnum(a->next) || a->next == '-'))
        return a->in_list;
    if (a->prev == ' ' || a->prev == '\t' || !a->prev) {
        /* No Latin writer puts a space before a mark: "systemd ,返回", a line that starts
         * with ",跟着的是" (the sentence wrapped after its last CJK character), and in a CJK
         * line "perlxs ,xsubpp ,及", "cd ls ;cat less ;". */
        if (c == '!' || c == '?') /* 如 +, - 或 ?: a symbol named */
            return 0;
        if (right_cjk(a) || (a->next == ' ' && is_cjk(a->next_word)))
            return 1;
        return a->prev && a->line_cjk && (c == ',' || c == ';') && a->next != ' ';
    }
    if (right_cjk(a))
        return 1;
    /* After a Latin word in a CJK sentence: "MSDOS, 在这种情况下", "環境變數 PGPORT:",
     * "哪一个版本的 Perl?" at the end of the line. Not "NLM_F_EXCL: 如物件已存在": a Latin
     * term and its description keep the Latin colon (on manpages-zh 209 times, never ：). */
    if (c == ',' || c == ';' || c == ':') {
        if (a->next == ' ' && is_cjk(a->next_word))
            return c != ':';
        return a->line_cjk && line_end(a->next);
    }
    return a->line_cjk && line_end(a->next);
}

/* What a parenthesized span holds, for judging its pair. */
typedef struct {
    int cjk;     /* a CJK character (not one this stage restores) */
    int space;   /* a space: a gloss (Time to Live), not an argument (ls(1), f(x)) */
    int acronym; /* only capitals and digits, starting with a capital: (PIO), (RFC4648) */
    int code;    /* a character of code, not of words: (a, b), ($fh), (x=1), ("%d") */
} paren_content;

static int code_char(uint32_t c)
{
    return c == ',' || c == '$' || c == '=' || c == '"' || c == '\'' || c == ';' ||
           c == '{' || c == '[' || c == '*' || c == '&' || c == '|' || c == '<' || c == '%';
}

/* Whether a pair that encloses no CJK belongs to the CJK sentence around it: it glosses the
 * CJK before it (核心(core dumps)。), opens a line or follows a space and is followed by CJK
 * ((initrd:Initial Ramdisk)。, 访问 (DMA)的), or names what the CJK after it speaks of
 * (I/O(PIO)模式, TTL(Time to Live)。). ls(1)。, f(x)y, open($fh, ...)。 and (WHO) alone stay
 * ASCII, and so does a pair set off by spaces on both sides (字 (words) 并: on manpages-zh
 * 427 times in ASCII, 6 in fullwidth). before/before2 are the two characters before the (, after the one after
 * the ). */
static int latin_pair_cjk(uint32_t before, uint32_t before2, const paren_content *pc,
                          uint32_t after)
{
    if (is_alnum(after))
        return 0;
    if (is_cjk(before) || ((before == 0x201D || before == 0x2019) && is_cjk(before2)))
        return 1; /* also after a closing quote: “驚群”(thundering herd) */
    if (!before || before == ' ' || is_box(before) || before == 0x201D)
        return is_cjk(after); /* (initrd:...)。, 访问 (DMA)的, │(FAT)。, “delimiter”(here doc) */
    return is_alnum(before) && is_cjk(after) && (pc->space || pc->acronym) && !pc->code;
}

/* Whether the parenthesis opened at s[i] (after the characters `before` and `before2`)
 * belongs to CJK text: it encloses CJK (預防化解...工作法), or sits in CJK text as
 * latin_pair_cjk says. One the line does not close (man pages wrap lines inside
 * parentheses, table cells cut them) belongs to CJK when a CJK character touches it
 * (下一个字符(, but not the troff escape \*(TX) or it ends a CJK line glued to a word
 * (随着 Debian Stretch(, not 將互動地執行 (). The look-ahead is bounded so a line full of
 * parentheses stays linear. */
static int paren_pair_cjk(const unsigned char *s, size_t len, size_t i, uint32_t before,
                          uint32_t before2, int line_cjk)
{
    int depth = 0;
    paren_content pc = {0, 0, 1, 0};
    size_t end = len - i > PAREN_SPAN ? i + PAREN_SPAN : len;
    for (size_t k = i; k < end;) {
        uint32_t c;
        size_t n = tf__utf8_next(s + k, end - k, &c);
        if (c == '(' || c == 0xFF08) {
            depth++;
        } else if ((c == ')' || c == 0xFF09) && --depth == 0) {
            pc.acronym &= k > i + 2 && s[i + 1] >= 'A' && s[i + 1] <= 'Z';
            return pc.cjk || latin_pair_cjk(before, before2, &pc, neutral_at(s, len, k + 1));
        } else if (c == '\n') {
            break;
        }
        pc.cjk |= is_cjk(c) && !is_restored_mark(c) && c != 0x2026; /* not what we restore */
        pc.space |= c == ' ';
        pc.code |= code_char(c);
        if (k > i)
            pc.acronym &= (c >= 'A' && c <= 'Z') || is_digit(c);
        k += n;
    }
    uint32_t next = neutral_at(s, len, i + 1);
    return end == len && (is_cjk(before) || is_cjk(next) ||
                          (line_cjk && line_end(next) && before != ' '));
}

/* A byte of lower-case pinyin: ASCII letters, and the Latin letters with tone marks (UTF-8
 * leads C3-C7, continuation bytes). Han characters (leads E3-E9) stop it. */
static int pinyin_byte(unsigned char b)
{
    return (b >= 'a' && b <= 'z') || (b >= 0x80 && b <= 0xBF) || (b >= 0xC3 && b <= 0xC7);
}

/* Whether the ) at s[at] closes what is left of a ruby annotation whose character and ( were
 * lost: 日?bào) . That is the ruby stage's business, not a parenthesis. */
static int lost_annotation(const unsigned char *s, size_t at)
{
    for (size_t k = at; k > 0 && at - k < 24; k--) {
        if (k >= 3 && k < at && !memcmp(s + k - 3, "\xEF\xBF\xBD", 3))
            return 1; /* U+FFFD, the decoder's mark for the lost character */
        if (s[k - 1] == '?')
            return k < at;
        if (!pinyin_byte(s[k - 1]))
            return 0;
    }
    return 0;
}

/* ---- conversion ---------------------------------------------------------------------- */

typedef struct {
    tf_ctx *ctx;
    const unsigned char *s;
    size_t len;
    tf__buf *out;
    const tf__pos *pos;
    int mode;           /* TO_CJK or TO_ASCII */
    const char *why;    /* the explanation every item of this segment carries */
    double confidence;
    around a;
    uint64_t parens;    /* converted-or-not bit per open parenthesis, innermost lowest */
    unsigned depth;
    size_t flushed; /* s[0..flushed) is in out: unchanged runs are copied in one piece */
    int changed;
} conv;

static void written(conv *v, uint32_t c)
{
    v->a.prev2 = v->a.prev;
    v->a.prev = c;
    v->a.line_cjk |= is_cjk(c);
}

/* Replaces s[at..at+n) with the code points rep[0..k) and reports it. */
static int replace(conv *v, size_t at, size_t n, const uint32_t *rep, size_t k,
                   const char *rule)
{
    if (tf__buf_append(v->out, v->s + v->flushed, at - v->flushed))
        return TF_E_NOMEM;
    v->flushed = at + n;
    size_t out_at = v->out->len;
    for (size_t j = 0; j < k; j++) {
        if (tf__buf_put_cp(v->out, rep[j]))
            return TF_E_NOMEM;
        written(v, rep[j]);
    }
    tf__change ch = {
        .stage = TF_STAGE_PUNCT, .rule = rule,
        .in_offset = v->pos->in_base + at, .in_length = n,
        .out_offset = v->pos->out_base + out_at, .out_length = v->out->len - out_at,
        .before = (const char *)v->s + at, .before_len = n,
        .after = v->out->data + out_at, .after_len = v->out->len - out_at,
        .explanation = v->why, .confidence = v->confidence,
    };
    v->ctx->totals.repairs++;
    v->changed = 1;
    return tf__report_add(v->ctx, &ch) ? TF_E_NOMEM : 0;
}

static const char *rule_of(unsigned char c)
{
    switch (c) {
    case ',': return "fullwidth-comma";
    case ';': return "fullwidth-semicolon";
    case ':': return "fullwidth-colon";
    case '!': return "fullwidth-exclamation";
    case '?': return "fullwidth-question";
    default: return "fullwidth-parenthesis";
    }
}

/* Keeps the parenthesis stack right across a （ or ） that is already fullwidth. */
static void fullwidth_paren(conv *v, uint32_t c)
{
    if (c == 0xFF08) {
        if (v->depth < 64)
            v->parens = (v->parens << 1) | 1u;
        v->depth++;
    } else if (v->depth > 0 && v->depth-- <= 64) {
        v->parens >>= 1;
    }
}

/* Length of the ! or ? (ASCII or fullwidth) at s[i], 0 if there is none. */
static size_t bang_len(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] == '!' || s[i] == '?')
        return 1;
    uint32_t c = cp_at(s, len, i);
    return c == 0xFF01 || c == 0xFF1F ? 3 : 0;
}

/* A run like ?! or ?？？ is judged as one, whatever part of it was restored already. */
static long bang_run(conv *v, size_t i)
{
    size_t e = i, k;
    while (e < v->len && (k = bang_len(v->s, v->len, e)) != 0)
        e += k;
    v->a.next = neutral_at(v->s, v->len, e);
    size_t w = e;
    while (w < v->len && v->s[w] == ' ')
        w++;
    v->a.next_word = neutral_at(v->s, v->len, w);
    v->a.question = clause_is_question(v->s, i);
    if (!v->a.question && tf__is_han(v->a.prev) && tf__is_han(v->a.next))
        v->a.question = han_text_follows(v->s, v->len, e);
    /* A run that starts with a restored ？ or ！ is judged as its ASCII form. */
    int full = wants_fullwidth((unsigned char)neutral_at(v->s, v->len, i), &v->a);
    for (size_t j = i; j < e; j += bang_len(v->s, v->len, j)) {
        unsigned char c = v->s[j];
        if (c >= 0x80 || !full) {
            written(v, c >= 0x80 ? cp_at(v->s, v->len, j) : c);
            continue;
        }
        uint32_t rep = fullwidth_of(c);
        int rc = replace(v, j, 1, &rep, 1, rule_of(c));
        if (rc)
            return rc;
    }
    return (long)(e - i);
}

/* An ASCII mark s[i] in TO_CJK mode. Returns bytes consumed, or a negative error. */
static long ascii_mark(conv *v, size_t i)
{
    unsigned char c = v->s[i];
    int full = 0;
    if (c == '!' || c == '?')
        return bang_run(v, i);
    if (c == '(') {
        full = paren_pair_cjk(v->s, v->len, i, v->a.prev, v->a.prev2, v->a.line_cjk);
        if (v->depth < 64)
            v->parens = (v->parens << 1) | (uint64_t)full;
        v->depth++;
    } else if (c == ')') {
        v->a.next = neutral_at(v->s, v->len, i + 1);
        /* At depth 0: opened on an earlier line (or a table cell's earlier row: │) ), or a
         * lost character's annotation. */
        if (v->depth == 0)
            full = (left_cjk(&v->a) || right_cjk(&v->a) || is_box(v->a.prev)) &&
                   !lost_annotation(v->s, i);
        else if (v->depth <= 64)
            full = (int)(v->parens & 1);
        if (v->depth > 0 && v->depth-- <= 64)
            v->parens >>= 1;
    } else {
        v->a.next = neutral_at(v->s, v->len, i + 1);
        size_t w = i + 1;
        while (w < v->len && v->s[w] == ' ')
            w++;
        v->a.next_word = neutral_at(v->s, v->len, w);
        v->a.thousands = thousands_after(v->s, v->len, i);
        v->a.in_list = c == ',' && is_alnum(v->a.prev) && list_after_cjk(v->s, i);
        full = wants_fullwidth(c, &v->a);
    }
    if (!full) {
        written(v, c);
        return 1;
    }
    uint32_t rep = fullwidth_of(c);
    int rc = replace(v, i, 1, &rep, 1, rule_of(c));
    return rc ? rc : 1;
}

/* Whether a character may close an ellipsis that stands as a word of its own. */
static int closes_word(uint32_t c)
{
    return line_end(c) || c == ' ' || c == '"' || c == 0x201D || c == 0x2019 || c == ')' ||
           c == ']' || c == 0xFF09;
}

/* Whether the dots that end before a->next are an ellipsis in a CJK sentence: after CJK
 * (等等...), or standing alone in a line of CJK with no Latin word beside it ("* ...
 * 编辑器操作"). BEGIN...COMMIT, SELECT ... INTO and f(a, ...) stay. */
static int cjk_ellipsis(const around *a)
{
    if (left_cjk(a) || (a->prev == ' ' && a->next == 0x201D))
        return 1; /* “aptitude remove ...” 或 */
    if ((a->prev && a->prev != ' ') || is_alnum(a->prev2) || a->prev2 == ',' ||
        is_alnum(a->next_word))
        return 0; /* SELECT ... INTO, open($fh, ...): code */
    return closes_word(a->next) && (a->line_cjk || is_cjk(a->next_word));
}

/* A run of dots s[i..) in TO_CJK mode: ... or ...... in a CJK sentence was … or ……. */
static long dots(conv *v, size_t i)
{
    size_t e = i;
    while (e < v->len && v->s[e] == '.')
        e++;
    v->a.next = neutral_at(v->s, v->len, e);
    size_t w = e;
    while (w < v->len && v->s[w] == ' ')
        w++;
    v->a.next_word = neutral_at(v->s, v->len, w);
    size_t n = e - i;
    if (n % 3 || n > 12 || !cjk_ellipsis(&v->a)) {
        written(v, '.');
        return (long)n;
    }
    uint32_t rep[4] = {0x2026, 0x2026, 0x2026, 0x2026};
    int rc = replace(v, i, n, rep, n / 3, "ellipsis");
    return rc ? rc : (long)n;
}

/* Halfwidth katakana U+FF61-U+FF9F as fullwidth (NFKC's own mapping). */
static const uint16_t HALFWIDTH_KANA[63] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
    0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
    0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
    0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x309B, 0x309C,
};

/* The kana with a (semi-)voiced mark composed in, 0 when it takes none. */
static uint32_t voiced(uint32_t kana, uint32_t mark)
{
    int semi = mark == 0xFF9F;
    if (kana >= 0x30CF && kana <= 0x30DB && (kana - 0x30CF) % 3 == 0)
        return kana + (semi ? 2 : 1); /* ハヒフヘホ */
    if (semi)
        return 0;
    if ((kana >= 0x30AB && kana <= 0x30C2 && (kana - 0x30AB) % 2 == 0) || kana == 0x30C4 ||
        kana == 0x30C6 || kana == 0x30C8)
        return kana + 1;
    return kana == 0x30A6 ? 0x30F4 : 0;
}

/* A fullwidth or halfwidth form at s[i] (code point c, n bytes). */
static long width_form(conv *v, size_t i, uint32_t c, size_t n)
{
    uint32_t rep = 0;
    size_t used = n;
    const char *rule = "fullwidth-latin";
    if ((c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A)) {
        rep = c - 0xFEE0;
    } else if (c >= 0xFF01 && c <= 0xFF5E && v->mode == TO_ASCII) {
        rep = c - 0xFEE0;
        rule = "ascii-punctuation";
    } else if (c >= 0xFF61 && c <= 0xFF9F) {
        rep = HALFWIDTH_KANA[c - 0xFF61];
        rule = "halfwidth-katakana";
        uint32_t m = cp_at(v->s, v->len, i + n);
        if ((m == 0xFF9E || m == 0xFF9F) && voiced(rep, m)) {
            rep = voiced(rep, m);
            used += 3;
        }
    }
    if (!rep) {
        written(v, c);
        return (long)n;
    }
    int rc = replace(v, i, used, &rep, 1, rule);
    return rc ? rc : (long)used;
}

/* CJK marks as ASCII, for TF_PUNCT_ASCII: 。、“”‘’【】… (the fullwidth forms go through
 * width_form). 0 when c has no ASCII form here. */
static size_t ascii_form(uint32_t c, uint32_t *rep)
{
    switch (c) {
    case 0x3002: rep[0] = '.'; return 1;
    case 0x3001: rep[0] = ','; return 1;
    case 0x201C: case 0x201D: rep[0] = '"'; return 1;
    case 0x2018: case 0x2019: rep[0] = '\''; return 1;
    case 0x3010: rep[0] = '['; return 1;
    case 0x3011: rep[0] = ']'; return 1;
    case 0x2026: rep[0] = rep[1] = rep[2] = '.'; return 3;
    default: return 0;
    }
}

/* One character at s[i] in whichever mode; returns bytes consumed or a negative error. */
static long step(conv *v, size_t i)
{
    unsigned char b = v->s[i];
    if (b < 0x80) {
        if (v->mode == TO_CJK && fullwidth_of(b))
            return ascii_mark(v, i);
        if (v->mode == TO_CJK && b == '.')
            return dots(v, i);
        written(v, b);
        return 1;
    }
    uint32_t c, rep[3];
    size_t n = tf__utf8_next(v->s + i, v->len - i, &c);
    if (v->mode == TO_CJK && (c == 0xFF01 || c == 0xFF1F) && i + n < v->len &&
        bang_len(v->s, v->len, i + n) && v->s[i + n] < 0x80)
        return bang_run(v, i); /* ？? : the ASCII part follows its run */
    if (v->mode == TO_CJK && (c == 0xFF08 || c == 0xFF09))
        fullwidth_paren(v, c); /* restored already: it pairs like the ASCII ones */
    if (c >= 0xFF01 && c <= 0xFF9F)
        return width_form(v, i, c, n);
    size_t k = v->mode == TO_ASCII ? ascii_form(c, rep) : 0;
    if (k) {
        int rc = replace(v, i, n, rep, k, "ascii-punctuation");
        return rc ? rc : (long)n;
    }
    written(v, c);
    return (long)n;
}

static int convert(conv *v)
{
    for (size_t i = 0; i < v->len;) {
        long n = step(v, i);
        if (n < 0)
            return (int)n;
        i += (size_t)n;
    }
    if (!v->changed)
        return 1;
    return tf__buf_append(v->out, v->s + v->flushed, v->len - v->flushed) ? TF_E_NOMEM : 0;
}

/* The one report item that says why AUTO mode acts on this stream. */
void tf__punct_prime(tf_ctx *ctx, const char *text, size_t len)
{
    struct tf__punct_state *st = &ctx->punct_state;
    if (st->primed || ctx->punct != TF_PUNCT_AUTO)
        return; /* once a stream; evidence matters only when the stage judges it */
    st->primed = 1;
    gather(&st->ahead, (const unsigned char *)text, len);
}

static int report_evidence(tf_ctx *ctx, const tf__pos *pos)
{
    struct tf__punct_state *st = &ctx->punct_state;
    if (st->reported)
        return 0;
    st->reported = 1;
    tf__change ch = {
        .stage = TF_STAGE_PUNCT, .rule = "punct-evidence",
        .in_offset = pos->in_base, .out_offset = pos->out_base,
        .before = "", .after = "",
        .explanation = "the text keeps CJK marks NFKC leaves alone (。、“”) and has ASCII , ; : "
                       "! ? glued to CJK characters, yet not one fullwidth ，；：！？（）: "
                       "its punctuation was flattened",
        .confidence = 0.9,
    };
    return tf__report_add(ctx, &ch) ? TF_E_NOMEM : 0;
}

/* The stage past its first test. Out of line, so that the common case (see below) does not
 * pay for this part's register saves on every line. */
__attribute__((noinline)) static int punct_work(tf_ctx *ctx, const char *src, size_t len,
                                                tf__buf *out, tf__pos *pos)
{
    const unsigned char *s = (const unsigned char *)src;
    struct tf__punct_state *st = &ctx->punct_state;
    if (all_ascii(s, len))
        return 1;
    if (ctx->punct == TF_PUNCT_AUTO) {
        gather(&st->seen, s, len);
        if (!flattened(&st->seen) && !flattened(&st->ahead))
            return 1;
    }
    conv v = {
        .ctx = ctx, .s = s, .len = len, .out = out, .pos = pos,
        .mode = ctx->punct == TF_PUNCT_ASCII ? TO_ASCII : TO_CJK,
        .why = ctx->punct == TF_PUNCT_AUTO
                   ? "ASCII punctuation inside a CJK sentence, in a text whose punctuation was "
                     "flattened (see the punct-evidence item)"
                   : ctx->punct == TF_PUNCT_CJK ? "--punct cjk: CJK punctuation in CJK sentences"
                                                : "--punct ascii: ASCII punctuation",
        .confidence = ctx->punct == TF_PUNCT_AUTO ? 0.9 : 1.0,
    };
    if (ctx->punct == TF_PUNCT_AUTO && report_evidence(ctx, pos))
        return TF_E_NOMEM;
    return convert(&v);
}

int tf__punct_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos)
{
    if (ctx->punct == TF_PUNCT_KEEP || (ctx->punct == TF_PUNCT_AUTO && ctx->punct_state.seen.fullwidth))
        return 1; /* off, or the stream showed it was not flattened: the common case */
    return punct_work(ctx, src, len, out, pos);
}
