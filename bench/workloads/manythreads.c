/* Many threads alive at the same time, each making a few syscalls.
 * usage: manythreads [THREADS] [CALLS]   (defaults 10000 4)
 * Creates THREADS threads (64 KiB stacks); each makes CALLS getppid() calls, then blocks in
 * read() on a pipe. Once every thread has made its calls and is about to block, the main thread
 * closes the pipe's write end: every read() returns 0 and the threads exit, and main joins them.
 * So all THREADS threads are alive together, and the process makes THREADS*(CALLS+1) getppid
 * and read calls plus the clone3/mmap/mprotect/futex calls of thread creation and joining. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int calls;
static int pipefd[2];
static atomic_int ready;

static void *worker(void *arg) {
    (void)arg;
    char c;
    for (int i = 0; i < calls; i++) syscall(SYS_getppid);
    atomic_fetch_add(&ready, 1);
    if (read(pipefd[0], &c, 1) != 0) exit(1);
    return NULL;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    calls = argc > 2 ? atoi(argv[2]) : 4;
    if (n < 1 || calls < 0) return 2;
    pthread_t *t = calloc((size_t)n, sizeof *t);
    if (!t || pipe(pipefd)) return 1;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], &attr, worker, NULL)) {
            fprintf(stderr, "manythreads: thread %d of %d not created\n", i, n);
            return 1;
        }
    struct timespec ms = {0, 1000000};
    while (atomic_load(&ready) < n) nanosleep(&ms, NULL);
    close(pipefd[1]);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    return 0;
}
