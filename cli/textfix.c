/* textfix.c - the command-line program: options, and the plain stream mode. It uses only the
 * public API (include/textfix.h). Reads files or stdin in a stream, writes repaired UTF-8 to
 * stdout or -o FILE, and can write a JSON Lines report and a readable explanation of every
 * change. The other modes live beside it: jsonl.c, html.c, and batch.c with progress.c. */
#include "textfix.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_util.h"

#define READ_CHUNK (64 * 1024)

static const char USAGE[] =
    "Usage: textfix [OPTIONS] [FILE...]\n"
    "       textfix -r DIR (-o OUTDIR | --in-place) [OPTIONS]\n"
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
    "                        summary object per input ('-' for stdout); in batch mode one\n"
    "                        object per file\n"
    "      --explain         describe every change on stderr\n"
    "      --check           change nothing; exit 1 if anything would change\n"
    "      --detect          print each input's encoding, source and confidence; no output\n"
    "  -q, --quiet           no warnings, progress or summary on stderr\n"
    "  -V, --version         print the version\n"
    "  -h, --help            print this help\n"
    "\n"
    "Scraper pipelines (output is flushed per line or record when the input is a pipe):\n"
    "      --jsonl           each line is a JSON record: repair its named string fields and\n"
    "                        keep every other byte; a line that is not a JSON object or lacks\n"
    "                        a field passes through unchanged and is counted (--strict: error)\n"
    "      --field NAME      a field to repair in --jsonl mode (repeatable; default: text)\n"
    "      --html            the input is an HTML page: repair text nodes and attribute values,\n"
    "                        keep the markup, drop <rt>/<rp> ruby annotations\n"
    "      --unescape        with --html: turn entities into characters in the repaired text\n"
    "\n"
    "Archives (batch mode):\n"
    "  -r, --recursive DIR   process every file under DIR (symbolic links are not followed)\n"
    "  -o, --output OUTDIR   with -r: write a mirror of the tree to OUTDIR\n"
    "      --in-place        rewrite files atomically (temporary file, fsync, rename), keeping\n"
    "                        mode, owner and modification time; with -r DIR or FILEs\n"
    "      --backup SUFFIX   with --in-place: keep each changed original as NAME+SUFFIX\n"
    "      --fix-names       repair file names that are mojibake (they are always reported)\n"
    "      --follow-symlinks follow symbolic links\n"
    "  -j, --jobs N          files processed in parallel (default: the number of cores); the\n"
    "                        output is identical whatever N\n"
    "  Binary files are skipped (reported). A progress bar is shown when stderr is a terminal,\n"
    "  and a summary table at the end.\n"
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
    "  textfix --check *.txt || echo damaged  find files that need repair\n"
    "  textfix --jsonl --field title --field body < crawl.jsonl > clean.jsonl\n"
    "  textfix --html --unescape page.html > fixed.html\n"
    "  textfix -r dumps/ -o fixed/ --report audit.jsonl\n"
    "  textfix -r dumps/ --in-place --backup .orig\n";

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

static int is(const char *a, const char *s1, const char *s2)
{
    return !strcmp(a, s1) || (s2 && !strcmp(a, s2));
}

/* Options that take no value. Returns 1 when a matched, 0 when it is not one of them. */
static int parse_flag(const char *a, options *o)
{
    int *flag = is(a, "--strict", NULL) ? &o->strict : is(a, "--explain", NULL) ? &o->explain
              : is(a, "--check", NULL) ? &o->check : is(a, "--detect", NULL) ? &o->detect_only
              : is(a, "--keep-controls", NULL) ? &o->keep_controls
              : is(a, "-q", "--quiet") ? &o->quiet : is(a, "--jsonl", NULL) ? &o->jsonl
              : is(a, "--html", NULL) ? &o->html : is(a, "--unescape", NULL) ? &o->unescape
              : is(a, "--in-place", NULL) ? &o->in_place
              : is(a, "--fix-names", NULL) ? &o->fix_names
              : is(a, "--follow-symlinks", NULL) ? &o->follow_symlinks : NULL;
    if (flag)
        *flag = 1;
    else if (is(a, "--nfkc", NULL))
        o->norm = 2;
    return flag || is(a, "--nfkc", NULL);
}

/* Options that take a value v. Returns -1 when a is not one of them, else an exit status
 * (EXIT_OK to go on). */
static int parse_valued(const char *a, const char *v, options *o)
{
    static const char *const norms[] = {"none", "nfc", "nfkc"};
    static const char *const nls[] = {"keep", "lf"};
    static const char *const puncts[] = {"auto", "cjk", "ascii", "keep"};
    const char **slot = is(a, "-o", "--output") ? &o->output : is(a, "--from", NULL) ? &o->from
                      : is(a, "--zh", NULL) ? &o->zh : is(a, "--report", NULL) ? &o->report_path
                      : is(a, "-r", "--recursive") ? &o->dir
                      : is(a, "--backup", NULL) ? &o->backup : NULL;
    if (slot) {
        *slot = v;
    } else if (is(a, "--field", NULL)) {
        if (o->n_fields == CLI_MAX_FIELDS)
            return usage_error("too many --field options (at most %s)", "32");
        o->fields[o->n_fields++] = v;
    } else if (is(a, "-j", "--jobs")) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < 1 || n > 1024)
            return usage_error("--jobs wants a number from 1 to 1024, not '%s'", v);
        o->jobs = (int)n;
    } else if (is(a, "--only", "--skip")) {
        int m;
        if (parse_stage_list(v, &m))
            return usage_error("unknown stage in '%s'", v);
        o->stages = a[2] == 'o' ? (m | TF_STAGE_DECODE) : (TF_STAGES_DEFAULT & ~m);
    } else if (is(a, "--normalize", NULL)) {
        if ((o->norm = pick(v, norms, 3)) < 0) return usage_error("unknown normalization '%s'", v);
    } else if (is(a, "--newlines", NULL)) {
        if ((o->newlines = pick(v, nls, 2)) < 0) return usage_error("unknown newline mode '%s'", v);
    } else if (is(a, "--punct", NULL)) {
        if ((o->punct = pick(v, puncts, 4)) < 0) return usage_error("unknown punctuation mode '%s'", v);
    } else {
        return -1;
    }
    return EXIT_OK;
}

/* Combinations of modes that make no sense are refused before any work is done. */
static int check_modes(options *o)
{
    if (o->jsonl && o->html)
        return usage_error("%s", "--jsonl and --html exclude each other");
    if (o->n_fields && !o->jsonl)
        return usage_error("%s", "--field needs --jsonl");
    if (o->unescape && !o->html)
        return usage_error("%s", "--unescape needs --html");
    if (o->backup && !o->in_place)
        return usage_error("%s", "--backup needs --in-place");
    if (o->dir && o->n_paths)
        return usage_error("%s", "-r DIR takes no FILE operands");
    if (o->in_place && o->output)
        return usage_error("%s", "--in-place and -o exclude each other");
    if (o->dir && !o->output && !o->in_place && !o->check && !o->detect_only)
        return usage_error("%s", "-r DIR needs -o OUTDIR, --in-place or --check");
    if (!o->n_fields)
        o->fields[o->n_fields++] = "text";
    return -1;
}

/* Parses options; returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, options *o)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--")) { i++; break; }
        if (a[0] != '-' || !strcmp(a, "-")) break;
        if (is(a, "-h", "--help")) { fputs(USAGE, stdout); return EXIT_OK; }
        if (is(a, "-V", "--version")) { printf("textfix %s\n", tf_version_string()); return EXIT_OK; }
        if (parse_flag(a, o))
            continue;
        int rc = v ? parse_valued(a, v, o) : -1;
        if (rc > 0)
            return rc;
        if (rc == EXIT_OK) {
            i++;
            continue;
        }
        if (!v && parse_valued(a, "", o) != -1)
            return usage_error("option %s needs a value", a);
        return usage_error("unknown option '%s'", a);
    }
    o->paths = argv + i;
    o->n_paths = argc - i;
    return check_modes(o);
}

static int configure(tf_ctx *ctx, const options *o)
{
    int rc = tf_ctx_set_option(ctx, TF_OPT_STAGES, o->stages);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_STRICT, o->strict);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_NORMALIZE, o->norm);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_NEWLINES, o->newlines);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_PUNCT, o->punct);
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_KEEP_CONTROLS, o->keep_controls);
    /* Batch mode always keeps items: its report and summary count repairs by kind. */
    if (!rc) rc = tf_ctx_set_option(ctx, TF_OPT_REPORT, o->report_path || o->explain || o->dir || o->in_place);
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

tf_ctx *cli_make_ctx(const options *o)
{
    tf_ctx *ctx = tf_ctx_create();
    if (!ctx)
        fprintf(stderr, "textfix: out of memory\n");
    else if (configure(ctx, o)) {
        tf_ctx_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

void cli_flush_items(tf_ctx *ctx, const options *o, run_state *st, const char *where,
                     unsigned long long record, const char *field)
{
    size_t n = tf_report_count(ctx);
    char kind[96];
    for (size_t i = 0; i < n; i++) {
        const tf_report_item *it = tf_report_item_at(ctx, i);
        if (st->kinds) {
            snprintf(kind, sizeof kind, "%s/%s", tf_stage_name(it->stage), it->rule);
            cli_kinds_add(st->kinds, kind, 1);
        }
        if (st->report && record)
            cli_write_record_item_json(st->report, where, record, field, it);
        else if (st->report)
            cli_write_item_json(st->report, where, it);
        if (o->explain && record)
            fprintf(cli_err(st), "%s:%llu: field \"%s\": ", where, record, field ? field : "");
        if (o->explain)
            cli_explain_item(cli_err(st), record ? "" : where, it);
    }
    tf_report_clear(ctx);
}

FILE *cli_err(const run_state *st)
{
    return st->err ? st->err : stderr;
}

int cli_write_out(run_state *st, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, st->out) != n) {
        st->output_error = errno ? errno : EIO;
        return 1;
    }
    return 0;
}

static ssize_t read_full(int fd, char *buf, size_t want);

/* A binary file is passed through untouched (reported), never mangled. */
static int pass_through(int fd, run_state *st, const char *head, size_t n)
{
    char *buf = malloc(READ_CHUNK);
    int rc = buf ? cli_write_out(st, head, n) : 1;
    ssize_t r = 0;
    while (rc == 0 && buf && (r = read_full(fd, buf, READ_CHUNK)) > 0)
        rc = cli_write_out(st, buf, (size_t)r);
    if (rc == 0 && buf && r < 0) {
        fprintf(stderr, "textfix: read error: %s\n", strerror(errno));
        st->input_error = 1;
    }
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

/* From a pipe, takes what is there: waiting for a full chunk would hold lines back. */
static ssize_t read_some(int fd, char *buf, size_t want)
{
    ssize_t r;
    while ((r = read(fd, buf, want)) < 0 && errno == EINTR)
        ;
    return r;
}

static int feed(tf_ctx *ctx, const options *o, run_state *st, const char *name,
                const char *data, size_t n, tf_directive dir, char *obuf)
{
    tf_in_buffer in = {data, n, 0};
    size_t pending = 1;
    do {
        tf_out_buffer ob = {obuf, READ_CHUNK * 4, 0};
        int rc = tf_fix_stream(ctx, &ob, &in, dir, &pending);
        cli_flush_items(ctx, o, st, name, 0, NULL);
        if (rc) {
            fprintf(cli_err(st), "textfix: %s: %s (%s)\n", name, tf_strerror(rc), tf_ctx_error_detail(ctx));
            return rc;
        }
        if (!o->check && cli_write_out(st, obuf, ob.pos))
            return 1;
    } while (in.pos < in.size || (dir == TF_END && pending));
    if (dir == TF_FLUSH && fflush(st->out)) {
        st->output_error = errno ? errno : EIO;
        return 1;
    }
    return 0;
}

/* From a pipe, a chunk that ends a line is flushed through, so a consumer reading line by
 * line never waits on our buffers. Cutting at a line end leaves the output unchanged: the
 * library cuts its segments there anyway. */
static tf_directive directive_for(const run_state *st, const char *data, size_t n, int eof)
{
    if (eof)
        return TF_END;
    return st->flush_lines && n && data[n - 1] == '\n' ? TF_FLUSH : TF_CONTINUE;
}

static void keep_totals(tf_ctx *ctx, run_state *st)
{
    const tf_report_totals *t = tf_report_get_totals(ctx);
    st->totals = *t;
    snprintf(st->encoding, sizeof st->encoding, "%s", t->encoding ? t->encoding : "");
    snprintf(st->encoding_source, sizeof st->encoding_source, "%s",
             t->encoding_source ? t->encoding_source : "");
    st->totals.encoding = st->encoding;
    st->totals.encoding_source = st->encoding_source;
}

/* Streams the rest of the input after its first chunk (head, n bytes). */
static int stream_rest(tf_ctx *ctx, const options *o, run_state *st, int fd, const char *name,
                       char *head, ssize_t n, char *obuf)
{
    int eof = (size_t)n < READ_CHUNK;
    int rc = feed(ctx, o, st, name, head, (size_t)n, directive_for(st, head, (size_t)n, eof), obuf);
    while (rc == 0 && !eof) {
        n = st->flush_lines ? read_some(fd, head, READ_CHUNK) : read_full(fd, head, READ_CHUNK);
        if (n < 0) {
            fprintf(cli_err(st), "textfix: %s: read error: %s\n", name, strerror(errno));
            return TF_E_INVALID_INPUT;
        }
        eof = st->flush_lines ? n == 0 : (size_t)n < READ_CHUNK;
        rc = feed(ctx, o, st, name, head, (size_t)n, directive_for(st, head, (size_t)n, eof), obuf);
    }
    return rc;
}

static int detect_only(tf_ctx *ctx, const char *name, const char *head, size_t n, int complete)
{
    tf_detection d;
    tf_detect(ctx, head, n, complete, &d);
    printf("%s: %s (%s, confidence %.2f)%s\n", name, d.encoding, d.source, d.confidence,
           d.binary ? " binary" : "");
    return 0;
}

/* Processes one plain-text input from an open descriptor. Returns 0, 1 when the output
 * failed, or a negative tf_error when this input failed (the others still run). */
static int process_plain(tf_ctx *ctx, const options *o, run_state *st, int fd, const char *name)
{
    char *head = malloc(READ_CHUNK), *obuf = malloc(READ_CHUNK * 4);
    int rc = TF_E_NOMEM;
    ssize_t n = head && obuf ? read_full(fd, head, READ_CHUNK) : -1;
    st->binary = 0;
    if (n < 0) {
        fprintf(cli_err(st), "textfix: %s: %s\n", name, head ? strerror(errno) : "out of memory");
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
        if (!o->quiet && !st->kinds)
            fprintf(cli_err(st), "textfix: %s: looks like a binary file; passed through unchanged\n", name);
        cli_write_binary_summary(st->report, name, (uint64_t)n);
        st->binary = 1;
        rc = o->check ? 0 : pass_through(fd, st, head, (size_t)n);
        goto done;
    }
    rc = stream_rest(ctx, o, st, fd, name, head, n, obuf);
    const tf_report_totals *t = tf_report_get_totals(ctx);
    if (rc == 0 && (t->changes || t->converted || strcmp(t->encoding, "UTF-8")))
        st->changed = 1;
    keep_totals(ctx, st);
    cli_write_summary(st->report, name, t, rc < 0 ? tf_ctx_error_detail(ctx) : NULL);
    tf_ctx_reset(ctx);
done:
    free(head);
    free(obuf);
    return rc;
}

int cli_process_fd(tf_ctx *ctx, const options *o, run_state *st, int fd, const char *name)
{
    int rc;
    if (o->html) {
        rc = html_process(ctx, o, st, fd, name);
    } else if (o->jsonl) {
        int fd2 = dup(fd); /* fclose() must not close the caller's descriptor */
        FILE *in = fd2 >= 0 ? fdopen(fd2, "rb") : NULL;
        if (!in) {
            fprintf(cli_err(st), "textfix: %s: %s\n", name, strerror(errno));
            if (fd2 >= 0)
                close(fd2);
            return TF_E_NOMEM;
        }
        rc = jsonl_process(ctx, o, st, in, name);
        fclose(in);
    } else {
        rc = process_plain(ctx, o, st, fd, name);
    }
    if (rc < 0)
        st->input_error = 1;
    return rc;
}

/* Pipes, sockets and terminals deliver records as they come: those inputs are flushed
 * through line by line. */
static int is_stream(int fd)
{
    struct stat sb;
    return fstat(fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) || S_ISCHR(sb.st_mode));
}

static int process_path(tf_ctx *ctx, const options *o, run_state *st, const char *path)
{
    int is_stdin = !strcmp(path, "-");
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "textfix: %s: %s\n", path, strerror(errno));
        st->input_error = 1;
        return 0; /* other files are still processed */
    }
    st->flush_lines = is_stream(fd);
    int rc = cli_process_fd(ctx, o, st, fd, is_stdin ? "<stdin>" : path);
    if (!is_stdin)
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

/* Stream mode: FILEs (or stdin) to stdout or -o FILE. */
static int stream_run(const options *o)
{
    tf_ctx *ctx = cli_make_ctx(o);
    if (!ctx)
        return EXIT_USAGE;
    run_state st = {0};
    int rc = open_outputs(o, &st);
    for (int i = 0; rc == EXIT_OK && i < (o->n_paths ? o->n_paths : 1); i++) {
        const char *path = o->n_paths ? o->paths[i] : "-";
        if (process_path(ctx, o, &st, path) == 1)
            break; /* output is gone: stop rather than read on */
    }
    tf_ctx_free(ctx);
    if (rc != EXIT_OK)
        return rc;
    if (close_outputs(&st))
        return EXIT_OUTPUT;
    if (st.input_error)
        return EXIT_INPUT;
    return o->check && st.changed ? EXIT_CHANGED : EXIT_OK;
}

int main(int argc, char **argv)
{
    options o = {.stages = TF_STAGES_DEFAULT, .norm = 1};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    signal(SIGPIPE, SIG_IGN); /* a closed pipe becomes a write error we report, not a kill */
#ifdef __GLIBC__
    /* The library and the modes allocate buffers of a few hundred KB per input. By default
     * glibc maps and unmaps them (or grows and trims the heap) for every file or JSON
     * record: two system calls and fresh zeroed pages each time, and in a threaded batch
     * run the workers queue on the kernel's memory-map lock. Keeping them in the heap
     * makes a record cost what its text costs. */
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
#endif
    cli_pin_codecs();
    if (o.dir || o.in_place)
        return batch_run(&o);
    return stream_run(&o);
}
