/*
 * Never ends by itself. "stdin": returns from main when stdin reaches end of input.
 * "pause": waits for a signal (SIGTERM ends it). "stubborn": ignores SIGTERM (only SIGKILL ends it).
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
    printf("ready %s\n", mode);
    fflush(stdout);
    if (strcmp(mode, "stdin") == 0) {
        char buf[256];
        while (fgets(buf, sizeof buf, stdin) != NULL) {
        }
        return 0;
    }
    if (strcmp(mode, "stubborn") == 0) {
        signal(SIGTERM, SIG_IGN);
    }
    for (;;) {
        pause();
    }
}
