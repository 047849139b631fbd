//! States this peer owns: adding them, answering routed `set` requests, publishing changes.
//!
//! The set handler decides about each requested value (PROTOCOL.md A.8): accept it, accept
//! an adjusted value, or refuse with an error object that the requester receives. After
//! accepting, the peer answers the routed request (`true`, or the new value when the
//! requester asked `valueAsResult`) and then publishes `change`, unless the handler asked not
//! to. A state without a handler is added `fetchOnly`: the daemon refuses sets for it.

use std::future::{Future, IntoFuture};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::{json, Map, Value};

use super::owned::{Kind, Owned};
use super::registry::{Registry, Shared};
use super::{Peer, PeerError};
use crate::protocol::ErrorObject;

/// What a set handler decided about a requested value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SetReply {
    value: Option<Value>,
    notify: bool,
}

impl SetReply {
    /// Take the requested value as it is.
    pub fn accept() -> Self {
        SetReply {
            value: None,
            notify: true,
        }
    }

    /// Take `value` instead of the requested one (clamped, rounded, normalised, ...).
    pub fn adjusted(value: Value) -> Self {
        SetReply {
            value: Some(value),
            notify: true,
        }
    }

    /// Do not publish a `change` for this set (the handler will publish later, or the
    /// value is not meant to be seen by fetchers).
    pub fn without_change(mut self) -> Self {
        self.notify = false;
        self
    }
}

/// What a set handler returns: the decision, or the error the requester sees.
pub type SetResult = Result<SetReply, ErrorObject>;

type SyncSet = dyn Fn(Value) -> SetResult + Send + Sync;
type AsyncSet = dyn Fn(Value) -> BoxFuture<'static, SetResult> + Send + Sync;

#[derive(Clone)]
pub(crate) enum SetHandler {
    /// Runs on the reader task: quick, and sets are handled in arrival order.
    Sync(Arc<SyncSet>),
    /// Runs on its own task, so slow handlers do not hold up the connection.
    Async(Arc<AsyncSet>),
}

/// A state's current value, as it was given.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Current {
    /// Sent as the `Value`'s own rendering.
    Value(Value),
    /// Valid JSON text, sent exactly as written: what [`Peer::add_state_raw`] was given
    /// (so numbers keep their spelling: `1E3` stays `1E3`), or what the typed layer
    /// encoded (so it need not build a `Value` to publish).
    Text(Box<str>),
}

impl Current {
    /// The value as a `Value` (text is parsed; it was checked, or written by serde_json,
    /// so only a text nested deeper than serde_json reads (127 levels) gives `null`).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Current::Value(v) => v.clone(),
            Current::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        }
    }

    /// The value as JSON text.
    fn to_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Current::Value(v) => v.to_string().into(),
            Current::Text(text) => (**text).into(),
        }
    }
}

/// A state in the registry.
pub(crate) struct StateEntry {
    /// The current value: what `change` last published, restored after a reconnect.
    pub(crate) value: Current,
    pub(crate) handler: Option<SetHandler>,
    pub(crate) access: Option<Value>,
    /// A JSON Schema sent as the `schema` member of `add` (daemons without schema support
    /// ignore it).
    pub(crate) schema: Option<Value>,
    pub(crate) token: u64,
}

impl StateEntry {
    /// The params of the `add` request that (re-)creates this state on a daemon, as JSON
    /// text: `{"path","value",...}`, a value given as text as it was written.
    pub(crate) fn add_params(&self, path: &str) -> String {
        let mut p = Map::new();
        if self.handler.is_none() {
            p.insert("fetchOnly".into(), Value::Bool(true));
        }
        if let Some(access) = &self.access {
            p.insert("access".into(), access.clone());
        }
        if let Some(schema) = &self.schema {
            p.insert("schema".into(), schema.clone());
        }
        let path = Value::String(path.into());
        let value = self.value.to_text();
        let rest = Value::Object(p).to_string();
        // `rest` is `{}` or `{"member":..,...}`: its members follow path and value.
        let rest = &rest[1..rest.len() - 1];
        let comma = if rest.is_empty() { "" } else { "," };
        format!(r#"{{"path":{path},"value":{value}{comma}{rest}}}"#)
    }
}

/// Adds a state; created by [`Peer::add_state`], finished by `.await`.
#[must_use = "a state is added only when the builder is awaited"]
pub struct StateBuilder {
    peer: Peer,
    path: String,
    value: Current,
    handler: Option<SetHandler>,
    access: Option<Value>,
    schema: Option<Value>,
}

impl StateBuilder {
    pub(crate) fn new(peer: Peer, path: String, value: Current) -> Self {
        StateBuilder {
            peer,
            path,
            value,
            handler: None,
            access: None,
            schema: None,
        }
    }

    /// Accept, adjust or refuse requested values with a synchronous handler.
    pub fn on_set<F>(mut self, handler: F) -> Self
    where
        F: Fn(Value) -> SetResult + Send + Sync + 'static,
    {
        self.handler = Some(SetHandler::Sync(Arc::new(handler)));
        self
    }

    /// Accept, adjust or refuse requested values with an asynchronous handler (talk to
    /// hardware, ask another service, ...).
    pub fn on_set_async<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = SetResult> + Send + 'static,
    {
        self.handler = Some(SetHandler::Async(Arc::new(move |v| handler(v).boxed())));
        self
    }

    /// Access groups (`{"fetchGroups":[..],"setGroups":[..]}`, PROTOCOL.md A.9).
    pub fn access(mut self, access: Value) -> Self {
        self.access = Some(access);
        self
    }

    /// A JSON Schema of the value, sent in `add` as `schema` (jetd keeps it and answers
    /// `schema` requests; other daemons ignore it).
    pub fn schema(mut self, schema: Value) -> Self {
        self.schema = Some(schema);
        self
    }

    async fn add(self) -> Result<State, PeerError> {
        let entry = StateEntry {
            value: self.value,
            handler: self.handler,
            access: self.access,
            schema: self.schema,
            token: 0,
        };
        let path = self.path;
        let owned = Owned::add(self.peer, path.clone(), Kind::State, |reg, token| {
            let params = entry.add_params(&path);
            reg.states
                .insert(path.clone(), StateEntry { token, ..entry });
            params
        })
        .await?;
        Ok(State { owned })
    }
}

impl IntoFuture for StateBuilder {
    type Output = Result<State, PeerError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        self.add().boxed()
    }
}

/// A state this peer owns. Dropping it removes the state from the daemon, unless
/// [`detach`](State::detach)ed.
pub struct State {
    owned: Owned,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("path", &self.path()).finish()
    }
}

impl State {
    /// Where the state is.
    pub fn path(&self) -> &str {
        self.owned.path()
    }

    /// The current value (the last one published).
    pub fn value(&self) -> Value {
        let reg = self.owned.peer().inner.shared.lock();
        reg.states
            .get(self.path())
            .filter(|s| s.token == self.owned.token())
            .map(|s| s.value.to_value())
            .unwrap_or(Value::Null)
    }

    /// Publish a new value: fetchers see `change`. The value is also what a reconnect
    /// restores.
    pub async fn change(&self, value: Value) -> Result<(), PeerError> {
        let shared = &self.owned.peer().inner.shared;
        {
            let mut reg = shared.lock();
            match reg.states.get_mut(self.path()) {
                Some(s) if s.token == self.owned.token() => s.value = Current::Value(value.clone()),
                _ => return Err(PeerError::NotFound(self.path().to_owned())),
            }
        }
        shared
            .request("change", json!({"path": self.path(), "value": value}), None)
            .await
            .map(drop)
    }

    /// Remove the state from the daemon and wait for the answer.
    pub async fn remove(self) -> Result<(), PeerError> {
        self.owned.remove().await
    }

    /// Keep the state (and keep answering sets) for as long as the peer lives, without
    /// holding this handle.
    pub fn detach(self) {
        self.owned.detach();
    }
}

/// Answer a routed `set` for one of our states (`id` is `None` for notification-style sets).
pub(crate) fn handle_set(shared: &Arc<Shared>, path: String, id: Option<Value>, params: Value) {
    let handler = {
        let reg = shared.lock();
        match reg.states.get(&path) {
            Some(s) => s.handler.clone(),
            None => {
                respond(&reg, id, Err(ErrorObject::path_not_exists(&path)));
                return;
            }
        }
    };
    let Some(handler) = handler else {
        // Daemons without fetch-only support (lua-jet) route sets to read-only states.
        respond(&shared.lock(), id, Err(ErrorObject::fetch_only(&path)));
        return;
    };
    let value_as_result = params
        .get("valueAsResult")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some(requested) = params.get("value").cloned() else {
        respond(
            &shared.lock(),
            id,
            Err(ErrorObject::missing_param("value", params)),
        );
        return;
    };
    match handler {
        SetHandler::Sync(f) => {
            let outcome = f(requested.clone());
            finish_set(shared, &path, id, requested, outcome, value_as_result);
        }
        SetHandler::Async(f) => {
            let shared = shared.clone();
            let fut = f(requested.clone());
            tokio::spawn(async move {
                let outcome = fut.await;
                finish_set(&shared, &path, id, requested, outcome, value_as_result);
            });
        }
    }
}

fn finish_set(
    shared: &Shared,
    path: &str,
    id: Option<Value>,
    requested: Value,
    outcome: SetResult,
    value_as_result: bool,
) {
    let mut reg = shared.lock();
    match outcome {
        Ok(reply) => {
            let new = reply.value.unwrap_or(requested);
            if let Some(s) = reg.states.get_mut(path) {
                s.value = Current::Value(new.clone());
            }
            let result = if value_as_result {
                new.clone()
            } else {
                Value::Bool(true)
            };
            respond(&reg, id, Ok(result));
            if reply.notify {
                let _ = reg.notify("change", json!({"path": path, "value": new}));
            }
        }
        Err(e) => respond(&reg, id, Err(e)),
    }
}

/// Send the response to a routed request, if it had an id.
pub(crate) fn respond(reg: &Registry, id: Option<Value>, outcome: Result<Value, ErrorObject>) {
    let Some(id) = id else { return };
    let mut m = Map::with_capacity(2);
    m.insert("id".into(), id);
    match outcome {
        Ok(result) => m.insert("result".into(), result),
        Err(e) => m.insert(
            "error".into(),
            serde_json::to_value(e).expect("error objects serialise"),
        ),
    };
    // A response for a connection that is gone cannot be delivered; the daemon has
    // answered the requester already.
    let _ = reg.send(Value::Object(m).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_params_mark_handlerless_states_fetch_only() {
        let entry = StateEntry {
            value: Current::Value(json!(1)),
            handler: None,
            access: None,
            schema: None,
            token: 1,
        };
        assert_eq!(
            entry.add_params("a"),
            r#"{"path":"a","value":1,"fetchOnly":true}"#
        );
        let entry = StateEntry {
            value: Current::Value(json!("x")),
            handler: Some(SetHandler::Sync(Arc::new(|_| Ok(SetReply::accept())))),
            access: Some(json!({"setGroups":["admin"]})),
            schema: Some(json!({"type":"string"})),
            token: 1,
        };
        assert_eq!(
            entry.add_params("b"),
            r#"{"path":"b","value":"x","access":{"setGroups":["admin"]},"schema":{"type":"string"}}"#
        );
    }

    #[test]
    fn add_params_send_a_value_given_as_text_as_written() {
        let entry = StateEntry {
            value: Current::Text("[1E3, 2.50]".into()),
            handler: None,
            access: None,
            schema: None,
            token: 1,
        };
        assert_eq!(
            entry.add_params("a"),
            r#"{"path":"a","value":[1E3, 2.50],"fetchOnly":true}"#
        );
    }
}
