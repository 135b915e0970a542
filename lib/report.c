/* report.c - the list of changes and the totals, readable after each call.
 * Item strings live in one growable buffer; items store offsets into it while they are
 * being added (the buffer may move), and tf_report_item_at() resolves them. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Long before/after texts are cut: the report says what changed, not the whole document. */
#define TF__REPORT_SNIPPET_MAX 200

void tf__report_reset(tf_ctx *ctx)
{
    ctx->n_items = 0;
    ctx->n_views = 0;
    tf__buf_clear(&ctx->strings);
    ctx->strings.failed = 0;
    memset(&ctx->totals, 0, sizeof ctx->totals);
    ctx->encoding_name[0] = 0;
    ctx->totals.encoding = ctx->encoding_name;
    ctx->totals.encoding_source = "";
}

static size_t snippet_len(const char *s, size_t len)
{
    if (len <= TF__REPORT_SNIPPET_MAX)
        return len;
    size_t n = TF__REPORT_SNIPPET_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--; /* never cut a UTF-8 sequence in half */
    return n;
}

/* Stores a string and returns its offset + 1 (0 means NULL). */
static uintptr_t store(tf_ctx *ctx, const char *s, size_t len)
{
    if (!s)
        return 0;
    size_t off = ctx->strings.len;
    size_t n = snippet_len(s, len);
    if (tf__buf_append(&ctx->strings, s, n) || tf__buf_putc(&ctx->strings, 0))
        return 0;
    return (uintptr_t)off + 1;
}

int tf__report_add(tf_ctx *ctx, const tf__change *ch)
{
    ctx->totals.changes++;
    if (!ctx->report_on || ctx->n_items >= (size_t)ctx->report_limit)
        return 0;
    if (ctx->n_items == ctx->cap_items) {
        size_t cap = ctx->cap_items ? ctx->cap_items * 2 : 64;
        tf_report_item *p = realloc(ctx->items, cap * sizeof *p);
        if (!p)
            return -1;
        ctx->items = p;
        ctx->cap_items = cap;
    }
    tf_report_item *it = &ctx->items[ctx->n_items++];
    it->stage = ch->stage;
    it->rule = ch->rule;
    it->in_offset = ch->in_offset;
    it->in_length = ch->in_length;
    it->out_offset = ch->out_offset;
    it->out_length = ch->out_length;
    it->before = (const char *)store(ctx, ch->before, ch->before_len);
    it->after = (const char *)store(ctx, ch->after, ch->after_len);
    if (ctx->strings.failed)
        return -1;
    it->explanation = ch->explanation;
    it->confidence = ch->confidence;
    return 0;
}

size_t tf_report_count(const tf_ctx *ctx) { return ctx ? ctx->n_views : 0; }

static const char *resolve(const tf_ctx *ctx, const char *stored)
{
    uintptr_t off = (uintptr_t)stored;
    return off ? ctx->strings.data + (off - 1) : "";
}

/* Builds the caller's view of the items: strings resolved to pointers. Called at the end of
 * every processing call, so views stay valid until the next one even though the string
 * storage may move while items are added. */
int tf__report_finalize(tf_ctx *ctx)
{
    if (ctx->n_views_cap < ctx->n_items) {
        tf_report_item *p = realloc(ctx->views, ctx->cap_items * sizeof *p);
        if (!p)
            return -1;
        ctx->views = p;
        ctx->n_views_cap = ctx->cap_items;
    }
    size_t from = ctx->strings.data == ctx->views_base ? ctx->n_views : 0;
    for (size_t i = from; i < ctx->n_items; i++) {
        ctx->views[i] = ctx->items[i];
        ctx->views[i].before = resolve(ctx, ctx->items[i].before);
        ctx->views[i].after = resolve(ctx, ctx->items[i].after);
    }
    ctx->n_views = ctx->n_items;
    ctx->views_base = ctx->strings.data;
    return 0;
}

const tf_report_item *tf_report_item_at(const tf_ctx *ctx, size_t index)
{
    if (!ctx || index >= ctx->n_views)
        return NULL;
    return &ctx->views[index];
}

const tf_report_totals *tf_report_get_totals(const tf_ctx *ctx)
{
    return ctx ? &ctx->totals : NULL;
}

void tf_report_clear(tf_ctx *ctx)
{
    if (!ctx)
        return;
    ctx->n_items = 0;
    ctx->n_views = 0;
    tf__buf_clear(&ctx->strings);
}
