//! Connecting: [`PeerBuilder`], the handshake (`config`, `authenticate`), and the supervisor
//! task that notices a dropped connection and, with a [`ReconnectPolicy`], reconnects with
//! backoff and restores everything the peer owned.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;

use super::connection::{Address, Connection};
use super::registry::Shared;
use super::{dispatch, Peer, PeerError, PeerInner};
use crate::codec::DEFAULT_MAX_MESSAGE_SIZE;

/// How to reconnect after the connection dropped: wait `initial_delay`, then double the wait
/// after every failed attempt up to `max_delay`; give up after `max_attempts` failures in a
/// row (`None`: never give up).
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// The wait before the first attempt.
    pub initial_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// Failed attempts in a row before giving up; `None`: never.
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    /// 100 ms doubling up to 5 s, forever.
    fn default() -> Self {
        ReconnectPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_attempts: None,
        }
    }
}

/// The peer's configuration, fixed at connect time.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) addr: Address,
    pub(crate) name: Option<String>,
    pub(crate) credentials: Option<(String, String)>,
    pub(crate) request_timeout: Duration,
    pub(crate) reconnect: Option<ReconnectPolicy>,
    pub(crate) max_message_size: usize,
}

/// Options for a [`Peer`]; see [`Peer::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct PeerBuilder {
    name: Option<String>,
    credentials: Option<(String, String)>,
    request_timeout: Duration,
    reconnect: Option<ReconnectPolicy>,
    max_message_size: usize,
}

impl Default for PeerBuilder {
    fn default() -> Self {
        PeerBuilder {
            name: None,
            credentials: None,
            request_timeout: Duration::from_secs(10),
            reconnect: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}

impl PeerBuilder {
    /// The peer's name, sent with `config` (daemons show it in their logs).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Authenticate as this user right after connecting (and after every reconnect).
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((user.into(), password.into()));
        self
    }

    /// How long a request waits for its response before failing with
    /// [`PeerError::Timeout`] (default 10 s). Routed requests usually end earlier with the
    /// daemon's own timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Reconnect after the connection drops (default: don't; the peer is closed then).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = Some(policy);
        self
    }

    /// The largest message accepted from the daemon (default 10 MiB).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Connect to `addr` (`host:port` for TCP, `ws://host:port/path` for WebSocket), send
    /// `config` and `authenticate` as configured, and return the peer. The first connection
    /// is not retried: a daemon that is not there is reported at once.
    pub async fn connect(self, addr: &str) -> Result<Peer, PeerError> {
        let settings = Settings {
            addr: Address::parse(addr)?,
            name: self.name,
            credentials: self.credentials,
            request_timeout: self.request_timeout,
            reconnect: self.reconnect,
            max_message_size: self.max_message_size,
        };
        let shared = Arc::new(Shared::new(settings));
        let conn = establish(&shared).await?;
        let (shutdown_tx, shutdown_rx) = watch::channel(());
        let supervisor = tokio::spawn(supervise(shared.clone(), conn, shutdown_rx));
        Ok(Peer {
            inner: Arc::new(PeerInner {
                shared,
                shutdown: shutdown_tx,
                supervisor: std::sync::Mutex::new(Some(supervisor)),
            }),
        })
    }
}

/// Open a connection, install it, run the handshake and restore what the peer owns.
async fn establish(shared: &Arc<Shared>) -> Result<Connection, PeerError> {
    let for_reader = shared.clone();
    let (conn, out) = Connection::open(
        &shared.settings.addr,
        shared.settings.max_message_size,
        Box::new(move |payload| dispatch::frame(&for_reader, payload)),
    )
    .await?;
    shared.lock().out = Some(out);
    match handshake_and_restore(shared).await {
        Ok(()) => Ok(conn),
        Err(e) => {
            shared.connection_lost();
            Err(e)
        }
    }
}

async fn handshake_and_restore(shared: &Shared) -> Result<(), PeerError> {
    let settings = &shared.settings;
    if let Some(name) = &settings.name {
        shared
            .request("config", json!({"name": name}), None)
            .await?;
    }
    if let Some((user, password)) = &settings.credentials {
        shared
            .request(
                "authenticate",
                json!({"user": user, "password": password}),
                None,
            )
            .await?;
    }
    // Restore elements with their current values, then fetches. Requests go out together
    // and are awaited together, so a restore costs one round trip, not one per element.
    let (adds, fetches): (Vec<Value>, Vec<Value>) = {
        let mut reg = shared.lock();
        let mut adds: Vec<Value> = reg
            .states
            .iter()
            .map(|(path, s)| s.add_params(path))
            .collect();
        adds.extend(reg.methods.iter().map(|(path, m)| m.add_params(path)));
        let fetches = reg
            .fetches
            .values_mut()
            .map(|f| {
                f.resume();
                f.expr.clone()
            })
            .collect();
        (adds, fetches)
    };
    let adds = adds.into_iter().map(|p| shared.request("add", p, None));
    for result in futures_util::future::join_all(adds).await {
        match result {
            Ok(_) => {}
            // The daemon has not noticed the old connection is gone: the element is still
            // ours there, so nothing is lost.
            Err(PeerError::Occupied(path)) => {
                tracing::warn!(%path, "element still present after reconnect")
            }
            Err(e) if e.is_connection_error() => return Err(e),
            Err(e) => tracing::warn!(error = %e, "could not restore an element"),
        }
    }
    let fetches = fetches
        .into_iter()
        .map(|p| shared.request("fetch", p, None));
    for result in futures_util::future::join_all(fetches).await {
        match result {
            Ok(_) => {}
            Err(e) if e.is_connection_error() => return Err(e),
            Err(e) => tracing::warn!(error = %e, "could not restore a fetch"),
        }
    }
    Ok(())
}

/// Watch the connection; on loss fail what is pending and, if configured, reconnect.
async fn supervise(shared: Arc<Shared>, mut conn: Connection, mut shutdown: watch::Receiver<()>) {
    loop {
        tokio::select! {
            reason = conn.closed() => {
                if let Some(e) = reason {
                    tracing::info!(error = %e, addr = %shared.settings.addr, "connection lost");
                } else {
                    tracing::info!(addr = %shared.settings.addr, "connection closed by the daemon");
                }
            }
            // Explicit close, or the last handle was dropped.
            _ = shutdown.changed() => {
                shared.close();
                return;
            }
        }
        drop(conn);
        shared.connection_lost();
        let Some(policy) = shared.settings.reconnect.clone() else {
            shared.close();
            return;
        };
        let mut delay = policy.initial_delay;
        let mut failures = 0u32;
        conn = loop {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.changed() => {
                    shared.close();
                    return;
                }
            }
            let attempt = tokio::select! {
                r = establish(&shared) => r,
                _ = shutdown.changed() => {
                    shared.close();
                    return;
                }
            };
            match attempt {
                Ok(conn) => {
                    tracing::info!(addr = %shared.settings.addr, "reconnected");
                    break conn;
                }
                Err(e) => {
                    failures += 1;
                    tracing::debug!(error = %e, failures, "reconnect attempt failed");
                    if policy.max_attempts.is_some_and(|max| failures >= max) {
                        tracing::warn!(addr = %shared.settings.addr, "giving up reconnecting");
                        shared.close();
                        return;
                    }
                    delay = (delay * 2).min(policy.max_delay);
                }
            }
        };
    }
}
