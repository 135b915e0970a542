/* html.c - HTML mode (being written). */
#include "cli.h"
int html_process(tf_ctx *ctx, const options *o, run_state *st, int fd, const char *name)
{ (void)ctx; (void)o; (void)st; (void)fd; fprintf(stderr, "textfix: %s: --html is not ready yet\n", name); return TF_E_INTERNAL; }
