/* execstorm N P: P workers each fork+exec /bin/true N/P times (waiting for each), so N
 * short-lived processes in all, as fast as the machine runs them. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000;
    long p = argc > 2 ? atol(argv[2]) : 2;
    for (long w = 0; w < p; w++) {
        if (fork() == 0) {
            for (long i = 0; i < n / p; i++) {
                pid_t c = vfork();
                if (c == 0) {
                    execl("/bin/true", "true", "ksec-bench-exec", (char *)0);
                    _exit(127);
                }
                waitpid(c, 0, 0);
            }
            _exit(0);
        }
    }
    while (wait(0) > 0) {
    }
    return 0;
}
