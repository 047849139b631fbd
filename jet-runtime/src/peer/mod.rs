//! The async Jet peer (tokio): connect to a daemon, own states and methods, set, call and
//! fetch.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use jet_runtime::fetch::builder::Fetch;
//! use jet_runtime::peer::{Peer, SetReply};
//! use serde_json::json;
//!
//! # async fn demo() -> Result<(), jet_runtime::peer::PeerError> {
//! let peer = Peer::connect("127.0.0.1:11122").await?;
//! // A state other peers may set; the handler clamps the value.
//! let setpoint = peer
//!     .add_state("boiler/setpoint", json!(60))
//!     .on_set(|v| Ok(SetReply::adjusted(json!(v.as_f64().unwrap_or(0.0).min(90.0)))))
//!     .await?;
//! let _sum = peer.add_method("math/sum", |args| {
//!     Ok(json!(args.as_array().map(|a| a.iter().filter_map(|x| x.as_f64()).sum::<f64>())))
//! }).await?;
//! peer.set("boiler/setpoint", json!(95)).await?;
//! assert_eq!(setpoint.value(), json!(90.0));
//! let mut boilers = peer.fetch(&Fetch::all().path_starts_with("boiler/")).await?;
//! while let Some(event) = boilers.next().await {
//!     println!("{event:?}");
//! }
//! # Ok(()) }
//! ```
//!
//! Shape: one reader task and one writer task per connection, plus a supervisor task that
//! notices when the connection ends. Requests are futures, fetches are streams, and what the
//! peer owns on the daemon is held by handles ([`State`], [`Method`], [`FetchStream`]) that
//! remove it when dropped.
//!
//! Module map (private modules): `connection` (transports, reader/writer tasks), `tls`
//! (trusted roots and the TLS handshake of `tls://` and `wss://`),
//! `correlation` (pending requests), `dispatch` (incoming messages), `registry` (what the
//! peer owns and the way to reach the daemon, behind one lock), `owned` (what the `State`
//! and `Method` handles share), `state`, `method`, `fetch`, `builder` (options, handshake,
//! reconnect), `local`
//! (rules a daemon left out, applied here), `error`.
//!
//! Handlers: synchronous set/call handlers run on the connection's reader task, in arrival
//! order, and must not block; asynchronous ones run on their own tasks. A panicking sync
//! handler ends the connection (and triggers a reconnect if one is configured).

mod builder;
mod connection;
mod correlation;
mod dispatch;
mod error;
mod fetch;
mod local;
mod method;
mod nodes;
mod owned;
mod registry;
mod state;
mod tls;

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use builder::{PeerBuilder, ReconnectPolicy};
pub use error::PeerError;
pub use fetch::{Element, ElementEvent, EventKind, FetchEvent, FetchStream, Window};
pub use local::Notice;
pub use method::{CallResult, Method, MethodBuilder};
pub use nodes::{node_prefixes, parent_of, Entry, Subject, Tree, TreeEntry};
pub use state::{SetReply, SetResult, State, StateBuilder};

use crate::fetch::builder::Fetch;
use crate::protocol::{codes, ErrorObject};

/// A connection to a Jet daemon. Cheap to clone; the connection ends when the last clone
/// and the last handle ([`State`], [`Method`], [`FetchStream`]) are dropped, or on
/// [`close`](Peer::close).
#[derive(Clone)]
pub struct Peer {
    pub(crate) inner: Arc<PeerInner>,
}

pub(crate) struct PeerInner {
    pub(crate) shared: Arc<registry::Shared>,
    /// Dropping it (with the last handle) tells the supervisor to stop.
    shutdown: watch::Sender<()>,
    supervisor: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("addr", &self.inner.shared.settings.addr.to_string())
            .finish()
    }
}

/// What the daemon says about itself (`info`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DaemonInfo {
    /// The daemon's name (`"jetd"`, `"node-jet"`, ...).
    pub name: String,
    /// The daemon's version.
    pub version: String,
    /// The Jet protocol version it speaks.
    pub protocol_version: String,
    /// `{"batches":..,"authentication":..,"fetch":"full",...}` and extensions.
    pub features: Value,
}

impl Peer {
    /// Connect with default options (no name, no credentials, no reconnect).
    pub async fn connect(addr: &str) -> Result<Peer, PeerError> {
        PeerBuilder::default().connect(addr).await
    }

    /// Options: name, credentials, request timeout, reconnect policy.
    pub fn builder() -> PeerBuilder {
        PeerBuilder::default()
    }

    /// Ask the daemon for its name, version and features.
    pub async fn info(&self) -> Result<DaemonInfo, PeerError> {
        let v = self.request("info", json!({}), None).await?;
        serde_json::from_value(v).map_err(|e| PeerError::Protocol(format!("info: {e}")))
    }

    /// Request a state change. The future resolves to the owner's answer (`true`, or the
    /// new value with [`SetRequest::value_as_result`]).
    pub fn set(&self, path: impl Into<String>, value: Value) -> SetRequest<'_> {
        SetRequest {
            peer: self,
            path: path.into(),
            value: Payload::Value(value),
            timeout: None,
            value_as_result: false,
        }
    }

    /// [`Peer::set`] with the value as JSON text, sent exactly as written (`1e3` stays
    /// `1e3`; a [`Value`] cannot keep a number's spelling).
    pub fn set_raw(&self, path: impl Into<String>, value: Box<RawValue>) -> SetRequest<'_> {
        SetRequest {
            peer: self,
            path: path.into(),
            value: Payload::Raw(value),
            timeout: None,
            value_as_result: false,
        }
    }

    /// Call a method with `args` (an array for positional, an object for named arguments).
    pub fn call(&self, path: impl Into<String>, args: Value) -> CallRequest<'_> {
        CallRequest {
            peer: self,
            path: path.into(),
            args: Payload::Value(args),
            timeout: None,
        }
    }

    /// [`Peer::call`] with the arguments as JSON text, sent exactly as written.
    pub fn call_raw(&self, path: impl Into<String>, args: Box<RawValue>) -> CallRequest<'_> {
        CallRequest {
            peer: self,
            path: path.into(),
            args: Payload::Raw(args),
            timeout: None,
        }
    }

    /// The elements matching `expr` right now (`get`, one round trip, no subscription).
    /// (Nodes are not elements: [`Fetch::nodes`] is ignored here, see [`Peer::get_nodes`].)
    /// Value rules and sorting are applied here if the daemon left them out (a [`Notice`]
    /// says so).
    pub async fn get(&self, expr: &Fetch) -> Result<Vec<Element>, PeerError> {
        let mut params = expr.to_json();
        if let Value::Object(m) = &mut params {
            m.remove("nodes");
        }
        let elements = fetch::parse_get(self.request("get", params.clone(), None).await?)?;
        let (elements, notices) = local::check_get(&params, elements);
        for notice in &notices {
            local::report(&self.inner.shared.settings, notice);
        }
        Ok(elements)
    }

    /// Subscribe to the elements matching `expr`. See [`FetchEvent`] for what the stream
    /// yields for sorted and unsorted expressions.
    pub async fn fetch(&self, expr: &Fetch) -> Result<FetchStream, PeerError> {
        fetch::fetch(self, expr).await
    }

    /// Add a state with an initial value. Without a set handler (`on_set`/`on_set_async`) it
    /// is added fetch-only.
    pub fn add_state(&self, path: impl Into<String>, value: Value) -> StateBuilder {
        StateBuilder::new(self.clone(), path.into(), state::Current::Value(value))
    }

    /// [`Peer::add_state`] with the initial value as JSON text, sent exactly as written
    /// (`1E3` stays `1E3`, `2.50` keeps its zero; a [`Value`] cannot keep a number's
    /// spelling). Later values ([`State::change`], accepted sets) are sent as `Value`s.
    /// Fails only when the text is nested deeper than serde_json reads into a `Value`
    /// (127 levels).
    pub fn add_state_raw(
        &self,
        path: impl Into<String>,
        value: Box<RawValue>,
    ) -> Result<StateBuilder, serde_json::Error> {
        // Only to refuse what `State::value` could not read back.
        let _: Value = serde_json::from_str(value.get())?;
        Ok(StateBuilder::new(
            self.clone(),
            path.into(),
            state::Current::Text(value.into()),
        ))
    }

    /// [`Peer::add_state`] with the initial value as JSON text that serde_json wrote (the
    /// typed layer's encoding), sent as it is.
    pub(crate) fn add_state_text(&self, path: String, text: String) -> StateBuilder {
        StateBuilder::new(self.clone(), path, state::Current::Text(text.into()))
    }

    /// Add a method with a synchronous handler.
    pub fn add_method<F>(&self, path: impl Into<String>, handler: F) -> MethodBuilder
    where
        F: Fn(Value) -> CallResult + Send + Sync + 'static,
    {
        MethodBuilder::new_sync(self.clone(), path.into(), handler)
    }

    /// Add a method with an asynchronous handler.
    pub fn add_method_async<F, Fut>(&self, path: impl Into<String>, handler: F) -> MethodBuilder
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CallResult> + Send + 'static,
    {
        MethodBuilder::new_async(self.clone(), path.into(), handler)
    }

    /// Publish a new value for a state by path (prefer [`State::change`], which also keeps
    /// the value a reconnect restores).
    pub async fn change(&self, path: &str, value: Value) -> Result<(), PeerError> {
        if let Some(s) = self.inner.shared.lock().states.get_mut(path) {
            s.value = state::Current::Value(value.clone());
        }
        self.request("change", json!({"path": path, "value": value}), None)
            .await
            .map(drop)
    }

    /// [`Peer::change`] with the value as JSON text that serde_json wrote (the typed
    /// layer's encoding): sent and kept as it is, without building a [`Value`] (what makes
    /// a typed `update` cost about what one untyped `change` does).
    pub(crate) async fn change_text(&self, path: &str, text: &str) -> Result<(), PeerError> {
        if let Some(s) = self.inner.shared.lock().states.get_mut(path) {
            s.value = state::Current::Text(text.into());
        }
        let path_json = serde_json::to_string(path)
            .map_err(|e| PeerError::Protocol(format!("cannot encode the path: {e}")))?;
        let mut params = String::with_capacity(path_json.len() + text.len() + 20);
        params.push_str(r#"{"path":"#);
        params.push_str(&path_json);
        params.push_str(r#","value":"#);
        params.push_str(text);
        params.push('}');
        self.inner
            .shared
            .request_text("change", &params, None)
            .await
            .map(drop)
    }

    /// Remove an element by path (prefer dropping its handle or [`State::remove`]).
    pub async fn remove(&self, path: &str) -> Result<(), PeerError> {
        {
            let mut reg = self.inner.shared.lock();
            reg.states.remove(path);
            reg.methods.remove(path);
        }
        self.request("remove", json!({"path": path}), None)
            .await
            .map(drop)
    }

    /// Send any daemon method and wait for its result (for methods this API does not wrap).
    pub async fn request(
        &self,
        method: &str,
        params: Value,
        timeout: Option<Duration>,
    ) -> Result<Value, PeerError> {
        self.inner.shared.request(method, params, timeout).await
    }

    /// [`Peer::request`] with the params as JSON text, sent exactly as written.
    pub async fn request_raw(
        &self,
        method: &str,
        params: &RawValue,
        timeout: Option<Duration>,
    ) -> Result<Value, PeerError> {
        self.inner.shared.request_raw(method, params, timeout).await
    }

    /// Whether a connection is up right now (false while reconnecting and after close).
    pub fn is_connected(&self) -> bool {
        self.inner.shared.lock().out.is_some()
    }

    /// Resolves when the peer is closed for good: by [`close`](Peer::close), when the
    /// connection is lost and no reconnect policy is set, or when the policy gives up. (A
    /// connection lost while reconnecting is not "closed": the peer comes back.) For a
    /// program that serves elements until the daemon goes away:
    /// `tokio::select! { _ = peer.closed() => ..., _ = ctrl_c => ... }`.
    pub async fn closed(&self) {
        let mut link = self.inner.shared.link();
        // The sender lives as long as `self`, so this only returns once closed.
        let _ = link.wait_for(|l| *l == registry::Link::Closed).await;
    }

    /// Close the connection: pending requests fail with [`PeerError::Closed`], fetch streams
    /// end, and the daemon removes this peer's elements. Waits until the tasks have ended.
    pub async fn close(&self) {
        self.inner.shared.close();
        self.inner.shutdown.send_replace(());
        let task = self
            .inner
            .supervisor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// A `set` being prepared; `.await` sends it.
#[must_use = "the request is sent only when awaited"]
pub struct SetRequest<'a> {
    peer: &'a Peer,
    path: String,
    value: Payload,
    timeout: Option<Duration>,
    value_as_result: bool,
}

impl SetRequest<'_> {
    /// How long the daemon waits for the owner (sent as `timeout`, in seconds).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Ask the owner to answer with the value it accepted instead of `true`.
    pub fn value_as_result(mut self) -> Self {
        self.value_as_result = true;
        self
    }
}

impl<'a> IntoFuture for SetRequest<'a> {
    type Output = Result<Value, PeerError>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        async move {
            let value = self.value.into_raw()?;
            let params = RoutedParams {
                path: &self.path,
                value: Some(&value),
                args: None,
                value_as_result: self.value_as_result,
                timeout: None,
            };
            let result = routed(self.peer, "set", params, self.timeout).await?;
            // `true` for a value that is not `true`: the flag did not reach the owner (cjet
            // does not forward it). Read the value instead.
            if self.value_as_result && result == Value::Bool(true) && value.get().trim() != "true" {
                return value_after_set(self.peer, &self.path, result).await;
            }
            Ok(result)
        }
        .boxed()
    }
}

/// A `call` being prepared; `.await` sends it.
#[must_use = "the request is sent only when awaited"]
pub struct CallRequest<'a> {
    peer: &'a Peer,
    path: String,
    args: Payload,
    timeout: Option<Duration>,
}

impl CallRequest<'_> {
    /// How long the daemon waits for the owner (sent as `timeout`, in seconds).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

impl<'a> IntoFuture for CallRequest<'a> {
    type Output = Result<Value, PeerError>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        async move {
            let args = self.args.into_raw()?;
            let params = RoutedParams {
                path: &self.path,
                value: None,
                args: Some(&args),
                value_as_result: false,
                timeout: None,
            };
            routed(self.peer, "call", params, self.timeout).await
        }
        .boxed()
    }
}

/// The value of `path` after a `set` whose `valueAsResult` answer was only `true`.
async fn value_after_set(peer: &Peer, path: &str, answer: Value) -> Result<Value, PeerError> {
    let elements = peer.get(&Fetch::all().path_equals(path)).await?;
    match elements
        .into_iter()
        .find(|e| e.path == path)
        .and_then(|e| e.value)
    {
        // The owner adjusted the value to `true`, and said so.
        Some(Value::Bool(true)) | None => Ok(answer),
        Some(value) => {
            let notice = Notice::ValueAsResultIgnored {
                path: path.to_owned(),
            };
            local::report(&peer.inner.shared.settings, &notice);
            Ok(value)
        }
    }
}

/// A set value or call arguments: parsed, or JSON text to send as it is.
enum Payload {
    Value(Value),
    Raw(Box<RawValue>),
}

impl Payload {
    fn into_raw(self) -> Result<Box<RawValue>, PeerError> {
        match self {
            Payload::Raw(raw) => Ok(raw),
            Payload::Value(v) => serde_json::value::to_raw_value(&v)
                .map_err(|e| PeerError::Protocol(format!("cannot encode the value: {e}"))),
        }
    }
}

/// The params of a routed `set`/`call`, in the member order peers have always sent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoutedParams<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    value_as_result: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<f64>,
}

/// Send a routed request. With an explicit timeout the daemon enforces it; the peer waits a
/// little longer so the daemon's typed timeout error arrives first.
async fn routed(
    peer: &Peer,
    method: &str,
    mut params: RoutedParams<'_>,
    timeout: Option<Duration>,
) -> Result<Value, PeerError> {
    let local = timeout.map(|t| {
        params.timeout = Some(t.as_secs_f64());
        (t + Duration::from_secs(1)).max(peer.inner.shared.settings.request_timeout)
    });
    let params = serde_json::value::to_raw_value(&params)
        .map_err(|e| PeerError::Protocol(format!("cannot encode the request: {e}")))?;
    peer.request_raw(method, &params, local)
        .await
        .map_err(|e| e.for_routed(method))
}

/// An error for a handler to return: `-32602 Invalid params` with
/// `{"invalidArgument":{"message":..}}` (node-jet's shape for a refused argument).
pub fn invalid_argument(message: impl Into<String>) -> ErrorObject {
    ErrorObject::invalid_params_with("invalidArgument", json!({"message": message.into()}))
}

/// An error with a code, message and data of your choosing (relayed to the requester
/// unchanged).
pub fn custom_error(code: i64, message: impl Into<String>, data: Option<Value>) -> ErrorObject {
    ErrorObject {
        message: message.into(),
        code,
        data,
    }
}

/// An internal error carrying a message (`-32603`, data `{"message":..}`).
pub fn internal_error(message: impl Into<String>) -> ErrorObject {
    custom_error(
        codes::INTERNAL_ERROR,
        "Internal error",
        Some(json!({"message": message.into()})),
    )
}
