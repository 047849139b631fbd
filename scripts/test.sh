#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, end-to-end tests against an in-process
# jetd, node-jet 2.1.2 interop tests (npm ci in tests/interop when node_modules is
# missing), the examples (run against an in-process jetd by examples/tests), the benches
# once each, and the doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d tests/interop/node_modules ]; then
    npm ci --prefix tests/interop --no-audit --no-fund
fi
cargo test --workspace --lib --bins --tests --examples
# The criterion benches run once each as a smoke test; the bencher format keeps their
# "Testing ... Success" lines out of the test output (a failing bench still fails the run).
cargo test --workspace --benches -- --output-format bencher
cargo test --workspace --doc
