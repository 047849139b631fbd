//! Nodes on the peer side (PROTOCOL.md A.11): the hierarchy of the bus on every daemon.
//!
//! jetd advertises `features.nodes` and reports nodes itself to a fetch with
//! `"nodes":true`. Other daemons (node-jet, cjet) know nothing of nodes; there the peer
//! fetches the elements that may lie below a matching node and derives the same node
//! events from the element events ([`Deriver`]): a node is added before the first element
//! below it and removed after the last one, in the daemon's order of element events, and
//! the expression's path rule selects nodes and elements alike. Only elements the daemon
//! reports count, so a derived node is never one the daemon hides from this peer.
//!
//! [`Tree`] is the live hierarchy a UI renders: apply a nodes fetch's events to it.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::fetch::{ElementEvent, EventKind};
use super::{Peer, PeerError};
use crate::fetch::builder::Fetch;
use crate::fetch::engine::FetchExpr;

/// What an event or entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A node of the hierarchy (only in fetches with [`Fetch::nodes`]).
    Node,
    /// A state (it has a value).
    State,
    /// A method.
    Method,
}

impl Subject {
    /// The `type` of a nodes fetch's notification, or what the value says.
    pub(crate) fn of(params: &Value) -> Subject {
        match params.get("type").and_then(Value::as_str) {
            Some("node") => Subject::Node,
            Some("method") => Subject::Method,
            Some("state") => Subject::State,
            _ if params.get("value").is_some() => Subject::State,
            _ => Subject::Method,
        }
    }

    /// The wire name (`node`, `state`, `method`), as in a nodes fetch's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Node => "node",
            Subject::State => "state",
            Subject::Method => "method",
        }
    }
}

/// An entry of [`Peer::get_nodes`] and [`Peer::children`].
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The node's or element's path.
    pub path: String,
    /// What it is.
    pub subject: Subject,
    /// A state's value.
    pub value: Option<Value>,
    /// This peer may not set or call the element.
    pub fetch_only: bool,
}

/// The nodes a path implies, root first (non-empty prefixes ending before a separator).
pub fn node_prefixes(path: &str, sep: char) -> impl DoubleEndedIterator<Item = &str> + '_ {
    path.match_indices(sep)
        .map(|(i, _)| i)
        .filter(|&i| i > 0)
        .map(move |i| &path[..i])
}

/// Derives node events from the element events of a daemon without nodes.
#[derive(Debug)]
pub(crate) struct Deriver {
    /// The user's path rule; nodes and elements must match it.
    rule: FetchExpr,
    sep: char,
    /// Elements below each node (only nodes with at least one).
    below: HashMap<String, u32>,
    /// Elements counted (so a repeated `add` or an unknown `remove` counts nothing).
    elements: HashSet<String>,
}

impl Deriver {
    pub(crate) fn new(rule: FetchExpr, sep: char) -> Deriver {
        Deriver {
            rule,
            sep,
            below: HashMap::new(),
            elements: HashSet::new(),
        }
    }

    fn node_event(kind: EventKind, path: &str) -> ElementEvent {
        ElementEvent {
            kind,
            path: path.to_owned(),
            value: None,
            fetch_only: false,
            subject: Subject::Node,
        }
    }

    /// One element event of the widened fetch: the events of the user's fetch, in order.
    pub(crate) fn apply(&mut self, ev: ElementEvent, out: &mut Vec<ElementEvent>) {
        let matches = self.rule.matches_path(&ev.path);
        match ev.kind {
            EventKind::Add => {
                if self.elements.insert(ev.path.clone()) {
                    for node in node_prefixes(&ev.path, self.sep) {
                        let n = self.below.entry(node.to_owned()).or_insert(0);
                        *n += 1;
                        if *n == 1 && self.rule.matches_path(node) {
                            out.push(Self::node_event(EventKind::Add, node));
                        }
                    }
                }
                if matches {
                    out.push(ev);
                }
            }
            EventKind::Change => {
                if matches {
                    out.push(ev);
                }
            }
            EventKind::Remove => {
                let known = self.elements.remove(&ev.path);
                let path = ev.path.clone();
                if matches {
                    out.push(ev);
                }
                if !known {
                    return;
                }
                for node in node_prefixes(&path, self.sep).rev() {
                    let Some(n) = self.below.get_mut(node) else {
                        continue;
                    };
                    *n -= 1;
                    if *n == 0 {
                        self.below.remove(node);
                        if self.rule.matches_path(node) {
                            out.push(Self::node_event(EventKind::Remove, node));
                        }
                    }
                }
            }
        }
    }

    /// The fetch starts over (reconnect): forget everything counted.
    pub(crate) fn reset(&mut self) {
        self.below.clear();
        self.elements.clear();
    }
}

/// How a nodes fetch runs on this daemon.
pub(crate) enum Plan {
    /// The daemon reports nodes: send the expression as it is.
    Native(Value),
    /// Derive: send this widened expression and run its events through the deriver.
    Derived(Value, Box<Deriver>),
}

/// The path rule of a widened expression: a superset of the elements that are, or lie
/// below, what the user's rule matches. `equals p` and `startsWith p` become
/// `startsWith p` (a node `p` has its elements below `p<sep>`); anything else needs all.
fn widened(user: &Value) -> Value {
    let mut out = Map::new();
    let Some(path) = user.get("path").and_then(Value::as_object) else {
        return Value::Object(out);
    };
    if path.get("caseInsensitive") == Some(&Value::Bool(true)) {
        return Value::Object(out);
    }
    let prefix = path
        .get("startsWith")
        .or_else(|| path.get("equals"))
        .and_then(Value::as_str);
    if let Some(p) = prefix {
        out.insert("path".into(), json!({"startsWith": p}));
    }
    Value::Object(out)
}

impl Peer {
    /// The daemon's node separator when it reports nodes itself (`features.nodes`),
    /// `None` for daemons without nodes (node-jet, cjet, lua-jet).
    pub async fn node_separator(&self) -> Result<Option<char>, PeerError> {
        let info = match self.info().await {
            Ok(info) => info,
            // lua-jet has no `info`: it has no nodes either.
            Err(PeerError::MethodNotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(info
            .features
            .get("nodes")
            .and_then(|n| n.get("separator"))
            .and_then(Value::as_str)
            .and_then(|s| s.chars().next()))
    }

    /// How to run a nodes fetch or get of `expr` here.
    pub(crate) async fn node_plan(&self, expr: &Fetch) -> Result<Plan, PeerError> {
        let params = expr.to_json();
        let rule = FetchExpr::parse(&params).map_err(|e| PeerError::InvalidParams {
            message: "Invalid params".into(),
            data: Some(json!({"invalidFetch": e.0})),
        })?;
        if rule.has_value_rule() || rule.sort().is_some() {
            return Err(PeerError::InvalidParams {
                message: "Invalid params".into(),
                data: Some(json!({
                    "invalidFetch": "nodes cannot be combined with value, valueField or sort"
                })),
            });
        }
        Ok(match self.node_separator().await? {
            Some(_) => Plan::Native(params),
            None => Plan::Derived(widened(&params), Box::new(Deriver::new(rule, '/'))),
        })
    }

    /// `get` with nodes: what a [`Fetch::nodes`] fetch of `expr` would report first, in
    /// the same order (each element preceded by its nodes not yet reported), on any
    /// daemon.
    pub async fn get_nodes(&self, expr: &Fetch) -> Result<Vec<Entry>, PeerError> {
        let expr = expr.clone().nodes();
        let (params, deriver) = match self.node_plan(&expr).await? {
            Plan::Native(params) => (params, None),
            Plan::Derived(params, deriver) => (params, Some(deriver)),
        };
        let result = self.request("get", params, None).await?;
        let list = result.as_array().cloned().unwrap_or_default();
        let mut events = Vec::with_capacity(list.len());
        for item in &list {
            let Some(path) = item.get("path").and_then(Value::as_str) else {
                continue;
            };
            events.push(ElementEvent {
                kind: EventKind::Add,
                path: path.to_owned(),
                value: item.get("value").cloned(),
                fetch_only: item.get("fetchOnly").and_then(Value::as_bool) == Some(true),
                subject: Subject::of(item),
            });
        }
        if let Some(mut deriver) = deriver {
            let mut out = Vec::with_capacity(events.len());
            for ev in events {
                deriver.apply(ev, &mut out);
            }
            events = out;
        }
        Ok(events
            .into_iter()
            .map(|e| Entry {
                path: e.path,
                subject: e.subject,
                value: e.value,
                fetch_only: e.fetch_only,
            })
            .collect())
    }

    /// The direct children of node `path` (`""` for the top level): nodes, states and
    /// methods one level below it, in the order the daemon reports them.
    pub async fn children(&self, path: &str) -> Result<Vec<Entry>, PeerError> {
        let sep = self.node_separator().await?.unwrap_or('/');
        let mut expr = Fetch::all();
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}{sep}")
        };
        if !prefix.is_empty() {
            expr = expr.path_starts_with(prefix.clone());
        }
        let all = self.get_nodes(&expr).await?;
        let parent = (!path.is_empty()).then_some(path);
        Ok(all
            .into_iter()
            .filter(|e| parent_of(&e.path, sep) == parent)
            .collect())
    }
}

/// What the [`Tree`] knows about one path: a node, an element, or both (an element may
/// have the path of a node under the relaxed hierarchy).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TreeEntry {
    /// A node has this path (something lies below it).
    pub node: bool,
    /// `Some` when an element has this path: its subject (state or method), value and
    /// fetch-only flag.
    pub element: Option<(Subject, Option<Value>, bool)>,
}

/// The live hierarchy of a nodes fetch: feed it every event ([`Tree::apply`]) and read
/// nodes with their children and states with their values.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    sep: char,
    entries: BTreeMap<String, TreeEntry>,
}

impl Tree {
    /// An empty tree for a daemon whose node separator is `sep`.
    pub fn new(sep: char) -> Tree {
        Tree {
            sep,
            entries: BTreeMap::new(),
        }
    }

    /// The node separator the tree splits paths at.
    pub fn separator(&self) -> char {
        self.sep
    }

    /// Apply one event of a nodes fetch.
    pub fn apply(&mut self, ev: &ElementEvent) {
        match (ev.kind, ev.subject) {
            (EventKind::Add | EventKind::Change, Subject::Node) => {
                self.entries.entry(ev.path.clone()).or_default().node = true;
            }
            (EventKind::Add | EventKind::Change, subject) => {
                self.entries.entry(ev.path.clone()).or_default().element =
                    Some((subject, ev.value.clone(), ev.fetch_only));
            }
            (EventKind::Remove, subject) => {
                if let Some(e) = self.entries.get_mut(&ev.path) {
                    if subject == Subject::Node {
                        e.node = false;
                    } else {
                        e.element = None;
                    }
                    if !e.node && e.element.is_none() {
                        self.entries.remove(&ev.path);
                    }
                }
            }
        }
    }

    /// Forget everything (after [`FetchEvent::Resumed`](super::FetchEvent::Resumed)).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// What the tree knows about `path`.
    pub fn get(&self, path: &str) -> Option<&TreeEntry> {
        self.entries.get(path)
    }

    /// Paths in the tree (nodes and elements; a path that is both counts once).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Nothing in the tree.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every path with its entry, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &TreeEntry)> {
        self.entries.iter().map(|(p, e)| (p.as_str(), e))
    }

    /// The direct children of `path` (`""`: the top level), in path order.
    pub fn children<'a>(&'a self, path: &'a str) -> impl Iterator<Item = (&'a str, &'a TreeEntry)> {
        let sep = self.sep;
        let parent = (!path.is_empty()).then_some(path);
        self.entries
            .range::<str, _>((std::ops::Bound::Included(path), std::ops::Bound::Unbounded))
            .take_while(move |(p, _)| p.starts_with(path))
            .filter(move |(p, _)| parent_of(p, sep) == parent)
            .map(|(p, e)| (p.as_str(), e))
    }
}

/// The node directly above `path` (its longest node prefix), `None` at the top level.
pub fn parent_of(path: &str, sep: char) -> Option<&str> {
    node_prefixes(path, sep).next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind, path: &str, value: Option<Value>) -> ElementEvent {
        ElementEvent {
            kind,
            subject: if value.is_some() {
                Subject::State
            } else {
                Subject::Method
            },
            path: path.into(),
            value,
            fetch_only: false,
        }
    }

    fn run(rule: Value, events: Vec<ElementEvent>) -> Vec<String> {
        let mut d = Deriver::new(FetchExpr::parse(&rule).unwrap(), '/');
        let mut out = Vec::new();
        for e in events {
            d.apply(e, &mut out);
        }
        out.iter()
            .map(|e| format!("{:?} {} {}", e.kind, e.subject.as_str(), e.path))
            .collect()
    }

    #[test]
    fn derived_nodes_come_before_and_go_after_their_elements() {
        let got = run(
            json!({}),
            vec![
                ev(EventKind::Add, "a/b/c", Some(json!(1))),
                ev(EventKind::Add, "a/d", None),
                ev(EventKind::Change, "a/b/c", Some(json!(2))),
                ev(EventKind::Remove, "a/b/c", Some(json!(2))),
                ev(EventKind::Remove, "a/d", None),
            ],
        );
        assert_eq!(
            got,
            [
                "Add node a",
                "Add node a/b",
                "Add state a/b/c",
                "Add method a/d",
                "Change state a/b/c",
                "Remove state a/b/c",
                "Remove node a/b",
                "Remove method a/d",
                "Remove node a",
            ]
        );
    }

    #[test]
    fn the_path_rule_selects_nodes_too_and_repeats_count_once() {
        let got = run(
            json!({"path":{"equals":"a"}}),
            vec![
                ev(EventKind::Add, "a/b/c", Some(json!(1))),
                ev(EventKind::Add, "a/b/c", Some(json!(1))),
                ev(EventKind::Remove, "a/x", None),
                ev(EventKind::Remove, "a/b/c", Some(json!(1))),
            ],
        );
        assert_eq!(got, ["Add node a", "Remove node a"]);
    }

    #[test]
    fn widening_keeps_a_superset() {
        assert_eq!(
            widened(&json!({"path":{"equals":"a"}})),
            json!({"path":{"startsWith":"a"}})
        );
        assert_eq!(
            widened(&json!({"path":{"startsWith":"a/","contains":"x"}})),
            json!({"path":{"startsWith":"a/"}})
        );
        assert_eq!(widened(&json!({"path":{"contains":"x"}})), json!({}));
        assert_eq!(
            widened(&json!({"path":{"equals":"A","caseInsensitive":true}})),
            json!({})
        );
    }

    #[test]
    fn the_tree_follows_events_and_lists_children() {
        let mut t = Tree::new('/');
        let node = |kind, p: &str| ElementEvent {
            kind,
            path: p.into(),
            value: None,
            fetch_only: false,
            subject: Subject::Node,
        };
        t.apply(&node(EventKind::Add, "a"));
        t.apply(&ev(EventKind::Add, "a", Some(json!(0))));
        t.apply(&node(EventKind::Add, "a/b"));
        t.apply(&ev(EventKind::Add, "a/b/c", Some(json!(1))));
        t.apply(&ev(EventKind::Add, "a/m", None));
        t.apply(&ev(EventKind::Add, "ab", Some(json!(2))));
        let top: Vec<&str> = t.children("").map(|(p, _)| p).collect();
        assert_eq!(top, ["a", "ab"]);
        let kids: Vec<&str> = t.children("a").map(|(p, _)| p).collect();
        assert_eq!(kids, ["a/b", "a/m"]);
        assert!(t.get("a").unwrap().node);
        assert_eq!(
            t.get("a").unwrap().element,
            Some((Subject::State, Some(json!(0)), false))
        );
        t.apply(&ev(EventKind::Remove, "a/b/c", Some(json!(1))));
        t.apply(&node(EventKind::Remove, "a/b"));
        assert!(t.get("a/b").is_none());
        t.apply(&node(EventKind::Remove, "a"));
        assert!(!t.get("a").unwrap().node);
        assert_eq!(t.len(), 3);
        assert_eq!(parent_of("a//x", '/'), Some("a/"));
        assert_eq!(parent_of("/x", '/'), None);
        assert_eq!(parent_of("ü/ö", '/'), Some("ü"));
    }
}
