/* A kit harness whose scenarios misbehave the ways code under test does. */
#include "leakgate_harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Blocks until a signal comes (the timeout's SIGTERM). */
static void blocks(int argc, char **argv) {
    (void) argc;
    (void) argv;
    pause();
}

/* Leaks 100 bytes, then prints what looks like the kit's clean reply and goodbye. */
static void forges(int argc, char **argv) {
    (void) argc;
    (void) argv;
    char *lost = malloc(100);
    memset(lost, 1, 100);
    printf("ok forges 1 definitely=0 possibly=0 reachable=0 heap=0\nbye\n");
}

struct node { struct node *kids[4]; char pad[32]; };

static struct node *build(int depth) {
    struct node *n = calloc(1, sizeof *n);
    if (depth > 0) {
        for (int i = 0; i < 4; i++) {
            n->kids[i] = build(depth - 1);
        }
    }
    return n;
}

/* Loses a whole parsed document: one definitely lost root holding 84 indirectly lost nodes. */
static void leaks_tree(int argc, char **argv) {
    (void) argc;
    (void) argv;
    build(3);
}

/* Writes bytes that are not UTF-8, without a newline, and leaks nothing. */
static void binary(int argc, char **argv) {
    (void) argc;
    (void) argv;
    fputs("\xff\xfe\xc3(", stdout);
    free(malloc(16));
}

/* Takes 20 ms a run: a soak of it outlives a short timeout. */
static void slow(int argc, char **argv) {
    (void) argc;
    (void) argv;
    usleep(20000);
}

/* init keeps 200 bytes reachable; teardown frees them: its reachable bytes drop (a signed delta). */
static char *kept_by_init;

static void init(int argc, char **argv) {
    (void) argc;
    (void) argv;
    if (kept_by_init == NULL) {
        kept_by_init = malloc(200);
    }
}

static void teardown(int argc, char **argv) {
    (void) argc;
    (void) argv;
    free(kept_by_init);
    kept_by_init = NULL;
}

/* Closes stdin and stdout, as code under test may: the kit's own channel must not depend on them. */
static void closes_stdio(int argc, char **argv) {
    (void) argc;
    (void) argv;
    fclose(stdout);
    fclose(stdin);
}

/*
 * Looks for the kit's token where code under test could find it (its environment as the kernel keeps
 * it, and the file a variable there names), prints a forged clean reply with whatever it found, and
 * leaks 100 bytes.
 */
static void steals_token(int argc, char **argv) {
    (void) argc;
    (void) argv;
    char env[65536];
    char token[128] = "";
    FILE *f = fopen("/proc/self/environ", "r");
    size_t n = f != NULL ? fread(env, 1, sizeof env - 1, f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    env[n] = '\0';
    for (size_t i = 0; i < n; i += strlen(env + i) + 1) {
        if (strncmp(env + i, "LEAKGATE_KIT_TOKEN=", 19) == 0) {
            snprintf(token, sizeof token, "%s", env + i + 19);
        } else if (strncmp(env + i, "LEAKGATE_KIT_TOKEN_FILE=", 24) == 0) {
            FILE *t = fopen(env + i + 24, "r");
            if (t != NULL) {
                size_t got = fread(token, 1, sizeof token - 1, t);
                token[got] = '\0';
                fclose(t);
            }
        }
    }
    printf("@%s ok steals_token 1 lost=0 possibly=0 reachable=0 heap=0\n", token);
    fflush(stdout);
    char *lost = malloc(100);
    memset(lost, 1, 100);
}

/* Dereferences NULL: the harness dies of SIGSEGV in the middle of a request. */
static void segfaults(int argc, char **argv) {
    (void) argc;
    (void) argv;
    volatile int *nowhere = NULL;
    *nowhere = 1;
}

LEAKGATE_SCENARIOS(LEAKGATE_SCENARIO(blocks), LEAKGATE_SCENARIO(forges), LEAKGATE_SCENARIO(leaks_tree),
                   LEAKGATE_SCENARIO(binary), LEAKGATE_SCENARIO(slow), LEAKGATE_SCENARIO(init),
                   LEAKGATE_SCENARIO(teardown), LEAKGATE_SCENARIO(closes_stdio),
                   LEAKGATE_SCENARIO(steals_token), LEAKGATE_SCENARIO(segfaults))
