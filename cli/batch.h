/* batch.h - what batch mode (batch.c, names.c) shares with its progress and summary
 * (progress.c). */
#ifndef TEXTFIX_BATCH_H
#define TEXTFIX_BATCH_H

#include <stdio.h>

#include "cli.h"

enum { ST_CHANGED, ST_UNCHANGED, ST_SKIPPED, ST_FAILED, ST_COUNT };

/* Encodings seen, by name, with a count each. */
#define BATCH_MAX_ENCODINGS 32
typedef struct {
    char name[BATCH_MAX_ENCODINGS][32];
    unsigned long long count[BATCH_MAX_ENCODINGS];
    int n;
} batch_encodings;

/* What a worker (or the whole run) counted; sums, so the order files finish in does not
 * matter and the summary is the same whatever --jobs is. */
typedef struct {
    unsigned long long files[ST_COUNT];
    unsigned long long bytes_in, bytes_out;
    cli_kinds kinds;
    batch_encodings encodings;
} batch_totals;

void batch_totals_merge(batch_totals *into, const batch_totals *from);
void batch_encodings_add(batch_encodings *e, const char *name, unsigned long long count);

/* One file of the run, as planned by the walk (batch.c) before any work starts. */
typedef struct {
    char *src;      /* the path read */
    char *dst;      /* the path written: a mirror path, or src itself in place; NULL: none */
    char *new_name; /* in place with --fix-names: the repaired path, else NULL */
    char *note;     /* why it is skipped, or a remark (mojibake name), or NULL */
    unsigned long long size;
    int skip;       /* skipped at planning (symbolic link, special file) */
} batch_entry;

/* What processing one file produced; the main thread writes these out in file order. */
typedef struct {
    int status;
    char *json;    /* the report object, one line */
    char *message; /* for stderr, or NULL */
} batch_result;

typedef struct {
    const options *o;
    tf_ctx *ctx;
    int slot; /* which temporary-file slot this worker owns (see batch_file.c) */
    batch_totals totals;
} batch_worker;

/* Processes one file and fills r (batch_file.c). */
void batch_process_entry(batch_worker *w, const batch_entry *e, batch_result *r);
/* Makes SIGINT, SIGTERM and SIGHUP remove the temporary files in progress before the
 * program dies, for workers 0..n-1. */
int batch_signals_install(int n);
/* Creates the directories of path (not its last component), like mkdir -p. */
int batch_mkdirs(const char *path);
/* The prefix of our temporary files; a run removes those a killed run left behind. */
#define BATCH_TMP_PREFIX ".textfix-tmp."

/* The progress bar: shown only when enabled (stderr is a terminal and not --quiet). */
typedef struct {
    int enabled;
    unsigned long long files_total, bytes_total;
    double started;
    double last_drawn;
} progress;

double progress_now(void);
void progress_start(progress *p, int enabled, unsigned long long files, unsigned long long bytes);
/* Redraws at most ten times a second (force: now). */
void progress_update(progress *p, unsigned long long files_done, unsigned long long bytes_done,
                     int force);
/* Clears the bar so the summary starts on a clean line. */
void progress_end(progress *p);

/* The end-of-run table on f. */
void batch_print_summary(FILE *f, const batch_totals *t, int check, int in_place,
                         double seconds);

#endif
