/* A process family for the replay tests (strace -f captures): the parent forks a child that
 * makes 2 getppid and exits 0, reaps it, then starts a thread that makes 3 getppid and execs
 * this program with "after" while the leader sleeps: the non-leader thread takes the leader's
 * pid. The new image forks once more (the child makes 1 getppid), reaps it, makes 4 getppid
 * and exits 7. */
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *self;
static int p[2];

static void child(int n) {
    for (int i = 0; i < n; i++) syscall(SYS_getppid);
    _exit(0);
}

static void *work(void *arg) {
    (void)arg;
    char b;
    if (read(p[0], &b, 1) != 1) return NULL;
    for (int i = 0; i < 3; i++) syscall(SYS_getppid);
    char *argv[] = {self, "after", NULL};
    char *envp[] = {NULL};
    execve("/proc/self/exe", argv, envp);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "after") == 0) {
        if (fork() == 0) child(1);
        wait4(-1, NULL, 0, NULL);
        for (int i = 0; i < 4; i++) syscall(SYS_getppid);
        return 7;
    }
    self = argv[0];
    if (fork() == 0) child(2);
    wait4(-1, NULL, 0, NULL);
    if (pipe(p) != 0) return 1;
    pthread_t t;
    pthread_create(&t, NULL, work, NULL);
    if (write(p[1], "go", 1) != 1) return 1;
    struct timespec ts = {10, 0};
    nanosleep(&ts, NULL);
    return 1;
}
