#!/usr/bin/env bash
# Benchmark `ksec grep-secret` on a 1 GiB file of binary noise holding a few secrets, against
# `strings FILE | grep -A5 -B5 PATTERN` and `LC_ALL=C grep -a -c -F PATTERN FILE`, measured in the
# same run with hyperfine (medians of several runs, warm page cache), plus ksec's peak RSS from
# /usr/bin/time -v. Prints a `## grep-secret` Markdown section for BENCHMARKS.md and saves it
# to $BENCH_DIR/grep-secret.md.
#
# Usage: bench/grep-secret.sh [RUNS]        (needs hyperfine, strings, GNU time, python3)
# Env:   BENCH_DIR (where the 1 GiB file goes; default a temp dir), BENCH_SIZE_MIB (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-7}
SIZE_MIB=${BENCH_SIZE_MIB:-1024}
PATTERN=111122223333
for tool in hyperfine strings python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y hyperfine binutils python3 time)" >&2; exit 2; }
done

cargo build --release -q
KSEC=$PWD/target/release/ksec

DIR=${BENCH_DIR:-$(mktemp -d)}
FILE=$DIR/grep-secret-noise.bin
OUT=$DIR/grep-secret-hyperfine.json
HOLDER=
cleanup() {
  if [ -n "$HOLDER" ]; then kill "$HOLDER" 2>/dev/null || true; fi
  if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$DIR"; fi
}
trap cleanup EXIT

# 1 GiB of random bytes with four secrets (an etcd-like key/value, an env-style password, a PEM
# header, a card) at fixed offsets.
if [ ! -s "$FILE" ] || [ "$(stat -c %s "$FILE")" -ne $((SIZE_MIB << 20)) ]; then
  head -c $((SIZE_MIB << 20)) /dev/urandom > "$FILE"
  i=0
  for secret in '\0/registry/secrets/default/credit-card\0cc=1111222233334444\0' \
                '\0DB_PASSWORD=s3cr3tP@ssw0rd!\0' \
                '\0-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\n\0' \
                '\0card 4111 1111 1111 1111\0'; do
    i=$((i + 1))
    printf "$secret" | dd of="$FILE" bs=1 seek=$(( (SIZE_MIB << 20) / 5 * i + 12345 )) conv=notrunc status=none
  done
fi
cat "$FILE" > /dev/null   # warm the page cache

# A process that holds the file open on fd 0, as etcd holds its database.
sleep infinity < "$FILE" &
HOLDER=$!

# --output=pipe: GNU grep stops at the first match when its output is /dev/null (hyperfine's
# default), which would time reading a fifth of the file.
hyperfine --warmup 1 --runs "$RUNS" --output=pipe --export-json "$OUT" \
  -n "ksec grep-secret (fd of a process)" "$KSEC grep-secret $PATTERN -p $HOLDER" \
  -n "ksec grep-secret --file" "$KSEC grep-secret $PATTERN --file $FILE" \
  -n "ksec grep-secret (detectors, no pattern)" "$KSEC grep-secret --file $FILE" \
  -n "strings | grep -A5 -B5" "strings $FILE | grep -A5 -B5 $PATTERN" \
  -n "LC_ALL=C grep -a -c -F" "LC_ALL=C grep -a -c -F $PATTERN $FILE" >&2

rss_kib() { /usr/bin/time -v "$@" 2>&1 >"$DIR/rss.out" | awk -F': ' '/Maximum resident set size/ {print $2}'; }
RSS_FD=$(rss_kib "$KSEC" grep-secret "$PATTERN" -p "$HOLDER")
RSS_FILE=$(rss_kib "$KSEC" grep-secret "$PATTERN" --file "$FILE")
RSS_DET=$(rss_kib "$KSEC" grep-secret --file "$FILE")
RSS_GREP=$(rss_kib env LC_ALL=C grep -a -c -F "$PATTERN" "$FILE")

CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
MACHINE="$(nproc) CPUs ($CPU), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r), $(hyperfine --version), GNU strings $(strings --version | head -1 | awk '{print $NF}'), GNU grep $(grep --version | head -1 | awk '{print $NF}')"

python3 - "$OUT" "$RUNS" "$SIZE_MIB" "$PATTERN" "$MACHINE" "$RSS_FD" "$RSS_FILE" "$RSS_DET" "$RSS_GREP" <<'PY' | tee "$DIR/grep-secret.md"
import json, sys
out, runs, size, pattern, machine, rss_fd, rss_file, rss_det, rss_grep = sys.argv[1:]
res = {r["command"]: r for r in json.load(open(out))["results"]}
med = {k: r["median"] for k, r in res.items()}
ksec_fd = med["ksec grep-secret (fd of a process)"]
ksec_file = med["ksec grep-secret --file"]
pipe = med["strings | grep -A5 -B5"]
grepc = med["LC_ALL=C grep -a -c -F"]
mib = lambda kib: f"{int(kib) / 1024:.1f} MiB"
print("## grep-secret\n")
print(f"A {size} MiB file of random bytes (from /dev/urandom) with four secrets, searched for the literal "
      f"`{pattern}` (part of `cc=1111222233334444`); page cache warm; {runs} runs each after one warm-up, "
      "all commands measured in the same hyperfine run by `bench/grep-secret.sh`, output through a pipe "
      "(`--output=pipe`: with output to /dev/null GNU grep stops at the first match). "
      "Peak RSS from `/usr/bin/time -v`. "
      "\"fd of a process\" is the real use: `sleep infinity < FILE` holds the file on fd 0 and ksec "
      "reads it through /proc/PID/fd/0.\n")
print(f"Machine: {machine}.\n")
print("| command | median (s) | min (s) | max (s) | peak RSS |")
print("|---|---:|---:|---:|---:|")
rss = {"ksec grep-secret (fd of a process)": mib(rss_fd), "ksec grep-secret --file": mib(rss_file),
       "ksec grep-secret (detectors, no pattern)": mib(rss_det), "LC_ALL=C grep -a -c -F": mib(rss_grep)}
for name, r in res.items():
    print(f"| `{name}` | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {rss.get(name, '')} |")
print()
print(f"- ksec (fd) vs `strings | grep -A5 -B5`: **{pipe / ksec_fd:.1f}x faster** (target >= 10x)")
print(f"- ksec (fd) vs `LC_ALL=C grep -a -c -F`: **{grepc / ksec_fd:.2f}x** the speed of grep -c (target >= 1, no slower)")
print(f"- ksec (--file) vs `strings | grep`: {pipe / ksec_file:.1f}x; vs grep -c: {grepc / ksec_file:.2f}x")
print(f"- ksec peak RSS: {mib(rss_fd)} (fd), {mib(rss_file)} (--file), {mib(rss_det)} (detectors) (target < 64 MiB)")
PY
