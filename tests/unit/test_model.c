/* test_model.c - the plausibility model: real text must outscore its mojibake for the
 * misreadings the repair and detection stages choose between, clean text in many scripts must
 * read as text, and the Chinese script maps must agree with OpenCC. */
#include "check.h"
#include "model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double score(const char *s)
{
    return tf__model_score(s, strlen(s), NULL);
}

/* real must beat moji by at least margin nats. */
static int beats(const char *real, const char *moji, double margin)
{
    double a = score(real), b = score(moji);
    if (a - b >= margin)
        return 1;
    fprintf(stderr, "  %s (%.2f) vs %s (%.2f): margin %.2f < %.2f\n", real, a, moji, b, a - b,
            margin);
    return 0;
}

static void test_tables_match(void)
{
    CHECK(tf__model_nclass_ok());
}

/* The precomputed ASCII pair table must equal the general path it short-cuts. */
static void test_ascii_table_consistent(void)
{
    int bad = 0;
    for (unsigned a = 1; a < 128; a++) {
        for (unsigned b = 0; b < 128; b++) {
            char s[2] = {(char)a, (char)b};
            double whole = tf__model_score(s, 2, NULL);
            double parts = tf__model_bigram(0, a) + tf__model_bigram(a, b);
            bad += whole != parts;
        }
    }
    CHECK_EQ(bad, 0);
}

static void test_chinese_misreadings(void)
{
    /* UTF-8 read as GBK: 发布 (E5 8F 91 E5 B8 83) */
    CHECK(beats("发布", "鍙戝竷", 10.0));
    CHECK(beats("我们今天发布了新版本", "鎴戜滑浠婂ぉ鍙戝竷浜嗘柊鐗堟湰", 40.0));
    /* GBK read as Latin-1 / windows-1252: 你好 (C4 E3 BA C3) */
    CHECK(beats("你好", "ÄãºÃ", 20.0));
    CHECK(beats("中华人民共和国", "ÖÐ»ªÈËÃñ¹²ºÍ¹ú", 40.0));
    /* GBK read as Big5 and Big5 read as GBK */
    CHECK(beats("我们的程序", "扂蠅腔最唗", 15.0));
    CHECK(beats("欢迎光临", "辣茩嫖還", 10.0));
    CHECK(beats("網路設定", "呼隔砞﹚", 10.0));
    CHECK(beats("程式設計", "祘Α砞璸", 10.0));
    CHECK(beats("中華民國", "い地チ瓣", 10.0));
}

static void test_traditional_scores_like_simplified(void)
{
    double s = score("我们今天去公园散步，天气很好。");
    double t = score("我們今天去公園散步，天氣很好。");
    CHECK(t > s - 3.0 && t < s + 3.0);
}

static void test_latin_misreadings(void)
{
    /* windows-1252 German/French read as GBK */
    CHECK(beats("standardmäßig", "standardm溥ig", 8.0));
    CHECK(beats("standardmäßig", "standardm癌ig", 8.0));
    CHECK(beats("Größe und Gewicht", "Gr鲞e und Gewicht", 8.0));
    CHECK(beats("très bien", "tr鑣 bien", 8.0));
    CHECK(beats("la forêt", "la for阾", 8.0));
    /* UTF-8 read as windows-1252 */
    CHECK(beats("café", "cafÃ©", 10.0));
    CHECK(beats("Ärger über Öl", "Ã„rger Ã¼ber Ã–l", 20.0));
    CHECK(beats("l’été", "lâ€™Ã©tÃ©", 20.0));
    /* windows-1252 read as windows-1251: a lone Cyrillic letter among Latin words */
    CHECK(beats("Il manque du texte à partir de cette ligne.",
                "Il manque du texte а partir de cette ligne.", 3.0));
    /* UTF-8 Cyrillic read as windows-1251, Greek as windows-1253 */
    CHECK(beats("Привет, мир", "РџСЂРёРІРµС‚, РјРёСЂ", 30.0));
    CHECK(beats("Ελλάδα", "Ξ•Ξ»Ξ»Ξ¬Ξ΄Ξ±", 30.0));
}

static void test_japanese_korean_misreadings(void)
{
    /* Shift_JIS read as GBK: 日本語のテキスト */
    CHECK(beats("日本語のテキスト", "擔杮岅偺僥僉僗僩", 15.0));
    CHECK(beats("ファイルを保存しました。", "僼傽僀儖傪曐懚偟傑偟偨丅", 25.0));
    /* EUC-KR read as GBK: 한국어 텍스트 */
    CHECK(beats("한국어 텍스트입니다", "茄惫绢 咆胶飘涝聪促", 10.0));
    CHECK(beats("파일을 저장했습니다", "颇老阑 历厘沁嚼聪促", 10.0));
}

static void test_ascii_and_scripts(void)
{
    size_t n = 0;
    double e = tf__model_score("The quick brown fox jumps over the lazy dog.", 44, &n);
    CHECK_EQ(n, 44);
    CHECK(e / 44 > -4.0);
    /* Every character pays: a shorter decoding is not favoured for being short. */
    CHECK(score("hello world") > score("hello \xC2\x80world"));
    CHECK(beats("a b", "a\xEF\xBF\xBD" "b", 15.0)); /* U+FFFD */
    CHECK(beats("ab", "a\xEE\x80\x80" "b", 15.0));  /* private use */
    CHECK(beats("ab", "a\xCD\xB8" "b", 15.0));      /* unassigned U+0378 */
    CHECK(beats("ab", "a\xFF" "b", 15.0));          /* not UTF-8 */
    CHECK(beats("使用Python编程", "使用Python\xE2\x94\x80编程", 5.0)); /* box drawing */
    CHECK(beats("的", "\xF0\xA0\x80\x80", 5.0));    /* CJK Ext-B */
    CHECK(beats("人", "\xE3\x90\x80", 5.0));        /* CJK Ext-A */
    CHECK(beats("a, b", "a\xC2\xA4 b", 5.0));       /* ¤ */
    CHECK(tf__model_bigram(0, 'a') == score("a"));
    CHECK(tf__model_bigram(0x4F60, 0x597D) > tf__model_bigram(0x4F60, 0x9F98));
    CHECK(score("") == 0.0);
}

static void test_t2s_and_script(void)
{
    CHECK_EQ(tf__model_t2s(0x767C), 0x53D1); /* 發 -> 发 */
    CHECK_EQ(tf__model_t2s(0x9AEE), 0x53D1); /* 髮 -> 发 */
    CHECK_EQ(tf__model_t2s(0x570B), 0x56FD); /* 國 -> 国 */
    CHECK_EQ(tf__model_t2s(0x4EBA), 0x4EBA); /* 人 stays */
    CHECK_EQ(tf__model_t2s('A'), 'A');
    CHECK_EQ(tf__model_han_script(0x53D1), 1); /* 发: Simplified only */
    CHECK_EQ(tf__model_han_script(0x767C), 2); /* 發: Traditional only */
    CHECK_EQ(tf__model_han_script(0x4EBA), 0); /* 人: both */
    CHECK_EQ(tf__model_han_script(0x5E72), 0); /* 干: both (幹 乾 干 -> 干) */
    CHECK_EQ(tf__model_han_script('x'), 0);
}

static const char *const CLEAN[] = {
    "The quick brown fox jumps over the lazy dog.",
    "Größe, Übermaß und Straße – „Anführungszeichen“ «Strauß» im Café.",
    "L’été à Paris : « voilà ! » ; déjà… Ça coûte 15 € (TVA incluse).",
    "¿Qué tal? ¡Muy bien! El niño comió piña en España.",
    "Déšť, žluťoučký kůň úpěl ďábelské ódy.",
    "Zażółć gęślą jaźń. Łódź, Kraków.",
    "Árvíztűrő tükörfúrógép ŐŰ.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю. Річка Сінь.",
    "Сјај и Рђа: српска ћирилица, Џеп.",
    "Καλημέρα κόσμε, ΟΙΚΟΣ και Ξένος, Όταν.",
    "我们今天发布了新版本，欢迎下载「测试」。",
    "日本語のテキストです。ファイルを保存しました。",
    "한국어 텍스트입니다. 파일을 저장했습니다!",
    "Tiếng Việt có dấu: Nguyễn Thị Minh Khai.",
    "Temperature 20 °C ± 0.5, © 2024 ACME™, §§ 1–3, 5 m² · ½ kg.",
    "naïve, Hawaiʻi, coöperate, São Paulo, SÃO PAULO, IRMÃOS.",
    /* capitals before symbols, which look like UTF-8 leads read as cp1252 */
    "CAFÉ® brand, PRÜF™ tool, ¿QUIÉN SÉ¡ 3×£20, «ÉCOLE», ÅSA’s, ÑANDÚ!",
    "accents as quotes: ``pra lá´´, faces `¬´ and ¦¯|",
    "Slovak zbošäžšťovať, Czech déšť, Icelandic með…",
};

/* Clean text of every script the model knows reads as text: well above the -9 nats a character
 * below which the repair stages reject a decoding as garble (MIN_PER_CHAR), so that a model
 * change that makes some language's letters too dear is caught here. */
static void test_clean_reads_as_text(void)
{
    for (size_t i = 0; i < sizeof CLEAN / sizeof CLEAN[0]; i++) {
        size_t n = 0;
        double sc = tf__model_score(CLEAN[i], strlen(CLEAN[i]), &n);
        if (sc < -6.0 * (double)n)
            fprintf(stderr, "  %.2f nats a character: %s\n", sc / (double)n, CLEAN[i]);
        CHECK(n > 0 && sc >= -6.0 * (double)n);
    }
}

/* Mostly-ASCII text must score far faster than the pipeline around it reads it. */
static void test_throughput(void)
{
    size_t len = 8u << 20;
    char *buf = malloc(len);
    if (!buf)
        return;
    static const char sample[] = "Scoring must be fast: it runs on every candidate decoding "
                                 "of every window. Café, 20 °C.\n";
    for (size_t i = 0; i < len; i++)
        buf[i] = sample[i % (sizeof sample - 1)];
    clock_t t0 = clock();
    double sc = tf__model_score(buf, len, NULL);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    double mbs = secs > 0 ? (double)len / secs / 1e6 : 1e9;
    printf("  model throughput: %.0f MB/s (score %.0f)\n", mbs, sc);
    /* Instrumented runs (make asan sets TF_SANITIZE; valgrind preloads its vgpreload
     * library) are many times slower: they only print the figure. */
    const char *pre = getenv("LD_PRELOAD");
    if (!getenv("TF_SANITIZE") && !(pre && strstr(pre, "vgpreload")))
        CHECK(mbs > 100.0);
    free(buf);
}

CHECK_MAIN("model",
           CASE(test_tables_match),
           CASE(test_ascii_table_consistent),
           CASE(test_chinese_misreadings),
           CASE(test_traditional_scores_like_simplified),
           CASE(test_latin_misreadings),
           CASE(test_japanese_korean_misreadings),
           CASE(test_ascii_and_scripts),
           CASE(test_t2s_and_script),
           CASE(test_clean_reads_as_text),
           CASE(test_throughput))
