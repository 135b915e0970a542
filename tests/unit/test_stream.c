/* test_stream.c - the public API end to end: one-shot and streaming calls, their equality
 * for any chunking, bad input that must never crash, hang or lose text, errors and reports. */
#include "check.h"
#include "textfix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *fix(const char *s, size_t n, size_t *out_n)
{
    tf_ctx *ctx = tf_ctx_create();
    char *out = NULL;
    int rc = tf_fix(ctx, s, n, &out, out_n);
    CHECK_EQ(rc, TF_OK);
    tf_ctx_free(ctx);
    return out;
}

/* Streams src in chunks whose sizes come from seed, into small output buffers. */
static char *fix_chunked(const char *src, size_t n, unsigned seed, size_t *out_n)
{
    tf_ctx *ctx = tf_ctx_create();
    size_t cap = n * 4 + 64, len = 0, pos = 0, pending = 1;
    char *out = malloc(cap);
    while (pos < n || pending) {
        seed = seed * 1103515245u + 12345u;
        size_t chunk = (seed >> 16) % 97 + 1;
        if (pos + chunk > n)
            chunk = n - pos;
        tf_in_buffer in = {src + pos, chunk, 0};
        tf_directive dir = pos + chunk == n ? TF_END : TF_CONTINUE;
        do {
            size_t room = ((seed >> 8) % 13) + 1; /* tiny output windows, to test draining */
            if (room > cap - len)
                room = cap - len;
            tf_out_buffer ob = {out + len, room, 0};
            int rc = tf_fix_stream(ctx, &ob, &in, dir, &pending);
            CHECK_EQ(rc, TF_OK);
            if (rc)
                goto done;
            len += ob.pos;
        } while (in.pos < in.size || (dir == TF_END && pending));
        pos += chunk;
    }
done:
    tf_ctx_free(ctx);
    *out_n = len;
    return out;
}

static void check_stream_equals_oneshot(const char *s, size_t n)
{
    size_t a_n, b_n;
    char *a = fix(s, n, &a_n);
    for (unsigned seed = 1; seed < 6; seed++) {
        char *b = fix_chunked(s, n, seed, &b_n);
        CHECK_MEM_EQ(a, a_n, b, b_n);
        free(b);
    }
    free(a);
}

static void test_clean_utf8_identical(void)
{
    const char *samples[] = {
        "", "hello\n", "Grüße aus Köln, café crème.\n", "中文文本，测试。\n繁體中文：測試！",
        "日本語のテキストです。\r\n", "한국어 텍스트입니다.", "tab\there\fform feed\n",
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t n;
        char *out = fix(samples[i], strlen(samples[i]), &n);
        CHECK_STR_EQ(out, samples[i]);
        tf_free(out);
    }
}

static void test_stream_equals_oneshot(void)
{
    static const char text[] =
        "第一行中文文本。\nSecond line, English.\n\xEF\xBB\xBF"
        "bad \xC3 byte \xE4\xBD and \xFF\xFE\n\x1b[1mbold\x1b[0m\r\n"
        "Gr\xC3\xBC\xC3\x9F" "e\n末尾没有换行";
    check_stream_equals_oneshot(text, sizeof text - 1);
    /* GBK bytes: detection and a character split across chunks */
    static const char gbk[] = "\xC4\xE3\xBA\xC3\xA3\xAC\xCA\xC0\xBD\xE7\xA1\xA3\n"
                              "\xD6\xD0\xCE\xC4\xCE\xC4\xB1\xBE\xB2\xE2\xCA\xD4\n";
    check_stream_equals_oneshot(gbk, sizeof gbk - 1);
}

static void test_long_line_streams(void)
{
    size_t n = 3 * 256 * 1024 + 777;
    char *s = malloc(n);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)("abc def, ghi."[i % 13]);
    check_stream_equals_oneshot(s, n);
    size_t out_n;
    char *out = fix(s, n, &out_n);
    CHECK_MEM_EQ(out, out_n, s, n);
    tf_free(out);
    free(s);
}

static void test_invalid_bytes_reported(void)
{
    tf_ctx *ctx = tf_ctx_create();
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_REPORT, 1), TF_OK);
    CHECK_EQ(tf_ctx_set_encoding(ctx, "utf-8"), TF_OK);
    char *out;
    size_t n;
    CHECK_EQ(tf_fix(ctx, "a\xFF" "b\xE4\xBD", 5, &out, &n), TF_OK);
    CHECK_STR_EQ(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
    CHECK_EQ(tf_report_get_totals(ctx)->invalid_bytes, 3);
    CHECK_EQ(tf_report_count(ctx), 2);
    const tf_report_item *it = tf_report_item_at(ctx, 0);
    CHECK(it && it->stage == TF_STAGE_DECODE && it->in_offset == 1 && it->in_length == 1);
    it = tf_report_item_at(ctx, 1);
    CHECK(it && it->in_offset == 3 && it->in_length == 2);
    CHECK_STR_EQ(it ? it->before : NULL, "E4 BD");
    tf_free(out);
    tf_ctx_free(ctx);
}

static void test_strict_names_offset(void)
{
    tf_ctx *ctx = tf_ctx_create();
    tf_ctx_set_option(ctx, TF_OPT_STRICT, 1);
    tf_ctx_set_encoding(ctx, "gbk");
    char *out = (char *)1;
    size_t n;
    CHECK_EQ(tf_fix(ctx, "\xC4\xE3\xFF", 3, &out, &n), TF_E_INVALID_INPUT);
    CHECK(out == NULL);
    CHECK(strstr(tf_ctx_error_detail(ctx), "offset 2") != NULL);
    CHECK(strstr(tf_ctx_error_detail(ctx), "GB18030") != NULL);
    tf_ctx_free(ctx);
}

static void test_truncated_at_eof(void)
{
    size_t n;
    char *out = fix("ok \xE5\xA5\xBD\xE4\xBD", 8, &n);
    CHECK_STR_EQ(out, "ok \xE5\xA5\xBD\xEF\xBF\xBD");
    tf_free(out);
}

static void test_nul_bytes_removed_and_counted(void)
{
    tf_ctx *ctx = tf_ctx_create();
    char *out;
    size_t n;
    static const char text[] = "a\0b\0c text that is long enough to be text";
    CHECK_EQ(tf_fix(ctx, text, sizeof text - 1, &out, &n), TF_OK);
    CHECK_STR_EQ(out, "abc text that is long enough to be text");
    CHECK_EQ(tf_report_get_totals(ctx)->removed_controls, 2);
    tf_free(out);
    tf_ctx_free(ctx);
}

static void test_binary_detected(void)
{
    unsigned char bin[2048];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)(i * 7 + (i >> 3));
    tf_ctx *ctx = tf_ctx_create();
    tf_detection d;
    CHECK_EQ(tf_detect(ctx, bin, sizeof bin, 1, &d), TF_OK);
    CHECK_EQ(d.binary, 1);
    tf_ctx_set_option(ctx, TF_OPT_STRICT, 1);
    char *out;
    size_t n;
    CHECK_EQ(tf_fix(ctx, bin, sizeof bin, &out, &n), TF_E_BINARY_INPUT);
    tf_ctx_free(ctx);
}

static void test_errors_and_versions(void)
{
    CHECK_STR_EQ(tf_error_name(TF_E_NOMEM), "TF_E_NOMEM");
    CHECK_STR_EQ(tf_error_name(12345), "TF_E_UNKNOWN");
    CHECK(strlen(tf_strerror(TF_E_INVALID_INPUT)) > 10);
    CHECK_EQ(tf_version_number(), TF_VERSION_NUMBER);
    CHECK_STR_EQ(tf_version_string(), TF_VERSION_STRING);
    tf_ctx_free(NULL);
    tf_free(NULL);
    tf_ctx *ctx = tf_ctx_create();
    CHECK_EQ(tf_ctx_set_encoding(ctx, "no-such-encoding"), TF_E_UNKNOWN_ENCODING);
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_NORMALIZE, 9), TF_E_UNKNOWN_OPTION);
    CHECK_EQ(tf_ctx_set_option(ctx, (tf_option)99, 0), TF_E_UNKNOWN_OPTION);
    CHECK_EQ(tf_fix(ctx, NULL, 3, NULL, NULL), TF_E_INVALID_ARGUMENT);
    int v = -1;
    CHECK_EQ(tf_ctx_get_option(ctx, TF_OPT_NORMALIZE, &v), TF_OK);
    CHECK_EQ(v, TF_NORM_NFC);
    tf_ctx_free(ctx);
}

static void test_labels_like_browsers(void)
{
    tf_ctx *ctx = tf_ctx_create();
    const char *labels[][2] = {{"gb2312", "GB18030"}, {"GBK", "GB18030"}, {"big5", "BIG5-HKSCS"},
                               {"shift_jis", "CP932"}, {"iso-8859-1", "WINDOWS-1252"},
                               {"euc-kr", "CP949"}};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        tf_detection d;
        CHECK_EQ(tf_ctx_set_encoding(ctx, labels[i][0]), TF_OK);
        tf_detect(ctx, "x", 1, 1, &d);
        CHECK_STR_EQ(d.encoding, labels[i][1]);
        CHECK_STR_EQ(d.source, "forced");
    }
    tf_ctx_free(ctx);
}

static void test_boms_and_declared(void)
{
    tf_ctx *ctx = tf_ctx_create();
    tf_detection d;
    tf_detect(ctx, "\xFF\xFEh\0i\0", 6, 1, &d);
    CHECK_STR_EQ(d.encoding, "UTF-16LE");
    CHECK_STR_EQ(d.source, "bom");
    char *out;
    size_t n;
    CHECK_EQ(tf_fix(ctx, "\xFE\xFF\0h\0i", 6, &out, &n), TF_OK);
    CHECK_STR_EQ(out, "hi");
    tf_free(out);
    static const char page[] = "<html><head><meta charset=\"gb2312\"></head><body>\xC4\xE3\xBA\xC3</body>";
    tf_detect(ctx, page, sizeof page - 1, 1, &d);
    CHECK_STR_EQ(d.encoding, "GB18030");
    CHECK_STR_EQ(d.source, "declared");
    tf_ctx_free(ctx);
}

static void test_newlines_lf(void)
{
    tf_ctx *ctx = tf_ctx_create();
    tf_ctx_set_option(ctx, TF_OPT_NEWLINES, TF_NEWLINES_LF);
    char *out;
    size_t n;
    CHECK_EQ(tf_fix(ctx, "a\r\nb\rc\n", 7, &out, &n), TF_OK);
    CHECK_STR_EQ(out, "a\nb\nc\n");
    tf_free(out);
    tf_ctx_free(ctx);
}

static void test_nfc(void)
{
    size_t n;
    char *out = fix("Cafe\xCC\x81 \xEF\xA4\x80", 10, &n); /* e + combining acute; U+F900 */
    CHECK_STR_EQ(out, "Caf\xC3\xA9 \xE8\xB1\x88");
    tf_free(out);
    tf_ctx *ctx = tf_ctx_create();
    tf_ctx_set_option(ctx, TF_OPT_NORMALIZE, TF_NORM_NFKC);
    CHECK_EQ(tf_fix(ctx, "\xEF\xBC\xA1", 3, &out, &n), TF_OK); /* fullwidth A */
    CHECK_STR_EQ(out, "A");
    tf_free(out);
    tf_ctx_free(ctx);
}

static void test_empty_input(void)
{
    size_t n = 99;
    char *out = fix("", 0, &n);
    CHECK(out != NULL);
    CHECK_EQ(n, 0);
    tf_free(out);
}

static void test_options_locked_during_stream(void)
{
    tf_ctx *ctx = tf_ctx_create();
    char buf[64];
    tf_in_buffer in = {"abc", 3, 0};
    tf_out_buffer ob = {buf, sizeof buf, 0};
    CHECK_EQ(tf_fix_stream(ctx, &ob, &in, TF_CONTINUE, NULL), TF_OK);
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_STRICT, 1), TF_E_STATE);
    tf_ctx_reset(ctx);
    CHECK_EQ(tf_ctx_set_option(ctx, TF_OPT_STRICT, 1), TF_OK);
    tf_ctx_free(ctx);
}

CHECK_MAIN("stream", CASE(test_clean_utf8_identical), CASE(test_stream_equals_oneshot),
           CASE(test_long_line_streams), CASE(test_invalid_bytes_reported),
           CASE(test_strict_names_offset), CASE(test_truncated_at_eof),
           CASE(test_nul_bytes_removed_and_counted), CASE(test_binary_detected),
           CASE(test_errors_and_versions), CASE(test_labels_like_browsers),
           CASE(test_boms_and_declared), CASE(test_newlines_lf), CASE(test_nfc),
           CASE(test_empty_input), CASE(test_options_locked_during_stream))
