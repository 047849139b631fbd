#!/usr/bin/env bash
# Instructions per operation of jetd (user space, counted by callgrind: reliable on a loaded
# machine where timings are not), per daemon binary, transport and scenario.
#
#   scripts/callgrind_per_op.sh NAME=BINARY [NAME=BINARY ...]
#
# Scenarios: set (4 clients x window 8), set-w1, fanout to 100 fetchers, churn (10 fetchers),
# adds (the state fill of jetbench memory, no fetchers). jetd runs ~50x slower under
# callgrind, so the load generator is throttled by it; the count per operation holds.
# Prints one markdown row per binary and transport: instructions per operation (operations
# counted) after subtracting an idle daemon's start and stop; outputs in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
J="${JETBENCH:-$HOME/.cache/jetbench/target/release/jetbench}"
OUT="${OUT:-target/bench-out}/callgrind-per-op"
mkdir -p "$OUT"
ulimit -n 8192 || true

# scenario name -> jetbench arguments
declare -A ARGS=(
    [set]="set --duration 4 --warmup 0 --timeout 30"
    [set-w1]="set --clients 1 --window 1 --duration 8 --warmup 0 --timeout 30"
    [fanout100]="fanout --fetchers 100 --changes 3000 --duration 20 --timeout 30"
    [churn]="churn --fetchers 10 --duration 4 --warmup 0 --timeout 30"
    [adds]="memory --mem-states 20000 --mem-fetchers 1 --timeout 60"
)
SCENARIOS="${SCENARIOS:-set set-w1 fanout100 churn adds}"

# Operations of a RESULT line, as compare.py counts them.
ops() {
    python3 -c '
import json, sys
r = json.loads(sys.argv[1])
s = sys.argv[2]
if s.startswith("set"): print(r["roundtrips"])
elif s.startswith("fanout"): print(r["notifications_delivered"])
elif s == "churn": print(r["adds"] + r["removes"])
else: print(r["states"])
' "$1" "$2"
}

printf '| binary | transport |'
for s in $SCENARIOS; do printf ' %s |' "$s"; done
printf '\n|---|---|'
for s in $SCENARIOS; do printf -- '---:|'; done
printf '\n'
# Instructions of a daemon that starts, serves nothing and stops: subtracted from each
# run's total, so that short runs (set-w1 does few operations under callgrind) are not
# dominated by the start-up.
idle_total() {
    local bin="$1" tcp=$((20000 + RANDOM % 5000)) ws=$((25000 + RANDOM % 5000))
    local cg="$OUT/idle.out"
    taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$cg" \
        "$bin" --tcp 127.0.0.1:$tcp --ws 127.0.0.1:$ws >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 200); do
        ss -ltn | grep -q ":$ws " && ss -ltn | grep -q ":$tcp " && break
        sleep 0.1
    done
    sleep 1
    kill -TERM $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    grep -m1 '^summary:' "$cg" | awk '{print $2}'
}

for spec in "$@"; do
    name="${spec%%=*}" bin="${spec#*=}"
    idle=$(idle_total "$bin")
    for transport in tcp ws; do
        printf '| %s | %s |' "$name" "$transport"
        for s in $SCENARIOS; do
            tcp=$((20000 + RANDOM % 5000)) ws=$((25000 + RANDOM % 5000))
            cg="$OUT/$name-$transport-$s.out"
            taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$cg" \
                "$bin" --tcp 127.0.0.1:$tcp --ws 127.0.0.1:$ws >"$OUT/$name-$transport-$s.log" 2>&1 &
            pid=$!
            for _ in $(seq 200); do
                ss -ltn | grep -q ":$ws " && ss -ltn | grep -q ":$tcp " && break
                sleep 0.1
            done
            where=(--port $tcp)
            [ "$transport" = ws ] && where=(--ws $ws)
            dpid=$(pgrep -P $pid || echo $pid)
            line=$(taskset -c 1 "$J" ${ARGS[$s]} "${where[@]}" --pid "$dpid" --json 2>/dev/null | grep '^RESULT ' | sed 's/^RESULT //' || true)
            kill -TERM $pid 2>/dev/null || true
            wait $pid 2>/dev/null || true
            total=$(grep -m1 '^summary:' "$cg" | awk '{print $2}')
            if [ -z "$line" ] || [ -z "$total" ]; then printf ' error |'; continue; fi
            n=$(ops "$line" "$s")
            python3 -c "import sys; t, i, n = map(int, sys.argv[1:]); print(' %.0f (%d) |' % ((t - i) / max(n, 1), n), end='')" "$total" "$idle" "$n"
        done
        printf '\n'
    done
done
