/* punct.h - the punctuation stage (flattened CJK punctuation). Internal. */
#ifndef TF_PUNCT_H
#define TF_PUNCT_H

#include "internal.h"

int tf__punct_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos);

#endif
