#!/usr/bin/env bash
# Routed calls per second driven by one peer pair through one release jetd: the Rust peer
# (jet-runtime) next to node-jet 2.1.2 peers, in one run, alternating, on loopback.
#   scripts/bench_peers.sh [SECONDS] [ROUNDS]
# Pins jetd to CPU 0 and the peers to CPU 1 when taskset exists.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
rounds=${2:-3}
cargo build --release -q -p jetd -p jet-examples --example bench_calls
[ -d tests/interop/node_modules ] || npm ci --prefix tests/interop --no-audit --no-fund
pin() { if command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
log=$(mktemp)
pin 0 target/release/jetd --tcp 127.0.0.1:0 --ws off >"$log" 2>/dev/null &
jetd_pid=$!
trap 'kill $jetd_pid 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
addr=$(sed -n 's/.*tcp=\([^ ]*\).*/\1/p' "$log")
echo "jetd at $addr; $rounds rounds of $seconds s per peer library, concurrency 64 and 1"
for c in 64 1; do
  for r in $(seq "$rounds"); do
    echo "round $r concurrency $c"
    pin 1 target/release/examples/bench_calls "$addr" --seconds "$seconds" --concurrency "$c"
    (cd tests/interop && pin 1 node bench_calls.js "$addr" --seconds "$seconds" --concurrency "$c")
  done
done
