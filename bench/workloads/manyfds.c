/* manyfds: one process holding about N fds of every common kind, for bench/fds.sh and
 * tests/fds.rs: regular files (distinct files in DIR, some written, one flocked, one mapped),
 * a directory, pipes, TCP connections on 127.0.0.1 and ::1 (both ends, and the listeners), UDP
 * sockets (bound, some connected), UNIX stream and datagram socketpairs, UNIX connections to a
 * listener bound to DIR/sock, eventfds, a timerfd, a signalfd, an inotify fd and one epoll fd
 * watching 100 of them.
 *
 *   manyfds N DIR        prints "ready <pid> <fds>" on stdout once everything is open, then
 *                        waits until stdin closes (or a line is read).
 *
 * Shares of N: 30% files, 20% pipe ends, 16% TCP ends (4/5 IPv4, 1/5 IPv6), 5% UDP, 20% unix
 * socketpair ends, 2% named unix ends, 7% eventfds. The fd limit is raised to N + 64 (root may
 * raise the hard limit). Every failure exits 1 naming the call. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

static int total;

static void die(const char *what) {
    fprintf(stderr, "manyfds: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int got(int fd, const char *what) {
    if (fd < 0) die(what);
    total++;
    return fd;
}

static void tcp_pairs(int family, int n) {
    int l = got(socket(family, SOCK_STREAM, 0), "socket tcp");
    struct sockaddr_storage ss = {0};
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    }
    if (bind(l, (struct sockaddr *)&ss, len) < 0) die("bind tcp");
    if (listen(l, 64) < 0) die("listen");
    if (getsockname(l, (struct sockaddr *)&ss, &len) < 0) die("getsockname");
    for (int i = 0; i < n; i++) {
        int c = got(socket(family, SOCK_STREAM, 0), "socket tcp client");
        if (connect(c, (struct sockaddr *)&ss, len) < 0) die("connect tcp");
        got(accept(l, NULL, NULL), "accept tcp");
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: manyfds N DIR\n");
        return 2;
    }
    int n = atoi(argv[1]);
    const char *dir = argv[2];
    struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) die("setrlimit RLIMIT_NOFILE");
    signal(SIGPIPE, SIG_IGN);
    total = 3;
    char path[4096];

    got(open(dir, O_RDONLY | O_DIRECTORY), "open dir");
    int files = n * 30 / 100;
    for (int i = 0; i < files; i++) {
        snprintf(path, sizeof path, "%s/f%05d", dir, i);
        int flags = i % 3 == 0 ? O_RDWR | O_CREAT : i % 3 == 1 ? O_WRONLY | O_CREAT : O_RDONLY | O_CREAT;
        int fd = got(open(path, flags, 0644), path);
        if (i % 3 != 2 && write(fd, "0123456789", (size_t)(i % 10) + 1) < 0) die("write");
        if (i == 0 && flock(fd, LOCK_EX) < 0) die("flock");
        if (i == 3) {
            void *m = mmap(NULL, 10, PROT_READ, MAP_SHARED, fd, 0);
            if (m == MAP_FAILED) die("mmap");
        }
    }
    for (int i = 0; i < n * 20 / 100 / 2; i++) {
        int p[2];
        if (pipe(p) < 0) die("pipe");
        total += 2;
    }
    int tcp = n * 16 / 100 / 2;
    tcp_pairs(AF_INET, tcp * 4 / 5);
    tcp_pairs(AF_INET6, tcp - tcp * 4 / 5);
    for (int i = 0; i < n * 5 / 100; i++) {
        int u = got(socket(AF_INET, SOCK_DGRAM, 0), "socket udp");
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (bind(u, (struct sockaddr *)&a, sizeof a) < 0) die("bind udp");
        if (i % 2) {
            a.sin_port = htons(9);
            if (connect(u, (struct sockaddr *)&a, sizeof a) < 0) die("connect udp");
        }
    }
    for (int i = 0; i < n * 20 / 100 / 2; i++) {
        int s[2];
        if (socketpair(AF_UNIX, i % 2 ? SOCK_DGRAM : SOCK_STREAM, 0, s) < 0) die("socketpair");
        total += 2;
    }
    struct sockaddr_un su = {.sun_family = AF_UNIX};
    snprintf(su.sun_path, sizeof su.sun_path, "%s/sock", dir);
    unlink(su.sun_path);
    int ul = got(socket(AF_UNIX, SOCK_STREAM, 0), "socket unix");
    if (bind(ul, (struct sockaddr *)&su, sizeof su) < 0) die("bind unix");
    if (listen(ul, 64) < 0) die("listen unix");
    for (int i = 0; i < n * 2 / 100 / 2; i++) {
        int c = got(socket(AF_UNIX, SOCK_STREAM, 0), "socket unix client");
        if (connect(c, (struct sockaddr *)&su, sizeof su) < 0) die("connect unix");
        got(accept(ul, NULL, NULL), "accept unix");
    }
    int first_event = -1;
    for (int i = 0; i < n * 7 / 100; i++) {
        int e = got(eventfd(0, 0), "eventfd");
        if (first_event < 0) first_event = e;
    }
    got(timerfd_create(CLOCK_MONOTONIC, 0), "timerfd_create");
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    got(signalfd(-1, &mask, 0), "signalfd");
    int in = got(inotify_init(), "inotify_init");
    if (inotify_add_watch(in, dir, IN_CREATE) < 0) die("inotify_add_watch");
    int ep = got(epoll_create1(0), "epoll_create1");
    for (int i = 0; i < 100 && first_event >= 0; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = first_event + i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, first_event + i, &ev) < 0) die("epoll_ctl");
    }
    printf("ready %d %d\n", getpid(), total);
    fflush(stdout);
    char line[16];
    (void)!read(0, line, sizeof line);
    return 0;
}
