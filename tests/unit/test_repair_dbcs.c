/* test_repair_dbcs.c - one double-byte codec's text read as another (lib/repair_dbcs.c):
 * GBK read as Big5, Big5 read as GBK (with the private-use characters older GB18030 decoders
 * give), Shift_JIS read as GBK; box-drawing tables; clean text of every kind left alone and
 * not even looked at; reports; the lossless rule. */
#include "check.h"
#include "repair_check.h"
#include "internal.h"
#include "repair.h"
#include "textfix.h"

#include <stdlib.h>

static void gbk_read_as_big5(void)
{
    expect_rule("饒繫躺珆尨等啋靡備迵祫屾珨跺耀宒⑤饜腔￤昢﹝",
                "那么仅显示单元名称与至少一个模式匹配的任务。", "gbk read as big5");
    /* Parts between ASCII are one run: the ASCII stays as it was. */
    expect_rule("⺼彆 input_file 統杅岆 \"-\"ㄛ", "如果 input_file 参数是 \"-\"，",
                "gbk read as big5");
}

static void big5_read_as_gbk(void)
{
    /* U+E6D6 and U+E4C7: Big5's `如` and `，` land in GBK's user-defined area. */
    expect_rule("\uE6D6狦 input_file ま计琌¨-〃\uE4C7", "如果 input_file 引數是“-”，",
                "big5 read as gbk");
    /* U+E794 is how decoders before GB18030-2022 read A6EC (Big5's `位`); glibc reads a
     * vertical form there, so the pass maps it back to its bytes itself. */
    expect_rule("ㄏノ 512 \uE794じ舱郎\uE1AE遏", "使用 512 位元組檔案塊", "big5 read as gbk");
}

static void shift_jis_read_as_gbk(void)
{
    expect_rule("(偙傟偼僙僋僔儑儞 2 偺儅僯儏傾儖儁乕僕偱巊傢傟偰偄傑偡)",
                "(これはセクション 2 のマニュアルページで使われています)", "shift_jis read as gbk");
    expect_rule("偳偙偐奜晹偺儅僔儞偐傜", "どこか外部のマシンから", "shift_jis read as gbk");
}

/* A run across ASCII is repaired whole, even where one of its pieces could not clear a margin
 * alone (`㎝` is Big5's `和`). */
static void whole_run_first(void)
{
    expect_rule("require ㎝ use \uE019跋\uE715琌ぐ或\uE4CE", "require 和 use 的區別是什麼？",
                "big5 read as gbk");
}

/* An earlier pass's reading of part of the run (here `雄ワА` as UTF-8 read as Big5) gives way
 * when the whole run's decoding is clearly better text. */
static void outbids_earlier_pass(void)
{
    expect_rule("遙峈 systemd 腔等啋魂雄ワА﹝", "换为 systemd 的单元活动请求。", "gbk read as big5");
}

static void box_drawing(void)
{
    /* A GBK table border read as Big5 is repeated Han the model likes; scored as the ASCII
     * such tables are also drawn with, the border wins. */
    expect_rule("庚岸岸岸岸岸岸岸岸岸岸庖", "┌──────────┐", "gbk read as big5");
    /* And a clean border is never read as Big5 text read as GBK (`念岸岸`). */
    expect_clean("├──────────────┼────┼─────────────┼────┤");
    expect_clean("┌───────────────────────────────────────┐");
    expect_clean("│ 名称 │ 说明 │");
}

static void clean_text(void)
{
    expect_clean("那么仅显示单元名称与至少一个模式匹配的任务。");
    expect_clean("如果 input_file 引數是“-”，則讀取標準輸入。");
    expect_clean("これはセクション 2 のマニュアルページで使われています。");
    expect_clean("이 명령은 파일을 삭제합니다.");
    expect_clean("兕觥其觩，旨酒思柔。");
    expect_clean("蒹葭苍苍，白露为霜。所谓伊人，在水一方。");
    expect_clean("饕餮之徒，魑魅魍魉，耄耋之年。");
    expect_clean("使用 gcc -O2 -Wall 编译 libfoo.so 时，请设置 LD_LIBRARY_PATH。");
    expect_clean("Ελληνικά, русский, français — ①②③ ¶ §");
}

static int suspect_of(const char *s)
{
    tf_ctx *ctx = tf_ctx_create();
    int cjk, dbcs = -1, latin, latin1; /* the scan's double-byte answer */
    if (tf__repair_scan(tf__repair_state_get(ctx), s, strlen(s), &cjk, &dbcs, &latin, &latin1))
        dbcs = -1;
    int r = dbcs;
    tf_ctx_free(ctx);
    return r;
}

static void suspect(void)
{
    CHECK_EQ(suspect_of("那么仅显示单元名称与至少一个模式匹配的任务。"), 0);
    CHECK_EQ(suspect_of("├────┼────┤"), 0);
    CHECK_EQ(suspect_of("ASCII only"), 0);
    CHECK_EQ(suspect_of("蒹葭苍苍，白露为霜。所谓伊人，在水一方。"), 0);
    CHECK_EQ(suspect_of("偳偙偐奜晹偺儅僔儞偐傜"), 1);
    CHECK_EQ(suspect_of("饒繫躺珆尨等啋靡備迵祫屾珨跺耀宒⑤饜腔￤昢﹝"), 1);
    CHECK_EQ(suspect_of("⺼彆 input_file 統杅岆 \"-\"ㄛ"), 1);
    /* Truncated and invalid sequences are skipped, not read past the end. */
    CHECK_EQ(suspect_of("\xE5\x81"), 0);
    CHECK_EQ(suspect_of("\xE5\x81\xB3\xE5"), 0);
}

/* The one scan (repair_cjk.c) gives each test's answer: the UTF-8 pattern in some codec, the
 * rare-character mean, a latin lead before a continuation, two Latin-1 characters. */
static void scan_of(const char *s, int cjk, int dbcs, int latin, int latin1)
{
    tf_ctx *ctx = tf_ctx_create();
    int c = -1, d = -1, l = -1, l1 = -1;
    CHECK_EQ(tf__repair_scan(tf__repair_state_get(ctx), s, strlen(s), &c, &d, &l, &l1), 0);
    CHECK_EQ(c, cjk);
    CHECK_EQ(d, dbcs);
    CHECK_EQ(l, latin);
    CHECK_EQ(l1, latin1);
    tf_ctx_free(ctx);
}

static void one_scan(void)
{
    scan_of("蒹葭苍苍，白露为霜。所谓伊人，在水一方。", 0, 0, 0, 0);
    scan_of("ASCII only, and more ASCII than sixteen bytes", 0, 0, 0, 0);
    scan_of("鍙戝竷鏂伴椈", 1, 1, 0, 0);                  /* UTF-8 read as GBK */
    scan_of("縺薙ｓ縺ｫ縺｡縺ｯ", 1, 1, 0, 0);              /* Shift_JIS halfwidth katakana */
    scan_of("偳偙偐奜晹偺儅僔儞偐傜", 0, 1, 0, 0);        /* Shift_JIS read as GBK */
    scan_of("caf\xc3\x83\xc2\xa9", 0, 0, 1, 1);           /* cafÃ© */
    scan_of("©¦ a ©¦", 0, 0, 0, 1);                       /* a GBK table read as Latin-1 */
    scan_of("ÄãºÃÊÀ½ç", 1, 0, 1, 1);                      /* four Latin-1 letters in a row */
    /* Clean Chinese whose Shift_JIS bytes end L C C L C C with the first half of a C C pair
     * (上覆盖了): a shape the test does not count. */
    scan_of("在命令行上覆盖了。", 0, 0, 0, 0);
    /* A U+FFFD where a codec's character was under way: its last byte was lost. */
    scan_of("鍙\xef\xbf\xbd", 1, 1, 0, 0);
}

/* One damaged line in a document: only it changes, and the report points at it. */
static void mixed_document(void)
{
    const char *clean = "第一行是正常的中文。\n";
    const char *src = "第一行是正常的中文。\n偳偙偐奜晹偺儅僔儞偐傜\n最后一行。\n";
    tf_ctx *ctx = tf_ctx_create();
    char *out = fix_with(ctx, src);
    CHECK_STR_EQ(out, "第一行是正常的中文。\nどこか外部のマシンから\n最后一行。\n");
    CHECK_EQ(tf_report_count(ctx), 1);
    if (tf_report_count(ctx) == 1) {
        const tf_report_item *it = tf_report_item_at(ctx, 0);
        CHECK_STR_EQ(it->rule, "shift_jis read as gbk");
        CHECK_EQ(it->in_offset, strlen(clean));
        CHECK_EQ(it->in_length, strlen("偳偙偐奜晹偺儅僔儞偐傜"));
        CHECK(it->confidence > 0.5 && it->confidence < 1.0);
    }
    tf_free(out);
    tf_ctx_free(ctx);
}

/* Only what comes back byte for byte is changed: U+FFFD has no GBK bytes, so it ends the run
 * and stays; a run of nothing but U+FFFD is not touched. */
static void lossless_only(void)
{
    expect_rule("偳偙偐奜晹\xEF\xBF\xBD", "どこか外部\xEF\xBF\xBD", "shift_jis read as gbk");
    expect_clean("\xEF\xBF\xBD\xEF\xBF\xBD");
}

/* The stage entry on a clean segment appends nothing. */
static void stage_clean_passthrough(void)
{
    tf_ctx *ctx = tf_ctx_create();
    tf__buf out;
    tf__buf_init(&out, 0);
    tf__pos pos = {0, 0};
    const char *zh = "蒹葭苍苍，白露为霜。";
    CHECK_EQ(tf__repair_segment(ctx, zh, strlen(zh), &out, &pos), 1);
    CHECK_EQ(out.len, 0);
    tf__buf_free(&out);
    tf_ctx_free(ctx);
}

CHECK_MAIN("test_repair_dbcs",
    CASE(gbk_read_as_big5),
    CASE(big5_read_as_gbk),
    CASE(shift_jis_read_as_gbk),
    CASE(whole_run_first),
    CASE(outbids_earlier_pass),
    CASE(box_drawing),
    CASE(clean_text),
    CASE(suspect),
    CASE(one_scan),
    CASE(mixed_document),
    CASE(lossless_only),
    CASE(stage_clean_passthrough),
)
