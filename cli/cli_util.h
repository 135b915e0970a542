/* cli_util.h - JSON Lines report and --explain output for the textfix program. */
#ifndef TEXTFIX_CLI_UTIL_H
#define TEXTFIX_CLI_UTIL_H

#include <stdio.h>

#include "textfix.h"

/* Writes s as a JSON string literal (quotes included). */
void cli_json_string(FILE *f, const char *s);
/* One JSON object per change: {"file":..,"stage":..,"rule":..,...}. f may be NULL. */
void cli_write_item_json(FILE *f, const char *file, const tf_report_item *it);
/* One summary object per input; error is NULL on success. f may be NULL. */
void cli_write_summary(FILE *f, const char *file, const tf_report_totals *t, const char *error);
void cli_write_binary_summary(FILE *f, const char *file, unsigned long long bytes_seen);
/* One readable line per change, for --explain. */
void cli_explain_item(FILE *f, const char *file, const tf_report_item *it);

#endif
