//! Serving a [`Node`]: [`Peer::serve`] adds its states and methods, [`Served`] keeps them,
//! [`Instance`] is the served value with what was last published of it.

use std::collections::HashSet;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex};

use futures_util::future::try_join_all;
use serde_json::Value;
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::node::StateInfo;
use super::schema::join;
use super::{Node, TypedError};
use crate::fetch::builder::Fetch;
use crate::peer::{Method, Peer, PeerError, SetReply, State};

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
        let mut adds = Vec::with_capacity(instance.states.len());
        for (index, ((info, full), initial)) in instance.states.iter().zip(published).enumerate() {
            let mut builder = self.add_state(full.clone(), initial).schema(info.schema());
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
            adds.push(builder.into_future());
        }
        let added_states = try_join_all(adds).await?;

        let mut adds = Vec::with_capacity(methods.len());
        for info in &methods {
            let full = join(&path, &info.path);
            let handler = info.handler.clone();
            let instance = instance.clone();
            let full_arc: Arc<str> = full.clone().into();
            let mut builder = self
                .add_method_async(full, move |args| {
                    handler(instance.clone(), full_arc.clone(), args)
                })
                .schema(info.schema());
            if let Some(access) = &info.access {
                builder = builder.access(access.clone());
            }
            adds.push(builder.into_future());
        }
        let added_methods = try_join_all(adds).await?;

        Ok(Served {
            instance,
            path,
            states: added_states,
            methods: added_methods,
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
/// state, so only real changes are published. The published values are only touched while
/// the write lock is held (sets, `&mut self` methods, updates), so they follow the order
/// of the writes.
pub struct Instance<T> {
    value: RwLock<T>,
    peer: Peer,
    /// Each state with its full path.
    states: Vec<(StateInfo<T>, String)>,
    published: Mutex<Vec<Value>>,
}

impl<T: Node> Instance<T> {
    fn new(
        peer: Peer,
        mount: &str,
        states: Vec<StateInfo<T>>,
        value: T,
    ) -> Result<Self, TypedError> {
        let mut published = Vec::with_capacity(states.len());
        let mut with_paths = Vec::with_capacity(states.len());
        for info in states {
            let full = join(mount, &info.path);
            published.push((info.get)(&value).map_err(|e| TypedError::Encode {
                path: full.clone(),
                message: e.to_string(),
            })?);
            with_paths.push((info, full));
        }
        Ok(Instance {
            value: RwLock::new(value),
            peer,
            states: with_paths,
            published: Mutex::new(published),
        })
    }

    fn lock_published(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.published.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A read lock: what `&self` methods hold.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.value.read().await
    }

    /// The write lock: what `&mut self` methods, sets and updates hold.
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.value.write().await
    }

    /// Publish `change` for each state whose serialised value differs from the last
    /// published one. It takes the write guard, so the published values follow the order
    /// of the writes.
    pub(crate) async fn publish(&self, value: &RwLockWriteGuard<'_, T>) -> Result<(), TypedError> {
        let mut changes = Vec::new();
        {
            let mut published = self.lock_published();
            for ((info, full), last) in self.states.iter().zip(published.iter_mut()) {
                let now = (info.get)(&**value).map_err(|e| TypedError::Encode {
                    path: full.clone(),
                    message: e.to_string(),
                })?;
                if now != *last {
                    *last = now.clone();
                    changes.push(self.peer.change(full, now));
                }
            }
        }
        try_join_all(changes).await?;
        Ok(())
    }

    /// [`publish`](Self::publish) after a `&mut self` method: a failure cannot be reported
    /// to anyone but the log (the caller gets the method's own answer).
    pub async fn publish_after_method(&self, value: &RwLockWriteGuard<'_, T>) {
        if let Err(e) = self.publish(value).await {
            tracing::debug!(error = %e, "publishing the changes of a method failed");
        }
    }

    /// A remote set of state `index`: decode, validate, store; the peer then answers and
    /// publishes the stored value.
    async fn set(&self, index: usize, requested: Value) -> crate::peer::SetResult {
        let (info, full) = &self.states[index];
        let set = info
            .set
            .as_ref()
            .expect("only writable states get a set handler");
        let mut value = self.value.write().await;
        match set(&mut value, requested) {
            Ok(stored) => {
                self.lock_published()[index] = stored.clone();
                Ok(SetReply::adjusted(stored))
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
    pub async fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, TypedError> {
        let mut value = self.instance.write().await;
        let out = f(&mut value);
        self.instance.publish(&value).await?;
        Ok(out)
    }

    /// Remove every state and method and wait for the daemon's answers.
    pub async fn remove(self) -> Result<(), TypedError> {
        try_join_all(self.states.into_iter().map(State::remove)).await?;
        try_join_all(self.methods.into_iter().map(Method::remove)).await?;
        Ok(())
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
