#!/usr/bin/env bash
# bench/watch-net.sh - what `ksec watch` (eBPF) adds to a UDP send storm: SENDS (default 200,000)
# sendto of 16 bytes from one unconnected socket, to one address (`one`) or alternating between
# two (`alt`, every datagram changes the socket's peer), against the storm with no watcher; and
# (`tcprecv`) SENDS 16-byte writes on a loopback TCP connection each read with recvfrom.
#
# Run from the repository root:   sudo bench/watch-net.sh
#
# Needs: bash, gcc, python3, root, BTF. Builds target/release/ksec if missing (KSEC=path for
# another). Rounds (RUNS, default 7) interleave every variant; medians are printed. Variants:
#   untraced      the storm alone
#   ksec-exec     ksec watch with one exec rule: no rule names sendto, so the kernel follows
#                 no sendto at all (what the raw syscall tracepoints cost by themselves)
#   ksec-name     Falco's outbound macro's UDP branch on sendto (fd.l4proto != tcp and
#                 fd.connected=false and fd.name_changed=true): the kernel sends only the
#                 datagrams that change the peer (one record for `one`, every one for `alt`)
#   ksec-all      a rule on every sendto (no fd.name_changed): every datagram is sent
#   ksec-java     (tcprecv only) Falco's "Java Process Class File Download" condition: every
#                 recvfrom on an inet socket is sent with its first 80 bytes (evt.buffer), as
#                 the kernel cannot tell a java process (proc.exe) or the bytes' meaning
# The rules are evaluated on each event but never fire (proc.pid < 0), so what is measured is
# the events' handling, not writing alerts. For each: the storm's wall time, and the events
# ksec read in all (node-wide, from its summary line, 3 s after the storm) and lost.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/watch.sh
RUNS=${RUNS:-7}
SENDS=${SENDS:-200000}
OUT=bench/out/watch-net
mkdir -p "$OUT/bin"
KSEC=${KSEC:-target/release/ksec}
[[ -x $KSEC ]] || cargo build --release
gcc -O2 -o "$OUT/bin/sendstorm" bench/workloads/sendstorm.c

rules() { # variant -> a rules file
    local f=$OUT/$1.yaml
    case $1 in
    ksec-exec) cond="evt.type in (execve, execveat) and proc.pid < 0" ;;
    ksec-name) cond="evt.type in (sendto, sendmsg) and fd.l4proto != tcp and fd.connected=false and fd.name_changed=true and (fd.typechar = 4 or fd.typechar = 6) and proc.pid < 0" ;;
    ksec-all) cond="evt.type = sendto and fd.sport > 0 and proc.pid < 0" ;;
    ksec-java) cond="evt.type=recvfrom and fd.type in (ipv4, ipv6) and proc.exe endswith java and evt.buffer bcontains cafebabe and proc.pid < 0" ;;
    esac
    printf -- '- rule: bench %s\n  desc: never fires\n  condition: %s\n  output: "%%fd.name"\n  priority: NOTICE\n' "$1" "$cond" > "$f"
    echo "$f"
}

start_ksec() {
    local err=$OUT/ksec.err
    "$KSEC" watch --source ebpf -r "$(rules "$1")" --json -o "$OUT/alerts.jsonl" 2>"$err" &
    KPID=$!
    wait_ready "$KPID" "$err"
}
stop_ksec() { stop_watch "$KPID" 3; }

run_storm() { # mode -> wall seconds
    local t0 t1
    t0=$(date +%s.%N)
    "$OUT/bin/sendstorm" "$SENDS" "$1"
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}

results=$OUT/results.txt
: > "$results"
for round in $(seq "$RUNS"); do
    for mode in ${STORMS:-one alt tcprecv}; do
        variants="untraced ksec-exec ksec-name ksec-all"
        [[ $mode == tcprecv ]] && variants="untraced ksec-exec ksec-java"
        for variant in $variants; do
            events=- lost=-
            if [[ $variant == untraced ]]; then
                wall=$(run_storm $mode)
            else
                start_ksec $variant
                wall=$(run_storm $mode)
                stop_ksec
                events=$(sed -n 's/.*: \([0-9]*\) events, .*/\1/p' "$OUT/ksec.err" | tail -1)
                lost=$(sed -n 's/.* \([0-9]*\) events lost$/\1/p' "$OUT/ksec.err" | tail -1)
            fi
            echo "$round $mode $variant $wall ${events:--} ${lost:--}" | tee -a "$results"
        done
    done
done

echo
echo "median of $RUNS rounds:"
python3 bench/lib/rounds.py "$results" events_read lost
