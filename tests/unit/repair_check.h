/* repair_check.h - assertions for the repair stage's unit tests (test_repair.c,
 * test_repair_dbcs.c): run text through decoding and repair alone, then check the output and
 * the report. static inline, so a test program that uses only some of them still builds
 * with -Werror. */
#ifndef TF_REPAIR_CHECK_H
#define TF_REPAIR_CHECK_H

#include "check.h"
#include "textfix.h"

/* Runs src through decoding and the repair stage alone; returns the output (tf_free it). */
static inline char *fix_with(tf_ctx *ctx, const char *src)
{
    char *out = NULL;
    size_t n = 0;
    tf_ctx_set_option(ctx, TF_OPT_STAGES, TF_STAGE_DECODE | TF_STAGE_REPAIR);
    tf_ctx_set_option(ctx, TF_OPT_REPORT, 1);
    int rc = tf_fix(ctx, src, strlen(src), &out, &n);
    CHECK_EQ(rc, 0);
    return out;
}

static inline void expect(const char *src, const char *want)
{
    tf_ctx *ctx = tf_ctx_create();
    char *out = fix_with(ctx, src);
    CHECK_STR_EQ(out, want);
    tf_free(out);
    tf_ctx_free(ctx);
}

/* Expects a repair whose first report item has this rule. */
static inline void expect_rule(const char *src, const char *want, const char *rule)
{
    tf_ctx *ctx = tf_ctx_create();
    char *out = fix_with(ctx, src);
    CHECK_STR_EQ(out, want);
    CHECK(tf_report_count(ctx) >= 1);
    if (tf_report_count(ctx) >= 1)
        CHECK_STR_EQ(tf_report_item_at(ctx, 0)->rule, rule);
    CHECK(tf_report_get_totals(ctx)->repairs >= 1);
    tf_free(out);
    tf_ctx_free(ctx);
}

/* Expects src back unchanged, with nothing reported. */
static inline void expect_clean(const char *src)
{
    tf_ctx *ctx = tf_ctx_create();
    char *out = fix_with(ctx, src);
    CHECK_STR_EQ(out, src);
    CHECK_EQ(tf_report_count(ctx), 0);
    tf_free(out);
    tf_ctx_free(ctx);
}

#endif
