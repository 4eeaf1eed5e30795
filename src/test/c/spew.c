/* Writes N megabytes to stderr on one line (no newline), frees what it allocated, and returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long mb = argc > 1 ? atol(argv[1]) : 1;
    char *chunk = malloc(1 << 20);
    memset(chunk, 'x', 1 << 20);
    for (long i = 0; i < mb; i++) {
        fwrite(chunk, 1, 1 << 20, stderr);
    }
    free(chunk);
    return 0;
}
