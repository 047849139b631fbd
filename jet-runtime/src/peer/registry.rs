//! The peer's registry: what the peer owns on the daemon and the way to reach it, which the
//! public handles, the reader task and the reconnect supervisor all see.
//!
//! One `std::sync::Mutex` guards the registry. It is never held across an `.await`, and
//! user handlers never run while it is held, so it cannot deadlock and stays uncontended in
//! practice. Outgoing messages go to the current connection's writer queue while the lock is
//! held, which keeps "response, then change" and "add, then the next request" in order.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::builder::Settings;
use super::correlation::Requests;
use super::fetch::FetchEntry;
use super::method::MethodEntry;
use super::state::StateEntry;
use super::PeerError;

/// Everything the peer owns on the daemon, and the way to reach it.
#[derive(Default)]
pub(crate) struct Registry {
    /// The current connection's writer queue (one JSON message per item); `None` while
    /// disconnected.
    pub(crate) out: Option<mpsc::UnboundedSender<String>>,
    pub(crate) requests: Requests,
    pub(crate) states: HashMap<String, StateEntry>,
    pub(crate) methods: HashMap<String, MethodEntry>,
    pub(crate) fetches: HashMap<String, FetchEntry>,
    next_fetch: u64,
    next_token: u64,
    /// `next_token` and `next_fetch` when the connection was last lost: what was created
    /// after that (while reconnecting) is not restored, its own waiting request adds it.
    lost_at: (u64, u64),
    /// Set once the peer is closed for good (explicitly, or the connection dropped without
    /// a reconnect policy).
    pub(crate) closed: bool,
}

impl Registry {
    /// Queue one message for the daemon.
    pub(crate) fn send(&self, message: String) -> Result<(), PeerError> {
        match &self.out {
            Some(out) => out.send(message).map_err(|_| PeerError::ConnectionClosed),
            None if self.closed => Err(PeerError::Closed),
            None => Err(PeerError::ConnectionClosed),
        }
    }

    /// Queue a notification (no id, no response).
    pub(crate) fn notify(&self, method: &str, params: Value) -> Result<(), PeerError> {
        self.send(message(None, method, params))
    }

    /// A fresh fetch id, unique for the life of this peer (so also across reconnects).
    pub(crate) fn fetch_id(&mut self) -> String {
        self.next_fetch += 1;
        format!("__jr_fetch_{}", self.next_fetch)
    }

    /// A fresh token that ties a registry entry to the handle that created it.
    pub(crate) fn token(&mut self) -> u64 {
        self.next_token += 1;
        self.next_token
    }

    /// Whether the element with this token existed before the connection was lost (so a
    /// reconnect restores it).
    pub(crate) fn restores_token(&self, token: u64) -> bool {
        token <= self.lost_at.0
    }

    /// Whether the fetch with this id existed before the connection was lost.
    pub(crate) fn restores_fetch(&self, id: &str) -> bool {
        id.strip_prefix("__jr_fetch_")
            .and_then(|n| n.parse::<u64>().ok())
            .is_none_or(|n| n <= self.lost_at.1)
    }
}

/// A request or notification as JSON text: `{"id","method","params"}` in that order.
pub(crate) fn message(id: Option<u64>, method: &str, params: Value) -> String {
    let mut m = Map::with_capacity(3);
    if let Some(id) = id {
        m.insert("id".into(), Value::from(id));
    }
    m.insert("method".into(), Value::String(method.into()));
    m.insert("params".into(), params);
    Value::Object(m).to_string()
}

/// A request whose params are JSON text, sent as they are (numbers keep their spelling).
#[cfg(test)]
pub(crate) fn raw_message(id: u64, method: &str, params: &RawValue) -> String {
    message_text(id, method, params.get())
}

/// `{"id","method","params"}` with `params` already JSON text.
fn message_text(id: u64, method: &str, params: &str) -> String {
    let method = Value::String(method.into());
    format!(r#"{{"id":{id},"method":{method},"params":{params}}}"#)
}

/// Where the peer's connection stands. Requests issued while it is `Connecting` (during a
/// reconnect) wait for `Up`; [`Peer::closed`](super::Peer::closed) waits for `Closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// Not connected yet, or reconnecting (the handshake is not finished).
    Connecting,
    /// Connected, handshake done, everything restored.
    Up,
    /// Closed for good.
    Closed,
}

/// The shared core of one peer.
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    registry: Mutex<Registry>,
    link: watch::Sender<Link>,
}

impl Shared {
    pub(crate) fn new(settings: Settings) -> Self {
        Shared {
            settings,
            registry: Mutex::new(Registry::default()),
            link: watch::Sender::new(Link::Connecting),
        }
    }

    /// The connection is up and restored: release the requests that wait for it.
    pub(crate) fn link_up(&self) {
        self.link.send_if_modified(|link| {
            let was = *link;
            if was == Link::Connecting {
                *link = Link::Up;
            }
            was == Link::Connecting
        });
    }

    /// Watch where the connection stands.
    pub(crate) fn link(&self) -> watch::Receiver<Link> {
        self.link.subscribe()
    }

    /// Lock the registry. A panic in another thread while it held the lock cannot leave the
    /// maps half-updated in a way that matters more than losing the peer, so poisoning is
    /// ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Send a request and wait for its response, or fail after `timeout` (default: the
    /// peer's request timeout). With a reconnect policy, a request issued while the peer
    /// reconnects waits for the connection (within the same timeout) instead of failing.
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Value,
        timeout: Option<Duration>,
    ) -> Result<Value, PeerError> {
        let text = params.to_string();
        self.request_with(|id| message_text(id, method, &text), timeout, true)
            .await
    }

    /// [`Shared::request`] with params given as JSON text.
    pub(crate) async fn request_raw(
        &self,
        method: &str,
        params: &RawValue,
        timeout: Option<Duration>,
    ) -> Result<Value, PeerError> {
        self.request_text(method, params.get(), timeout).await
    }

    /// [`Shared::request`] with params the peer wrote itself as JSON text.
    pub(crate) async fn request_text(
        &self,
        method: &str,
        params: &str,
        timeout: Option<Duration>,
    ) -> Result<Value, PeerError> {
        self.request_with(|id| message_text(id, method, params), timeout, true)
            .await
    }

    /// A request of the handshake (and restore): sent on the connection being set up,
    /// without waiting for it to be up.
    pub(crate) async fn handshake_request(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Value, PeerError> {
        self.handshake_request_text(method, &params.to_string())
            .await
    }

    /// [`Shared::handshake_request`] with params already JSON text.
    pub(crate) async fn handshake_request_text(
        &self,
        method: &str,
        params: &str,
    ) -> Result<Value, PeerError> {
        self.request_with(|id| message_text(id, method, params), None, false)
            .await
    }

    /// Send the request `build` writes for a fresh id and wait for its response. `wait`:
    /// while reconnecting, wait for the connection first (see [`Shared::request`]).
    async fn request_with(
        &self,
        build: impl Fn(u64) -> String,
        timeout: Option<Duration>,
        wait: bool,
    ) -> Result<Value, PeerError> {
        let timeout = timeout.unwrap_or(self.settings.request_timeout);
        let deadline = Instant::now() + timeout;
        let wait = wait && self.settings.reconnect.is_some();
        let (id, rx) = loop {
            if wait {
                let mut link = self.link();
                let up = link.wait_for(|l| *l != Link::Connecting);
                // Still reconnecting when the time is up: a connection error, like a request
                // that finds the connection gone.
                if tokio::time::timeout_at(deadline, up).await.is_err() {
                    return Err(PeerError::ConnectionClosed);
                }
            }
            let mut reg = self.lock();
            let (id, rx) = reg.requests.register();
            match reg.send(build(id)) {
                Ok(()) => break (id, rx),
                Err(e) => {
                    reg.requests.cancel(id);
                    // Lost again between "up" and sending: wait for the next connection.
                    if !(wait && matches!(e, PeerError::ConnectionClosed)) {
                        return Err(e);
                    }
                }
            }
        };
        // Forget the request if the caller drops this future or it times out, so the table
        // cannot grow with abandoned ids.
        let guard = CancelOnDrop { shared: self, id };
        let outcome = match tokio::time::timeout_at(deadline, rx).await {
            Ok(Ok(outcome)) => outcome,
            // The sender is dropped only when the table is torn down.
            Ok(Err(_)) => Err(PeerError::ConnectionClosed),
            Err(_) => Err(PeerError::local_timeout()),
        };
        drop(guard);
        outcome
    }

    /// The connection dropped: fail every pending request at once and stop queueing.
    /// (Pending requests are not re-sent after a reconnect: the daemon may have run them.)
    pub(crate) fn connection_lost(&self) {
        let mut reg = self.lock();
        reg.out = None;
        let error = if reg.closed {
            PeerError::Closed
        } else {
            PeerError::ConnectionClosed
        };
        reg.requests.fail_all(&error);
        reg.lost_at = (reg.next_token, reg.next_fetch);
        drop(reg);
        // `Closed` stays; otherwise reconnecting (or not, which `close` settles).
        self.link.send_if_modified(|link| {
            let changed = *link == Link::Up;
            if changed {
                *link = Link::Connecting;
            }
            changed
        });
    }

    /// The peer is finished: fail what is pending and end every fetch stream.
    pub(crate) fn close(&self) {
        let mut reg = self.lock();
        reg.closed = true;
        reg.out = None;
        reg.requests.fail_all(&PeerError::Closed);
        // Dropping the senders ends the streams.
        reg.fetches.clear();
        drop(reg);
        self.link.send_replace(Link::Closed);
    }
}

struct CancelOnDrop<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        self.shared.lock().requests.cancel(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_have_id_method_params_in_order() {
        assert_eq!(
            message(Some(7), "set", json!({"path":"a","value":1})),
            r#"{"id":7,"method":"set","params":{"path":"a","value":1}}"#
        );
        assert_eq!(
            message(None, "change", json!({"path":"a","value":2})),
            r#"{"method":"change","params":{"path":"a","value":2}}"#
        );
        let params = RawValue::from_string(r#"{"path":"a","value":1e3}"#.into()).unwrap();
        assert_eq!(
            raw_message(8, "set", &params),
            r#"{"id":8,"method":"set","params":{"path":"a","value":1e3}}"#
        );
    }

    #[test]
    fn sending_without_a_connection_fails_with_a_connection_error() {
        let mut reg = Registry::default();
        assert!(matches!(
            reg.notify("x", json!({})),
            Err(PeerError::ConnectionClosed)
        ));
        reg.closed = true;
        assert!(matches!(reg.notify("x", json!({})), Err(PeerError::Closed)));
    }
}
