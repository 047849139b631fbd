//! Nodes on the wire (PROTOCOL.md A.11): keeping the node registry in step with the
//! elements, `fetch` and `get` with `"nodes":true`, and node visibility per fetcher.
//!
//! A node is visible to a fetcher while at least one element below it is visible to the
//! fetcher's peer. The registry counts the *open* elements below each node (no access
//! rules: visible to all), so a fetcher only counts, for the nodes its rule matches, the
//! elements *with* access rules below them that its peer may fetch ([`NodeView`]). With
//! no access rules on the bus that map stays empty and a node fetcher costs one path-rule
//! test per implied node of an added or removed element.
//!
//! The registry is kept only while it is needed: always under the strict hierarchy (it
//! decides `add`), else while at least one node fetcher exists. It is built from the
//! elements when the first node fetcher arrives and dropped with the last one, so a bus
//! whose peers never ask for nodes does no node work per `add` or `remove` at all.
//! (`get` with `nodes` derives the nodes from the elements it visits.)
//!
//! Order: a node's `add` is queued before the `add` of the element that created it (the
//! registry is updated before the element's fetchers are told), its `remove` after the
//! `remove` of the last element below it.

use std::collections::HashSet;

use jet_runtime::fetch::engine::{Event, FetchExpr, PathHint};
use jet_runtime::protocol::ErrorObject;
use serde_json::Value;

use crate::bus::registry::access::{allowed, Op};
use crate::bus::registry::elements::{ElemId, Element};
use crate::bus::registry::fetchers::{Fetcher, FetcherId};
use crate::bus::registry::idhash::IdMap;
use crate::bus::registry::links;
use crate::bus::registry::nodes::{self, element_type};
use crate::bus::registry::slab::Slab;
use crate::bus::wire::{self, Dialect, Notification};
use crate::bus::{Conn, ConnId, Core};
use crate::outbox::Outbox;

/// `nodes` of a `fetch`/`get` expression: absent, `null` or `false` is off. `nodes` with
/// a value, valueField or sort rule is `invalidFetch` (A.11).
pub(super) fn parse_nodes(params: &Value, expr: &FetchExpr) -> Result<bool, ErrorObject> {
    let on = match params.get("nodes") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return Err(ErrorObject::invalid_fetch("nodes must be a boolean")),
    };
    if on && (expr.has_value_rule() || expr.sort().is_some()) {
        return Err(ErrorObject::invalid_fetch(
            "nodes cannot be combined with value, valueField or sort",
        ));
    }
    Ok(on)
}

/// `-32602` `{"pathAlreadyExists":<path>,"occupiedBy":<occupied>}` (strict hierarchy).
pub(super) fn occupied(path: &str, by: &str) -> ErrorObject {
    let mut e = ErrorObject::path_already_exists(path);
    if let Some(Value::Object(data)) = e.data.as_mut() {
        data.insert("occupiedBy".into(), Value::String(by.into()));
    }
    e
}

/// A node's `add`/`remove`, in the dialect the fetch was made in (only `nodes:true`
/// fetches get them, so a node-jet 3 peer sees nodes only when it asked).
fn write_node_event(out: &Outbox, d: Dialect, fetch_id: &str, node: &str, event: Event) {
    wire::notification(
        out,
        d,
        &Notification {
            fetch_id,
            fetch_only: false,
            path: node,
            event,
            value: None,
            kind: Some("node"),
        },
    );
}

impl Core {
    /// A new element: count it in its nodes and report the nodes that become visible to
    /// node fetchers (before the element itself is reported).
    pub(in crate::bus) fn nodes_element_added(&mut self, id: ElemId) {
        let Core {
            nodes,
            elements,
            fetchers,
            conns,
            node_fetchers,
            ..
        } = self;
        let el = elements.get(id);
        let open = el.access.is_none();
        if node_fetchers.is_empty() {
            if nodes.always_kept() {
                nodes.add(&el.path, open, |_| {});
            }
            return;
        }
        let viewers = viewers(node_fetchers, fetchers, conns, el);
        if open {
            // Visible to every fetcher: a node appears for a fetcher when it had no open
            // element below it before and none of the fetcher's restricted ones.
            nodes.add(&el.path, true, |node| {
                report_open_node(&viewers, fetchers, conns, node, Event::Add);
            });
            return;
        }
        // With access rules: only the fetchers that may see it count it, level by level.
        nodes.add(&el.path, false, |_| {});
        let sep = nodes.separator();
        for node in nodes::prefixes(&el.path, sep) {
            let open_below = nodes.get(node).is_some_and(|c| c.open > 0);
            for &key in viewers.iter() {
                let Some(f) = fetchers.get_mut(key) else {
                    continue;
                };
                if !f.expr.matches_path(node) {
                    continue;
                }
                let view = f.nodes.as_mut().expect("node fetcher");
                let was = open_below || view.restricted(node) > 0;
                view.inc(node);
                if !was {
                    if let Some(c) = conns.get(&f.conn) {
                        write_node_event(&c.outbox, f.dialect, &f.id_json, node, Event::Add);
                    }
                }
            }
        }
    }

    /// An element is gone (its fetchers have heard): uncount it and report the nodes that
    /// stop being visible to node fetchers, leaf first.
    pub(in crate::bus) fn nodes_element_removed(&mut self, el: &Element) {
        let Core {
            nodes,
            fetchers,
            conns,
            node_fetchers,
            ..
        } = self;
        let open = el.access.is_none();
        if node_fetchers.is_empty() {
            if nodes.always_kept() {
                nodes.remove(&el.path, open, |_| {});
            }
            return;
        }
        let viewers = viewers(node_fetchers, fetchers, conns, el);
        if open {
            nodes.remove(&el.path, true, |node| {
                report_open_node(&viewers, fetchers, conns, node, Event::Remove);
            });
            return;
        }
        nodes.remove(&el.path, false, |_| {});
        let sep = nodes.separator();
        for node in nodes::prefixes(&el.path, sep).rev() {
            let open_below = nodes.get(node).is_some_and(|c| c.open > 0);
            for &key in viewers.iter() {
                let Some(f) = fetchers.get_mut(key) else {
                    continue;
                };
                if !f.expr.matches_path(node) {
                    continue;
                }
                let view = f.nodes.as_mut().expect("node fetcher");
                view.dec(node);
                if !open_below && view.restricted(node) == 0 {
                    if let Some(c) = conns.get(&f.conn) {
                        write_node_event(&c.outbox, f.dialect, &f.id_json, node, Event::Remove);
                    }
                }
            }
        }
    }

    /// Elements that `conn` may fetch and that may lie below a node (or be an element)
    /// the rule matches, in insertion order. Unlike [`Core::matching_elements`] the
    /// element itself need not match: a node matches by its own path.
    fn visible_for_nodes(&self, conn: ConnId, hint: &PathHint) -> Vec<ElemId> {
        let auth = self.auth_of(conn);
        let mut found: Vec<(u64, ElemId)> = Vec::new();
        let mut consider = |id: ElemId, el: &Element| {
            if allowed(el.access.as_deref(), auth, Op::Fetch) {
                found.push((el.seq, id));
            }
        };
        match hint {
            // A node or element matching `equals p` has a path starting with `p`, and so
            // have the elements below it.
            PathHint::Equals(paths) => {
                for p in paths {
                    for id in self.elements.with_prefix(p) {
                        consider(id, self.elements.get(id));
                    }
                }
            }
            PathHint::Prefix(prefix) => {
                for id in self.elements.with_prefix(prefix) {
                    consider(id, self.elements.get(id));
                }
            }
            PathHint::Any => {
                for (id, el) in self.elements.iter() {
                    consider(id, el);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|(_, id)| id).collect()
    }

    /// Set up a new `nodes:true` fetcher (its response is sent): attach it to the
    /// matching elements and report them, each preceded by its nodes not yet reported,
    /// in element insertion order.
    pub(in crate::bus) fn setup_node_fetcher(
        &mut self,
        conn: ConnId,
        key: FetcherId,
        hint: &PathHint,
    ) {
        let candidates = self.visible_for_nodes(conn, hint);
        if self.node_fetchers.is_empty() && !self.nodes.always_kept() {
            // The first node fetcher: count the nodes of the elements there are.
            for (_, el) in self.elements.iter() {
                self.nodes.add(&el.path, el.access.is_none(), |_| {});
            }
        }
        self.node_fetchers.push(key);
        let sep = self.nodes.separator();
        let c = self.conns.get(&conn).expect("live connection");
        let f = self.fetchers.get_mut(key).expect("new fetcher");
        let mut reported: HashSet<Box<str>> = HashSet::new();
        for id in candidates {
            let el = self.elements.get_mut(id);
            let open = el.access.is_none();
            let view = f.nodes.as_mut().expect("node fetcher");
            for node in nodes::prefixes(&el.path, sep) {
                if !f.expr.matches_path(node) {
                    continue;
                }
                if !open {
                    view.inc(node);
                }
                if !reported.contains(node) {
                    reported.insert(node.into());
                    write_node_event(&c.outbox, f.dialect, &f.id_json, node, Event::Add);
                }
            }
            if f.expr.matches_path(&el.path) {
                let fo = el.fetch_only_for(c.auth.as_ref());
                links::attach(el, id, f, key, fo);
                f.initial(&c.outbox, &el.path, el.value.as_ref(), fo);
            }
        }
    }

    /// The result of `get` with `nodes:true`: nodes and elements in the order a new
    /// fetch would report them, each entry with its `type`.
    pub(in crate::bus) fn get_with_nodes(&self, conn: ConnId, expr: &FetchExpr) -> String {
        let hint = expr.path_hint();
        let auth = self.auth_of(conn);
        let dialect = self.dialect(conn);
        let sep = self.nodes.separator();
        let mut reported: HashSet<&str> = HashSet::new();
        let mut b = Vec::from(&b"["[..]);
        let mut first = true;
        let mut comma = |b: &mut Vec<u8>| {
            if !first {
                b.push(b',');
            }
            first = false;
        };
        for id in self.visible_for_nodes(conn, &hint) {
            let el = self.elements.get(id);
            for node in nodes::prefixes(&el.path, sep) {
                if expr.matches_path(node) && reported.insert(node) {
                    comma(&mut b);
                    wire::write_get_entry(&mut b, dialect, node, None, false, Some("node"));
                }
            }
            if expr.matches_path(&el.path) {
                comma(&mut b);
                let kind = element_type(el.value.as_ref());
                let fo = el.fetch_only_for(auth);
                let value = el.value.as_ref();
                wire::write_get_entry(&mut b, dialect, &el.path, value, fo, Some(kind));
            }
        }
        b.push(b']');
        String::from_utf8(b).expect("JSON text is UTF-8")
    }

    /// A node fetcher is being dropped.
    pub(in crate::bus) fn forget_node_fetcher(&mut self, key: FetcherId) {
        self.node_fetchers.retain(|&k| k != key);
        if self.node_fetchers.is_empty() && !self.nodes.always_kept() {
            self.nodes.clear();
        }
    }
}

impl crate::bus::Bus {
    /// Node figures for benchmarks and tests: (live nodes, bytes the registry holds
    /// beyond the element paths it shares with the element registry).
    pub fn node_stats(&self) -> (usize, usize) {
        let core = self.lock();
        let shared = |path: &std::sync::Arc<str>| {
            core.elements
                .lookup(path)
                .is_some_and(|id| std::sync::Arc::ptr_eq(&core.elements.get(id).path, path))
        };
        (core.nodes.len(), core.nodes.heap_bytes(shared))
    }
}

/// A node that an element without access rules makes appear (`Add`) or disappear
/// (`Remove`): report it to each viewing fetcher whose rule matches it, unless the
/// fetcher still sees (or already saw) it through one of its restricted elements.
fn report_open_node(
    viewers: &[FetcherId],
    fetchers: &Slab<FetcherId, Fetcher>,
    conns: &IdMap<ConnId, Box<Conn>>,
    node: &str,
    event: Event,
) {
    for &key in viewers {
        let Some(f) = fetchers.get(key) else {
            continue;
        };
        if !f.expr.matches_path(node) {
            continue;
        }
        let view = f.nodes.as_ref().expect("node fetcher");
        if view.restricted(node) == 0 {
            if let Some(c) = conns.get(&f.conn) {
                write_node_event(&c.outbox, f.dialect, &f.id_json, node, event);
            }
        }
    }
}

/// The node fetchers whose peer may fetch `el`: all of them for an element without
/// access rules (borrowed, the common case), else those allowed.
fn viewers<'a>(
    node_fetchers: &'a [FetcherId],
    fetchers: &Slab<FetcherId, Fetcher>,
    conns: &IdMap<ConnId, Box<Conn>>,
    el: &Element,
) -> std::borrow::Cow<'a, [FetcherId]> {
    if el.access.is_none() {
        return std::borrow::Cow::Borrowed(node_fetchers);
    }
    std::borrow::Cow::Owned(
        node_fetchers
            .iter()
            .copied()
            .filter(|&key| {
                fetchers.get(key).is_some_and(|f| {
                    let auth = conns.get(&f.conn).and_then(|c| c.auth.as_ref());
                    allowed(el.access.as_deref(), auth, Op::Fetch)
                })
            })
            .collect(),
    )
}
