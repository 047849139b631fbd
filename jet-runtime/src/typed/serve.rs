//! Serving a [`Node`]: [`Peer::serve`] adds its states and methods, [`Served`] keeps them,
//! [`Instance`] is the served value with what was last published of it.

use std::collections::HashSet;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex};

use futures_util::future::{self, join_all, try_join_all};
use futures_util::FutureExt;
use serde_json::Value;
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::context::Context;
use super::event::Sink;
use super::handle::Handle;
use super::node::{Body, StateInfo};
use super::schema::join;
use super::{Node, TypedError};
use crate::fetch::builder::Fetch;
use crate::peer::{
    custom_error, internal_error, CallResult, Method, Peer, PeerError, SetReply, State,
};
use crate::protocol::codes;

impl Peer {
    /// Serve `value` at `path`: one state per field, one method per `pub fn` of its
    /// `#[jet_runtime::methods]` block, each with its JSON Schema in `add`. Fails without
    /// adding anything if two elements would share a path; if one `add` fails, the
    /// elements already added are removed again.
    ///
    /// See the [module docs](crate::typed) for what runs concurrently.
    pub async fn serve<T: Node>(
        &self,
        path: impl Into<String>,
        value: T,
    ) -> Result<Served<T>, TypedError> {
        let mut path = path.into();
        while path.ends_with('/') {
            path.pop();
        }
        let states = T::states();
        let methods = T::methods();
        let mut seen = HashSet::new();
        for rel in states
            .iter()
            .map(|s| &s.path)
            .chain(methods.iter().map(|m| &m.path))
        {
            if !seen.insert(rel.as_str()) {
                return Err(TypedError::DuplicatePath(join(&path, rel)));
            }
        }
        let instance = Arc::new(Instance::new(self.clone(), &path, states, value)?);

        let published = instance.lock_published().clone();
        let mut state_adds = Vec::with_capacity(instance.states.len());
        for (index, ((info, full), initial)) in instance.states.iter().zip(published).enumerate() {
            let mut builder = self
                .add_state_text(full.clone(), initial)
                .schema(info.schema_at(&path));
            if let Some(access) = &info.access {
                builder = builder.access(access.clone());
            }
            if info.set.is_some() {
                let instance = instance.clone();
                builder = builder.on_set_async(move |requested: Value| {
                    let instance = instance.clone();
                    async move { instance.set(index, requested).await }
                });
            }
            state_adds.push(builder.into_future());
        }
        let mut method_adds = Vec::with_capacity(methods.len());
        for info in &methods {
            let full = join(&path, &info.path);
            let decode = info.decode.clone();
            let instance = instance.clone();
            let full_arc: Arc<str> = full.clone().into();
            let mut builder = self
                .add_method_async(full, move |args| {
                    let (instance, decode, path) =
                        (instance.clone(), decode.clone(), full_arc.clone());
                    async move {
                        let body = decode(&path, args)?;
                        instance.run(&path, body).await
                    }
                })
                .schema(info.schema_at(&path));
            if let Some(access) = &info.access {
                builder = builder.access(access.clone());
            }
            method_adds.push(builder.into_future());
        }
        // All-or-nothing: wait for every `add` (none is left in flight), and on any failure
        // remove every element that was added before returning the first error, so the
        // paths are free for a retry and nothing half-served keeps accepting sets.
        let (states, methods) = future::join(join_all(state_adds), join_all(method_adds)).await;
        let failure = states
            .iter()
            .filter_map(|r| r.as_ref().err())
            .chain(methods.iter().filter_map(|r| r.as_ref().err()))
            .next()
            .cloned();
        if let Some(error) = failure {
            let removals = states
                .into_iter()
                .flatten()
                .map(|s| s.remove().boxed())
                .chain(methods.into_iter().flatten().map(|m| m.remove().boxed()));
            for removed in join_all(removals).await {
                if let Err(e) = removed {
                    tracing::debug!(error = %e, "removing an element of a failed serve failed");
                }
            }
            return Err(error.into());
        }
        Ok(Served {
            instance,
            path,
            states: states.into_iter().flatten().collect(),
            methods: methods.into_iter().flatten().collect(),
        })
    }

    /// The JSON Schemas jetd keeps for the elements matching `expr`'s path rule
    /// (`[{"path","schema"}]`, insertion order; the `schema` daemon method). Daemons without
    /// schema support answer [`PeerError::MethodNotFound`]; check
    /// `info().features["schemas"]` first, or use [`Node::schemas`] offline.
    pub async fn schemas(&self, expr: &Fetch) -> Result<Vec<(String, Value)>, PeerError> {
        let answer = self.request("schema", expr.to_json(), None).await?;
        let Value::Array(items) = answer else {
            return Err(PeerError::Protocol(format!(
                "schema: expected an array, got {answer}"
            )));
        };
        items
            .into_iter()
            .map(
                |item| match (item.get("path").and_then(Value::as_str), item.get("schema")) {
                    (Some(p), Some(s)) => Ok((p.to_owned(), s.clone())),
                    _ => Err(PeerError::Protocol(format!(
                        "schema: expected {{\"path\",\"schema\"}}, got {item}"
                    ))),
                },
            )
            .collect()
    }
}

/// One served value: the lock the handlers take, and the last published value of each
/// state (as JSON text), so only real changes are published. The published values are
/// only touched under a lock of the value: the write lock (sets, `&mut self` methods,
/// updates) or a read lock with `publishing` held (`changed()` of a handle or a method's
/// context), so they follow the order of the writes.
pub(crate) struct Instance<T> {
    value: RwLock<T>,
    peer: Peer,
    /// Where the value is served (for the handles in method contexts).
    mount: Arc<str>,
    /// Each state with its full path.
    states: Vec<(StateInfo<T>, String)>,
    published: Mutex<Vec<String>>,
    /// Held for a whole publish (see [`Instance::publish`]).
    publishing: tokio::sync::Mutex<()>,
    /// Some state is computed by a getter: a remote set republishes.
    has_computed: bool,
    /// Never read: event fields hold it weakly and send only while it lives, so they stop
    /// when the instance goes away.
    _alive: Arc<()>,
}

impl<T: Node> Instance<T> {
    fn new(
        peer: Peer,
        mount: &str,
        states: Vec<StateInfo<T>>,
        value: T,
    ) -> Result<Self, TypedError> {
        let alive = Arc::new(());
        let mut published = Vec::with_capacity(states.len());
        let mut with_paths = Vec::with_capacity(states.len());
        for info in states {
            let full = join(mount, &info.path);
            let initial = match &info.event {
                Some(bind) => bind(
                    &value,
                    Sink {
                        peer: peer.clone(),
                        path: full.as_str().into(),
                        alive: Arc::downgrade(&alive),
                    },
                )
                .to_string(),
                None => {
                    let mut text = Vec::new();
                    (info.get)(&value, &mut text).map_err(|e| TypedError::Encode {
                        path: full.clone(),
                        message: e.to_string(),
                    })?;
                    String::from_utf8_lossy(&text).into_owned()
                }
            };
            published.push(initial);
            with_paths.push((info, full));
        }
        Ok(Instance {
            has_computed: with_paths.iter().any(|(info, _)| info.computed),
            value: RwLock::new(value),
            peer,
            mount: mount.into(),
            states: with_paths,
            published: Mutex::new(published),
            publishing: tokio::sync::Mutex::new(()),
            _alive: alive,
        })
    }

    fn into_value(self) -> T {
        self.value.into_inner()
    }

    fn lock_published(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.published.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A read lock: what `&self` methods hold.
    pub(crate) async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.value.read().await
    }

    /// The write lock: what `&mut self` methods, sets and updates hold.
    pub(crate) async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.value.write().await
    }

    /// Publish `change` for each state whose serialised value differs from the last
    /// published one. It takes the write guard, so the published values follow the order
    /// of the writes. Each state is encoded into one reused buffer and compared as text:
    /// an unchanged state costs its encoding and no allocation.
    ///
    /// All or nothing per call: every state is encoded first, and if one fails (a
    /// non-finite float, a failing `Serialize`), nothing is marked or sent and the error
    /// names that state; the next publish that succeeds sends all the changes. A `change`
    /// the peer fails to send is not marked published either, so it is sent again next
    /// time rather than lost.
    pub(crate) async fn publish(&self, value: &T) -> Result<(), TypedError> {
        // Publishes under a read lock (a `Handle::changed`) may run side by side: one at a
        // time, so a later diff is never sent before an earlier one.
        let _publishing = self.publishing.lock().await;
        let changed = {
            let published = self.lock_published();
            let mut changed = Vec::new();
            let mut now = Vec::with_capacity(256);
            for (index, ((info, full), last)) in
                self.states.iter().zip(published.iter()).enumerate()
            {
                if info.event.is_some() {
                    // Sent by `Event::emit` when emitted; diffing would resend one.
                    continue;
                }
                now.clear();
                (info.get)(value, &mut now).map_err(|e| TypedError::Encode {
                    path: full.clone(),
                    message: e.to_string(),
                })?;
                if now != last.as_bytes() {
                    changed.push((index, String::from_utf8_lossy(&now).into_owned()));
                }
            }
            changed
        };
        if changed.is_empty() {
            return Ok(());
        }
        let previous: Vec<(usize, String)> = {
            let mut published = self.lock_published();
            changed
                .iter()
                .map(|(index, now)| {
                    (
                        *index,
                        std::mem::replace(&mut published[*index], now.clone()),
                    )
                })
                .collect()
        };
        let sends = changed.into_iter().map(|(index, now)| async move {
            self.peer.change_text(&self.states[index].1, &now).await
        });
        let outcomes = join_all(sends).await;
        let mut first_error = None;
        {
            let mut published = self.lock_published();
            for (outcome, (index, old)) in outcomes.into_iter().zip(previous) {
                if let Err(e) = outcome {
                    published[index] = old;
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Run a method's body under the lock its receiver asks for, with a fresh
    /// [`Context`]. A `&mut self` method, and a `&self` method that called
    /// [`Context::changed`], publish what changed before the answer goes out; if that
    /// fails, the caller learns it (`-32603`) instead of the bus silently keeping the old
    /// values. A `&self` method publishes under the read lock it already holds (publishes
    /// are serialised by `publishing`, and writers cannot run meanwhile). A panic in the
    /// method is answered at once with `-32603` and the service keeps running; what a
    /// `&mut self` method changed before it panicked stays in the value and is published
    /// like any other change (the lock does not poison).
    pub(crate) async fn run(self: &Arc<Self>, path: &str, body: Body<T>) -> CallResult {
        let ctx = Context::new(
            Handle::root(Arc::downgrade(self), self.mount.clone()),
            self.peer.clone(),
        );
        match body {
            Body::Shared(f) => {
                let guard = self.read().await;
                let answer = unwind_to_error(path, f(&guard, &ctx)).await;
                if !ctx.was_changed() {
                    return answer;
                }
                self.published_answer(path, answer, &guard).await
            }
            Body::Exclusive(f) => {
                let mut guard = self.write().await;
                let answer = unwind_to_error(path, f(&mut guard, &ctx)).await;
                self.published_answer(path, answer, &guard).await
            }
        }
    }

    /// Publish after a method ran: its answer, or `-32603` if publishing failed.
    async fn published_answer(&self, path: &str, answer: CallResult, value: &T) -> CallResult {
        match self.publish(value).await {
            Ok(()) => answer,
            Err(e) => Err(internal_error(format!(
                "`{path}` ran, but publishing its changes failed: {e}"
            ))),
        }
    }

    /// A remote set of state `index`: decode, validate, store; the peer then answers and
    /// publishes the stored value, unless it is the value already published.
    async fn set(&self, index: usize, requested: Value) -> crate::peer::SetResult {
        let (info, full) = &self.states[index];
        let set = info
            .set
            .as_ref()
            .expect("only writable states get a set handler");
        let mut value = self.value.write().await;
        match set(&mut value, requested) {
            Ok(stored) => {
                // A set to the value fetchers already have is answered but publishes no
                // `change`, as `update` publishes none for an unchanged field.
                let unchanged = {
                    let mut published = self.lock_published();
                    let unchanged = published[index] == stored.text;
                    published[index] = stored.text;
                    unchanged
                };
                if !unchanged && self.has_computed {
                    // Getters may derive from the state just set: publish them now (the
                    // set state itself is published by the peer with the answer, so its
                    // `change` follows theirs). Their failure must not fail the set,
                    // which is stored: they are published by the next successful publish.
                    if let Err(e) = self.publish(&value).await {
                        tracing::warn!(path = %full, error = %e, "publishing computed states after a set failed");
                    }
                }
                let reply = SetReply::adjusted(stored.value);
                Ok(if unchanged {
                    reply.without_change()
                } else {
                    reply
                })
            }
            Err(e) => Err(e.into_error_object(full)),
        }
    }
}

/// A value served on the bus. Dropping it removes its states and methods.
pub struct Served<T> {
    instance: Arc<Instance<T>>,
    path: String,
    states: Vec<State>,
    methods: Vec<Method>,
}

impl<T> std::fmt::Debug for Served<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served").field("path", &self.path).finish()
    }
}

impl<T: Node> Served<T> {
    /// Where the value is served.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Read the value (waits while a `&mut self` method, a set or an update runs).
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.instance.read().await
    }

    /// Change the value and publish `change` for exactly the states whose serialised value
    /// changed. Holds the write lock until the daemon has taken the changes, so a
    /// concurrent remote set cannot be published out of order.
    ///
    /// All or nothing: every state is encoded before anything is sent. If one cannot be
    /// encoded ([`TypedError::Encode`]: a non-finite float, a map with non-string keys,
    /// ...), nothing is published and the error names the state; the value keeps what `f`
    /// did, and the next `update` (or `&mut self` method) that encodes publishes every
    /// change since the last publish. A `change` the peer failed to send is sent again
    /// by the next publish.
    pub async fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, TypedError> {
        let mut value = self.instance.write().await;
        let out = f(&mut value);
        self.instance.publish(&*value).await?;
        Ok(out)
    }

    /// Remove every state and method and wait for the daemon's answers.
    pub async fn remove(self) -> Result<(), TypedError> {
        try_join_all(self.states.into_iter().map(State::remove)).await?;
        try_join_all(self.methods.into_iter().map(Method::remove)).await?;
        Ok(())
    }

    /// A cheap clonable [`Handle`] for background tasks: `read`, `update` and `changed`
    /// from anywhere. It does not keep the value served.
    pub fn handle(&self) -> Handle<T> {
        Handle::new(&self.instance, &self.path)
    }

    /// Remove every state and method, then give the value back (to serve it elsewhere,
    /// on another peer or path). Waits for method calls still running on it; [`Handle`]s
    /// fail with [`TypedError::NotFound`] from then on. If the elements cannot be removed
    /// (the connection is gone), the error is returned and the value is lost with the
    /// elements' handles, as when dropping `Served`.
    pub async fn into_inner(self) -> Result<T, TypedError> {
        let Served {
            instance,
            path,
            states,
            methods,
        } = self;
        let removed = future::join(
            try_join_all(states.into_iter().map(State::remove)),
            try_join_all(methods.into_iter().map(Method::remove)),
        )
        .await;
        removed.0?;
        removed.1?;
        // The method handlers (each holding the instance) are gone with the elements; a
        // call that was already running holds it until it returns. Wait for it: it holds
        // the lock while it runs, and lets go of the instance right after. Bounded: a
        // handle's operation only holds it for one lock.
        let mut instance = instance;
        for _ in 0..1000 {
            drop(instance.write().await);
            match Arc::try_unwrap(instance) {
                Ok(instance) => return Ok(instance.into_value()),
                Err(shared) => instance = shared,
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        Err(TypedError::StillInUse(path))
    }

    /// The full paths of the states, in field order.
    pub fn state_paths(&self) -> impl Iterator<Item = &str> {
        self.states.iter().map(State::path)
    }

    /// The full paths of the methods, in declaration order.
    pub fn method_paths(&self) -> impl Iterator<Item = &str> {
        self.methods.iter().map(Method::path)
    }
}

/// Await a method's future; a panic in it becomes `-32603` with a message that says so
/// (and the panic's own message in `data.message`).
async fn unwind_to_error(
    path: &str,
    method: impl std::future::Future<Output = CallResult>,
) -> CallResult {
    match std::panic::AssertUnwindSafe(method).catch_unwind().await {
        Ok(answer) => answer,
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned());
            tracing::error!(method = path, panic = %detail, "a method panicked");
            Err(custom_error(
                codes::INTERNAL_ERROR,
                format!("method `{path}` panicked"),
                Some(serde_json::json!({ "message": detail })),
            ))
        }
    }
}
