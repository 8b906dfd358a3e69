#!/usr/bin/env bash
# bench/lines.sh - benchmark `ksec trace -f -o FILE` (per-call lines) against `strace -f -o FILE`.
#
# Run from the repository root:   sudo bench/lines.sh
#
# Needs: bash, gcc, strace, taskset, GNU awk/sort, root (ptrace, and both tracers measured under
# the same privileges). Builds target/release/ksec if missing (KSEC=path for another binary).
#
# Workloads (bench/workloads/*.c, compiled into bench/out/bin/): `syscalls` (one thread, N
# getppid + N/10 write) and `forkthreads` (PROCS processes x THREADS threads, N getppid + N/10
# write in total). Configurations, each writing its lines to a file in bench/out/ (tmpfs or not,
# the same file system for all):
#   untraced        the workload alone
#   strace          strace -f -o FILE
#   strace-pinned   taskset -c 0 strace -f -o FILE (tracer and tracees on one CPU, as ksec's
#                   default CPU placement does: separates placement from tracer efficiency)
#   ksec            ksec trace -f -o FILE (ptrace; default placement: same CPU for a command it
#                   starts)
#   ksec-json       ksec trace -f --json -o FILE
#   ksec-ebpf       ksec trace --backend ebpf -f -o FILE (the kernel records each call; nothing
#                   stops; a line count below strace's means records were lost)
#   ksec-ebpf-json  the same with --json
#   strace-y        strace -f -y -o FILE (fds named: /proc/PID/fd read at each fd argument)
#   ksec-ebpf-y     ksec trace --backend ebpf -f -y -o FILE (fds named in the kernel, a dentry
#                   walk per fd argument); not in the default CONFIGS: compare with strace-y
# Each round runs every configuration once (interleaved); RUNS rounds. The tables give medians,
# the ratio of medians and the median of per-round ratios (same round = same machine load), and
# the line counts of both tracers' files (they must agree: the same calls were printed).
# Nothing here asserts a timing.
#
# Environment: RUNS=5 N=200000 PROCS=4 THREADS=2 KSEC=target/release/ksec OUT=bench/out
# CONFIGS="..." (a subset of the configurations, in that order)
set -euo pipefail

RUNS=${RUNS:-5}
N=${N:-200000}
PROCS=${PROCS:-4}
THREADS=${THREADS:-2}
KSEC=${KSEC:-target/release/ksec}
OUT=${OUT:-bench/out}

die() { echo "lines.sh: $*" >&2; exit 1; }
[[ -f Cargo.toml && -d bench/workloads ]] || die "run from the repository root"
[[ $(id -u) == 0 ]] || die "needs root (sudo bench/lines.sh)"
for t in gcc strace taskset awk sort; do
    command -v "$t" >/dev/null || die "needs $t"
done
if [[ ! -x $KSEC ]]; then
    cargo build --release >&2
fi
mkdir -p "$OUT/bin"
BIN=$(cd "$OUT/bin" && pwd)
gcc -O2 -o "$BIN/syscalls" bench/workloads/syscalls.c
gcc -O2 -pthread -o "$BIN/forkthreads" bench/workloads/forkthreads.c

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RAW=$OUT/lines-raw-$STAMP.tsv
SUMMARY=$OUT/lines-summary-$STAMP.md
: >"$RAW"
say() { echo "$@" | tee -a "$SUMMARY"; }

run_timed() {
    local wl=$1 cfg=$2 round=$3
    shift 3
    local t0=$EPOCHREALTIME
    "$@" >/dev/null 2>"$OUT/last-stderr" || { cat "$OUT/last-stderr" >&2; die "failed: $*"; }
    local t1=$EPOCHREALTIME
    local dt lines=-
    dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    [[ -f $OUT/lines.out ]] && lines=$(wc -l <"$OUT/lines.out") && rm -f "$OUT/lines.out"
    printf '%s\t%s\t%s\t%s\t%s\n' "$wl" "$cfg" "$round" "$dt" "$lines" >>"$RAW"
    printf '  %-12s %-14s round %s: %8.3f s  %s lines\n' "$wl" "$cfg" "$round" "$dt" "$lines" >&2
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2 }'; }
times() { awk -F'\t' -v w="$1" -v c="$2" '$1 == w && $2 == c { print $3 "\t" $4 }' "$RAW" | sort -n | cut -f2; }
med() { times "$1" "$2" | median; }
paired() { paste <(times "$1" "$2") <(times "$1" "$3") | awk '$2 > 0 { print $1 / $2 }' | median; }
lines_of() { awk -F'\t' -v w="$1" -v c="$2" '$1 == w && $2 == c { print $5 }' "$RAW" | sort -u | tr '\n' ' '; }

CONFIGS=${CONFIGS:-"untraced strace strace-pinned ksec ksec-json ksec-ebpf ksec-ebpf-json"}
for round in $(seq 1 "$RUNS"); do
    for wl in syscalls forkthreads; do
        case $wl in
        syscalls) cmd=("$BIN/syscalls" "$N") ;;
        forkthreads) cmd=("$BIN/forkthreads" "$N" "$PROCS" "$THREADS") ;;
        esac
        for cfg in $CONFIGS; do
            case $cfg in
            untraced) run_timed $wl $cfg "$round" "${cmd[@]}" ;;
            strace) run_timed $wl $cfg "$round" strace -f -o "$OUT/lines.out" "${cmd[@]}" ;;
            strace-pinned) run_timed $wl $cfg "$round" taskset -c 0 strace -f -o "$OUT/lines.out" "${cmd[@]}" ;;
            ksec) run_timed $wl $cfg "$round" "$KSEC" trace -f -o "$OUT/lines.out" -- "${cmd[@]}" ;;
            ksec-json) run_timed $wl $cfg "$round" "$KSEC" trace -f --json -o "$OUT/lines.out" -- "${cmd[@]}" ;;
            ksec-ebpf) run_timed $wl $cfg "$round" "$KSEC" trace --backend ebpf -f -o "$OUT/lines.out" -- "${cmd[@]}" ;;
            ksec-ebpf-json) run_timed $wl $cfg "$round" "$KSEC" trace --backend ebpf -f --json -o "$OUT/lines.out" -- "${cmd[@]}" ;;
            strace-y) run_timed $wl $cfg "$round" strace -f -y -o "$OUT/lines.out" "${cmd[@]}" ;;
            ksec-ebpf-y) run_timed $wl $cfg "$round" "$KSEC" trace --backend ebpf -f -y -o "$OUT/lines.out" -- "${cmd[@]}" ;;
            esac
        done
    done
done

say "# ksec trace -f -o FILE vs strace -f -o FILE ($STAMP, $RUNS rounds, N=$N, forkthreads $PROCS x $THREADS)"
say ""
say "$(nproc) CPUs; $(uname -r); strace $(strace -V | head -1 | awk '{print $4}'); raw: $RAW"
for wl in syscalls forkthreads; do
    say ""
    say "| $wl | median wall s | added s | / strace (ratio of medians) | / strace (median per round) | lines |"
    say "|---|---:|---:|---:|---:|---|"
    base=$(med $wl untraced)
    s=$(med $wl strace)
    for cfg in $CONFIGS; do
        m=$(med $wl "$cfg")
        say "| $cfg | $m | $(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.3f", a - b }') | $(awk -v a="$m" -v b="$s" 'BEGIN { printf "%.2f", a / b }') | $(printf '%.2f' "$(paired $wl "$cfg" strace)") | $(lines_of $wl "$cfg") |"
    done
    if [[ " $CONFIGS " == *" strace-y "* && " $CONFIGS " == *" ksec-ebpf-y "* ]]; then
        say ""
        say "$wl: ksec-ebpf-y / strace-y $(awk -v a="$(med $wl ksec-ebpf-y)" -v b="$(med $wl strace-y)" 'BEGIN { printf "%.2f", a / b }') (ratio of medians), $(printf '%.2f' "$(paired $wl ksec-ebpf-y strace-y)") (median per round)"
    fi
done
echo "summary: $SUMMARY" >&2
