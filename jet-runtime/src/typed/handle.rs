//! [`Handle`]: a cheap, clonable reference to a served value, for background tasks (a
//! sensor loop, a timer) that change the value or publish changes made through interior
//! mutability, without owning the [`Served`](super::Served) that keeps it on the bus.
//!
//! A handle reaches the served value through a [`Target`]: the served value itself
//! ([`Root`]), or a nested `#[jet(node)]` field of it ([`Projected`], what a nested node's
//! method gets from its [`Context`](super::Context)). Both lock and publish the whole
//! served value, as nested methods do.

use std::sync::{Arc, Weak};

use futures_util::future::BoxFuture;
use futures_util::FutureExt;

use super::serve::Instance;
use super::{Node, TypedError};

/// A clonable reference to a value served with [`Peer::serve`](crate::peer::Peer::serve),
/// from [`Served::handle`](super::Served::handle) or a method's
/// [`Context::handle`](super::Context::handle).
///
/// It does not keep the value served: once the [`Served`](super::Served) is dropped,
/// removed or taken apart with [`into_inner`](super::Served::into_inner), every operation
/// fails with [`TypedError::NotFound`] naming the mount path. Its operations take the same
/// lock as methods, sets and [`Served::update`](super::Served::update) (see the
/// [module docs](crate::typed)): do not await them inside a method of the same value
/// (a `&self` method holds the read lock, a `&mut self` method the write lock; waiting for
/// the lock there would wait for itself). Inside a method, use
/// [`Context::changed`](super::Context::changed) instead, or spawn a task.
///
/// The handle of a nested `#[jet(node)]` field (from the context of that node's method)
/// runs on the field, but locks and publishes the whole served value.
///
/// ```no_run
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use jet_runtime::prelude::*;
///
/// #[derive(Default, Node)]
/// pub struct Counter {
///     #[jet(read_only)]
///     ticks: u64,
///     /// Changed through interior mutability: published by `changed()`.
///     #[jet(read_only)]
///     pulses: AtomicU64,
/// }
///
/// # async fn demo(peer: Peer) -> Result<(), TypedError> {
/// let served = peer.serve("counter", Counter::default()).await?;
/// let handle = served.handle();
/// tokio::spawn(async move {
///     // One `change` for `ticks`.
///     handle.update(|c| c.ticks += 1).await?;
///     handle.read(|c| c.pulses.fetch_add(1, Ordering::Relaxed)).await?;
///     // One `change` for `pulses`: diffs every state against what was published.
///     handle.changed().await
/// });
/// # Ok(()) }
/// ```
pub struct Handle<T> {
    target: Arc<dyn Target<T>>,
    path: Arc<str>,
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Handle {
            target: self.target.clone(),
            path: self.path.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").field("path", &self.path).finish()
    }
}

/// A closure run on the value under a lock; type-erased so a [`Projected`] target can
/// wrap it in the projection of its field.
type OnShared<'a, T> = Box<dyn FnOnce(&T) + Send + 'a>;
type OnExclusive<'a, T> = Box<dyn FnOnce(&mut T) + Send + 'a>;

/// What a [`Handle`] operates on.
trait Target<T>: Send + Sync {
    /// Run `f` under the read lock.
    fn read<'a>(&'a self, f: OnShared<'a, T>) -> BoxFuture<'a, Result<(), TypedError>>;
    /// Run `f` under the write lock, then publish what changed.
    fn update<'a>(&'a self, f: OnExclusive<'a, T>) -> BoxFuture<'a, Result<(), TypedError>>;
    /// Publish what changed, under the read lock.
    fn changed(&self) -> BoxFuture<'_, Result<(), TypedError>>;
    /// Whether the served value still exists.
    fn is_served(&self) -> bool;
}

/// The served value itself.
struct Root<T> {
    instance: Weak<Instance<T>>,
    path: Arc<str>,
}

impl<T: Node> Root<T> {
    fn instance(&self) -> Result<Arc<Instance<T>>, TypedError> {
        self.instance
            .upgrade()
            .ok_or_else(|| TypedError::NotFound(self.path.to_string()))
    }
}

impl<T: Node> Target<T> for Root<T> {
    fn read<'a>(&'a self, f: OnShared<'a, T>) -> BoxFuture<'a, Result<(), TypedError>> {
        async move {
            let instance = self.instance()?;
            let value = instance.read().await;
            f(&value);
            Ok(())
        }
        .boxed()
    }

    fn update<'a>(&'a self, f: OnExclusive<'a, T>) -> BoxFuture<'a, Result<(), TypedError>> {
        async move {
            let instance = self.instance()?;
            let mut value = instance.write().await;
            f(&mut value);
            instance.publish(&value).await
        }
        .boxed()
    }

    fn changed(&self) -> BoxFuture<'_, Result<(), TypedError>> {
        async move {
            let instance = self.instance()?;
            let value = instance.read().await;
            instance.publish(&value).await
        }
        .boxed()
    }

    fn is_served(&self) -> bool {
        self.instance.strong_count() > 0
    }
}

/// A nested node field of what `outer` reaches.
struct Projected<O, T> {
    outer: Arc<dyn Target<O>>,
    project: fn(&O) -> &T,
    project_mut: fn(&mut O) -> &mut T,
}

impl<O: 'static, T: 'static> Target<T> for Projected<O, T> {
    fn read<'a>(&'a self, f: OnShared<'a, T>) -> BoxFuture<'a, Result<(), TypedError>> {
        let project = self.project;
        self.outer.read(Box::new(move |o: &O| f(project(o))))
    }

    fn update<'a>(&'a self, f: OnExclusive<'a, T>) -> BoxFuture<'a, Result<(), TypedError>> {
        let project_mut = self.project_mut;
        self.outer
            .update(Box::new(move |o: &mut O| f(project_mut(o))))
    }

    fn changed(&self) -> BoxFuture<'_, Result<(), TypedError>> {
        self.outer.changed()
    }

    fn is_served(&self) -> bool {
        self.outer.is_served()
    }
}

impl<T: Node> Handle<T> {
    pub(crate) fn new(instance: &Arc<Instance<T>>, path: &str) -> Self {
        Self::root(Arc::downgrade(instance), path.into())
    }

    pub(crate) fn root(instance: Weak<Instance<T>>, path: Arc<str>) -> Self {
        Handle {
            target: Arc::new(Root {
                instance,
                path: path.clone(),
            }),
            path,
        }
    }
}

impl<T: 'static> Handle<T> {
    /// The handle of the nested node `project` reaches, served at `<path>/<prefix>`.
    pub(crate) fn project<U: 'static>(
        &self,
        prefix: &str,
        project: fn(&T) -> &U,
        project_mut: fn(&mut T) -> &mut U,
    ) -> Handle<U> {
        Handle {
            target: Arc::new(Projected {
                outer: self.target.clone(),
                project,
                project_mut,
            }),
            path: super::schema::join(&self.path, prefix).into(),
        }
    }

    /// Where the value (or the nested node) is served.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the value can still be reached: false once its `Served` was dropped,
    /// removed or taken apart and no method call on it is still running.
    pub fn is_served(&self) -> bool {
        self.target.is_served()
    }

    /// Run `f` on the value under a read lock (like a `&self` method) and return what it
    /// returns. Publishes nothing: call [`changed`](Handle::changed) after changing the
    /// value through interior mutability.
    pub async fn read<R: Send>(&self, f: impl FnOnce(&T) -> R + Send) -> Result<R, TypedError> {
        let mut out = None;
        self.target
            .read(Box::new(|value: &T| out = Some(f(value))))
            .await?;
        Ok(out.expect("the target ran the closure"))
    }

    /// [`Served::update`](super::Served::update) from anywhere: change the value under the
    /// write lock and publish `change` for exactly the states whose JSON changed, all or
    /// nothing.
    pub async fn update<R: Send>(
        &self,
        f: impl FnOnce(&mut T) -> R + Send,
    ) -> Result<R, TypedError> {
        let mut out = None;
        let published = self
            .target
            .update(Box::new(|value: &mut T| out = Some(f(value))))
            .await;
        // Like `Served::update`, an encode failure is reported after `f` ran.
        published?;
        Ok(out.expect("the target ran the closure"))
    }

    /// Publish what changed without going through `&mut`: under a read lock, diff every
    /// state against what was last published and send `change` for those that differ
    /// (all or nothing, as for `update`). For values changed through a `Mutex`, an atomic
    /// or a cell.
    pub async fn changed(&self) -> Result<(), TypedError> {
        self.target.changed().await
    }
}
