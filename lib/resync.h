/* resync.h - the resynchronization stage (misaligned multibyte runs). Internal. */
#ifndef TF_RESYNC_H
#define TF_RESYNC_H

#include "internal.h"

int tf__resync_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos);

#endif
