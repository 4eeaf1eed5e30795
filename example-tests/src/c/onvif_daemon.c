/*
 * A small ONVIF-like camera daemon: the field report's program. It serves SOAP over HTTP on a TCP
 * port until a signal ends it, and never returns from main by itself:
 *
 *   POST /onvif/media_service  GetProfiles                 -> the stream profiles (main, sub)
 *   POST /onvif/media_service  GetStreamUri(ProfileToken)  -> starts the profile's stream with
 *                              onvifStartStream (libonvif_server), answers its rtsp:// URI, stops it
 *   POST /onvif/media_service  GetSnapshotUri              -> a helper process it forks takes the snapshot
 *                              with onvifTakeSnapshot (libonvif_server) into snapshot.jpg and exits
 *
 * and answers WS-Discovery Probe datagrams on UDP port 3702 (ONVIF discovery; here a directed probe
 * to the loopback, not the multicast group) with a ProbeMatches naming its device service.
 *
 * Usage: onvif_daemon PORT. It writes the stream profiles (main.xml: multicast, sub.xml: unicast)
 * into its working directory, as the camera's firmware would have them, and prints
 * "onvif_daemon: listening on port PORT" when it is ready. One request per connection. With
 * ONVIF_PROFILE_BYTES=N in its environment each profile carries a description of N more bytes, as a
 * camera's full profile (encoder, analytics and PTZ settings) does.
 */
#include "onvif_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_REQUEST 65536
#define DISCOVERY_PORT 3702

static void write_profile(const char *name, const char *multicast) {
    char path[64];
    snprintf(path, sizeof path, "%s.xml", name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fprintf(f, "<?xml version=\"1.0\"?>\n<profile>\n  <name>%s</name>\n  <encoding>H264</encoding>\n"
               "  <port>8554</port>\n  <multicast>%s</multicast>\n", name, multicast);
    const char *extra = getenv("ONVIF_PROFILE_BYTES");
    long pad = extra == NULL ? 0 : atol(extra);
    if (pad > 0) {
        fputs("  <description>", f);
        for (long i = 0; i < pad; i++) {
            fputc('a' + (int) (i % 26), f);
        }
        fputs("</description>\n", f);
    }
    fputs("</profile>\n", f);
    fclose(f);
}

static void send_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n <= 0) {
            return;
        }
        data += n;
        length -= (size_t) n;
    }
}

static void respond(int fd, int status, const char *body) {
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: application/soap+xml; charset=utf-8\r\n"
                                        "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request", strlen(body));
    send_all(fd, head, (size_t) n);
    send_all(fd, body, strlen(body));
}

static const char *ENVELOPE_START = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\""
    " xmlns:tt=\"http://www.onvif.org/ver10/schema\"><s:Body>";
static const char *ENVELOPE_END = "</s:Body></s:Envelope>\n";

static void get_profiles(int fd) {
    char body[1024];
    snprintf(body, sizeof body, "%s<trt:GetProfilesResponse>"
             "<trt:Profiles token=\"main\" fixed=\"true\"><tt:Name>main</tt:Name></trt:Profiles>"
             "<trt:Profiles token=\"sub\" fixed=\"true\"><tt:Name>sub</tt:Name></trt:Profiles>"
             "</trt:GetProfilesResponse>%s", ENVELOPE_START, ENVELOPE_END);
    respond(fd, 200, body);
}

/* The text of the first <...TAG>TEXT</...TAG> in xml (any namespace prefix), or "" when there is none. */
static void tag_text(const char *xml, const char *tag, char *text, size_t size) {
    char open[64];
    snprintf(open, sizeof open, "%s>", tag);
    text[0] = '\0';
    const char *at = strstr(xml, open);
    if (at == NULL) {
        return;
    }
    at += strlen(open);
    size_t n = strcspn(at, "<");
    if (n >= size) {
        n = size - 1;
    }
    memcpy(text, at, n);
    text[n] = '\0';
}

static void get_stream_uri(int fd, const char *request) {
    char token[32];
    char path[64];
    char body[1024];
    tag_text(request, "ProfileToken", token, sizeof token);
    if (strcmp(token, "main") != 0 && strcmp(token, "sub") != 0) {
        snprintf(body, sizeof body, "%s<s:Fault><s:Reason><s:Text>no profile '%s'</s:Text></s:Reason></s:Fault>%s",
                 ENVELOPE_START, token, ENVELOPE_END);
        respond(fd, 400, body);
        return;
    }
    snprintf(path, sizeof path, "%s.xml", token);
    struct onvif_stream stream;
    if (onvifStartStream(path, &stream) != 0) {
        snprintf(body, sizeof body, "%s<s:Fault><s:Reason><s:Text>cannot start '%s'</s:Text></s:Reason></s:Fault>%s",
                 ENVELOPE_START, token, ENVELOPE_END);
        respond(fd, 400, body);
        return;
    }
    snprintf(body, sizeof body, "%s<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>rtsp://127.0.0.1:%d/%s</tt:Uri>"
             "</trt:MediaUri></trt:GetStreamUriResponse>%s", ENVELOPE_START, stream.port, token, ENVELOPE_END);
    onvifStopStream(&stream);
    respond(fd, 200, body);
}

/* Reads one HTTP request (headers, then Content-Length bytes of body) into buf; its length, or -1. */
static long read_request(int fd, char *buf, size_t size) {
    size_t used = 0;
    char *body = NULL;
    long length = -1;
    while (used < size - 1) {
        ssize_t n = read(fd, buf + used, size - 1 - used);
        if (n <= 0) {
            return used > 0 ? (long) used : -1;
        }
        used += (size_t) n;
        buf[used] = '\0';
        if (body == NULL && (body = strstr(buf, "\r\n\r\n")) != NULL) {
            body += 4;
            const char *cl = strstr(buf, "Content-Length:");
            if (cl == NULL) {
                cl = strstr(buf, "content-length:");
            }
            length = cl != NULL ? atol(cl + strlen("Content-Length:")) : 0;
        }
        if (body != NULL && (long) (buf + used - body) >= length) {
            return (long) used;
        }
    }
    return (long) used;
}

/* GetSnapshotUri: a helper process takes the snapshot (a crash there cannot take the server down). */
static void get_snapshot_uri(int fd) {
    pid_t helper = fork();
    if (helper == 0) {
        exit(onvifTakeSnapshot("snapshot.jpg") == 0 ? 0 : 1);
    }
    int status = 0;
    if (helper < 0 || waitpid(helper, &status, 0) != helper || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        respond(fd, 500, "");
        return;
    }
    char body[1024];
    snprintf(body, sizeof body, "%s<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>http://127.0.0.1/snapshot.jpg"
             "</tt:Uri></trt:MediaUri></trt:GetSnapshotUriResponse>%s", ENVELOPE_START, ENVELOPE_END);
    respond(fd, 200, body);
}

static void serve(int fd, char *buf) {
    long n = read_request(fd, buf, MAX_REQUEST);
    if (n <= 0) {
        return; /* a connection that sent nothing: a readiness check */
    }
    if (strncmp(buf, "POST ", 5) != 0) {
        respond(fd, 404, "");
    } else if (strstr(buf, "GetProfiles") != NULL) {
        get_profiles(fd);
    } else if (strstr(buf, "GetStreamUri") != NULL) {
        get_stream_uri(fd, buf);
    } else if (strstr(buf, "GetSnapshotUri") != NULL) {
        get_snapshot_uri(fd);
    } else {
        respond(fd, 400, "");
    }
}

/* One WS-Discovery datagram: a Probe is answered, to its sender, with this camera's ProbeMatches. */
static void discover(int udp, int port) {
    char probe[4096];
    char id[128];
    char match[2048];
    struct sockaddr_in from;
    socklen_t length = sizeof from;
    ssize_t n = recvfrom(udp, probe, sizeof probe - 1, 0, (struct sockaddr *) &from, &length);
    if (n <= 0) {
        return;
    }
    probe[n] = '\0';
    if (strstr(probe, "Probe") == NULL) {
        return;
    }
    tag_text(probe, "MessageID", id, sizeof id);
    int m = snprintf(match, sizeof match, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\""
        " xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
        " xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><s:Header>"
        "<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>"
        "<a:RelatesTo>%s</a:RelatesTo></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch>"
        "<d:Types>dn:NetworkVideoTransmitter</d:Types>"
        "<d:XAddrs>http://127.0.0.1:%d/onvif/device_service</d:XAddrs>"
        "</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>\n", id, port);
    sendto(udp, match, (size_t) m, 0, (struct sockaddr *) &from, length);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: onvif_daemon PORT\n");
        return 64;
    }
    int port = atoi(argv[1]);
    signal(SIGPIPE, SIG_IGN);
    write_profile("main", "true");
    write_profile("sub", "false");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short) port);
    if (bind(s, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(s, 16) != 0) {
        perror("onvif_daemon: cannot listen");
        return 2;
    }
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    addr.sin_port = htons(DISCOVERY_PORT);
    if (bind(udp, (struct sockaddr *) &addr, sizeof addr) != 0) {
        perror("onvif_daemon: cannot bind the discovery port");
        return 2;
    }
    char *buf = malloc(MAX_REQUEST);
    printf("onvif_daemon: listening on port %d (discovery on UDP %d)\n", port, DISCOVERY_PORT);
    fflush(stdout);
    for (;;) {
        struct pollfd ready[2] = { { .fd = s, .events = POLLIN }, { .fd = udp, .events = POLLIN } };
        if (poll(ready, 2, -1) <= 0) {
            continue;
        }
        if (ready[1].revents & POLLIN) {
            discover(udp, port);
        }
        if (ready[0].revents & POLLIN) {
            int fd = accept(s, NULL, NULL);
            if (fd >= 0) {
                serve(fd, buf);
                close(fd);
            }
        }
    }
}
