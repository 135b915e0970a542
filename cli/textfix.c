/* textfix.c - the command-line program. It uses only the public API (include/textfix.h).
 * Reads files or stdin in a stream, writes repaired UTF-8 to stdout or -o FILE, and can write
 * a JSON Lines report and a readable explanation of every change. */
#include "textfix.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"

enum { EXIT_OK = 0, EXIT_CHANGED = 1, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_OUTPUT = 4 };

#define READ_CHUNK (64 * 1024)

static const char USAGE[] =
    "Usage: textfix [OPTIONS] [FILE...]\n"
    "Repairs broken text: decodes bytes of any encoding to UTF-8, undoes mojibake, cleans\n"
    "control characters and normalizes Unicode. Reads FILEs (or stdin when none or '-') and\n"
    "writes the repaired text to stdout.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE     write to FILE instead of stdout\n"
    "      --from ENC        the input encoding (default: detect; e.g. gbk, big5, shift_jis)\n"
    "      --strict          invalid bytes or binary input are errors (exit 3)\n"
    "      --only STAGES     run only these stages (comma-separated): decode, cleanup, repair,\n"
    "                        resync, ruby, punct, normalize, zh (decoding always runs)\n"
    "      --skip STAGES     run every default stage but these\n"
    "      --zh CONFIG       convert Chinese: s2t, t2s, s2tw, tw2s, s2hk, hk2s, s2twp, tw2sp,\n"
    "                        t2tw, t2hk, t2jp, jp2t (OpenCC's configurations)\n"
    "      --normalize FORM  nfc (default), nfkc or none\n"
    "      --newlines MODE   keep (default) or lf\n"
    "      --punct MODE      auto (default), cjk, ascii or keep\n"
    "      --keep-controls   keep control characters and terminal escapes\n"
    "      --report FILE     write a JSON Lines report: one object per change, then one\n"
    "                        summary object per input ('-' for stdout)\n"
    "      --explain         describe every change on stderr\n"
    "      --check           change nothing; exit 1 if anything would change\n"
    "      --detect          print each input's encoding, source and confidence; no output\n"
    "  -q, --quiet           no warnings on stderr\n"
    "  -V, --version         print the version\n"
    "  -h, --help            print this help\n"
    "\n"
    "Exit status: 0 success; 1 --check found something to change; 2 usage error;\n"
    "3 an input could not be read or was refused (missing file, --strict); 4 output failed\n"
    "(disk full, closed pipe). Other inputs are still processed after an input error.\n"
    "\n"
    "Examples:\n"
    "  textfix page.txt > fixed.txt          repair a file of unknown encoding\n"
    "  curl -s URL | textfix > page.txt      repair a stream\n"
    "  textfix --from gbk --strict old.txt   decode GBK, failing on any invalid byte\n"
    "  textfix --zh t2s --explain page.txt   repair and convert to Simplified Chinese\n"
    "  textfix --check *.txt || echo damaged  find files that need repair\n";

typedef struct {
    const char *output;
    const char *from;
    const char *zh;
    const char *report_path;
    int strict, explain, check, detect_only, quiet, keep_controls;
    int stages, norm, newlines, punct;
} options;

typedef struct {
    FILE *out;
    FILE *report;
    int changed;
    int input_error;
    int output_error;
} run_state;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "textfix: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'textfix --help'.\n");
    return EXIT_USAGE;
}

static int parse_stage_list(const char *list, int *mask)
{
    static const struct { const char *name; int bit; } names[] = {
        {"decode", TF_STAGE_DECODE}, {"cleanup", TF_STAGE_CLEANUP}, {"repair", TF_STAGE_REPAIR},
        {"resync", TF_STAGE_RESYNC}, {"ruby", TF_STAGE_RUBY}, {"punct", TF_STAGE_PUNCT},
        {"normalize", TF_STAGE_NORMALIZE}, {"nfc", TF_STAGE_NORMALIZE}, {"zh", TF_STAGE_ZH},
    };
    *mask = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < sizeof names / sizeof names[0] && strcmp(names[i].name, tok))
            i++;
        if (i == sizeof names / sizeof names[0])
            return -1;
        *mask |= names[i].bit;
    }
    return 0;
}

static int pick(const char *arg, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(arg, names[i]))
            return i;
    return -1;
}

/* Parses options; returns -1 to go on, or an exit status. *first receives the first FILE. */
static int parse_args(int argc, char **argv, options *o, int *first)
{
    static const char *const norms[] = {"none", "nfc", "nfkc"};
    static const char *const nls[] = {"keep", "lf"};
    static const char *const puncts[] = {"auto", "cjk", "ascii", "keep"};
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--")) { i++; break; }
        if (a[0] != '-' || !strcmp(a, "-")) break;
#define NEEDS_VALUE() do { if (!v) return usage_error("option %s needs a value", a); i++; } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(USAGE, stdout); return EXIT_OK; }
        else if (!strcmp(a, "-V") || !strcmp(a, "--version")) { printf("textfix %s\n", tf_version_string()); return EXIT_OK; }
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) { NEEDS_VALUE(); o->output = v; }
        else if (!strcmp(a, "--from")) { NEEDS_VALUE(); o->from = v; }
        else if (!strcmp(a, "--zh")) { NEEDS_VALUE(); o->zh = v; }
        else if (!strcmp(a, "--report")) { NEEDS_VALUE(); o->report_path = v; }
        else if (!strcmp(a, "--only") || !strcmp(a, "--skip")) {
            NEEDS_VALUE();
            int m;
            if (parse_stage_list(v, &m)) return usage_error("unknown stage in '%s'", v);
            o->stages = a[2] == 'o' ? (m | TF_STAGE_DECODE) : (TF_STAGES_DEFAULT & ~m);
        }
        else if (!strcmp(a, "--normalize")) { NEEDS_VALUE(); if ((o->norm = pick(v, norms, 3)) < 0) return usage_error("unknown normalization '%s'", v); }
        else if (!strcmp(a, "--nfkc")) o->norm = 2;
        else if (!strcmp(a, "--newlines")) { NEEDS_VALUE(); if ((o->newlines = pick(v, nls, 2)) < 0) return usage_error("unknown newline mode '%s'", v); }
        else if (!strcmp(a, "--punct")) { NEEDS_VALUE(); if ((o->punct = pick(v, puncts, 4)) < 0) return usage_error("unknown punctuation mode '%s'", v); }
        else if (!strcmp(a, "--strict")) o->strict = 1;
        else if (!strcmp(a, "--explain")) o->explain = 1;
        else if (!strcmp(a, "--check")) o->check = 1;
        else if (!strcmp(a, "--detect")) o->detect_only = 1;
        else if (!strcmp(a, "--keep-controls")) o->keep_controls = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->quiet = 1;
        else return usage_error("unknown option '%s'", a);
#undef NEEDS_VALUE
    }
    *first = i;
    return -1;
}

static int configure(tf_ctx *ctx, const options *o)
{
    int rc = tf_ctx_set_option(ctx, TF_OPT_STAGES, o->stages);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_STRICT, o->strict);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_NORMALIZE, o->norm);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_NEWLINES, o->newlines);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_PUNCT, o->punct);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_KEEP_CONTROLS, o->keep_controls);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_REPORT, o->report_path || o->explain);
    if (!rc && o->from && (rc = tf_ctx_set_encoding(ctx, o->from)))
        fprintf(stderr, "textfix: --from %s: %s\n", o->from, tf_strerror(rc));
    if (!rc && o->zh) {
        int keep = o->stages;
        if ((rc = tf_ctx_set_conversion(ctx, o->zh)))
            fprintf(stderr, "textfix: --zh %s: %s\n", o->zh, tf_strerror(rc));
        else if (keep != TF_STAGES_DEFAULT && !(keep & TF_STAGE_ZH))
            rc = tf_ctx_set_option(ctx, TF_OPT_STAGES, keep); /* --only without zh wins */
    }
    return rc;
}

/* Reports and explains the items gathered so far, then drops them to bound memory. */
static void flush_items(tf_ctx *ctx, const options *o, run_state *st, const char *name)
{
    size_t n = tf_report_count(ctx);
    for (size_t i = 0; i < n; i++) {
        const tf_report_item *it = tf_report_item_at(ctx, i);
        if (st->report)
            cli_write_item_json(st->report, name, it);
        if (o->explain)
            cli_explain_item(stderr, name, it);
    }
    tf_report_clear(ctx);
}

/* Returns 0, or 1 when the output failed (the error is kept in st). */
static int write_out(run_state *st, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, st->out) != n) {
        st->output_error = errno ? errno : EIO;
        return 1;
    }
    return 0;
}

/* A binary file is passed through untouched (reported), never mangled. */
static int pass_through(int fd, run_state *st, const char *head, size_t n)
{
    char *buf = malloc(READ_CHUNK);
    int rc = buf ? write_out(st, head, n) : 1;
    ssize_t r;
    while (rc == 0 && buf && (r = read(fd, buf, READ_CHUNK)) > 0)
        rc = write_out(st, buf, (size_t)r);
    free(buf);
    return rc;
}

/* Reads until buf holds want bytes or the input ends. Returns bytes read or -1. */
static ssize_t read_full(int fd, char *buf, size_t want)
{
    size_t got = 0;
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int feed(tf_ctx *ctx, const options *o, run_state *st, const char *name,
                const char *data, size_t n, tf_directive dir, char *obuf)
{
    tf_in_buffer in = {data, n, 0};
    size_t pending = 1;
    do {
        tf_out_buffer ob = {obuf, READ_CHUNK * 4, 0};
        int rc = tf_fix_stream(ctx, &ob, &in, dir, &pending);
        flush_items(ctx, o, st, name);
        if (rc) {
            fprintf(stderr, "textfix: %s: %s (%s)\n", name, tf_strerror(rc), tf_ctx_error_detail(ctx));
            return rc;
        }
        if (!o->check && write_out(st, obuf, ob.pos))
            return 1;
    } while (in.pos < in.size || (dir == TF_END && pending));
    return 0;
}

static int detect_only(tf_ctx *ctx, const char *name, const char *head, size_t n, int complete)
{
    tf_detection d;
    tf_detect(ctx, head, n, complete, &d);
    printf("%s: %s (%s, confidence %.2f)%s\n", name, d.encoding, d.source, d.confidence,
           d.binary ? " binary" : "");
    return 0;
}

/* Processes one input from an open descriptor. Returns 0, 1 when the output failed, or a
 * negative tf_error when this input failed (the others still run). */
static int process_fd(tf_ctx *ctx, const options *o, run_state *st, int fd, const char *name)
{
    char *head = malloc(READ_CHUNK), *obuf = malloc(READ_CHUNK * 4);
    int rc = TF_E_NOMEM;
    ssize_t n = head && obuf ? read_full(fd, head, READ_CHUNK) : -1;
    if (n < 0) {
        fprintf(stderr, "textfix: %s: %s\n", name, head ? strerror(errno) : "out of memory");
        st->input_error = 1;
        goto done;
    }
    int complete = (size_t)n < READ_CHUNK;
    tf_detection d;
    tf_detect(ctx, head, (size_t)n, complete, &d);
    if (o->detect_only) {
        rc = detect_only(ctx, name, head, (size_t)n, complete);
        goto done;
    }
    if (d.binary && !o->strict) {
        if (!o->quiet)
            fprintf(stderr, "textfix: %s: looks like a binary file; passed through unchanged\n", name);
        cli_write_binary_summary(st->report, name, (uint64_t)n);
        rc = o->check ? 0 : pass_through(fd, st, head, (size_t)n);
        goto done;
    }
    rc = feed(ctx, o, st, name, head, (size_t)n, complete ? TF_END : TF_CONTINUE, obuf);
    while (rc == 0 && !complete) {
        n = read_full(fd, head, READ_CHUNK);
        if (n < 0) {
            fprintf(stderr, "textfix: %s: read error: %s\n", name, strerror(errno));
            rc = TF_E_INVALID_INPUT;
            break;
        }
        complete = (size_t)n < READ_CHUNK;
        rc = feed(ctx, o, st, name, head, (size_t)n, complete ? TF_END : TF_CONTINUE, obuf);
    }
    const tf_report_totals *t = tf_report_get_totals(ctx);
    if (rc == 0 && (t->changes || t->converted || strcmp(t->encoding, "UTF-8")))
        st->changed = 1;
    if (rc < 0)
        st->input_error = 1;
    cli_write_summary(st->report, name, t, rc < 0 ? tf_ctx_error_detail(ctx) : NULL);
    tf_ctx_reset(ctx);
done:
    free(head);
    free(obuf);
    return rc;
}

static int process_path(tf_ctx *ctx, const options *o, run_state *st, const char *path)
{
    if (!strcmp(path, "-"))
        return process_fd(ctx, o, st, STDIN_FILENO, "<stdin>");
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "textfix: %s: %s\n", path, strerror(errno));
        st->input_error = 1;
        return 0; /* other files are still processed */
    }
    int rc = process_fd(ctx, o, st, fd, path);
    close(fd);
    return rc;
}

static int open_outputs(const options *o, run_state *st)
{
    st->out = stdout;
    if (o->output && !o->check && strcmp(o->output, "-")) {
        st->out = fopen(o->output, "wb");
        if (!st->out) {
            fprintf(stderr, "textfix: %s: %s\n", o->output, strerror(errno));
            return EXIT_OUTPUT;
        }
    }
    if (o->report_path) {
        st->report = strcmp(o->report_path, "-") ? fopen(o->report_path, "w") : stdout;
        if (!st->report) {
            fprintf(stderr, "textfix: %s: %s\n", o->report_path, strerror(errno));
            return EXIT_OUTPUT;
        }
    }
    return EXIT_OK;
}

static int close_outputs(run_state *st)
{
    int bad = st->output_error != 0;
    if (st->report && st->report != stdout && fclose(st->report))
        bad = 1;
    if (fflush(st->out) || ferror(st->out))
        bad = 1;
    if (st->out != stdout && fclose(st->out))
        bad = 1;
    if (bad) {
        int e = st->output_error ? st->output_error : errno;
        fprintf(stderr, "textfix: write error: %s\n", strerror(e ? e : EIO));
    }
    return bad;
}

int main(int argc, char **argv)
{
    options o = {.stages = TF_STAGES_DEFAULT, .norm = 1};
    int first = 1;
    int rc = parse_args(argc, argv, &o, &first);
    if (rc >= 0)
        return rc;
    signal(SIGPIPE, SIG_IGN); /* a closed pipe becomes a write error we report, not a kill */
    tf_ctx *ctx = tf_ctx_create();
    if (!ctx) {
        fprintf(stderr, "textfix: out of memory\n");
        return EXIT_INPUT;
    }
    if (configure(ctx, &o)) {
        tf_ctx_free(ctx);
        return EXIT_USAGE;
    }
    run_state st = {0};
    rc = open_outputs(&o, &st);
    for (int i = first; rc == EXIT_OK && i <= argc; i++) {
        if (i == argc && first < argc)
            break;
        const char *path = i == argc ? "-" : argv[i];
        if (process_path(ctx, &o, &st, path) == 1)
            break; /* output is gone: stop rather than read on */
    }
    tf_ctx_free(ctx);
    if (rc != EXIT_OK)
        return rc;
    if (close_outputs(&st))
        return EXIT_OUTPUT;
    if (st.input_error)
        return EXIT_INPUT;
    return o.check && st.changed ? EXIT_CHANGED : EXIT_OK;
}
