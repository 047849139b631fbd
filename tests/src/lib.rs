//! The support library of the end-to-end tests (`tests/README.md` says which test is where):
//! start a daemon, talk raw JSON to it, stand in for a daemon, run node-jet peers.
//!
//! * [`raw`]: the raw Jet client over TCP framing or WebSocket, for wire-level tests (and
//!   the daemon side of a fake daemon's connections), with helpers for a `jetd::Daemon`.
//! * [`fake`]: a fake daemon for tests of clients: scripted step by step, or answering
//!   from a function and recording what it received.
//! * [`pki`]: a CA and a server certificate made in the test, for the TLS tests.
//! * [`kettle`]: a typed service failing with `#[derive(JetError)]` errors.
//! * [`node`]: runs node-jet 2.1.2 scripts (installed by `npm ci` in `tests/interop`).
//! * Here: [`STEP`] and [`within`], the one time limit of every wait, and helpers to start,
//!   watch and stop an in-process jetd.
//!
//! `raw`, `fake`, `STEP` and `within` come from `jet-test-support`, which does not depend on
//! jetd, so that jetd's and the examples' own tests share them without a dependency cycle.

pub mod kettle;
pub mod node;
pub mod raw;

pub use jet_test_support::{fake, pki, within, STEP};

use std::time::Duration;

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

/// A loopback configuration with the TCP listener only (OS-chosen port).
pub fn tcp_only() -> jetd::Config {
    jetd::Config {
        ws: None,
        ..jetd::Config::loopback_ephemeral()
    }
}

/// Wait (bounded by [`STEP`]) until the daemon's counts satisfy `pred`: for events inside
/// the daemon (a connection it has noticed is gone) that no socket can observe.
pub async fn until_stats(daemon: &jetd::Daemon, what: &str, pred: impl Fn(jetd::Stats) -> bool) {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        let stats = daemon.stats();
        if pred(stats) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "daemon never reached: {what} ({stats:?})"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A JSON array nested `depth` deep (`[[[]]]`), as text: deeper than serde_json parses.
pub fn nested_array(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}
