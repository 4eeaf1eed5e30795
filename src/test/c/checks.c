/*
 * Mid-run leak checks of every mode, as valgrind's XML shows them: a full check, an added check that
 * loses a whole tree ("(+N) direct, (+N) indirect"), two changed checks (one with "(-N)") and an added
 * check that finds no change (and lists nothing). Then the tree and a small block stay lost.
 */
#include <stdlib.h>
#include <valgrind/memcheck.h>

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

static void *kept;

int main(void) {
    kept = malloc(10);
    VALGRIND_DO_LEAK_CHECK;
    build(3);
    VALGRIND_DO_ADDED_LEAK_CHECK;
    void *lost = malloc(10);
    lost = NULL;
    VALGRIND_DO_CHANGED_LEAK_CHECK;
    free(kept);
    VALGRIND_DO_CHANGED_LEAK_CHECK;
    VALGRIND_DO_ADDED_LEAK_CHECK;
    return 0;
}
