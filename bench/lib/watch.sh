# bench/lib/watch.sh - sourced by the watch benchmarks: waiting for `ksec watch` to be ready and
# stopping it.

# wait_ready PID ERRFILE: returns once ksec watch (PID) says its rules are loaded on stderr
# (ERRFILE); exits the benchmark if it ends or takes over 30 s.
wait_ready() {
    for _ in $(seq 600); do
        grep -q 'rules loaded' "$2" 2>/dev/null && return
        kill -0 "$1" 2>/dev/null || break
        sleep 0.05
    done
    echo "ksec watch did not start: $(cat "$2")" >&2
    exit 1
}

# stop_watch PID SECONDS: lets ksec watch read what is left for SECONDS, then SIGINT and wait.
stop_watch() {
    sleep "$2"
    kill -INT "$1" 2>/dev/null || true
    wait "$1" || true
}
