/* LD_PRELOAD helper for bench/trace.sh: at exit, appends "<pid> <VmHWM kB>" of the process
 * whose pid is in $PEAKRSS_PID (or of every process if unset) to the file $PEAKRSS_OUT.
 * VmHWM is the peak resident set of this process alone, unlike GNU time's %M, which also folds
 * in the peak of the children it waited for. LD_PRELOAD is removed from the environment at
 * load, so the traced command does not inherit it (ksec and strace pass their own environ). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void init(void) { unsetenv("LD_PRELOAD"); }

__attribute__((destructor)) static void fini(void) {
    const char *out = getenv("PEAKRSS_OUT");
    const char *want = getenv("PEAKRSS_PID");
    if (!out) return;
    if (want && atol(want) != (long)getpid()) return;
    FILE *s = fopen("/proc/self/status", "r");
    if (!s) return;
    char line[256];
    long hwm = -1;
    while (fgets(line, sizeof line, s))
        if (!strncmp(line, "VmHWM:", 6)) hwm = atol(line + 6);
    fclose(s);
    FILE *o = fopen(out, "a");
    if (!o) return;
    fprintf(o, "%ld %ld\n", (long)getpid(), hwm);
    fclose(o);
}
