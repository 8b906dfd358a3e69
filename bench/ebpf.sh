#!/usr/bin/env bash
# bench/ebpf.sh - benchmark `ksec trace --backend ebpf -f -c -w` against its peers (issue 10).
#
# Run from the repository root:   sudo bench/ebpf.sh
#
# Needs: bash, gcc, strace, perf (Debian's linux-perf, `perf trace`), bpftrace, tar, GNU time
# (/usr/bin/time), unshare and mount (util-linux), GNU awk/sort, root (BPF programs, perf
# tracepoints, ptrace). Builds target/release/ksec with `cargo build --release` if it is missing
# (set KSEC=path to use another binary). Compiles bench/workloads/{syscalls,forkthreads,
# manythreads}.c and bench/tools/peakrss.c into bench/out/bin/. Raw results (one line per run)
# and the summary tables go to bench/out/ (gitignored); the summary is also printed on stdout.
#
# tracefs: bpftrace's tracepoint: probes and perf trace need /sys/kernel/tracing, which is not
# always mounted (ksec's raw tracepoints do not need it; perf mounts it itself, for everyone).
# The script re-runs itself in a private mount namespace (unshare -m) and, if tracefs is not
# mounted there, mounts it in that namespace only: the rest of the machine is left as it was.
#
# Sections (SECTIONS, default "time startup counts rss"):
#   time     each workload run untraced; strace -f -c -w; perf trace -s; bpftrace's in-kernel
#            count of the command (`/pid == cpid/`, the issue's one-liner: the command's own
#            process only, not its children); bpftrace-f (the same, following forks through a
#            map filled at sched_process_fork, so it counts what the others count); ksec
#            --backend ptrace -f -c -w; ksec --backend ebpf -f -c -w. Every tracer writes its
#            table to /dev/null. Workloads (WORKLOADS): `syscalls N` (one thread, N getppid +
#            N/10 write), `forkthreads N PROCS THREADS` (the workloads of bench/trace.sh), `tar`
#            (tar -cf /dev/null TAR_PATHS: a real program, stat/open/read heavy; GNU tar does not
#            read file contents when the archive is /dev/null) and `cc` (gcc -O2 -pthread of
#            bench/workloads/forkthreads.c: a small build, gcc -> cc1 -> as -> collect2 -> ld).
#   startup  each tracer on `true` (STARTUP_RUNS interleaved rounds): what a tracer costs before
#            and after the command, independent of its syscalls (for ksec ebpf: loading the BPF
#            object, the verifier, attaching 5 raw tracepoints, reading the maps at the end);
#            plus the time ksec spends in bpf(2) calls, from one `strace -f -c -w -e trace=bpf`.
#   counts   one run of each tracer per workload with its table kept: the total calls (and the
#            getppid and write rows) of strace, perf trace, bpftrace-f, ksec ptrace and ksec
#            ebpf, and the number of syscall rows whose calls differ between ebpf and ptrace.
#   rss      the tracer's peak RSS: VmHWM of the tracer process alone at its exit (LD_PRELOAD
#            helper bench/tools/peakrss.c), GNU time's %M (also folds in the children the tracer
#            waited for), and for ksec ebpf the kernel memory of its BPF maps (memlock in
#            /proc/PID/fdinfo, sampled while it runs; not part of RSS), for `syscalls M`
#            (RSS_SIZES) and `manythreads MANY_THREADS 4` (threads alive at the same time; ksec
#            ebpf and ptrace also with --per-thread: one table per thread).
#
# Runs are interleaved (A B C ... A B C ...), RUNS rounds; tables give medians over rounds, added
# time = traced minus untraced of the same round (median over rounds), and ratios both of medians
# and as medians of per-round ratios (same round = same machine load); the targets table also
# gives the ratio of added times computed from each configuration's fastest round (min - min),
# for workloads whose untraced time varies by more than a tracer adds. Nothing here asserts.
#
# Environment:
#   RUNS=5 STARTUP_RUNS=11
#   N=200000 PROCS=4 THREADS=2            as bench/trace.sh
#   TAR_PATHS="/usr/include /usr/share/man"
#   WORKLOADS="syscalls forkthreads tar cc"
#   RSS_SIZES="100000 1000000 10000000" MANY_THREADS=10000
#   RSS_PEERS_MAX=1000000                 ksec ptrace and strace only for RSS sizes up to this
#   SECTIONS="time startup counts rss"
#   KSEC=target/release/ksec
#   OUT=bench/out
#   RAW_IN=bench/out/raw-ebpf-....tsv    do not run anything: print the tables of an earlier run
set -euo pipefail

RUNS=${RUNS:-5}
STARTUP_RUNS=${STARTUP_RUNS:-11}
N=${N:-200000}
PROCS=${PROCS:-4}
THREADS=${THREADS:-2}
TAR_PATHS=${TAR_PATHS:-"/usr/include /usr/share/man"}
WORKLOADS=${WORKLOADS:-"syscalls forkthreads tar cc"}
RSS_SIZES=${RSS_SIZES:-"100000 1000000 10000000"}
RSS_PEERS_MAX=${RSS_PEERS_MAX:-1000000}
MANY_THREADS=${MANY_THREADS:-10000}
SECTIONS=${SECTIONS:-"time startup counts rss"}
KSEC=${KSEC:-target/release/ksec}
OUT=${OUT:-bench/out}

die() { echo "ebpf.sh: $*" >&2; exit 1; }
[[ -f Cargo.toml && -d bench/workloads ]] || die "run from the repository root"
[[ $(id -u) == 0 ]] || die "needs root (sudo bench/ebpf.sh)"
for t in gcc strace perf bpftrace tar unshare mount awk sort; do
    command -v "$t" >/dev/null || die "needs $t"
done
[[ -x /usr/bin/time ]] || die "needs GNU time (/usr/bin/time; Debian package time)"

# A private mount namespace, so that mounting tracefs (here or by perf) stays ours.
if [[ -z ${EBPF_BENCH_MNTNS:-} && -z ${RAW_IN:-} ]]; then
    exec env EBPF_BENCH_MNTNS=1 unshare -m --propagation private bash "$0" "$@"
fi
TRACEFS="already mounted"
if [[ -z ${RAW_IN:-} ]] && ! awk '$2 == "/sys/kernel/tracing" && $3 == "tracefs" { f = 1 } END { exit !f }' /proc/mounts; then
    mount -t tracefs tracefs /sys/kernel/tracing || die "cannot mount tracefs on /sys/kernel/tracing"
    TRACEFS="not mounted on the host: mounted in this script's private mount namespace only"
fi

if [[ ! -x $KSEC ]]; then
    echo "building $KSEC" >&2
    cargo build --release >&2
fi
[[ -x $KSEC ]] || die "$KSEC missing"

mkdir -p "$OUT/bin"
BIN=$(cd "$OUT/bin" && pwd)
gcc -O2 -o "$BIN/syscalls" bench/workloads/syscalls.c
gcc -O2 -pthread -o "$BIN/forkthreads" bench/workloads/forkthreads.c
gcc -O2 -pthread -o "$BIN/manythreads" bench/workloads/manythreads.c
gcc -O2 -shared -fPIC -o "$BIN/peakrss.so" bench/tools/peakrss.c
CC_SRC=$(pwd)/bench/workloads/forkthreads.c

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
SUMMARY=$OUT/summary-ebpf-$STAMP.md
if [[ -n ${RAW_IN:-} ]]; then
    RAW=$RAW_IN
    [[ -f $RAW ]] || die "$RAW missing"
else
    RAW=$OUT/raw-ebpf-$STAMP.tsv
    : >"$RAW"
    ln -sfn "raw-ebpf-$STAMP.tsv" "$OUT/raw-ebpf-latest.tsv"
fi
ln -sfn "summary-ebpf-$STAMP.md" "$OUT/summary-ebpf-latest.md"
measuring() { [[ -z ${RAW_IN:-} ]]; }

say() { echo "$@" | tee -a "$SUMMARY"; }

# The workloads, as commands (word-split). Programs by absolute path: bpftrace -c refuses a
# name that matches two binaries (/bin/tar and /usr/bin/tar), and `true` must not be bash's.
declare -A WL=(
    [syscalls]="$BIN/syscalls $N"
    [forkthreads]="$BIN/forkthreads $N $PROCS $THREADS"
    [tar]="$(command -v tar) -cf /dev/null $TAR_PATHS"
    [cc]="$(command -v gcc) -O2 -pthread -o $BIN/cc-out $CC_SRC"
    [true]="/usr/bin/true"
)
for wl in $WORKLOADS; do
    [[ -n ${WL[$wl]:-} ]] || die "unknown workload $wl (syscalls forkthreads tar cc)"
done

BT_ONE='tracepoint:raw_syscalls:sys_exit /pid == cpid/ { @[args->id] = count(); }'
BT_FOLLOW='BEGIN { @t[cpid] = 1; } tracepoint:sched:sched_process_fork /@t[pid]/ { @t[args->child_pid] = 1; } tracepoint:raw_syscalls:sys_exit /@t[pid]/ { @[args->id] = count(); } END { clear(@t); }'

# run_cfg CONFIG OUTFILE CMD...: the command CMD under the tracer CONFIG, its table to OUTFILE.
run_cfg() {
    local cfg=$1 o=$2
    shift 2
    case $cfg in
    untraced) "$@" ;;
    strace) strace -f -c -w -o "$o" "$@" ;;
    perf) perf trace -s -o "$o" -- "$@" ;;
    # bpftrace prints its maps on stdout at the end; -c takes one string (the workloads have no
    # quoted words).
    bpftrace) bpftrace -e "$BT_ONE" -c "$*" >"$o" ;;
    bpftrace-f) bpftrace -e "$BT_FOLLOW" -c "$*" >"$o" ;;
    ksec-ptrace) "$KSEC" trace --backend ptrace -f -c -w -o "$o" "$@" ;;
    ksec-ebpf) "$KSEC" trace --backend ebpf -f -c -w -o "$o" "$@" ;;
    *) die "unknown config $cfg" ;;
    esac
}
CFGS=(untraced strace perf bpftrace bpftrace-f ksec-ptrace ksec-ebpf)

# Idle and total jiffies of the whole machine (all CPUs), from /proc/stat.
cpu_jiffies() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print $5 + $6, t }' /proc/stat; }

# run_timed SECTION WORKLOAD CONFIG ROUND: one timed run, appended to $RAW with the share of
# the machine's CPU time left idle during it (~50% on an otherwise quiet 2-CPU machine when the
# run keeps one CPU busy).
run_timed() {
    local sec=$1 wl=$2 cfg=$3 round=$4 cmd j0 j1
    read -ra cmd <<<"${WL[$wl]}"
    j0=$(cpu_jiffies)
    local t0=$EPOCHREALTIME
    if ! run_cfg "$cfg" /dev/null "${cmd[@]}" >/dev/null 2>"$OUT/last-stderr"; then
        cat "$OUT/last-stderr" >&2
        die "failed: $cfg ${cmd[*]}"
    fi
    local t1=$EPOCHREALTIME
    j1=$(cpu_jiffies)
    local dt idle
    dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    idle=$(awk -v a="$j0" -v b="$j1" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; printf "%.0f", (d > 0 ? 100 * (y[1] - x[1]) / d : -1) }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sec" "$wl" "$cfg" "$round" "$dt" "$idle" "${cmd[*]}" >>"$RAW"
    printf '  %-8s %-12s %-12s round %s: %8.3f s  (machine idle %s%%)\n' "$sec" "$wl" "$cfg" "$round" "$dt" "$idle" >&2
}

# Median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2 }'; }

# times SECTION WORKLOAD CONFIG: the wall times of every round, in round order.
times() { awk -F'\t' -v s="$1" -v w="$2" -v c="$3" '$1 == s && $2 == w && $3 == c { print $4 "\t" $5 }' "$RAW" | sort -n | cut -f2; }
idles() { awk -F'\t' -v s="$1" -v w="$2" -v c="$3" '$1 == s && $2 == w && $3 == c && $6 >= 0 { print $6 }' "$RAW"; }
med() { times "$@" | median; }

# paired OP SECTION WORKLOAD A B: per round, A-B (OP=sub) or A/B (OP=div); one line per round.
paired() {
    paste <(times "$2" "$3" "$4") <(times "$2" "$3" "$5") | awk -v op="$1" 'NF == 2 { if (op == "sub") print $1 - $2; else if ($2 > 0) print $1 / $2 }'
}
# added SECTION WORKLOAD CONFIG: median over rounds of CONFIG minus untraced.
added() { paired sub "$1" "$2" "$3" untraced | median; }
# Median over rounds of (A - untraced) / (B - untraced).
paired_added_ratio() {
    paste <(times "$1" "$2" "$3") <(times "$1" "$2" "$4") <(times "$1" "$2" untraced) | awk 'NF == 3 && $2 - $3 > 0 { print ($1 - $3) / ($2 - $3) }' | median
}
# (min(A) - min(untraced)) / (min(B) - min(untraced)): the least disturbed run of each, for
# workloads whose untraced time varies more than the tracers add (disk-bound tar and cc).
min_added_ratio() {
    local u a b
    u=$(times "$1" "$2" untraced | sort -g | head -1)
    a=$(times "$1" "$2" "$3" | sort -g | head -1)
    b=$(times "$1" "$2" "$4" | sort -g | head -1)
    awk -v u="$u" -v a="$a" -v b="$b" 'BEGIN { if (b - u > 0) print (a - u) / (b - u); else print "nan" }'
}
f3() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "") print "nan"; else printf "%.3f", x }'; }
f2() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "") print "nan"; else printf "%.2f", x }'; }
f4() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "") print "nan"; else printf "%.4f", x }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "nan" || b == "nan") print "nan"; else print a / b }'; }

# Total calls of a strace-layout table (strace, ksec) in FILE; calls of the row NAME if given.
strace_calls() {
    if [[ -n ${2:-} ]]; then
        awk -v n="$2" '$NF == n && $(NF-1) ~ /^[0-9]+$/ { print $(NF-1); f = 1; exit } $NF == n && $(NF-2) ~ /^[0-9]+$/ { print $(NF-2); f = 1; exit } END { if (!f) print 0 }' "$1"
    else
        awk '$NF == "total" { print $4 }' "$1"
    fi
}
# perf trace -s: the calls column summed over every thread's table; or the row NAME's.
perf_calls() {
    awk -v n="${2:-}" '/^ *-+ +-+/ { t = 1; next } t && NF == 0 { t = 0 } t && $2 ~ /^[0-9]+$/ && (n == "" || $1 == n) { s += $2 } END { print s + 0 }' "$1"
}
# bpftrace: @[NR]: COUNT lines summed; or the row of syscall number NR.
bpftrace_calls() {
    awk -v n="${2:-}" '/^@\[[0-9]+\]: [0-9]+$/ { k = $1; gsub(/[@\[\]:]/, "", k); if (n == "" || k == n) s += $2 } END { print s + 0 }' "$1"
}

say "# bench/ebpf.sh $STAMP${RAW_IN:+ (tables of $RAW_IN)}"
say ""
if measuring; then
    say "- host: $(nproc) CPUs, kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    say "- $(strace -V | head -1); $(perf --version); bpftrace $(bpftrace --version | awk '{print $2}'); $(tar --version | head -1); gcc $(gcc -dumpfullversion)"
    say "- ksec $($KSEC --version 2>/dev/null | awk '{print $2}') at $(git rev-parse --short HEAD 2>/dev/null || echo '?') ($KSEC)"
    say "- tracefs: $TRACEFS"
    say "- RUNS=$RUNS STARTUP_RUNS=$STARTUP_RUNS N=$N PROCS=$PROCS THREADS=$THREADS TAR_PATHS=\"$TAR_PATHS\" WORKLOADS=\"$WORKLOADS\""
    say "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

if [[ " $SECTIONS " == *" time "* ]]; then
    if measuring; then
        for wl in $WORKLOADS; do
            read -ra cmd <<<"${WL[$wl]}"
            rm -f "$OUT/count.txt"
            strace -f -c -o "$OUT/count.txt" "${cmd[@]}" >/dev/null 2>&1
            printf 'calls\ttime\t%s\t%s\n' "$wl" "$(strace_calls "$OUT/count.txt")" >>"$RAW"
        done
        for ((r = 1; r <= RUNS; r++)); do
            for wl in $WORKLOADS; do
                for cfg in "${CFGS[@]}"; do
                    run_timed time "$wl" "$cfg" "$r"
                done
            done
        done
    fi
    say ""
    say "## time (median of $RUNS interleaved rounds; added = traced minus untraced, same round)"
    say ""
    say "- \`strace\`: strace -f -c -w -o /dev/null CMD"
    say "- \`perf\`: perf trace -s -o /dev/null -- CMD"
    say "- \`bpftrace\`: bpftrace -e '$BT_ONE' -c 'CMD' (the command's process only)"
    say "- \`bpftrace-f\`: bpftrace -e '$BT_FOLLOW' -c 'CMD'"
    say "- \`ksec-ptrace\`: $KSEC trace --backend ptrace -f -c -w -o /dev/null CMD"
    say "- \`ksec-ebpf\`: $KSEC trace --backend ebpf -f -c -w -o /dev/null CMD"
    for wl in $WORKLOADS; do
        calls=$(awk -F'\t' -v w="$wl" '$1 == "calls" && $2 == "time" && $3 == w { n = $4 } END { print n }' "$RAW")
        [[ -n $calls ]] || continue
        say ""
        say "| $wl: \`${WL[$wl]#"$BIN/"}\` ($calls syscalls) | median wall s | added s | / strace wall (ratio of medians) | / strace (median per round) | min s | max s | machine idle % |"
        say "|---|---:|---:|---:|---:|---:|---:|---:|"
        smed=$(med time "$wl" strace)
        for cfg in "${CFGS[@]}"; do
            m=$(med time "$wl" "$cfg")
            a=$(added time "$wl" "$cfg")
            say "| \`$cfg\` | $(f3 "$m") | $(f3 "$a") | $(f4 "$(div "$m" "$smed")") | $(f4 "$(paired div time "$wl" "$cfg" strace | median)") | $(f3 "$(times time "$wl" "$cfg" | sort -g | head -1)") | $(f3 "$(times time "$wl" "$cfg" | sort -g | tail -1)") | $(idles time "$wl" "$cfg" | median) |"
        done
    done
    say ""
    say "### targets (issue 10): ebpf added / bpftrace added <= 0.5; ebpf wall / strace wall <= 0.05 (synthetic workloads)"
    say ""
    say "| workload | ebpf added s | bpftrace added s | ebpf/bpftrace added (medians) | (median per round) | (min - min) | bpftrace-f added s | ebpf/bpftrace-f added (medians) | (median per round) | (min - min) | ebpf wall / strace wall (medians) | (median per round) | ebpf added / ptrace added |"
    say "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for wl in $WORKLOADS; do
        [[ -n $(times time "$wl" ksec-ebpf) ]] || continue
        ea=$(added time "$wl" ksec-ebpf)
        ba=$(added time "$wl" bpftrace)
        fa=$(added time "$wl" bpftrace-f)
        pa=$(added time "$wl" ksec-ptrace)
        say "| $wl | $(f3 "$ea") | $(f3 "$ba") | **$(f2 "$(div "$ea" "$ba")")** | $(f2 "$(paired_added_ratio time "$wl" ksec-ebpf bpftrace)") | $(f2 "$(min_added_ratio time "$wl" ksec-ebpf bpftrace)") | $(f3 "$fa") | $(f2 "$(div "$ea" "$fa")") | $(f2 "$(paired_added_ratio time "$wl" ksec-ebpf bpftrace-f)") | $(f2 "$(min_added_ratio time "$wl" ksec-ebpf bpftrace-f)") | **$(f4 "$(div "$(med time "$wl" ksec-ebpf)" "$(med time "$wl" strace)")")** | $(f4 "$(paired div time "$wl" ksec-ebpf strace | median)") | $(f4 "$(div "$ea" "$pa")") |"
    done
fi

if [[ " $SECTIONS " == *" startup "* ]]; then
    if measuring; then
        for ((r = 1; r <= STARTUP_RUNS; r++)); do
            for cfg in "${CFGS[@]}"; do
                run_timed startup true "$cfg" "$r"
            done
        done
        # Where ksec ebpf's startup goes: the bpf(2) calls (object load, verifier, map
        # creation, attach, the final map reads), as strace -w times them.
        strace -f -c -w -e trace=bpf,perf_event_open -o "$OUT/bpfcalls.txt" \
            "$KSEC" trace --backend ebpf -c -o /dev/null -- /usr/bin/true >/dev/null 2>&1 || true
        printf 'bpfcalls\t%s\t%s\n' \
            "$(awk '$NF == "bpf" { print $2 "\t" $4 }' "$OUT/bpfcalls.txt")" \
            "$(awk '$NF == "perf_event_open" { print $2 "\t" $4 }' "$OUT/bpfcalls.txt")" >>"$RAW"
    fi
    say ""
    say "## startup: each tracer on \`true\` (median of $STARTUP_RUNS interleaved rounds)"
    say ""
    say "| \`true\` under | median wall s | added s (minus untraced true) | min s | max s |"
    say "|---|---:|---:|---:|---:|"
    for cfg in "${CFGS[@]}"; do
        say "| \`$cfg\` | $(f3 "$(med startup true "$cfg")") | $(f3 "$(added startup true "$cfg")") | $(f3 "$(times startup true "$cfg" | sort -g | head -1)") | $(f3 "$(times startup true "$cfg" | sort -g | tail -1)") |"
    done
    b=$(awk -F'\t' '$1 == "bpfcalls" { printf "%s s in %s bpf(2) calls", $2, $3; if ($4 != "") printf ", %s s in %s perf_event_open calls", $4, $5 }' "$RAW")
    [[ -n $b ]] && say "" && say "ksec --backend ebpf -c -- true, under strace -f -c -w -e trace=bpf,perf_event_open: $b."
    if [[ " $SECTIONS " == *" time "* ]]; then
        say ""
        say "Per-syscall cost in the kernel, (added on the workload - added on \`true\`) / syscalls, ns:"
        say ""
        say "| workload | ksec-ebpf | bpftrace | bpftrace-f | perf | ksec-ptrace | strace |"
        say "|---|---:|---:|---:|---:|---:|---:|"
        for wl in $WORKLOADS; do
            calls=$(awk -F'\t' -v w="$wl" '$1 == "calls" && $2 == "time" && $3 == w { n = $4 } END { print n }' "$RAW")
            [[ -n $calls && -n $(times time "$wl" ksec-ebpf) ]] || continue
            row="| $wl"
            for cfg in ksec-ebpf bpftrace bpftrace-f perf ksec-ptrace strace; do
                row+=" | $(awk -v a="$(added time "$wl" "$cfg")" -v s="$(added startup true "$cfg")" -v c="$calls" 'BEGIN { printf "%.0f", 1e9 * (a - s) / c }')"
            done
            say "$row |"
        done
    fi
fi

if [[ " $SECTIONS " == *" counts "* ]]; then
    CWL="$WORKLOADS manythreads"
    WL[manythreads]="$BIN/manythreads 1000 4"
    if measuring; then
        for wl in $CWL; do
            read -ra cmd <<<"${WL[$wl]}"
            for cfg in strace perf bpftrace-f ksec-ptrace ksec-ebpf; do
                o=$OUT/counts-$wl-$cfg.txt
                run_cfg "$cfg" "$o" "${cmd[@]}" >/dev/null 2>"$OUT/last-stderr" || { cat "$OUT/last-stderr" >&2; die "failed: $cfg ${cmd[*]}"; }
                case $cfg in
                perf) t=$(perf_calls "$o") g=$(perf_calls "$o" getppid) w=$(perf_calls "$o" write) ;;
                bpftrace-f) t=$(bpftrace_calls "$o") g=$(bpftrace_calls "$o" 110) w=$(bpftrace_calls "$o" 1) ;;
                *) t=$(strace_calls "$o") g=$(strace_calls "$o" getppid) w=$(strace_calls "$o" write) ;;
                esac
                printf 'counts\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$cfg" "$t" "$g" "$w" >>"$RAW"
            done
            # Rows whose calls differ between the two ksec backends (and ebpf vs strace).
            # (the calls column is the 4th whether or not the errors cell is blank)
            rows() { awk '/^-/ { n++; next } n == 1 { print $NF, $4 }' "$1" | sort; }
            d1=$(join -a1 -a2 -e 0 -o 0,1.2,2.2 <(rows "$OUT/counts-$wl-ksec-ebpf.txt") <(rows "$OUT/counts-$wl-ksec-ptrace.txt") | awk '$2 != $3' | tr '\n' ';')
            d2=$(join -a1 -a2 -e 0 -o 0,1.2,2.2 <(rows "$OUT/counts-$wl-ksec-ebpf.txt") <(rows "$OUT/counts-$wl-strace.txt") | awk '$2 != $3' | tr '\n' ';')
            printf 'rowdiff\t%s\t%s\t%s\n' "$wl" "${d1:-none}" "${d2:-none}" >>"$RAW"
        done
    fi
    say ""
    say "## counts: total calls (getppid, write) of one run of each tracer"
    say ""
    say "| workload | strace | perf trace | bpftrace-f | ksec ptrace | ksec ebpf | rows differing, ebpf vs ptrace (name ebpf ptrace) | ebpf vs strace |"
    say "|---|---:|---:|---:|---:|---:|---|---|"
    for wl in $CWL; do
        row=$(awk -F'\t' -v w="$wl" '$1 == "counts" && $2 == w { c[$3] = $4 " (" $5 ", " $6 ")" } $1 == "rowdiff" && $2 == w { d1 = $3; d2 = $4 }
            END { if (c["strace"] != "") printf "| %s | %s | %s | %s | %s | %s | %s | %s |", w, c["strace"], c["perf"], c["bpftrace-f"], c["ksec-ptrace"], c["ksec-ebpf"], d1, d2 }' "$RAW")
        [[ -n $row ]] && say "$row"
    done
    say ""
    say "(\`manythreads 1000 4\` = 1000 threads x 4 getppid; its futex and nanosleep calls vary from run to run. perf and bpftrace count at sys_exit; for bpftrace the rows are syscall numbers, 110 = getppid, 1 = write.)"
fi

if [[ " $SECTIONS " == *" rss "* ]]; then
    # rss_run NAME CONFIG CMD...: peak RSS of the tracer; for ksec-ebpf, the memlock of its maps.
    rss_run() {
        local name=$1 cfg=$2
        shift 2
        rm -f "$OUT/peak.txt" "$OUT/time.txt" "$OUT/memlock.txt"
        local t0
        case $cfg in
        strace) set -- strace -f -c -w -o /dev/null "$@" ;;
        ksec-ptrace) set -- "$KSEC" trace --backend ptrace -f -c -w -o /dev/null "$@" ;;
        ksec-ebpf) set -- "$KSEC" trace --backend ebpf -f -c -w -o /dev/null "$@" ;;
        ksec-ebpf-per-thread) set -- "$KSEC" trace --backend ebpf -f -c -w --per-thread -o /dev/null "$@" ;;
        ksec-ptrace-per-thread) set -- "$KSEC" trace --backend ptrace -f -c -w --per-thread -o /dev/null "$@" ;;
        esac
        rm -f "$OUT/peak.txt"
        t0=$EPOCHREALTIME
        /usr/bin/time -o "$OUT/time.txt" -f '%M' \
            env PEAKRSS_OUT="$OUT/peak.txt" LD_PRELOAD="$BIN/peakrss.so" "$@" >/dev/null 2>"$OUT/last-stderr" &
        local tp=$! tracer="" maxml=0 ml
        while kill -0 "$tp" 2>/dev/null; do
            if [[ -z $tracer ]]; then
                tracer=$(awk '{ print $1 }' "/proc/$tp/task/$tp/children" 2>/dev/null || true)
            fi
            if [[ $cfg == ksec-ebpf* && -n $tracer ]]; then
                # (the files vanish when ksec exits: cat fails, the sum of what was read stays)
                ml=$( (cat /proc/"$tracer"/fdinfo/* 2>/dev/null || true) | awk '$1 == "map_type:" { m = 1 } $1 == "memlock:" && m { s += $2; m = 0 } END { print s + 0 }' || true)
                ((ml > maxml)) && maxml=$ml
            fi
            sleep 0.05
        done
        wait "$tp" || { cat "$OUT/last-stderr" >&2; die "failed: $*"; }
        local t1=$EPOCHREALTIME
        printf 'rss\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$cfg" \
            "$(awk -v p="$tracer" '$1 == p || (p == "" && NR == 1) { print $2; exit }' "$OUT/peak.txt" 2>/dev/null || echo '?')" \
            "$(tail -1 "$OUT/time.txt")" "$((maxml / 1024))" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" >>"$RAW"
        echo "  rss $name $cfg: $(tail -1 "$RAW" | cut -f4-)" >&2
    }
    RNAMES=()
    for m in $RSS_SIZES; do RNAMES+=("syscalls $m"); done
    RNAMES+=("manythreads $MANY_THREADS 4")
    if measuring; then
        for name in "${RNAMES[@]}"; do
            read -ra cmd <<<"$name"
            cmd[0]=$BIN/${cmd[0]}
            cfgs=(ksec-ebpf)
            [[ ${cmd[0]} == */manythreads ]] && cfgs+=(ksec-ebpf-per-thread ksec-ptrace-per-thread)
            [[ ${cmd[0]} == */manythreads || ${cmd[1]} -le $RSS_PEERS_MAX ]] && cfgs+=(ksec-ptrace strace)
            for cfg in "${cfgs[@]}"; do
                rss_run "$name" "$cfg" "${cmd[@]}"
            done
        done
    fi
    say ""
    say "## rss: tracer peak RSS (kB) (-f -c -w -o /dev/null)"
    say ""
    say "VmHWM = the tracer process alone, at its exit; %M = GNU time (max over the tracer and the children it waited for: the traced command, ksec ptrace's affinity guardian); BPF maps = kernel memory charged to ksec ebpf's map fds (memlock in /proc/PID/fdinfo, max of samples every 50 ms; not in RSS)."
    say ""
    say "| traced command | ksec ebpf VmHWM | ksec ebpf %M | ksec ebpf BPF maps kB | ebpf --per-thread VmHWM | ksec ptrace VmHWM | ksec ptrace %M | ptrace --per-thread VmHWM | strace VmHWM | strace %M | ebpf wall s | ptrace wall s | strace wall s |"
    say "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for name in "${RNAMES[@]}"; do
        row=$(awk -F'\t' -v n="$name" '$1 == "rss" && $2 == n { h[$3] = $4; x[$3] = $5; b[$3] = $6; w[$3] = $7; f = 1 }
            END { if (f) printf "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", n, h["ksec-ebpf"], x["ksec-ebpf"], b["ksec-ebpf"], h["ksec-ebpf-per-thread"], h["ksec-ptrace"], x["ksec-ptrace"], h["ksec-ptrace-per-thread"], h["strace"], x["strace"], w["ksec-ebpf"], w["ksec-ptrace"], w["strace"] }' "$RAW")
        [[ -n $row ]] && say "$row"
    done
fi

if measuring; then
    say ""
    say "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
echo "raw: $RAW  summary: $SUMMARY" >&2
