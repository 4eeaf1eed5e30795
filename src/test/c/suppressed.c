/* A leak the project's suppression file accepts, next to one it does not. */
#include <stdlib.h>

void *third_party_cache(void) {
    return malloc(512);
}

static void *own_leak(void) {
    return malloc(24);
}

int main(void) {
    third_party_cache();
    own_leak();
    return 0;
}
