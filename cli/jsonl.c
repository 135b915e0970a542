/* jsonl.c - JSON Lines mode: each input line is a JSON record whose named string fields are
 * repaired, every other byte of the record staying as it was.
 *
 * Why a tokenizer of our own rather than jansson, json-c or yajl: the output must keep every
 * byte outside the repaired strings, so we need the byte span of each string value. The DOM
 * libraries (jansson, json-c) only give a parsed tree; writing it back changes whitespace,
 * number spelling (1.0e5), escapes and key order of duplicate keys. yajl's callbacks give
 * values but no offsets. So this file holds a small validating RFC 8259 tokenizer that only
 * records where the top-level members are; values are checked, never built.
 *
 * One deliberate leniency: raw bytes that are not UTF-8 inside a string are accepted, because
 * repairing them (legacy bytes pasted into a record by a scraper) is the point. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"

#define MAX_DEPTH 512

typedef struct {
    size_t key_start, key_end; /* the key's bytes, quotes included */
    size_t val_start, val_end; /* the value's bytes, quotes included for a string */
    int val_is_string;
} member;

typedef struct {
    const char *s;
    size_t len, pos;
    const char *err; /* why the record is not valid JSON */
    member *members; /* top-level members of an object record */
    size_t n_members, cap_members;
    int is_object;
} jparser;

typedef struct {
    unsigned long long records, changed, invalid, missing, first_invalid;
} jstats;

static int fail(jparser *p, const char *why)
{
    p->err = why;
    return -1;
}

static void skip_ws(jparser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
        if (d > 15)
            return -1;
        *v = *v * 16 + d;
    }
    return 0;
}

static int scan_string(jparser *p)
{
    p->pos++; /* the opening quote */
    while (p->pos < p->len) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            return 0;
        }
        if (c < 0x20)
            return fail(p, "control character in a string");
        if (c == '\\') {
            if (p->pos + 1 >= p->len)
                return fail(p, "unterminated string");
            char e = p->s[p->pos + 1];
            unsigned v;
            if (e == 'u' && (p->pos + 6 > p->len || hex4(p->s + p->pos + 2, &v)))
                return fail(p, "bad \\u escape");
            if (!strchr("\"\\/bfnrtu", e))
                return fail(p, "bad escape");
            p->pos += e == 'u' ? 6 : 2;
            continue;
        }
        p->pos++;
    }
    return fail(p, "unterminated string");
}

static int scan_digits(jparser *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    return p->pos > start ? 0 : fail(p, "bad number");
}

static int scan_number(jparser *p)
{
    if (p->s[p->pos] == '-')
        p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '0')
        p->pos++;
    else if (scan_digits(p))
        return -1;
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (scan_digits(p))
            return -1;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (scan_digits(p))
            return -1;
    }
    return 0;
}

static int scan_literal(jparser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
        return fail(p, "unexpected character");
    p->pos += n;
    return 0;
}

static int scan_value(jparser *p, int depth);

static int add_member(jparser *p, size_t ks, size_t ke, size_t vs)
{
    if (p->n_members == p->cap_members) {
        size_t cap = p->cap_members ? p->cap_members * 2 : 16;
        member *m = realloc(p->members, cap * sizeof *m);
        if (!m)
            return fail(p, "out of memory");
        p->members = m;
        p->cap_members = cap;
    }
    member *m = &p->members[p->n_members++];
    *m = (member){ks, ke, vs, p->pos, p->s[vs] == '"'};
    return 0;
}

static int scan_object(jparser *p, int depth)
{
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != '"')
            return fail(p, "expected a key");
        size_t ks = p->pos;
        if (scan_string(p))
            return -1;
        size_t ke = p->pos;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':')
            return fail(p, "expected ':'");
        p->pos++;
        skip_ws(p);
        size_t vs = p->pos;
        if (scan_value(p, depth + 1))
            return -1;
        if (depth == 0 && add_member(p, ks, ke, vs))
            return -1;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            return 0;
        }
        return fail(p, "expected ',' or '}'");
    }
}

static int scan_array(jparser *p, int depth)
{
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        skip_ws(p);
        if (scan_value(p, depth + 1))
            return -1;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            return 0;
        }
        return fail(p, "expected ',' or ']'");
    }
}

static int scan_value(jparser *p, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(p, "nested too deeply");
    if (p->pos >= p->len)
        return fail(p, "unexpected end of record");
    switch (p->s[p->pos]) {
    case '{': return scan_object(p, depth);
    case '[': return scan_array(p, depth);
    case '"': return scan_string(p);
    case 't': return scan_literal(p, "true");
    case 'f': return scan_literal(p, "false");
    case 'n': return scan_literal(p, "null");
    default:
        if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
            return scan_number(p);
        return fail(p, "unexpected character");
    }
}

/* Validates one record; on success p->members lists the top-level members. */
static int parse_record(jparser *p, const char *s, size_t len)
{
    p->s = s;
    p->len = len;
    p->pos = 0;
    p->err = NULL;
    p->n_members = 0;
    skip_ws(p);
    p->is_object = p->pos < len && s[p->pos] == '{';
    if (scan_value(p, 0))
        return -1;
    skip_ws(p);
    return p->pos == len ? 0 : fail(p, "text after the record");
}

static void put_utf8(cli_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    cli_buf_append(b, u, n);
}

/* Decodes the string literal s[0..n) (quotes included, already validated) into b. A lone
 * surrogate becomes its 3-byte (invalid UTF-8) form, which the library then reports. */
static void unescape(const char *s, size_t n, cli_buf *b)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    b->len = 0;
    cli_buf_reserve(b, n);
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] != '\\') {
            size_t j = i;
            while (j + 1 < n && s[j] != '\\')
                j++;
            cli_buf_append(b, s + i, j - i);
            i = j - 1;
            continue;
        }
        char e = s[++i];
        if (e != 'u') {
            cli_buf_putc(b, to[strchr(from, e) - from]);
            continue;
        }
        unsigned cp, lo;
        hex4(s + i + 1, &cp);
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < n && s[i + 1] == '\\' && s[i + 2] == 'u' &&
            !hex4(s + i + 3, &lo) && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        }
        put_utf8(b, cp);
    }
}

/* How the original string was written, so a changed one is written the same way: records
 * from Python's json.dumps() escape everything beyond ASCII as \uXXXX. */
typedef struct {
    int ascii_only; /* no raw byte >= 0x80, and at least one \u escape beyond ASCII */
    int upper_hex;
} escape_style;

static escape_style style_of(const char *s, size_t n)
{
    escape_style st = {0, 0};
    int raw_high = 0, u_high = 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80)
            raw_high = 1;
        else if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'u') {
            unsigned v;
            if (!hex4(s + i + 2, &v) && v >= 0x80)
                u_high = 1;
            for (int k = 2; k < 6; k++)
                if (s[i + k] >= 'A' && s[i + k] <= 'F')
                    st.upper_hex = 1;
            i += 5;
        } else if (s[i] == '\\') {
            i++;
        }
    }
    st.ascii_only = u_high && !raw_high;
    return st;
}

static void put_u_escape(cli_buf *b, unsigned v, int upper)
{
    char e[8];
    snprintf(e, sizeof e, upper ? "\\u%04X" : "\\u%04x", v);
    cli_buf_append(b, e, 6);
}

/* Decodes one UTF-8 sequence of the library's (valid) output; returns its length. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
    if (len > n)
        len = n;
    *cp = len == 1 ? s[0] : (unsigned)s[0] & (0x7Fu >> len);
    for (size_t k = 1; k < len; k++)
        *cp = *cp << 6 | (s[k] & 0x3Fu);
    return len;
}

/* Writes text as a JSON string literal with the fewest escapes the style allows. */
static void escape(const char *text, size_t n, escape_style st, cli_buf *b)
{
    const unsigned char *s = (const unsigned char *)text;
    cli_buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b"
                        : c == '\f' ? "\\f" : NULL;
        if (e) {
            cli_buf_append(b, e, 2);
            i++;
        } else if (c < 0x20) {
            put_u_escape(b, c, st.upper_hex);
            i++;
        } else if (c < 0x80 || !st.ascii_only) {
            cli_buf_putc(b, (char)c);
            i++;
        } else {
            unsigned cp;
            i += utf8_next(s + i, n - i, &cp);
            if (cp >= 0x10000) {
                put_u_escape(b, 0xD800 + ((cp - 0x10000) >> 10), st.upper_hex);
                cp = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            }
            put_u_escape(b, cp, st.upper_hex);
        }
    }
    cli_buf_putc(b, '"');
}

typedef struct {
    tf_ctx *ctx;
    const options *o;
    run_state *st;
    const char *name;
    unsigned long long line;
    jparser p;
    cli_buf key, text, lit;
    jstats stats;
} jsonl_job;

static int key_matches(jsonl_job *j, const char *rec, const member *m, const char *field)
{
    const char *k = rec + m->key_start + 1;
    size_t kn = m->key_end - m->key_start - 2;
    if (!memchr(k, '\\', kn))
        return strlen(field) == kn && !memcmp(k, field, kn);
    unescape(rec + m->key_start, m->key_end - m->key_start, &j->key);
    return !j->key.failed && strlen(field) == j->key.len && !memcmp(j->key.data, field, j->key.len);
}

/* Repairs one string value; *lit receives the new literal. Returns 1 when it changed, 0
 * when not, or a negative tf_error. */
static int fix_value(jsonl_job *j, const char *rec, const member *m, const char *field)
{
    const char *v = rec + m->val_start;
    size_t vn = m->val_end - m->val_start;
    unescape(v, vn, &j->text);
    if (j->text.failed)
        return TF_E_NOMEM;
    char *out;
    size_t on;
    int rc = tf_fix(j->ctx, j->text.data ? j->text.data : "", j->text.len, &out, &on);
    cli_flush_items(j->ctx, j->o, j->st, j->name, j->line, field);
    if (rc) {
        fprintf(cli_err(j->st), "textfix: %s:%llu: field \"%s\": %s (%s)\n", j->name, j->line, field,
                tf_strerror(rc), tf_ctx_error_detail(j->ctx));
        return rc;
    }
    int changed = on != j->text.len || memcmp(out, j->text.data, on);
    if (changed) {
        j->lit.len = 0;
        escape(out, on, style_of(v, vn), &j->lit);
    }
    tf_free(out);
    return j->lit.failed ? TF_E_NOMEM : changed;
}

enum { REC_UNCHANGED, REC_CHANGED, REC_MISSING, REC_OUTPUT_FAILED };

/* Writes rec with its named fields repaired. Returns a REC_ value (REC_MISSING only with
 * --strict, when nothing was written) or a negative tf_error. */
static int emit_record(jsonl_job *j, const char *rec, size_t len)
{
    size_t copied = 0;
    int changed = 0, found_all = 1;
    for (int f = 0; f < j->o->n_fields; f++) {
        int found = 0;
        for (size_t i = 0; i < j->p.n_members; i++) {
            const member *m = &j->p.members[i];
            if (!key_matches(j, rec, m, j->o->fields[f]))
                continue;
            found = m->val_is_string;
        }
        found_all &= found;
    }
    if (!found_all && j->o->strict)
        return REC_MISSING;
    for (size_t i = 0; i < j->p.n_members; i++) {
        const member *m = &j->p.members[i];
        const char *field = NULL;
        for (int f = 0; f < j->o->n_fields && !field; f++)
            if (m->val_is_string && key_matches(j, rec, m, j->o->fields[f]))
                field = j->o->fields[f];
        if (!field)
            continue;
        int rc = fix_value(j, rec, m, field);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue; /* unchanged: the original bytes stay, escapes and all */
        changed = 1;
        if (!j->o->check && (cli_write_out(j->st, rec + copied, m->val_start - copied) ||
                             cli_write_out(j->st, j->lit.data, j->lit.len)))
            return REC_OUTPUT_FAILED;
        copied = m->val_end;
    }
    if (!found_all)
        j->stats.missing++;
    if (!j->o->check && cli_write_out(j->st, rec + copied, len - copied))
        return REC_OUTPUT_FAILED;
    return changed ? REC_CHANGED : REC_UNCHANGED;
}

static int refuse(jsonl_job *j, const char *why, size_t at)
{
    fprintf(cli_err(j->st), "textfix: %s:%llu: %s at byte %zu (--strict)\n", j->name, j->line, why, at);
    return TF_E_INVALID_INPUT;
}

static void note_invalid(jsonl_job *j)
{
    if (!j->stats.invalid++)
        j->stats.first_invalid = j->line;
}

/* Handles one line (its newline included). Returns 0, 1 (output failed) or a tf_error. */
static int do_line(jsonl_job *j, const char *rec, size_t len)
{
    size_t body = len;
    while (body && (rec[body - 1] == '\n' || rec[body - 1] == '\r'))
        body--;
    j->stats.records++;
    int rc = 0;
    if (body == 0 || parse_record(&j->p, rec, body) || !j->p.is_object) {
        if (body && j->o->strict)
            return refuse(j, j->p.err ? j->p.err : "not a JSON object", j->p.pos);
        if (body)
            note_invalid(j);
        j->p.n_members = 0;
        rc = j->o->check ? 0 : cli_write_out(j->st, rec, len);
        return rc ? 1 : 0;
    }
    rc = emit_record(j, rec, len);
    if (rc == REC_MISSING)
        return refuse(j, "a named field is missing or not a string", 0);
    if (rc == REC_OUTPUT_FAILED)
        return 1; /* cli_write_out() kept the error */
    if (rc < 0)
        return rc;
    if (rc == REC_CHANGED) {
        j->stats.changed++;
        j->st->changed = 1;
    }
    return 0;
}

static void write_jsonl_summary(const jsonl_job *j)
{
    FILE *f = j->st->report;
    const jstats *s = &j->stats;
    if (f) {
        fputs("{\"file\":", f);
        cli_json_string(f, j->name);
        fprintf(f, ",\"summary\":true,\"mode\":\"jsonl\",\"records\":%llu,\"changed\":%llu,"
                   "\"not_json\":%llu,\"missing_field\":%llu,\"first_not_json_line\":%llu}\n",
                s->records, s->changed, s->invalid, s->missing, s->first_invalid);
    }
    if (j->o->quiet || (!s->invalid && !s->missing))
        return;
    FILE *e = cli_err(j->st);
    fprintf(e, "textfix: %s: %llu records, %llu changed", j->name, s->records, s->changed);
    if (s->invalid)
        fprintf(e, "; %llu not JSON objects passed through unchanged (first at line %llu)",
                s->invalid, s->first_invalid);
    if (s->missing)
        fprintf(e, "; %llu lacking a named string field", s->missing);
    fputc('\n', e);
}

int jsonl_process(tf_ctx *ctx, const options *o, run_state *st, FILE *in, const char *name)
{
    jsonl_job j = {.ctx = ctx, .o = o, .st = st, .name = name};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, in)) > 0) {
        j.line++;
        rc = do_line(&j, line, (size_t)n);
        if (rc == 0 && st->flush_lines && fflush(st->out)) {
            st->output_error = errno ? errno : EIO;
            rc = 1;
        }
    }
    if (rc == 0 && ferror(in)) {
        fprintf(cli_err(st), "textfix: %s: read error\n", name);
        rc = TF_E_INVALID_INPUT;
    }
    write_jsonl_summary(&j);
    free(line);
    free(j.p.members);
    cli_buf_free(&j.key);
    cli_buf_free(&j.text);
    cli_buf_free(&j.lit);
    return rc;
}
