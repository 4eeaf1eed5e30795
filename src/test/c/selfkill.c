/* Loses a block, then kills itself with SIGKILL: valgrind still writes a whole-looking report and exits 137. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    void *lost = malloc(40);
    lost = NULL;
    kill(getpid(), SIGKILL);
    return 0;
}
