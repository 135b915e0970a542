/* cli.h - what the parts of the textfix program share: the parsed options, the exit
 * statuses, and the entry point of each mode (plain stream, JSON Lines, HTML, batch). */
#ifndef TEXTFIX_CLI_H
#define TEXTFIX_CLI_H

#include <stdio.h>

#include "textfix.h"

enum { EXIT_OK = 0, EXIT_CHANGED = 1, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_OUTPUT = 4 };

#define CLI_MAX_FIELDS 32

typedef struct {
    const char *output;
    const char *from;
    const char *zh;
    const char *report_path;
    int strict, explain, check, detect_only, quiet, keep_controls;
    int stages, norm, newlines, punct;
    /* JSON Lines and HTML modes */
    int jsonl, html, unescape;
    const char *fields[CLI_MAX_FIELDS];
    int n_fields;
    /* batch mode */
    const char *dir;    /* -r DIR */
    const char *backup; /* --backup SUFFIX */
    int in_place, fix_names, follow_symlinks, jobs;
    char *const *paths; /* the FILE operands */
    int n_paths;
} options;

/* Counts of report items by kind ("stage/rule"), for the batch summary and report. */
#define CLI_MAX_KINDS 48
typedef struct {
    char name[CLI_MAX_KINDS][48];
    unsigned long long count[CLI_MAX_KINDS];
    int n;
} cli_kinds;

void cli_kinds_add(cli_kinds *k, const char *name, unsigned long long count);

/* The state of a run over stdin or a list of files (not batch mode). */
typedef struct {
    FILE *out;
    FILE *report;
    int changed;
    int input_error;
    int output_error;
    int flush_lines; /* the input is a pipe: flush the output after every line or record */
    FILE *err;        /* where this input's messages go; NULL: stderr (batch mode keeps them
                         per file, so they come out in file order whatever --jobs is) */
    cli_kinds *kinds; /* when set, report items are counted here by kind */
    /* what the last input was, kept after its context is reset (batch mode reads it) */
    tf_report_totals totals;
    char encoding[64];
    char encoding_source[16];
    int binary;
} run_state;

/* Creates a context configured from the options; prints why and returns NULL on failure. */
tf_ctx *cli_make_ctx(const options *o);

/* Where messages about the current input go. */
FILE *cli_err(const run_state *st);

/* Writes n bytes to st->out; returns 0, or 1 when the output failed (kept in st). */
int cli_write_out(run_state *st, const void *p, size_t n);

/* Reports and explains the items gathered so far, then drops them. where is the input's
 * name, record is a 1-based record (line) number or 0, field a JSON field name or NULL. */
void cli_flush_items(tf_ctx *ctx, const options *o, run_state *st, const char *where,
                     unsigned long long record, const char *field);

/* Processes one input in the mode the options choose (plain, JSON Lines or HTML). Returns
 * 0, 1 when the output failed, or a negative tf_error when this input failed. */
int cli_process_fd(tf_ctx *ctx, const options *o, run_state *st, int fd, const char *name);

/* JSON Lines mode over one open stream. Returns 0, 1 when the output failed, or a negative
 * tf_error when this input failed (or was refused with --strict). */
int jsonl_process(tf_ctx *ctx, const options *o, run_state *st, FILE *in, const char *name);

/* HTML mode over one open descriptor; same return values as jsonl_process(). */
int html_process(tf_ctx *ctx, const options *o, run_state *st, int fd, const char *name);

/* Batch mode (-r DIR): returns the exit status. */
int batch_run(const options *o);

#endif
