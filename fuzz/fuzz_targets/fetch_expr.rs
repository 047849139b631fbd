//! Fetch expressions: `FetchExpr::parse`, the path and value matchers and, for sorted
//! expressions, the sorter, on arbitrary JSON.
//!
//! Input: JSON text. `[expr, events]` runs `expr` against `events`, a list of
//! `[path, value]` pairs (a missing value, or a second element that is not there, stands for
//! a method) applied in order: the first time a path appears it is added, later it changes,
//! and `[path]` with `"remove"` as the value removes it. Any other JSON is parsed as an
//! expression alone.
//!
//! Checked: nothing panics; a refused expression gives an error object; `path_hint` covers
//! every path `matches_path` accepts; `matches` is `matches_path && matches_value`; for a
//! sorted expression every reported index lies in the window, and the window a fetcher
//! rebuilds from the notifications (each entry written at its index, the view truncated to
//! `n` items) always equals the window of the fully sorted list, with `n` its length: the
//! invariant of PROTOCOL.md A.6, whatever `from` is. (This target found the stale window
//! with `from > 1` that A.6's correction fixes; see tests/tests/hardening/regressions.rs.)
#![no_main]

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use jet_runtime::fetch::engine::{Event, EventFilter, FetchExpr, PathHint, SortKey, SortedUpdate, Sorter};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn covered(hint: &PathHint, path: &str) -> bool {
    match hint {
        PathHint::Any => true,
        PathHint::Prefix(p) => path.starts_with(p.as_str()),
        PathHint::Equals(paths) => paths.iter().any(|p| p == path),
    }
}

/// The sort key value of an element, as the spec orders it.
fn key_of<'a>(key: &SortKey, value: Option<&'a Value>) -> Option<&'a Value> {
    match key {
        SortKey::Path => None,
        SortKey::Value(_) => value,
        SortKey::Field(accessor, _) => value.and_then(|v| accessor.get(v)),
    }
}

/// Within one sorted fetch every key has the same type (implied isType), so this only has
/// to order values of one kind; objects and arrays are all equal.
fn cmp_keys(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => a
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&b.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(a)), Some(Value::String(b))) => a.cmp(b),
        (Some(Value::Bool(a)), Some(Value::Bool(b))) => a.cmp(b),
        _ => Ordering::Equal,
    }
}

/// The window `from..=to` of the fully sorted matches, as paths.
fn expected_window(expr: &FetchExpr, matches: &BTreeMap<Arc<str>, Option<Value>>) -> Vec<Arc<str>> {
    let spec = expr.sort().expect("sorted");
    let mut all: Vec<(&Arc<str>, Option<&Value>)> = matches
        .iter()
        .map(|(p, v)| (p, key_of(&spec.key, v.as_ref())))
        .collect();
    all.sort_by(|a, b| {
        let ord = cmp_keys(a.1, b.1).then_with(|| a.0.cmp(b.0));
        if spec.descending {
            ord.reverse()
        } else {
            ord
        }
    });
    all.into_iter()
        .skip(spec.from - 1)
        .take(spec.to - spec.from + 1)
        .map(|(p, _)| p.clone())
        .collect()
}

/// A fetcher's view of a sorted window, built from notifications only.
struct View {
    from: usize,
    at: BTreeMap<usize, Arc<str>>,
    n: usize,
}

impl View {
    fn apply(&mut self, update: &SortedUpdate<Value>, to: usize) {
        for change in &update.changes {
            assert!(
                (self.from..=to).contains(&change.index),
                "index {} outside the window {}..={to}",
                change.index,
                self.from
            );
            self.at.insert(change.index, change.path.clone());
        }
        self.n = update.n;
        // A client truncates its view to `n` items (A.6).
        let end = self.from + self.n;
        self.at.retain(|&i, _| i < end);
    }

    fn shown(&self) -> Vec<Arc<str>> {
        (self.from..self.from + self.n)
            .map(|i| self.at.get(&i).cloned().expect("position never reported"))
            .collect()
    }
}

fn run_events(expr: &FetchExpr, events: &[Value]) {
    let hint = expr.path_hint();
    let mut filter = EventFilter::new();
    let mut sorter = expr.sort().cloned().map(Sorter::<Value>::new);
    let mut view = expr.sort().map(|s| View {
        from: s.from,
        at: BTreeMap::new(),
        n: 0,
    });
    // All elements on the bus, and those that this fetcher currently holds.
    let mut bus: BTreeMap<Arc<str>, Option<Value>> = BTreeMap::new();
    let mut matches: BTreeMap<Arc<str>, Option<Value>> = BTreeMap::new();
    // The first half of the events exist before the fetch starts.
    let split = events.len() / 2;
    for (i, event) in events.iter().enumerate() {
        if i == split {
            // The fetch starts: the initial scan of everything on the bus, then the flush.
            start_fetch(
                expr,
                &bus,
                &mut filter,
                &mut sorter,
                &mut view,
                &mut matches,
            );
        }
        let Some(path) = event.get(0).and_then(Value::as_str) else {
            continue;
        };
        let value = event.get(1).cloned();
        let path_matches = expr.matches_path(path);
        if path_matches {
            assert!(covered(&hint, path), "hint {hint:?} misses {path:?}");
        }
        assert_eq!(
            expr.matches(path, value.as_ref()),
            path_matches && expr.matches_value(value.as_ref())
        );
        let path: Arc<str> = Arc::from(path);
        let element_event = if value.as_ref().and_then(Value::as_str) == Some("remove") {
            if bus.remove(&path).is_none() {
                continue;
            }
            Event::Remove
        } else if bus.insert(path.clone(), value.clone()).is_some() {
            Event::Change
        } else {
            Event::Add
        };
        if i < split || !path_matches {
            continue;
        }
        let value_matches = element_event != Event::Remove && expr.matches_value(value.as_ref());
        let Some(reported) = (if expr.has_value_rule() {
            filter.apply(element_event, &path, value_matches)
        } else {
            Some(element_event)
        }) else {
            continue;
        };
        match reported {
            Event::Remove => {
                matches.remove(&path);
            }
            _ => {
                matches.insert(path.clone(), value.clone());
            }
        }
        if let (Some(sorter), Some(view)) = (sorter.as_mut(), view.as_mut()) {
            if let Some(update) =
                sorter.update(reported, &path, value.as_ref(), value.clone(), false)
            {
                view.apply(&update, sorter.spec().to);
            }
            let expected = expected_window(expr, &matches);
            assert_eq!(view.n, expected.len(), "n is not the window's length");
            assert_eq!(view.shown(), expected, "sorted view diverged");
        }
    }
    if events.is_empty() {
        start_fetch(
            expr,
            &bus,
            &mut filter,
            &mut sorter,
            &mut view,
            &mut matches,
        );
    }
}

fn start_fetch(
    expr: &FetchExpr,
    bus: &BTreeMap<Arc<str>, Option<Value>>,
    filter: &mut EventFilter,
    sorter: &mut Option<Sorter<Value>>,
    view: &mut Option<View>,
    matches: &mut BTreeMap<Arc<str>, Option<Value>>,
) {
    for (path, value) in bus {
        if !expr.matches_path(path) {
            continue;
        }
        if expr.has_value_rule()
            && filter
                .apply(Event::Add, path, expr.matches_value(value.as_ref()))
                .is_none()
        {
            continue;
        }
        matches.insert(path.clone(), value.clone());
        if let Some(sorter) = sorter.as_mut() {
            sorter.initial(path.clone(), value.as_ref(), value.clone(), false);
        }
    }
    if let (Some(sorter), Some(view)) = (sorter.as_mut(), view.as_mut()) {
        view.apply(&sorter.flush(), sorter.spec().to);
        // The first window is always complete, whatever `from` is.
        assert_eq!(
            view.shown(),
            expected_window(expr, matches),
            "first window wrong"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (expr_json, events) = match &input {
        Value::Array(items) if items.len() == 2 && items[1].is_array() => {
            (&items[0], items[1].as_array().expect("checked").as_slice())
        }
        _ => (&input, &[][..]),
    };
    match FetchExpr::parse(expr_json) {
        Ok(expr) => run_events(&expr, events),
        Err(e) => {
            let obj = e.to_error_object();
            assert!(!e.0.is_empty(), "an empty error text helps nobody");
            let _ = serde_json::to_string(&obj).expect("error objects serialise");
        }
    }
});
