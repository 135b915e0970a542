/* batch.c - batch mode: `textfix -r DIR -o OUTDIR` mirrors a tree, `--in-place` rewrites it.
 *
 * A run has two phases. The walk (one thread) lists every file in a fixed order (names
 * sorted byte-wise, depth first) and decides each one's destination, repaired name and
 * collisions. Then --jobs workers take files in that order, each with its own context, and
 * the main thread writes the per-file messages and report lines strictly in list order as
 * results come in. Everything a user sees is therefore the same whatever --jobs is; only
 * the speed changes. */
#define _GNU_SOURCE /* syncfs() */
#include "batch.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"

typedef struct {
    batch_entry *v;
    size_t n, cap;
} entry_list;

/* The walk's state. */
typedef struct {
    const options *o;
    tf_ctx *names_ctx; /* repairs file names */
    entry_list list;
    dev_t out_dev;     /* OUTDIR, so a mirror inside its own source is not walked */
    ino_t out_ino;
    int have_out;
    dev_t anc_dev[64]; /* the directories above, against symbolic-link loops */
    ino_t anc_ino[64];
    int depth;
    int failed;        /* a directory could not be read */
} walker;

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p) {
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
    }
    return p;
}

static char *dupf(const char *fmt, const char *a, const char *b)
{
    int n = snprintf(NULL, 0, fmt, a, b);
    char *p = malloc((size_t)n + 1);
    if (p)
        snprintf(p, (size_t)n + 1, fmt, a, b);
    return p;
}

static batch_entry *add_entry(walker *w)
{
    entry_list *l = &w->list;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        batch_entry *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    batch_entry *e = &l->v[l->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static int has_high_byte(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* The repaired form of a file name, or NULL when it needs none. Mojibake is never pure
 * ASCII, so ASCII names skip the library (most names, and the walk stays fast). */
static char *repaired_name(walker *w, const char *name)
{
    if (!has_high_byte(name))
        return NULL;
    char *out;
    size_t n;
    if (tf_fix(w->names_ctx, name, strlen(name), &out, &n))
        return NULL;
    tf_report_clear(w->names_ctx);
    if (n == 0 || strlen(out) != n || strchr(out, '/') || !strcmp(out, name) ||
        !strcmp(out, ".") || !strcmp(out, "..")) {
        tf_free(out);
        return NULL;
    }
    char *copy = strdup(out);
    tf_free(out);
    return copy;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir, without "." and "..". Returns NULL (errno set) on failure. */
static char **list_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **v = realloc(names, cap * sizeof *v);
            if (!v)
                break;
            names = v;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    *count = n;
    return names ? names : calloc(1, sizeof *names);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Whether name is taken in its directory: by a file there, or by an earlier repaired name. */
static int name_taken(char **names, size_t n, char **fixed, size_t upto, const char *name)
{
    if (bsearch(&name, names, n, sizeof *names, cmp_names))
        return 1;
    for (size_t i = 0; i < upto; i++)
        if (fixed[i] && !strcmp(fixed[i], name))
            return 1;
    return 0;
}

/* Decides the repaired names of a directory's entries; a name that would collide keeps its
 * old form. notes[i] says what was found. */
static void plan_names(walker *w, char **names, size_t n, char **fixed, char **notes)
{
    for (size_t i = 0; i < n; i++) {
        fixed[i] = repaired_name(w, names[i]);
        notes[i] = NULL;
        if (!fixed[i])
            continue;
        if (name_taken(names, n, fixed, i, fixed[i])) {
            notes[i] = dupf("name looks like mojibake; its repair '%s' is taken by another "
                            "file, so it keeps its name%s", fixed[i], "");
            free(fixed[i]);
            fixed[i] = NULL;
        } else if (!w->o->fix_names) {
            notes[i] = dupf("name looks like mojibake; --fix-names would rename it to '%s'%s",
                            fixed[i], "");
            free(fixed[i]);
            fixed[i] = NULL;
        } else {
            notes[i] = dupf("name repaired: '%s'%s", fixed[i], "");
        }
    }
}

/* Removes what a killed run left: our hidden temporary files. */
static void remove_stale(const char *dir, char **names, size_t n, int quiet)
{
    size_t plen = strlen(BATCH_TMP_PREFIX);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(names[i], BATCH_TMP_PREFIX, plen))
            continue;
        char *p = join(dir, names[i]);
        if (p && unlink(p) == 0 && !quiet)
            fprintf(stderr, "textfix: %s: removed a temporary file left by an interrupted run\n", p);
        free(p);
    }
}

static void clean_out_dir(const char *dir, int quiet)
{
    size_t n = 0;
    char **names = list_dir(dir, &n);
    if (names)
        remove_stale(dir, names, n, quiet);
    free_names(names, n);
}

static int walk(walker *w, const char *src, const char *dst);

static int is_ancestor(const walker *w, const struct stat *sb)
{
    for (int i = 0; i < w->depth; i++)
        if (w->anc_dev[i] == sb->st_dev && w->anc_ino[i] == sb->st_ino)
            return 1;
    return 0;
}

/* Plans one entry of a directory: a file to process, a directory to walk, or a skip. */
static void plan_one(walker *w, const char *src, const char *dst, const char *fixed,
                     char *note)
{
    struct stat sb;
    int follow = w->o->follow_symlinks;
    if ((follow ? stat(src, &sb) : lstat(src, &sb)) != 0) {
        free(note);
        return; /* vanished since the listing: nothing to do */
    }
    if (S_ISDIR(sb.st_mode)) {
        if (note && !w->o->quiet)
            fprintf(stderr, "textfix: %s: directory %s%s\n", src, note,
                    w->o->in_place && fixed ? " (directories are not renamed in place)" : "");
        free(note);
        if (w->o->in_place)
            dst = src; /* in place, a directory keeps its name */
        if (w->have_out && sb.st_dev == w->out_dev && sb.st_ino == w->out_ino)
            return; /* the mirror we are writing */
        if (is_ancestor(w, &sb) || w->depth >= 64) {
            fprintf(stderr, "textfix: %s: directory loop or too deep; not entered\n", src);
            return;
        }
        w->anc_dev[w->depth] = sb.st_dev;
        w->anc_ino[w->depth++] = sb.st_ino;
        walk(w, src, dst);
        w->depth--;
        return;
    }
    batch_entry *e = add_entry(w);
    if (!e) {
        free(note);
        return;
    }
    e->src = strdup(src);
    e->dst = w->o->check || w->o->detect_only ? NULL : strdup(dst);
    e->size = (unsigned long long)sb.st_size;
    e->note = note;
    if (w->o->in_place && fixed && e->dst) {
        /* In place, dst is the repaired path beside the source: rename there. */
        e->new_name = e->dst;
        e->dst = strdup(src);
    }
    if (S_ISLNK(sb.st_mode) || !S_ISREG(sb.st_mode)) {
        e->skip = 1;
        free(e->note);
        e->note = strdup(S_ISLNK(sb.st_mode) ? "symbolic link; not followed"
                                              : "not a regular file");
    }
}

/* Our own backups (--backup SUFFIX) are originals: a second run must not repair them. */
static int is_backup(const options *o, const char *name)
{
    size_t n = strlen(name), k = o->backup ? strlen(o->backup) : 0;
    return k && n > k && !strcmp(name + n - k, o->backup);
}

/* Plans every entry under the directory src, whose mirror is dst (the same in place). */
static int walk(walker *w, const char *src, const char *dst)
{
    size_t n = 0;
    char **names = list_dir(src, &n);
    if (!names) {
        fprintf(stderr, "textfix: %s: %s\n", src, strerror(errno));
        w->failed = 1;
        return -1;
    }
    remove_stale(src, names, n, w->o->quiet);
    if (!w->o->in_place && strcmp(src, dst))
        clean_out_dir(dst, w->o->quiet);
    char **fixed = calloc(n + 1, sizeof *fixed), **notes = calloc(n + 1, sizeof *notes);
    if (fixed && notes)
        plan_names(w, names, n, fixed, notes);
    for (size_t i = 0; fixed && notes && i < n; i++) {
        if (!strncmp(names[i], BATCH_TMP_PREFIX, strlen(BATCH_TMP_PREFIX)) ||
            is_backup(w->o, names[i]))
            continue;
        char *s = join(src, names[i]);
        char *d = join(dst, fixed[i] ? fixed[i] : names[i]);
        if (s && d)
            plan_one(w, s, d, fixed[i], notes[i]);
        free(s);
        free(d);
        free(fixed[i]);
    }
    free(fixed);
    free(notes);
    free_names(names, n);
    return 0;
}

/* The roots: -r DIR, or the FILE operands of --in-place. */
static int plan(walker *w)
{
    const options *o = w->o;
    struct stat sb;
    if (o->output && !o->in_place && stat(o->output, &sb) == 0) {
        w->have_out = 1;
        w->out_dev = sb.st_dev;
        w->out_ino = sb.st_ino;
    }
    if (o->dir && w->have_out && stat(o->dir, &sb) == 0 && sb.st_dev == w->out_dev &&
        sb.st_ino == w->out_ino) {
        fprintf(stderr, "textfix: -o %s is the tree itself; use --in-place\n", o->output);
        return -1;
    }
    if (o->dir) {
        errno = 0;
        if (stat(o->dir, &sb) || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "textfix: %s: %s\n", o->dir, errno ? strerror(errno) : "not a directory");
            return -1;
        }
        w->anc_dev[0] = sb.st_dev;
        w->anc_ino[0] = sb.st_ino;
        w->depth = 1;
        return walk(w, o->dir, o->in_place || !o->output ? o->dir : o->output);
    }
    for (int i = 0; i < o->n_paths; i++)
        plan_one(w, o->paths[i], o->paths[i], NULL, NULL);
    return 0;
}

/* ---- Running the plan ------------------------------------------------------------------ */

typedef struct {
    const options *o;
    entry_list *list;
    batch_result *results;
    char *done;           /* done[i]: results[i] is ready */
    size_t next;          /* the next file a worker takes */
    pthread_mutex_t lock;
    pthread_cond_t ready; /* a result came in */
    batch_worker *workers;
    int interrupted;
} scheduler;

typedef struct {
    scheduler *s;
    batch_worker *w;
} worker_arg;

static void *worker_main(void *p)
{
    worker_arg *a = p;
    scheduler *s = a->s;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        size_t i = s->next < s->list->n ? s->next++ : (size_t)-1;
        pthread_mutex_unlock(&s->lock);
        if (i == (size_t)-1)
            return NULL;
        batch_process_entry(a->w, &s->list->v[i], &s->results[i]);
        pthread_mutex_lock(&s->lock);
        s->done[i] = 1;
        pthread_cond_signal(&s->ready);
        pthread_mutex_unlock(&s->lock);
    }
}

/* Writes out result i and frees it. */
static void emit(const options *o, FILE *report, batch_result *r)
{
    if (r->message)
        fputs(r->message, stderr);
    if (report && r->json)
        fputs(r->json, report);
    (void)o;
    free(r->message);
    free(r->json);
    r->message = r->json = NULL;
}

/* Waits for results and writes them in list order, drawing the progress bar meanwhile. */
static void collect(scheduler *s, FILE *report, progress *pg)
{
    unsigned long long bytes = 0;
    size_t emitted = 0;
    pthread_mutex_lock(&s->lock);
    while (emitted < s->list->n) {
        while (emitted < s->list->n && !s->done[emitted]) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 100 * 1000 * 1000;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->ready, &s->lock, &until);
            progress_update(pg, emitted, bytes, 0);
        }
        pthread_mutex_unlock(&s->lock);
        while (emitted < s->list->n && s->done[emitted]) {
            emit(s->o, report, &s->results[emitted]);
            bytes += s->list->v[emitted++].size;
        }
        progress_update(pg, emitted, bytes, 0);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    progress_update(pg, emitted, bytes, 1);
}

static int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static int run_plan(const options *o, entry_list *list, FILE *report, batch_totals *total)
{
    int jobs = o->jobs ? o->jobs : default_jobs();
    if (o->detect_only)
        jobs = 1; /* --detect prints on stdout as it goes */
    if ((size_t)jobs > list->n)
        jobs = list->n ? (int)list->n : 1;
    scheduler s = {.o = o, .list = list};
    s.results = calloc(list->n + 1, sizeof *s.results);
    s.done = calloc(list->n + 1, 1);
    s.workers = calloc((size_t)jobs, sizeof *s.workers);
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    worker_arg *args = calloc((size_t)jobs, sizeof *args);
    if (!s.results || !s.done || !s.workers || !threads || !args)
        return -1;
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.ready, NULL);
    batch_signals_install(jobs);
    progress pg;
    unsigned long long bytes = 0;
    for (size_t i = 0; i < list->n; i++)
        bytes += list->v[i].size;
    progress_start(&pg, isatty(STDERR_FILENO) && !o->quiet, list->n, bytes);
    int started = 0;
    for (int i = 0; i < jobs; i++) {
        s.workers[i] = (batch_worker){.o = o, .ctx = cli_make_ctx(o), .slot = i};
        args[i] = (worker_arg){&s, &s.workers[i]};
        if (s.workers[i].ctx && pthread_create(&threads[i], NULL, worker_main, &args[i]) == 0)
            started++;
        else
            break;
    }
    if (started)
        collect(&s, report, &pg);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    progress_end(&pg);
    for (int i = 0; i < jobs; i++) {
        batch_totals_merge(total, &s.workers[i].totals);
        tf_ctx_free(s.workers[i].ctx);
    }
    free(s.results);
    free(s.done);
    free(s.workers);
    free(threads);
    free(args);
    return started ? 0 : -1;
}

static void free_list(entry_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].src);
        free(l->v[i].dst);
        free(l->v[i].new_name);
        free(l->v[i].note);
    }
    free(l->v);
}

/* Makes every rename of the run durable with one flush of the file system, rather than a
 * flush of each directory after each file. */
static void sync_tree(const options *o)
{
    const char *root = o->check || o->detect_only ? NULL : o->output ? o->output : o->dir;
    if (!root && o->n_paths)
        root = o->paths[0];
    int fd = root ? open(root, O_RDONLY) : -1;
    if (fd >= 0) {
        syncfs(fd);
        close(fd);
    }
}

int batch_run(const options *o)
{
    double t0 = progress_now();
    walker w = {.o = o, .names_ctx = cli_make_ctx(o)};
    if (!w.names_ctx)
        return EXIT_USAGE;
    FILE *report = NULL;
    if (o->report_path) {
        report = strcmp(o->report_path, "-") ? fopen(o->report_path, "w") : stdout;
        if (!report) {
            fprintf(stderr, "textfix: %s: %s\n", o->report_path, strerror(errno));
            tf_ctx_free(w.names_ctx);
            return EXIT_OUTPUT;
        }
    }
    batch_totals total;
    memset(&total, 0, sizeof total);
    int rc = plan(&w);
    tf_ctx_free(w.names_ctx);
    if (rc == 0 && run_plan(o, &w.list, report, &total))
        rc = -1;
    sync_tree(o);
    if (report && (fflush(report) || (report != stdout && fclose(report)))) {
        fprintf(stderr, "textfix: %s: %s\n", o->report_path, strerror(errno));
        rc = -2;
    }
    if (!o->quiet && rc != -1)
        batch_print_summary(stderr, &total, o->check, o->in_place, progress_now() - t0);
    free_list(&w.list);
    if (rc == -2)
        return EXIT_OUTPUT;
    if (rc || w.failed || total.files[ST_FAILED])
        return EXIT_INPUT;
    return o->check && total.files[ST_CHANGED] ? EXIT_CHANGED : EXIT_OK;
}
