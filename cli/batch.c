/* batch.c - batch mode (being written). */
#include "cli.h"
int batch_run(const options *o) { (void)o; fprintf(stderr, "textfix: batch mode is not ready yet\n"); return EXIT_USAGE; }
