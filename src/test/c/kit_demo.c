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

/* A cache that grows forever and stays reachable: memcheck calls nothing lost, the growth gate fails it. */
struct entry { struct entry *next; char payload[200]; };
static struct entry *cache;

static void grows(int argc, char **argv) {
    (void) argc;
    (void) argv;
    struct entry *e = malloc(sizeof *e);
    memset(e->payload, 2, sizeof e->payload);
    e->next = cache;
    cache = e;
}

LEAKGATE_SCENARIOS(LEAKGATE_SCENARIO(leaks), LEAKGATE_SCENARIO(frees), LEAKGATE_SCENARIO(grows))
