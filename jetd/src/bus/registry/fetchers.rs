//! Fetchers: registered fetch expressions, the indexes that find the fetchers a new path
//! can match, and delivery of element events through value filters and sorters.
//!
//! A fetcher is attached to every element whose path it matches (and that its peer may
//! fetch) when either appears. Paths never change, so a `change` meets only the attached
//! fetchers: its cost is linear in the fetchers that can care, not in all fetchers.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jet_runtime::fetch::engine::Sorter;
use jet_runtime::fetch::engine::{Event, EventFilter};
use jet_runtime::fetch::engine::{FetchExpr, PathHint};
use jet_runtime::protocol::JsonText;
use serde_json::Value;

use super::keylist::KeyList;
use super::links::Attached;
use super::nodes::{element_type, NodeView};
use crate::bus::wire::{self, Dialect, Notification};
use crate::bus::ConnId;
use crate::outbox::Outbox;

/// Index of a fetcher in the registry.
pub use super::ids::FetcherId;

/// One `fetch` of one connection.
pub(crate) struct Fetcher {
    pub conn: ConnId,
    /// The fetch id as the JSON text the peer sent (notifications use it as `method`).
    pub id_json: Box<str>,
    pub expr: FetchExpr,
    /// How its connection speaks (fixed when the fetch was made).
    pub dialect: Dialect,
    /// Paths currently reported, when the expression has a value rule (B §6.5).
    pub filter: Option<EventFilter>,
    /// Boxed: a sorter is larger than the rest of a fetcher, and most fetches have none
    /// (every fetcher's slot would otherwise be sized for one).
    pub sorter: Option<Box<Sorter<JsonText>>>,
    /// The elements this fetcher is attached to (see `links`), so that dropping it visits
    /// only them.
    pub attached: Vec<Attached>,
    /// `Some` for a `nodes:true` fetch (A.11): node visibility, and events carry `type`.
    pub nodes: Option<Box<NodeView>>,
}

impl Fetcher {
    pub(crate) fn new(
        conn: ConnId,
        dialect: Dialect,
        id_json: Box<str>,
        expr: FetchExpr,
    ) -> Fetcher {
        let filter = expr.has_value_rule().then(EventFilter::default);
        let sorter = expr.sort().cloned().map(|spec| Box::new(Sorter::new(spec)));
        Fetcher {
            conn,
            dialect,
            id_json,
            expr,
            filter,
            sorter,
            attached: Vec::new(),
            nodes: None,
        }
    }

    /// node-jet 3 fetches states only (PROTOCOL.md C.1.2: methods are never fetched);
    /// a method is the element without a value.
    fn skips_methods(&self, value: Option<&JsonText>) -> bool {
        self.dialect == Dialect::N3 && value.is_none()
    }

    /// Run one element event through this fetcher's value filter; the event to report.
    fn filtered(
        &mut self,
        event: Event,
        path: &Arc<str>,
        value: &mut LazyValue<'_>,
    ) -> Option<Event> {
        let Some(filter) = self.filter.as_mut() else {
            return Some(event);
        };
        let matches = event != Event::Remove && self.expr.matches_value(value.get());
        filter.apply(event, path, matches)
    }

    /// During fetch setup: feed one existing element. Unsorted fetchers report it at once;
    /// sorted ones collect it for the first flush.
    pub(crate) fn initial(
        &mut self,
        out: &Outbox,
        path: &Arc<str>,
        value: Option<&JsonText>,
        fetch_only: bool,
    ) {
        let mut lazy = LazyValue::new(value);
        if self.skips_methods(value) || self.filtered(Event::Add, path, &mut lazy).is_none() {
            return;
        }
        match self.sorter.as_mut() {
            Some(sorter) => sorter.initial(path.clone(), lazy.get(), value.cloned(), fetch_only),
            None => write_event(out, self, Event::Add, path, value, fetch_only),
        }
    }

    /// After the initial scan: a sorted fetcher's first notification (always sent).
    pub(crate) fn flush(&mut self, out: &Outbox) {
        if let Some(sorter) = self.sorter.as_mut() {
            let update = sorter.flush();
            wire::sorted_notification(out, self.dialect, &self.id_json, &update, true);
        }
    }

    /// A later element event.
    pub(crate) fn deliver(
        &mut self,
        out: &Outbox,
        event: Event,
        path: &Arc<str>,
        value: &mut LazyValue<'_>,
        fetch_only: bool,
    ) {
        if self.skips_methods(value.text()) {
            return;
        }
        let Some(event) = self.filtered(event, path, value) else {
            return;
        };
        let text = value.text();
        match self.sorter.as_mut() {
            Some(sorter) => {
                if let Some(update) =
                    sorter.update(event, path, value.get(), text.cloned(), fetch_only)
                {
                    wire::sorted_notification(out, self.dialect, &self.id_json, &update, false);
                }
            }
            None => write_event(out, self, event, path, text, fetch_only),
        }
    }
}

/// A value's text, parsed on first use: a change met only by path-only fetchers is never
/// parsed at all.
pub(crate) struct LazyValue<'a> {
    text: Option<&'a JsonText>,
    parsed: Option<Option<Value>>,
}

impl<'a> LazyValue<'a> {
    pub(crate) fn new(text: Option<&'a JsonText>) -> Self {
        LazyValue { text, parsed: None }
    }

    pub(crate) fn text(&self) -> Option<&'a JsonText> {
        self.text
    }

    pub(crate) fn get(&mut self) -> Option<&Value> {
        let text = self.text;
        self.parsed
            .get_or_insert_with(|| text.and_then(JsonText::to_value))
            .as_ref()
    }
}

fn write_event(
    out: &Outbox,
    f: &Fetcher,
    event: Event,
    path: &str,
    value: Option<&JsonText>,
    fetch_only: bool,
) {
    wire::notification(
        out,
        f.dialect,
        &Notification {
            fetch_id: &f.id_json,
            fetch_only: fetch_only && event == Event::Add,
            path,
            event,
            value,
            kind: f.nodes.is_some().then(|| element_type(value)),
        },
    );
}

/// Finds the fetchers that may match a path without testing every fetcher.
#[derive(Debug, Default)]
pub(crate) struct FetcherIndex {
    equals: HashMap<String, KeyList>,
    prefix: HashMap<String, KeyList>,
    /// Lengths of the prefixes in `prefix`, with how many prefixes have each length.
    prefix_lens: BTreeMap<usize, usize>,
    /// Fetchers that have to be tested against every path.
    scan: KeyList,
}

impl FetcherIndex {
    pub(crate) fn insert(&mut self, key: FetcherId, hint: &PathHint) {
        match hint {
            PathHint::Equals(paths) => {
                let mut paths = paths.clone();
                paths.sort();
                paths.dedup();
                for p in paths {
                    self.equals.entry(p).or_default().push(key);
                }
            }
            PathHint::Prefix(p) => {
                let keys = self.prefix.entry(p.clone()).or_default();
                if keys.is_empty() {
                    *self.prefix_lens.entry(p.len()).or_default() += 1;
                }
                keys.push(key);
            }
            PathHint::Any => self.scan.push(key),
        }
    }

    pub(crate) fn remove(&mut self, key: FetcherId, hint: &PathHint) {
        /// Whether the list of `p` became empty (and was dropped).
        fn take(map: &mut HashMap<String, KeyList>, p: &str, key: FetcherId) -> bool {
            let Some(keys) = map.get_mut(p) else {
                return false;
            };
            keys.remove(key);
            if keys.is_empty() {
                map.remove(p);
                return true;
            }
            false
        }
        match hint {
            PathHint::Equals(paths) => {
                for p in paths {
                    take(&mut self.equals, p, key);
                }
            }
            PathHint::Prefix(p) => {
                if take(&mut self.prefix, p, key) {
                    if let Some(count) = self.prefix_lens.get_mut(&p.len()) {
                        *count -= 1;
                        if *count == 0 {
                            self.prefix_lens.remove(&p.len());
                        }
                    }
                }
            }
            PathHint::Any => {
                self.scan.remove(key);
            }
        }
    }

    /// Every fetcher that might match `path` (each at most once).
    pub(crate) fn candidates(&self, path: &str, out: &mut Vec<FetcherId>) {
        if let Some(keys) = self.equals.get(path) {
            out.extend_from_slice(keys.as_slice());
        }
        for &len in self.prefix_lens.keys() {
            if len > path.len() {
                break;
            }
            if !path.is_char_boundary(len) {
                continue;
            }
            if let Some(keys) = self.prefix.get(&path[..len]) {
                out.extend_from_slice(keys.as_slice());
            }
        }
        out.extend_from_slice(self.scan.as_slice());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_finds_by_equals_prefix_and_scan() {
        let mut ix = FetcherIndex::default();
        ix.insert(
            FetcherId(1),
            &PathHint::Equals(vec!["a/b".into(), "a/b".into()]),
        );
        ix.insert(FetcherId(2), &PathHint::Prefix("a/".into()));
        ix.insert(FetcherId(3), &PathHint::Prefix("".into()));
        ix.insert(FetcherId(4), &PathHint::Any);
        ix.insert(FetcherId(5), &PathHint::Prefix("zz".into()));
        let mut got = Vec::new();
        ix.candidates("a/b", &mut got);
        got.sort();
        assert_eq!(
            got,
            vec![FetcherId(1), FetcherId(2), FetcherId(3), FetcherId(4)]
        );
        ix.remove(FetcherId(2), &PathHint::Prefix("a/".into()));
        ix.remove(
            FetcherId(1),
            &PathHint::Equals(vec!["a/b".into(), "a/b".into()]),
        );
        got.clear();
        ix.candidates("a/b", &mut got);
        got.sort();
        assert_eq!(got, vec![FetcherId(3), FetcherId(4)]);
    }

    #[test]
    fn prefixes_respect_char_boundaries() {
        let mut ix = FetcherIndex::default();
        ix.insert(FetcherId(1), &PathHint::Prefix("ü".into()));
        ix.insert(FetcherId(2), &PathHint::Prefix("x".into()));
        let mut got = Vec::new();
        ix.candidates("üx", &mut got);
        assert_eq!(got, vec![FetcherId(1)]);
    }
}
