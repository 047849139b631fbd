//! What every end-to-end test of the workspace shares, without depending on jetd (so jetd's
//! and the examples' own tests can use it too): the time limit [`STEP`], the raw Jet client
//! ([`raw`]), fake daemons ([`fake`]) and the TLS tests' certificates ([`pki`]). `jet-tests` re-exports all of it and adds the
//! helpers that start and watch an in-process jetd.

pub mod fake;
pub mod pki;
pub mod raw;

use std::future::IntoFuture;
use std::time::Duration;

/// How long a test waits for anything before it fails instead of hanging.
pub const STEP: Duration = Duration::from_secs(10);

/// Await `f`, failing the test if it takes longer than [`STEP`].
pub async fn within<F: IntoFuture>(f: F) -> F::Output {
    tokio::time::timeout(STEP, f).await.expect("timed out")
}
