/*
 * Leaves a child running after main returns. "session": the child calls setsid() (another process
 * group and session); "group": it stays in the parent's group. Either way it keeps stdout open.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "session";
    if (fork() == 0) {
        if (strcmp(mode, "session") == 0) {
            setsid();
        }
        sleep(300);
        _exit(0);
    }
    return 0;
}
