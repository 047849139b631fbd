#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded time and prints, per target, the executions,
# the corpus size and the crashes.
#
#   scripts/fuzz.sh                 60 s per target; new inputs are kept in fuzz/corpus/<target>
#                                   (minimised afterwards with `cargo fuzz cmin`, except the
#                                   hand-written seed-* and regression-* files): commit them
#   scripts/fuzz.sh --smoke         5 s per target, for CI; the corpus in the repository is only
#                                   read (new inputs go to a temporary directory)
#   scripts/fuzz.sh --time 600 dispatcher    10 minutes of one target
#
# cargo-fuzz needs nightly compiler flags (-Zsanitizer=address, ...). There is only the stable
# toolchain here, so RUSTC_BOOTSTRAP=1 lets stable rustc accept them. cargo-fuzz is installed
# with `cargo install` when it is missing. A crash leaves its input in
# fuzz/artifacts/<target>/ and makes this script exit non-zero; turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=60
SMOKE=0
TARGETS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) SMOKE=1; SECONDS_PER_TARGET=5; shift ;;
        --time) SECONDS_PER_TARGET="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
        -*) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done

export RUSTC_BOOTSTRAP=1
# Fuzz builds use other compiler flags than the workspace: a target directory of their own
# keeps them from invalidating the shared one.
FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}/fuzz}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --version 0.13.2 --locked
fi

cd fuzz
if [ ${#TARGETS[@]} -eq 0 ]; then
    mapfile -t TARGETS < <(cargo fuzz list)
fi
echo "== building ${#TARGETS[@]} fuzz targets (release, address sanitizer)"
for t in "${TARGETS[@]}"; do
    cargo fuzz build -O --target-dir "$FUZZ_TARGET_DIR" "$t"
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
summary=()
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    before=$(find "artifacts/$t" -type f | wc -l)
    log="$scratch/$t.log"
    if [ "$SMOKE" = 1 ]; then
        mkdir -p "$scratch/$t"
        dirs=("$scratch/$t" "corpus/$t")
    else
        dirs=("corpus/$t")
    fi
    echo "== $t: ${SECONDS_PER_TARGET}s"
    status=0
    cargo fuzz run -O --target-dir "$FUZZ_TARGET_DIR" "$t" "${dirs[@]}" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    if [ "$status" != 0 ]; then
        grep -B2 -A12 -m1 "panicked\|ERROR: AddressSanitizer\|ERROR: libFuzzer" "$log" || tail -n 40 "$log"
    fi
    if [ "$SMOKE" = 0 ] && [ "$status" = 0 ]; then
        # Minimise what the fuzzer added; the hand-written seeds and the inputs of fixed
        # crashes (seed-*, regression-*) are kept as they are, under their names.
        named="$scratch/$t.named"
        mkdir -p "$named"
        find "corpus/$t" -maxdepth 1 -type f \( -name 'seed-*' -o -name 'regression-*' \) \
            -exec mv {} "$named/" \;
        cargo fuzz cmin -O --target-dir "$FUZZ_TARGET_DIR" "$t" "corpus/$t" >"$log.cmin" 2>&1 \
            || echo "   (cmin failed, corpus left as is: see $log.cmin)"
        mv "$named"/* "corpus/$t/" 2>/dev/null || true
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    corpus=$(find "corpus/$t" -type f | wc -l)
    crashes=$(( $(find "artifacts/$t" -type f | wc -l) - before ))
    if [ "$status" != 0 ] && [ "$crashes" = 0 ]; then crashes="run failed (exit $status)"; fi
    [ "$status" = 0 ] || failed=1
    line=$(printf '%-14s executions: %-10s corpus: %-6s crashes: %s' "$t" "${execs:-?}" "$corpus" "$crashes")
    echo "   $line"
    summary+=("$line")
done
echo "== fuzz summary (${SECONDS_PER_TARGET}s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
