//! Events: [`Event<T>`], a field type whose state carries one event per `change`, and
//! [`Events<T>`], the typed stream a generated client returns for it.
//!
//! An event stream is an ordinary fetch-only state (so every Jet peer can fetch it, with
//! no protocol extension) whose value is `{"seq": n, "event": <T>}`: `seq` counts the
//! events of the field, so two equal events are still two `change`s. The state's value
//! before the first event is `{"seq": <n so far>, "event": null}`; its schema says
//! `"x-jet-event": true` and `"readOnly": true`.
//!
//! Events are sent when they are emitted, not diffed: the publish of an `update` or a
//! `&mut self` method never resends one, and an event emitted inside a method reaches
//! fetchers before the state changes that method publishes when it returns.

use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::Poll;

use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::finite::to_json;
use super::TypedError;
use crate::peer::{EventKind, FetchEvent, FetchStream, Peer};

/// A stream of events of type `T`, served as the fetch-only state of a field marked
/// `#[jet(event)]`: `emit` sends one `change` per event. Clones are the same stream:
/// keep one in a background task and emit from there, also while the value is served
/// (`emit` takes `&self`, no lock of the served value).
///
/// The state's value is `{"seq": n, "event": <T>}`: `seq` counts the events of the field,
/// so two equal events are still two `change`s; before the first event it is
/// `{"seq": <n so far>, "event": null}`. Its schema says `"x-jet-event": true` and
/// `"readOnly": true`. Any Jet peer can fetch it; the generated client's `<field>()`
/// decodes it into [`Events<T>`]. Events are not part of the diff publish (see
/// [Publishing](crate::typed#publishing)): an event emitted inside a method reaches
/// fetchers before the state changes the method publishes when it returns. An `Event`
/// belongs to one served value at a time (serving binds it; the last serve wins).
///
/// ```no_run
/// use jet_runtime::prelude::*;
/// use jet_runtime::Event;
///
/// #[derive(Clone, Serialize, Deserialize, JsonSchema)]
/// pub struct Alarm {
///     code: u16,
/// }
///
/// #[derive(Default, Node)]
/// pub struct Boiler {
///     /// Raised alarms.
///     #[jet(event)]
///     alarms: Event<Alarm>,
/// }
///
/// # async fn demo(peer: Peer) -> Result<(), TypedError> {
/// let boiler = Boiler::default();
/// let alarms = boiler.alarms.clone();
/// let _served = peer.serve("boiler", boiler).await?;
/// alarms.emit(Alarm { code: 7 }).await?; // one `change` of `boiler/alarms`
///
/// // Another peer: only the events after subscribing.
/// let mut stream = BoilerClient::new(&peer, "boiler").alarms().await?;
/// # let _ = &mut stream;
/// # Ok(()) }
/// ```
pub struct Event<T> {
    shared: Arc<Shared>,
    _payload: PhantomData<fn(T)>,
}

struct Shared {
    slot: Mutex<Slot>,
    /// Held across a send, so events reach the daemon in `seq` order.
    sending: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Slot {
    /// Events sent so far.
    seq: u64,
    /// Where to send them while served.
    sink: Option<Sink>,
}

/// Where a served event field sends its events: the state's path on the serving peer,
/// while the served value (`alive`, held by its instance) exists.
#[derive(Clone)]
pub(crate) struct Sink {
    pub(crate) peer: Peer,
    pub(crate) path: Arc<str>,
    pub(crate) alive: Weak<()>,
}

impl<T> Default for Event<T> {
    fn default() -> Self {
        Event {
            shared: Arc::new(Shared {
                slot: Mutex::new(Slot::default()),
                sending: tokio::sync::Mutex::new(()),
            }),
            _payload: PhantomData,
        }
    }
}

impl<T> Clone for Event<T> {
    fn clone(&self) -> Self {
        Event {
            shared: self.shared.clone(),
            _payload: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Event<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let slot = self.slot();
        f.debug_struct("Event")
            .field("seq", &slot.seq)
            .field("path", &slot.sink.as_ref().map(|s| s.path.clone()))
            .finish()
    }
}

impl<T> Event<T> {
    /// A stream with no events yet, not served.
    pub fn new() -> Self {
        Self::default()
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.shared.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live sink, if the value is served.
    fn sink(&self) -> Option<Sink> {
        self.slot()
            .sink
            .clone()
            .filter(|s| s.alive.strong_count() > 0)
    }

    /// Whether the value this field belongs to is served (so `emit` sends).
    pub fn is_served(&self) -> bool {
        self.sink().is_some()
    }

    /// The full path of the event state while served.
    pub fn path(&self) -> Option<String> {
        self.sink().map(|s| s.path.to_string())
    }

    /// How many events were sent so far (the `seq` of the last one).
    pub fn count(&self) -> u64 {
        self.slot().seq
    }

    /// Send from now on to `sink`; the state's initial value.
    pub(crate) fn bind(&self, sink: Sink) -> Value {
        let mut slot = self.slot();
        slot.sink = Some(sink);
        json!({ "seq": slot.seq, "event": null })
    }
}

impl<T: Serialize> Event<T> {
    /// Send `event` to every fetcher of the state: one `change` with the next `seq`.
    /// Resolves when the daemon has taken it; events of one stream are sent one at a time,
    /// in the order of the calls.
    ///
    /// Fails with [`TypedError::NotServed`] while the value is not served (before
    /// `serve`, after its `Served` is dropped, removed or taken apart), with
    /// [`TypedError::Encode`] if the event cannot be encoded (non-finite floats are
    /// refused), and with the peer's error if the `change` fails; a failed event is not
    /// counted.
    pub async fn emit(&self, event: T) -> Result<(), TypedError> {
        let _sending = self.shared.sending.lock().await;
        let sink = self.sink().ok_or(TypedError::NotServed)?;
        let event = to_json(&event).map_err(|e| TypedError::Encode {
            path: sink.path.to_string(),
            message: e.to_string(),
        })?;
        let seq = self.slot().seq + 1;
        sink.peer
            .change(&sink.path, json!({ "seq": seq, "event": event }))
            .await?;
        self.slot().seq = seq;
        Ok(())
    }
}

/// What `#[jet(event)]` needs of a field's type: to be an [`Event`] (named by the
/// generated code; implemented for `Event<T>` only).
#[diagnostic::on_unimplemented(
    message = "`#[jet(event)]` needs a field of type `jet_runtime::Event<T>`, not `{Self}`",
    label = "not an `Event<T>`",
    note = "make the field `jet_runtime::Event<YourEvent>`, or remove `event` to serve it as a state"
)]
pub trait EventField {
    /// The events' type.
    type Payload;
    /// The field as the event stream.
    fn event_stream(&self) -> &Event<Self::Payload>;
}

impl<T> EventField for Event<T> {
    type Payload = T;

    fn event_stream(&self) -> &Event<T> {
        self
    }
}

/// The events of one `#[jet(event)]` field as a stream of `T`, as a generated client's
/// `<field>()` returns them: only events emitted after the fetch began (the state's
/// current value is the last event, which is skipped), each decoded from the `change`'s
/// `event` member. The stream ends when the state is removed; dropping it unfetches.
pub struct Events<T> {
    stream: FetchStream,
    path: String,
    done: bool,
    _payload: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Events<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").field("path", &self.path).finish()
    }
}

impl<T> Events<T> {
    pub(crate) fn new(stream: FetchStream, path: String) -> Self {
        Events {
            stream,
            path,
            done: false,
            _payload: PhantomData,
        }
    }

    /// The path of the event state.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl<T: DeserializeOwned> Stream for Events<T> {
    type Item = Result<T, TypedError>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        loop {
            match self.stream.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(FetchEvent::Element(e))) => match (e.kind, e.value) {
                    (EventKind::Remove, _) => {
                        self.done = true;
                        return Poll::Ready(None);
                    }
                    (EventKind::Change, Some(mut value)) => {
                        let event = value
                            .get_mut("event")
                            .map(Value::take)
                            .unwrap_or(Value::Null);
                        return Poll::Ready(Some(super::client::decode(&self.path, event)));
                    }
                    // The current value when the fetch begins (or again after a
                    // reconnect): an event from before, not a new one.
                    (EventKind::Add, _) | (EventKind::Change, None) => continue,
                },
                Poll::Ready(Some(FetchEvent::Window(_) | FetchEvent::Resumed)) => continue,
            }
        }
    }
}
