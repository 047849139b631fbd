#!/usr/bin/env bash
# The commands that produce the figures in docs/PERFORMANCE.md. Run from the repository
# root. Loopback only; every step is bounded in time. Heavy: run it on a quiet machine.
#
#   scripts/bench.sh micro     criterion micro-benchmarks (codec, fetch expressions, sorter,
#                              daemon core), a few minutes
#   scripts/bench.sh scale     states x fetchers scaling table, a few minutes
#   scripts/bench.sh compare   ../shared/bench/compare.py: jetd vs node-jet 2.1.2 vs ceiling
#                              (REPS=3 by default; about 6 minutes per rep on a quiet machine)
#   scripts/bench.sh profile   callgrind + strace of jetd under jetbench set and fanout
#   scripts/bench.sh all       everything above
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
T="$CARGO_TARGET_DIR"
BENCH_DIR="${BENCH_DIR:-../shared/bench}"
JETBENCH_TARGET="${JETBENCH_TARGET:-$HOME/.cache/jetbench/target}"
OUT="${OUT:-$T/bench-out}"
mkdir -p "$OUT"

build_release() {
    [ -n "${SKIP_BUILD:-}" ] && return 0
    cargo build --release -p jetd
    cargo build --release -p jet-examples --example scale
}

micro() {
    # Each bench keeps itself short (1 s warm-up, 2-3 s measurement per case).
    # One cargo invocation for both crates: separate ones resolve features differently and
    # rebuild the dependencies.
    cargo bench -p jet-runtime -p jetd --bench codec --bench fetch_expr --bench sorter --bench core \
        2>&1 | tee "$OUT/micro.txt"
}

scale() {
    build_release
    ulimit -n 8192 || true
    # Daemon pinned to CPU 0, the generator to CPU 1 (as compare.py --pin).
    taskset -c 1 "$T/release/examples/scale" --jetd "$T/release/jetd" --daemon-cpu 0 \
        | tee "$OUT/scale.md"
}

compare() {
    build_release
    # node-jet 2.1.2 first: it is the baseline of every ratio column.
    python3 "$BENCH_DIR/compare.py" --builtin nodejet2 \
        --daemon jetd="$T/release/jetd --tcp 127.0.0.1:{tcp} --ws 127.0.0.1:{ws}" \
        --builtin ceiling --reps "${REPS:-3}" --pin \
        | tee "$OUT/compare.txt"
}

jetbench_bin() {
    [ -z "${SKIP_BUILD:-}" ] && cargo build --release --manifest-path "$BENCH_DIR/jetbench/Cargo.toml" \
        --target-dir "$JETBENCH_TARGET" >&2
    echo "$JETBENCH_TARGET/release/jetbench"
}

# Start jetd under a wrapper ($1, may be empty) on port $2, wait for it to listen.
start_jetd() {
    local wrapper="$1" port="$2"
    # shellcheck disable=SC2086
    taskset -c 0 $wrapper "$T/release/jetd" --tcp "127.0.0.1:$port" --ws off >"$OUT/jetd-$port.log" 2>&1 &
    DAEMON=$!
    for _ in $(seq 1 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "jetd did not start on $port" >&2
    return 1
}

# Stop the daemon started by start_jetd: under strace the daemon is strace's child, and
# strace does not pass SIGINT on, so the child (by its pid) is stopped first.
stop_jetd() {
    local child
    for child in $(pgrep -P "$DAEMON" || true); do kill -INT "$child" || true; done
    kill -INT "$DAEMON" 2>/dev/null || true
    wait "$DAEMON" || true
}

profile() {
    build_release
    local J
    J="$(jetbench_bin)"
    ulimit -n 8192 || true
    for scenario in set fanout; do
        local port=$((21000 + RANDOM % 1000)) extra=()
        [ "$scenario" = fanout ] && extra=(--fetchers 100 --changes 20000)
        # callgrind: instructions per function (the daemon runs ~50x slower under it, so the
        # load generator is throttled by the daemon; the split between functions holds).
        start_jetd "valgrind --tool=callgrind --callgrind-out-file=$OUT/callgrind-$scenario.out" "$port"
        taskset -c 1 "$J" "$scenario" --port "$port" --duration 5 --warmup 1 --timeout 30 "${extra[@]}" \
            >"$OUT/jetbench-callgrind-$scenario.txt" 2>&1 || true
        stop_jetd
        callgrind_annotate --inclusive=no "$OUT/callgrind-$scenario.out" | sed -n 1,80p >"$OUT/callgrind-$scenario-self.txt"
        callgrind_annotate --inclusive=yes "$OUT/callgrind-$scenario.out" | sed -n 1,80p >"$OUT/callgrind-$scenario-incl.txt"
        # strace -c: syscalls per operation at full speed.
        port=$((port + 1))
        start_jetd "strace -c -f -o $OUT/strace-$scenario.txt" "$port"
        taskset -c 1 "$J" "$scenario" --port "$port" --duration 5 --warmup 1 --json "${extra[@]}" \
            >"$OUT/jetbench-strace-$scenario.txt" 2>&1 || true
        stop_jetd
        # user vs kernel CPU without a tracer.
        port=$((port + 1))
        start_jetd "" "$port"
        local before after
        before=$(awk '{print $14, $15}' "/proc/$DAEMON/stat")
        taskset -c 1 "$J" "$scenario" --port "$port" --pid "$DAEMON" --duration 5 --warmup 1 --json "${extra[@]}" \
            >"$OUT/jetbench-plain-$scenario.txt" 2>&1 || true
        after=$(awk '{print $14, $15}' "/proc/$DAEMON/stat")
        # user and kernel CPU ticks (1/100 s) of the daemon over the jetbench run
        echo "$before $after" | awk '{print "user_ticks=" $3-$1, "kernel_ticks=" $4-$2}' \
            >"$OUT/cpu-split-$scenario.txt"
        stop_jetd
    done
    ls -l "$OUT"
}

case "${1:-all}" in
    micro) micro ;;
    scale) scale ;;
    compare) compare ;;
    profile) profile ;;
    all) micro; scale; profile; compare ;;
    *) echo "usage: $0 micro|scale|compare|profile|all" >&2; exit 2 ;;
esac
