//! jetd, the Jet routing daemon, as a library so tests and tools can run it in-process.
//!
//! ```no_run
//! # async fn demo() -> Result<(), jetd::StartError> {
//! let daemon = jetd::Daemon::start(jetd::Config::loopback_ephemeral()).await?;
//! println!("tcp on {:?}", daemon.tcp_addr());
//! daemon.shutdown().await;
//! # Ok(()) }
//! ```

pub mod auth;
pub mod bus;
pub mod config;
pub mod outbox;
pub mod server;
pub mod tls;
mod wsframe;

/// What the fuzz targets in `fuzz/` drive directly besides [`bus`] and [`outbox`]: the
/// real functions, not copies. Not an API: it may change with any release.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::server::ws::check_handshake;
    pub use crate::wsframe::{to_ws_frames, Fail, Incoming, Step};
}

pub use bus::Stats;
pub use config::Config;
pub use server::{Daemon, StartError};
pub use tls::TlsIdentity;
