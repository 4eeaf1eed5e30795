/* Reads past the end of a block and writes to a freed one; leaks nothing. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    int *a = malloc(4 * sizeof(int));
    for (int i = 0; i < 4; i++) {
        a[i] = i;
    }
    volatile int past = a[4];
    free(a);
    a[0] = 7;
    printf("%d\n", past == 12345);
    return 0;
}
