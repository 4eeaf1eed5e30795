/*
 * leakgate_udp_relay: carries a test's UDP datagrams to a daemon's UDP port on a board and its
 * answers back, over the stdin and stdout of one SSH command. SSH forwards TCP only; ONVIF
 * discovery, RTP, DNS, CoAP and SNMP are UDP. leakgate starts it on the board (one per port) and
 * gives the test a local UDP address that reaches the daemon through it.
 *
 * Build it for the board's CPU with the board's cross compiler, unstripped or not:
 *   aarch64-linux-gnu-gcc -O2 -o leakgate_udp_relay leakgate_udp_relay.c
 * and name it in @ValgrindOnBoard(udpRelay = ...) or leakgate-cli's --udp-relay.
 *
 * Usage: leakgate_udp_relay PORT [RUN-ID]   (the run id is not used: it tells a person reading
 * the board's process list which run the relay serves)
 *
 * Both ways, each datagram travels as a frame: a 2-byte client number, a 2-byte length (both
 * big-endian), then the datagram's bytes. Each client number is a UDP socket of its own on the
 * board, connected to 127.0.0.1:PORT, so the daemon sees one peer per client of the test and its
 * answers to that peer come back under the same number. The relay first writes the frame
 * (0xFFFF, "ready"); it ends at the end of its input (the SSH channel closed) or when its output
 * is gone. Datagrams the daemon's port refuses (nothing bound there yet) are dropped, as UDP does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 256
#define READY_ID 0xFFFFu

static int sockets[MAX_CLIENTS];
static struct sockaddr_in daemon_address;

static int read_full(int fd, unsigned char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r == 0) {
            return 0;
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        got += (size_t) r;
    }
    return 1;
}

static int write_full(int fd, const unsigned char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        buf += w;
        n -= (size_t) w;
    }
    return 0;
}

static int send_frame(unsigned id, const unsigned char *data, size_t n) {
    unsigned char head[4] = { (unsigned char) (id >> 8), (unsigned char) id, (unsigned char) (n >> 8),
                              (unsigned char) n };
    return write_full(1, head, sizeof head) == 0 && write_full(1, data, n) == 0 ? 0 : -1;
}

static int socket_for(unsigned id) {
    if (sockets[id] < 0) {
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        if (s < 0) {
            perror("leakgate_udp_relay: socket");
            return -1;
        }
        if (connect(s, (struct sockaddr *) &daemon_address, sizeof daemon_address) != 0) {
            perror("leakgate_udp_relay: connect");
            close(s);
            return -1;
        }
        sockets[id] = s;
    }
    return sockets[id];
}

int main(int argc, char **argv) {
    static unsigned char datagram[65536];
    char *end = NULL;
    long port = argc >= 2 ? strtol(argv[1], &end, 10) : 0;
    if (argc < 2 || *end != '\0' || port < 1 || port > 65535) {
        fprintf(stderr, "usage: leakgate_udp_relay PORT [RUN-ID]  (PORT: the daemon's UDP port, 1 to 65535)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a closed channel ends the relay through write()'s error */
    memset(&daemon_address, 0, sizeof daemon_address);
    daemon_address.sin_family = AF_INET;
    daemon_address.sin_port = htons((unsigned short) port);
    daemon_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        sockets[i] = -1;
    }
    if (send_frame(READY_ID, (const unsigned char *) "ready", 5) != 0) {
        return 1;
    }
    struct pollfd fds[MAX_CLIENTS + 1];
    unsigned ids[MAX_CLIENTS + 1];
    for (;;) {
        nfds_t n = 0;
        fds[n].fd = 0;
        fds[n].events = POLLIN;
        ids[n++] = READY_ID;
        for (unsigned i = 0; i < MAX_CLIENTS; i++) {
            if (sockets[i] >= 0) {
                fds[n].fd = sockets[i];
                fds[n].events = POLLIN;
                ids[n++] = i;
            }
        }
        if (poll(fds, n, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("leakgate_udp_relay: poll");
            return 1;
        }
        for (nfds_t i = 1; i < n; i++) { /* the daemon's answers first */
            if (fds[i].revents & (POLLIN | POLLERR)) {
                ssize_t r = recv(fds[i].fd, datagram, sizeof datagram, MSG_DONTWAIT);
                if (r >= 0 && send_frame(ids[i], datagram, (size_t) r) != 0) {
                    return 0; /* leakgate is gone */
                }
                /* r < 0: ECONNREFUSED after a datagram to a port nothing had bound; dropped */
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            unsigned char head[4];
            int r = read_full(0, head, sizeof head);
            if (r <= 0) {
                return 0; /* the end of input: leakgate closed the channel */
            }
            unsigned id = (unsigned) head[0] << 8 | head[1];
            size_t len = (size_t) head[2] << 8 | head[3];
            if (read_full(0, datagram, len) <= 0) {
                return 0;
            }
            if (id >= MAX_CLIENTS) {
                fprintf(stderr, "leakgate_udp_relay: client number %u is not below %d\n", id, MAX_CLIENTS);
                return 1;
            }
            int s = socket_for(id);
            if (s >= 0 && send(s, datagram, len, 0) < 0 && errno != ECONNREFUSED) {
                perror("leakgate_udp_relay: send");
            }
        }
    }
}
