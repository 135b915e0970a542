/* fuzz_oneshot.c - any bytes through tf_fix() with options taken from the first byte: must
 * not crash, must return valid UTF-8, and fixing the output again must change nothing. */
#include "textfix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (!k || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const encs[] = {NULL, "utf-8", "gbk", "big5", "shift_jis", "euc-jp",
                                       "euc-kr", "utf-16le", "windows-1252", NULL};
    tf_ctx *ctx = tf_ctx_create();
    if (!ctx)
        return 0;
    tf_ctx_set_option(ctx, TF_OPT_REPORT, data[0] & 1);
    tf_ctx_set_option(ctx, TF_OPT_NEWLINES, (data[0] >> 1) & 1);
    tf_ctx_set_encoding(ctx, encs[(data[0] >> 2) % 10]);
    char *out = NULL, *again = NULL;
    size_t n = 0, n2 = 0;
    if (tf_fix(ctx, data + 1, size - 1, &out, &n) == TF_OK) {
        if (!valid_utf8((const unsigned char *)out, n) || strlen(out) > n)
            abort();
        tf_ctx_set_encoding(ctx, "utf-8");
        for (size_t i = 0; i < tf_report_count(ctx); i++)
            if (!tf_report_item_at(ctx, i)->rule)
                abort();
        if (tf_fix(ctx, out, n, &again, &n2) != TF_OK)
            abort();
        if (n2 != n || memcmp(again, out, n) != 0)
            abort(); /* idempotence: fix(fix(x)) == fix(x) */
        tf_free(again);
    }
    tf_free(out);
    tf_ctx_free(ctx);
    return 0;
}
