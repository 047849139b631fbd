//! The node registry: the hierarchy implied by element paths (PROTOCOL.md A.11).
//!
//! Every non-empty prefix of an element's path that ends right before a separator is a
//! node. A node is not stored anywhere else: it exists while at least one element lies
//! below it, so the registry only counts, per node, the elements below it. It follows
//! every add and remove while it is kept (see `node_fetch`), so it is built to be cheap:
//!
//! * A node is a *prefix of an element's path*: its key is the `Arc<str>` of the element
//!   that created it plus a length, so a node costs no string of its own while that
//!   element lives (and keeps that one path alive after it, never more than one string
//!   per node). Lookups by `&str` work through `Borrow<str>`.
//! * It counts *direct* children (elements right below a node, and child nodes), so an
//!   `add` or `remove` below an existing node costs one lookup, not one per level.
//! * Besides the total it counts the *open* children (elements without `access`,
//!   visible to every peer, or nodes with one below), so node visibility for a peer needs
//!   per-peer bookkeeping only for elements with access rules (see `node_fetch`).
//!
//! Keys are paths that peers choose, so the map keeps std's DoS-resistant hasher.

use std::borrow::Borrow;
use std::collections::HashMap;

use jet_runtime::protocol::JsonText;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// How elements and nodes may share positions (the daemon's `hierarchy` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hierarchy {
    /// An element may have the path of a node (`a` and `a/b` both elements), as classic
    /// peers expect.
    #[default]
    Relaxed,
    /// A position holds either a node or an element: `add` at a node or below an element
    /// is refused (the seed's hierarchy).
    Strict,
}

impl Hierarchy {
    pub fn as_str(self) -> &'static str {
        match self {
            Hierarchy::Relaxed => "relaxed",
            Hierarchy::Strict => "strict",
        }
    }
}

impl std::str::FromStr for Hierarchy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "relaxed" => Ok(Hierarchy::Relaxed),
            "strict" => Ok(Hierarchy::Strict),
            other => Err(format!(
                "hierarchy must be relaxed or strict, not {other:?}"
            )),
        }
    }
}

/// The daemon-wide node options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeOptions {
    pub separator: char,
    pub hierarchy: Hierarchy,
}

impl Default for NodeOptions {
    fn default() -> Self {
        NodeOptions {
            separator: '/',
            hierarchy: Hierarchy::Relaxed,
        }
    }
}

/// A node's key: the first `len` bytes of some element's path.
#[derive(Debug, Clone)]
struct NodeKey {
    path: Arc<str>,
    len: u32,
}

impl NodeKey {
    fn as_str(&self) -> &str {
        &self.path[..self.len as usize]
    }
}

impl Borrow<str> for NodeKey {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

// Hash and Eq must agree with `str`'s, since lookups go through `Borrow<str>`.
impl Hash for NodeKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialEq for NodeKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for NodeKey {}

/// A node's direct children (elements directly below it and child nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Counts {
    /// All direct children: the node exists while this is not zero.
    pub total: u32,
    /// Direct children that are elements without access rules or child nodes with such
    /// an element below them: not zero while an element below is visible to every peer.
    pub open: u32,
}

/// The byte lengths of the node prefixes of `path`, root first: each position of a
/// separator except position 0 (a node is a non-empty prefix).
pub(crate) fn prefix_lens(path: &str, sep: char) -> impl DoubleEndedIterator<Item = usize> + '_ {
    path.match_indices(sep).map(|(i, _)| i).filter(|&i| i > 0)
}

/// The nodes a path implies, root first.
pub(crate) fn prefixes(path: &str, sep: char) -> impl DoubleEndedIterator<Item = &str> + '_ {
    prefix_lens(path, sep).map(move |i| &path[..i])
}

/// All live nodes with the counts of the elements below them.
#[derive(Debug)]
pub(crate) struct Nodes {
    options: NodeOptions,
    map: HashMap<NodeKey, Counts>,
}

impl Nodes {
    pub(crate) fn new(options: NodeOptions) -> Nodes {
        Nodes {
            options,
            map: HashMap::new(),
        }
    }

    pub(crate) fn separator(&self) -> char {
        self.options.separator
    }

    /// Whether the registry must follow every element (strict placement needs it); else
    /// it is kept only while somebody fetches nodes.
    pub(crate) fn always_kept(&self) -> bool {
        self.options.hierarchy == Hierarchy::Strict
    }

    /// Forget every node (and give the table's memory back).
    pub(crate) fn clear(&mut self) {
        self.map = HashMap::new();
    }

    /// Number of live nodes.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The counts of a node, `None` when `path` is no node.
    pub(crate) fn get(&self, path: &str) -> Option<Counts> {
        self.map.get(path).copied()
    }

    /// An element was added at `path` (`open`: without access rules).
    ///
    /// Counts are of *direct* children, so the common case (the parent node exists) costs
    /// one lookup: a node is created only when its parent was missing, and `open` turns
    /// non-zero upwards only as far as it was zero. `became_open` is called, root first,
    /// for the nodes that had no open element below them before and have one now (new
    /// nodes included) when the element is open; for an element with access rules it is
    /// never called (visibility then depends on the peer: see `node_fetch`).
    pub(crate) fn add(&mut self, path: &Arc<str>, open: bool, mut became_open: impl FnMut(&str)) {
        let sep = self.options.separator;
        // Walk up from the parent while something changes for the level above: this
        // node is new (the level above gains a child) or turned open (the level above
        // gains an open child).
        let mut turned: Vec<usize> = Vec::new();
        let mut new_below = true;
        let mut opened_below = open;
        for len in prefix_lens(path, sep).rev() {
            if !new_below && !opened_below {
                break;
            }
            let node = &path[..len];
            let (was_open, now_open, created) = match self.map.get_mut(node) {
                Some(counts) => {
                    let was_open = counts.open > 0;
                    counts.total += u32::from(new_below);
                    counts.open += u32::from(opened_below);
                    (was_open, counts.open > 0, false)
                }
                None => {
                    // A new node: the level below is new too (a missing node has no
                    // children), so it is its first child.
                    let key = NodeKey {
                        path: path.clone(),
                        len: u32::try_from(len).expect("paths are shorter than 4 GiB"),
                    };
                    let counts = Counts {
                        total: 1,
                        open: u32::from(opened_below),
                    };
                    self.map.insert(key, counts);
                    (false, opened_below, true)
                }
            };
            if now_open && !was_open {
                turned.push(len);
            }
            new_below = created;
            opened_below = now_open && !was_open;
        }
        for &len in turned.iter().rev() {
            became_open(&path[..len]);
        }
    }

    /// The element at `path` was removed. `became_closed` is called, leaf first, for the
    /// nodes that had an open element below them and have none now (deleted nodes
    /// included) when the element was open; never for an element with access rules.
    pub(crate) fn remove(&mut self, path: &str, open: bool, mut became_closed: impl FnMut(&str)) {
        let sep = self.options.separator;
        let mut child_gone = true;
        let mut child_closed = open;
        for len in prefix_lens(path, sep).rev() {
            if !child_gone && !child_closed {
                break;
            }
            let node = &path[..len];
            let Some(counts) = self.map.get_mut(node) else {
                debug_assert!(false, "node {node:?} of a live element is missing");
                return;
            };
            let was_open = counts.open > 0;
            if child_gone {
                counts.total -= 1;
            }
            if child_closed {
                counts.open -= 1;
            }
            let now_open = counts.open > 0;
            let gone = counts.total == 0;
            if gone {
                self.map.remove(node);
            }
            if was_open && !now_open {
                became_closed(node);
            }
            child_gone = gone;
            child_closed = was_open && !now_open;
        }
    }

    /// Under the strict hierarchy: the occupied position that forbids an element at
    /// `path` (the path itself when it is a node, else the element above it), or `None`
    /// when the position is free. Relaxed: always `None`.
    ///
    /// Cheap in the common case (the parent is a node: two hash lookups): the prefixes
    /// of a path that are nodes are its shortest ones, and under the strict hierarchy a
    /// node is never an element. So only the shortest prefix that is *not* a node can be
    /// an element (a longer one being an element would make it a node), and
    /// `is_element` is asked at most once.
    pub(crate) fn strict_conflict<'a>(
        &self,
        path: &'a str,
        is_element: impl Fn(&str) -> bool,
    ) -> Option<&'a str> {
        if self.options.hierarchy != Hierarchy::Strict {
            return None;
        }
        if self.map.contains_key(path) {
            return Some(path);
        }
        let mut candidate = None;
        for p in prefixes(path, self.options.separator).rev() {
            if self.map.contains_key(p) {
                break;
            }
            candidate = Some(p);
        }
        candidate.filter(|p| is_element(p))
    }

    /// The bytes the registry holds beyond the element paths it shares: its table
    /// (entries and control bytes over the allocated capacity) plus the path strings it
    /// keeps alive on its own (those of removed elements), for the memory figure.
    pub(crate) fn heap_bytes(&self, is_shared: impl Fn(&Arc<str>) -> bool) -> usize {
        let entry = std::mem::size_of::<(NodeKey, Counts)>() + 1;
        let own: usize = self
            .map
            .keys()
            .filter(|k| !is_shared(&k.path))
            .map(|k| k.path.len() + 2 * std::mem::size_of::<usize>())
            .sum();
        self.map.capacity() * entry + own
    }
}

/// What a `nodes:true` fetcher keeps: per matching node, how many elements with access
/// rules below it its peer may fetch (nodes with none are absent).
#[derive(Debug, Default)]
pub(crate) struct NodeView {
    restricted: HashMap<Box<str>, u32>,
}

impl NodeView {
    pub(crate) fn restricted(&self, node: &str) -> u32 {
        if self.restricted.is_empty() {
            return 0;
        }
        self.restricted.get(node).copied().unwrap_or(0)
    }

    pub(crate) fn inc(&mut self, node: &str) {
        match self.restricted.get_mut(node) {
            Some(n) => *n += 1,
            None => {
                self.restricted.insert(node.into(), 1);
            }
        }
    }

    pub(crate) fn dec(&mut self, node: &str) {
        if let Some(n) = self.restricted.get_mut(node) {
            *n -= 1;
            if *n == 0 {
                self.restricted.remove(node);
            }
        }
    }
}

/// The `type` an event of a node fetch carries for an element.
pub(crate) fn element_type(value: Option<&JsonText>) -> &'static str {
    if value.is_some() {
        "state"
    } else {
        "method"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn nodes(hierarchy: Hierarchy, separator: char) -> Nodes {
        Nodes::new(NodeOptions {
            separator,
            hierarchy,
        })
    }

    #[test]
    fn prefixes_are_non_empty_and_end_before_a_separator() {
        let got: Vec<_> = prefixes("plant/line1/boiler/setpoint", '/').collect();
        assert_eq!(got, ["plant", "plant/line1", "plant/line1/boiler"]);
        assert_eq!(
            prefixes("/a//b/", '/').collect::<Vec<_>>(),
            ["/a", "/a/", "/a//b"]
        );
        assert_eq!(prefixes("flat", '/').count(), 0);
        assert_eq!(prefixes("a.b/c.d", '.').collect::<Vec<_>>(), ["a", "a.b/c"]);
        assert_eq!(prefixes("ü/ö/x", '/').collect::<Vec<_>>(), ["ü", "ü/ö"]);
    }

    #[test]
    fn nodes_live_while_an_element_is_below() {
        let mut n = nodes(Hierarchy::Relaxed, '/');
        let ab: Arc<str> = "a/b/x".into();
        let ac: Arc<str> = "a/c".into();
        let mut opened = Vec::new();
        n.add(&ab, false, |p| opened.push(p.to_owned()));
        assert!(opened.is_empty(), "a restricted element opens nothing");
        n.add(&ac, true, |p| opened.push(p.to_owned()));
        assert_eq!(opened, ["a"]);
        assert_eq!(n.get("a"), Some(Counts { total: 2, open: 1 }));
        assert_eq!(n.get("a/b"), Some(Counts { total: 1, open: 0 }));
        let mut closed = Vec::new();
        n.remove(&ab, false, |p| closed.push(p.to_owned()));
        assert!(closed.is_empty());
        assert!(n.get("a/b").is_none());
        // The node "a" was keyed by the removed path and still answers.
        assert_eq!(n.get("a"), Some(Counts { total: 1, open: 1 }));
        n.remove(&ac, true, |p| closed.push(p.to_owned()));
        assert_eq!(closed, ["a"]);
        assert!(n.is_empty());
    }

    #[test]
    fn strict_refuses_nodes_and_positions_below_elements() {
        let mut n = nodes(Hierarchy::Strict, '/');
        n.add(&Arc::from("a/b/c"), true, |_| {});
        let elements = ["a/b/c", "x"];
        let is_el = |p: &str| elements.contains(&p);
        assert_eq!(n.strict_conflict("a/b", is_el), Some("a/b"));
        assert_eq!(n.strict_conflict("a", is_el), Some("a"));
        assert_eq!(n.strict_conflict("a/b/c/d", is_el), Some("a/b/c"));
        assert_eq!(n.strict_conflict("x/y/z", is_el), Some("x"));
        assert_eq!(n.strict_conflict("a/b/d", is_el), None);
        let relaxed = nodes(Hierarchy::Relaxed, '/');
        assert_eq!(relaxed.strict_conflict("x/y", is_el), None);
    }

    #[test]
    fn an_entry_is_small() {
        // Key (Arc<str> + length) and counts: the per-node table entry, no own string.
        assert!(std::mem::size_of::<(NodeKey, Counts)>() <= 32);
    }

    /// The model: per node, (elements below, open elements below), recomputed from the
    /// live elements.
    fn model(elements: &BTreeMap<String, bool>, sep: char) -> BTreeMap<String, (u32, u32)> {
        let mut m: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for (path, open) in elements {
            for p in prefixes(path, sep) {
                let c = m.entry(p.to_owned()).or_default();
                c.0 += 1;
                c.1 += u32::from(*open);
            }
        }
        m
    }

    fn path() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(vec!["a", "b", "", "c.d"]), 1..5)
            .prop_map(|parts| parts.join("/"))
    }

    proptest! {
        /// Under strict placement, `strict_conflict` (two lookups at most) says what the
        /// definition says: the path is a node, or an element lies above it.
        #[test]
        fn strict_conflict_matches_its_definition(
            ops in prop::collection::vec((path(), any::<bool>()), 1..60),
        ) {
            let sep = '/';
            let mut n = nodes(Hierarchy::Strict, sep);
            let mut live: BTreeMap<String, bool> = BTreeMap::new();
            for (path, add) in ops {
                let below = format!("{path}{sep}");
                let naive = if !path.is_empty() && live.keys().any(|p| p.starts_with(&below)) {
                    Some(path.clone())
                } else {
                    prefixes(&path, sep).find(|p| live.contains_key(*p)).map(str::to_owned)
                };
                let got = n.strict_conflict(&path, |p| live.contains_key(p)).map(str::to_owned);
                prop_assert_eq!(&got, &naive, "{}", path);
                if add && got.is_none() && !live.contains_key(&path) {
                    n.add(&Arc::from(path.as_str()), true, |_| {});
                    live.insert(path, true);
                } else if !add && live.remove(&path).is_some() {
                    n.remove(&path, true, |_| {});
                }
            }
        }
    }

    proptest! {
        #[test]
        fn registry_matches_the_model(
            ops in prop::collection::vec((path(), any::<bool>(), any::<bool>()), 1..60),
            dot in any::<bool>(),
        ) {
            let sep = if dot { '.' } else { '/' };
            let mut n = nodes(Hierarchy::Relaxed, sep);
            let mut live: BTreeMap<String, bool> = BTreeMap::new();
            for (path, open, add) in ops {
                let before = model(&live, sep);
                let is_open = |m: &BTreeMap<String, (u32, u32)>, p: &str| {
                    m.get(p).is_some_and(|c| c.1 > 0)
                };
                if add && !live.contains_key(&path) {
                    let mut opened = Vec::new();
                    n.add(&Arc::from(path.as_str()), open, |p| opened.push(p.to_owned()));
                    live.insert(path.clone(), open);
                    let after = model(&live, sep);
                    let expect: Vec<String> = prefixes(&path, sep)
                        .filter(|p| !is_open(&before, p) && is_open(&after, p))
                        .map(str::to_owned)
                        .collect();
                    prop_assert_eq!(opened, expect);
                } else if let Some(open) = live.remove(&path) {
                    let mut closed = Vec::new();
                    n.remove(&path, open, |p| closed.push(p.to_owned()));
                    let after = model(&live, sep);
                    let expect: Vec<String> = prefixes(&path, sep)
                        .rev()
                        .filter(|p| is_open(&before, p) && !is_open(&after, p))
                        .map(str::to_owned)
                        .collect();
                    prop_assert_eq!(closed, expect);
                }
                let m = model(&live, sep);
                prop_assert_eq!(n.len(), m.len());
                for (p, c) in &m {
                    let got = n.get(p);
                    prop_assert!(got.is_some(), "node {} missing", p);
                    prop_assert_eq!(got.unwrap().open > 0, c.1 > 0, "open of {}", p);
                }
            }
        }
    }
}
