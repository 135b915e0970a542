/* test_repair.c - the mojibake repair stage: each codec mix-up, clean text passing through
 * untouched, lost bytes reported as lost, report offsets, and the stage called directly. */
#include "check.h"
#include "repair_check.h"
#include "internal.h"
#include "repair.h"
#include "textfix.h"

#include <stdlib.h>

/* ---- UTF-8 read as a single-byte codec ------------------------------------------------ */

static void latin1_and_1252(void)
{
    expect_rule("caf\xc3\x83\xc2\xa9 cr\xc3\x83\xc2\xa8me", "caf\xc3\xa9 cr\xc3\xa8me",
                "utf-8 read as latin-1");
    /* â€™ and â€œ...â€\x9d: windows-1252, with the undefined byte 9D kept (sloppy). */
    expect_rule("It\xc3\xa2\xe2\x82\xac\xe2\x84\xa2s \xc3\xa2\xe2\x82\xac\xc5\x93ok\xc3\xa2\xe2"
                "\x82\xac\xc2\x9d",
                "It\xe2\x80\x99s \xe2\x80\x9cok\xe2\x80\x9d", "utf-8 read as windows-1252");
}

static void other_single_byte_codecs(void)
{
    /* windows-1251: "дороге" */
    expect_rule("\xd0\xa0\xd2\x91\xd0\xa0\xd1\x95\xd0\xa1\xd0\x82\xd0\xa0\xd1\x95\xd0\xa0\xd1"
                "\x96\xd0\xa0\xc2\xb5",
                "\xd0\xb4\xd0\xbe\xd1\x80\xd0\xbe\xd0\xb3\xd0\xb5", "utf-8 read as windows-1251");
    /* MacRoman: "weiß" */
    expect_rule("wei\xe2\x88\x9a\xc3\xbc", "wei\xc3\x9f", "utf-8 read as macroman");
    /* cp437: "Čeština" */
    expect_rule("\xe2\x94\x80\xc3\xae" "e\xe2\x94\xbc\xc3\xadtina", "\xc4\x8c" "e\xc5\xa1tina",
                "utf-8 read as cp437");
    /* windows-1250: "Liège" */
    expect_rule("Li\xc4\x82\xc2\xa8ge", "Li\xc3\xa8ge", "utf-8 read as windows-1250");
}

static void double_encoding(void)
{
    expect_rule("n\xc3\x83\xc6\x92\xc3\x82\xc2\xa9 Jim", "n\xc3\xa9 Jim",
                "utf-8 read as windows-1252, then as latin-1");
}

static void flattened_no_break_space(void)
{
    /* `Ã ` + word is `à ` whose no-break space merged with the space. */
    expect("\xc3\x83 perturber la r\xc3\x83\xc2\xa9" "flexion",
           "\xc3\xa0 perturber la r\xc3\xa9" "flexion");
}

static void partial_run_beside_clean_text(void)
{
    /* The mojibake is fixed, the clean `ção` is kept. */
    expect("Divis\xc3\x83\xc2\xa3o - S\xc3\x83\xc2\xa9rie, Classifica\xc3\xa7\xc3\xa3o",
           "Divis\xc3\xa3o - S\xc3\xa9rie, Classifica\xc3\xa7\xc3\xa3o");
}

static void c1_controls(void)
{
    expect_rule("\xc2\x84Handwerk\xc2\x93", "\xe2\x80\x9eHandwerk\xe2\x80\x9c",
                "windows-1252 read as latin-1");
}

/* ---- CJK ------------------------------------------------------------------------------ */

static void utf8_read_as_gbk(void)
{
    /* 鍙戝竷鏂伴椈 -> 发布新闻 */
    expect_rule("\xe9\x8d\x99\xe6\x88\x9d\xe7\xab\xb7\xe9\x8f\x82\xe4\xbc\xb4\xe6\xa4\x88",
                "\xe5\x8f\x91\xe5\xb8\x83\xe6\x96\xb0\xe9\x97\xbb", "utf-8 read as gbk");
}

static void utf8_read_as_big5(void)
{
    /* 蝟餌絞 -> 系統 */
    expect_rule("\xe8\x9d\x9f\xe9\xa4\x8c\xe7\xb5\x9e", "\xe7\xb3\xbb\xe7\xb5\xb1",
                "utf-8 read as big5");
}

static void utf8_read_as_shift_jis(void)
{
    /* 縺薙ｓ縺ｫ縺｡縺ｯ -> こんにちは */
    expect_rule("\xe7\xb8\xba\xe8\x96\x99\xef\xbd\x93\xe7\xb8\xba\xef\xbd\xab\xe7\xb8\xba\xef"
                "\xbd\xa1\xe7\xb8\xba\xef\xbd\xaf",
                "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf",
                "utf-8 read as shift_jis");
}

static void utf8_read_as_euc_kr(void)
{
    /* 臾몄옣 -> 문장 */
    expect_rule("\xe8\x87\xbe\xeb\xaa\x84\xec\x98\xa3", "\xeb\xac\xb8\xec\x9e\xa5",
                "utf-8 read as euc-kr");
}

static void double_byte_read_as_windows_1252(void)
{
    /* ÄãºÃÊÀ½ç -> 你好世界 (GBK bytes shown as windows-1252) */
    expect_rule("\xc3\x84\xc3\xa3\xc2\xba\xc3\x83\xc3\x8a\xc3\x80\xc2\xbd\xc3\xa7",
                "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c", "gbk read as windows-1252");
    /* ƒVƒXƒeƒ€ -> システム (Shift_JIS: its trail bytes are ASCII letters) */
    expect_rule("\xc6\x92V\xc6\x92X\xc6\x92" "e\xc6\x92\xe2\x82\xac",
                "\xe3\x82\xb7\xe3\x82\xb9\xe3\x83\x86\xe3\x83\xa0",
                "shift_jis read as windows-1252");
}

static void mojibake_run_inside_english(void)
{
    tf_ctx *ctx = tf_ctx_create();
    char *out = fix_with(ctx, "Hello \xe9\x8d\x99\xe6\x88\x9d\xe7\xab\xb7 world");
    CHECK_STR_EQ(out, "Hello \xe5\x8f\x91\xe5\xb8\x83 world");
    CHECK_EQ(tf_report_count(ctx), 1);
    const tf_report_item *it = tf_report_item_at(ctx, 0);
    if (it) {
        CHECK_EQ(it->stage, TF_STAGE_REPAIR);
        CHECK_EQ(it->in_offset, 6);
        CHECK_EQ(it->in_length, 9);
        CHECK_EQ(it->out_offset, 6);
        CHECK_EQ(it->out_length, 6);
        CHECK_STR_EQ(it->before, "\xe9\x8d\x99\xe6\x88\x9d\xe7\xab\xb7");
        CHECK_STR_EQ(it->after, "\xe5\x8f\x91\xe5\xb8\x83");
        CHECK(it->confidence > 0.5 && it->confidence <= 1.0);
    }
    tf_free(out);
    tf_ctx_free(ctx);
}

/* ---- whole lines (issue 3) ------------------------------------------------------------ */

static void ascii_swallowed_as_trail_byte(void)
{
    /* GBK took `n` of `nmbd` as the trail byte of 有's last byte (`塶`): the windowed pass
     * cut there; the whole line decodes back. U+E511 and U+E224 are GB18030 private use. */
    expect_rule("findsmb 鍦ㄤ竴鍙板綋鍓嶆病鏈塶mbd杩愯\xee\x94\x91鐨勪富鏈轰笂灏变細浜х敓濡備笅鐨勪俊鎭"
                "\xee\x88\xa4細",
                "findsmb 在一台当前没有nmbd运行的主机上就会产生如下的信息：", "utf-8 read as gbk");
}

static void no_break_space_read_as_gbk(void)
{
    /* C2 A0 is `聽` in GBK. */
    expect("1.6.4.聽姝ｅ垯琛ㄨ揪寮忕殑鍏ㄥ眬鏇挎崲", "1.6.4.\xc2\xa0正则表达式的全局替换");
}

static void cp932_codes_iconv_does_not_give(void)
{
    /* Python's cp932 reads A0 as U+F8F0 and 80 as U+0080; `∫` (87 92) is also 81 E7, the
     * code iconv gives back, which would break the UTF-8. */
    expect("菴\xef\xa3\xb0蜿ｯ莉･菴ｿ逕ｨ mkfs.ext4(1)", "你可以使用 mkfs.ext4(1)");
    expect("蜿ｪ隕∫噪譏ｯ謌台ｻｬ髴\xc2\x80隕∫噪荳懆･ｿ", "只要的是我们需要的东西");
}

static void utf8_read_as_gbk_twice(void)
{
    expect_rule("娴滈缚鈻堥拃鑺ユ）閺勵垰銇夊☉顖ょ礉", "人言落日是天涯，", "utf-8 read as gbk, twice");
}

static void utf8_read_as_1252_twice_cjk(void)
{
    expect("Ã¥Â°Â±Ã¨Â°Æ’Ã§â€\xc2\x9dÂ¨Ã¥Â®Æ’(Ã©Â»ËœÃ¨Â®Â¤Ã¦ËœÂ¯~/.msmtprc )Ã£â‚¬â€š",
           "就调用它(默认是~/.msmtprc )。");
}

static void double_byte_line_one_codec(void)
{
    /* The windowed pass read `¤Þ¼Æ` as EUC-JP (`ま柴`) beside Big5 runs: a line was written in
     * one codec, and the whole line in Big5 reads better. */
    expect("= ¤Þ¼Æ2 ¤Þ¼Æ1 ¤£µ¥©ó¤Þ¼Æ2", "= 引數2 引數1 不等於引數2");
    /* `¥H` alone before ASCII, `¾Ë` a one-character word: too short for a run of their own. */
    expect("¥H 0 ¬°«e¾Éªº±`¶q³Q·í§@¤K¶i¦ì¨î¼Æ¡A¥H 0x ©Î 0X §@¬°«e¾Éªí©ú¬O¤Q¤»¶i¦ì¨î¡C",
           "以 0 為前導的常量被當作八進位制數，以 0x 或 0X 作為前導表明是十六進位制。");
    expect("Vi·Î ÇÏ°í ½ÍÀº °ÅÀÇ ¸ðµç °Í¿¡ ´ëÇØ ¾Ë ¼ö ÀÖ´Â ÁÁÀº Ã¥ÀÔ´Ï´Ù.",
           "Vi로 하고 싶은 거의 모든 것에 대해 알 수 있는 좋은 책입니다.");
    expect("Èç¹û·¢Éú´íÎóÔò·µ»ØÒ»¸ö´óÓÚ0µÄÖµ¡£", "如果发生错误则返回一个大于0的值。");
}

static void kana_tie_goes_to_japanese(void)
{
    /* GBK and EUC-JP share the kana; only the kanji tell them apart (猛 / 値). */
    expect_rule("¥Ç¥Õ¥©¥ë¥È¤ÎÃÍ¤Ï¡¢ \"sudo\" ¤Ç¤¢¤ë¡£", "デフォルトの値は、 \"sudo\" である。",
                "euc-jp read as windows-1252");
}

static void gbk_table_read_as_latin1(void)
{
    /* No other test fires on it: two Latin-1 characters are enough to try the line. */
    expect("©¦         ©¦I:358  ©¦    ©¦       ©¦", "│         │I:358  │    │       │");
}

static void short_words(void)
{
    expect_rule("綵∝軒", "形縮", "utf-8 read as euc-jp");
    /* Shift_JIS reads it as `⺎加` (a CJK radical): EUC-JP's `似索` wins. */
    expect_rule("篌主刈", "似索", "utf-8 read as euc-jp");
}

static void european_not_read_as_cjk(void)
{
    /* The French is UTF-8 read as windows-1252 beside a clean `’`; GBK reads the line too
     * (`fr猫res`) but not better than the latin pass's repair. */
    expect("Ã€ tous mes frÃ¨res, l’humanitÃ©, l’Ã©galitÃ©.", "À tous mes frères, l’humanité, l’égalité.");
    expect_clean("Habitantes de Coatl‡n conf’an en proyecto de edil electo independiente\n");
    expect_clean("hotel $49 OK??:(   `¬´    ): ( o¬ô )\n");
}

/* ---- lost bytes ----------------------------------------------------------------------- */

static int has_lost_item(const tf_ctx *ctx)
{
    for (size_t i = 0; i < tf_report_count(ctx); i++)
        if (strcmp(tf_report_item_at(ctx, i)->rule, "lost") == 0)
            return 1;
    return 0;
}

static void lost_kun_jin_kao(void)
{
    /* 锟斤拷: two U+FFFD that went through UTF-8 -> GBK. The text is gone; say so. */
    tf_ctx *ctx = tf_ctx_create();
    char *out = fix_with(ctx, "ab\xe9\x94\x9f\xe6\x96\xa4\xe6\x8b\xb7" "cd");
    CHECK_STR_EQ(out, "ab\xef\xbf\xbd\xef\xbf\xbd" "cd");
    CHECK(has_lost_item(ctx));
    tf_free(out);
    tf_ctx_free(ctx);
}

static void lost_byte_in_latin_mojibake(void)
{
    /* â€œlossy decodingâ€� : the last quote's third byte was lost. */
    tf_ctx *ctx = tf_ctx_create();
    char *out = fix_with(ctx, "\xc3\xa2\xe2\x82\xac\xc5\x93lossy\xc3\xa2\xe2\x82\xac\xef\xbf\xbd");
    CHECK_STR_EQ(out, "\xe2\x80\x9clossy\xef\xbf\xbd");
    CHECK(has_lost_item(ctx));
    tf_free(out);
    tf_ctx_free(ctx);
}

static void lost_bytes_around_replacement(void)
{
    /* GB18030 made U+FFFD of 以's last byte (A5, then `'`) and of 示's: only those two are
     * lost; everything around them comes back, and the loss is reported. */
    tf_ctx *ctx = tf_ctx_create();
    char *out = fix_with(ctx, "鍙﹀\xee\x98\xbb锛屽瓙绋嬪紡浠\xef\xbf\xbd'&'渚嗚〃绀\xef\xbf\xbd, "
                              "浣嗘湁鏅傚湪涓嶅紩璧疯\xee\x80\x83瑙ｇ殑鎯呮硜涓嬩篃鍙\xee\x88\x99互涓嶇敤");
    CHECK_STR_EQ(out, "另外，子程式\xef\xbf\xbd'&'來表\xef\xbf\xbd, 但有時在不引起誤解的情況下也可以不用");
    CHECK(has_lost_item(ctx));
    tf_free(out);
    tf_ctx_free(ctx);
}

static void dropped_1252_bytes(void)
{
    /* 见 is E8 A7 81: a decoder dropped the 81 windows-1252 leaves undefined. */
    tf_ctx *ctx = tf_ctx_create();
    char *out = fix_with(ctx, "ç®—å¥½æ˜¥é•¿åœ¨ï¼Œå¥½èŠ±é•¿è§ã€‚");
    CHECK_STR_EQ(out, "算好春长在，好花长\xef\xbf\xbd。");
    CHECK(has_lost_item(ctx));
    tf_free(out);
    tf_ctx_free(ctx);
}

/* ---- clean text ----------------------------------------------------------------------- */

static void clean_european(void)
{
    expect_clean("Ça va très bien, merci. Über Größe und Häßlichkeit.\n");
    expect_clean("Mám dost třetího tisíciletí; Šveices baņķieri; Lietuvių kalba.\n");
    expect_clean("Η ¨ανατροφή¨ δυστυχώς από τους προπονητές. Привет, как дела? Ёлка.\n");
    expect_clean("ВІКІ is Ukrainian for WIKI; HÅØYA ER BLÅØYD; (-1/2)! = √π; 5×£35\n");
    expect_clean("NESTLÉ® — 2012—∞ — L’épisode — C O N C L U S Ã O — ( o¬ô )\n");
}

static void clean_cjk(void)
{
    expect_clean("中华人民共和国成立于一九四九年，首都北京。青海省位于中国西部。\n");
    expect_clean("資料庫系統與網路問題說明，請參考檔案與程式設定。\n");
    expect_clean("日本語の文章です。東京は日本の首都で、こんにちは世界。カタカナ、ｶﾀｶﾅ。\n");
    expect_clean("한국어 문장입니다. 서울은 한국의 수도입니다.\n");
    expect_clean("Linux 内核 5.10 发布了新的 API，支持 UTF-8 和 GBK 编码。\n");
}

static void clean_ascii_is_not_copied(void)
{
    /* The stage says "unchanged" (1) and appends nothing: the pipeline passes src on. */
    tf_ctx *ctx = tf_ctx_create();
    tf__buf out;
    tf__buf_init(&out, 0);
    tf__pos pos = {0, 0};
    CHECK_EQ(tf__repair_segment(ctx, "plain ASCII\n", 12, &out, &pos), 1);
    CHECK_EQ(out.len, 0);
    const char *zh = "中文测试文本\n";
    CHECK_EQ(tf__repair_segment(ctx, zh, strlen(zh), &out, &pos), 1);
    CHECK_EQ(out.len, 0);
    tf__buf_free(&out);
    tf_ctx_free(ctx);
}

static void direct_call_with_stream_offsets(void)
{
    tf_ctx *ctx = tf_ctx_create();
    tf_ctx_set_option(ctx, TF_OPT_REPORT, 1);
    tf__buf out;
    tf__buf_init(&out, 0);
    tf__pos pos = {100, 90};
    const char *src = "x\xe9\x8d\x99\xe6\x88\x9d\xe7\xab\xb7";
    CHECK_EQ(tf__repair_segment(ctx, src, strlen(src), &out, &pos), 0);
    CHECK_MEM_EQ(out.data, out.len, "x\xe5\x8f\x91\xe5\xb8\x83", 7);
    CHECK_EQ(ctx->n_items, 1);
    if (ctx->n_items == 1) {
        CHECK_EQ(ctx->items[0].in_offset, 101);
        CHECK_EQ(ctx->items[0].out_offset, 91);
    }
    tf__buf_free(&out);
    tf_ctx_free(ctx);
}

static void idempotent(void)
{
    static const char *const inputs[] = {
        "caf\xc3\x83\xc2\xa9", "\xe9\x8d\x99\xe6\x88\x9d\xe7\xab\xb7",
        "It\xc3\xa2\xe2\x82\xac\xe2\x84\xa2s", "ab\xe9\x94\x9f\xe6\x96\xa4\xe6\x8b\xb7",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        tf_ctx *ctx = tf_ctx_create();
        char *once = fix_with(ctx, inputs[i]);
        char *twice = fix_with(ctx, once);
        CHECK_STR_EQ(twice, once);
        tf_free(once);
        tf_free(twice);
        tf_ctx_free(ctx);
    }
}

CHECK_MAIN("test_repair",
           CASE(latin1_and_1252), CASE(other_single_byte_codecs), CASE(double_encoding),
           CASE(flattened_no_break_space), CASE(partial_run_beside_clean_text), CASE(c1_controls),
           CASE(utf8_read_as_gbk), CASE(utf8_read_as_big5), CASE(utf8_read_as_shift_jis),
           CASE(utf8_read_as_euc_kr), CASE(double_byte_read_as_windows_1252),
           CASE(mojibake_run_inside_english), CASE(lost_kun_jin_kao),
           CASE(lost_byte_in_latin_mojibake), CASE(clean_european), CASE(clean_cjk),
           CASE(clean_ascii_is_not_copied), CASE(direct_call_with_stream_offsets),
           CASE(idempotent), CASE(ascii_swallowed_as_trail_byte),
           CASE(no_break_space_read_as_gbk), CASE(cp932_codes_iconv_does_not_give),
           CASE(utf8_read_as_gbk_twice), CASE(utf8_read_as_1252_twice_cjk),
           CASE(double_byte_line_one_codec), CASE(kana_tie_goes_to_japanese),
           CASE(gbk_table_read_as_latin1), CASE(short_words), CASE(european_not_read_as_cjk),
           CASE(lost_bytes_around_replacement), CASE(dropped_1252_bytes))
