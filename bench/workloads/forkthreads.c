/* Forks plus threads workload.
 * usage: forkthreads [N] [PROCS] [THREADS]   (defaults 200000 4 2)
 * The parent forks PROCS processes; each runs THREADS threads; each thread makes
 * N/(PROCS*THREADS) getppid() calls plus one write() to /dev/null every 10 calls, so about
 * 1.1*N syscalls in total, spread over PROCS*THREADS threads running concurrently. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long per_thread;

static void *worker(void *arg) {
    (void)arg;
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) exit(1);
    for (long i = 0; i < per_thread; i++) {
        syscall(SYS_getppid);
        if (i % 10 == 0 && write(fd, "x", 1) != 1) exit(1);
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    int procs = argc > 2 ? atoi(argv[2]) : 4;
    int threads = argc > 3 ? atoi(argv[3]) : 2;
    if (procs < 1 || threads < 1) return 2;
    per_thread = n / ((long)procs * threads);
    for (int p = 0; p < procs; p++) {
        pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) {
            pthread_t t[64];
            int k = threads > 64 ? 64 : threads;
            for (int i = 0; i < k; i++)
                if (pthread_create(&t[i], NULL, worker, NULL)) _exit(1);
            for (int i = 0; i < k; i++) pthread_join(t[i], NULL);
            _exit(0);
        }
    }
    int status, rc = 0;
    while (wait(&status) > 0)
        if (!WIFEXITED(status) || WEXITSTATUS(status)) rc = 1;
    return rc;
}
