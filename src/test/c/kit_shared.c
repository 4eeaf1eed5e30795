/* For a process a class's tests share: leaks (300 bytes a run), frees, crashes, leaks_at_exit (100 bytes
 * lost as it exits), reads_past (an InvalidRead past a block, losing nothing). */
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

static void crashes(int argc, char **argv) {
    (void) argc;
    (void) argv;
    volatile int *nowhere = NULL;
    *nowhere = 1;
}

static void lose_100(void) {
    char *p = malloc(100);
    memset(p, 3, 100);
}

/* Loses 100 bytes when the program exits: outside any scenario, so no scenario's leak check sees it. */
static void leaks_at_exit(int argc, char **argv) {
    (void) argc;
    (void) argv;
    atexit(lose_100);
}

static volatile char sink;

static void reads_past(int argc, char **argv) {
    (void) argc;
    (void) argv;
    char *p = malloc(8);
    sink = p[8];
    free(p);
}

#include <pthread.h>
#include <unistd.h>

/* Starts a thread that outlives the scenario: a second later it loses 77 bytes, then waits for good. */
__attribute__((noinline)) static void lose_77(void) {
    char *p = malloc(77);
    memset(p, 7, 77);
}

__attribute__((noinline)) static void scrub_thread_stack(void) {
    volatile char scratch[8192];
    memset((char *) scratch, 0, sizeof scratch);
}

static void *late_loser(void *unused) {
    (void) unused;
    sleep(1);
    lose_77();
    scrub_thread_stack(); /* no copy of the pointer left in this thread's stack or registers */
    for (;;) {
        pause();
    }
    return NULL;
}

static void starts_thread(int argc, char **argv) {
    (void) argc;
    (void) argv;
    pthread_t t;
    pthread_create(&t, NULL, late_loser, NULL);
    pthread_detach(t);
}

/* Takes 3 s and loses nothing itself. */
static void waits(int argc, char **argv) {
    (void) argc;
    (void) argv;
    sleep(3);
}

LEAKGATE_SCENARIOS(LEAKGATE_SCENARIO(leaks), LEAKGATE_SCENARIO(frees), LEAKGATE_SCENARIO(crashes),
                   LEAKGATE_SCENARIO(leaks_at_exit), LEAKGATE_SCENARIO(reads_past), LEAKGATE_SCENARIO(starts_thread),
                   LEAKGATE_SCENARIO(waits))
