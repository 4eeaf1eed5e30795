/* A harness whose scenario table breaks the kit's naming rule: the kit refuses to serve. */
#include "leakgate_harness.h"

static void fine(int argc, char **argv) {
    (void) argc;
    (void) argv;
}

LEAKGATE_SCENARIOS(LEAKGATE_SCENARIO(fine), LEAKGATE_SCENARIO_NAMED("start stream", fine))
