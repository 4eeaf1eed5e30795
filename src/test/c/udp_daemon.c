/*
 * A UDP server for live-session tests, like a camera's discovery or a DNS forwarder: it serves
 * datagrams until SIGTERM ends it. Each datagram is a request, answered to its sender:
 *   "leak N" -> loses N bytes, answers "ok leak N"     anything else -> answers "ok " and the datagram
 * argv[1]: the UDP port (bound on all addresses). With argv[2] "late", it binds only after 3 s (a
 * daemon still reading its configuration). It prints "bound udp PORT" when it is ready.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void lose(long bytes) {
    char *lost = malloc((size_t) bytes);
    memset(lost, 2, (size_t) bytes);
    lost = NULL;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 5353;
    if (argc > 2 && strcmp(argv[2], "late") == 0) {
        sleep(3);
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short) port),
                             .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (s < 0 || bind(s, (struct sockaddr *) &a, sizeof a) != 0) {
        perror("bind");
        return 1;
    }
    printf("bound udp %d\n", port);
    fflush(stdout);
    for (;;) {
        char in[512];
        char out[600];
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(s, in, sizeof in - 1, 0, (struct sockaddr *) &from, &len);
        if (n < 0) {
            continue;
        }
        in[n] = '\0';
        long bytes = 0;
        if (sscanf(in, "leak %ld", &bytes) == 1 && bytes > 0) {
            lose(bytes);
        }
        int m = snprintf(out, sizeof out, "ok %s", in);
        sendto(s, out, (size_t) m, 0, (struct sockaddr *) &from, len);
    }
}
