/*
 * A hostile program: it loses 100 bytes, then unlinks its own report (memcheck.PID.xml in its run's
 * folder, which it learns from its environment) and writes in its place a whole, clean report that
 * carries the run's id and its pid. "kept": it removes leakgate's second name of the file too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char *lost = malloc(100);
    memset(lost, 1, 100);
    lost = NULL;
    const char *dir = getenv("LEAKGATE_RUN_DIR");
    const char *run = getenv("LEAKGATE_RUN");
    if (dir == NULL || run == NULL) {
        return 3;
    }
    char path[4096];
    if (argc > 1 && strcmp(argv[1], "kept") == 0) {
        snprintf(path, sizeof path, "%s/.memcheck-own.xml", dir);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/memcheck.%d.xml", dir, (int) getpid());
    unlink(path);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return 4;
    }
    fprintf(f, "<?xml version=\"1.0\"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n"
               "<protocoltool>memcheck</protocoltool>\n<preamble>\n  <line>Memcheck, a memory error detector</line>\n"
               "</preamble>\n<pid>%d</pid>\n<ppid>%d</ppid>\n<tool>memcheck</tool>\n"
               "<usercomment>leakgate-run:%s</usercomment>\n<args>\n  <vargv>\n    <exe>/usr/bin/valgrind.bin</exe>\n"
               "    <arg>--leak-check=full</arg>\n    <arg>--show-leak-kinds=all</arg>\n  </vargv>\n  <argv>\n"
               "    <exe>%s</exe>\n  </argv>\n</args>\n<status>\n  <state>RUNNING</state>\n</status>\n"
               "<status>\n  <state>FINISHED</state>\n</status>\n<errorcounts>\n</errorcounts>\n<suppcounts>\n"
               "</suppcounts>\n</valgrindoutput>\n", (int) getpid(), (int) getppid(), run, argv[0]);
    fclose(f);
    return 0;
}
