/*
 * A small TCP server for live-session tests, like a camera daemon: it serves until a signal ends it
 * (SIGTERM's default action) and never returns from main by itself. One request per connection,
 * one line:
 *   "leak N"  -> loses N bytes            "keep N" -> keeps N bytes reachable (a cache)
 *   "crash"   -> dereferences NULL         anything else, or nothing -> no change
 *   "forge NAME" -> writes a forged leak check answer for NAME into the probe's answer FIFO
 * and answers "ok\n". argv[1]: the port. argv[2], a mode: "ignore-term" (SIGTERM is ignored),
 * "exit-early" (says why on stderr and exits 3 before listening), "drop-privileges" (switches to
 * nobody, uid and gid 65534, once it listens, as daemons started as root do), "fork-workers" (each
 * connection is served by a forked worker, which exits after it), "detach" (double-forks before it
 * listens, as daemons that detach from their terminal do: its first process exits at once), "chroot"
 * (changes its root to its working folder once it listens, as hardened daemons do).
 * It prints "listening on PORT" when it is ready.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct cached { struct cached *next; char data[]; };
static struct cached *cache;

static void serve(int fd) {
    char line[128];
    ssize_t n = read(fd, line, sizeof line - 1);
    line[n > 0 ? n : 0] = '\0';
    long bytes = 0;
    if (sscanf(line, "leak %ld", &bytes) == 1 && bytes > 0) {
        char *lost = malloc((size_t) bytes);
        memset(lost, 1, (size_t) bytes);
        lost = NULL;
    } else if (sscanf(line, "keep %ld", &bytes) == 1 && bytes > 0) {
        struct cached *c = malloc(sizeof *c + (size_t) bytes);
        c->next = cache;
        cache = c;
    } else if (strncmp(line, "forge ", 6) == 0) {
        char path[4096];
        char name[64];
        const char *dir = getenv("LEAKGATE_RUN_DIR");
        if (dir != NULL && sscanf(line + 6, "%63s", name) == 1) {
            snprintf(path, sizeof path, "%s/probe.ans", dir);
            FILE *ans = fopen(path, "w");
            if (ans != NULL) {
                fprintf(ans, "checked %s lost=0 possibly=0 reachable=0 suppressed=0\n", name);
                fclose(ans);
            }
        }
    } else if (strncmp(line, "crash", 5) == 0) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
    if (write(fd, "ok\n", 3) < 0) {
        perror("write");
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    const char *mode = argc > 2 ? argv[2] : "";
    if (strcmp(mode, "exit-early") == 0) {
        fprintf(stderr, "daemon: cannot read /etc/daemon.conf: No such file or directory\n");
        return 3;
    }
    if (strcmp(mode, "detach") == 0) {
        if (fork() > 0) {
            return 0; /* the first process: done */
        }
        setsid();
        if (fork() > 0) {
            exit(0); /* the middle one: done too; its child is the daemon */
        }
    }
    if (strcmp(mode, "ignore-term") == 0) {
        signal(SIGTERM, SIG_IGN);
    }
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short) port);
    if (bind(s, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(s, 16) != 0) {
        perror("daemon: cannot listen");
        return 2;
    }
    if (strcmp(mode, "drop-privileges") == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
        perror("daemon: cannot switch to nobody");
        return 4;
    }
    if (strcmp(mode, "chroot") == 0 && (chroot(".") != 0 || chdir("/") != 0)) {
        perror("daemon: cannot change its root");
        return 5;
    }
    int workers = strcmp(mode, "fork-workers") == 0;
    if (workers) {
        signal(SIGCHLD, SIG_IGN); /* workers are reaped by the kernel */
    }
    printf("listening on %d\n", port);
    fflush(stdout);
    for (;;) {
        int fd = accept(s, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        if (workers && fork() == 0) {
            close(s);
            serve(fd);
            exit(0);
        }
        if (!workers) {
            serve(fd);
        }
        close(fd);
    }
}
