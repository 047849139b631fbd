//! Listeners and connections. Placeholder for the daemon's server side.

use std::net::SocketAddr;

use crate::Config;

/// A daemon could not start (a listener could not bind).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {kind} {addr}: {source}")]
    Bind {
        kind: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A running daemon. Dropping it does not stop it; call [`Daemon::shutdown`].
pub struct Daemon {
    tcp_addr: Option<SocketAddr>,
    ws_addr: Option<SocketAddr>,
}

impl Daemon {
    /// Bind the configured listeners and start serving.
    pub async fn start(config: Config) -> Result<Daemon, StartError> {
        let _ = config;
        todo!("the daemon core lands in the next commit")
    }

    /// The bound TCP address (with the real port when 0 was asked for).
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addr
    }

    /// The bound WebSocket address.
    pub fn ws_addr(&self) -> Option<SocketAddr> {
        self.ws_addr
    }

    /// Stop listening, close every connection and wait until all tasks have ended.
    pub async fn shutdown(self) {}
}
