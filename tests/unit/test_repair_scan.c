/* test_repair_scan.c - the repair stage's one scan (lib/repair_cjk.c, tf__repair_scan) as
 * it is made cheap on clean text: the UTF-8 pattern followed as an automaton over all five
 * codecs (with Shift_JIS's one-byte halfwidth katakana), characters' costs filled in on their
 * first read, ASCII and other characters between the runs of CJK. The answers were taken
 * from the scan as it was before these changes (a byte history per codec, every cost asked of
 * the model up front); they must not move. */
#include "check.h"
#include "internal.h"
#include "repair.h"
#include "textfix.h"

#include <stdlib.h>

typedef struct {
    const char *s;
    int cjk, dbcs, latin, latin1;
} scan_case;

static const scan_case CASES[] = {
    /* Clean Chinese: nothing. */
    {"那么仅显示单元名称与至少一个模式匹配的任务。", 0, 0, 0, 0},
    /* `发布新版本` in UTF-8 read as GBK, cut and replaced at the end. */
    {"鍙戝竷鏂扮増鏈\xEF\xBF\xBD", 1, 1, 0, 0},
    /* ... and with a space inside the mojibake: the pattern still shows on either side. */
    {"鍙戝竷 鏂扮増鏈\xEF\xBF\xBD", 1, 1, 0, 0},
    /* A U+FFFD right after an open stretch stands for a cut-off character. */
    {"鍙戝竷鏂\xEF\xBF\xBD", 1, 1, 0, 0},
    {"鍙\xEF\xBF\xBD", 1, 1, 0, 0},
    /* `こんにちは` in UTF-8 read as Shift_JIS: halfwidth katakana are one C byte each. */
    {"縺薙ｓ縺ｫ縺｡縺ｯ", 1, 1, 0, 0},
    /* Halfwidth katakana alone are no UTF-8 pattern. */
    {"ﾃｽﾄ ｱｲｳｴｵ", 0, 1, 0, 0},
    /* UTF-8 read as windows-1252, and GBK read as windows-1252. */
    {"å\xEF\xBF\xBD‘å¸ƒæ–°ç‰ˆæœ¬", 1, 0, 1, 1},
    {"ÄãºÃÊÀ½ç", 1, 0, 1, 1},
};
#define NCASES (sizeof CASES / sizeof CASES[0])

static void expect(tf__repair_state *st, const scan_case *k)
{
    int c = -1, d = -1, l = -1, l1 = -1;
    CHECK_EQ(tf__repair_scan(st, k->s, strlen(k->s), &c, &d, &l, &l1), 0);
    CHECK_EQ(c, k->cjk);
    CHECK_EQ(d, k->dbcs);
    CHECK_EQ(l, k->latin);
    CHECK_EQ(l1, k->latin1);
}

/* Each case on a fresh context (its characters' costs filled in during the scan), then again
 * on the same context (read from the table). */
static void fresh_and_filled(void)
{
    for (size_t i = 0; i < NCASES; i++) {
        tf_ctx *ctx = tf_ctx_create();
        tf__repair_state *st = tf__repair_state_get(ctx);
        CHECK(st != NULL);
        expect(st, &CASES[i]);
        expect(st, &CASES[i]);
        tf_ctx_free(ctx);
    }
}

/* The order the costs were filled in does not matter: all cases on one context, forwards and
 * backwards. */
static void order_free(void)
{
    tf_ctx *a = tf_ctx_create(), *b = tf_ctx_create();
    for (size_t i = 0; i < NCASES; i++)
        expect(tf__repair_state_get(a), &CASES[i]);
    for (size_t i = NCASES; i-- > 0;)
        expect(tf__repair_state_get(b), &CASES[i]);
    tf_ctx_free(a);
    tf_ctx_free(b);
}

/* A stretch ends where the text does: the last character is read without a fourth byte, and
 * a character cut off at the end is no CJK character. */
static void ends(void)
{
    tf_ctx *ctx = tf_ctx_create();
    tf__repair_state *st = tf__repair_state_get(ctx);
    const char *s = CASES[1].s; /* 鍙戝竷...: the pattern shows from the third character */
    int c, d, l, l1;
    CHECK_EQ(tf__repair_scan(st, s, 9, &c, &d, &l, &l1), 0); /* 鍙戝: exactly three characters */
    CHECK_EQ(c, 1);
    CHECK_EQ(tf__repair_scan(st, s, 6, &c, &d, &l, &l1), 0); /* 鍙戝 less a character: none */
    CHECK_EQ(c, 0);
    CHECK_EQ(tf__repair_scan(st, s, 8, &c, &d, &l, &l1), 0); /* 鍙戝 cut inside the third */
    CHECK_EQ(c, 0);
    tf_ctx_free(ctx);
}

CHECK_MAIN("test_repair_scan",
    CASE(fresh_and_filled),
    CASE(order_free),
    CASE(ends),
)
