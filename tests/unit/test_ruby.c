/* test_ruby.c - the ruby stage through the public API: flattened annotations go (tone marks,
 * tone numbers, zhuyin, several characters), real parentheses stay, toneless pinyin is only
 * believed after toned annotations, reports carry the span, and streaming equals one-shot. */
#include "check.h"
#include "stream_check.h"
#include "textfix.h"

#include <stdlib.h>
#include <string.h>

static tf_ctx *ruby_ctx(void)
{
    tf_ctx *ctx = tf_ctx_create();
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_STAGES, TF_STAGE_RUBY), TF_OK);
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_REPORT, 1), TF_OK);
    return ctx;
}

/* Runs s through the ruby stage alone and compares with want. */
static void expect(const char *s, const char *want)
{
    tf_ctx *ctx = ruby_ctx();
    char *out = NULL;
    size_t n = 0;
    CHECK_EQ(tf_fix(ctx, s, strlen(s), &out, &n), TF_OK);
    CHECK_STR_EQ(out, want);
    tf_free(out);
    tf_ctx_free(ctx);
}

static void removes_tone_marked(void)
{
    expect("國內(nèi) 時(shí)評(píng)\n", "國內 時評\n");
    expect("原創(chuàng)視頻\n", "原創視頻\n");
    expect("綠(lǜ)色\n", "綠色\n");
}

static void removes_other_forms(void)
{
    expect("內(nei4)\n", "內\n");
    expect("行(ㄒㄧㄥˊ)人\n", "行人\n");
    expect("中國(zhōng guó)\n", "中國\n");
    expect("中國(zhōngguó)\n", "中國\n");
    expect("內（nèi）\n", "內\n");
    expect("的(de)\n", "的\n"); /* the neutral tone needs no mark */
}

static void keeps_real_parentheses(void)
{
    const char *keep[] = {
        "世界衛生組織(WHO)\n", "社區(村)\n", "第(1)條\n", "函数(function)\n",
        "北京(Beijing)\n", "內(nì)\n" /* wrong tone */, "內(wài)\n" /* not a reading */,
        "(nèi)\n", "abc(nèi)\n", "內(nèi\n", "中(zhōng guó)\n" /* two syllables, one char */,
    };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        expect(keep[i], keep[i]);
}

static void toneless_needs_evidence(void)
{
    expect("北京(beijing)\n", "北京(beijing)\n");
    expect("國(guó)內(nèi)時(shí)\n北京(beijing)\n", "國內時\n北京\n");
}

static void reports_the_span(void)
{
    tf_ctx *ctx = ruby_ctx();
    const char *s = "首頁 國內(nèi) 時評\n";
    char *out = NULL;
    size_t n = 0;
    CHECK_EQ(tf_fix(ctx, s, strlen(s), &out, &n), TF_OK);
    CHECK_EQ(tf_report_count(ctx), 1);
    const tf_report_item *it = tf_report_item_at(ctx, 0);
    CHECK(it != NULL);
    if (it) {
        CHECK_EQ(it->stage, TF_STAGE_RUBY);
        CHECK_STR_EQ(it->rule, "ruby-annotation");
        CHECK_STR_EQ(it->before, "(nèi)");
        CHECK_STR_EQ(it->after, "");
        CHECK_EQ(it->in_offset, strlen("首頁 國內"));
        CHECK_EQ(it->in_length, strlen("(nèi)"));
        CHECK_EQ(it->out_offset, strlen("首頁 國內"));
        CHECK_EQ(it->out_length, 0);
    }
    CHECK_EQ(tf_report_get_totals(ctx)->repairs, 1);
    tf_free(out);
    tf_ctx_free(ctx);
}

static void clean_text_is_untouched(void)
{
    expect("今天天氣很好（晴），氣溫 20(°C)。\nfoo(bar) (a)(b)\n", "今天天氣很好（晴），氣溫 20(°C)。\nfoo(bar) (a)(b)\n");
    expect("", "");
    expect("((((((\n))))\n", "((((((\n))))\n");
}

/* The evidence for toneless annotations is carried from line to line; the result must not
 * depend on how the input was cut into calls. */
static void streaming_equals_oneshot(void)
{
    const char *s = "國(guó)內(nèi)時(shí)\n北京(beijing)上海(shang hai)\n中(zhōng)文\n";
    tf_ctx *ctx = ruby_ctx();
    char *one = NULL;
    size_t one_n = 0;
    CHECK_EQ(tf_fix(ctx, s, strlen(s), &one, &one_n), TF_OK);
    size_t n = strlen(s);
    for (size_t cut = 1; cut < 9; cut++) {
        char buf[256];
        size_t len = stream_in_chunks(ctx, s, n, cut, buf, sizeof buf);
        CHECK_MEM_EQ(buf, len, one, one_n);
    }
    tf_free(one);
    tf_ctx_free(ctx);
}

/* A character lost with its ( but whose annotation survived comes back when the model is
 * sure, as a reported guess; when it is not, U+FFFD marks the lost character; without a Han
 * character before it, the text stays. */
static void restores_lost_character(void)
{
    expect("青海日?bào)今起推出\n", "青海日報今起推出\n");
    expect("青海日\xEF\xBF\xBD" "bào)今起\n", "青海日報今起\n");
    /* 經 and 経 tie: not sure, so the character stays lost, marked U+FFFD (the reading is in
     * the report) */
    expect("新時代?jīng)驗\n", "新時代\xEF\xBF\xBD驗\n");
    /* Two lost in a row (the seed page): the first fits nothing clearly, the second is read
     * after the Han character before the first */
    expect("青海日?qǐng)?bào)今起\n", "青海日\xEF\xBF\xBD報今起\n");
    expect("why?bào) ok\n", "why?bào) ok\n"); /* no context */
    expect("日?xyz)今\n", "日?xyz)今\n");
}

CHECK_MAIN("ruby", CASE(removes_tone_marked), CASE(removes_other_forms),
           CASE(keeps_real_parentheses), CASE(toneless_needs_evidence), CASE(reports_the_span),
           CASE(clean_text_is_untouched), CASE(streaming_equals_oneshot),
           CASE(restores_lost_character))
