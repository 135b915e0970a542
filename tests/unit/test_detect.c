/* test_detect.c - encoding detection on the short and awkward inputs that used to fool it:
 * box-drawing lines in GBK, a lone CJK character among ASCII that is valid UTF-8 by accident,
 * and the clean UTF-8 that must keep passing through whatever those rules do. */
#include "check.h"
#include "textfix.h"

static const char *detected(const char *bytes)
{
    tf_ctx *ctx = tf_ctx_create();
    tf_detection d;
    const char *enc = "(error)";
    if (ctx && tf_detect(ctx, bytes, strlen(bytes), 1, &d) == TF_OK)
        enc = d.encoding; /* static strings: they outlive the context */
    tf_ctx_free(ctx);
    return enc;
}

static void test_gbk_box_drawing(void)
{
    /* "│\n│fo" and "│codename =     │co" in GBK: UTF-16 read them as Bamum and Vai,
     * CP949 as the ligature ĳ. */
    CHECK_STR_EQ(detected("\xA9\xA6\n\xA9\xA6" "fo"), "GB18030");
    CHECK_STR_EQ(detected("\xA9\xA6" "codename =     " "\xA9\xA6" "co"), "GB18030");
    CHECK_STR_EQ(detected("\xA9\xA6\n\xA9\xC0\xA9\xA4\xA9\xA4\xA9\xA4\xA9\xA4"), "GB18030");
}

static void test_big5_not_utf16(void)
{
    /* "(但不包" in Big5: even length, no zero byte, and UTF-16 makes Vai and Lisu of it. */
    CHECK_STR_EQ(detected("(\xA6\xFD\xA4\xA3\xA5]"), "BIG5-HKSCS");
}

static void test_valid_utf8_by_accident(void)
{
    /* `"$LANG" 通` in GBK is valid UTF-8: a combining mark (U+0368) after a space. */
    CHECK_STR_EQ(detected("\"$LANG\" \xCD\xA8"), "GB18030");
    /* A word made only of Latin Extended letters (and a mark on one), touching no ASCII
     * letter: `치환` in EUC-KR is ġȯ, `平台` in GBK is ƽ̨. */
    CHECK_STR_EQ(detected("n 3.2: \xC4\xA1\xC8\xAF(RE"), "CP949");
    CHECK_STR_EQ(detected("IC \xC6\xBD\xCC\xA8"), "GB18030");
}

static void test_clean_utf8_stays(void)
{
    CHECK_STR_EQ(detected("caf\xC3\xA9"), "UTF-8");               /* café */
    CHECK_STR_EQ(detected("cafe\xCC\x81"), "UTF-8");              /* café, decomposed */
    CHECK_STR_EQ(detected("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D"), "UTF-8"); /* שלום */
    CHECK_STR_EQ(detected("x \xD7\xA9 y"), "UTF-8");             /* one Hebrew letter */
    CHECK_STR_EQ(detected("/\xC9\x99/"), "UTF-8");                /* IPA schwa */
    CHECK_STR_EQ(detected("Dvo\xC5\x99\xC3\xA1k"), "UTF-8");     /* Dvořák */
    CHECK_STR_EQ(detected("\xC8\xA4"), "UTF-8");                  /* Ȥ alone */
    CHECK_STR_EQ(detected("setting(\xC2\xB7)"), "UTF-8");         /* middle dot */
    CHECK_STR_EQ(detected("\xE4\xB8\xAD\xE6\x96\x87"), "UTF-8");  /* 中文 */
    CHECK_STR_EQ(detected("plain ASCII"), "UTF-8");
}

CHECK_MAIN("detect", CASE(test_gbk_box_drawing), CASE(test_big5_not_utf16),
           CASE(test_valid_utf8_by_accident), CASE(test_clean_utf8_stays))
