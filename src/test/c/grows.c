/*
 * Loses memory steadily, as a slow leak in a daemon does: argv[1] blocks of argv[2] KiB, one every
 * argv[3] ms, each written through (so it is resident) and lost; prints "lost I" after each, then
 * "done" and waits argv[4] seconds before it returns, so that a sampler sees the plateau.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int blocks = argc > 1 ? atoi(argv[1]) : 20;
    size_t kib = argc > 2 ? (size_t) atoi(argv[2]) : 256;
    int every_ms = argc > 3 ? atoi(argv[3]) : 200;
    int rest_s = argc > 4 ? atoi(argv[4]) : 2;
    for (int i = 1; i <= blocks; i++) {
        char *block = malloc(kib * 1024);
        memset(block, i, kib * 1024);
        block = NULL;
        printf("lost %d\n", i);
        fflush(stdout);
        usleep((useconds_t) every_ms * 1000);
    }
    printf("done\n");
    fflush(stdout);
    sleep((unsigned) rest_s);
    return 0;
}
