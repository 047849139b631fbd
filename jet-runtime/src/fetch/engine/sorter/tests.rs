//! Sorter tests: the worked examples of PROTOCOL.md B §6.8, the sorted expectations of the
//! lua-jet and node-jet test suites (B §10), and a property test against a literal model of
//! the reference algorithm.

use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::fetch::engine::{EventFilter, FetchExpr};

/// What a notification says, reduced to comparable parts: (path, index) per change, `n`,
/// and whether it is the in-place form.
type Seen = (Vec<(String, usize)>, usize, bool);

fn seen(update: &SortedUpdate<Value>) -> Seen {
    (
        update
            .changes
            .iter()
            .map(|c| (c.path.to_string(), c.index))
            .collect(),
        update.n,
        update.in_place,
    )
}

fn expect(changes: &[(&str, usize)], n: usize) -> Option<Seen> {
    Some((
        changes.iter().map(|(p, i)| (p.to_string(), *i)).collect(),
        n,
        false,
    ))
}

fn in_place(path: &str, index: usize, n: usize) -> Option<Seen> {
    Some((vec![(path.to_owned(), index)], n, true))
}

/// A sorted fetcher as a daemon runs it: expression, value-rule filter, sorter.
struct Fetcher {
    expr: FetchExpr,
    filter: EventFilter,
    sorter: Sorter<Value>,
}

impl Fetcher {
    fn new(params: Value) -> Self {
        let expr = FetchExpr::parse(&params).expect("valid expression");
        let sorter = Sorter::new(expr.sort().expect("sorted fetch").clone());
        Fetcher {
            expr,
            filter: EventFilter::new(),
            sorter,
        }
    }

    /// The initial scan over `(path, value)` in element order, then the flush.
    fn start(&mut self, elements: &[(&str, Value)]) -> Seen {
        for (path, value) in elements {
            let path: Arc<str> = Arc::from(*path);
            if self.expr.matches(&path, Some(value))
                && self.filter.apply(Event::Add, &path, true).is_some()
            {
                self.sorter
                    .initial(path, Some(value), Some(value.clone()), false);
            }
        }
        seen(&self.sorter.flush())
    }

    /// A later element event, through the path rule, the filter and the sorter.
    fn event(&mut self, event: Event, path: &str, value: Value) -> Option<Seen> {
        if !self.expr.matches_path(path) {
            return None;
        }
        let path: Arc<str> = Arc::from(path);
        let event = if self.expr.has_value_rule() {
            let matches = self.expr.matches_value(Some(&value));
            self.filter.apply(event, &path, matches)?
        } else {
            event
        };
        let update = self
            .sorter
            .update(event, &path, Some(&value), Some(value.clone()), false)?;
        // Every change echoes the current value of its entry.
        for change in &update.changes {
            if *change.path == *path && event != Event::Remove {
                assert_eq!(change.value.as_ref(), Some(&value));
            }
        }
        Some(seen(&update))
    }
}

fn letters(values: &[(&'static str, i64)]) -> Vec<(&'static str, Value)> {
    values.iter().map(|(p, v)| (*p, json!(v))).collect()
}

fn a_to_e() -> Vec<(&'static str, Value)> {
    letters(&[("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)])
}

/// B §6.8 worked example = lua-jet "fetch with sort has n properly reduced".
#[test]
fn worked_example_n_properly_reduced() {
    let mut f = Fetcher::new(json!({"id": "s", "sort": {"from": 1, "to": 4}}));
    assert_eq!(
        Some(f.start(&a_to_e())),
        expect(&[("a", 1), ("b", 2), ("c", 3), ("d", 4)], 4)
    );
    assert_eq!(
        f.event(Event::Remove, "c", json!(3)),
        expect(&[("d", 3), ("e", 4)], 4)
    );
    assert_eq!(f.event(Event::Remove, "e", json!(5)), expect(&[], 3));
    assert_eq!(f.event(Event::Add, "e", json!(5)), expect(&[("e", 4)], 4));
    assert_eq!(
        f.event(Event::Remove, "d", json!(4)),
        expect(&[("e", 3)], 3)
    );
    assert_eq!(f.event(Event::Change, "a", json!(10)), in_place("a", 1, 3));
}

/// lua-jet "fetch with sort has n properly reduced with from = 2".
#[test]
fn n_properly_reduced_with_from_2() {
    let mut f = Fetcher::new(json!({"sort": {"from": 2, "to": 4}}));
    assert_eq!(
        Some(f.start(&a_to_e())),
        expect(&[("b", 2), ("c", 3), ("d", 4)], 3)
    );
    assert_eq!(
        f.event(Event::Remove, "c", json!(3)),
        expect(&[("d", 3), ("e", 4)], 3)
    );
    assert_eq!(f.event(Event::Remove, "e", json!(5)), expect(&[], 2));
    assert_eq!(f.event(Event::Add, "e", json!(5)), expect(&[("e", 4)], 3));
    assert_eq!(
        f.event(Event::Remove, "d", json!(4)),
        expect(&[("e", 3)], 2)
    );
    assert_eq!(
        f.event(Event::Remove, "b", json!(2)),
        expect(&[("e", 2)], 1)
    );
    assert_eq!(f.event(Event::Remove, "e", json!(5)), expect(&[], 0));
}

/// lua-jet "fetch with from = 2 works when elements from top are removed".
#[test]
fn from_2_when_elements_from_top_are_removed() {
    let mut f = Fetcher::new(json!({"sort": {"from": 2, "to": 4}}));
    assert_eq!(
        Some(f.start(&a_to_e())),
        expect(&[("b", 2), ("c", 3), ("d", 4)], 3)
    );
    assert_eq!(
        f.event(Event::Remove, "a", json!(1)),
        expect(&[("c", 2), ("d", 3), ("e", 4)], 3)
    );
}

/// B §6.8 "window shift from outside": from 2 to 3, byValue number, descending.
#[test]
fn window_shift_from_outside_descending_by_value() {
    let mut f = Fetcher::new(
        json!({"sort": {"from": 2, "to": 3, "byValue": "number", "descending": true}}),
    );
    let elements = letters(&[("a", 10), ("b", 2), ("e", 5)]);
    assert_eq!(Some(f.start(&elements)), expect(&[("e", 2), ("b", 3)], 2));
    // Type mismatch: the implied isType turns the change into a remove.
    assert_eq!(f.event(Event::Change, "b", json!("str")), expect(&[], 1));
    // Re-added at position 1, outside the window: the window shifts (node-jet reports).
    assert_eq!(
        f.event(Event::Change, "b", json!(20)),
        expect(&[("a", 2), ("e", 3)], 2)
    );
    // A second out-of-window event is reported too (lua-jet would stay silent).
    assert_eq!(
        f.event(Event::Add, "x", json!(123)),
        expect(&[("b", 2), ("a", 3)], 2)
    );
}

/// lua-jet "fetch with sort works when states are already added" (added in reverse order).
#[test]
fn states_already_added() {
    let mut f = Fetcher::new(json!({"sort": {"from": 1, "to": 3}}));
    let elements = letters(&[("persons/3", 3), ("persons/2", 2), ("persons/1", 1)]);
    assert_eq!(
        Some(f.start(&elements)),
        expect(&[("persons/1", 1), ("persons/2", 2), ("persons/3", 3)], 3)
    );
}

/// lua-jet "fetch with sort works when states are added afterwards".
#[test]
fn states_added_afterwards() {
    let mut f = Fetcher::new(json!({"sort": {"from": 1, "to": 2}}));
    assert_eq!(Some(f.start(&[])), expect(&[], 0));
    assert_eq!(
        f.event(Event::Add, "xcd", json!(1)),
        expect(&[("xcd", 1)], 1)
    );
    assert_eq!(
        f.event(Event::Add, "ii98", json!(2)),
        expect(&[("ii98", 1), ("xcd", 2)], 2)
    );
    assert_eq!(
        f.event(Event::Add, "abc", json!(3)),
        expect(&[("abc", 1), ("ii98", 2)], 2)
    );
}

/// lua-jet daemon_spec "fetch with sort by value works" / "by valueField works".
#[test]
fn lua_daemon_sort_by_value_and_value_field() {
    let mut f = Fetcher::new(json!({"id": 1, "sort": {"byValue": "number"}}));
    let elements = letters(&[("c", 3), ("a", 1), ("b", 2)]);
    assert_eq!(
        Some(f.start(&elements)),
        expect(&[("a", 1), ("b", 2), ("c", 3)], 3)
    );
    let mut f = Fetcher::new(json!({"sort": {"byValueField": {"age": "number"}}}));
    let elements = vec![
        ("c", json!({"age": 30})),
        ("a", json!({"age": 10})),
        ("b", json!({"age": 20})),
        ("x", json!({"name": "no age"})),
        ("y", json!(7)),
    ];
    assert_eq!(
        Some(f.start(&elements)),
        expect(&[("a", 1), ("b", 2), ("c", 3)], 3)
    );
}

fn node_sorter(by: Value, elements: &[(&str, Option<Value>)]) -> (Sorter<Value>, Seen) {
    let mut spec = json!({"from": 1, "to": 3});
    spec.as_object_mut()
        .unwrap()
        .extend(by.as_object().unwrap().clone());
    let expr = FetchExpr::parse(&json!({ "sort": spec })).unwrap();
    let mut sorter = Sorter::new(expr.sort().unwrap().clone());
    for (path, value) in elements {
        sorter.initial(Arc::from(*path), value.as_ref(), value.clone(), false);
    }
    let flushed = seen(&sorter.flush());
    (sorter, flushed)
}

fn upd(s: &mut Sorter<Value>, event: Event, path: &str, value: Option<Value>) -> Option<Seen> {
    s.update(
        event,
        &Arc::from(path),
        value.as_ref(),
        value.clone(),
        false,
    )
    .map(|u| seen(&u))
}

/// node-jet sorter-test.js, byPath (a fresh sorter per case, as its beforeEach).
#[test]
fn node_sorter_by_path() {
    let elements = [
        ("asd", Some(json!(123))),
        ("zoo", None),
        ("bar", Some(json!(123))),
    ];
    let fresh = || node_sorter(json!({"byPath": true}), &elements);
    let (mut s, flushed) = fresh();
    assert_eq!(
        Some(flushed),
        expect(&[("asd", 1), ("bar", 2), ("zoo", 3)], 3)
    );
    assert_eq!(
        upd(&mut s, Event::Remove, "bar", None),
        expect(&[("zoo", 2)], 2)
    );

    let (mut s, _) = fresh();
    assert_eq!(upd(&mut s, Event::Add, "zz0", None), None);
    assert_eq!(upd(&mut s, Event::Remove, "zz0", None), None);

    let (mut s, _) = fresh();
    assert_eq!(
        upd(&mut s, Event::Add, "aaa", Some(json!(44))),
        expect(&[("aaa", 1), ("asd", 2), ("bar", 3)], 3)
    );

    let (mut s, _) = fresh();
    assert_eq!(
        upd(&mut s, Event::Change, "asd", Some(json!(44))),
        in_place("asd", 1, 3)
    );
}

/// node-jet sorter-test.js, byValue.
#[test]
fn node_sorter_by_value() {
    let elements = [
        ("asd", Some(json!(1))),
        ("zoo", Some(json!(3))),
        ("bar", Some(json!(2))),
    ];
    let fresh = || node_sorter(json!({"byValue": "number"}), &elements);
    let (mut s, flushed) = fresh();
    assert_eq!(
        Some(flushed),
        expect(&[("asd", 1), ("bar", 2), ("zoo", 3)], 3)
    );
    assert_eq!(
        upd(&mut s, Event::Remove, "bar", None),
        expect(&[("zoo", 2)], 2)
    );

    let (mut s, _) = fresh();
    assert_eq!(upd(&mut s, Event::Add, "zz0", Some(json!(1000))), None);
    assert_eq!(upd(&mut s, Event::Remove, "zz0", Some(json!(1000))), None);

    let (mut s, _) = fresh();
    assert_eq!(
        upd(&mut s, Event::Add, "z00", Some(json!(0.3))),
        expect(&[("z00", 1), ("asd", 2), ("bar", 3)], 3)
    );

    let (mut s, _) = fresh();
    assert_eq!(
        upd(&mut s, Event::Change, "asd", Some(json!(4))),
        expect(&[("bar", 1), ("zoo", 2), ("asd", 3)], 3)
    );
}

fn numbered(range: std::ops::Range<i64>, value: impl Fn(i64) -> Value) -> Vec<(String, Value)> {
    range.map(|i| (i.to_string(), value(i))).collect()
}

fn as_refs(elements: &[(String, Value)]) -> Vec<(&str, Value)> {
    elements
        .iter()
        .map(|(p, v)| (p.as_str(), v.clone()))
        .collect()
}

fn expect_numbered(range: std::ops::Range<i64>, first_index: usize, n: usize) -> Option<Seen> {
    let changes: Vec<(String, usize)> = range
        .enumerate()
        .map(|(k, i)| (i.to_string(), first_index + k))
        .collect();
    Some((changes, n, false))
}

/// node-jet fetch-test.js "sort by path and differential": "10".."29", range 1-10.
#[test]
fn node_fetch_sort_by_path_range_1_to_10() {
    let elements = numbered(10..30, |i| json!(i));
    let mut f = Fetcher::new(json!({"sort": {"byPath": true, "from": 1, "to": 10}}));
    assert_eq!(
        Some(f.start(&as_refs(&elements))),
        expect_numbered(10..20, 1, 10)
    );
    let mut f = Fetcher::new(json!({"sort": {}}));
    assert_eq!(
        Some(f.start(&as_refs(&elements))),
        expect_numbered(10..20, 1, 10)
    );
}

/// node-jet fetch-test.js "from / to works": range 11-13.
#[test]
fn node_fetch_sort_from_to() {
    let elements = numbered(10..30, |i| json!(i));
    let mut f = Fetcher::new(json!({"sort": {"byPath": true, "from": 11, "to": 13}}));
    assert_eq!(
        Some(f.start(&as_refs(&elements))),
        expect_numbered(20..23, 11, 3)
    );
}

/// node-jet fetch-test.js "n callback param": range 2-5 over "10".."12", then "112".
#[test]
fn node_fetch_sort_n_param() {
    let elements = numbered(10..13, |i| json!(i));
    let mut f = Fetcher::new(json!({"sort": {"byPath": true, "from": 2, "to": 5}}));
    assert_eq!(
        Some(f.start(&as_refs(&elements))),
        expect_numbered(11..13, 2, 2)
    );
    assert_eq!(
        f.event(Event::Add, "112", json!(123)),
        expect(&[("112", 3), ("12", 4)], 3)
    );
}

/// node-jet fetch-test.js "byValue works" and "... when state is removed" (type change).
#[test]
fn node_fetch_sort_by_value_and_type_change() {
    let mut elements = numbered(10..30, |i| json!(i * i));
    elements.push(("50".to_owned(), json!("asd")));
    let params = json!({"sort": {"byValue": "number", "from": 11, "to": 13}});
    let mut f = Fetcher::new(params.clone());
    assert_eq!(
        Some(f.start(&as_refs(&elements))),
        expect_numbered(20..23, 11, 3)
    );

    let mut f = Fetcher::new(params);
    f.start(&as_refs(&elements));
    assert_eq!(
        f.event(Event::Change, "20", json!("asd")),
        expect_numbered(21..24, 11, 3)
    );
}

/// node-jet fetch-test.js "byValueField works": in-place change, then a reorder.
#[test]
fn node_fetch_sort_by_value_field() {
    let elements = vec![
        ("aaa", json!({"age": 3})),
        ("b", json!({"age": 2})),
        ("c", json!({"age": 10})),
        ("ddd", json!({"age": 11})),
        ("e", json!({"age": 1})),
        ("50", json!("asd")),
    ];
    let mut f =
        Fetcher::new(json!({"sort": {"byValueField": {"age": "number"}, "from": 2, "to": 4}}));
    assert_eq!(
        Some(f.start(&elements)),
        expect(&[("b", 2), ("aaa", 3), ("c", 4)], 3)
    );
    assert_eq!(
        f.event(Event::Change, "aaa", json!({"age": 4})),
        in_place("aaa", 3, 3)
    );
    assert_eq!(
        f.event(Event::Change, "c", json!({"age": 3})),
        expect(&[("c", 3), ("aaa", 4)], 3)
    );
}

/// node-jet fetch-test.js "byValueField nested works" (`deep.age`).
#[test]
fn node_fetch_sort_by_nested_value_field() {
    let mut elements = numbered(10..30, |i| json!({"deep": {"age": i * i}}));
    elements.push(("50".to_owned(), json!("asd")));
    let mut f = Fetcher::new(
        json!({"sort": {"byValueField": {"deep.age": "number"}, "from": 11, "to": 13}}),
    );
    assert_eq!(
        Some(f.start(&as_refs(&elements))),
        expect_numbered(20..23, 11, 3)
    );
}

/// node-jet peer-test.js "can add and get sorted states": byValue number, descending.
#[test]
fn descending_by_value() {
    let mut f = Fetcher::new(json!({"sort": {"byValue": "number", "descending": true}}));
    let elements = letters(&[("path1", 123), ("path2", 333)]);
    assert_eq!(
        Some(f.start(&elements)),
        expect(&[("path2", 1), ("path1", 2)], 2)
    );
}

#[test]
fn ties_are_broken_by_path_and_descending_reverses_all() {
    let elements = letters(&[("b", 1), ("a", 1), ("c", 0)]);
    let mut f = Fetcher::new(json!({"sort": {"byValue": "number"}}));
    assert_eq!(
        Some(f.start(&elements)),
        expect(&[("c", 1), ("a", 2), ("b", 3)], 3)
    );
    let mut f = Fetcher::new(json!({"sort": {"byValue": "number", "descending": true}}));
    assert_eq!(
        Some(f.start(&elements)),
        expect(&[("b", 1), ("a", 2), ("c", 3)], 3)
    );
}

#[test]
fn strings_by_code_point_and_booleans_false_first() {
    let elements = vec![
        ("1", json!("\u{10000}")),
        ("2", json!("\u{ffff}")),
        ("3", json!("B")),
        ("4", json!("a")),
    ];
    let mut f = Fetcher::new(json!({"sort": {"byValue": "string"}}));
    assert_eq!(
        Some(f.start(&elements)),
        expect(&[("3", 1), ("4", 2), ("2", 3), ("1", 4)], 4)
    );
    let elements = vec![("x", json!(true)), ("y", json!(false))];
    let mut f = Fetcher::new(json!({"sort": {"byValue": "boolean"}}));
    assert_eq!(Some(f.start(&elements)), expect(&[("y", 1), ("x", 2)], 2));
}

#[test]
fn payload_and_fetch_only_are_echoed() {
    let mut s: Sorter<&'static str> = Sorter::new(SortSpec::default());
    s.initial(Arc::from("m"), None, None, true);
    s.initial(Arc::from("m"), None, Some("dup"), false); // skipped: already present
    s.initial(Arc::from("s"), Some(&json!(1)), Some("one"), false);
    let flushed = s.flush();
    assert_eq!(
        flushed.changes,
        vec![
            SortedChange {
                path: Arc::from("m"),
                value: None,
                index: 1,
                fetch_only: true
            },
            SortedChange {
                path: Arc::from("s"),
                value: Some("one"),
                index: 2,
                fetch_only: false
            },
        ]
    );
    let path: Arc<str> = Arc::from("s");
    let update = s
        .update(Event::Change, &path, Some(&json!(2)), Some("two"), false)
        .unwrap();
    assert!(update.in_place);
    assert_eq!(update.changes[0].value, Some("two"));
    assert_eq!(s.len(), 2);
    assert!(s.contains("m") && !s.is_empty());
}

#[test]
fn huge_window_costs_nothing_up_front() {
    let spec = SortSpec {
        to: usize::MAX,
        ..SortSpec::default()
    };
    let mut s: Sorter<()> = Sorter::new(spec);
    for p in ["c", "a", "b"] {
        s.initial(Arc::from(p), None, None, false);
    }
    let flushed = s.flush();
    assert_eq!(flushed.n, 3);
    let update = s
        .update(Event::Add, &Arc::from("0"), None, None, false)
        .unwrap();
    assert_eq!(update.n, 4);
    assert_eq!(update.changes.len(), 4);
}

#[test]
fn remove_of_an_unknown_path_and_empty_window_before_from_are_silent() {
    let spec = SortSpec {
        from: 3,
        to: 4,
        ..SortSpec::default()
    };
    let mut s: Sorter<()> = Sorter::new(spec);
    s.initial(Arc::from("a"), None, None, false);
    assert_eq!(s.flush().n, 0);
    assert!(s
        .update(Event::Remove, &Arc::from("zz"), None, None, false)
        .is_none());
    // Still fewer than `from` entries before and after: nothing visible changed.
    assert!(s
        .update(Event::Add, &Arc::from("b"), None, None, false)
        .is_none());
    let update = s
        .update(Event::Add, &Arc::from("c"), None, None, false)
        .unwrap();
    assert_eq!(update.changes.len(), 1);
    assert_eq!(update.n, 1);
}

// ---------------------------------------------------------------------------------------
// Property test: the Sorter against a literal model of B §6.8 (node-jet's sorter.js shape):
// full re-sort and a path -> position map rebuilt on every step, identity via serials, with
// A.6's correction (scan from `from` when an entry crosses the window's start; positions past
// `n` forgotten). And A.6's invariant: a client that writes each entry at its index and
// truncates its view to `n` items holds exactly the true window, values included.

#[derive(Debug, Clone, Copy)]
enum KeyKind {
    Path,
    Value,
    Field,
}

#[derive(Debug, Clone)]
struct ModelEntry {
    path: String,
    key: Option<f64>,
    serial: u64,
    payload: Option<u32>,
    fetch_only: bool,
}

struct Model {
    kind: KeyKind,
    descending: bool,
    from: usize,
    to: usize,
    matches: Vec<ModelEntry>,
    pos: HashMap<String, usize>,
    shown: HashMap<usize, Option<u64>>,
    n: i64,
    serial: u64,
}

type Out = Option<(Vec<(String, usize, Option<u32>, bool)>, usize, bool)>;

impl Model {
    fn key(&self, value: &Option<Value>) -> Option<f64> {
        match self.kind {
            KeyKind::Path => None,
            KeyKind::Value => value.as_ref().and_then(Value::as_f64),
            KeyKind::Field => value.as_ref().and_then(|v| v.get("age")?.as_f64()),
        }
    }

    fn sort(&mut self) {
        let descending = self.descending;
        self.matches.sort_by(|a, b| {
            let ord = a
                .key
                .partial_cmp(&b.key)
                .unwrap()
                .then_with(|| a.path.cmp(&b.path));
            if descending {
                ord.reverse()
            } else {
                ord
            }
        });
        self.pos.clear();
        for (i, m) in self.matches.iter().enumerate() {
            self.pos.insert(m.path.clone(), i + 1);
        }
    }

    fn out(e: &ModelEntry, index: usize) -> (String, usize, Option<u32>, bool) {
        (e.path.clone(), index, e.payload, e.fetch_only)
    }

    fn initial(&mut self, path: &str, value: &Option<Value>, payload: Option<u32>, fo: bool) {
        if self.pos.contains_key(path) {
            return;
        }
        self.serial += 1;
        let key = self.key(value);
        self.matches.push(ModelEntry {
            path: path.to_owned(),
            key,
            serial: self.serial,
            payload,
            fetch_only: fo,
        });
        self.pos.insert(path.to_owned(), self.matches.len());
    }

    fn flush(&mut self) -> Out {
        self.sort();
        self.n = 0;
        let mut changes = Vec::new();
        for i in self.from..=self.to {
            if let Some(e) = self.matches.get(i - 1) {
                changes.push(Self::out(e, i));
                self.shown.insert(i, Some(e.serial));
                self.n = (i - self.from + 1) as i64;
            }
        }
        Some((changes, self.n as usize, false))
    }

    fn update(
        &mut self,
        event: Event,
        path: &str,
        value: &Option<Value>,
        payload: Option<u32>,
        fo: bool,
    ) -> Out {
        let old_len = self.matches.len();
        let old = self.pos.get(path).copied();
        if event == Event::Remove {
            let at = old?;
            self.matches.remove(at - 1);
            self.pos.remove(path);
        } else if let Some(at) = old {
            let key = self.key(value);
            let e = &mut self.matches[at - 1];
            e.key = key;
            e.payload = payload;
            e.fetch_only = fo;
        } else {
            self.serial += 1;
            let key = self.key(value);
            self.matches.push(ModelEntry {
                path: path.to_owned(),
                key,
                serial: self.serial,
                payload,
                fetch_only: fo,
            });
        }
        self.sort();
        let (from, to) = (self.from, self.to);
        if self.matches.len() < from && old_len < from {
            return None;
        }
        let new = self.pos.get(path).copied();
        let in_range = |i: Option<usize>| matches!(i, Some(i) if i >= from && i <= to);
        // Step 6: old and new set, equal, and inside the window.
        if let (Some(o), Some(i)) = (old, new) {
            if o == i && in_range(new) {
                if event != Event::Change {
                    return None;
                }
                let change = Self::out(&self.matches[i - 1], i);
                return Some((vec![change], self.n as usize, true));
            }
        }
        let len = self.matches.len();
        // A.6: an entry crossing the window's start makes the scan start at `from`.
        let before = |i: Option<usize>| matches!(i, Some(i) if i < from);
        let (start, stop) = match (in_range(new), in_range(old)) {
            (true, true) => (
                old.unwrap().min(new.unwrap()),
                old.unwrap().max(new.unwrap()),
            ),
            (true, false) if before(old) => (from, to.min(len)),
            (true, false) => (new.unwrap(), to.min(len)),
            (false, true) if before(new) => (from, to.min(len)),
            (false, true) => (old.unwrap(), to.min(len)),
            (false, false) => (from, to.min(len)),
        };
        let mut changes = Vec::new();
        let mut i = start;
        while i <= stop {
            let news = self.matches.get(i - 1);
            let olds = self.shown.get(&i).copied().flatten();
            if let Some(e) = news {
                if Some(e.serial) != olds {
                    changes.push(Self::out(e, i));
                }
            }
            self.shown.insert(i, news.map(|e| e.serial));
            if news.is_none() {
                break;
            }
            i += 1;
        }
        let new_n = to.min(len) as i64 - from as i64 + 1;
        // The client truncates its view to `n`: positions past it are no longer shown.
        self.shown.retain(|&i, _| (i as i64) < from as i64 + new_n);
        if new_n != self.n || !changes.is_empty() {
            assert!(new_n >= 0, "the reference would report a negative n");
            self.n = new_n;
            return Some((changes, new_n as usize, false));
        }
        None
    }
}

impl Model {
    /// The true window: (path, payload) at positions `from..=min(to, len)`.
    fn window(&self) -> Vec<(String, Option<u32>)> {
        self.matches
            .iter()
            .skip(self.from - 1)
            .take(self.to + 1 - self.from)
            .map(|e| (e.path.clone(), e.payload))
            .collect()
    }
}

/// A client of a sorted fetch as A.6 describes it (node-jet's array view): it writes each
/// entry at its index and truncates its view to `n` items.
#[derive(Default)]
struct Client {
    at: HashMap<usize, (String, Option<u32>)>,
    n: usize,
}

impl Client {
    fn apply(&mut self, update: &Out) {
        let Some((changes, n, _)) = update else {
            return;
        };
        for (path, index, payload, _) in changes {
            self.at.insert(*index, (path.clone(), *payload));
        }
        self.n = *n;
    }

    /// The view after truncation to `n`; dropping what lies beyond `n` here is what a
    /// truncating client does, so later notifications must re-send those positions.
    fn window(&mut self, from: usize) -> Vec<(String, Option<u32>)> {
        let n = self.n;
        self.at.retain(|&i, _| i < from + n);
        (from..from + n)
            .map(|i| self.at.get(&i).cloned().unwrap_or_default())
            .collect()
    }
}

fn observed(update: Option<SortedUpdate<u32>>) -> Out {
    update.map(|u| {
        (
            u.changes
                .into_iter()
                .map(|c| (c.path.to_string(), c.index, c.value, c.fetch_only))
                .collect(),
            u.n,
            u.in_place,
        )
    })
}

#[derive(Debug, Clone)]
struct Op {
    event: Event,
    path: usize,
    /// `None`: a method (no value).
    key: Option<i8>,
    fetch_only: bool,
}

fn op() -> impl Strategy<Value = Op> {
    (
        prop_oneof![Just(Event::Add), Just(Event::Change), Just(Event::Remove)],
        0..7usize,
        prop::option::weighted(0.9, -2..4i8),
        any::<bool>(),
    )
        .prop_map(|(event, path, key, fetch_only)| Op {
            event,
            path,
            key,
            fetch_only,
        })
}

const PATHS: [&str; 7] = ["a", "b", "c", "d", "e", "f", "ä"];

fn value_for(kind: KeyKind, key: Option<i8>) -> Option<Value> {
    let k = key?;
    Some(match kind {
        KeyKind::Path | KeyKind::Value => {
            if k == 3 {
                json!(2.5) // a float among integers
            } else {
                json!(k)
            }
        }
        KeyKind::Field => {
            if k == -2 {
                json!({"other": 1}) // field missing
            } else {
                json!({"age": k})
            }
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn sorter_matches_the_reference_model(
        kind in prop_oneof![Just(KeyKind::Path), Just(KeyKind::Value), Just(KeyKind::Field)],
        descending in any::<bool>(),
        from in 1..5usize,
        width in 0..5usize,
        initial in prop::collection::vec(op(), 0..6),
        ops in prop::collection::vec(op(), 0..40),
    ) {
        let to = from + width;
        let key = match kind {
            KeyKind::Path => SortKey::Path,
            KeyKind::Value => SortKey::Value(ValueType::Number),
            KeyKind::Field => SortKey::Field(Accessor::parse("age").unwrap(), ValueType::Number),
        };
        let mut sorter: Sorter<u32> = Sorter::new(SortSpec { key, descending, from, to });
        let mut model = Model {
            kind, descending, from, to,
            matches: Vec::new(), pos: HashMap::new(), shown: HashMap::new(), n: -1, serial: 0,
        };
        let mut payload = 0u32;
        for op in &initial {
            payload += 1;
            let value = value_for(kind, op.key);
            let p = value.as_ref().map(|_| payload);
            sorter.initial(Arc::from(PATHS[op.path]), value.as_ref(), p, op.fetch_only);
            model.initial(PATHS[op.path], &value, p, op.fetch_only);
        }
        let mut client = Client::default();
        let first = observed(Some(sorter.flush()));
        prop_assert_eq!(&first, &model.flush());
        client.apply(&first);
        prop_assert_eq!(client.window(from), model.window(), "after the flush");
        for (step, op) in ops.iter().enumerate() {
            payload += 1;
            // As the event filter delivers them (B §6.5): `add` for a path the fetch does
            // not hold yet, `change` for one it holds.
            let mut op = op.clone();
            let present = model.pos.contains_key(PATHS[op.path]);
            op.event = match op.event {
                Event::Add | Event::Change if present => Event::Change,
                Event::Add | Event::Change => Event::Add,
                Event::Remove => Event::Remove,
            };
            let value = value_for(kind, op.key);
            let p = value.as_ref().map(|_| payload);
            let path: Arc<str> = Arc::from(PATHS[op.path]);
            let got = observed(sorter.update(op.event, &path, value.as_ref(), p, op.fetch_only));
            let want = model.update(op.event, PATHS[op.path], &value, p, op.fetch_only);
            prop_assert_eq!(&got, &want, "step {} {:?}", step, op);
            prop_assert_eq!(sorter.len(), model.matches.len());
            client.apply(&got);
            prop_assert_eq!(client.window(from), model.window(), "step {} {:?}", step, op);
        }
    }
}
