/* A clean program that writes valgrind-like words on its own stderr. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    free(malloc(8));
    fprintf(stderr, "valgrind:  A must-be-redirected function\nthe 'impossible' happened\nFATAL: nothing\n");
    return 0;
}
