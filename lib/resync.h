/* resync.h - the resynchronization stage (misaligned multibyte runs). Internal. */
#ifndef TF_RESYNC_H
#define TF_RESYNC_H

#include "internal.h"

/* ASCII marks a short misaligned run may leave glued between CJK characters (flattened
 * fullwidth forms, a trail byte read alone): the suspect scan and the search agree on it. */
#define TF__RESYNC_GROUP_MAX 3

int tf__resync_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos);

/* Looks for damage in the stream's first block of decoded text (once a stream), so that a
 * run near the start of a damaged document meets the same bar as the ones after it. */
void tf__resync_prime(tf_ctx *ctx, const char *text, size_t len);

/* resync_search.c: the realignment of one misaligned run near s[at] (a suspect character)
 * that starts at or after s[from], the best over the double-byte codecs that fit the text. */
typedef struct {
    int found;
    size_t start, end; /* the garbled run, bytes of s */
    const char *rule;  /* the report's rule, which names the codec */
    double confidence; /* how sure the guessed characters are (0.5 - 1) */
    int sure;          /* realigned with a wide margin (evidence the document is damaged) */
    tf__buf text;      /* what replaces it (a guess the model is unsure of is U+FFFD) */
} tf__resync_fix;
/* fix->text must be initialized. Returns 0 (fix->found says whether a run was found) or -1 when out of memory. */
int tf__resync_search(tf_ctx *ctx, const char *s, size_t len, size_t from, size_t at,
                      tf__resync_fix *fix);

/* Whether the stream has shown damage: runs realigned with a wide margin, in its first block
 * or since. Both the search's need and the suspect scan's bar drop then. */
int tf__resync_damaged(const tf_ctx *ctx);

/* Whether s[0..len) is Japanese: two kana in a row somewhere (a misaligned GBK or Big5 run
 * makes a lone kana now and then, hardly ever two in a row). */
int tf__resync_japanese(const char *s, size_t len);

/* 1 when s[0..len) has more Simplified-only than Traditional-only Han, 2 for the reverse,
 * 0 otherwise. */
int tf__resync_script(const char *s, size_t len);

#endif
