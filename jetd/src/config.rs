//! Daemon configuration: what the command line and the optional TOML file set.

use std::net::SocketAddr;
use std::time::Duration;

use crate::auth::Users;

/// Everything a running daemon needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// TCP ("trivial protocol") listener; `None` = off.
    pub tcp: Option<SocketAddr>,
    /// WebSocket listener; `None` = off.
    pub ws: Option<SocketAddr>,
    /// Users for `authenticate`; empty = every `authenticate` fails with `invalidCredentials`.
    pub users: Users,
    /// Default timeout of routed `set`/`call` requests (PROTOCOL.md A.5).
    pub default_timeout: Duration,
    /// Largest accepted message in bytes; a larger frame closes that connection.
    pub max_message_size: usize,
    /// Bytes that may wait in one connection's outbound queue; a peer that lets more pile
    /// up is disconnected so it cannot cost the daemon unbounded memory.
    pub max_outbound_queue: usize,
    /// How often idle WebSocket clients are pinged; `None` = never.
    pub ws_ping_interval: Option<Duration>,
    /// `Origin` values a browser WebSocket client may come from; `None` = any (and
    /// clients that send no `Origin`, i.e. non-browser peers, are always accepted).
    pub ws_allowed_origins: Option<Vec<String>>,
    /// Connections served at once (TCP and WebSocket together); more are closed at once.
    pub max_connections: usize,
    /// Elements one connection may own.
    pub max_elements_per_peer: usize,
    /// Fetchers one connection may have.
    pub max_fetchers_per_peer: usize,
    /// Routed `set`/`call` requests one connection may have waiting for an answer.
    pub max_pending_per_peer: usize,
    /// Node separator and hierarchy (PROTOCOL.md A.11).
    pub nodes: crate::core::NodeOptions,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tcp: Some(SocketAddr::from(([0, 0, 0, 0], 11122))),
            ws: Some(SocketAddr::from(([0, 0, 0, 0], 11123))),
            users: Users::default(),
            default_timeout: Duration::from_secs(5),
            max_message_size: jet_runtime::codec::DEFAULT_MAX_MESSAGE_SIZE,
            max_outbound_queue: 64 * 1024 * 1024,
            ws_ping_interval: Some(Duration::from_secs(5)),
            ws_allowed_origins: None,
            max_connections: 4096,
            max_elements_per_peer: 1_000_000,
            max_fetchers_per_peer: 10_000,
            max_pending_per_peer: 10_000,
            nodes: crate::core::NodeOptions::default(),
        }
    }
}

impl Config {
    /// Both listeners on 127.0.0.1 with ports chosen by the OS: what tests want.
    pub fn loopback_ephemeral() -> Self {
        Config {
            tcp: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            ws: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            ..Config::default()
        }
    }
}
