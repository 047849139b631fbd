//! The peer's shared core: what the public handles, the reader task and the reconnect
//! supervisor all see.
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
use tokio::sync::mpsc;

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
pub(crate) fn raw_message(id: u64, method: &str, params: &RawValue) -> String {
    let method = Value::String(method.into());
    format!(
        r#"{{"id":{id},"method":{method},"params":{}}}"#,
        params.get()
    )
}

/// The shared core of one peer.
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    registry: Mutex<Registry>,
}

impl Shared {
    pub(crate) fn new(settings: Settings) -> Self {
        Shared {
            settings,
            registry: Mutex::new(Registry::default()),
        }
    }

    /// Lock the registry. A panic in another thread while it held the lock cannot leave the
    /// maps half-updated in a way that matters more than losing the peer, so poisoning is
    /// ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Send a request and wait for its response, or fail after `timeout` (default: the
    /// peer's request timeout).
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Value,
        timeout: Option<Duration>,
    ) -> Result<Value, PeerError> {
        self.request_with(|id| message(Some(id), method, params), timeout)
            .await
    }

    /// [`Shared::request`] with params given as JSON text.
    pub(crate) async fn request_raw(
        &self,
        method: &str,
        params: &RawValue,
        timeout: Option<Duration>,
    ) -> Result<Value, PeerError> {
        self.request_with(|id| raw_message(id, method, params), timeout)
            .await
    }

    /// Send the request `build` writes for a fresh id and wait for its response.
    async fn request_with(
        &self,
        build: impl FnOnce(u64) -> String,
        timeout: Option<Duration>,
    ) -> Result<Value, PeerError> {
        let (id, rx) = {
            let mut reg = self.lock();
            let (id, rx) = reg.requests.register();
            if let Err(e) = reg.send(build(id)) {
                reg.requests.cancel(id);
                return Err(e);
            }
            (id, rx)
        };
        // Forget the request if the caller drops this future or it times out, so the table
        // cannot grow with abandoned ids.
        let guard = CancelOnDrop { shared: self, id };
        let timeout = timeout.unwrap_or(self.settings.request_timeout);
        let outcome = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(outcome)) => outcome,
            // The sender is dropped only when the table is torn down.
            Ok(Err(_)) => Err(PeerError::ConnectionClosed),
            Err(_) => Err(PeerError::local_timeout(timeout)),
        };
        drop(guard);
        outcome
    }

    /// The connection dropped: fail every pending request at once and stop queueing.
    pub(crate) fn connection_lost(&self) {
        let mut reg = self.lock();
        reg.out = None;
        let error = if reg.closed {
            PeerError::Closed
        } else {
            PeerError::ConnectionClosed
        };
        reg.requests.fail_all(&error);
    }

    /// The peer is finished: fail what is pending and end every fetch stream.
    pub(crate) fn close(&self) {
        let mut reg = self.lock();
        reg.closed = true;
        reg.out = None;
        reg.requests.fail_all(&PeerError::Closed);
        // Dropping the senders ends the streams.
        reg.fetches.clear();
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
