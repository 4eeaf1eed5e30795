/* The parent and a forked child both leak; the child exits first. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *parent_leak(void) { return malloc(77); }
static void *child_leak(void) { return malloc(999); }

int main(void) {
    parent_leak();
    pid_t pid = fork();
    if (pid == 0) {
        child_leak();
        exit(0);
    }
    waitpid(pid, NULL, 0);
    return 0;
}
