/* Simple leaks of known sizes, in a function of their own so stacks have two frames. */
#include <stdlib.h>
#include <string.h>

static char *make_buffer(size_t n) {
    char *p = malloc(n);
    memset(p, 'x', n);
    return p;
}

int main(void) {
    make_buffer(100);
    make_buffer(28);
    char *kept = make_buffer(10);
    free(kept);
    return 0;
}
