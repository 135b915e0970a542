/* cli_util.c - JSON Lines report and --explain output for the textfix program. */
#include "cli_util.h"

#include "cli.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p, or 0 when the bytes there are not one. */
static size_t utf8_valid_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
             : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((n == 3 && p[0] == 0xE0 && p[1] < 0xA0) || (n == 3 && p[0] == 0xED && p[1] >= 0xA0) ||
        (n == 4 && p[0] == 0xF0 && p[1] < 0x90) || (n == 4 && p[0] == 0xF4 && p[1] >= 0x90))
        return 0;
    return n;
}

/* Bytes that are not UTF-8 (file names can hold any) are written as the text \xNN, so the
 * report stays valid JSON and still shows what the bytes were. */
void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        size_t n;
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fprintf(f, "\\u%04x", *p);
            else if ((n = utf8_valid_len(p)) == 0)
                fprintf(f, "\\\\x%02X", *p);
            else {
                fwrite(p, 1, n, f);
                p += n - 1;
            }
        }
    }
    fputc('"', f);
}

static void kv_str(FILE *f, const char *key, const char *val, int comma)
{
    fprintf(f, "%s\"%s\":", comma ? "," : "", key);
    cli_json_string(f, val);
}

static void kv_u64(FILE *f, const char *key, unsigned long long v)
{
    fprintf(f, ",\"%s\":%llu", key, v);
}

void cli_write_item_json(FILE *f, const char *file, const tf_report_item *it)
{
    if (!f)
        return;
    fputc('{', f);
    kv_str(f, "file", file, 0);
    fputc(',', f);
    cli_write_item_fields(f, it);
}

void cli_write_item_fields(FILE *f, const tf_report_item *it)
{
    kv_str(f, "stage", tf_stage_name(it->stage), 0);
    kv_str(f, "rule", it->rule, 1);
    kv_u64(f, "in_offset", (unsigned long long)it->in_offset);
    kv_u64(f, "in_length", (unsigned long long)it->in_length);
    kv_u64(f, "out_offset", (unsigned long long)it->out_offset);
    kv_u64(f, "out_length", (unsigned long long)it->out_length);
    kv_str(f, "before", it->before, 1);
    kv_str(f, "after", it->after, 1);
    kv_str(f, "why", it->explanation, 1);
    fprintf(f, ",\"confidence\":%.3f}\n", it->confidence);
}

void cli_write_summary(FILE *f, const char *file, const tf_report_totals *t, const char *error)
{
    if (!f)
        return;
    fputc('{', f);
    kv_str(f, "file", file, 0);
    fputs(",\"summary\":true", f);
    kv_str(f, "status", error ? "error" : "ok", 1);
    if (error)
        kv_str(f, "error", error, 1);
    kv_str(f, "encoding", t->encoding, 1);
    kv_str(f, "encoding_source", t->encoding_source, 1);
    fprintf(f, ",\"encoding_confidence\":%.3f", t->encoding_confidence);
    kv_u64(f, "bytes_in", (unsigned long long)t->bytes_in);
    kv_u64(f, "bytes_out", (unsigned long long)t->bytes_out);
    kv_u64(f, "changes", (unsigned long long)t->changes);
    kv_u64(f, "invalid_bytes", (unsigned long long)t->invalid_bytes);
    kv_u64(f, "removed_controls", (unsigned long long)t->removed_controls);
    kv_u64(f, "repairs", (unsigned long long)t->repairs);
    kv_u64(f, "converted", (unsigned long long)t->converted);
    fprintf(f, ",\"binary\":%s}\n", t->binary ? "true" : "false");
}

void cli_write_binary_summary(FILE *f, const char *file, unsigned long long bytes_seen)
{
    if (!f)
        return;
    fputc('{', f);
    kv_str(f, "file", file, 0);
    fputs(",\"summary\":true", f);
    kv_str(f, "status", "skipped", 1);
    kv_str(f, "error", "binary file passed through unchanged", 1);
    kv_u64(f, "bytes_seen", bytes_seen);
    fputs(",\"binary\":true}\n", f);
}

/* Prints s with control characters made visible, for a one-line explanation. */
static void visible(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            fprintf(f, "\\x%02X", *p);
        else
            fputc(*p, f);
    }
}

void cli_explain_item(FILE *f, const char *file, const tf_report_item *it)
{
    fprintf(f, "%s:%llu: %s/%s: \"", file, (unsigned long long)it->in_offset,
            tf_stage_name(it->stage), it->rule);
    visible(f, it->before);
    fputs("\" -> \"", f);
    visible(f, it->after);
    fprintf(f, "\" (%s; confidence %.2f)\n", it->explanation ? it->explanation : "",
            it->confidence);
}

void cli_buf_free(cli_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int cli_buf_reserve(cli_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->cap - b->len > extra)
        return 0; /* keeps room for a terminating NUL */
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= extra)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void cli_buf_append(cli_buf *b, const void *p, size_t n)
{
    if (n == 0 || cli_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void cli_buf_putc(cli_buf *b, char c)
{
    cli_buf_append(b, &c, 1);
}

void cli_write_record_item_json(FILE *f, const char *file, unsigned long long record,
                                const char *field, const tf_report_item *it)
{
    if (!f)
        return;
    fputc('{', f);
    kv_str(f, "file", file, 0);
    fprintf(f, ",\"record\":%llu", record);
    kv_str(f, "field", field, 1);
    fputc(',', f);
    cli_write_item_fields(f, it);
}

void cli_kinds_add(cli_kinds *k, const char *name, unsigned long long count)
{
    int i = 0;
    while (i < k->n && strcmp(k->name[i], name))
        i++;
    if (i == k->n) {
        if (k->n == CLI_MAX_KINDS)
            i = k->n - 1; /* the last slot gathers whatever does not fit */
        else
            snprintf(k->name[k->n++], sizeof k->name[0], "%s", name);
    }
    k->count[i] += count;
}

/* glibc loads a converter module on iconv_open() and unloads it when its last descriptor
 * is closed. The library opens and closes a descriptor per candidate encoding for every
 * input, so without this each file (or JSON record) would pay for dlopen()/dlclose() of a
 * dozen modules, and parallel workers would queue on the loader's lock. Descriptors held
 * for the life of the process keep the modules loaded. */
static iconv_t pinned_codecs[64];

void cli_pin_codecs(void)
{
    static const char *const names[] = {
        "GB18030", "BIG5-HKSCS", "BIG5", "CP932", "SHIFT_JIS", "EUC-JP", "CP949", "EUC-KR",
        "WINDOWS-1252", "WINDOWS-1250", "WINDOWS-1251", "WINDOWS-1253", "WINDOWS-1254",
        "WINDOWS-1257", "ISO-8859-1", "ISO-8859-2", "KOI8-R", "UTF-16LE", "UTF-16BE", "GBK",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0] && 2 * i + 1 < 64; i++) {
        pinned_codecs[2 * i] = iconv_open("UTF-8", names[i]);
        pinned_codecs[2 * i + 1] = iconv_open(names[i], "UTF-8");
    }
}
