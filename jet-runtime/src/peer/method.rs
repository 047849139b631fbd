//! Methods this peer owns: adding them and answering routed `call` requests.
//!
//! The handler gets the routed params as they came (an array for positional arguments, an
//! object for named ones; `{}` when the caller gave none) and returns the result or the
//! error object the caller receives.

use std::future::{Future, IntoFuture};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::{Map, Value};

use super::owned::{Kind, Owned};
use super::registry::Shared;
use super::state::respond;
use super::{Peer, PeerError};
use crate::protocol::ErrorObject;

/// What a method handler returns.
pub type CallResult = Result<Value, ErrorObject>;

type SyncCall = dyn Fn(Value) -> CallResult + Send + Sync;
type AsyncCall = dyn Fn(Value) -> BoxFuture<'static, CallResult> + Send + Sync;

#[derive(Clone)]
pub(crate) enum CallHandler {
    /// Runs on the reader task, in arrival order.
    Sync(Arc<SyncCall>),
    /// Runs on its own task; many calls may run at once.
    Async(Arc<AsyncCall>),
}

/// A method in the registry.
pub(crate) struct MethodEntry {
    pub(crate) handler: CallHandler,
    pub(crate) access: Option<Value>,
    /// A JSON Schema sent as the `schema` member of `add`.
    pub(crate) schema: Option<Value>,
    pub(crate) token: u64,
}

impl MethodEntry {
    /// The params of the `add` request that (re-)creates this method on a daemon.
    pub(crate) fn add_params(&self, path: &str) -> Value {
        let mut p = Map::new();
        p.insert("path".into(), Value::String(path.into()));
        if let Some(access) = &self.access {
            p.insert("access".into(), access.clone());
        }
        if let Some(schema) = &self.schema {
            p.insert("schema".into(), schema.clone());
        }
        Value::Object(p)
    }
}

/// Adds a method; created by [`Peer::add_method`] or [`Peer::add_method_async`], finished
/// by `.await`.
#[must_use = "a method is added only when the builder is awaited"]
pub struct MethodBuilder {
    peer: Peer,
    path: String,
    handler: CallHandler,
    access: Option<Value>,
    schema: Option<Value>,
}

impl MethodBuilder {
    pub(crate) fn new_sync<F>(peer: Peer, path: String, handler: F) -> Self
    where
        F: Fn(Value) -> CallResult + Send + Sync + 'static,
    {
        MethodBuilder {
            peer,
            path,
            handler: CallHandler::Sync(Arc::new(handler)),
            access: None,
            schema: None,
        }
    }

    pub(crate) fn new_async<F, Fut>(peer: Peer, path: String, handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CallResult> + Send + 'static,
    {
        MethodBuilder {
            peer,
            path,
            handler: CallHandler::Async(Arc::new(move |args| handler(args).boxed())),
            access: None,
            schema: None,
        }
    }

    /// Access groups (`{"fetchGroups":[..],"callGroups":[..]}`, PROTOCOL.md A.9).
    pub fn access(mut self, access: Value) -> Self {
        self.access = Some(access);
        self
    }

    /// A JSON Schema of the params and result, sent in `add` as `schema` (jetd keeps it
    /// and answers `schema` requests; other daemons ignore it).
    pub fn schema(mut self, schema: Value) -> Self {
        self.schema = Some(schema);
        self
    }

    async fn add(self) -> Result<Method, PeerError> {
        let entry = MethodEntry {
            handler: self.handler,
            access: self.access,
            schema: self.schema,
            token: 0,
        };
        let path = self.path;
        let owned = Owned::add(self.peer, path.clone(), Kind::Method, |reg, token| {
            let params = entry.add_params(&path).to_string();
            reg.methods
                .insert(path.clone(), MethodEntry { token, ..entry });
            params
        })
        .await?;
        Ok(Method { owned })
    }
}

impl IntoFuture for MethodBuilder {
    type Output = Result<Method, PeerError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.add().boxed()
    }
}

/// A method this peer owns. Dropping it removes the method from the daemon, unless
/// [`detach`](Method::detach)ed.
pub struct Method {
    owned: Owned,
}

impl std::fmt::Debug for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Method")
            .field("path", &self.path())
            .finish()
    }
}

impl Method {
    /// Where the method is.
    pub fn path(&self) -> &str {
        self.owned.path()
    }

    /// Remove the method from the daemon and wait for the answer.
    pub async fn remove(self) -> Result<(), PeerError> {
        self.owned.remove().await
    }

    /// Keep serving the method for as long as the peer lives, without holding this handle.
    pub fn detach(self) {
        self.owned.detach();
    }
}

/// Answer a routed `call` for one of our methods. Returns `false` if `path` is not a method
/// of this peer.
pub(crate) fn handle_call(
    shared: &Arc<Shared>,
    path: &str,
    id: Option<Value>,
    params: Option<Value>,
) -> bool {
    let handler = match shared.lock().methods.get(path) {
        Some(m) => m.handler.clone(),
        None => return false,
    };
    // node-jet daemons leave `params` out when the caller gave no args.
    let args = params.unwrap_or_else(|| Value::Object(Map::new()));
    match handler {
        CallHandler::Sync(f) => {
            let outcome = f(args);
            respond(&shared.lock(), id, outcome);
        }
        CallHandler::Async(f) => {
            let shared = shared.clone();
            let fut = f(args);
            tokio::spawn(async move {
                let outcome = fut.await;
                respond(&shared.lock(), id, outcome);
            });
        }
    }
    true
}
