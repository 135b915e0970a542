/* progress.c - the progress bar of batch mode and its end-of-run summary table. Both go to
 * stderr: stdout may be a pipe the user reads, and the report has its own file. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(progress *p, int enabled, unsigned long long files, unsigned long long bytes)
{
    p->enabled = enabled;
    p->files_total = files;
    p->bytes_total = bytes;
    p->started = progress_now();
    p->last_drawn = 0;
}

/* 1536 -> "1.5 KB": short enough to keep the bar on one line. */
static void human(char *buf, size_t n, double v)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void progress_update(progress *p, unsigned long long files_done, unsigned long long bytes_done,
                     int force)
{
    double now = progress_now();
    if (!p->enabled || (!force && now - p->last_drawn < 0.1))
        return;
    p->last_drawn = now;
    double elapsed = now - p->started;
    double rate = elapsed > 0 ? (double)bytes_done / elapsed : 0;
    double left = rate > 0 ? (double)(p->bytes_total - bytes_done) / rate : 0;
    char done[32], total[32], per_s[32];
    human(done, sizeof done, (double)bytes_done);
    human(total, sizeof total, (double)p->bytes_total);
    human(per_s, sizeof per_s, rate);
    int width = 24;
    int filled = p->bytes_total ? (int)((double)bytes_done * width / (double)p->bytes_total)
                                : (p->files_total ? (int)(files_done * (unsigned long long)width / p->files_total) : width);
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = 0;
    fprintf(stderr, "\r[%s] %llu/%llu files  %s/%s  %s/s  ETA %d:%02d  ", bar, files_done,
            p->files_total, done, total, per_s, (int)left / 60, (int)left % 60);
    fflush(stderr);
}

void progress_end(progress *p)
{
    if (p->enabled)
        fputs("\r\033[K", stderr);
}

void batch_encodings_add(batch_encodings *e, const char *name, unsigned long long count)
{
    int i = 0;
    while (i < e->n && strcmp(e->name[i], name))
        i++;
    if (i == e->n) {
        if (e->n == BATCH_MAX_ENCODINGS)
            i = e->n - 1; /* the last row gathers whatever does not fit */
        else
            snprintf(e->name[e->n++], sizeof e->name[0], "%s", name);
    }
    e->count[i] += count;
}

void batch_totals_merge(batch_totals *into, const batch_totals *from)
{
    for (int i = 0; i < ST_COUNT; i++)
        into->files[i] += from->files[i];
    into->bytes_in += from->bytes_in;
    into->bytes_out += from->bytes_out;
    for (int i = 0; i < from->kinds.n; i++)
        cli_kinds_add(&into->kinds, from->kinds.name[i], from->kinds.count[i]);
    for (int i = 0; i < from->encodings.n; i++)
        batch_encodings_add(&into->encodings, from->encodings.name[i], from->encodings.count[i]);
}

/* Rows sorted by name, so the table does not depend on which worker saw a kind first. */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_rows(FILE *f, const char *title, const char *names, size_t stride,
                       const unsigned long long *counts, int n)
{
    const char *order[CLI_MAX_KINDS + BATCH_MAX_ENCODINGS];
    for (int i = 0; i < n; i++)
        order[i] = names + (size_t)i * stride;
    qsort(order, (size_t)n, sizeof order[0], by_name);
    fprintf(f, "  %s:%s\n", title, n ? "" : " none");
    for (int i = 0; i < n; i++)
        fprintf(f, "    %-36s %10llu\n", order[i], counts[(size_t)(order[i] - names) / stride]);
}

void batch_print_summary(FILE *f, const batch_totals *t, int check, int in_place, double seconds)
{
    unsigned long long seen = 0;
    for (int i = 0; i < ST_COUNT; i++)
        seen += t->files[i];
    fprintf(f, "textfix: summary (%.1f s)\n", seconds);
    fprintf(f, "    %-36s %10llu\n", "files seen", seen);
    fprintf(f, "    %-36s %10llu\n", check ? "would change" : "changed", t->files[ST_CHANGED]);
    fprintf(f, "    %-36s %10llu\n", "unchanged", t->files[ST_UNCHANGED]);
    fprintf(f, "    %-36s %10llu\n", "skipped (binary, links, special)", t->files[ST_SKIPPED]);
    fprintf(f, "    %-36s %10llu\n", "failed", t->files[ST_FAILED]);
    fprintf(f, "    %-36s %10llu\n", "bytes in", t->bytes_in);
    fprintf(f, "    %-36s %10llu\n", "bytes out", t->bytes_out);
    print_rows(f, "repairs by kind", t->kinds.name[0], sizeof t->kinds.name[0], t->kinds.count,
               t->kinds.n);
    print_rows(f, "detected encodings", t->encodings.name[0], sizeof t->encodings.name[0],
               t->encodings.count, t->encodings.n);
    if (t->files[ST_CHANGED] == 0 && t->files[ST_FAILED] == 0)
        fprintf(f, "textfix: nothing to change: every text file is already clean%s\n",
                in_place || check ? "; no file was written" : "");
}
