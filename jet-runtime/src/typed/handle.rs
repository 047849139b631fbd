//! [`Handle`]: a cheap, clonable reference to a served value, for background tasks (a
//! sensor loop, a timer) that change the value or publish changes made through interior
//! mutability, without owning the [`Served`](super::Served) that keeps it on the bus.

use std::sync::{Arc, Weak};

use super::serve::Instance;
use super::{Node, TypedError};

/// A clonable reference to a value served with [`Peer::serve`](crate::peer::Peer::serve),
/// from [`Served::handle`](super::Served::handle).
///
/// It does not keep the value served: once the [`Served`](super::Served) is dropped,
/// removed or taken apart with [`into_inner`](super::Served::into_inner), every operation
/// fails with [`TypedError::NotFound`] naming the mount path. Its operations take the same
/// lock as methods, sets and [`Served::update`](super::Served::update) (see the
/// [module docs](crate::typed)): do not call them from inside a method of the same value
/// (a `&self` method holds the read lock, a `&mut self` method the write lock; waiting for
/// the lock there would wait for itself).
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
    instance: Weak<Instance<T>>,
    path: Arc<str>,
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Handle {
            instance: self.instance.clone(),
            path: self.path.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").field("path", &self.path).finish()
    }
}

impl<T: Node> Handle<T> {
    pub(crate) fn new(instance: &Arc<Instance<T>>, path: &str) -> Self {
        Handle {
            instance: Arc::downgrade(instance),
            path: path.into(),
        }
    }

    fn instance(&self) -> Result<Arc<Instance<T>>, TypedError> {
        self.instance
            .upgrade()
            .ok_or_else(|| TypedError::NotFound(self.path.to_string()))
    }

    /// Where the value is served.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the value can still be reached: false once its `Served` was dropped,
    /// removed or taken apart and no method call on it is still running.
    pub fn is_served(&self) -> bool {
        self.instance.strong_count() > 0
    }

    /// Run `f` on the value under a read lock (like a `&self` method) and return what it
    /// returns. Publishes nothing: call [`changed`](Handle::changed) after changing the
    /// value through interior mutability.
    pub async fn read<R>(&self, f: impl FnOnce(&T) -> R) -> Result<R, TypedError> {
        let instance = self.instance()?;
        let value = instance.read().await;
        Ok(f(&value))
    }

    /// [`Served::update`](super::Served::update) from anywhere: change the value under the
    /// write lock and publish `change` for exactly the states whose JSON changed, all or
    /// nothing.
    pub async fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, TypedError> {
        let instance = self.instance()?;
        let mut value = instance.write().await;
        let out = f(&mut value);
        instance.publish(&value).await?;
        Ok(out)
    }

    /// Publish what changed without going through `&mut`: under a read lock, diff every
    /// state against what was last published and send `change` for those that differ
    /// (all or nothing, as for `update`). For values changed through a `Mutex`, an atomic
    /// or a cell.
    pub async fn changed(&self) -> Result<(), TypedError> {
        let instance = self.instance()?;
        let value = instance.read().await;
        instance.publish(&value).await
    }
}
