#!/usr/bin/env bash
# bench/fds.sh - `ksec fds` against lsof, fuser and ls on real processes: speed, peak RSS and
# agreement (the same fds, the same holders).
#
# Run from the repository root:   sudo bench/fds.sh
#
# Needs: bash, gcc, python3, lsof, fuser (psmisc), GNU time, root (every process's fds are read,
# by every tool under the same privileges). hyperfine, when installed, measures every case a
# second time (its medians are printed next to ours). Builds target/release/ksec if missing
# (KSEC=path for another binary).
#
# Cases (the processes are started once and hold still while measured):
#   manyfds   one process holding ~NFDS fds (bench/workloads/manyfds.c: files, pipes, TCP on
#             IPv4 and IPv6, UDP, unix socketpairs and a named listener, eventfds, timerfd,
#             signalfd, inotify, an epoll): `ksec fds PID`, `lsof -p PID`, `lsof -n -P -p PID`
#             (no DNS or service names: the fair comparison), `lsof -n -P +E -p PID` (also the
#             other ends of pipes and unix sockets in every process, as ksec shows them),
#             `ls -l /proc/PID/fd`;
#             `ksec fds --json PID` vs `lsof -n -P -F ... -p PID` (machine-readable both)
#   file      SLEEPERS sleeping processes; HOLDERS of them hold the file F open (stdin), MAPPERS
#             python3 processes map it: `ksec fds --file F`, `lsof F`, `fuser F`
#   dir       a tree of TREE files in 20 directories below D, HOLDERS sleepers holding one file
#             each and one with its cwd in it: `ksec fds --file D --dir`, `lsof +D D`
# Each round runs every command of a case once, in turn (interleaved); RUNS rounds. The tables
# give the median wall time per command, its ratio to ksec's (ratio of medians) and the median
# of the per-round ratios (same round, same load). Peak RSS is GNU time's %M of one more run.
# Agreement: the (fd, type, target) sets of ksec and lsof for the many-fds process, normalised,
# and the pid sets of ksec, lsof and fuser for the file and the tree; every difference is
# printed, and the ones that are by design are named as such.
#
# Environment: RUNS=11 NFDS=10000 SLEEPERS=300 HOLDERS=5 MAPPERS=3 TREE=2000
# KSEC=target/release/ksec OUT=bench/out KSEC_BEFORE=path (another ksec binary, e.g. an older
# build, measured next to KSEC in the manyfds case)
set -euo pipefail

RUNS=${RUNS:-11}
NFDS=${NFDS:-10000}
SLEEPERS=${SLEEPERS:-300}
HOLDERS=${HOLDERS:-5}
MAPPERS=${MAPPERS:-3}
TREE=${TREE:-2000}
KSEC=${KSEC:-target/release/ksec}
OUT=${OUT:-bench/out}

die() { echo "fds.sh: $*" >&2; exit 1; }
[[ -f Cargo.toml && -d bench/workloads ]] || die "run from the repository root"
[[ $(id -u) == 0 ]] || die "needs root (sudo bench/fds.sh)"
for t in gcc python3 lsof fuser /usr/bin/time awk sort; do
    command -v "$t" >/dev/null || die "needs $t"
done
if [[ ! -x $KSEC ]]; then
    cargo build --release >&2
fi
KSEC=$(realpath "$KSEC")
mkdir -p "$OUT/bin"
BIN=$(cd "$OUT/bin" && pwd)
gcc -O2 -o "$BIN/manyfds" bench/workloads/manyfds.c

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RAW=$OUT/fds-raw-$STAMP.tsv
SUMMARY=$OUT/fds-summary-$STAMP.md
: >"$RAW"
say() { echo "$@" | tee -a "$SUMMARY"; }

WORK=$(mktemp -d /tmp/ksec-fdsbench.XXXXXX)
PIDS=()
cleanup() {
    exec 9>&- 2>/dev/null || true
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- the processes ----------------------------------------------------------------------------
mkdir "$WORK/many"
mkfifo "$WORK/ctl"
"$BIN/manyfds" "$NFDS" "$WORK/many" <"$WORK/ctl" >"$WORK/ready" &
PIDS+=($!)
exec 9>"$WORK/ctl"
for _ in $(seq 100); do [[ -s $WORK/ready ]] && break; sleep 0.1; done
read -r _ MANY MANY_FDS <"$WORK/ready" || die "manyfds did not start"

F=$WORK/held.bin
head -c 65536 /dev/zero >"$F"
for i in $(seq "$SLEEPERS"); do
    if (( i <= HOLDERS )); then sleep 3600 <"$F" & else sleep 3600 </dev/null & fi
    PIDS+=($!)
done
for _ in $(seq "$MAPPERS"); do
    python3 -c 'import mmap, sys, time
f = open(sys.argv[1], "rb"); m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ); f.close()
print("ok", flush=True); time.sleep(3600)' "$F" >"$WORK/mapper.$_" &
    PIDS+=($!)
done

D=$WORK/tree
for d in $(seq -w 0 19); do mkdir -p "$D/d$d"; done
for i in $(seq 0 $((TREE - 1))); do : >"$D/d$(printf %02d $((i % 20)))/f$i"; done
for i in $(seq "$HOLDERS"); do
    sleep 3600 <"$D/d$(printf %02d "$i")/f$i" &
    PIDS+=($!)
done
(cd "$D/d00" && exec sleep 3600) &
PIDS+=($!)
for _ in $(seq 100); do
    n=$(cat "$WORK"/mapper.* 2>/dev/null | grep -c ok || true)
    (( n == MAPPERS )) && break
    sleep 0.1
done
sleep 0.5

# --- timing -----------------------------------------------------------------------------------
# case<TAB>label<TAB>command (run without a shell by bash's word splitting of an array)
CASES=()
add() { CASES+=("$1"$'\t'"$2"$'\t'"$3"); }
add manyfds "ksec fds PID" "$KSEC fds $MANY"
[[ -n ${KSEC_BEFORE:-} ]] && add manyfds "KSEC_BEFORE fds PID" "$(realpath "$KSEC_BEFORE") fds $MANY"
add manyfds "lsof -p PID" "lsof -p $MANY"
add manyfds "lsof -n -P -p PID" "lsof -n -P -p $MANY"
add manyfds "lsof -n -P +E -p PID" "lsof -n -P +E -p $MANY"
add manyfds "ls -l /proc/PID/fd" "ls -l /proc/$MANY/fd"
add json "ksec fds --json PID" "$KSEC fds --json $MANY"
add json "lsof -n -P -F PID" "lsof -n -P -F ftinPTsoal -p $MANY"
add file "ksec fds --file F" "$KSEC fds --file $F"
add file "lsof F" "lsof $F"
add file "fuser F" "fuser $F"
add dir "ksec fds --file D --dir" "$KSEC fds --file $D --dir"
add dir "lsof +D D" "lsof +D $D"

run_one() { # case label round command...
    local c=$1 l=$2 r=$3
    shift 3
    local t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || true # fuser and lsof exit 1 on some lookups; output is checked below
    local t1=$EPOCHREALTIME
    awk -v c="$c" -v l="$l" -v r="$r" -v a="$t0" -v b="$t1" \
        'BEGIN { printf "%s\t%s\t%s\t%.6f\n", c, l, r, b - a }' >>"$RAW"
}
echo "fds.sh: $RUNS interleaved rounds ($MANY_FDS fds in pid $MANY; $SLEEPERS sleepers)" >&2
for round in $(seq 0 "$RUNS"); do # round 0 warms the caches and is dropped
    for entry in "${CASES[@]}"; do
        IFS=$'\t' read -r c l cmd <<<"$entry"
        read -ra argv <<<"$cmd"
        run_one "$c" "$l" "$round" "${argv[@]}"
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2 }'; }
times() { awk -F'\t' -v c="$1" -v l="$2" '$1 == c && $2 == l && $3 > 0 { print $3 "\t" $4 }' "$RAW" | sort -n | cut -f2; }
med() { times "$1" "$2" | median; }
paired() { paste <(times "$1" "$2") <(times "$1" "$3") | awk '$2 > 0 { print $1 / $2 }' | median; }

rss() { # command... -> peak RSS in kB (GNU time %M)
    /usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
    tail -1 "$WORK/rss"
}

hf_median() { # command -> hyperfine's median in ms, or "-"
    command -v hyperfine >/dev/null || { echo -; return; }
    hyperfine -N -i -w 2 -r "$RUNS" --export-json "$WORK/hf.json" "$1" >/dev/null 2>&1 || { echo -; return; }
    python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$WORK/hf.json"
}

say "## ksec fds vs lsof, fuser, ls ($STAMP)"
say ""
say "$(uname -srm), $(nproc) CPUs; $("$KSEC" --version 2>/dev/null | head -1); lsof $(lsof -v 2>&1 | awk '/revision:/ { print $2; exit }'); fuser $(fuser -V 2>&1 | awk 'NR == 1 { print $3 }')$(command -v hyperfine >/dev/null && echo "; $(hyperfine --version)")"
say "$RUNS interleaved rounds (after one warm-up round); pid $MANY holds $MANY_FDS fds; $SLEEPERS sleepers, $HOLDERS holding F, $MAPPERS mapping it; $TREE files below D."
say ""
say "| case | command | median ms | x ksec (medians) | x ksec (per round) | hyperfine median ms | peak RSS kB |"
say "|---|---|---:|---:|---:|---:|---:|"
for entry in "${CASES[@]}"; do
    IFS=$'\t' read -r c l cmd <<<"$entry"
    read -ra argv <<<"$cmd"
    first=$(printf '%s\n' "${CASES[@]}" | awk -F'\t' -v c="$c" '$1 == c { print $2; exit }')
    m=$(med "$c" "$l")
    m0=$(med "$c" "$first")
    ratio=$(awk -v a="$m" -v b="$m0" 'BEGIN { printf "%.2f", a / b }')
    pr=$(paired "$c" "$l" "$first")
    say "| $c | \`$l\` | $(awk -v a="$m" 'BEGIN { printf "%.1f", a * 1000 }') | $ratio | $(printf %.2f "$pr") | $(hf_median "$cmd") | $(rss "${argv[@]}") |"
done
say ""

# --- agreement --------------------------------------------------------------------------------
"$KSEC" fds --json "$MANY" >"$WORK/many.json"
lsof -n -P -w -F ftinPT -p "$MANY" >"$WORK/many.lsof"
"$KSEC" fds --file "$F" --json >"$WORK/file.json"
lsof -n -P -w -F p "$F" >"$WORK/file.lsof" || true
fuser "$F" >"$WORK/file.fuser" 2>/dev/null || true
"$KSEC" fds --file "$D" --dir --json >"$WORK/dir.json"
lsof -n -P -w -F p +D "$D" >"$WORK/dir.lsof" || true
python3 - "$WORK" "$MANY" <<'EOF' | tee -a "$SUMMARY"
import json, re, sys
work, pid = sys.argv[1], sys.argv[2]

def lsof_records(path):
    recs, cur = [], None
    for line in open(path):
        tag, val = line[0], line.rstrip("\n")[1:]
        if tag == "p":
            p = val
        elif tag == "f":
            cur = {"p": p, "f": val}
            recs.append(cur)
        elif cur is not None:
            if tag == "T":
                cur.setdefault("T", {})[val.split("=")[0]] = val.split("=", 1)[1]
            else:
                cur[tag] = val
    return recs

def anon(name):  # [eventfd:3] -> eventfd, inotify -> inotify
    m = re.match(r"\[?([a-z_]+)", name)
    return m.group(1) if m else name

def ksec_fd(fd):  # lsof -F prints fds >= 10000 as *NNN (the last three digits)
    return str(fd) if fd < 10000 else "*%03d" % (fd % 1000)

def ksec_row(r):
    k, t = r["type"], r["target"]
    s = r.get("socket")
    fd = ksec_fd(r["fd"])
    if k in ("file", "memfd"):
        return (fd, "REG", t)
    if k == "dir":
        return (fd, "DIR", t)
    if k in ("pipe", "fifo"):
        return (fd, "FIFO", "pipe:%d" % r["inode"] if k == "pipe" else t)
    if k == "device":
        return (fd, "CHR" if r["device"].startswith("char") else "BLK", t)
    if k == "anon_inode":
        return (fd, "a_inode", anon(t[len("anon_inode:"):]))
    if k == "socket" and s and s["family"] == "inet":
        proto = s["proto"]
        fam = "IPv6" if proto.endswith("6") else "IPv4"
        name = s["local"]
        if s["state"] not in ("LISTEN", "CLOSE") or not s["remote"].endswith(":0"):
            name += "->" + s["remote"]
        state = s["state"] if proto.startswith("tcp") else ""
        return (fd, fam, "%s %s %s" % (proto[:3].upper(), name, state))
    if k == "socket" and s and s["family"] == "unix":
        return (fd, "unix", "%d %s" % (r["inode"], s["path"] or ""))
    if k == "socket" and s and s["family"] == "netlink":
        return (fd, "netlink", s["protocol"].replace("NETLINK_", ""))
    return (fd, k, t)

def lsof_row(f):
    t, n = f.get("t", ""), f.get("n", "")
    if t == "FIFO" and n == "pipe":
        return (f["f"], t, "pipe:" + f["i"])
    if t == "a_inode":
        return (f["f"], t, anon(n))
    if t in ("IPv4", "IPv6"):
        state = f.get("T", {}).get("ST", "") if f.get("P") == "TCP" else ""
        return (f["f"], t, "%s %s %s" % (f.get("P"), n, state))
    if t == "unix":
        path = n.rsplit(" type=", 1)[0] if " type=" in n else ""
        return (f["f"], t, "%s %s" % (f.get("i"), path))
    return (f["f"], t, n)

v = json.load(open(work + "/many.json"))[0]
ksec = {ksec_row(r) for r in v["fds"]}
ksec_mem = {m["target"] for m in v["mem"]}
recs = lsof_records(work + "/many.lsof")
lsof = {lsof_row(f) for f in recs if f["f"] not in ("cwd", "rtd", "txt", "mem", "DEL")}
lsof_mem = {f["n"] for f in recs if f["f"] in ("txt", "mem", "DEL")}
print("Agreement, pid %s: ksec %d fds, lsof %d; (fd, type, target) equal for %d."
      % (pid, len(v["fds"]), len(lsof), len(ksec & lsof)))
for x in sorted(ksec - lsof)[:10]:
    print("  only ksec: %s" % (x,))
for x in sorted(lsof - ksec)[:10]:
    print("  only lsof: %s" % (x,))
print("  by design: lsof -F writes fds >= 10000 as *NNN (%d here; compared by their last three"
      " digits), ksec the number." % sum(1 for r in v["fds"] if r["fd"] >= 10000))
print("  by design: lsof's cwd and rtd rows are not in `ksec fds PID` (`ksec fds --file` has"
      " them); its txt and mem rows are ksec's mem rows: %s."
      % ("equal" if ksec_mem == lsof_mem else "ksec only %s, lsof only %s"
         % (sorted(ksec_mem - lsof_mem), sorted(lsof_mem - ksec_mem))))
ep = [f for f in recs if f.get("n", "").startswith("[eventpoll:")]
kep = [r for r in v["fds"] if r.get("epoll")]
if ep and kep:
    print("  by design: the epoll fd watches %d fds; lsof names %d and ends with '...', ksec all."
          % (len(kep[0]["epoll"]), ep[0]["n"].count(",") + 1))

def pids_json(name):
    return {str(h["pid"]) for h in json.load(open(work + "/" + name))}

def pids_lsof(name):
    return {l[1:].strip() for l in open(work + "/" + name) if l.startswith("p")}

fk, fl = pids_json("file.json"), pids_lsof("file.lsof")
ff = set(open(work + "/file.fuser").read().split())
print("Holders of F: ksec %d pids, lsof %d, fuser %d; ksec = lsof: %s, ksec = fuser: %s."
      % (len(fk), len(fl), len(ff), fk == fl, fk == ff))
dk, dl = pids_json("dir.json"), pids_lsof("dir.lsof")
print("Holders below D: ksec %d pids, lsof +D %d; equal: %s." % (len(dk), len(dl), dk == dl))
for name, a, b in [("F lsof", fk, fl), ("F fuser", fk, ff), ("D lsof", dk, dl)]:
    if a != b:
        print("  %s: only ksec %s, only the peer %s" % (name, sorted(a - b), sorted(b - a)))
EOF
echo "fds.sh: summary in $SUMMARY, raw times in $RAW" >&2
