#!/usr/bin/env bash
# bench/audit.sh - `ksec audit-log` filter queries against jq and grep | jq (issue 13).
#
# Run from the repository root:   bench/audit.sh
#
# Needs: bash, python3, jq, GNU grep, /usr/bin/time (GNU time, for peak RSS). Builds
# target/release/ksec if missing (KSEC=path for another binary). Makes a log of SIZE_MB
# (default 1024) in a temporary directory (removed at exit): the events of
# ../shared/data/audit repeated, each copy with new times (one second apart), new auditIDs,
# and user and object names drawn from 200 users and 500 names, so that a query for one user
# and one resource selects a small share, as real questions do. Then RUNS (default 5)
# interleaved rounds of each tool on the query
#   --user user-7 --resource secrets --verb get
# written as   ksec audit-log --json LOG --user user-7 --resource secrets --verb get
#              jq -c 'select(((.impersonatedUser.username // .user.username) == "user-7") and
#                     .objectRef.resource == "secrets" and (.objectRef.subresource // "") == ""
#                     and .verb == "get")' LOG
#              grep -F user-7 LOG | jq -c '<the same select>'
# Each run's output goes to a file; the three outputs must hold the same lines. Prints the
# median wall time and peak RSS of each and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
RUNS=${RUNS:-5}
KSEC=${KSEC:-target/release/ksec}
[[ -x $KSEC ]] || cargo build --release
command -v jq >/dev/null || { echo "bench/audit.sh: needs jq (apt-get install jq)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/ksec-bench-audit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/audit.log

python3 - "$log" "$SIZE_MB" ../shared/data/audit <<'EOF'
import json, sys, os, random, datetime, uuid
out, size_mb, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
events = []
for name in sorted(os.listdir(src)):
    if not (name.endswith('.log') or name.endswith('.jsonl')):
        continue
    for line in open(os.path.join(src, name)):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get('kind') == 'Event':
            events.append(e)
rng = random.Random(13)
t = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
limit = size_mb << 20
written = 0
with open(out, 'w') as f:
    while written < limit:
        for e in events:
            e = dict(e)
            e['auditID'] = str(uuid.UUID(int=rng.getrandbits(128)))
            ts = t.strftime('%Y-%m-%dT%H:%M:%S.%fZ')
            e['requestReceivedTimestamp'] = e['stageTimestamp'] = ts
            e.pop('timestamp', None)
            e['user'] = dict(e.get('user') or {}, username='user-%d' % rng.randrange(200))
            e.pop('impersonatedUser', None)
            if e.get('objectRef'):
                o = dict(e['objectRef'])
                if o.get('name'):
                    o['name'] = 'obj-%d' % rng.randrange(500)
                e['objectRef'] = o
                if rng.random() < 0.1:
                    o['resource'] = 'secrets'
                    o.pop('subresource', None)
                    e['verb'] = 'get'
            line = json.dumps(e, separators=(',', ':')) + '\n'
            f.write(line)
            written += len(line)
            t += datetime.timedelta(seconds=1)
EOF
lines=$(wc -l <"$log")
echo "log: $(du -m "$log" | cut -f1) MiB, $lines events"

sel='select(((.impersonatedUser.username // .user.username) == "user-7") and .objectRef.resource == "secrets" and ((.objectRef.subresource // "") == "") and .verb == "get")'
run() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/out.$name"
  echo "$name $(cat "$tmp/time")" >>"$tmp/results"
}
: >"$tmp/results"
for ((i = 0; i < RUNS; i++)); do
  run ksec "$KSEC" audit-log --json "$log" --user user-7 --resource secrets --verb get
  run jq jq -c "$sel" "$log"
  run grep-jq bash -c "grep -F user-7 '$log' | jq -c '$sel'"
done
n=$(wc -l <"$tmp/out.ksec")
cmp <(jq -c . "$tmp/out.ksec") "$tmp/out.jq" && cmp "$tmp/out.jq" "$tmp/out.grep-jq" ||
  { echo "bench/audit.sh: the outputs differ" >&2; exit 1; }
echo "matches: $n (identical in all three)"
python3 - "$tmp/results" <<'EOF'
import statistics, sys
t, m = {}, {}
for line in open(sys.argv[1]):
    name, secs, rss = line.split()
    t.setdefault(name, []).append(float(secs))
    m.setdefault(name, []).append(int(rss))
k = statistics.median(t["ksec"])
print("%-8s %10s %12s %8s" % ("tool", "median s", "peak RSS KiB", "x ksec"))
for name in ("ksec", "jq", "grep-jq"):
    md = statistics.median(t[name])
    print("%-8s %10.2f %12d %8.1f" % (name, md, statistics.median(m[name]), md / k))
EOF
