/* cli_util.h - JSON Lines report and --explain output for the textfix program. */
#ifndef TEXTFIX_CLI_UTIL_H
#define TEXTFIX_CLI_UTIL_H

#include <stddef.h>
#include <stdio.h>

#include "textfix.h"

/* Writes s as a JSON string literal (quotes included). */
void cli_json_string(FILE *f, const char *s);
/* One JSON object per change: {"file":..,"stage":..,"rule":..,...}. f may be NULL. */
void cli_write_item_json(FILE *f, const char *file, const tf_report_item *it);
/* The same for a change inside record (line) number record, field field, of a JSON Lines
 * input. */
void cli_write_record_item_json(FILE *f, const char *file, unsigned long long record,
                                const char *field, const tf_report_item *it);
/* One summary object per input; error is NULL on success. f may be NULL. */
void cli_write_summary(FILE *f, const char *file, const tf_report_totals *t, const char *error);
void cli_write_binary_summary(FILE *f, const char *file, unsigned long long bytes_seen);
/* One readable line per change, for --explain. */
void cli_explain_item(FILE *f, const char *file, const tf_report_item *it);

/* A growable byte buffer; failed is set (and stays set) when memory ran out. */
typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} cli_buf;

void cli_buf_free(cli_buf *b);
int cli_buf_reserve(cli_buf *b, size_t extra);
void cli_buf_append(cli_buf *b, const void *p, size_t n);
void cli_buf_putc(cli_buf *b, char c);

/* Writes an item's fields after the opening brace of a JSON object, then "}\n". */
void cli_write_item_fields(FILE *f, const tf_report_item *it);

/* Keeps iconv's converter modules loaded for the life of the process (see cli_util.c). */
void cli_pin_codecs(void);

#endif
