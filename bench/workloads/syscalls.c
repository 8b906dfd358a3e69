/* Single-threaded syscall-heavy workload.
 * usage: syscalls [N]   (default 200000)
 * Makes N getppid() calls and N/10 one-byte write()s to /dev/null, i.e. about 1.1*N syscalls
 * (plus ~30 for process startup). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) return 1;
    for (long i = 0; i < n; i++) {
        syscall(SYS_getppid); /* not cached by libc */
        if (i % 10 == 0 && write(fd, "x", 1) != 1) return 1;
    }
    close(fd);
    return 0;
}
