/*
 * The kernel's share of a loopback connection, with no TLS and no framework: the floor under
 * every server in scripts/compare-servers.sh (BENCHMARKS.md, "The floors under
 * the loopback targets").
 *
 * One process per side, blocking sockets, TCP_NODELAY, the message pattern of a resumed
 * TLS 1.2 connection under `openssl s_time -reuse -www /`:
 *   client: connect, send the ClientHello (CH bytes), read the server's flight (FLIGHT bytes),
 *           send ChangeCipherSpec + Finished + the GET (REQUEST bytes), read to EOF, close;
 *   server: accept, read CH bytes, send FLIGHT bytes, read REQUEST bytes, send the reply and
 *           close_notify (REPLY bytes), close.
 * The server does nothing else per connection, so its CPU time (utime + stime, read from
 * /proc by the script) is what any server pays the kernel for the same TCP traffic.
 *
 *   tcp-floor server PORTFILE       listen on 127.0.0.1:0, write the port to PORTFILE, serve
 *                                   until killed
 *   tcp-floor client PORT SECONDS   connect repeatedly for SECONDS; prints "N connections"
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CH = 517, FLIGHT = 155, REQUEST = 110, REPLY = 420 };

static char buffer[4096];

/* Reads exactly n bytes (n == 0: to EOF). Returns 0, or -1 on error or early EOF. */
static int read_bytes(int fd, size_t n) {
    size_t got = 0;
    for (;;) {
        size_t want = n ? n - got : sizeof buffer;
        if (n && got == n) return 0;
        if (want > sizeof buffer) want = sizeof buffer;
        ssize_t r = read(fd, buffer, want);
        if (r < 0) return -1;
        if (r == 0) return n ? -1 : 0;
        got += (size_t)r;
    }
}

static int write_bytes(int fd, size_t n) {
    size_t sent = 0;
    while (sent < n) {
        ssize_t w = write(fd, buffer, n - sent);
        if (w <= 0) return -1;
        sent += (size_t)w;
    }
    return 0;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int serve(const char *portfile) {
    int one = 1;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 256) < 0 ||
        getsockname(listener, (struct sockaddr *)&address, &length) < 0) {
        perror("tcp-floor server");
        return 1;
    }
    FILE *file = fopen(portfile, "w");
    if (!file) { perror(portfile); return 1; }
    fprintf(file, "%d\n", ntohs(address.sin_port));
    fclose(file);
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (read_bytes(fd, CH) == 0 && write_bytes(fd, FLIGHT) == 0 && read_bytes(fd, REQUEST) == 0)
            write_bytes(fd, REPLY);
        close(fd);
    }
}

static int connect_repeatedly(int port, double seconds) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    long connections = 0, failures = 0;
    double end = now() + seconds;
    while (now() < end) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) { perror("socket"); return 1; }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&address, sizeof address) == 0 && write_bytes(fd, CH) == 0 &&
            read_bytes(fd, FLIGHT) == 0 && write_bytes(fd, REQUEST) == 0 && read_bytes(fd, 0) == 0)
            connections++;
        else
            failures++;
        close(fd);
        if (failures > 100) { fprintf(stderr, "tcp-floor client: too many failures\n"); return 1; }
    }
    printf("%ld connections\n", connections);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) return serve(argv[2]);
    if (argc == 4 && strcmp(argv[1], "client") == 0) {
        int port = atoi(argv[2]);
        double seconds = atof(argv[3]);
        if (port <= 0 || port > 65535 || !(seconds > 0 && seconds < 3600)) {
            fprintf(stderr, "tcp-floor client: bad port or seconds\n");
            return 2;
        }
        return connect_repeatedly(port, seconds);
    }
    fprintf(stderr, "usage: tcp-floor server PORTFILE | tcp-floor client PORT SECONDS\n");
    return 2;
}
