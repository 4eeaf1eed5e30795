/* Four threads each leak a block of their own size. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

static void *worker(void *arg) {
    size_t n = (size_t) (uintptr_t) arg;
    if (malloc(n) == NULL) {
        return arg;
    }
    return NULL;
}

int main(void) {
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++) {
        pthread_create(&t[i], NULL, worker, (void *) (16 * (i + 1)));
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    return 0;
}
