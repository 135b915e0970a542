/* resync.h - the resynchronization stage (misaligned multibyte runs). Internal. */
#ifndef TF_RESYNC_H
#define TF_RESYNC_H

#include "internal.h"

struct tf__resync_state;
void tf__resync_free(struct tf__resync_state *st);
int tf__resync_segment(tf_ctx *ctx, const char *src, size_t len, tf__buf *out, tf__pos *pos);

#endif
