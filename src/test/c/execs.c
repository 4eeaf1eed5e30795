/* Loses a block, then replaces itself with another program: valgrind does not follow the exec. */
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    void *lost = malloc(9);
    lost = NULL;
    execl("/bin/true", "true", (char *) 0);
    return 1;
}
