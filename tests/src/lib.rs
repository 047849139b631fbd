//! Shared helpers for the end-to-end tests: start a daemon, talk raw JSON to it, run
//! node-jet peers.
//!
//! * [`raw`]: a raw Jet client over TCP framing or WebSocket, for wire-level tests.
//! * [`node`]: runs node-jet 2.1.2 scripts (installed by `npm ci` in `tests/interop`).

pub mod node;
pub mod raw;

use std::time::Duration;

/// How long a test waits for anything before it fails instead of hanging.
pub const STEP: Duration = Duration::from_secs(10);

/// Start a daemon on 127.0.0.1 with OS-chosen ports.
pub async fn start_daemon() -> jetd::Daemon {
    start_daemon_with(jetd::Config::loopback_ephemeral()).await
}

/// Start a daemon with a custom configuration.
pub async fn start_daemon_with(config: jetd::Config) -> jetd::Daemon {
    tokio::time::timeout(STEP, jetd::Daemon::start(config))
        .await
        .expect("daemon start timed out")
        .expect("daemon failed to start")
}
