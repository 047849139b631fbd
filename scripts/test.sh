#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, end-to-end tests against an in-process
# jetd, node-jet 2.1.2 interop tests (npm ci in tests/interop when node_modules is
# missing), and the examples.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d tests/interop/node_modules ]; then
    npm ci --prefix tests/interop --no-audit --no-fund
fi
cargo test --workspace --all-targets
cargo test --workspace --doc
