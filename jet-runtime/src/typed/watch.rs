//! The stream a generated client's `watch_<field>()` returns: one state's values, typed,
//! across the service going away and coming back.
//!
//! A Jet fetch outlives the elements it matches: when the service removes the state (or
//! its connection closes) the daemon sends `remove`, and when a peer serves the path again
//! it sends `add`. The stream passes that on as [`Watched::Absent`] and then the new
//! value, so a watcher needs no code to resubscribe after a service restart.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use super::client::decode;
use super::TypedError;
use crate::peer::{EventKind, FetchEvent, FetchStream};

/// One item of a [`Watch`]: the state's value, or that nothing is served at its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched<F> {
    /// The state's value: the current one when the watch starts or the state comes back,
    /// then each change.
    Value(F),
    /// Nothing is served at the path: not yet (the first item of a watch started before
    /// the service), or no more (the service removed the state, or its peer went away).
    /// The watch goes on: a [`Watched::Value`] follows when some peer serves it again.
    Absent,
}

impl<F> Watched<F> {
    /// The value, if there is one.
    pub fn into_value(self) -> Option<F> {
        match self {
            Watched::Value(v) => Some(v),
            Watched::Absent => None,
        }
    }

    /// Whether nothing is served at the path.
    pub fn is_absent(&self) -> bool {
        matches!(self, Watched::Absent)
    }
}

/// The values of one state as a stream of [`Watched<F>`] items, as a generated client's
/// `watch_<field>()` returns it. It ends only when the peer is closed for good (or the
/// daemon drops the fetch); dropping it unfetches.
///
/// `Absent` is reported once per absence: first if the state is not served when the watch
/// starts, then each time it goes. A value that does not decode into `F` is an `Err` item
/// and the stream goes on.
pub struct Watch<F> {
    stream: FetchStream,
    path: String,
    /// Whether the state is there as far as this stream has told.
    present: bool,
    /// The absence found when the watch started, still to be reported.
    absent_first: bool,
    done: bool,
    _value: PhantomData<fn() -> F>,
}

impl<F> std::fmt::Debug for Watch<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("path", &self.path)
            .field("present", &self.present)
            .finish()
    }
}

impl<F> Watch<F> {
    /// A watch on `stream` (a fetch of exactly `path`); `there`: whether the state was
    /// served when the fetch was set up.
    pub(super) fn new(stream: FetchStream, path: String, there: bool) -> Self {
        Watch {
            stream,
            path,
            present: there,
            absent_first: !there,
            done: false,
            _value: PhantomData,
        }
    }

    /// The path of the watched state.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl<F: DeserializeOwned> Stream for Watch<F> {
    type Item = Result<Watched<F>, TypedError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if std::mem::take(&mut self.absent_first) {
            return Poll::Ready(Some(Ok(Watched::Absent)));
        }
        loop {
            let event = match self.stream.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(event)) => event,
            };
            match event {
                FetchEvent::Element(e) => match (e.kind, e.value) {
                    (EventKind::Remove, _) => {
                        if std::mem::replace(&mut self.present, false) {
                            return Poll::Ready(Some(Ok(Watched::Absent)));
                        }
                    }
                    (_, Some(value)) => {
                        self.present = true;
                        return Poll::Ready(Some(decode(&self.path, value).map(Watched::Value)));
                    }
                    // A method at that path: nothing to decode.
                    (_, None) => {}
                },
                // Sorted windows do not occur for a path-equals fetch; after a reconnect the
                // current value arrives again as an `Add` (and nothing if it went meanwhile:
                // the next `Add` is the next value).
                FetchEvent::Window(_) | FetchEvent::Resumed => {}
            }
        }
    }
}
