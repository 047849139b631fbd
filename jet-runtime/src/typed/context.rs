//! [`Context`]: what a method may ask for besides its arguments.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::handle::Handle;
use crate::peer::Peer;

/// The context of one method call, for a method that takes `ctx: &Context<Self>` (in any
/// position of its arguments; it is not a wire argument, not in the method's schema and
/// not in the generated client's fn).
///
/// * [`changed`](Context::changed): the method changed the value behind interior
///   mutability (a `Mutex`, an atomic); the states whose JSON changed are published when
///   the method returns, before the caller gets its answer.
/// * [`handle`](Context::handle): a [`Handle`] to give a spawned task (it may not be
///   awaited inside the method itself: the method holds the lock it would wait for).
/// * [`peer`](Context::peer): the peer the value is served on, to call or fetch others.
/// * [`caller`](Context::caller): who called, where the daemon says so.
///
/// The context of a nested `#[jet(node)]` field's method is that of the field: its
/// [`path`](Context::path) is the nested node's, its handle reaches the field (locking
/// and publishing the whole served value, as the method itself does).
///
/// ```no_run
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use jet_runtime::prelude::*;
///
/// #[derive(Default, Node)]
/// pub struct Door {
///     #[jet(read_only)]
///     opened: AtomicU32,
/// }
///
/// #[jet_runtime::methods]
/// impl Door {
///     /// Runs under the read lock, alongside other `&self` calls.
///     pub fn open(&self, ctx: &jet_runtime::Context<Self>) -> u32 {
///         let n = self.opened.fetch_add(1, Ordering::Relaxed) + 1;
///         ctx.changed(); // `opened` is published before the caller gets `n`
///         n
///     }
/// }
/// ```
pub struct Context<T> {
    handle: Handle<T>,
    peer: Peer,
    /// Shared with the contexts projected from this one (nested methods), so a nested
    /// `changed()` reaches the call that publishes.
    changed: Arc<AtomicBool>,
}

impl<T: 'static> std::fmt::Debug for Context<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("path", &self.handle.path())
            .field("changed", &self.changed.load(Ordering::Relaxed))
            .finish()
    }
}

impl<T: 'static> Context<T> {
    pub(crate) fn new(handle: Handle<T>, peer: Peer) -> Self {
        Context {
            handle,
            peer,
            changed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The context of the nested node `project` reaches at `prefix`.
    pub(crate) fn project<U: 'static>(
        &self,
        prefix: &str,
        project: fn(&T) -> &U,
        project_mut: fn(&mut T) -> &mut U,
    ) -> Context<U> {
        Context {
            handle: self.handle.project(prefix, project, project_mut),
            peer: self.peer.clone(),
            changed: self.changed.clone(),
        }
    }

    /// Whether [`changed`](Context::changed) was called.
    pub(crate) fn was_changed(&self) -> bool {
        self.changed.load(Ordering::Acquire)
    }

    /// Publish when the method returns: every state of the served value whose JSON
    /// differs from what was last published gets a `change` (all or nothing, as for
    /// `update`), before the caller receives the answer. For `&self` methods that change
    /// the value through interior mutability; a `&mut self` method publishes anyway.
    /// If publishing fails, the caller gets `-32603` saying the method ran but its
    /// changes were not published.
    pub fn changed(&self) {
        self.changed.store(true, Ordering::Release);
    }

    /// A [`Handle`] to the served value (or to the nested node this method belongs to),
    /// for a task that outlives the call. Do not await its operations inside the method:
    /// they wait for the lock the method holds.
    pub fn handle(&self) -> Handle<T> {
        self.handle.clone()
    }

    /// The peer the value is served on: call other services, fetch, or serve more.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// Where this method's node is served (the mount path, or the nested node's path).
    pub fn path(&self) -> &str {
        self.handle.path()
    }

    /// The authenticated user who called, where the daemon forwards it. No daemon does
    /// today: a routed `call` reaches its owner with the element path and the arguments
    /// only (PROTOCOL.md A.5), so this is always `None`. Restrict who
    /// may call with access groups (`#[jet(access(call = [..]))]`) instead.
    pub fn caller(&self) -> Option<&str> {
        None
    }
}
