//! Checking the daemon's answers against the rules the peer asked for.
//!
//! Not every daemon applies every rule: cjet ignores value rules, `sort` and
//! `valueAsResult` (PROTOCOL.md B), so a `get` with `value: {greaterThan: 50}` returns states
//! that do not match and a sorted fetch becomes a plain event stream. The peer knows the rule
//! it sent, and checking costs little (the matchers, the value-rule filter and the sorter are
//! jet-runtime's own, the ones jetd runs), so it checks what it gets and applies what the
//! daemon left out: a program gets the same elements, events and windows from jetd, node-jet
//! and cjet. Each time it has to, it says so with a [`Notice`] (see
//! [`PeerBuilder::on_notice`](super::PeerBuilder::on_notice)).
//!
//! What the peer cannot repair: a daemon that sorts but ignores value rules inside the
//! window (none is known to), and elements a daemon never sends.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::builder::Settings;
use super::fetch::{Element, ElementEvent, EventKind};
use crate::fetch::engine::{Event, EventFilter, FetchExpr, SortedUpdate, Sorter};

/// Something the daemon did not do that the peer did in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// The daemon answered a `get`, or notified a fetch, with elements that do not match
    /// the expression's rules; the peer left them out (and, for a fetch, reports elements
    /// as they start and stop matching).
    RulesIgnored,
    /// The daemon did not sort (plain element events or an unsorted `get` answer); the peer
    /// sorts and keeps the window itself.
    SortIgnored,
    /// The owner answered a `set` with `valueAsResult` with `true` instead of the value (the
    /// daemon did not pass the flag on); the peer read the value with `get`.
    ValueAsResultIgnored {
        /// The state that was set.
        path: String,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::RulesIgnored => f.write_str(
                "the daemon does not apply value rules; the peer applied them to its answer",
            ),
            Notice::SortIgnored => f.write_str(
                "the daemon does not sort; the peer sorted the elements and keeps the window",
            ),
            Notice::ValueAsResultIgnored { path } => write!(
                f,
                "the daemon does not pass on valueAsResult; the peer read the value of {path} \
                 with get"
            ),
        }
    }
}

/// The user's notice handler (default: a `tracing` warning).
#[derive(Clone)]
pub(crate) struct NoticeFn(pub(crate) Arc<dyn Fn(&Notice) + Send + Sync>);

impl fmt::Debug for NoticeFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NoticeFn")
    }
}

/// Tell the user. Never called with the registry locked: the handler is user code.
pub(crate) fn report(settings: &Settings, notice: &Notice) {
    match &settings.on_notice {
        Some(NoticeFn(handler)) => handler(notice),
        None => tracing::warn!(addr = %settings.addr, "{notice}"),
    }
}

/// What one fetch checks and keeps to apply its rules itself.
pub(crate) struct LocalRules {
    expr: FetchExpr,
    filter: EventFilter,
    /// Set up when a sorted fetch receives plain element events.
    sorter: Option<Sorter<Value>>,
    rules_noticed: bool,
    sort_noticed: bool,
}

/// What an element event from the daemon becomes.
pub(crate) enum Checked {
    /// Report this element event.
    Event(ElementEvent),
    /// A sorted fetch: apply these window changes and this `n`.
    Window(Vec<Element>, usize),
    /// Nothing to report (the element does not match, or the window did not change).
    Nothing,
}

impl LocalRules {
    /// For the params of a `fetch`; `None` when the expression has nothing a daemon could
    /// leave out (no value rule, no sort) or does not parse here.
    pub(crate) fn new(params: &Value) -> Option<LocalRules> {
        let expr = FetchExpr::parse(params).ok()?;
        if !expr.has_value_rule() && expr.sort().is_none() {
            return None;
        }
        Some(LocalRules {
            expr,
            filter: EventFilter::new(),
            sorter: None,
            rules_noticed: false,
            sort_noticed: false,
        })
    }

    /// Start over (the fetch was set up again after a reconnect).
    pub(crate) fn reset(&mut self) {
        self.filter = EventFilter::new();
        self.sorter = None;
    }

    /// An element event as the daemon sent it: what the fetch reports, and a notice the
    /// first time the peer has to step in.
    pub(crate) fn element(&mut self, event: ElementEvent) -> (Checked, Option<Notice>) {
        let path: Arc<str> = Arc::from(event.path.as_str());
        let kind = match event.kind {
            EventKind::Add => Event::Add,
            EventKind::Change => Event::Change,
            EventKind::Remove => Event::Remove,
        };
        let matches = self.expr.matches(&path, event.value.as_ref());
        let reported = self.filter.apply(kind, &path, matches);
        let mut notice = None;
        if reported != Some(kind) && !self.rules_noticed {
            self.rules_noticed = true;
            notice = Some(Notice::RulesIgnored);
        }
        let Some(reported) = reported else {
            return (Checked::Nothing, notice);
        };
        let Some(spec) = self.expr.sort() else {
            let kind = match reported {
                Event::Add => EventKind::Add,
                Event::Change => EventKind::Change,
                Event::Remove => EventKind::Remove,
            };
            return (Checked::Event(ElementEvent { kind, ..event }), notice);
        };
        // A sorted fetch that gets element events: the daemon does not sort.
        if !self.sort_noticed {
            self.sort_noticed = true;
            notice = Some(Notice::SortIgnored);
        }
        let sorter = self.sorter.get_or_insert_with(|| {
            let mut sorter = Sorter::new(spec.clone());
            // Nothing seen yet: the (empty) first window is not worth reporting.
            sorter.flush();
            sorter
        });
        let value = event.value.as_ref();
        let update = sorter.update(
            reported,
            &path,
            value,
            event.value.clone(),
            event.fetch_only,
        );
        match update {
            Some(update) => {
                let n = update.n;
                (Checked::Window(window_changes(update), n), notice)
            }
            None => (Checked::Nothing, notice),
        }
    }
}

fn window_changes(update: SortedUpdate<Value>) -> Vec<Element> {
    update
        .changes
        .into_iter()
        .map(|c| Element {
            path: c.path.to_string(),
            value: c.value,
            fetch_only: c.fetch_only,
            index: Some(c.index),
        })
        .collect()
}

/// A `get` answer checked against `params`: elements that do not match are left out, and
/// an unsorted answer to a sorted `get` is sorted and cut to the window here.
pub(crate) fn check_get(params: &Value, elements: Vec<Element>) -> (Vec<Element>, Vec<Notice>) {
    let Ok(expr) = FetchExpr::parse(params) else {
        return (elements, Vec::new());
    };
    let mut notices = Vec::new();
    let before = elements.len();
    let elements: Vec<Element> = elements
        .into_iter()
        .filter(|e| expr.matches(&e.path, e.value.as_ref()))
        .collect();
    if elements.len() != before {
        notices.push(Notice::RulesIgnored);
    }
    let Some(spec) = expr.sort() else {
        return (elements, notices);
    };
    if elements.iter().all(|e| e.index.is_some()) {
        return (elements, notices);
    }
    notices.push(Notice::SortIgnored);
    let mut sorter: Sorter<Value> = Sorter::new(spec.clone());
    for e in &elements {
        let path: Arc<str> = Arc::from(e.path.as_str());
        sorter.initial(path, e.value.as_ref(), e.value.clone(), e.fetch_only);
    }
    (window_changes(sorter.flush()), notices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: EventKind, path: &str, value: Value) -> ElementEvent {
        ElementEvent {
            kind,
            path: path.into(),
            value: Some(value),
            fetch_only: false,
            subject: crate::peer::Subject::State,
        }
    }

    fn element(path: &str, value: Value) -> Element {
        Element {
            path: path.into(),
            value: Some(value),
            fetch_only: false,
            index: None,
        }
    }

    #[test]
    fn expressions_without_value_rules_or_sort_need_no_checks() {
        assert!(LocalRules::new(&json!({"id": "f", "path": {"startsWith": "a"}})).is_none());
        assert!(LocalRules::new(&json!({"id": "f", "value": {"equals": 1}})).is_some());
        assert!(LocalRules::new(&json!({"id": "f", "sort": {"byPath": true}})).is_some());
    }

    #[test]
    fn events_a_daemon_already_filtered_pass_unchanged_and_silently() {
        let mut local = LocalRules::new(&json!({"value": {"greaterThan": 50}})).unwrap();
        for (kind, value) in [
            (EventKind::Add, json!(60)),
            (EventKind::Change, json!(70)),
            (EventKind::Remove, json!(10)),
        ] {
            let (checked, notice) = local.element(event(kind, "a", value.clone()));
            assert!(notice.is_none());
            assert!(
                matches!(checked, Checked::Event(e) if e.kind == kind && e.value == Some(value))
            );
        }
    }

    #[test]
    fn events_of_a_daemon_that_ignores_value_rules_are_converted() {
        let mut local = LocalRules::new(&json!({"value": {"greaterThan": 50}})).unwrap();
        let (checked, notice) = local.element(event(EventKind::Add, "a", json!(10)));
        assert!(matches!(checked, Checked::Nothing));
        assert_eq!(notice, Some(Notice::RulesIgnored));
        // Starts matching: an add; stops: a remove; said once only.
        let (checked, notice) = local.element(event(EventKind::Change, "a", json!(60)));
        assert!(matches!(checked, Checked::Event(e) if e.kind == EventKind::Add));
        assert!(notice.is_none());
        let (checked, _) = local.element(event(EventKind::Change, "a", json!(20)));
        assert!(matches!(checked, Checked::Event(e) if e.kind == EventKind::Remove));
        let (checked, _) = local.element(event(EventKind::Remove, "a", json!(20)));
        assert!(matches!(checked, Checked::Nothing));
    }

    #[test]
    fn a_sorted_fetch_with_plain_events_keeps_its_window() {
        let params = json!({"sort": {"byValue": "number", "descending": true, "from": 1, "to": 2}});
        let mut local = LocalRules::new(&params).unwrap();
        let (checked, notice) = local.element(event(EventKind::Add, "a", json!(1)));
        assert_eq!(notice, Some(Notice::SortIgnored));
        assert!(
            matches!(checked, Checked::Window(c, 1) if c[0].path == "a" && c[0].index == Some(1))
        );
        let (checked, _) = local.element(event(EventKind::Add, "b", json!(5)));
        match checked {
            Checked::Window(changes, n) => {
                assert_eq!(n, 2);
                let at: Vec<_> = changes.iter().map(|c| (c.path.as_str(), c.index)).collect();
                assert_eq!(at, [("b", Some(1)), ("a", Some(2))]);
            }
            _ => panic!("expected a window"),
        }
        // A string is not a number: the implied isType keeps it out.
        let (checked, _) = local.element(event(EventKind::Add, "s", json!("x")));
        assert!(matches!(checked, Checked::Nothing));
    }

    #[test]
    fn get_answers_are_filtered_and_sorted_when_the_daemon_did_not() {
        let all = vec![
            element("a", json!(10)),
            element("b", json!(60)),
            element("c", json!(80)),
            element("d", json!("x")),
        ];
        let (got, notices) = check_get(&json!({"value": {"greaterThan": 50}}), all.clone());
        let paths: Vec<_> = got.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["b", "c"]);
        assert_eq!(notices, [Notice::RulesIgnored]);
        let sorted = json!({"sort": {"byValue": "number", "descending": true, "to": 2}});
        let (got, notices) = check_get(&sorted, all.clone());
        let at: Vec<_> = got.iter().map(|e| (e.path.as_str(), e.index)).collect();
        assert_eq!(at, [("c", Some(1)), ("b", Some(2))]);
        assert_eq!(notices, [Notice::RulesIgnored, Notice::SortIgnored]);
        // A daemon that did its job: nothing changes, nothing is said.
        let (got, notices) = check_get(&json!({"path": {"equals": "a"}}), vec![all[0].clone()]);
        assert_eq!(got, vec![all[0].clone()]);
        assert!(notices.is_empty());
    }
}
