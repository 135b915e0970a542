/* punct.h - the punctuation stage (flattened CJK punctuation). Internal. */
#ifndef TF_PUNCT_H
#define TF_PUNCT_H

#include "internal.h"

int tf__punct_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos);
/* Counts the evidence of the stream's first block of decoded text (once per stream; later
 * calls do nothing). The pipeline calls it before the block's first segment. */
void tf__punct_prime(tf_ctx *ctx, const char *text, size_t len);

#endif
