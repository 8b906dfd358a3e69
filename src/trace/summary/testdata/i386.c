#include <unistd.h>
#include <sys/syscall.h>
static long int80(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}
int main(void) {
    for (int i = 0; i < 3; i++) int80(20, 0, 0, 0);      /* i386 getpid */
    int80(4, 1, 0, 0);                                    /* i386 write(1, NULL, 0) */
    int80(4, -1, 0, 0);                                   /* write to bad fd: EBADF */
    int80(6, -1, 0, 0);                                   /* close(-1): EBADF */
    getppid();
    syscall(SYS_getpid);
    return 0;
}
