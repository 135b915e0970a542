/* repair_cjk.c - CJK mix-ups (placeholder while the pass is written). */
#include "repair.h"

#include <stdlib.h>

void tf__cjk_state_free(tf__repair_state *st) { free(st->cjk_flags); }

int tf__cjk_suspect(tf__repair_state *st, const char *s, size_t len)
{
    (void)st, (void)s, (void)len;
    return 0;
}

int tf__repair_cjk(tf__repair_state *st, const char *s, size_t len, tf__edits *ed)
{
    (void)st, (void)s, (void)len, (void)ed;
    return 0;
}
