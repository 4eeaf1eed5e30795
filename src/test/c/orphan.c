/*
 * Leaves a child running after main returns. "session": the child calls setsid() (another process
 * group and session); "group": it stays in the parent's group. Either way it keeps stdout open.
 * "escape": the child calls setsid() and clearenv(), closes its output, then execs sleep: nothing
 * of the run is left in its environment, its group or its session.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "session";
    if (fork() == 0) {
        if (strcmp(mode, "session") == 0) {
            setsid();
        }
        if (strcmp(mode, "escape") == 0) {
            setsid();
            clearenv();
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            execl("/bin/sleep", "sleep", "300", (char *) 0);
        }
        sleep(300);
        _exit(0);
    }
    return 0;
}
