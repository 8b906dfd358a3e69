#!/usr/bin/env bash
# bench/phantom.sh - how many opens of /etc/shadow `ksec watch` misses when the path buffer is
# raced (the "phantom" TOCTOU): bench/workloads/phantom.c opens a buffer that another thread
# flips between /etc/shadow and a decoy with the same base name; each fd is checked by inode, so
# the real number of /etc/shadow opens is known. ksec watch runs its default rules ("Read
# sensitive file untrusted" fires on every read of /etc/shadow by a program like this one).
#
# Run from the repository root:   sudo bench/phantom.sh
#
# Needs: gcc, python3, root. RUNS (default 3) rounds of OPENS (default 100000) opens per SPIN
# (default "50 200 1000": how long each buffer state is held). Prints, per round: the opens that
# really got /etc/shadow, the alerts naming it, and the alerts' shortfall (opens that raised
# none). An alert on an open that really got the decoy cannot be told apart here and would
# hide a miss: the shortfall is a lower bound.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/watch.sh
RUNS=${RUNS:-3}
OPENS=${OPENS:-100000}
SPINS=${SPINS:-50 200 1000}
OUT=bench/out/phantom
mkdir -p "$OUT/bin" /tmp/ksec-phantom
echo decoy > /tmp/ksec-phantom/shadow
KSEC=${KSEC:-target/release/ksec}
[[ -x $KSEC ]] || cargo build --release
gcc -O2 -pthread -o "$OUT/bin/phantom" bench/workloads/phantom.c

echo "round spin shadow_opens decoy_opens failed alerts missed missed_%"
for round in $(seq "$RUNS"); do
    for spin in $SPINS; do
        alerts=$OUT/alerts.jsonl err=$OUT/ksec.err
        rm -f "$alerts"
        "$KSEC" watch --json -o "$alerts" 2>"$err" &
        KPID=$!
        wait_ready "$KPID" "$err"
        read -r got other fails < <("$OUT/bin/phantom" "$OPENS" "$spin" /tmp/ksec-phantom/shadow)
        stop_watch "$KPID" 2
        seen=$(python3 - "$alerts" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    a = json.loads(line)
    f = a["output_fields"]
    if f.get("proc.name") == "phantom" and f.get("fd.name") == "/etc/shadow":
        n += 1
print(n)
PY
)
        missed=$((got - seen))
        echo "$round $spin $got $other $fails $seen $missed $(echo "scale=2; 100 * $missed / ($got + ($got == 0))" | bc)"
    done
done
