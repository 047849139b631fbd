//! The raw Jet client of `jet-test-support` ([`RawClient`] and its response helpers), plus
//! the few helpers that need a `jetd::Daemon`: connect to its listeners, stop it.
//!
//! The client lives in `jet-test-support` (which does not depend on jetd) so that jetd's
//! own tests (`jetd/tests/cli.rs`) can use the same fake daemon without a dependency cycle.

pub use jet_test_support::raw::*;

use crate::STEP;

/// Connect to the daemon's TCP listener.
pub async fn tcp_client(daemon: &jetd::Daemon) -> RawClient {
    RawClient::tcp(daemon.tcp_addr().expect("the daemon has a TCP listener")).await
}

/// Connect to the daemon's WebSocket listener at `/`.
pub async fn ws_client(daemon: &jetd::Daemon) -> RawClient {
    RawClient::ws(
        daemon
            .ws_addr()
            .expect("the daemon has a WebSocket listener"),
        "/",
    )
    .await
}

/// Shut the daemon down, bounded by [`STEP`].
pub async fn stop(daemon: jetd::Daemon) {
    tokio::time::timeout(STEP, daemon.shutdown())
        .await
        .expect("daemon shutdown timed out");
}
