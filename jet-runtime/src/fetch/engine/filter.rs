//! The per-fetcher add/change/remove conversion for value rules (PROTOCOL.md B §6.5).
//!
//! With a value rule, what a fetcher reports is not the element's own event: an element
//! whose value stops matching is `remove`d for this fetcher while it stays on the bus, and
//! `add`ed again when it matches once more. The filter remembers which paths this fetcher
//! has reported, which is all the state that conversion needs.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// An element event, as the daemon sees it and as a fetch reports it: the one definition
/// of the event names (the peer re-exports it as `jet_runtime::peer::EventKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// The element matches now (it was added, or its value started to match, or it was
    /// there when the fetch began).
    Add,
    /// Its value changed and it still matches.
    Change,
    /// It is gone or no longer matches.
    Remove,
}

impl Event {
    /// Every event.
    pub const ALL: [Event; 3] = [Event::Add, Event::Change, Event::Remove];

    /// The classic wire name: `"add"`, `"change"` or `"remove"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Add => "add",
            Event::Change => "change",
            Event::Remove => "remove",
        }
    }

    /// The node-jet 3 wire name (PROTOCOL.md C.1.2): `"Add"`, `"Change"` or `"Remove"`.
    pub fn as_n3_str(self) -> &'static str {
        match self {
            Event::Add => "Add",
            Event::Change => "Change",
            Event::Remove => "Remove",
        }
    }

    /// The event of a wire name in either dialect (`add` or node-jet 3's `Add`); ASCII
    /// case is ignored, as peers must tolerate both.
    pub fn parse(name: &str) -> Option<Event> {
        Event::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The set of paths a fetcher with a value rule currently reports.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    reported: HashSet<Arc<str>>,
}

impl EventFilter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Given the element event and whether its value now matches, the event this fetcher
    /// reports (or None). Remove/no-match: Remove if reported before, else None; match: Add
    /// if not reported yet, else Change.
    pub fn apply(&mut self, event: Event, path: &Arc<str>, value_matches: bool) -> Option<Event> {
        if event == Event::Remove || !value_matches {
            return self.reported.remove(&**path).then_some(Event::Remove);
        }
        if self.reported.contains(&**path) {
            Some(Event::Change)
        } else {
            self.reported.insert(Arc::clone(path));
            Some(Event::Add)
        }
    }

    /// Drops `path` without reporting anything (e.g. the fetching peer lost access to it).
    pub fn forget(&mut self, path: &str) {
        self.reported.remove(path);
    }

    /// Whether `path` is currently reported.
    pub fn contains(&self, path: &str) -> bool {
        self.reported.contains(path)
    }

    /// Number of paths currently reported.
    pub fn len(&self) -> usize {
        self.reported.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reported.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn event_names() {
        assert_eq!(Event::Add.as_str(), "add");
        assert_eq!(Event::Change.as_str(), "change");
        assert_eq!(Event::Remove.to_string(), "remove");
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
            assert_eq!(Event::parse(e.as_n3_str()), Some(e));
        }
        assert_eq!(Event::parse("added"), None);
    }

    /// lua-jet peer_spec "can fetch states with "equals" and no "prop" value" and node-jet's
    /// observation: age 10 -> 25 with lessThan 20 is a remove, 30 -> 15 an add.
    #[test]
    fn values_entering_and_leaving_become_add_and_remove() {
        let mut f = EventFilter::new();
        let a = p("persons/1");
        assert_eq!(f.apply(Event::Add, &a, true), Some(Event::Add));
        assert_eq!(f.apply(Event::Change, &a, true), Some(Event::Change));
        assert_eq!(f.apply(Event::Change, &a, false), Some(Event::Remove));
        assert_eq!(f.apply(Event::Change, &a, false), None);
        assert_eq!(f.apply(Event::Change, &a, true), Some(Event::Add));
        assert_eq!(f.len(), 1);
        assert!(f.contains("persons/1"));
        assert_eq!(f.apply(Event::Remove, &a, true), Some(Event::Remove));
        assert_eq!(f.apply(Event::Remove, &a, true), None);
        assert!(f.is_empty());
    }

    #[test]
    fn non_matching_add_is_silent_and_forget_drops() {
        let mut f = EventFilter::new();
        let b = p("b");
        assert_eq!(f.apply(Event::Add, &b, false), None);
        assert!(f.is_empty());
        assert_eq!(f.apply(Event::Add, &b, true), Some(Event::Add));
        // An `add` for a path already reported (e.g. a duplicate initial event) is a change.
        assert_eq!(f.apply(Event::Add, &b, true), Some(Event::Change));
        f.forget("b");
        assert!(f.is_empty());
        assert_eq!(f.apply(Event::Remove, &b, false), None);
    }
}
