/* batch_file.c - one file of a batch run, written safely: the repaired text goes to a
 * temporary file in the destination's own directory, which is flushed to disk (fsync, in
 * place), given the original's mode, owner and times, and only then renamed over the
 * destination. rename() is atomic within a directory, so a reader (or a crash, or SIGKILL)
 * sees either the old file or the new one, never a partial one. A killed run can leave a
 * hidden temporary file; the next run removes it (batch.c). The directory entries are made
 * durable once, at the end of the run (batch.c). */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"

/* The temporary file each worker is writing, so a signal handler can remove it. Only the
 * handler and the owning worker touch a slot; live is set after the path is complete. */
#define MAX_SLOTS 1024
static struct {
    char path[PATH_MAX];
    volatile sig_atomic_t live;
} tmp_slots[MAX_SLOTS];
static int n_slots;

static void on_signal(int sig)
{
    for (int i = 0; i < n_slots; i++)
        if (tmp_slots[i].live)
            unlink(tmp_slots[i].path); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

int batch_signals_install(int n)
{
    n_slots = n < MAX_SLOTS ? n : MAX_SLOTS;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
           sigaction(SIGHUP, &sa, NULL);
}

int batch_mkdirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

/* The state of one file while it is processed. */
typedef struct {
    batch_worker *w;
    const batch_entry *e;
    batch_result *r;
    int fd;             /* the source */
    struct stat before; /* the source when opened */
    int tmp_fd;
    FILE *tmp;
    char *tmp_path;     /* the slot's path, or NULL when there is no temporary file */
    FILE *msg;          /* messages for this file, printed in order by the main thread */
    char *msg_text;
    size_t msg_len;
    cli_kinds kinds;
    run_state st;
    const char *error;
    char error_buf[256];
} file_job;

static void set_error(file_job *j, const char *what, int err)
{
    snprintf(j->error_buf, sizeof j->error_buf, "%s%s%s", what, err ? ": " : "",
             err ? strerror(err) : "");
    j->error = j->error_buf;
}

static void dir_of(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, n, ".");
    else if (slash == path)
        snprintf(dir, n, "/");
    else
        snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

static int open_tmp(file_job *j)
{
    const char *dst = j->e->dst;
    char dir[PATH_MAX - 32];
    dir_of(dst, dir, sizeof dir);
    if (batch_mkdirs(dst)) {
        set_error(j, "cannot create the output directory", errno);
        return -1;
    }
    int slot = j->w->slot < MAX_SLOTS ? j->w->slot : -1;
    static _Thread_local char spare[PATH_MAX]; /* workers beyond the slots: no signal cleanup */
    char *path = slot >= 0 ? tmp_slots[slot].path : spare;
    int n = snprintf(path, PATH_MAX, "%s/%sXXXXXX", dir, BATCH_TMP_PREFIX);
    j->tmp_fd = n > 0 && n < PATH_MAX ? mkstemp(path) : -1;
    if (j->tmp_fd < 0) {
        set_error(j, "cannot create a temporary file beside it", errno);
        return -1;
    }
    if (slot >= 0)
        tmp_slots[slot].live = 1;
    j->tmp_path = path;
    j->tmp = fdopen(j->tmp_fd, "wb");
    if (!j->tmp) {
        set_error(j, "cannot open the temporary file", errno);
        return -1;
    }
    return 0;
}

static void drop_tmp(file_job *j)
{
    if (!j->tmp_path)
        return;
    if (j->tmp)
        fclose(j->tmp);
    else if (j->tmp_fd >= 0)
        close(j->tmp_fd);
    j->tmp = NULL;
    unlink(j->tmp_path);
    if (j->w->slot < MAX_SLOTS)
        tmp_slots[j->w->slot].live = 0;
    j->tmp_path = NULL;
}

/* Durable and dressed like the original: contents on disk, then mode, owner and times. An
 * owner we may not give (not root) is left as ours; that is not an error. */
static int finish_tmp(file_job *j)
{
    int fd = fileno(j->tmp);
    if (fflush(j->tmp) || ferror(j->tmp)) {
        set_error(j, "cannot write the output", errno ? errno : EIO);
        return -1;
    }
    /* In place, the file must be on disk before the rename replaces the original, or a
     * crash could leave an empty file where the original was. A mirror replaces nothing of
     * the user's; it is flushed once at the end of the run (syncfs), which is much faster
     * than a flush per file. */
    if (j->w->o->in_place && fsync(fd)) {
        set_error(j, "cannot flush the output to disk", errno);
        return -1;
    }
    if (fchown(fd, j->before.st_uid, j->before.st_gid) && errno != EPERM) {
        set_error(j, "cannot set the owner", errno);
        return -1;
    }
    struct timespec times[2] = {j->before.st_atim, j->before.st_mtim};
    if (fchmod(fd, j->before.st_mode & 07777) || futimens(fd, times)) {
        set_error(j, "cannot set the mode or times", errno);
        return -1;
    }
    return 0;
}

/* Whether the temporary file holds exactly the source's bytes. */
static int same_as_source(file_job *j)
{
    struct stat ts;
    if (fstat(fileno(j->tmp), &ts) || ts.st_size != j->before.st_size)
        return 0;
    int a = open(j->e->src, O_RDONLY), b = open(j->tmp_path, O_RDONLY);
    int same = a >= 0 && b >= 0;
    char x[65536], y[65536];
    ssize_t n;
    while (same && (n = read(a, x, sizeof x)) > 0)
        same = read(b, y, (size_t)n) == n && !memcmp(x, y, (size_t)n);
    if (a >= 0)
        close(a);
    if (b >= 0)
        close(b);
    return same;
}

/* The source must be the file we read: not changed or removed meanwhile. Returns -1 when
 * it is, else the status to give the file. */
static int source_check(file_job *j)
{
    struct stat now, path_now;
    if (lstat(j->e->src, &path_now) && errno == ENOENT) {
        set_error(j, "the file vanished during the run; nothing written", 0);
        return ST_SKIPPED;
    }
    if (fstat(j->fd, &now) || now.st_size != j->before.st_size ||
        now.st_mtim.tv_sec != j->before.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != j->before.st_mtim.tv_nsec || path_now.st_ino != j->before.st_ino) {
        set_error(j, "the file changed during the run; left as it was", 0);
        return ST_FAILED;
    }
    return -1;
}

static int keep_backup(file_job *j)
{
    char bak[PATH_MAX];
    if (snprintf(bak, sizeof bak, "%s%s", j->e->src, j->w->o->backup) >= (int)sizeof bak) {
        set_error(j, "backup name too long", 0);
        return -1;
    }
    /* A hard link is instant and atomic; an existing backup is the older original (from an
     * interrupted run) and is kept. */
    if (link(j->e->src, bak) && errno != EEXIST) {
        set_error(j, "cannot make the backup", errno);
        return -1;
    }
    return 0;
}

/* Puts the temporary file in place. Returns the status. */
static int commit(file_job *j, int changed)
{
    const options *o = j->w->o;
    if (o->in_place && !changed && !j->e->new_name) {
        drop_tmp(j);
        return ST_UNCHANGED;
    }
    int gone = o->in_place ? source_check(j) : -1;
    if (gone >= 0)
        return gone;
    if (finish_tmp(j))
        return ST_FAILED;
    if (o->in_place && changed && o->backup && keep_backup(j))
        return ST_FAILED;
    const char *target = j->e->new_name ? j->e->new_name : j->e->dst;
    if (rename(j->tmp_path, target)) {
        set_error(j, "cannot rename the temporary file into place", errno);
        return ST_FAILED;
    }
    fclose(j->tmp);
    j->tmp = NULL;
    if (j->w->slot < MAX_SLOTS)
        tmp_slots[j->w->slot].live = 0;
    j->tmp_path = NULL;
    if (j->e->new_name && o->in_place && unlink(j->e->src))
        set_error(j, "repaired copy written, but the old name could not be removed", errno);
    return changed || (o->in_place && j->e->new_name) ? ST_CHANGED : ST_UNCHANGED;
}

static int open_source(file_job *j)
{
    int flags = O_RDONLY | (j->w->o->follow_symlinks ? 0 : O_NOFOLLOW);
    j->fd = open(j->e->src, flags);
    if (j->fd < 0 && errno == ENOENT) {
        set_error(j, "the file vanished before it was read", 0);
        return ST_SKIPPED;
    }
    if (j->fd < 0 || fstat(j->fd, &j->before)) {
        set_error(j, "cannot open", errno);
        return ST_FAILED;
    }
    if (!S_ISREG(j->before.st_mode)) {
        set_error(j, "not a regular file", 0);
        return ST_SKIPPED;
    }
    if (j->w->o->in_place && !(j->before.st_mode & S_IWUSR)) {
        set_error(j, "read-only file; left as it is", 0);
        return ST_SKIPPED;
    }
    return -1;
}

/* Runs the repair; returns the status. */
static int run(file_job *j)
{
    const options *o = j->w->o;
    int status = open_source(j);
    if (status >= 0)
        return status;
    if (!o->check && !o->detect_only && open_tmp(j))
        return ST_FAILED;
    j->st.out = j->tmp;
    int rc = cli_process_fd(j->w->ctx, o, &j->st, j->fd, j->e->src);
    if (rc == 1) {
        set_error(j, "cannot write the output", j->st.output_error);
        return ST_FAILED;
    }
    if (rc < 0) {
        set_error(j, tf_strerror(rc), 0);
        return ST_FAILED;
    }
    if (j->st.binary) {
        set_error(j, "binary file; not repaired", 0);
        if (o->in_place)
            drop_tmp(j);
        return j->tmp_path ? (commit(j, 0) == ST_FAILED ? ST_FAILED : ST_SKIPPED) : ST_SKIPPED;
    }
    if (!j->tmp_path)
        return j->st.changed ? ST_CHANGED : ST_UNCHANGED;
    struct stat ts;
    if (fflush(j->tmp) || fstat(fileno(j->tmp), &ts)) {
        set_error(j, "cannot write the output", errno);
        return ST_FAILED;
    }
    if (!j->st.totals.bytes_out) /* the JSON Lines and HTML modes keep no stream totals */
        j->st.totals.bytes_out = (uint64_t)ts.st_size;
    return commit(j, !same_as_source(j));
}

static const char *const STATUS_NAMES[] = {"changed", "unchanged", "skipped", "failed"};

static void write_report(file_job *j, int status, FILE *f)
{
    const tf_report_totals *t = &j->st.totals;
    fputs("{\"path\":", f);
    cli_json_string(f, j->e->src);
    fputs(",\"output\":", f);
    if (j->e->dst || j->e->new_name)
        cli_json_string(f, j->e->new_name ? j->e->new_name : j->e->dst);
    else
        fputs("null", f);
    fprintf(f, ",\"status\":\"%s\",\"encoding\":", STATUS_NAMES[status]);
    cli_json_string(f, t->encoding);
    fputs(",\"encoding_source\":", f);
    cli_json_string(f, t->encoding_source);
    fprintf(f, ",\"confidence\":%.3f,\"repairs\":{", t->encoding_confidence);
    for (int i = 0; i < j->kinds.n; i++) {
        fputs(i ? "," : "", f);
        cli_json_string(f, j->kinds.name[i]);
        fprintf(f, ":%llu", j->kinds.count[i]);
    }
    fprintf(f, "},\"bytes_in\":%llu,\"bytes_out\":%llu,\"binary\":%s,\"error\":",
            (unsigned long long)(t->bytes_in ? t->bytes_in : (uint64_t)j->before.st_size),
            (unsigned long long)t->bytes_out, j->st.binary ? "true" : "false");
    if (j->error)
        cli_json_string(f, j->error);
    else
        fputs("null", f);
    if (j->e->note) {
        fputs(",\"note\":", f);
        cli_json_string(f, j->e->note);
    }
    fputs("}\n", f);
}

static void account(file_job *j, int status)
{
    batch_totals *t = &j->w->totals;
    t->files[status]++;
    t->bytes_in += j->st.totals.bytes_in;
    t->bytes_out += j->st.totals.bytes_out;
    for (int i = 0; i < j->kinds.n; i++)
        cli_kinds_add(&t->kinds, j->kinds.name[i], j->kinds.count[i]);
    if (j->st.encoding[0] && status != ST_SKIPPED)
        batch_encodings_add(&t->encodings, j->st.encoding, 1);
}

void batch_process_entry(batch_worker *w, const batch_entry *e, batch_result *r)
{
    file_job j = {.w = w, .e = e, .r = r, .fd = -1, .tmp_fd = -1};
    j.msg = open_memstream(&j.msg_text, &j.msg_len);
    j.st.err = j.msg;
    j.st.kinds = &j.kinds;
    int status;
    if (e->skip) {
        status = ST_SKIPPED;
        j.error = e->note;
    } else {
        status = run(&j);
        drop_tmp(&j);
    }
    if (j.fd >= 0)
        close(j.fd);
    if (j.msg && j.error && (status == ST_FAILED || !w->o->quiet))
        fprintf(j.msg, "textfix: %s: %s\n", e->src, j.error);
    if (j.msg && e->note && !e->skip && !w->o->quiet)
        fprintf(j.msg, "textfix: %s: %s\n", e->src, e->note);
    account(&j, status);
    char *json = NULL;
    size_t json_len = 0;
    FILE *f = open_memstream(&json, &json_len);
    if (f) {
        write_report(&j, status, f);
        fclose(f);
    }
    if (j.msg)
        fclose(j.msg);
    r->status = status;
    r->json = json;
    r->message = j.msg_text && j.msg_len ? j.msg_text : NULL;
    if (!r->message)
        free(j.msg_text);
}
