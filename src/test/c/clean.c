/* Frees everything it allocates: the gate must pass. */
#include <stdlib.h>
#include <string.h>

int main(void) {
    for (int i = 0; i < 10; i++) {
        char *p = malloc(64);
        memset(p, i, 64);
        free(p);
    }
    return 0;
}
