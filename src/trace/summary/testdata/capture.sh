#!/bin/sh
# Regenerates the strace 6.1 captures used by the summary tests (run from this directory).
#
# Each capture is `strace -n -C -w -T --syscall-times=ns`: every syscall line with its number and
# its wall-clock time in ns (the same value -w counts), then the summary strace printed. The tests
# rebuild a Report from the lines and compare ksec's rendering with strace's summary, byte for byte.
set -eu
S="strace -n -C -w -T --syscall-times=ns"
cap() { out=$1; shift; $S -o "$out" "$@" >/dev/null; }
cap default.txt ls /
cap sort-calls-columns.txt -S calls -U name,calls,errors,min-time,max-time,avg-time ls -la /etc/default
cap all-columns-sort-errors.txt -S errors \
    -U time-percent,total-time,min-time,max-time,avg-time,calls,errors,name ls -la /etc/default
cap sort-name.txt -S name ls -la /etc/default
cap sort-shortest.txt -S shortest ls -la /etc/default
cap sort-longest.txt -S longest ls -la /etc/default
cap sort-avg.txt -S time_avg ls -la /etc/default
cap sort-none.txt -S none ls -la /etc/default
cap sort-count.txt -S count ls /
cap columns-time-alias.txt -U time,calls ls /
cap columns-name-first.txt -U syscall-name,count,error ls /
cap overhead-10us.txt -O 10us ls /
gcc -O2 -o /tmp/ksec-i386 i386.c
cap i386.txt /tmp/ksec-i386
# A process family for the replay backend (strace -f): forks, a thread that execs while the
# leader sleeps (strace's `+++ superseded by execve`), exit status 7. Per-task lines carry
# `PID ` with -o, `[pid PID] ` on stderr (there, only while more than one task is traced).
gcc -O2 -pthread -o /tmp/ksec-family family.c
$S -f -o family.txt /tmp/ksec-family || [ $? = 7 ]
$S -f /tmp/ksec-family 2>family-stderr.txt || [ $? = 7 ]
