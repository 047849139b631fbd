//! Fetch streams: the daemon's notifications for one fetch id, as a `Stream`.
//!
//! Unsorted fetches yield one [`FetchEvent::Element`] per notification. Sorted fetches
//! yield a [`FetchEvent::Window`] per notification: the daemon sends only the positions that
//! changed plus the count `n` (PROTOCOL.md B §6.8), and the peer keeps the window (each
//! change written at `index - from`, then truncated to `n`), so consumers see the whole
//! window every time.
//!
//! The stream is registered before the `fetch` request goes out, so notifications that a
//! daemon sends before its response (cjet) are not lost. Dropping the stream unfetches.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::local::{Checked, LocalRules, Notice};
use super::nodes::{Deriver, Plan, Subject};
use super::{Peer, PeerError};
use crate::fetch::builder::Fetch;

/// What happened to an element, as a fetch reports it (`Add`, `Change`, `Remove`). The
/// one definition of the event names is the fetch engine's; this is it under its peer name.
pub use crate::fetch::engine::Event as EventKind;

/// One notification of an unsorted fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementEvent {
    /// Added, changed or removed (for this fetch).
    pub kind: EventKind,
    /// The element's path.
    pub path: String,
    /// The state's value (for `Remove`: its last value); `None` for methods.
    pub value: Option<Value>,
    /// This peer may not set or call the element.
    pub fetch_only: bool,
    /// What the event is about: a node (only in [`Fetch::nodes`] fetches), a state or a
    /// method.
    ///
    /// [`Fetch::nodes`]: crate::fetch::builder::Fetch::nodes
    pub subject: Subject,
}

/// An element in a sorted window or a `get` result.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// The element's path.
    pub path: String,
    /// `None` for methods.
    pub value: Option<Value>,
    /// This peer may not set or call the element.
    pub fetch_only: bool,
    /// 1-based position in the sorted list (sorted fetches only).
    pub index: Option<usize>,
}

impl Element {
    fn from_json(v: &Value) -> Option<Element> {
        Some(Element {
            path: v.get("path")?.as_str()?.to_owned(),
            value: v.get("value").cloned(),
            fetch_only: v.get("fetchOnly").and_then(Value::as_bool).unwrap_or(false),
            index: v
                .get("index")
                .and_then(Value::as_u64)
                .and_then(|i| usize::try_from(i).ok()),
        })
    }
}

/// The window of a sorted fetch after one notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// The first position of the window (the expression's `from`).
    pub from: usize,
    /// The elements in the window, in order: `entries[i]` is at position `from + i`.
    pub entries: Vec<Element>,
    /// The positions that changed with this notification.
    pub changes: Vec<Element>,
}

/// An item of a [`FetchStream`].
#[derive(Debug, Clone, PartialEq)]
pub enum FetchEvent {
    /// Unsorted fetch: an element was added, changed or removed.
    Element(ElementEvent),
    /// Sorted fetch: the window after a change.
    Window(Window),
    /// The connection was lost and re-established, and the fetch was set up again. Forget
    /// what you knew: the daemon now reports every matching element afresh (`Add`s, or a
    /// full window).
    Resumed,
}

/// The window a sorted fetch maintains from the differential changes.
#[derive(Debug, Clone)]
pub(crate) struct WindowState {
    from: usize,
    slots: Vec<Option<Element>>,
}

impl WindowState {
    pub(crate) fn new(from: usize) -> Self {
        WindowState {
            from: from.max(1),
            slots: Vec::new(),
        }
    }

    /// Apply `{"changes":[..],"n":n}`: write each change at `index - from`; the window is
    /// the first `n` slots (the daemon never reports vacated positions; `n` says where the
    /// window ends).
    ///
    /// Slots beyond `n` are kept rather than truncated away. The daemon compares against what
    /// it last reported at each position and does not re-send an element that returns to a
    /// position it occupied before the list shrank (PROTOCOL.md B §12, item 12); keeping the
    /// slot mirrors the daemon's memory, so such an element still shows up here.
    pub(crate) fn apply(&mut self, changes: Vec<Element>, n: usize) -> Window {
        for change in &changes {
            let Some(slot) = change.index.and_then(|i| i.checked_sub(self.from)) else {
                continue;
            };
            if slot >= self.slots.len() {
                self.slots.resize(slot + 1, None);
            }
            self.slots[slot] = Some(change.clone());
        }
        Window {
            from: self.from,
            entries: self.slots.iter().take(n).flatten().cloned().collect(),
            changes,
        }
    }

    fn reset(&mut self) {
        self.slots.clear();
    }
}

/// A fetch in the registry.
pub(crate) struct FetchEntry {
    /// The expression with its `id`, re-sent after a reconnect.
    pub(crate) expr: Value,
    tx: mpsc::UnboundedSender<FetchEvent>,
    /// `Some` for sorted fetches.
    window: Option<WindowState>,
    /// `Some` for a nodes fetch on a daemon without nodes (see `nodes`).
    deriver: Option<Box<Deriver>>,
    /// The value rules and sorting, applied here if the daemon does not (`None`: nothing
    /// to check).
    local: Option<LocalRules>,
}

impl FetchEntry {
    /// Turn one notification's params into a stream item. Returns a notice when the peer
    /// had to apply a rule the daemon did not (for the caller to report, unlocked).
    pub(crate) fn on_notification(&mut self, params: Value) -> Option<Notice> {
        let event = if let Some(changes) = params.get("changes") {
            // lua-jet encodes an empty list as `{}`.
            let changes: Vec<Element> = changes
                .as_array()
                .map(|a| a.iter().filter_map(Element::from_json).collect())
                .unwrap_or_default();
            let n = params
                .get("n")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            let window = self.window.get_or_insert_with(|| WindowState::new(1));
            FetchEvent::Window(window.apply(changes, n))
        } else {
            let Some(kind) = params
                .get("event")
                .and_then(Value::as_str)
                .and_then(EventKind::parse)
            else {
                tracing::debug!(%params, "ignoring a fetch notification without a known event");
                return None;
            };
            let path = params.get("path").and_then(Value::as_str)?;
            let element = ElementEvent {
                kind,
                path: path.to_owned(),
                value: params.get("value").cloned(),
                fetch_only: params
                    .get("fetchOnly")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                subject: Subject::of(&params),
            };
            let Some(local) = &mut self.local else {
                self.send_element(element);
                return None;
            };
            let (checked, notice) = local.element(element);
            match checked {
                Checked::Event(e) => self.send_element(e),
                Checked::Window(changes, n) => {
                    let window = self.window.get_or_insert_with(|| WindowState::new(1));
                    let _ = self.tx.send(FetchEvent::Window(window.apply(changes, n)));
                }
                Checked::Nothing => {}
            }
            return notice;
        };
        // The stream may be gone already (dropped, unfetch on its way).
        let _ = self.tx.send(event);
        None
    }

    /// Send one element event, through the node deriver when this is a nodes fetch on a
    /// daemon without nodes.
    fn send_element(&mut self, event: ElementEvent) {
        let Some(deriver) = self.deriver.as_mut() else {
            let _ = self.tx.send(FetchEvent::Element(event));
            return;
        };
        let mut out = Vec::new();
        deriver.apply(event, &mut out);
        for ev in out {
            let _ = self.tx.send(FetchEvent::Element(ev));
        }
    }

    /// Tell the stream the fetch starts over after a reconnect.
    pub(crate) fn resume(&mut self) {
        if let Some(w) = &mut self.window {
            w.reset();
        }
        if let Some(d) = &mut self.deriver {
            d.reset();
        }
        if let Some(local) = &mut self.local {
            local.reset();
        }
        let _ = self.tx.send(FetchEvent::Resumed);
    }
}

/// The notifications of one fetch. Dropping it unfetches.
pub struct FetchStream {
    peer: Peer,
    id: String,
    rx: mpsc::UnboundedReceiver<FetchEvent>,
    active: bool,
}

impl std::fmt::Debug for FetchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchStream").field("id", &self.id).finish()
    }
}

impl FetchStream {
    /// The fetch id this peer chose (the `method` of the notifications).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Stop fetching and wait for the daemon's answer.
    pub async fn unfetch(mut self) -> Result<(), PeerError> {
        self.active = false;
        let shared = &self.peer.inner.shared;
        shared.lock().fetches.remove(&self.id);
        shared
            .request("unfetch", json!({"id": self.id}), None)
            .await
            .map(drop)
    }
}

impl Stream for FetchStream {
    type Item = FetchEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<FetchEvent>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for FetchStream {
    fn drop(&mut self) {
        if !self.active {
            return;
        }
        let mut reg = self.peer.inner.shared.lock();
        if reg.fetches.remove(&self.id).is_some() {
            let _ = reg.notify("unfetch", json!({"id": self.id}));
        }
    }
}

/// Start a fetch: register the stream, send `fetch`, wait for the answer.
pub(crate) async fn fetch(peer: &Peer, expr: &Fetch) -> Result<FetchStream, PeerError> {
    let shared = &peer.inner.shared;
    let (mut params, deriver) = if expr.is_nodes() {
        match peer.node_plan(expr).await? {
            Plan::Native(params) => (params, None),
            Plan::Derived(params, deriver) => (params, Some(deriver)),
        }
    } else {
        (expr.to_json(), None)
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let id = {
        let mut reg = shared.lock();
        if reg.closed {
            return Err(PeerError::Closed);
        }
        let id = reg.fetch_id();
        if let Value::Object(m) = &mut params {
            // Last member, as node-jet's peer sends it.
            m.insert("id".into(), Value::String(id.clone()));
        }
        let window = params.get("sort").map(|sort| {
            let from = sort.get("from").and_then(Value::as_u64).unwrap_or(1);
            WindowState::new(usize::try_from(from).unwrap_or(1))
        });
        reg.fetches.insert(
            id.clone(),
            FetchEntry {
                local: LocalRules::new(&params),
                expr: params.clone(),
                tx,
                window,
                deriver,
            },
        );
        id
    };
    let mut stream = FetchStream {
        peer: peer.clone(),
        id,
        rx,
        active: true,
    };
    match shared.request("fetch", params, None).await {
        Ok(_) => Ok(stream),
        Err(e) => {
            stream.active = false;
            shared.lock().fetches.remove(&stream.id);
            Err(e)
        }
    }
}

/// Parse a `get` result: unsorted `[{"path","event","value"?,"fetchOnly"?}]` or the sorted
/// `changes` array (`{"changes":..,"n":..}` is accepted too).
pub(crate) fn parse_get(result: Value) -> Result<Vec<Element>, PeerError> {
    let list = match &result {
        Value::Array(list) => list,
        Value::Object(m) => match m.get("changes") {
            Some(Value::Array(list)) => list,
            _ => return Ok(Vec::new()),
        },
        _ => {
            return Err(PeerError::Protocol(format!(
                "`get` answered {result}, expected an array"
            )))
        }
    };
    Ok(list.iter().filter_map(Element::from_json).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn el(path: &str, index: usize) -> Element {
        Element {
            path: path.into(),
            value: Some(json!(index)),
            fetch_only: false,
            index: Some(index),
        }
    }

    fn paths(w: &Window) -> Vec<String> {
        w.entries.iter().map(|e| e.path.clone()).collect()
    }

    /// The worked example of PROTOCOL.md B §6.8 (from 1 to 4 over a..e).
    #[test]
    fn worked_example_of_b_6_8() {
        let mut w = WindowState::new(1);
        let s = w.apply(vec![el("a", 1), el("b", 2), el("c", 3), el("d", 4)], 4);
        assert_eq!(paths(&s), ["a", "b", "c", "d"]);
        let s = w.apply(vec![el("d", 3), el("e", 4)], 4); // remove c
        assert_eq!(paths(&s), ["a", "b", "d", "e"]);
        let s = w.apply(vec![], 3); // remove e
        assert_eq!(paths(&s), ["a", "b", "d"]);
        let s = w.apply(vec![el("e", 4)], 4); // add e
        assert_eq!(paths(&s), ["a", "b", "d", "e"]);
        let s = w.apply(vec![el("e", 3)], 3); // remove d
        assert_eq!(paths(&s), ["a", "b", "e"]);
    }

    /// B §12 item 12: `a,b,c` (to=4); remove a -> `[b@1,c@2] n=2`; re-add a ->
    /// `[a@1,b@2] n=3` and c is not re-sent because position 3 was c's before.
    #[test]
    fn an_element_returning_to_a_stale_position_is_still_shown() {
        let mut w = WindowState::new(1);
        w.apply(vec![el("a", 1), el("b", 2), el("c", 3)], 3);
        let s = w.apply(vec![el("b", 1), el("c", 2)], 2);
        assert_eq!(paths(&s), ["b", "c"]);
        let s = w.apply(vec![el("a", 1), el("b", 2)], 3);
        assert_eq!(paths(&s), ["a", "b", "c"]);
    }

    #[test]
    fn windows_starting_after_one_use_from_as_the_first_slot() {
        let mut w = WindowState::new(2);
        let s = w.apply(vec![el("b", 2), el("c", 3), el("d", 4)], 3);
        assert_eq!(paths(&s), ["b", "c", "d"]);
        let s = w.apply(vec![el("c", 2), el("d", 3), el("e", 4)], 3);
        assert_eq!(paths(&s), ["c", "d", "e"]);
        assert_eq!(s.from, 2);
    }

    #[test]
    fn notifications_of_either_shape_become_events() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut entry = FetchEntry {
            expr: json!({}),
            tx,
            window: None,
            deriver: None,
            local: None,
        };
        entry.on_notification(json!({"path":"a","event":"Add","value":1,"fetchOnly":true}));
        entry.on_notification(json!({"path":"m","event":"remove"}));
        entry.on_notification(json!({"changes":{},"n":0}));
        match rx.try_recv().unwrap() {
            FetchEvent::Element(e) => {
                assert_eq!(e.kind, EventKind::Add);
                assert!(e.fetch_only);
                assert_eq!(e.value, Some(json!(1)));
            }
            other => panic!("unexpected {other:?}"),
        }
        match rx.try_recv().unwrap() {
            FetchEvent::Element(e) => {
                assert_eq!(e.kind, EventKind::Remove);
                assert_eq!(e.value, None);
            }
            other => panic!("unexpected {other:?}"),
        }
        match rx.try_recv().unwrap() {
            FetchEvent::Window(w) => assert!(w.entries.is_empty()),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Differential messages computed from any sequence of full windows rebuild exactly
    /// those windows: the diff lists the positions whose occupant differs from what the
    /// client was last told (as B §6.8 does), and `n` truncates.
    fn diff(
        shown: &mut Vec<Option<String>>,
        next: &[String],
        from: usize,
    ) -> (Vec<Element>, usize) {
        let mut changes = Vec::new();
        for (i, p) in next.iter().enumerate() {
            if shown.get(i).cloned().flatten().as_deref() != Some(p.as_str()) {
                changes.push(Element {
                    path: p.clone(),
                    value: None,
                    fetch_only: false,
                    index: Some(from + i),
                });
            }
            if i >= shown.len() {
                shown.resize(i + 1, None);
            }
            shown[i] = Some(p.clone());
        }
        (changes, next.len())
    }

    proptest! {
        #[test]
        fn rebuilt_window_equals_the_daemons_window(
            windows in proptest::collection::vec(
                proptest::collection::vec("[a-e]", 0..6), 1..12),
            from in 1usize..4,
        ) {
            let mut state = WindowState::new(from);
            let mut shown = Vec::new();
            for next in &windows {
                let (changes, n) = diff(&mut shown, next, from);
                let w = state.apply(changes, n);
                prop_assert_eq!(paths(&w), next.clone());
            }
        }
    }
}
