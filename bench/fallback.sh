#!/usr/bin/env bash
# The share of a short exec and file-write storm that ksec watch's fallback source sees, next
# to its peers on the same kernel interfaces in the same run: forkstat (proc connector) for
# execs, fatrace (fanotify) for writes. Root; needs forkstat and fatrace (Debian packages).
# Usage: bench/fallback.sh [N]   (N execs of /bin/true and N file writes; default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
secs=$(( 8 + n / 500 ))
cargo build --release --quiet --example fallback_count
bin=target/release/examples/fallback_count
dir=$(mktemp -d /tmp/ksec-fallback-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT

"$bin" "$secs" "$dir" true >"$dir.ksec" &
kpid=$!
forkstat -l -e exec -D "$secs" >"$dir.forkstat" 2>&1 &
fpid=$!
fatrace -s "$secs" -f W -o "$dir.fatrace" &
tpid=$!
sleep 2   # every listener subscribed

for ((i = 0; i < n; i++)); do /bin/true; done
for ((i = 0; i < n; i++)); do echo x >"$dir/f$i"; done

wait "$kpid" "$fpid" "$tpid" || true
read -r _ k_execs _ k_named _ k_partial _ k_writes _ _ _ k_lost < <(tail -1 "$dir.ksec")
f_execs=$(grep -c ' exec ' "$dir.forkstat" || true)
f_named=$(grep -Ec ' exec .*(/bin/)?true( |$)' "$dir.forkstat" || true)
t_writes=$(grep -c "$dir/f" "$dir.fatrace" || true)
echo "storm: $n execs of /bin/true, $n writes of distinct files ($(nproc) cores, $(uname -r))"
echo "execs   ksec: $k_execs (of /bin/true with exe read: $k_named, argv missing: $k_partial)  forkstat: $f_execs (naming true: $f_named)"
echo "writes  ksec: $k_writes  fatrace: $t_writes  (expected $n)"
echo "ksec lost (queue): $k_lost"
rm -f "$dir.ksec" "$dir.forkstat" "$dir.fatrace"
