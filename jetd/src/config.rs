//! Daemon configuration, in one place: the [`Config`] a running daemon uses (and its
//! defaults, [`Config::default`]), the [`Settings`] a user writes (the same struct is the
//! command line and the TOML file, so flag names and file keys cannot drift apart), and
//! the one validation that turns settings into a configuration ([`Settings::resolve`]).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::auth::Users;
use crate::tls::TlsIdentity;

/// Everything a running daemon needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// TCP ("trivial protocol") listener; `None` = off.
    pub tcp: Option<SocketAddr>,
    /// WebSocket listener; `None` = off.
    pub ws: Option<SocketAddr>,
    /// Serve TLS on both listeners (`tls://` and `wss://`) with this certificate; `None` =
    /// plain TCP and `ws://`.
    pub tls: Option<TlsIdentity>,
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
    /// `Origin` values a browser WebSocket client may come from (`*` = any); `None` =
    /// pages of the host the client connected to and of loopback hosts only. Clients that
    /// send no `Origin` (non-browser peers) are always accepted.
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
    pub nodes: crate::bus::NodeOptions,
    /// Levels of arrays and objects a message may nest (the whole message counts); a
    /// deeper one is refused (`-32600` with a request's id, else `-32700`; PROTOCOL.md A.1).
    pub max_nesting_depth: usize,
    /// TCP keepalive idle time on accepted sockets (probes then every `/ 6`, up to 5 of
    /// them), so that a peer whose host vanished is found and its elements removed;
    /// `None` = off.
    pub tcp_keepalive: Option<Duration>,
    /// A TCP connection that sends nothing for this long is closed; `None` (the default)
    /// = never. (WebSocket connections are pinged instead, see `ws_ping_interval`.)
    pub idle_timeout: Option<Duration>,
    /// The dialect of the TCP listener's peers (PROTOCOL.md A.10).
    pub tcp_dialect: DialectChoice,
    /// The dialect of the WebSocket listener's peers (a request path `/n3`, `/jet3` or
    /// `/classic` overrides it per connection).
    pub ws_dialect: DialectChoice,
}

/// How a listener's connections are taken (PROTOCOL.md A.10): recognised from the first
/// request (`auto`), or fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DialectChoice {
    /// Classic until the peer opens like node-jet 3 does.
    #[default]
    Auto,
    /// Always classic (Part A/B).
    Classic,
    /// Always node-jet 3 (Part C).
    N3,
}

impl DialectChoice {
    /// The dialect it fixes, if any.
    pub fn fixed(self) -> Option<crate::bus::Dialect> {
        match self {
            DialectChoice::Auto => None,
            DialectChoice::Classic => Some(crate::bus::Dialect::Classic),
            DialectChoice::N3 => Some(crate::bus::Dialect::N3),
        }
    }
}

/// The default TCP port (PROTOCOL.md A.1).
pub const DEFAULT_TCP_PORT: u16 = 11122;
/// The default WebSocket port.
pub const DEFAULT_WS_PORT: u16 = 11123;

impl Default for Config {
    /// The defaults of every setting (the command line's help shows these).
    fn default() -> Self {
        Config {
            tcp: Some(SocketAddr::from(([0, 0, 0, 0], DEFAULT_TCP_PORT))),
            ws: Some(SocketAddr::from(([0, 0, 0, 0], DEFAULT_WS_PORT))),
            tls: None,
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
            nodes: crate::bus::NodeOptions::default(),
            max_nesting_depth: 128,
            tcp_keepalive: Some(Duration::from_secs(60)),
            idle_timeout: None,
            tcp_dialect: DialectChoice::Auto,
            ws_dialect: DialectChoice::Auto,
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

/// A timeout given in seconds (`--timeout`, a request's `timeout`): positive, finite and
/// below 10⁹ s. `None` for anything else. The one check for both.
pub fn timeout_from_secs(secs: f64) -> Option<Duration> {
    (secs.is_finite() && secs > 0.0 && secs < 1e9).then(|| Duration::from_secs_f64(secs))
}

/// What a user sets, on the command line or in the TOML file: the same names in both
/// (`--max-queue` and `max-queue = ...`). `None` = not given (the file's value or the
/// default applies). Unknown keys in the file are refused.
#[derive(Debug, Default, Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// TCP listener, HOST:PORT, PORT or `off`
    #[arg(long, value_name = "ADDR")]
    pub tcp: Option<String>,
    /// WebSocket listener, HOST:PORT, PORT or `off`
    #[arg(long, value_name = "ADDR")]
    pub ws: Option<String>,
    /// Listen on this address instead of all interfaces (for listeners given as a bare port)
    #[arg(long, value_name = "HOST")]
    pub listen: Option<IpAddr>,
    /// Serve TLS on both listeners with this certificate chain (PEM; needs --tls-key); see SECURITY.md
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, RSA or EC)
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Users file (TOML with password hashes) for `authenticate`; see docs/AUTHENTICATION.md
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
    /// Default timeout of routed set/call requests, in seconds
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Largest accepted message in bytes
    #[arg(long, value_name = "BYTES")]
    pub max_message_size: Option<usize>,
    /// Bytes that may wait for one peer before it is disconnected as too slow
    #[arg(long, value_name = "BYTES")]
    pub max_queue: Option<usize>,
    /// Connections served at once; more are closed at once
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Elements one peer may own
    #[arg(long, value_name = "N")]
    pub max_elements_per_peer: Option<usize>,
    /// Fetches one peer may have
    #[arg(long, value_name = "N")]
    pub max_fetchers_per_peer: Option<usize>,
    /// Routed set/call requests one peer may have waiting for an answer
    #[arg(long, value_name = "N")]
    pub max_pending_per_peer: Option<usize>,
    /// Levels of arrays and objects a message may nest (envelope included); deeper ones are refused
    #[arg(long, value_name = "N")]
    pub max_nesting_depth: Option<usize>,
    /// TCP keepalive idle time in seconds on accepted sockets; 0 = off
    #[arg(long, value_name = "SECS")]
    pub tcp_keepalive: Option<f64>,
    /// Close a TCP connection that sends nothing for this many seconds (default: never)
    #[arg(long, value_name = "SECS")]
    pub idle_timeout: Option<f64>,
    /// Accept browser WebSocket clients only from this Origin (repeatable; `*` = any; default: pages of the same host or loopback)
    #[arg(long = "ws-allowed-origin", value_name = "ORIGIN")]
    pub ws_allowed_origins: Option<Vec<String>>,
    /// Character that separates the levels of the node hierarchy (PROTOCOL.md A.11)
    #[arg(long, value_name = "CHAR")]
    pub node_separator: Option<char>,
    /// `relaxed` (an element may have the path of a node) or `strict` (a position holds
    /// either a node or an element)
    #[arg(long, value_name = "MODE")]
    pub hierarchy: Option<crate::bus::Hierarchy>,
    /// Dialect of TCP peers: auto (recognised per connection), classic, or n3 (node-jet 3)
    #[arg(long, value_name = "DIALECT")]
    pub tcp_dialect: Option<DialectChoice>,
    /// Dialect of WebSocket peers (paths /n3, /jet3, /classic override it): auto, classic, n3
    #[arg(long, value_name = "DIALECT")]
    pub ws_dialect: Option<DialectChoice>,
}

/// Settings that cannot make a configuration; the message names the flag and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(String);

fn refuse<T>(message: String) -> Result<T, SettingsError> {
    Err(SettingsError(message))
}

impl Settings {
    /// The TOML file's settings.
    pub fn from_toml(text: &str) -> Result<Settings, toml::de::Error> {
        toml::from_str(text)
    }

    /// These settings, with `fallback`'s (the file's) where these give none: flags win.
    pub fn or(self, fallback: Settings) -> Settings {
        Settings {
            tcp: self.tcp.or(fallback.tcp),
            ws: self.ws.or(fallback.ws),
            listen: self.listen.or(fallback.listen),
            tls_cert: self.tls_cert.or(fallback.tls_cert),
            tls_key: self.tls_key.or(fallback.tls_key),
            users: self.users.or(fallback.users),
            timeout: self.timeout.or(fallback.timeout),
            max_message_size: self.max_message_size.or(fallback.max_message_size),
            max_queue: self.max_queue.or(fallback.max_queue),
            max_connections: self.max_connections.or(fallback.max_connections),
            max_elements_per_peer: self
                .max_elements_per_peer
                .or(fallback.max_elements_per_peer),
            max_fetchers_per_peer: self
                .max_fetchers_per_peer
                .or(fallback.max_fetchers_per_peer),
            max_pending_per_peer: self.max_pending_per_peer.or(fallback.max_pending_per_peer),
            max_nesting_depth: self.max_nesting_depth.or(fallback.max_nesting_depth),
            tcp_keepalive: self.tcp_keepalive.or(fallback.tcp_keepalive),
            idle_timeout: self.idle_timeout.or(fallback.idle_timeout),
            ws_allowed_origins: self.ws_allowed_origins.or(fallback.ws_allowed_origins),
            node_separator: self.node_separator.or(fallback.node_separator),
            hierarchy: self.hierarchy.or(fallback.hierarchy),
            tcp_dialect: self.tcp_dialect.or(fallback.tcp_dialect),
            ws_dialect: self.ws_dialect.or(fallback.ws_dialect),
        }
    }

    /// The default of each flag as the help shows it (`[default: ...]`), from
    /// [`Config::default`], so the help cannot disagree with what the daemon does.
    pub fn defaults_for_help() -> Vec<(&'static str, String)> {
        let d = Config::default();
        let show = |a: Option<SocketAddr>| a.map_or_else(|| "off".to_owned(), |a| a.to_string());
        vec![
            ("tcp", show(d.tcp)),
            ("ws", show(d.ws)),
            ("timeout", d.default_timeout.as_secs_f64().to_string()),
            ("max_message_size", d.max_message_size.to_string()),
            ("max_queue", d.max_outbound_queue.to_string()),
            ("max_connections", d.max_connections.to_string()),
            ("max_elements_per_peer", d.max_elements_per_peer.to_string()),
            ("max_fetchers_per_peer", d.max_fetchers_per_peer.to_string()),
            ("max_pending_per_peer", d.max_pending_per_peer.to_string()),
            ("node_separator", d.nodes.separator.to_string()),
            ("hierarchy", d.nodes.hierarchy.as_str().to_owned()),
            ("max_nesting_depth", d.max_nesting_depth.to_string()),
            (
                "tcp_keepalive",
                d.tcp_keepalive.map_or(0.0, |t| t.as_secs_f64()).to_string(),
            ),
        ]
    }

    /// Check every setting and build the configuration (defaults for what is not given).
    /// The users file is read here.
    pub fn resolve(self) -> Result<Config, SettingsError> {
        let mut config = Config::default();
        let listen = self.listen.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        config.tcp = parse_listener("tcp", self.tcp.as_deref(), listen, DEFAULT_TCP_PORT)?;
        config.ws = parse_listener("ws", self.ws.as_deref(), listen, DEFAULT_WS_PORT)?;
        config.tls = match (self.tls_cert, self.tls_key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(
                TlsIdentity::from_pem_files(&cert, &key)
                    .map_err(|e| SettingsError(e.to_string()))?,
            ),
            (Some(_), None) => {
                return refuse("--tls-cert needs --tls-key (its private key)".to_owned())
            }
            (None, Some(_)) => {
                return refuse(
                    "--tls-key needs --tls-cert (the certificate it belongs to)".to_owned(),
                )
            }
        };
        if let Some(path) = self.users {
            config.users = Users::load(&path).map_err(|e| SettingsError(e.to_string()))?;
        }
        if let Some(secs) = self.timeout {
            let Some(timeout) = timeout_from_secs(secs) else {
                return refuse(format!(
                    "--timeout must be a positive number of seconds, got {secs}"
                ));
            };
            config.default_timeout = timeout;
        }
        if let Some(max) = self.max_message_size {
            if max == 0 || max > u32::MAX as usize {
                return refuse(format!(
                    "--max-message-size must be between 1 and {} bytes, got {max}",
                    u32::MAX
                ));
            }
            config.max_message_size = max;
        }
        if let Some(secs) = self.tcp_keepalive {
            config.tcp_keepalive = match (secs, timeout_from_secs(secs)) {
                (0.0, _) => None,
                (_, Some(t)) if t >= Duration::from_secs(1) => Some(t),
                _ => {
                    return refuse(format!(
                        "--tcp-keepalive must be 0 (off) or at least 1 second, got {secs}"
                    ))
                }
            };
        }
        if let Some(secs) = self.idle_timeout {
            let Some(t) = timeout_from_secs(secs) else {
                return refuse(format!(
                    "--idle-timeout must be a positive number of seconds, got {secs}"
                ));
            };
            config.idle_timeout = Some(t);
        }
        if let Some(max) = self.max_queue {
            if max < 1024 {
                return refuse(format!(
                    "--max-queue must be at least 1024 bytes, got {max}"
                ));
            }
            config.max_outbound_queue = max;
        }
        let counts = [
            (
                "max-connections",
                self.max_connections,
                &mut config.max_connections,
            ),
            (
                "max-elements-per-peer",
                self.max_elements_per_peer,
                &mut config.max_elements_per_peer,
            ),
            (
                "max-fetchers-per-peer",
                self.max_fetchers_per_peer,
                &mut config.max_fetchers_per_peer,
            ),
            (
                "max-pending-per-peer",
                self.max_pending_per_peer,
                &mut config.max_pending_per_peer,
            ),
            (
                "max-nesting-depth",
                self.max_nesting_depth,
                &mut config.max_nesting_depth,
            ),
        ];
        for (name, given, setting) in counts {
            match given {
                None => {}
                Some(0) => return refuse(format!("--{name} must be at least 1")),
                Some(n) => *setting = n,
            }
        }
        if let Some(origins) = self.ws_allowed_origins {
            config.ws_allowed_origins = Some(origins);
        }
        if let Some(sep) = self.node_separator {
            config.nodes.separator = sep;
        }
        if let Some(hierarchy) = self.hierarchy {
            config.nodes.hierarchy = hierarchy;
        }
        config.tcp_dialect = self.tcp_dialect.unwrap_or_default();
        config.ws_dialect = self.ws_dialect.unwrap_or_default();
        if config.tcp.is_none() && config.ws.is_none() {
            return refuse("both listeners are off: give --tcp or --ws an address".to_owned());
        }
        Ok(config)
    }
}

/// `off`, `PORT`, or `HOST:PORT` (IPv6 as `[::1]:PORT`).
pub fn parse_listener(
    kind: &str,
    arg: Option<&str>,
    listen: IpAddr,
    default_port: u16,
) -> Result<Option<SocketAddr>, SettingsError> {
    let Some(arg) = arg else {
        return Ok(Some(SocketAddr::new(listen, default_port)));
    };
    if arg == "off" {
        return Ok(None);
    }
    if let Ok(port) = arg.parse::<u16>() {
        return Ok(Some(SocketAddr::new(listen, port)));
    }
    if let Ok(addr) = arg.parse::<SocketAddr>() {
        return Ok(Some(addr));
    }
    if let Some((host, port)) = arg.rsplit_once(':') {
        if let (Ok(port), Some(addr)) = (port.parse::<u16>(), resolve(host)) {
            return Ok(Some(SocketAddr::new(addr, port)));
        }
    }
    refuse(format!(
        "--{kind} {arg:?}: expected HOST:PORT (e.g. 127.0.0.1:{default_port}), a port, or `off`"
    ))
}

fn resolve(host: &str) -> Option<IpAddr> {
    use std::net::ToSocketAddrs;
    (host, 0).to_socket_addrs().ok()?.next().map(|a| a.ip())
}
