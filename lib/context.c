/* context.c - the context object, its options, versions and error names. */
#include "internal.h"
#include "decode.h"
#include "repair.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned tf_version_number(void) { return TF_VERSION_NUMBER; }
const char *tf_version_string(void) { return TF_VERSION_STRING; }

const char *tf_error_name(int code)
{
    switch (code) {
#define TF__ERR_NAME(name, c, msg) case c: return "TF_E_" #name;
        TF_ERROR_MAP(TF__ERR_NAME)
#undef TF__ERR_NAME
    }
    return "TF_E_UNKNOWN";
}

const char *tf_strerror(int code)
{
    switch (code) {
#define TF__ERR_MSG(name, c, msg) case c: return msg;
        TF_ERROR_MAP(TF__ERR_MSG)
#undef TF__ERR_MSG
    }
    return "unknown error code";
}

void tf_free(void *p) { free(p); }

static void set_defaults(tf_ctx *ctx)
{
    ctx->stages = TF_STAGES_DEFAULT;
    ctx->strict = 0;
    ctx->norm = TF_NORM_NFC;
    ctx->newlines = TF_NEWLINES_KEEP;
    ctx->punct = TF_PUNCT_AUTO;
    ctx->report_on = 0;
    ctx->report_limit = 100000;
    ctx->keep_controls = 0;
    ctx->forced_encoding[0] = 0;
    ctx->zh = NULL;
}

tf_ctx *tf_ctx_create(void)
{
    tf_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    set_defaults(ctx);
    tf__report_reset(ctx); /* totals.encoding points at "" from the start, never NULL */
    tf__buf *bufs[] = {&ctx->window, &ctx->text, &ctx->outq, &ctx->seg_a, &ctx->seg_b,
                       &ctx->zh_carry, &ctx->recent, &ctx->strings, &ctx->detail};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        tf__buf_init(bufs[i], 0);
    return ctx;
}

void tf_ctx_free(tf_ctx *ctx)
{
    if (!ctx)
        return;
    tf__decoder_free(ctx->dec);
    tf__repair_free(ctx->repair);
    tf__iconv_cache_free(ctx->iconv_cache);
    tf__buf *bufs[] = {&ctx->window, &ctx->text, &ctx->outq, &ctx->seg_a, &ctx->seg_b,
                       &ctx->zh_carry, &ctx->recent, &ctx->strings, &ctx->detail};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        tf__buf_free(bufs[i]);
    free(ctx->items);
    free(ctx->views);
    free(ctx);
}

void tf__stream_abandon(tf_ctx *ctx)
{
    tf__decoder_free(ctx->dec);
    ctx->dec = NULL;
    ctx->in_stream = 0;
    ctx->cr_pending = 0;
    ctx->dec_done = 0;
    ctx->decoded_once = 0;
    ctx->nl_scanned = 0;
    ctx->outq_head = 0;
    ctx->resync_sure = ctx->resync_sure_ahead = ctx->resync_lines_ahead = 0;
    ctx->resync_lines = ctx->resync_primed = 0;
    tf__buf *bufs[] = {&ctx->window, &ctx->text, &ctx->outq, &ctx->zh_carry, &ctx->recent};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        tf__buf_clear(bufs[i]);
    memset(ctx->pos, 0, sizeof ctx->pos);
    memset(&ctx->punct_state, 0, sizeof ctx->punct_state); /* ruby/punct evidence */
}

void tf_ctx_reset(tf_ctx *ctx)
{
    if (!ctx)
        return;
    tf__stream_abandon(ctx);
    tf__report_reset(ctx);
    tf__buf_clear(&ctx->detail);
}

const char *tf_ctx_error_detail(const tf_ctx *ctx)
{
    return ctx && ctx->detail.data ? ctx->detail.data : "";
}

int tf__fail(tf_ctx *ctx, int code, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    tf__buf_clear(&ctx->detail);
    tf__buf_append(&ctx->detail, tmp, strlen(tmp));
    return code;
}

static int check_range(int value, int lo, int hi) { return value >= lo && value <= hi; }

int tf_ctx_set_option(tf_ctx *ctx, tf_option opt, int value)
{
    if (!ctx)
        return TF_E_INVALID_ARGUMENT;
    if (ctx->in_stream)
        return tf__fail(ctx, TF_E_STATE, "options cannot change while a stream is in progress");
    int ok = 1;
    switch (opt) {
    case TF_OPT_STAGES: ok = check_range(value, 0, TF_STAGES_ALL); if (ok) ctx->stages = (unsigned)value; break;
    case TF_OPT_STRICT: ok = check_range(value, 0, 1); if (ok) ctx->strict = value; break;
    case TF_OPT_NORMALIZE: ok = check_range(value, 0, 2); if (ok) ctx->norm = value; break;
    case TF_OPT_NEWLINES: ok = check_range(value, 0, 1); if (ok) ctx->newlines = value; break;
    case TF_OPT_PUNCT: ok = check_range(value, 0, 3); if (ok) ctx->punct = value; break;
    case TF_OPT_REPORT: ok = check_range(value, 0, 1); if (ok) ctx->report_on = value; break;
    case TF_OPT_REPORT_LIMIT: ok = value >= 0; if (ok) ctx->report_limit = value; break;
    case TF_OPT_KEEP_CONTROLS: ok = check_range(value, 0, 1); if (ok) ctx->keep_controls = value; break;
    default: ok = 0;
    }
    if (!ok)
        return tf__fail(ctx, TF_E_UNKNOWN_OPTION, "option %d does not take the value %d", (int)opt, value);
    return TF_OK;
}

int tf_ctx_get_option(const tf_ctx *ctx, tf_option opt, int *value)
{
    if (!ctx || !value)
        return TF_E_INVALID_ARGUMENT;
    switch (opt) {
    case TF_OPT_STAGES: *value = (int)ctx->stages; break;
    case TF_OPT_STRICT: *value = ctx->strict; break;
    case TF_OPT_NORMALIZE: *value = ctx->norm; break;
    case TF_OPT_NEWLINES: *value = ctx->newlines; break;
    case TF_OPT_PUNCT: *value = ctx->punct; break;
    case TF_OPT_REPORT: *value = ctx->report_on; break;
    case TF_OPT_REPORT_LIMIT: *value = ctx->report_limit; break;
    case TF_OPT_KEEP_CONTROLS: *value = ctx->keep_controls; break;
    default: return TF_E_UNKNOWN_OPTION;
    }
    return TF_OK;
}

int tf_ctx_set_encoding(tf_ctx *ctx, const char *name)
{
    if (!ctx)
        return TF_E_INVALID_ARGUMENT;
    if (ctx->in_stream)
        return tf__fail(ctx, TF_E_STATE, "the encoding cannot change while a stream is in progress");
    if (!name || !*name || !strcmp(name, "auto")) {
        ctx->forced_encoding[0] = 0;
        return TF_OK;
    }
    const char *canon = tf__encoding_canonical(name);
    if (!canon)
        return tf__fail(ctx, TF_E_UNKNOWN_ENCODING, "encoding '%s' is not supported", name);
    snprintf(ctx->forced_encoding, sizeof ctx->forced_encoding, "%s", canon);
    return TF_OK;
}

const char *tf_stage_name(tf_stage stage)
{
    switch (stage) {
    case TF_STAGE_DECODE: return "decode";
    case TF_STAGE_CLEANUP: return "cleanup";
    case TF_STAGE_REPAIR: return "repair";
    case TF_STAGE_RESYNC: return "resync";
    case TF_STAGE_RUBY: return "ruby";
    case TF_STAGE_PUNCT: return "punct";
    case TF_STAGE_NORMALIZE: return "normalize";
    case TF_STAGE_ZH: return "zh";
    }
    return "unknown";
}
