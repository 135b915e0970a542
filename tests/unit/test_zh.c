/* test_zh.c - the Chinese conversion engine (lib/zh.c): chunking never changes the output,
 * invalid bytes pass through, threads share the tables safely, every configuration resolves.
 * Byte-for-byte agreement with OpenCC itself is tests/py/test_zh_conformance.py's job. */
#include "check.h"
#include "internal.h"
#include "zh.h"

#include <pthread.h>
#include <stdlib.h>

static const char *const CONFIGS[] = {"s2t", "t2s", "s2tw", "tw2s", "s2hk", "hk2s", "s2twp",
                                      "tw2sp", "t2tw", "t2hk", "t2jp", "jp2t"};
#define NCONFIGS (sizeof CONFIGS / sizeof CONFIGS[0])

/* Pieces that make phrases, half-phrases and near misses in both scripts when strung
 * together at random, with inert characters and the ASCII letters some keys contain. */
static const char *const PIECES[] = {
    "鼠标", "里面", "的", "硅二极管", "坏了", "，", "导致", "光标", "分辨率", "降低", "。",
    "我们", "在", "老挝", "服务器", "硬盘", "需要", "使用", "互联网", "算法", "软件", "解决",
    "异步", "问题", "头发", "干燥", "太后", "胚胎发育", "夸夸其谈", "\n", " ", "SQL注入",
    "U盘", "滑鼠", "裡面", "矽二極體", "壞了", "游標", "解析度", "為什麼", "睡著", "著裝",
    "汙染", "虛偽", "發洩", "稜柱", "群眾", "舊字體", "歷史", "假名遣", "横浜", "糸魚川",
    "潮溼", "露臺", "爲了", "覈實", "說法", "一", "二", "干", "后", "面", "发", "里", "云",
    "𠮷", "\xF0\xA0\x80\x80", "abc", "\t"};
#define NPIECES (sizeof PIECES / sizeof PIECES[0])

static char *random_text(unsigned *seed, size_t pieces, size_t *len)
{
    tf__buf b;
    tf__buf_init(&b, 0);
    for (size_t i = 0; i < pieces; i++) {
        const char *p = PIECES[rand_r(seed) % NPIECES];
        tf__buf_append(&b, p, strlen(p));
    }
    return tf__buf_detach(&b, len);
}

/* Converts src in one call; the caller frees the result. */
static char *convert_whole(const tf__zh_conv *cv, const char *src, size_t len, size_t *out_len,
                           uint64_t *changed)
{
    tf__buf out;
    tf__buf_init(&out, 0);
    size_t used = tf__zh_convert(cv, src, len, 1, &out, changed);
    CHECK_EQ(used, len);
    tf__buf_append(&out, "", 0);
    return tf__buf_detach(&out, out_len);
}

/* Converts src fed in pieces cut at the given points, leftovers carried forward the way the
 * pipeline does it. */
static char *convert_chunked(const tf__zh_conv *cv, const char *src, size_t len,
                             const size_t *cuts, size_t ncuts, size_t *out_len)
{
    tf__buf out, carry;
    tf__buf_init(&out, 0);
    tf__buf_init(&carry, 0);
    size_t prev = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        tf__buf_append(&carry, src + prev, end - prev);
        prev = end;
        int final = i == ncuts;
        size_t used = tf__zh_convert(cv, carry.data, carry.len, final, &out, NULL);
        if (final)
            CHECK_EQ(used, carry.len);
        tf__buf_consume(&carry, used);
    }
    tf__buf_free(&carry);
    tf__buf_append(&out, "", 0);
    return tf__buf_detach(&out, out_len);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void test_chunked_equals_whole(void)
{
    unsigned seed = 12345;
    for (size_t c = 0; c < NCONFIGS; c++) {
        const tf__zh_conv *cv = tf__zh_find(CONFIGS[c]);
        for (int round = 0; round < 30; round++) {
            size_t len, wlen, clen;
            char *text = random_text(&seed, 20 + (size_t)(rand_r(&seed) % 300), &len);
            char *whole = convert_whole(cv, text, len, &wlen, NULL);
            size_t cuts[40];
            size_t ncuts = (size_t)(rand_r(&seed) % 40);
            for (size_t i = 0; i < ncuts; i++)
                cuts[i] = len ? (size_t)rand_r(&seed) % (len + 1) : 0; /* any byte, even mid-character */
            qsort(cuts, ncuts, sizeof cuts[0], cmp_size);
            char *chunked = convert_chunked(cv, text, len, cuts, ncuts, &clen);
            CHECK_MEM_EQ(chunked, clen, whole, wlen);
            free(text);
            free(whole);
            free(chunked);
        }
    }
}

/* Byte-at-a-time feeding is the hardest chunking: every phrase straddles a cut. */
static void test_byte_at_a_time(void)
{
    const char *text = "鼠标里面的硅二极管坏了，导致光标分辨率降低。\n我们在老挝的服务器的硬盘"
                       "需要使用互联网算法软件解决异步的问题。SQL注入攻击 U盘";
    size_t len = strlen(text), wlen, clen;
    size_t cuts[512];
    for (size_t i = 0; i < len && i < 512; i++)
        cuts[i] = i + 1;
    const tf__zh_conv *cv = tf__zh_find("s2twp");
    char *whole = convert_whole(cv, text, len, &wlen, NULL);
    char *chunked = convert_chunked(cv, text, len, cuts, len < 512 ? len : 512, &clen);
    CHECK_MEM_EQ(chunked, clen, whole, wlen);
    /* "SQL注入攻击" stays: segmentation cuts it before TWPhrases sees it, as in OpenCC. */
    CHECK_STR_EQ(whole, "滑鼠裡面的矽二極體壞了，導致游標解析度降低。\n我們在寮國的伺服器的硬碟"
                        "需要使用網際網路演算法軟體解決非同步的問題。SQL注入攻擊 隨身碟");
    free(whole);
    free(chunked);
}

static void test_known_conversions(void)
{
    static const struct { const char *cfg, *in, *out; } cases[] = {
        {"s2t", "太后的头发很干燥。", "太后的頭髮很乾燥。"},
        {"s2t", "夸夸其谈 夸父逐日", "誇誇其談 夸父逐日"},
        /* Debian's OpenCC 1.1.6 data says so; we match it (tests/zh/KNOWN-DIFFERENCES.md). */
        {"s2t", "胚胎发育", "胚胎髮育"},
        {"t2s", "曾經有一份真誠的愛情", "曾经有一份真诚的爱情"},
        {"tw2sp", "用滑鼠點選正規表示式", "用鼠标点击正则表达式"},
        {"t2jp", "舊字體歷史假名遣", "旧字体歴史仮名遣"},
        {"jp2t", "横浜 糸魚川 伊予国", "橫濱 絲魚川 伊豫國"},
        {"t2hk", "潮溼的露臺", "潮濕的露台"},
        {"hk2s", "讚歎沙河涌洶湧的波浪", "赞叹沙河涌汹涌的波浪"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        uint64_t changed = 0;
        char *out = convert_whole(tf__zh_find(cases[i].cfg), cases[i].in, strlen(cases[i].in),
                                  &n, &changed);
        CHECK_STR_EQ(out, cases[i].out);
        CHECK(changed > 0);
        free(out);
    }
}

static void test_invalid_bytes_pass_through(void)
{
    /* A lone continuation byte, a truncated sequence, an overlong form, 0xFF, a NUL and a
     * surrogate, between convertible text: every byte survives, the text around converts. */
    static const char in[] = "头发\x80干燥\xE5\xA4\xC0\xAF\xFF\0后\xED\xA0\x80面\xE5\xA4";
    static const char want[] = "頭髮\x80乾燥\xE5\xA4\xC0\xAF\xFF\0後\xED\xA0\x80面\xE5\xA4";
    size_t n;
    char *out = convert_whole(tf__zh_find("s2t"), in, sizeof in - 1, &n, NULL);
    CHECK_MEM_EQ(out, n, want, sizeof want - 1);
    free(out);
    /* Without final, a character cut by the end is held back, never emitted as bytes. */
    tf__buf b;
    tf__buf_init(&b, 0);
    size_t used = tf__zh_convert(tf__zh_find("s2t"), "abc \xE5\xA4", 6, 0, &b, NULL);
    CHECK_EQ(used, 4);
    CHECK_MEM_EQ(b.data, b.len, "abc ", 4);
    tf__buf_free(&b);
}

/* A streamed line comes out whole as soon as its newline arrives (the CLI flushes pipes per
 * line); only text after the last newline may be held for phrase context. */
static void test_line_not_held(void)
{
    for (size_t c = 0; c < NCONFIGS; c++) {
        tf__buf b;
        tf__buf_init(&b, 0);
        const char *line = "太后的头发很干燥。面\n";
        size_t used = tf__zh_convert(tf__zh_find(CONFIGS[c]), line, strlen(line), 0, &b, NULL);
        CHECK_EQ(used, strlen(line));
        tf__buf_free(&b);
    }
    /* After the newline, "头发" could begin a longer phrase in s2t: it waits. */
    tf__buf b;
    tf__buf_init(&b, 0);
    CHECK_EQ(tf__zh_convert(tf__zh_find("s2t"), "a\n头发", 8, 0, &b, NULL), 2);
    CHECK_STR_EQ(b.data, "a\n");
    tf__buf_free(&b);
}

/* A long run of convertible characters with no phrase and nothing inert in it is still
 * converted as it streams, not held whole until the end. */
static void test_long_run_not_held(void)
{
    tf__buf text, out;
    tf__buf_init(&text, 0);
    tf__buf_init(&out, 0);
    for (int i = 0; i < 20000; i++)
        tf__buf_append(&text, "們個這", 9);
    size_t used = tf__zh_convert(tf__zh_find("t2s"), text.data, text.len, 0, &out, NULL);
    CHECK(used > text.len - 64);
    CHECK(out.len == used);
    tf__buf_free(&text);
    tf__buf_free(&out);
}

static void test_every_config_resolves(void)
{
    for (size_t c = 0; c < NCONFIGS; c++) {
        const tf__zh_conv *cv = tf__zh_find(CONFIGS[c]);
        CHECK(cv != NULL);
        if (cv)
            CHECK_STR_EQ(tf__zh_name(cv), CONFIGS[c]);
    }
    CHECK(tf__zh_find("s2t.json") == NULL);
    CHECK(tf__zh_find("") == NULL);
    CHECK(tf__zh_find(NULL) == NULL);
    tf_ctx *ctx = tf_ctx_create();
    CHECK_EQ(tf_ctx_set_conversion(ctx, "x2y"), TF_E_UNKNOWN_CONVERSION);
    CHECK_EQ(tf_ctx_set_conversion(ctx, "s2twp"), TF_OK);
    int stages = 0;
    tf_ctx_get_option(ctx, TF_OPT_STAGES, &stages);
    CHECK(stages & TF_STAGE_ZH);
    CHECK_EQ(tf_ctx_set_conversion(ctx, NULL), TF_OK);
    CHECK_EQ(tf_ctx_set_conversion(ctx, ""), TF_OK);
    tf_ctx_free(ctx);
}

typedef struct {
    const char *text;
    size_t len;
    const char *cfg;
    char *out;
    size_t out_len;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    /* Many small calls, so the threads really interleave inside the engine. */
    size_t cuts[64];
    for (size_t i = 0; i < 64; i++)
        cuts[i] = j->len * (i + 1) / 65;
    for (int k = 0; k < 20; k++) {
        free(j->out);
        j->out = convert_chunked(tf__zh_find(j->cfg), j->text, j->len, cuts, 64, &j->out_len);
    }
    return NULL;
}

static void test_threads_agree(void)
{
    unsigned seed = 99;
    size_t len;
    char *text = random_text(&seed, 4000, &len);
    enum { NT = 8 };
    pthread_t th[NT];
    job jobs[NT];
    for (int i = 0; i < NT; i++) {
        jobs[i] = (job){text, len, CONFIGS[i % 4], NULL, 0};
        CHECK_EQ(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    }
    for (int i = 0; i < NT; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < NT; i++) {
        size_t n;
        char *want = convert_whole(tf__zh_find(jobs[i].cfg), text, len, &n, NULL);
        CHECK_MEM_EQ(jobs[i].out, jobs[i].out_len, want, n);
        free(want);
        free(jobs[i].out);
    }
    free(text);
}

CHECK_MAIN("test_zh", CASE(test_chunked_equals_whole), CASE(test_byte_at_a_time),
           CASE(test_known_conversions), CASE(test_invalid_bytes_pass_through),
           CASE(test_line_not_held), CASE(test_long_run_not_held), CASE(test_every_config_resolves),
           CASE(test_threads_agree))
