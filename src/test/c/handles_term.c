/* Waits for a signal and returns from main when SIGTERM comes: a clean exit that leakgate forced. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int signo) {
    (void) signo;
    stop = 1;
}

int main(void) {
    signal(SIGTERM, on_term);
    printf("waiting\n");
    fflush(stdout);
    while (!stop) {
        pause();
    }
    return 0;
}
