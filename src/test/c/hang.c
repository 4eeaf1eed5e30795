/*
 * Never ends by itself. "stdin": returns from main when stdin reaches end of input.
 * "pause": waits for a signal (SIGTERM ends it). "stubborn": ignores SIGTERM (only SIGKILL ends it).
 * "sleep N": returns from main after N seconds (a run that lasts a while and ends by itself).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "stdin";
    char *lost = malloc(16);
    lost = NULL;
    if (strcmp(mode, "stubborn") == 0) {
        signal(SIGTERM, SIG_IGN); /* before it says it is ready: a test ends it only after this */
    }
    printf("ready %s\n", mode);
    fflush(stdout);
    if (strcmp(mode, "stdin") == 0) {
        char buf[256];
        while (fgets(buf, sizeof buf, stdin) != NULL) {
        }
        return 0;
    }
    if (strcmp(mode, "sleep") == 0) {
        sleep(argc > 2 ? (unsigned) atoi(argv[2]) : 1);
        return 0;
    }
    for (;;) {
        pause();
    }
}
