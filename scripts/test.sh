#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, end-to-end tests against an in-process
# jetd, node-jet 2.1.2 and 3.0.17 interop tests (npm ci in tests/interop and
# tests/interop3 when node_modules is missing), and the examples.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in tests/interop tests/interop3; do
    if [ ! -d "$dir/node_modules" ]; then
        npm ci --prefix "$dir" --no-audit --no-fund
    fi
done
cargo test --workspace --all-targets
cargo test --workspace --doc
