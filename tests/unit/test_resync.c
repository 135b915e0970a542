/* test_resync.c - the resync stage through the public API: GBK runs shifted by a lost byte
 * (the seed page's damage) are realigned, so are runs that show nothing but unlikely
 * characters (GBK, Big5, Shift_JIS, as a lenient decoder and NFKC left them), an uncertain
 * lost character becomes U+FFFD rather than a guess, clean text with ASCII punctuation,
 * letters or rare words is left alone, and every realignment is reported with its span. */
#include "check.h"
#include "model.h"
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
           "青海新聞網 青海省\n【建設更高水平平安青海】黨建引領 共繪\n");    /* The same title cut at the line end: 】's trail dropped before the newline, so the run
     * is the ! alone; the open 【 is what shows it. A closed title ending in ! stays. */
    expect("青海新聞網 青海省\n【建設更高水平平安青!\n", "青海新聞網 青海省\n【建設更高水平平安青海】\n");
    expect("【通知】請注意!\n", "【通知】請注意!\n");
}

static void realigns_runs_found_by_the_model(void)
{
    /* GBK: 念's lead byte lost; the rest read one byte off until the line end dropped the
     * trail of 似. Nothing but rare characters shows it. */
    expect("概钌嫌胱槔嗨\n", "概念上与组类似\n");
    /* Big5: 伺's lead lost at the line start; 服's trail 0x41 read as `A` put it back. */
    expect("曭A器程式引數欄中應包含所有伺服器程式執行時必須的各引數。\n",
           "伺服器程式引數欄中應包含所有伺服器程式執行時必須的各引數。\n");
    /* Big5 with a longer run ended by a trail byte read as `N`. */
    expect("如何關閉一個程式的仵衒惆謋N碼而不用等它完成呢?\n",
           "如何關閉一個程式的檔案控制代碼而不用等它完成呢?\n");
    /* Shift_JIS: ン's trail and ド's lead made 塔, ド's trail 0x68 read as `h`. */
    expect("コマ塔hの出力をログに記録するだけで十分用が足りる。\n",
           "コマンドの出力をログに記録するだけで十分用が足りる。\n");
    /* Shift_JIS: ラ's lead lost, its trail and イ's lead made 宴, イ's trail 0x43 read as `C`. */
    expect("私達が Linux 向けのマイクロコードド宴Cバを作成出来る\n",
           "私達が Linux 向けのマイクロコードドライバを作成出来る\n");
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
        /* a lone letter in Simplified text is an abbreviation, not a trail byte */
        "格式是C函数 `ctime' 返回值的格式。\n",
        "打印输出结果到HTML表中. 默认的表是两列n行白底黑框\n",
        /* rare characters that form words */
        "从文件中撷取回来的蒹葭与魑魅魍魉\n",
        "要停止執行一個查詢,使用 SIGINT 給正在執行該命令的 postgres 程序發訊號。\n",
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

/* A run too short to clear the bar of a clean document is realigned in one that has shown
 * damage (two sure runs before it), and left alone in a clean one. */
static void damaged_document_lowers_the_bar(void)
{
    const char *run = "在海南藏族自治州興?h公安局子科灘派出所\n";
    expect(run, run);
    tf_ctx *ctx = NULL;
    char *out = resync("根本路徑;鶎又卫聿皇‘\n根本路徑;鶎又卫聿皇‘\n"
                       "在海南藏族自治州興?h公安局子科灘派出所\n", &ctx);
    CHECK(strstr(out, "縣公安局") != NULL);
    CHECK(strstr(out, "?h") == NULL);
    tf_free(out);
    tf_ctx_free(ctx);
}

/* A Big5 trail byte 0x40 read alone as `@` ends a run: 何一 lost the lead of 何. */
static void trail_byte_read_as_ascii_mark(void)
{
    expect("匹配任韝@個數字。\n", "匹配任何一個數字。\n");
}

/* U+4000..U+4DFF share the lead byte E4 with U+4E00..: the scan must not index its table with
 * them (an out-of-bounds read before the table, which ASan reports). */
static void extension_a_and_hexagrams_pass(void)
{
    expect("䀀䷀䶵中文䷀\n", "䀀䷀䶵中文䷀\n");
}

/* The resync stage reads the script flags from the rank table; they must say what
 * tf__model_han_script says. */
static void rank_flags_match_script(void)
{
    int bad = 0;
    for (uint32_t cp = 0x4E00; cp <= 0x9FFF; cp++) {
        uint16_t r = tf__model_han_rank[cp - 0x4E00];
        bad += (r & 0x8000 ? 1 : r & 0x4000 ? 2 : 0) != tf__model_han_script(cp);
    }
    CHECK_EQ(bad, 0);
}

CHECK_MAIN("resync", CASE(realigns_lost_lead_byte), CASE(realigns_runs_found_by_the_model),
           CASE(unsure_character_becomes_fffd),
           CASE(clean_text_untouched), CASE(reported_with_span),
           CASE(damaged_document_lowers_the_bar), CASE(trail_byte_read_as_ascii_mark),
           CASE(rank_flags_match_script), CASE(extension_a_and_hexagrams_pass))
