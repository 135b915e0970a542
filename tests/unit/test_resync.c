/* test_resync.c - the resync stage through the public API: GBK runs shifted by a lost byte
 * (the seed page's damage) are realigned, an uncertain lost character becomes U+FFFD rather
 * than a guess, clean text with ASCII punctuation or annotations is left alone, and every
 * realignment is reported with its span. */
#include "check.h"
#include "textfix.h"

#include <string.h>

static char *resync(const char *s, tf_ctx **keep)
{
    tf_ctx *ctx = tf_ctx_create();
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_STAGES, TF_STAGE_RESYNC), TF_OK);
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_REPORT, 1), TF_OK);
    char *out = NULL;
    size_t n = 0;
    CHECK_EQ(tf_fix(ctx, s, strlen(s), &out, &n), TF_OK);
    if (keep)
        *keep = ctx;
    else
        tf_ctx_free(ctx);
    return out;
}

static void expect(const char *s, const char *want)
{
    char *out = resync(s, NULL);
    CHECK_STR_EQ(out, want);
    tf_free(out);
}

static void realigns_lost_lead_byte(void)
{
    /* 。 lost its lead byte: A3 paired with 基's lead, and so on to the quote. */
    expect("根本路徑;鶎又卫聿皇‘獨角戲’\n", "根本路徑。基層治理不是‘獨角戲’\n");
    /* 海's lead lost; its trail and 】 made ！, 黨's trail byte was read as ASCII h. Alone,
     * the lost 海 is a guess the model will not make; with 青海 earlier in the document (the
     * document cache) it is. */
    expect("【建設更高水平平安青!奎h建引領 共繪\n", "【建設更高水平平安青\xEF\xBF\xBD】黨建引領 共繪\n");
    expect("青海新聞網 青海省\n【建設更高水平平安青!奎h建引領 共繪\n",
           "青海新聞網 青海省\n【建設更高水平平安青海】黨建引領 共繪\n");
}

static void unsure_character_becomes_fffd(void)
{
    /* 訊's trail byte was dropped before the space: the model cannot tell which it was. */
    expect("青海新聞網·大美青?蛻舳擞 堅持\n", "青海新聞網·大美青海客戶端\xEF\xBF\xBD 堅持\n");
}

static void clean_text_untouched(void)
{
    const char *clean[] = {
        "读/写:POLLERR:产生一个异步错误.\n",
        "将此套接字绑定到一个特定的设备上, 如eth0,\n",
        "一个 ARE 是一个或多个由`|'分隔的分支(branch)(构成的)，它匹配\n",
        "國內(nèi) 時(shí)評(píng)\n",
        "西寧市252名“穿警服的副書記”全覆蓋下沉到252個社區(村)\n",
        "和/或Foundation 的许可证\n",
        "日本語のテキスト、これはテストです!\n",
    };
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++)
        expect(clean[i], clean[i]);
}

static void reported_with_span(void)
{
    tf_ctx *ctx = NULL;
    char *out = resync("根本路徑;鶎又卫聿皇‘\n", &ctx);
    CHECK_EQ(tf_report_count(ctx), 1);
    const tf_report_item *it = tf_report_item_at(ctx, 0);
    CHECK(it && it->stage == TF_STAGE_RESYNC);
    CHECK_STR_EQ(it ? it->rule : NULL, "misaligned gbk run");
    CHECK_EQ(it ? it->in_offset : 99, strlen("根本路徑"));
    CHECK_STR_EQ(it ? it->before : NULL, ";鶎又卫聿皇");
    CHECK_STR_EQ(it ? it->after : NULL, "。基層治理不是");
    CHECK_EQ(tf_report_get_totals(ctx)->repairs, 1);
    tf_free(out);
    tf_ctx_free(ctx);
}

CHECK_MAIN("resync", CASE(realigns_lost_lead_byte), CASE(unsure_character_becomes_fffd),
           CASE(clean_text_untouched), CASE(reported_with_span))
