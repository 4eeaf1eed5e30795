/*
 * leakgate_probe.c: leak checks on demand inside a program that runs under valgrind, such as a
 * daemon that never ends by itself, without ptrace (vgdb cannot wake a process under QEMU user mode,
 * and many boards forbid ptrace). The program needs no change: leakgate loads the probe with
 * LD_PRELOAD.
 *
 * Build it as a shared library for the board's CPU, with valgrind's headers on the include path
 * (<valgrind/memcheck.h> covers every CPU, so cross-compiling works):
 *
 *   aarch64-linux-gnu-gcc -shared -fPIC -g -O1 -pthread -I<folder holding valgrind/> \
 *       -o leakgate_probe.so leakgate_probe.c
 *
 * Under valgrind, with LEAKGATE_RUN_DIR set (leakgate sets it to the run's folder), the probe makes
 * two FIFOs there, probe.ctl and probe.ans, opens both before main runs and keeps them open (so a
 * program that drops privileges or changes its root keeps its leak checks), and a thread of its own
 * (all signals blocked, so the program's signal handling is unchanged) waits for lines on probe.ctl:
 *
 * Each answer starts with "@SECRET ", the run's secret, which leakgate writes into a file it names
 * in LEAKGATE_PROBE_SECRET_FILE; the probe reads it before main runs and removes the file, so code
 * under test that writes into probe.ans cannot pass for the probe.
 *
 *   "check NAME"  -> writes the marker "leakgate: check NAME" into the report (VALGRIND_PRINTF), runs
 *                    an added leak check (VALGRIND_DO_ADDED_LEAK_CHECK: its loss records, with their
 *                    stacks, follow the marker in the report), counts the leaks (VALGRIND_COUNT_LEAKS)
 *                    and answers on probe.ans:
 *                    "checked NAME lost=B possibly=B reachable=B suppressed=B"
 *                    (totals now; lost is definitely and indirectly lost, as memcheck counts them)
 *   "signal NAME" -> sends the signal (TERM, INT, HUP, QUIT, USR1, USR2) to the program's main thread
 *                    and answers "signalled NAME": leakgate's planned stop. A signal sent to the
 *                    process may be taken by any thread; under QEMU user mode one taken by the probe's
 *                    thread, where all signals are blocked, would stay pending for good, so the probe
 *                    directs it to the main thread, where the kernel would deliver it to a program
 *                    without the probe.
 *
 * Outside valgrind, without LEAKGATE_RUN_DIR, or in a second process of the same run (a child of a
 * program traced with --trace-children=yes), it does nothing. It allocates nothing on the heap, so
 * it adds nothing to the leak check.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <valgrind/memcheck.h>

/*
 * Both FIFOs are opened once, read-write, before main runs, and kept: the probe needs no path or
 * permission afterwards, so a program that drops privileges (setuid to nobody), changes its root or
 * its folder keeps its leak checks; read-write, so that no open or read ever waits for the other side.
 */
static int leakgate_probe_ctl_fd = -1;
static int leakgate_probe_ans_fd = -1;

/* "@SECRET " before each answer: leakgate takes no line without it (see leakgate_probe_start). */
static char leakgate_probe_mark[80];

static void leakgate_probe_answer(const char *body, size_t body_length) {
    char line[640];
    int n = snprintf(line, sizeof line, "%s%.*s", leakgate_probe_mark, (int) body_length, body);
    if (n < 0) {
        return;
    }
    const char *text = line;
    size_t length = (size_t) n < sizeof line ? (size_t) n : sizeof line - 1;
    while (length > 0) { /* a pipe takes an answer this short whole, reader or not */
        ssize_t n = write(leakgate_probe_ans_fd, text, length);
        if (n <= 0 && errno != EINTR) {
            break;
        }
        if (n > 0) {
            text += n;
            length -= (size_t) n;
        }
    }
}

static int leakgate_probe_signal_number(const char *name) {
    static const struct { const char *name; int number; } signals[] = {
        {"TERM", SIGTERM}, {"INT", SIGINT}, {"HUP", SIGHUP}, {"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
    };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        if (strcmp(signals[i].name, name) == 0) {
            return signals[i].number;
        }
    }
    return 0;
}

static void leakgate_probe_command(char *line) {
    char answer[512];
    if (strncmp(line, "signal ", 7) == 0) {
        int number = leakgate_probe_signal_number(line + 7);
        int n;
        if (number == 0) {
            n = snprintf(answer, sizeof answer, "error unknown-signal %.50s\n", line + 7);
        } else { /* the answer first: the signal may end the process at once */
            n = snprintf(answer, sizeof answer, "signalled %.50s\n", line + 7);
            leakgate_probe_answer(answer, (size_t) n);
            pid_t pid = getpid();
            syscall(SYS_tgkill, pid, pid, number);
            return;
        }
        leakgate_probe_answer(answer, (size_t) n);
        return;
    }
    if (strncmp(line, "check ", 6) != 0 || line[6] == '\0') {
        int n = snprintf(answer, sizeof answer, "error bad-command %.200s\n", line);
        leakgate_probe_answer(answer, (size_t) n);
        return;
    }
    const char *name = line + 6;
    unsigned long lost = 0, possibly = 0, reachable = 0, suppressed = 0;
    VALGRIND_PRINTF("leakgate: check %s\n", name);
    VALGRIND_DO_ADDED_LEAK_CHECK;
    VALGRIND_COUNT_LEAKS(lost, possibly, reachable, suppressed);
    int n = snprintf(answer, sizeof answer, "checked %.200s lost=%lu possibly=%lu reachable=%lu suppressed=%lu\n",
                     name, lost, possibly, reachable, suppressed);
    leakgate_probe_answer(answer, (size_t) n);
}

static void *leakgate_probe_loop(void *unused) {
    (void) unused;
    char buffer[1024];
    size_t used = 0;
    for (;;) {
        /*
         * Never blocked in one system call for long: a poll that times out returns the thread to
         * valgrind several times a second, so that the process can always end (under QEMU user mode a
         * thread blocked in a read of a FIFO is not woken to be ended when the program takes a fatal
         * signal, and valgrind then waits for it for good).
         */
        struct pollfd ready = {leakgate_probe_ctl_fd, POLLIN, 0};
        int polled = poll(&ready, 1, 250);
        if (polled == 0 || (polled < 0 && errno == EINTR)) {
            continue;
        }
        if (polled < 0) {
            return NULL;
        }
        ssize_t n = read(leakgate_probe_ctl_fd, buffer + used, sizeof buffer - 1 - used);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            return NULL;
        }
        used += (size_t) n;
        buffer[used] = '\0';
        char *end;
        while ((end = strchr(buffer, '\n')) != NULL) {
            *end = '\0';
            leakgate_probe_command(buffer);
            used -= (size_t) (end + 1 - buffer);
            memmove(buffer, end + 1, used + 1);
        }
        if (used == sizeof buffer - 1) {
            used = 0; /* a line too long to be a command */
        }
    }
}

__attribute__((constructor)) static void leakgate_probe_start(void) {
    if (!RUNNING_ON_VALGRIND) {
        return;
    }
    const char *dir = getenv("LEAKGATE_RUN_DIR");
    char lock[4096];
    if (dir == NULL || *dir == '\0' || strlen(dir) > sizeof lock - 32) {
        return;
    }
    snprintf(lock, sizeof lock, "%s/probe.lock", dir);
    int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600); /* one probe per run: the first process */
    if (fd < 0) {
        return;
    }
    close(fd);
    char ctl[4096];
    char ans[4096];
    snprintf(ctl, sizeof ctl, "%s/probe.ctl", dir);
    snprintf(ans, sizeof ans, "%s/probe.ans", dir);
    if ((mkfifo(ans, 0600) != 0 && errno != EEXIST) || (mkfifo(ctl, 0600) != 0 && errno != EEXIST)) {
        return;
    }
    /* the run's secret, from a file leakgate wrote for this run alone: read once, then removed */
    const char *secret_file = getenv("LEAKGATE_PROBE_SECRET_FILE");
    if (secret_file != NULL && *secret_file != '\0') {
        char secret[72];
        FILE *f = fopen(secret_file, "r");
        size_t n = 0;
        if (f != NULL) {
            n = fread(secret, 1, sizeof secret - 1, f);
            fclose(f);
        }
        secret[n] = '\0';
        while (n > 0 && (secret[n - 1] == '\n' || secret[n - 1] == '\r')) {
            secret[--n] = '\0';
        }
        unlink(secret_file);
        if (n > 0) {
            snprintf(leakgate_probe_mark, sizeof leakgate_probe_mark, "@%s ", secret);
        }
    }
    unsetenv("LEAKGATE_PROBE_SECRET_FILE");
    leakgate_probe_ans_fd = open(ans, O_RDWR | O_CLOEXEC);
    leakgate_probe_ctl_fd = open(ctl, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (leakgate_probe_ans_fd < 0 || leakgate_probe_ctl_fd < 0) {
        return;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread inherits the mask: no signal for it */
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&thread, &attr, leakgate_probe_loop, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}
