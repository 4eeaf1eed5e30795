/* Leaks, then dies: "segv" by a null write, "abort" by abort(). */
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    char *lost = malloc(40);
    memset(lost, 0, 40);
    lost = NULL;
    if (argc > 1 && strcmp(argv[1], "abort") == 0) {
        abort();
    }
    volatile int *nothing = NULL;
    *nothing = 1;
    return 0;
}
