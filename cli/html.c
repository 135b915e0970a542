/* html.c - HTML mode: a page is read whole, its encoding taken from the page (BOM, then the
 * <meta> declaration, then detection: tf_detect() does exactly that), and only its text
 * nodes and attribute values are repaired. Markup is copied byte for byte, with two
 * deliberate exceptions: <rt>/<rp> ruby annotations are dropped (their base text stays),
 * and a <meta> charset declaration is rewritten to utf-8, because the output is UTF-8 and a
 * page that declares otherwise would be misread. Markup bytes beyond ASCII (in comments,
 * scripts, tag names) are only transcoded, never repaired.
 *
 * The scanner works on the raw bytes. That is safe for every ASCII-compatible encoding we
 * detect (GBK, Big5, Shift_JIS, EUC-*): their trail bytes are all >= 0x40, so they can never
 * be '<', '>', '&', '=', quotes or spaces. UTF-16 pages are repaired as plain text. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli_util.h"

#define MAX_PAGE (512u * 1024 * 1024)

typedef struct {
    tf_ctx *ctx;        /* repairs text, the page's encoding forced */
    tf_ctx *markup_ctx; /* transcodes markup beyond ASCII; made on first use */
    const options *o;
    run_state *st;
    const char *name;
    const char *enc;    /* the page's encoding */
    const char *s;      /* the page */
    size_t len, pos;
    cli_buf tmp, esc, dec;
    int predecode;      /* --unescape on a legacy page: text goes to UTF-8 before entities */
    unsigned long long nodes, changed_nodes, changed_attrs, ruby_dropped;
    int failed;         /* a tf_error, or 1 when the output failed */
} page;

static int out(page *p, const char *s, size_t n)
{
    if (p->failed || p->o->check)
        return p->failed;
    if (cli_write_out(p->st, s, n))
        p->failed = 1;
    return p->failed;
}

static int ascii_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/* Converts s from the page's encoding to UTF-8 and nothing else, into b. */
static int transcode(page *p, const char *s, size_t n, cli_buf *b)
{
    if (!p->markup_ctx) {
        p->markup_ctx = tf_ctx_create();
        if (!p->markup_ctx || tf_ctx_set_option(p->markup_ctx, TF_OPT_STAGES, TF_STAGE_DECODE) ||
            tf_ctx_set_option(p->markup_ctx, TF_OPT_NORMALIZE, TF_NORM_NONE) ||
            tf_ctx_set_option(p->markup_ctx, TF_OPT_KEEP_CONTROLS, 1) ||
            tf_ctx_set_encoding(p->markup_ctx, p->enc))
            return p->failed = TF_E_NOMEM;
    }
    char *o;
    size_t on;
    int rc = tf_fix(p->markup_ctx, s, n, &o, &on);
    b->len = 0;
    if (rc == 0)
        cli_buf_append(b, o, on);
    tf_free(o);
    return rc || b->failed;
}

/* Markup: copied as it is, or only transcoded when it holds bytes beyond ASCII. */
static void markup(page *p, const char *s, size_t n)
{
    if (ascii_only(s, n) || !strcmp(p->enc, "UTF-8")) {
        out(p, s, n);
        return;
    }
    if (transcode(p, s, n, &p->tmp))
        out(p, s, n);
    else
        out(p, p->tmp.data ? p->tmp.data : "", p->tmp.len);
}

/* ---- Entities (--unescape) ------------------------------------------------------------- */

static const struct { const char *name; unsigned cp; } ENTITIES[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0},
    {"copy", 0xA9}, {"reg", 0xAE}, {"middot", 0xB7}, {"times", 0xD7}, {"hellip", 0x2026},
    {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bull", 0x2022}, {"yen", 0xA5},
};

static void put_cp(cli_buf *b, unsigned cp)
{
    char u[4];
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    for (size_t i = n - 1; i > 0; i--, cp >>= 6)
        u[i] = (char)(0x80 | (cp & 0x3F));
    u[0] = (char)(lead[n] | cp);
    cli_buf_append(b, u, n);
}

/* The length of the entity at s (1 if it is not one we know) and its character in *cp. */
static size_t entity_at(const char *s, size_t n, unsigned *cp)
{
    size_t i = 1;
    if (n > 2 && s[1] == '#') {
        int hex = s[2] == 'x' || s[2] == 'X';
        unsigned long v = 0;
        for (i = hex ? 3 : 2; i < n && i < 12 && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i])); i++)
            v = v * (hex ? 16 : 10) + (unsigned long)(isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
        if (i == (hex ? 3u : 2u) || v == 0 || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
            return 1;
        *cp = (unsigned)v;
        return i < n && s[i] == ';' ? i + 1 : i;
    }
    for (size_t k = 0; k < sizeof ENTITIES / sizeof ENTITIES[0]; k++) {
        size_t len = strlen(ENTITIES[k].name);
        if (len + 2 <= n && !memcmp(s + 1, ENTITIES[k].name, len) && s[len + 1] == ';') {
            *cp = ENTITIES[k].cp;
            return len + 2;
        }
    }
    return 1;
}

static void unescape(const char *s, size_t n, cli_buf *b)
{
    b->len = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t k = s[i] == '&' ? entity_at(s + i, n - i, &cp) : 1;
        if (k > 1)
            put_cp(b, cp);
        else
            cli_buf_putc(b, s[i]);
        i += k;
    }
}

/* The reference a character needs in its place: where (0: a text node; '"' or '\'': a value
 * in those quotes; ' ': an unquoted value). NULL when it can stay as it is. */
static const char *reference_for(char c, char where)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return where && where != '\'' ? "&quot;" : NULL;
    case '\'': return where && where != '"' ? "&#39;" : NULL;
    }
    if (where != ' ')
        return NULL;
    return c == ' ' ? "&#32;" : c == '\t' ? "&#9;" : c == '\n' ? "&#10;" : c == '=' ? "&#61;"
         : c == '`' ? "&#96;" : NULL;
}

/* Whether s starts with a named reference we do not know (&name;): --unescape left it as
 * it was, so its '&' must not become &amp; (browsers show unknown ones as written). */
static int unknown_reference(const char *s, size_t n)
{
    unsigned cp;
    size_t i = 1;
    while (i < n && i < 40 && isalnum((unsigned char)s[i]))
        i++;
    return i > 1 && i < n && s[i] == ';' && isalpha((unsigned char)s[1]) && entity_at(s, n, &cp) == 1;
}

/* After --unescape, the characters that would read as markup go back to references. */
static void escape(const char *s, size_t n, char where, cli_buf *b)
{
    b->len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = s[i] == '&' && unknown_reference(s + i, n - i) ? NULL
                      : reference_for(s[i], where);
        if (e)
            cli_buf_append(b, e, strlen(e));
        else
            cli_buf_putc(b, s[i]);
    }
}

/* ---- Text ------------------------------------------------------------------------------ */

/* Plain ASCII without controls needs no repair; most whitespace between tags is that. */
static int inert(const page *p, const char *s, size_t n)
{
    if (p->o->newlines != TF_NEWLINES_KEEP)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x7F || (c < 0x20 && c != '\n' && c != '\t' && c != '\r'))
            return 0;
    }
    return !p->o->unescape || !memchr(s, '&', n);
}

/* Repairs a text node or attribute value (quote: its quote character, 0 for text, ' ' for
 * an unquoted value). Returns 1 when it changed. */
static int text(page *p, const char *s, size_t n, char quote)
{
    if (n == 0 || inert(p, s, n)) {
        out(p, s, n);
        return 0;
    }
    const char *in = s;
    size_t in_n = n;
    if (p->predecode) {
        /* A reference stands for a Unicode character; it can only join text that is
         * already Unicode, so the node is decoded first. */
        if (transcode(p, s, n, &p->dec))
            return out(p, s, n), 0;
        unescape(p->dec.data ? p->dec.data : "", p->dec.len, &p->tmp);
        in = p->tmp.data ? p->tmp.data : "";
        in_n = p->tmp.len;
    } else if (p->o->unescape) {
        unescape(s, n, &p->tmp);
        in = p->tmp.data ? p->tmp.data : "";
        in_n = p->tmp.len;
    }
    char *o;
    size_t on;
    int rc = tf_fix(p->ctx, in, in_n, &o, &on);
    cli_flush_items(p->ctx, p->o, p->st, p->name, 0, NULL);
    if (rc) {
        fprintf(cli_err(p->st), "textfix: %s: byte %zu: %s (%s)\n", p->name, (size_t)(s - p->s),
                tf_strerror(rc), tf_ctx_error_detail(p->ctx));
        p->failed = rc;
        return 0;
    }
    if (p->o->unescape)
        escape(o, on, quote, &p->esc);
    const char *r = p->o->unescape ? (p->esc.data ? p->esc.data : "") : o;
    size_t rn = p->o->unescape ? p->esc.len : on;
    int changed = rn != n || memcmp(r, s, n);
    out(p, changed ? r : s, changed ? rn : n);
    tf_free(o);
    return changed;
}

/* ---- Tags ------------------------------------------------------------------------------ */

static int name_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && !strncasecmp(s, name, n);
}

static size_t tag_name_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == ':' || (unsigned char)s[i] >= 0x80))
        i++;
    return i;
}

static size_t find_ci(const char *s, size_t n, size_t from, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = from; i + k <= n; i++)
        if (!strncasecmp(s + i, needle, k))
            return i;
    return n;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* A charset value that is not utf-8: the output is UTF-8, so the declaration must say so. */
static int wrong_charset(const char *v, size_t n)
{
    return !name_is(v, n, "utf-8") && !name_is(v, n, "utf8");
}

/* Writes the value of attribute attr (v[0..n), quoted with q or unquoted when q is 0). */
static void attr_value(page *p, const char *tag, size_t tag_n, const char *attr, size_t attr_n,
                       const char *v, size_t n, char q, int http_equiv)
{
    int meta = name_is(tag, tag_n, "meta");
    if (meta && name_is(attr, attr_n, "charset") && wrong_charset(v, n)) {
        out(p, "utf-8", 5);
        return;
    }
    size_t cs = meta && http_equiv && name_is(attr, attr_n, "content") ? find_ci(v, n, 0, "charset=") : n;
    if (cs < n) {
        size_t a = cs + 8, b = a;
        while (b < n && !is_space(v[b]) && v[b] != ';')
            b++;
        if (wrong_charset(v + a, b - a)) {
            out(p, v, a);
            out(p, "utf-8", 5);
            out(p, v + b, n - b);
            return;
        }
    }
    if (text(p, v, n, q ? q : ' '))
        p->changed_attrs++;
}

/* Copies the start tag at p->pos (just past '<' and its name) through '>', repairing the
 * attribute values; everything between them is markup. */
static void start_tag_rest(page *p, const char *tag, size_t tag_n)
{
    const char *s = p->s;
    size_t n = p->len, i = p->pos, copied = i;
    const char *gt = memchr(s + i, '>', n - i);
    size_t end = gt ? (size_t)(gt - s) : n;
    int http_equiv = find_ci(s, end, i, "http-equiv") < end;
    while (i < n && s[i] != '>' && !p->failed) {
        if (is_space(s[i]) || s[i] == '/') {
            i++;
            continue;
        }
        size_t an = i;
        while (i < n && !is_space(s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/')
            i++;
        size_t ae = i, j = i;
        while (j < n && is_space(s[j]))
            j++;
        if (j >= n || s[j] != '=')
            continue; /* an attribute without a value */
        j++;
        while (j < n && is_space(s[j]))
            j++;
        char q = j < n && (s[j] == '"' || s[j] == '\'') ? s[j] : 0;
        size_t vs = q ? j + 1 : j, ve = vs;
        while (ve < n && (q ? s[ve] != q : !is_space(s[ve]) && s[ve] != '>'))
            ve++;
        markup(p, s + copied, vs - copied);
        attr_value(p, tag, tag_n, s + an, ae - an, s + vs, ve - vs, q, http_equiv);
        i = copied = ve; /* the closing quote goes out with the markup after it */
        if (q && i < n)
            i++;
    }
    if (i < n)
        i++;
    markup(p, s + copied, i - copied);
    p->pos = i;
}

/* Skips an <rt> or <rp> element: its end tag is optional, so it also ends at the next
 * ruby part or at </ruby>. */
static void drop_ruby_annotation(page *p)
{
    const char *s = p->s;
    size_t i = p->pos;
    while (i < p->len) {
        size_t lt = i;
        while (lt < p->len && s[lt] != '<')
            lt++;
        if (lt >= p->len) {
            i = p->len;
            break;
        }
        const char *t = s + lt + 1 + (s[lt + 1] == '/');
        size_t tn = tag_name_len(t, p->len - (size_t)(t - s));
        int closing = s[lt + 1] == '/';
        if (closing && (name_is(t, tn, "rt") || name_is(t, tn, "rp"))) {
            const char *gt = memchr(t, '>', p->len - (size_t)(t - s));
            i = gt ? (size_t)(gt - s) + 1 : p->len;
            break;
        }
        if ((closing && name_is(t, tn, "ruby")) ||
            (!closing && (name_is(t, tn, "rt") || name_is(t, tn, "rp") || name_is(t, tn, "rb") ||
                          name_is(t, tn, "rtc")))) {
            i = lt;
            break;
        }
        i = lt + 1;
    }
    p->pos = i;
    p->ruby_dropped++;
}

/* Raw text (script, style) is code, not prose: copied up to its end tag. */
static void raw_text(page *p, const char *tag, size_t tag_n, int rcdata)
{
    char end[16];
    snprintf(end, sizeof end, "</%.*s", (int)(tag_n < 10 ? tag_n : 10), tag);
    size_t e = find_ci(p->s, p->len, p->pos, end);
    if (rcdata) {
        if (text(p, p->s + p->pos, e - p->pos, 0))
            p->changed_nodes++;
    } else {
        markup(p, p->s + p->pos, e - p->pos);
    }
    p->pos = e;
}

/* Handles the construct starting with '<' at p->pos. */
static void tag(page *p)
{
    const char *s = p->s;
    size_t n = p->len, i = p->pos;
    if (n - i >= 4 && !memcmp(s + i, "<!--", 4)) {
        size_t e = find_ci(s, n, i + 4, "-->");
        e = e < n ? e + 3 : n;
        markup(p, s + i, e - i);
        p->pos = e;
        return;
    }
    int closing = i + 1 < n && s[i + 1] == '/';
    const char *name = s + i + 1 + closing;
    size_t nl = tag_name_len(name, n - (size_t)(name - s));
    if (nl == 0 || !isalpha((unsigned char)name[0])) {
        if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?' || closing)) {
            const char *gt = memchr(s + i, '>', n - i);
            size_t e = gt ? (size_t)(gt - s) + 1 : n;
            markup(p, s + i, e - i);
            p->pos = e;
        } else {
            out(p, "<", 1); /* a lone '<' is text */
            p->pos = i + 1;
        }
        return;
    }
    if (!closing && (name_is(name, nl, "rt") || name_is(name, nl, "rp"))) {
        const char *gt = memchr(name, '>', n - (size_t)(name - s));
        p->pos = gt ? (size_t)(gt - s) + 1 : n;
        drop_ruby_annotation(p);
        return;
    }
    if (closing) {
        const char *gt = memchr(name, '>', n - (size_t)(name - s));
        size_t e = gt ? (size_t)(gt - s) + 1 : n;
        if (!name_is(name, nl, "rt") && !name_is(name, nl, "rp")) /* strays of dropped ones */
            markup(p, s + i, e - i);
        p->pos = e;
        return;
    }
    markup(p, s + i, (size_t)(name - s) + nl - i);
    p->pos = (size_t)(name - s) + nl;
    start_tag_rest(p, name, nl);
    if (name_is(name, nl, "script") || name_is(name, nl, "style"))
        raw_text(p, name, nl, 0);
    else if (name_is(name, nl, "title") || name_is(name, nl, "textarea"))
        raw_text(p, name, nl, 1);
}

static void scan(page *p)
{
    while (p->pos < p->len && !p->failed) {
        if (p->s[p->pos] == '<') {
            tag(p);
            continue;
        }
        const char *lt = memchr(p->s + p->pos, '<', p->len - p->pos);
        size_t e = lt ? (size_t)(lt - p->s) : p->len;
        p->nodes++;
        if (text(p, p->s + p->pos, e - p->pos, 0))
            p->changed_nodes++;
        p->pos = e;
    }
}

/* ---- The page -------------------------------------------------------------------------- */

static int read_all(int fd, cli_buf *b)
{
    for (;;) {
        if (cli_buf_reserve(b, 65536) || b->len > MAX_PAGE)
            return -1;
        ssize_t r = read(fd, b->data + b->len, 65536);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        b->len += (size_t)r;
    }
}

static void summary(page *p, const tf_detection *d)
{
    run_state *st = p->st;
    if (p->changed_nodes || p->changed_attrs || p->ruby_dropped || strcmp(p->enc, "UTF-8"))
        st->changed = 1;
    memset(&st->totals, 0, sizeof st->totals);
    snprintf(st->encoding, sizeof st->encoding, "%s", p->enc);
    snprintf(st->encoding_source, sizeof st->encoding_source, "%s", d->source);
    st->totals.encoding = st->encoding;
    st->totals.encoding_source = st->encoding_source;
    st->totals.encoding_confidence = d->confidence;
    st->totals.bytes_in = p->len;
    if (!st->report)
        return;
    fputs("{\"file\":", st->report);
    cli_json_string(st->report, p->name);
    fprintf(st->report, ",\"summary\":true,\"mode\":\"html\",\"encoding\":\"%s\","
            "\"encoding_source\":\"%s\",\"text_nodes\":%llu,\"changed_text_nodes\":%llu,"
            "\"changed_attributes\":%llu,\"ruby_annotations_dropped\":%llu,\"status\":\"%s\"}\n",
            p->enc, d->source, p->nodes, p->changed_nodes, p->changed_attrs, p->ruby_dropped,
            p->failed ? "error" : "ok");
}

/* Repairs the page in p->s with the encoding detected in d. */
static int run_page(page *p, const tf_detection *d)
{
    p->enc = p->o->from ? p->o->from : d->encoding;
    p->predecode = p->o->unescape && strcmp(p->enc, "UTF-8");
    if (tf_ctx_set_encoding(p->ctx, p->predecode ? "UTF-8" : p->enc)) {
        fprintf(cli_err(p->st), "textfix: %s: unsupported encoding %s\n", p->name, p->enc);
        return TF_E_UNKNOWN_ENCODING;
    }
    scan(p);
    tf_ctx_set_encoding(p->ctx, p->o->from); /* the context goes back as it was */
    summary(p, d);
    tf_ctx_free(p->markup_ctx);
    return p->failed;
}

int html_process(tf_ctx *ctx, const options *o, run_state *st, int fd, const char *name)
{
    page p = {.ctx = ctx, .o = o, .st = st, .name = name};
    cli_buf in = {0};
    int rc = 0;
    if (read_all(fd, &in)) {
        fprintf(cli_err(st), "textfix: %s: %s\n", name, in.failed ? "page too large" : strerror(errno));
        cli_buf_free(&in);
        return TF_E_LIMIT;
    }
    p.s = in.data ? in.data : "";
    p.len = in.len;
    tf_detection d;
    tf_detect(ctx, p.s, p.len, 1, &d);
    st->binary = d.binary;
    if (d.binary && !o->strict) {
        if (!o->quiet && !st->kinds)
            fprintf(cli_err(st), "textfix: %s: looks like a binary file; passed through unchanged\n", name);
        rc = out(&p, p.s, p.len);
    } else if (!strncmp(d.encoding, "UTF-16", 6) || !strncmp(d.encoding, "UTF-32", 6)) {
        p.enc = d.encoding; /* not ASCII-compatible: markup cannot be told from text */
        rc = text(&p, p.s, p.len, 0) >= 0 ? p.failed : 0;
        summary(&p, &d);
    } else {
        rc = run_page(&p, &d);
    }
    cli_buf_free(&in);
    cli_buf_free(&p.tmp);
    cli_buf_free(&p.esc);
    cli_buf_free(&p.dec);
    if (rc == 0 && st->flush_lines && fflush(st->out))
        rc = 1;
    return rc;
}
