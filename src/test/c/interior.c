/* Blocks reachable only through interior pointers (possibly lost), and blocks still reachable. */
#include <stdlib.h>

static char *interior;
static void *reachable[3];

int main(void) {
    char *block = malloc(200);
    interior = block + 40;   /* only a pointer into the middle is kept */
    for (int i = 0; i < 3; i++) {
        reachable[i] = malloc(48 + i);
    }
    return 0;
}
