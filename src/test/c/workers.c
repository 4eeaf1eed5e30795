/*
 * A server's process tree in small: main forks workers and waits for them (or not).
 *   leak     three workers, each loses 1000 bytes and exits; main loses nothing
 *   clean    three workers that free what they take
 *   running  one worker still sleeping when main returns
 *   signal   one worker that dies of SIGSEGV
 *   exec     one worker that execs /bin/true (skipped with --trace-children-skip)
 *   exec-path one worker that execs the program argv[2] names
 *   killed   one worker that main kills with SIGKILL
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *worker_request(void) {
    char *buffer = malloc(1000);
    memset(buffer, 'w', 1000);
    return buffer;
}

static const char *exec_path = "/bin/true";

static void worker(const char *mode) {
    if (strcmp(mode, "leak") == 0) {
        worker_request();
    } else if (strcmp(mode, "clean") == 0) {
        free(worker_request());
    } else if (strcmp(mode, "running") == 0 || strcmp(mode, "killed") == 0) {
        sleep(300);
    } else if (strcmp(mode, "signal") == 0) {
        raise(SIGSEGV);
    } else if (strcmp(mode, "exec") == 0) {
        execl("/bin/true", "true", (char *) 0);
    } else if (strcmp(mode, "exec-path") == 0) {
        execl(exec_path, exec_path, (char *) 0);
    }
    exit(0);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "leak";
    if (argc > 2) {
        exec_path = argv[2];
    }
    int workers = strcmp(mode, "leak") == 0 || strcmp(mode, "clean") == 0 ? 3 : 1;
    for (int i = 0; i < workers; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            worker(mode);
        }
        if (strcmp(mode, "killed") == 0) {
            sleep(1);
            kill(pid, SIGKILL);
        }
    }
    if (strcmp(mode, "running") != 0) {
        while (wait(NULL) > 0) {
        }
    }
    return 0;
}
