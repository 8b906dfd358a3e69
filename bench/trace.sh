#!/usr/bin/env bash
# bench/trace.sh - benchmark `ksec trace -f -c -w` against `strace -f -c -w`.
#
# Run from the repository root:   sudo bench/trace.sh
#
# Needs: bash, gcc, strace (>= 5.3 for --seccomp-bpf), taskset, dd, GNU awk/sort, root (ptrace of
# the commands it starts and the sched_setaffinity calls of --cpu-placement; run as root so that
# ksec and strace are measured under the same privileges). Builds target/release/ksec with
# `cargo build --release` if it is missing (set KSEC=path to use another binary).
# Compiles the workloads in bench/workloads/*.c and the LD_PRELOAD helper bench/tools/peakrss.c
# into bench/out/bin/. Raw results (one line per run) and the summary tables go to bench/out/
# (gitignored); the summary is also printed on stdout.
#
# Sections (SECTIONS, default "time seccomp rss"):
#   time     workloads `syscalls` (single thread, N getppid + N/10 write) and `forkthreads`
#            (PROCS processes x THREADS threads, N getppid + N/10 write in total), each run
#            untraced; strace -f -c -w; taskset -c 0 strace -f -c -w (pinned strace, to separate
#            CPU placement from tracer efficiency); ksec trace -f -c -w (default placement: auto,
#            i.e. same CPU); ksec trace -f -c (CPU-time mode); ksec trace -f -c -w
#            --cpu-placement off. Every tracer writes its table to /dev/null (-o /dev/null).
#   seccomp  `dd if=/dev/zero of=/dev/null bs=1 count=DD_N` (2 syscalls per byte) with
#            -e trace=openat, with and without --seccomp-bpf, for strace and ksec.
#   rss      peak RSS of the tracer (VmHWM of the tracer process itself, read at its exit by the
#            LD_PRELOAD helper; GNU time's %M is printed next to it, but %M also folds in the
#            peak of every child the tracer waited for: the traced command and, for ksec, its
#            affinity guardian) while tracing `syscalls` with RSS_SIZES getppid calls.
#
# Runs are interleaved (A B C ... A B C ...), RUNS rounds; the tables give medians over rounds,
# and ratios both as ratio of medians and as median of the per-round ratios (same round = same
# machine load). Nothing here asserts a timing.
#
# Environment:
#   RUNS=5            rounds per configuration (>= 5 recommended; medians)
#   N=200000          getppid calls per timing workload (about 1.1*N syscalls)
#   PROCS=4 THREADS=2 forkthreads shape
#   DD_N=200000       bytes for the dd workload (about 2*DD_N syscalls)
#   RSS_SIZES="10000 100000 1000000 5000000"  getppid calls for the rss section
#   SECTIONS="time seccomp rss"
#   KSEC=target/release/ksec
#   KSEC_BASE=path    a second ksec binary (e.g. built from the commit before a change): the time
#                     section then also runs it (`ksec-base`, `ksec-base-cputime`) in the same
#                     rounds and prints a before/after table (ratios ksec / ksec-base)
#   OUT=bench/out
#   RAW_IN=bench/out/raw-....tsv   do not run anything: print the tables of an earlier run
set -euo pipefail

RUNS=${RUNS:-5}
N=${N:-200000}
PROCS=${PROCS:-4}
THREADS=${THREADS:-2}
DD_N=${DD_N:-200000}
RSS_SIZES=${RSS_SIZES:-"10000 100000 1000000 5000000"}
SECTIONS=${SECTIONS:-"time seccomp rss"}
KSEC=${KSEC:-target/release/ksec}
OUT=${OUT:-bench/out}

die() { echo "trace.sh: $*" >&2; exit 1; }
[[ -f Cargo.toml && -d bench/workloads ]] || die "run from the repository root"
[[ $(id -u) == 0 ]] || die "needs root (sudo bench/trace.sh)"
for t in gcc strace taskset dd awk sort; do
    command -v "$t" >/dev/null || die "needs $t"
done
if [[ ! -x $KSEC ]]; then
    echo "building $KSEC" >&2
    cargo build --release >&2
fi
[[ -x $KSEC ]] || die "$KSEC missing"

mkdir -p "$OUT/bin"
BIN=$(cd "$OUT/bin" && pwd)
gcc -O2 -o "$BIN/syscalls" bench/workloads/syscalls.c
gcc -O2 -pthread -o "$BIN/forkthreads" bench/workloads/forkthreads.c
gcc -O2 -shared -fPIC -o "$BIN/peakrss.so" bench/tools/peakrss.c

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
SUMMARY=$OUT/summary-$STAMP.md
if [[ -n ${RAW_IN:-} ]]; then
    RAW=$RAW_IN
    [[ -f $RAW ]] || die "$RAW missing"
else
    RAW=$OUT/raw-$STAMP.tsv
    : >"$RAW"
    ln -sfn "raw-$STAMP.tsv" "$OUT/raw-latest.tsv"
fi
ln -sfn "summary-$STAMP.md" "$OUT/summary-latest.md"
measuring() { [[ -z ${RAW_IN:-} ]]; }

say() { echo "$@" | tee -a "$SUMMARY"; }

# Total syscalls a command makes, as strace -f -c counts them (the workload's own count).
count_syscalls() {
    local f=$OUT/count.$$
    strace -f -c -o "$f" "$@" >/dev/null 2>&1
    awk '$NF == "total" { print $4 }' "$f"
    rm -f "$f"
}

# Idle and total jiffies of the whole machine (all CPUs), from /proc/stat.
cpu_jiffies() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print $5 + $6, t }' /proc/stat; }

# run_timed SECTION WORKLOAD CONFIG ROUND CMD... : one timed run, appended to $RAW with the
# fraction of the machine's CPU time that was idle during the run (a load indicator: a run that
# keeps one of two CPUs busy leaves ~50% idle on an otherwise quiet machine).
run_timed() {
    local sec=$1 wl=$2 cfg=$3 round=$4
    shift 4
    local j0 j1
    j0=$(cpu_jiffies)
    local t0=$EPOCHREALTIME
    if ! "$@" >/dev/null 2>"$OUT/last-stderr"; then
        cat "$OUT/last-stderr" >&2
        die "failed: $*"
    fi
    local t1=$EPOCHREALTIME
    j1=$(cpu_jiffies)
    local dt idle
    dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    idle=$(awk -v a="$j0" -v b="$j1" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; printf "%.0f", (d > 0 ? 100 * (y[1] - x[1]) / d : -1) }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sec" "$wl" "$cfg" "$round" "$dt" "$idle" "$*" >>"$RAW"
    printf '  %-8s %-12s %-22s round %s: %8.3f s  (machine idle %s%%)\n' "$sec" "$wl" "$cfg" "$round" "$dt" "$idle" >&2
}

# idles SECTION WORKLOAD CONFIG: the machine idle %% of every round.
idles() { awk -F'\t' -v s="$1" -v w="$2" -v c="$3" '$1 == s && $2 == w && $3 == c && $6 >= 0 { print $6 }' "$RAW"; }

# calls_of SECTION WORKLOAD: the syscall count recorded in $RAW.
calls_of() { awk -F'\t' -v s="$1" -v w="$2" '$1 == "calls" && $2 == s && $3 == w { n = $4 } END { print n }' "$RAW"; }

# Median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2 }'; }

# times SECTION WORKLOAD CONFIG: the wall times of every round, in round order.
times() { awk -F'\t' -v s="$1" -v w="$2" -v c="$3" '$1 == s && $2 == w && $3 == c { print $4 "\t" $5 }' "$RAW" | sort -n | cut -f2; }

# Median over rounds of time(CONFIG)/time(REF), each pair from the same round.
paired_ratio() {
    paste <(times "$1" "$2" "$3") <(times "$1" "$2" "$4") | awk '$2 > 0 { print $1 / $2 }' | median
}

# rounds_table SECTION WORKLOAD: each round's strace, pinned strace and ksec times, the machine
# idle % during the strace run, and the ratios; then the median ratio over quiet and busy rounds.
rounds_table() {
    local sec=$1 wl=$2
    say ""
    say "| $wl round | idle % (strace run) | strace s | strace-pinned s | ksec s | ksec / strace | ksec / strace-pinned |"
    say "|---:|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' -v s="$sec" -v w="$wl" '$1 == s && $2 == w { t[$4, $3] = $5; i[$4, $3] = $6; if ($4 > n) n = $4 }
        END { for (r = 1; r <= n; r++) if (t[r, "strace"] > 0 && t[r, "strace-pinned"] > 0)
            printf "| %d | %s | %.3f | %.3f | %.3f | %.2f | %.2f |\n", r, i[r, "strace"], t[r, "strace"], t[r, "strace-pinned"], t[r, "ksec"], t[r, "ksec"] / t[r, "strace"], t[r, "ksec"] / t[r, "strace-pinned"] }' "$RAW" | tee -a "$SUMMARY"
    local quiet busy
    quiet=$(awk -F'\t' -v s="$sec" -v w="$wl" '$1 == s && $2 == w { t[$4, $3] = $5; i[$4, $3] = $6; if ($4 > n) n = $4 }
        END { for (r = 1; r <= n; r++) if (t[r, "strace"] > 0 && i[r, "strace"] >= 40) print t[r, "ksec"] / t[r, "strace"] }' "$RAW")
    busy=$(awk -F'\t' -v s="$sec" -v w="$wl" '$1 == s && $2 == w { t[$4, $3] = $5; i[$4, $3] = $6; if ($4 > n) n = $4 }
        END { for (r = 1; r <= n; r++) if (t[r, "strace"] > 0 && i[r, "strace"] < 40) print t[r, "ksec"] / t[r, "strace"] }' "$RAW")
    say ""
    say "$wl: ksec / strace, median over rounds whose strace run left >= 40% of the machine idle: $(printf '%.2f' "$(echo "$quiet" | grep . | median)") ($(echo "$quiet" | grep -c .) rounds); over busier rounds: $(printf '%.2f' "$(echo "$busy" | grep . | median)") ($(echo "$busy" | grep -c .) rounds)"
}

# table SECTION WORKLOAD SYSCALLS REF CONFIG...: markdown table of medians and ratios to REF.
table() {
    local sec=$1 wl=$2 calls=$3 ref=$4
    shift 4
    local refmed
    refmed=$(times "$sec" "$wl" "$ref" | median)
    say ""
    say "| $wl ($calls syscalls) | median wall s | syscalls/s | / $ref (ratio of medians) | / $ref (median of per-round ratios) | min s | max s | machine idle % (median) |"
    say "|---|---:|---:|---:|---:|---:|---:|---:|"
    local cfg med lo hi rate r1 r2
    for cfg in "$@"; do
        med=$(times "$sec" "$wl" "$cfg" | median)
        lo=$(times "$sec" "$wl" "$cfg" | sort -g | head -1)
        hi=$(times "$sec" "$wl" "$cfg" | sort -g | tail -1)
        rate=$(awk -v c="$calls" -v t="$med" 'BEGIN { printf "%.0f", c / t }')
        r1=$(awk -v a="$med" -v b="$refmed" 'BEGIN { printf "%.2f", a / b }')
        r2=$(printf '%.2f' "$(paired_ratio "$sec" "$wl" "$cfg" "$ref")")
        say "| \`$cfg\` | $(printf '%.3f' "$med") | $rate | $r1 | $r2 | $(printf '%.3f' "$lo") | $(printf '%.3f' "$hi") | $(idles "$sec" "$wl" "$cfg" | median) |"
    done
}

say "# bench/trace.sh $STAMP${RAW_IN:+ (tables of $RAW_IN)}"
say ""
say "- host: $(nproc) CPUs, kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
say "- $(strace -V | head -1); ksec $($KSEC --version 2>/dev/null | awk '{print $2}') at $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
say "- RUNS=$RUNS N=$N PROCS=$PROCS THREADS=$THREADS DD_N=$DD_N"
measuring && say "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ " $SECTIONS " == *" time "* ]]; then
    declare -A WL=(
        [syscalls]="$BIN/syscalls $N"
        [forkthreads]="$BIN/forkthreads $N $PROCS $THREADS"
    )
    CFGS=(untraced strace strace-pinned ksec ksec-cputime ksec-placement-off)
    if [[ -n ${KSEC_BASE:-} ]]; then
        [[ -x $KSEC_BASE ]] || die "KSEC_BASE=$KSEC_BASE is not executable"
        CFGS+=(ksec-base ksec-base-cputime)
    elif ! measuring && grep -q $'\tksec-base\t' "$RAW"; then
        CFGS+=(ksec-base ksec-base-cputime)
    fi
    for wl in syscalls forkthreads; do
        measuring || break
        read -ra cmd <<<"${WL[$wl]}"
        calls=$(count_syscalls "${cmd[@]}")
        echo "$wl: $calls syscalls" >&2
        printf 'calls\ttime\t%s\t%s\n' "$wl" "$calls" >>"$RAW"
        for ((r = 1; r <= RUNS; r++)); do
            for cfg in "${CFGS[@]}"; do
                case $cfg in
                untraced) run_timed time "$wl" "$cfg" "$r" "${cmd[@]}" ;;
                strace) run_timed time "$wl" "$cfg" "$r" strace -f -c -w -o /dev/null "${cmd[@]}" ;;
                strace-pinned) run_timed time "$wl" "$cfg" "$r" taskset -c 0 strace -f -c -w -o /dev/null "${cmd[@]}" ;;
                ksec) run_timed time "$wl" "$cfg" "$r" "$KSEC" trace -f -c -w -o /dev/null "${cmd[@]}" ;;
                ksec-cputime) run_timed time "$wl" "$cfg" "$r" "$KSEC" trace -f -c -o /dev/null "${cmd[@]}" ;;
                ksec-placement-off) run_timed time "$wl" "$cfg" "$r" "$KSEC" trace -f -c -w --cpu-placement off -o /dev/null "${cmd[@]}" ;;
                ksec-base) run_timed time "$wl" "$cfg" "$r" "$KSEC_BASE" trace -f -c -w -o /dev/null "${cmd[@]}" ;;
                ksec-base-cputime) run_timed time "$wl" "$cfg" "$r" "$KSEC_BASE" trace -f -c -o /dev/null "${cmd[@]}" ;;
                esac
            done
        done
    done
    say ""
    say "## time (median of $RUNS interleaved rounds; ratios to \`strace\` = strace -f -c -w, default placement)"
    say ""
    say "- \`untraced\`: the workload alone"
    say "- \`strace\`: strace -f -c -w -o /dev/null CMD"
    say "- \`strace-pinned\`: taskset -c 0 strace -f -c -w -o /dev/null CMD (strace and its tracees on CPU 0)"
    say "- \`ksec\`: $KSEC trace -f -c -w -o /dev/null CMD (--cpu-placement auto = same CPU)"
    say "- \`ksec-cputime\`: $KSEC trace -f -c -o /dev/null CMD (per-syscall CPU time from /proc/TID/schedstat)"
    say "- \`ksec-placement-off\`: $KSEC trace -f -c -w --cpu-placement off -o /dev/null CMD"
    for wl in syscalls forkthreads; do
        table time "$wl" "$(calls_of time "$wl")" strace "${CFGS[@]}"
    done
    say ""
    say "ksec vs pinned strace (same placement on both sides):"
    for wl in syscalls forkthreads; do
        table time "$wl" "$(calls_of time "$wl")" strace-pinned ksec ksec-cputime
    done
    if [[ " ${CFGS[*]} " == *" ksec-base "* ]]; then
        say ""
        say "Before/after: \`ksec-base\` = ${KSEC_BASE:-the base binary of $RAW} trace -f -c -w, \`ksec-base-cputime\` = the same without -w:"
        for wl in syscalls forkthreads; do
            table time "$wl" "$(calls_of time "$wl")" ksec-base ksec ksec-base
            table time "$wl" "$(calls_of time "$wl")" ksec-base-cputime ksec-cputime ksec-base-cputime
        done
    fi
    say ""
    say "Per round (idle % = share of the machine's CPU time left idle during the strace run: ~50% means the other CPU had nothing else to do, ~0% that other work kept it busy):"
    for wl in syscalls forkthreads; do
        rounds_table time "$wl"
    done
fi

if [[ " $SECTIONS " == *" seccomp "* ]]; then
    dd=(dd if=/dev/zero of=/dev/null bs=1 count="$DD_N")
    CFGS=(untraced strace-openat strace-openat-seccomp ksec-openat ksec-openat-seccomp)
    if measuring; then
        calls=$(count_syscalls "${dd[@]}")
        echo "dd: $calls syscalls" >&2
        printf 'calls\tseccomp\tdd\t%s\n' "$calls" >>"$RAW"
    fi
    calls=$(calls_of seccomp dd)
    for ((r = 1; r <= RUNS; r++)); do
        measuring || break
        for cfg in "${CFGS[@]}"; do
            case $cfg in
            untraced) run_timed seccomp dd "$cfg" "$r" "${dd[@]}" ;;
            strace-openat) run_timed seccomp dd "$cfg" "$r" strace -f -c -w -e trace=openat -o /dev/null "${dd[@]}" ;;
            strace-openat-seccomp) run_timed seccomp dd "$cfg" "$r" strace -f -c -w -e trace=openat --seccomp-bpf -o /dev/null "${dd[@]}" ;;
            ksec-openat) run_timed seccomp dd "$cfg" "$r" "$KSEC" trace -f -c -w -e trace=openat -o /dev/null "${dd[@]}" ;;
            ksec-openat-seccomp) run_timed seccomp dd "$cfg" "$r" "$KSEC" trace -f -c -w -e trace=openat --seccomp-bpf -o /dev/null "${dd[@]}" ;;
            esac
        done
    done
    say ""
    say "## seccomp: \`dd if=/dev/zero of=/dev/null bs=1 count=$DD_N\`, -f -c -w -e trace=openat, with and without --seccomp-bpf"
    table seccomp dd "$calls" strace-openat "${CFGS[@]}"
    table seccomp dd "$calls" strace-openat-seccomp ksec-openat-seccomp
fi

if [[ " $SECTIONS " == *" rss "* ]]; then
    say ""
    say "## rss: tracer peak RSS (kB) vs traced syscalls (workload \`syscalls M\`, -f -c -w -o /dev/null)"
    say ""
    say "VmHWM = the tracer process alone, read at its exit; %M = GNU time, which also folds in the peak of the children the tracer waited for (the traced command; ksec's affinity guardian)."
    say ""
    say "| getppid calls M | syscalls | ksec VmHWM | ksec %M | strace VmHWM | strace %M | ksec wall s | strace wall s |"
    say "|---:|---:|---:|---:|---:|---:|---:|---:|"
    declare -A TR=([ksec]="$KSEC trace" [strace]="strace")
    if ! measuring; then
        RSS_SIZES=$(awk -F'\t' '$1 == "rss" && $2 == "ksec" { print $3 }' "$RAW")
    fi
    for m in $RSS_SIZES; do
        if ! measuring; then
            say "$(awk -F'\t' -v m="$m" '$1 == "rss" && $3 == m { sub("VmHWM=", "", $5); sub("%M=", "", $6); sub("wall=", "", $7); c = $4; h[$2] = $5; x[$2] = $6; w[$2] = $7 }
                END { printf "| %s | %s | %s | %s | %s | %s | %s | %s |", m, c, h["ksec"], x["ksec"], h["strace"], x["strace"], w["ksec"], w["strace"] }' "$RAW")"
            continue
        fi
        calls=$(count_syscalls "$BIN/syscalls" "$m")
        declare -A HWM=() MAXRSS=() WALL=()
        for tr in ksec strace; do
            read -ra t <<<"${TR[$tr]}"
            rm -f "$OUT/peak.txt" "$OUT/time.txt"
            t0=$EPOCHREALTIME
            /usr/bin/time -o "$OUT/time.txt" -f '%e %M' \
                env PEAKRSS_OUT="$OUT/peak.txt" LD_PRELOAD="$BIN/peakrss.so" \
                "${t[@]}" -f -c -w -o /dev/null "$BIN/syscalls" "$m" >/dev/null
            t1=$EPOCHREALTIME
            # env execs the tracer with the helper preloaded; the helper unsets LD_PRELOAD at
            # load, so the tracer is the only process that writes a line.
            HWM[$tr]=$(awk 'NR == 1 { print $2 }' "$OUT/peak.txt" 2>/dev/null || echo '?')
            MAXRSS[$tr]=$(awk '{ print $2 }' "$OUT/time.txt")
            WALL[$tr]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
            printf 'rss\t%s\t%s\t%s\tVmHWM=%s\t%%M=%s\twall=%s\n' "$tr" "$m" "$calls" "${HWM[$tr]}" "${MAXRSS[$tr]}" "${WALL[$tr]}" >>"$RAW"
            echo "  rss $tr M=$m: VmHWM ${HWM[$tr]} kB, %M ${MAXRSS[$tr]} kB, ${WALL[$tr]} s" >&2
        done
        say "| $m | $calls | ${HWM[ksec]} | ${MAXRSS[ksec]} | ${HWM[strace]} | ${MAXRSS[strace]} | ${WALL[ksec]} | ${WALL[strace]} |"
    done
fi

if measuring; then
    say ""
    say "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
echo "raw: $RAW  summary: $SUMMARY" >&2
