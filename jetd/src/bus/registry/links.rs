//! The attachments between elements and fetchers, kept from both ends.
//!
//! An element lists the fetchers attached to it (`Element::fetchers`, what a `change`
//! walks: a plain contiguous `Vec`), and a fetcher lists the elements it is attached to
//! (`Fetcher::attached`). Each entry also stores where its counterpart sits in the other
//! list, so either end can be taken out with a `swap_remove` and one fix-up of the entry
//! that moved into its place. Dropping a fetcher or removing an element therefore costs
//! O(its attachments), whatever the number of elements or fetchers around it.
//!
//! The price is that removals reorder an element's fetcher list (the last entry moves
//! into the hole). The order in which *different* fetchers hear of one event is not part
//! of the protocol; each fetcher still sees its own events in the order they happen.

use super::elements::{ElemId, Element, Elements};
use super::fetchers::{Fetcher, FetcherId};
use super::slab::Slab;

/// A fetcher attached to an element (an entry of `Element::fetchers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attachment {
    pub key: FetcherId,
    /// Where this element sits in the fetcher's `attached` list.
    back: u32,
    /// The fetcher sees this element as fetch-only (computed when attached: access rules
    /// are fixed while the fetcher lives).
    pub fetch_only: bool,
}

/// An element a fetcher is attached to (an entry of `Fetcher::attached`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attached {
    elem: ElemId,
    /// Where the fetcher sits in the element's `fetchers` list.
    at: u32,
}

fn position(len: usize) -> u32 {
    u32::try_from(len).expect("fewer than 2^32 attachments per element or fetcher")
}

/// Attach fetcher `key` to element `elem`. The caller makes sure it is not attached yet.
pub(crate) fn attach(
    el: &mut Element,
    elem: ElemId,
    f: &mut Fetcher,
    key: FetcherId,
    fetch_only: bool,
) {
    el.fetchers.push(Attachment {
        key,
        back: position(f.attached.len()),
        fetch_only,
    });
    f.attached.push(Attached {
        elem,
        at: position(el.fetchers.len() - 1),
    });
}

/// Detach a fetcher that was just taken out of the registry from every element it is
/// attached to: O(its attachments).
pub(crate) fn detach_fetcher(
    elements: &mut Elements,
    fetchers: &mut Slab<FetcherId, Fetcher>,
    f: &Fetcher,
) {
    for link in &f.attached {
        let list = &mut elements.get_mut(link.elem).fetchers;
        let at = link.at as usize;
        list.swap_remove(at);
        if let Some(moved) = list.get(at) {
            // Another fetcher (a fetcher is attached to an element at most once): tell it
            // where its entry went.
            let other = fetchers
                .get_mut(moved.key)
                .expect("attached fetchers are live");
            other.attached[moved.back as usize].at = link.at;
        }
    }
}

/// Detach an element that was just taken out of the registry from every fetcher attached
/// to it: O(its attachments).
pub(crate) fn detach_element(
    elements: &mut Elements,
    fetchers: &mut Slab<FetcherId, Fetcher>,
    el: &Element,
) {
    for a in &el.fetchers {
        let list = &mut fetchers
            .get_mut(a.key)
            .expect("attached fetchers are live")
            .attached;
        let back = a.back as usize;
        list.swap_remove(back);
        if let Some(moved) = list.get(back) {
            // Another element (an element has a fetcher attached at most once).
            elements.get_mut(moved.elem).fetchers[moved.at as usize].back = a.back;
        }
    }
}

/// Every (element, fetcher) attachment, after checking that both ends agree on it.
#[cfg(test)]
pub(crate) fn checked_pairs(
    elements: &Elements,
    fetchers: &Slab<FetcherId, Fetcher>,
) -> Vec<(ElemId, FetcherId)> {
    let mut pairs = Vec::new();
    for (elem, el) in elements.iter() {
        for (at, a) in el.fetchers.iter().enumerate() {
            let f = fetchers.get(a.key).expect("attached fetcher is live");
            let link = f.attached[a.back as usize];
            assert_eq!(
                (link.elem, link.at as usize),
                (elem, at),
                "fetcher end of {a:?}"
            );
            pairs.push((elem, a.key));
        }
    }
    let from_fetchers: usize = fetchers.iter().map(|(_, f)| f.attached.len()).sum();
    assert_eq!(
        from_fetchers,
        pairs.len(),
        "fetchers list no other attachments"
    );
    pairs.sort_unstable();
    let before = pairs.len();
    pairs.dedup();
    assert_eq!(before, pairs.len(), "no attachment twice");
    pairs
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::checked_pairs;
    use crate::bus::{Bus, ConnId, FrameOutcome};
    use crate::outbox::Outbox;

    const PATHS: [&str; 5] = ["a/1", "a/2", "a/b/1", "b/1", "c"];
    /// Path rules of every index kind: exact, bus and nested prefixes, scanned.
    const RULES: [&str; 6] = [
        r#"{"equals":"a/1"}"#,
        r#"{"equalsOneOf":["a/1","b/1","a/1"]}"#,
        r#"{"startsWith":"a/"}"#,
        r#"{"startsWith":""}"#,
        r#"{"contains":"1"}"#,
        r#"{"endsWith":"1","startsWith":"a"}"#,
    ];
    const PEERS: usize = 3;

    #[derive(Debug, Clone)]
    enum Op {
        Add(usize, usize),
        Remove(usize, usize),
        Change(usize, usize),
        Fetch(usize, usize, usize),
        Unfetch(usize, usize),
        Disconnect(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let peer = 0..PEERS;
        let path = 0..PATHS.len();
        prop_oneof![
            3 => (peer.clone(), path.clone()).prop_map(|(p, i)| Op::Add(p, i)),
            2 => (peer.clone(), path.clone()).prop_map(|(p, i)| Op::Remove(p, i)),
            1 => (peer.clone(), path).prop_map(|(p, i)| Op::Change(p, i)),
            3 => (peer.clone(), 0..3usize, 0..RULES.len()).prop_map(|(p, f, r)| Op::Fetch(p, f, r)),
            2 => (peer.clone(), 0..3usize).prop_map(|(p, f)| Op::Unfetch(p, f)),
            1 => peer.prop_map(Op::Disconnect),
        ]
    }

    fn connect(bus: &Bus) -> ConnId {
        bus.connect(Arc::new(Outbox::new(usize::MAX)), "test", None)
    }

    fn send(bus: &Bus, conn: ConnId, text: &str) {
        assert!(matches!(
            bus.handle_frame(conn, text.as_bytes(), 0),
            FrameOutcome::Done
        ));
    }

    fn run(bus: &Bus, peers: &mut [ConnId], op: &Op) {
        let text = match *op {
            Op::Add(p, i) => (
                p,
                format!(
                    r#"{{"method":"add","params":{{"path":"{}","value":{i}}}}}"#,
                    PATHS[i]
                ),
            ),
            Op::Remove(p, i) => (
                p,
                format!(
                    r#"{{"method":"remove","params":{{"path":"{}"}}}}"#,
                    PATHS[i]
                ),
            ),
            Op::Change(p, i) => (
                p,
                format!(
                    r#"{{"method":"change","params":{{"path":"{}","value":0}}}}"#,
                    PATHS[i]
                ),
            ),
            Op::Fetch(p, f, r) => (
                p,
                format!(
                    r#"{{"method":"fetch","params":{{"id":{f},"path":{}}}}}"#,
                    RULES[r]
                ),
            ),
            Op::Unfetch(p, f) => (
                p,
                format!(r#"{{"method":"unfetch","params":{{"id":{f}}}}}"#),
            ),
            Op::Disconnect(p) => {
                bus.disconnect(peers[p]);
                peers[p] = connect(bus);
                return;
            }
        };
        send(bus, peers[text.0], &text.1);
    }

    proptest! {
        /// After any sequence of operations, both ends of every attachment agree, and the
        /// attachments are exactly the (element, fetcher) pairs whose path rule matches
        /// (no access rules here, so every fetcher may fetch every element).
        #[test]
        fn attachments_match_the_path_rules(ops in prop::collection::vec(op(), 1..60)) {
            let bus = Bus::new(&crate::Config::default());
            let mut peers: Vec<ConnId> = (0..PEERS).map(|_| connect(&bus)).collect();
            for op in &ops {
                run(&bus, &mut peers, op);
                let core = bus.lock();
                let got = checked_pairs(&core.elements, &core.fetchers);
                let mut want = Vec::new();
                for (elem, el) in core.elements.iter() {
                    let path = &el.path;
                    for (key, f) in core.fetchers.iter() {
                        if f.expr.matches_path(path) {
                            want.push((elem, key));
                        }
                    }
                }
                want.sort_unstable();
                prop_assert_eq!(got, want, "after {:?}", op);
            }
            for p in peers {
                bus.disconnect(p);
            }
            let core = bus.lock();
            prop_assert_eq!(core.elements.len(), 0);
            prop_assert_eq!(core.fetchers.iter().count(), 0);
        }
    }
}
