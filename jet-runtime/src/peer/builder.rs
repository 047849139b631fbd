//! Connecting: [`PeerBuilder`], the handshake (`config`, `authenticate`), and the supervisor
//! task that notices a dropped connection and, with a [`ReconnectPolicy`], reconnects with
//! backoff and restores everything the peer owned.
//!
//! Connecting and the handshake share one deadline, the connect timeout (default 5 s, less
//! than the 10 s request timeout): a daemon that accepts the connection but never answers
//! (a wrong port, a hung host) is a [`PeerError::Connect`], never a request timeout, so
//! callers can tell "not reachable" from "reachable but slow".

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use serde_json::{json, Value};
use tokio::sync::watch;

use super::connection::{Address, Connection};
use super::local::{Notice, NoticeFn};
use super::registry::Shared;
use super::tls::TlsClient;
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
    /// For `tls://` and `wss://` addresses.
    pub(crate) tls: Option<TlsClient>,
    pub(crate) name: Option<String>,
    pub(crate) credentials: Option<(String, String)>,
    pub(crate) request_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) reconnect: Option<ReconnectPolicy>,
    pub(crate) max_message_size: usize,
    pub(crate) on_notice: Option<NoticeFn>,
}

/// Options for a [`Peer`]; see [`Peer::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct PeerBuilder {
    name: Option<String>,
    credentials: Option<(String, String)>,
    request_timeout: Duration,
    connect_timeout: Duration,
    reconnect: Option<ReconnectPolicy>,
    max_message_size: usize,
    on_notice: Option<NoticeFn>,
    tls_ca_file: Option<PathBuf>,
}

impl Default for PeerBuilder {
    fn default() -> Self {
        PeerBuilder {
            name: None,
            credentials: None,
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            reconnect: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            on_notice: None,
            tls_ca_file: None,
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

    /// How long connecting, including the WebSocket upgrade and the handshake (`config`,
    /// `authenticate`), may take before it fails with [`PeerError::Connect`] (default 5 s).
    /// Applies to the first connection and to every reconnect attempt.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Reconnect after the connection drops (default: don't; the peer is closed then).
    /// With a policy, the first connection is retried the same way: a peer started before
    /// its daemon connects once the daemon is up (or fails after `max_attempts`).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = Some(policy);
        self
    }

    /// Where [`Notice`]s go: what the daemon left out of an answer and the peer did itself
    /// (value rules, sorting, `valueAsResult`; cjet ignores them). Default: a `tracing`
    /// warning. The handler runs on the peer's tasks and must not block.
    pub fn on_notice(mut self, handler: impl Fn(&Notice) + Send + Sync + 'static) -> Self {
        self.on_notice = Some(NoticeFn(Arc::new(handler)));
        self
    }

    /// The largest message accepted from the daemon (default 10 MiB).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// For `tls://` and `wss://` daemons: trust the certificates that the CA certificates
    /// in this PEM file signed (or the daemon's self-signed certificate itself), instead
    /// of the system's roots. For deployments with their own CA (SECURITY.md).
    #[cfg(feature = "tls")]
    pub fn tls_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls_ca_file = Some(path.into());
        self
    }

    /// Connect to `addr` (`host:port` or `tcp://host:port` for TCP, `tls://host:port` for
    /// TCP over TLS, `ws://host:port/path` or `wss://host:port/path` for WebSocket), send
    /// `config` and `authenticate` as configured, and return the peer. Without a reconnect
    /// policy the first connection is not retried: a daemon that is not there is reported at
    /// once. With one, failed attempts are retried with its backoff, and the last failure is
    /// returned once `max_attempts` is reached (a refused authentication is not retried).
    pub async fn connect(self, addr: &str) -> Result<Peer, PeerError> {
        let addr = Address::parse(addr)?;
        // The roots are loaded once, for this connection and every reconnect.
        let tls = match addr.is_tls() {
            true => Some(TlsClient::new(
                self.tls_ca_file.as_deref(),
                &addr.to_string(),
            )?),
            false => None,
        };
        let settings = Settings {
            addr,
            tls,
            name: self.name,
            credentials: self.credentials,
            request_timeout: self.request_timeout,
            connect_timeout: self.connect_timeout,
            reconnect: self.reconnect,
            max_message_size: self.max_message_size,
            on_notice: self.on_notice,
        };
        let shared = Arc::new(Shared::new(settings));
        let conn = first_connection(&shared).await?;
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

/// The first connection: one attempt, or as many as the reconnect policy allows.
async fn first_connection(shared: &Arc<Shared>) -> Result<Connection, PeerError> {
    let Some(policy) = shared.settings.reconnect.clone() else {
        return establish(shared).await;
    };
    let mut delay = policy.initial_delay;
    let mut failures = 0u32;
    loop {
        match establish(shared).await {
            Ok(conn) => return Ok(conn),
            // Retrying cannot fix a refused login or a bad address.
            Err(e) if !e.is_connection_error() => return Err(e),
            Err(e) => {
                failures += 1;
                if policy.max_attempts.is_some_and(|max| failures >= max) {
                    return Err(e);
                }
                tracing::debug!(error = %e, failures, "first connection failed, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(policy.max_delay);
            }
        }
    }
}

/// Open a connection, install it, run the handshake and restore what the peer owns.
/// Opening and the handshake must finish within the connect timeout.
async fn establish(shared: &Arc<Shared>) -> Result<Connection, PeerError> {
    let settings = &shared.settings;
    let deadline = Instant::now() + settings.connect_timeout;
    let no_answer = |what: &str| PeerError::Connect {
        addr: settings.addr.to_string(),
        reason: format!("{what} within {} s", settings.connect_timeout.as_secs_f64()),
    };
    let for_reader = shared.clone();
    let open = Connection::open(
        &settings.addr,
        settings.tls.as_ref(),
        settings.max_message_size,
        Box::new(move |payload| dispatch::frame(&for_reader, payload)),
    );
    let (mut conn, out) = match tokio::time::timeout_at(deadline, open).await {
        Ok(opened) => opened?,
        Err(_) => return Err(no_answer("no connection")),
    };
    shared.lock().out = Some(out);
    // A daemon that closes the connection instead of answering (e.g. a TLS port, to a
    // plain client) is reported at once, not when the connect timeout expires.
    let answered = async {
        tokio::select! {
            // An answer that came before the end wins (a refusal, then a close).
            biased;
            done = handshake(shared) => done,
            end = conn.closed() => Err(end.unwrap_or(PeerError::ConnectionClosed)),
        }
    };
    let answered = tokio::time::timeout_at(deadline, answered).await;
    let result = match answered {
        Ok(Ok(())) => restore(shared).await,
        // The daemon's own answers (refused credentials, ...) stay what they are.
        Ok(Err(PeerError::Timeout { details: None })) | Err(_) => {
            Err(no_answer("no answer to the handshake"))
        }
        Ok(Err(e)) if e.is_connection_error() => Err(PeerError::Connect {
            addr: settings.addr.to_string(),
            reason: match settings.addr.is_tls() {
                true => format!("the connection ended during the handshake ({e})"),
                false => format!(
                    "the connection ended during the handshake ({e}); if the daemon serves \
                     TLS there, connect with tls:// or wss://"
                ),
            },
        }),
        Ok(Err(e)) => Err(e),
    };
    match result {
        Ok(()) => {
            shared.link_up();
            Ok(conn)
        }
        Err(e) => {
            shared.connection_lost();
            Err(e)
        }
    }
}

/// `config` and `authenticate`, as configured.
async fn handshake(shared: &Shared) -> Result<(), PeerError> {
    let settings = &shared.settings;
    if let Some(name) = &settings.name {
        // The name is only for the daemon's logs: a daemon that refuses `config`
        // (node-jet 3's answers it with `jet.ParseError`, lua-jet may not know it) is
        // still a daemon to work with.
        match shared
            .handshake_request("config", json!({"name": name}))
            .await
        {
            Err(e) if e.is_connection_error() || matches!(e, PeerError::Closed) => return Err(e),
            Err(e) => tracing::debug!(error = %e, "the daemon refused config; going on"),
            Ok(_) => {}
        }
    }
    if let Some((user, password)) = &settings.credentials {
        shared
            .handshake_request("authenticate", json!({"user": user, "password": password}))
            .await?;
    }
    Ok(())
}

/// After a reconnect: add the elements and fetches again.
async fn restore(shared: &Shared) -> Result<(), PeerError> {
    // Restore elements with their current values, then fetches. Requests go out together
    // and are awaited together, so a restore costs one round trip, not one per element.
    // Only what existed when the connection was lost: elements and fetches created while
    // reconnecting are added by their own requests, which wait for the connection.
    let (adds, fetches): (Vec<String>, Vec<Value>) = {
        let mut guard = shared.lock();
        let reg = &mut *guard;
        let mut adds: Vec<String> = reg
            .states
            .iter()
            .filter(|(_, s)| reg.restores_token(s.token))
            .map(|(path, s)| s.add_params(path))
            .collect();
        adds.extend(
            reg.methods
                .iter()
                .filter(|(_, m)| reg.restores_token(m.token))
                .map(|(path, m)| m.add_params(path).to_string()),
        );
        let restored: Vec<String> = reg
            .fetches
            .keys()
            .filter(|id| reg.restores_fetch(id))
            .cloned()
            .collect();
        let mut fetches = Vec::with_capacity(restored.len());
        for id in &restored {
            if let Some(f) = reg.fetches.get_mut(id) {
                f.resume();
                fetches.push(f.expr.clone());
            }
        }
        (adds, fetches)
    };
    let adds = adds.iter().map(|p| shared.handshake_request_text("add", p));
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
        .map(|p| shared.handshake_request("fetch", p));
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
