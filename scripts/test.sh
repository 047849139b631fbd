#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, end-to-end tests against an in-process
# jetd, node-jet 2.1.2 and 3.0.17 interop tests (npm ci in tests/interop and
# tests/interop3 when node_modules is missing; interop3 also pins the TypeScript compiler
# that `jet codegen`'s end-to-end test uses), the examples (run against an in-process
# jetd by examples/tests), the benches once each, and the doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in tests/interop tests/interop3; do
    if [ ! -d "$dir/node_modules" ]; then
        npm ci --prefix "$dir" --no-audit --no-fund
    fi
done
cargo test --workspace --lib --bins --tests --examples
# The criterion benches run once each as a smoke test; the bencher format keeps their
# "Testing ... Success" lines out of the test output (a failing bench still fails the run).
# `--bench '*'`, not `--benches`: that also selects the libraries, whose libtest harness
# refuses criterion's `--output-format`.
cargo test --workspace --bench '*' -- --output-format bencher
cargo test --workspace --doc
