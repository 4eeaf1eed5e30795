/* A harness built with leakgate_harness.h: one scenario leaks 300 bytes a run, one frees all. */
#include "leakgate_harness.h"

#include <stdlib.h>
#include <string.h>

static void leaks(int argc, char **argv) {
    (void) argc;
    (void) argv;
    char *lost = malloc(300);
    memset(lost, 1, 300);
}

static void frees(int argc, char **argv) {
    (void) argc;
    (void) argv;
    free(malloc(64));
}

LEAKGATE_SCENARIOS(LEAKGATE_SCENARIO(leaks), LEAKGATE_SCENARIO(frees))
