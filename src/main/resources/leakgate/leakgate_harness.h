/*
 * leakgate_harness.h: a header-only kit for C test harnesses that leakgate drives under valgrind.
 *
 *   #include "leakgate_harness.h"
 *
 *   static void onvifStartStream(int argc, char **argv) { ... one run of the feature ... }
 *   static void onvifGetProfiles(int argc, char **argv) { ... }
 *
 *   LEAKGATE_SCENARIOS(LEAKGATE_SCENARIO(onvifStartStream), LEAKGATE_SCENARIO(onvifGetProfiles))
 *
 * (LEAKGATE_SCENARIO_NAMED("onvifStartStream", start_stream) names a scenario apart from its
 * function, e.g. after the library function it drives.)
 * LEAKGATE_SCENARIOS defines main(). The program then speaks a line protocol:
 *   it prints   "leakgate-harness 2 ready scenarios=NAME,NAME,..."
 *   it reads    "run NAME N"  -> runs scenario NAME N times, then prints
 *                 "ok NAME RAN lost=B possibly=B reachable=B heap=B us=T"   (RAN: the runs that really ran,
 *                 fewer than N when a stop signal came; the change they made, signed, to the bytes lost
 *                 definitely and indirectly (VALGRIND_COUNT_LEAKS counts both as leaked), possibly lost
 *                 and still reachable (negative when the scenario freed what an earlier one kept); all heap in
 *                 use after them: under valgrind the sum of the leak check's counts; and T, the
 *                 microseconds the request took in the harness, its leak checks included)
 *               or "error unknown-scenario NAME"
 *               "soak NAME N EVERY" -> runs NAME N times (meant natively, without valgrind) and every
 *                 EVERY runs prints "sample NAME I heap=B rss=B": the heap in use (glibc's
 *                 mallinfo2) and the resident set (/proc/self/status VmRSS) after I runs; then
 *                 "ok-soak NAME RAN".  leakgate fits their growth per run (the growth gate).
 *               "check NAME"  -> a named leak check between scenarios: the marker "leakgate: check NAME"
 *                 and an added leak check in the report, then "checked NAME lost=B possibly=B
 *                 reachable=B suppressed=B" (totals now, as the probe of leakgate_probe.c answers)
 *               "threads"     -> prints "threads N": the threads the process has now (/proc/self/task),
 *                 so that leakgate can tell a thread that outlives the test that started it without a
 *                 command of its own on the board
 *               "quit"        -> prints "bye" and returns from main
 * and it also returns from main at the end of its input and on SIGTERM, SIGINT or SIGHUP (then it
 * says "bye stopped=SIGNAL"), so that valgrind always gets a normal exit and writes its whole leak
 * check; leakgate still calls a run it had to stop inconclusive.
 *
 * The code under test shares stdout with the protocol, so it could print a line that looks like a
 * reply. When leakgate starts the harness it writes a token for the run into a file of the run's
 * and names the file in LEAKGATE_KIT_TOKEN_FILE; the kit reads it before any scenario runs, removes
 * the file and the variable, and writes "@TOKEN " before every protocol line: only those lines are
 * replies. (LEAKGATE_KIT_TOKEN, the token itself, is taken too, for runs by hand.) Without either
 * the lines carry no token.
 *
 * Under valgrind each scenario is bracketed by memcheck client requests: a leak check before it, an
 * "added" leak check after it (VALGRIND_DO_ADDED_LEAK_CHECK) whose loss records land in the report
 * between the markers "leakgate: begin NAME N" and "leakgate: end NAME ..." (VALGRIND_PRINTF), and
 * VALGRIND_COUNT_LEAKS for the bytes in the reply. Outside valgrind the requests do nothing and the
 * program runs unchanged (the byte counts are then 0).
 *
 * Build with valgrind's headers on the include path (<valgrind/memcheck.h>, which covers every CPU,
 * so cross-compiling works), -ggdb3 and no strip.
 */
#ifndef LEAKGATE_HARNESS_H
#define LEAKGATE_HARNESS_H

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <malloc.h>
#include <valgrind/memcheck.h>

typedef void (*leakgate_scenario_fn)(int argc, char **argv);

struct leakgate_scenario {
    const char *name;
    leakgate_scenario_fn run;
};

/* A scenario named after its function, or given a name of its own (e.g. the API function it drives). */
#define LEAKGATE_SCENARIO(fn) { #fn, fn }
#define LEAKGATE_SCENARIO_NAMED(name, fn) { name, fn }

static volatile sig_atomic_t leakgate_stop_requested;

static void leakgate_on_stop_signal(int signo) {
    leakgate_stop_requested = signo;
}

/*
 * The protocol's own streams: copies of stdin and stdout made before any scenario runs, so that a
 * scenario that closes or redirects stdin or stdout (fclose(stdout), freopen) cannot cut leakgate
 * off; close-on-exec, so that a program a scenario starts does not hold them.
 */
static FILE *leakgate_in;
static FILE *leakgate_out;

/* Closes the protocol's streams before main returns, so that they leave nothing in the leak check. */
static void leakgate_close_streams(void) {
    if (leakgate_out != NULL && leakgate_out != stdout) {
        fclose(leakgate_out);
    }
    if (leakgate_in != NULL && leakgate_in != stdin) {
        fclose(leakgate_in);
    }
    leakgate_in = NULL;
    leakgate_out = NULL;
}

static FILE *leakgate_private_copy(int fd, const char *mode, FILE *fallback) {
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    FILE *f = copy >= 0 ? fdopen(copy, mode) : NULL;
    return f != NULL ? f : fallback;
}

/* "@TOKEN " before each protocol line, or "" when leakgate gave no token. */
static char leakgate_reply_prefix[80];

/*
 * Reads a secret once from the file a variable names, removes the file and the variable: code that
 * runs after it cannot read the secret back, neither from the file nor from /proc/self/environ
 * (which keeps a variable's first value whatever unsetenv does). Returns the length read, 0 if none.
 */
static size_t leakgate_read_secret(const char *variable, char *out, size_t size) {
    const char *path = getenv(variable);
    size_t n = 0;
    out[0] = '\0';
    if (path != NULL && *path != '\0') {
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            n = fread(out, 1, size - 1, f);
            fclose(f);
            out[n] = '\0';
            while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) {
                out[--n] = '\0';
            }
        }
        unlink(path);
    }
    unsetenv(variable);
    return n;
}

static void leakgate_take_token(void) {
    char token[72];
    leakgate_reply_prefix[0] = '\0';
    /* from leakgate: a file it wrote for this run alone; run by hand: the variable itself */
    if (leakgate_read_secret("LEAKGATE_KIT_TOKEN_FILE", token, sizeof token) > 0) {
        snprintf(leakgate_reply_prefix, sizeof leakgate_reply_prefix, "@%s ", token);
    } else {
        const char *plain = getenv("LEAKGATE_KIT_TOKEN");
        if (plain != NULL && *plain != '\0' && strlen(plain) < sizeof leakgate_reply_prefix - 3) {
            snprintf(leakgate_reply_prefix, sizeof leakgate_reply_prefix, "@%s ", plain);
        }
    }
    unsetenv("LEAKGATE_KIT_TOKEN");
}

static const struct leakgate_scenario *leakgate_find(const struct leakgate_scenario *scenarios, size_t count,
                                                     const char *name) {
    for (size_t i = 0; i < count; i++) {
        if (strcmp(scenarios[i].name, name) == 0) {
            return &scenarios[i];
        }
    }
    return NULL;
}

static unsigned long long leakgate_heap_in_use(void);

/*
 * Overwrites the stack the scenario used, so that a pointer it left in a dead stack slot does not
 * make its last block look reachable to the leak check that follows.
 */
__attribute__((noinline)) static void leakgate_scrub_stack(void) {
    volatile char scratch[64 * 1024];
    memset((char *) scratch, 0, sizeof scratch);
}

/* Microseconds on the monotonic clock: what a request costs inside the harness. */
static long long leakgate_now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static void leakgate_run_scenario(const struct leakgate_scenario *s, long times, int argc, char **argv) {
    long long started = leakgate_now_us();
    unsigned long before_def = 0, before_pos = 0, before_rea = 0, before_sup = 0;
    unsigned long after_def = 0, after_pos = 0, after_rea = 0, after_sup = 0;
    if (RUNNING_ON_VALGRIND) {
        VALGRIND_DO_QUICK_LEAK_CHECK;
        VALGRIND_COUNT_LEAKS(before_def, before_pos, before_rea, before_sup);
        VALGRIND_PRINTF("leakgate: begin %s %ld\n", s->name, times);
    }
    long ran = 0;
    for (; ran < times && !leakgate_stop_requested; ran++) {
        s->run(argc, argv);
    }
    if (RUNNING_ON_VALGRIND) {
        leakgate_scrub_stack();
        VALGRIND_DO_ADDED_LEAK_CHECK;
        VALGRIND_COUNT_LEAKS(after_def, after_pos, after_rea, after_sup);
    }
    /* signed: a scenario may free what an earlier one kept (a teardown), and then the counts drop */
    long long d_lost = (long long) after_def - (long long) before_def;
    long long d_pos = (long long) after_pos - (long long) before_pos;
    long long d_rea = (long long) after_rea - (long long) before_rea;
    if (RUNNING_ON_VALGRIND) {
        VALGRIND_PRINTF("leakgate: end %s ran=%ld lost=%lld possibly=%lld reachable=%lld heap=%lu\n", s->name,
                        ran, d_lost, d_pos, d_rea, after_def + after_pos + after_rea + after_sup);
    }
    (void) before_sup;
    unsigned long long heap = RUNNING_ON_VALGRIND ? (unsigned long long) (after_def + after_pos + after_rea + after_sup)
                                                  : leakgate_heap_in_use();
    fprintf(leakgate_out, "%sok %s %ld lost=%lld possibly=%lld reachable=%lld heap=%llu us=%lld\n", leakgate_reply_prefix,
           s->name, ran, d_lost, d_pos, d_rea, heap, leakgate_now_us() - started);
}

/* Bytes of heap in use, as the C library counts them (0 where it cannot tell). */
static unsigned long long leakgate_heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (unsigned long long) mi.uordblks + (unsigned long long) mi.hblkhd;
#else
    return 0;
#endif
}

/* The resident set in bytes, from /proc/self/status (0 where there is none). */
static unsigned long long leakgate_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kb = 0;
    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "VmRSS: %llu kB", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return kb * 1024;
}

static void leakgate_soak(const struct leakgate_scenario *s, long times, long every, int argc, char **argv) {
    if (every < 1) {
        every = 1;
    }
    long ran = 0;
    for (long i = 1; i <= times && !leakgate_stop_requested; i++) {
        s->run(argc, argv);
        ran = i;
        if (i % every == 0) {
            fprintf(leakgate_out, "%ssample %s %ld heap=%llu rss=%llu\n", leakgate_reply_prefix, s->name, i, leakgate_heap_in_use(),
                   leakgate_rss());
        }
    }
    fprintf(leakgate_out, "%sok-soak %s %ld\n", leakgate_reply_prefix, s->name, ran);
}

/* "check NAME": a named leak check between scenarios, answered with the totals now. */
/* The threads of this process now: the entries of /proc/self/task (-1 where there is none). */
static int leakgate_threads(void) {
    DIR *d = opendir("/proc/self/task");
    if (d == NULL) {
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            n++;
        }
    }
    closedir(d);
    return n;
}

static void leakgate_check(const char *name) {
    unsigned long lost = 0, possibly = 0, reachable = 0, suppressed = 0;
    if (RUNNING_ON_VALGRIND) {
        leakgate_scrub_stack();
        VALGRIND_PRINTF("leakgate: check %s\n", name);
        VALGRIND_DO_ADDED_LEAK_CHECK;
        VALGRIND_COUNT_LEAKS(lost, possibly, reachable, suppressed);
    }
    fprintf(leakgate_out, "%schecked %s lost=%lu possibly=%lu reachable=%lu suppressed=%lu\n", leakgate_reply_prefix, name, lost,
           possibly, reachable, suppressed);
}

/*
 * Scenario names are letters, digits and '_' (not starting with a digit), each given once: what
 * leakgate can ask for. A harness whose table breaks the rule says so and stops before it serves.
 */
static const char *leakgate_bad_name(const struct leakgate_scenario *scenarios, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const char *n = scenarios[i].name;
        if (n == NULL || !(*n == '_' || (*n >= 'A' && *n <= 'Z') || (*n >= 'a' && *n <= 'z'))) {
            return n == NULL ? "(null)" : n;
        }
        for (const char *c = n; *c; c++) {
            if (!(*c == '_' || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))) {
                return n;
            }
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(scenarios[j].name, n) == 0) {
                return n;
            }
        }
    }
    return NULL;
}

/* The protocol loop; returns the value for main to return. */
static int leakgate_main(const struct leakgate_scenario *scenarios, size_t count, int argc, char **argv) {
    struct sigaction stop;
    memset(&stop, 0, sizeof stop);
    stop.sa_handler = leakgate_on_stop_signal;
    sigemptyset(&stop.sa_mask);
    stop.sa_flags = 0; /* no SA_RESTART: a blocked read returns, and main returns */
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGHUP, &stop, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    leakgate_in = leakgate_private_copy(0, "r", stdin);
    leakgate_out = leakgate_private_copy(1, "w", stdout);
    setvbuf(leakgate_out, NULL, _IOLBF, 0);
    leakgate_take_token();
    const char *bad = leakgate_bad_name(scenarios, count);
    if (bad != NULL) {
        fprintf(leakgate_out, "%sleakgate-harness 2 error bad-scenario-name %s\n", leakgate_reply_prefix, bad);
        fprintf(stderr, "leakgate_harness.h: the scenario name '%s' is not letters, digits and '_' (not starting"
                        " with a digit), or is given twice: rename it in LEAKGATE_SCENARIOS\n", bad);
        leakgate_close_streams();
        return 2;
    }

    fprintf(leakgate_out, "%sleakgate-harness 2 ready scenarios=", leakgate_reply_prefix);
    for (size_t i = 0; i < count; i++) {
        fprintf(leakgate_out, "%s%s", i ? "," : "", scenarios[i].name);
    }
    fprintf(leakgate_out, "\n");

    char line[1024];
    while (!leakgate_stop_requested && fgets(line, sizeof line, leakgate_in) != NULL) {
        char name[256];
        long times = 0;
        if (strncmp(line, "quit", 4) == 0) {
            break;
        }
        long every = 0;
        if (strncmp(line, "check ", 6) == 0 && line[6] != '\n' && line[6] != '\0') {
            line[strcspn(line, "\n")] = '\0'; /* the name is the rest of the line, spaces and all */
            leakgate_check(line + 6);
            continue;
        }
        if (strcmp(line, "threads\n") == 0 || strcmp(line, "threads") == 0) {
            fprintf(leakgate_out, "%sthreads %d\n", leakgate_reply_prefix, leakgate_threads());
            continue;
        }
        if (sscanf(line, "soak %255s %ld %ld", name, &times, &every) == 3 && times >= 0) {
            const struct leakgate_scenario *soaked = leakgate_find(scenarios, count, name);
            if (soaked == NULL) {
                fprintf(leakgate_out, "%serror unknown-scenario %s\n", leakgate_reply_prefix, name);
            } else {
                leakgate_soak(soaked, times, every, argc, argv);
            }
            continue;
        }
        if (sscanf(line, "run %255s %ld", name, &times) != 2 || times < 0) {
            fprintf(leakgate_out, "%serror bad-command %s", leakgate_reply_prefix, line);
            continue;
        }
        const struct leakgate_scenario *s = leakgate_find(scenarios, count, name);
        if (s == NULL) {
            fprintf(leakgate_out, "%serror unknown-scenario %s\n", leakgate_reply_prefix, name);
            continue;
        }
        leakgate_run_scenario(s, times, argc, argv);
    }
    if (leakgate_stop_requested) {
        fprintf(leakgate_out, "%sbye stopped=%s\n", leakgate_reply_prefix, leakgate_stop_requested == SIGTERM ? "SIGTERM"
               : leakgate_stop_requested == SIGINT ? "SIGINT" : "SIGHUP");
    } else {
        fprintf(leakgate_out, "%sbye\n", leakgate_reply_prefix);
    }
    leakgate_close_streams();
    return 0;
}

#define LEAKGATE_SCENARIOS(...)                                                                 \
    static const struct leakgate_scenario leakgate_scenarios[] = {__VA_ARGS__};               \
    int main(int argc, char **argv) {                                                          \
        return leakgate_main(leakgate_scenarios, sizeof leakgate_scenarios / sizeof leakgate_scenarios[0], \
                             argc, argv);                                                       \
    }

#endif
