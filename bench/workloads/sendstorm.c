/* sendstorm N one|alt: N sendto of 16 bytes from one unconnected UDP socket, to one address
 * (127.0.0.2) or alternating between two (127.0.0.2, 127.0.0.3), each a bound receiver that
 * never reads (the kernel drops what its buffer cannot hold; no ICMP errors). One thread.
 * sendstorm N tcprecv: N times, 16 bytes written on one end of a loopback TCP connection and
 * read with recvfrom on the other. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int receiver(const char *ip, struct sockaddr_in *a) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    socklen_t len = sizeof(*a);
    memset(a, 0, sizeof(*a));
    a->sin_family = AF_INET;
    inet_pton(AF_INET, ip, &a->sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) || getsockname(fd, (struct sockaddr *)a, &len)) {
        perror(ip);
        exit(1);
    }
    return fd;
}

static int tcprecv(long n) {
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&a, &len) || connect(c, (struct sockaddr *)&a, sizeof(a))) {
        perror("tcp");
        return 1;
    }
    int s = accept(l, 0, 0);
    char buf[16] = "ksec-bench-recv";
    for (long i = 0; i < n; i++) {
        if (write(s, buf, sizeof(buf)) != sizeof(buf) ||
            recvfrom(c, buf, sizeof(buf), MSG_WAITALL, 0, 0) != sizeof(buf)) {
            perror("tcp");
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    if (argc > 2 && strcmp(argv[2], "tcprecv") == 0)
        return tcprecv(n);
    int alt = argc > 2 && strcmp(argv[2], "alt") == 0;
    struct sockaddr_in to[2];
    receiver("127.0.0.2", &to[0]);
    receiver("127.0.0.3", &to[1]);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) {
        perror("socket");
        return 1;
    }
    char buf[16] = "ksec-bench-send";
    for (long i = 0; i < n; i++) {
        struct sockaddr_in *a = &to[alt ? i & 1 : 0];
        if (sendto(s, buf, sizeof(buf), 0, (struct sockaddr *)a, sizeof(*a)) < 0) {
            perror("sendto");
            return 1;
        }
    }
    return 0;
}
