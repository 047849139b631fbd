//! The differential sorted-window algorithm of PROTOCOL.md B §6.8, with node-jet's rule for
//! out-of-window events (step 7 "neither": always report).
//!
//! The observable output is exactly that of the reference algorithm, which re-sorts the whole
//! match list and rebuilds a path -> position map on every event. Doing that literally costs
//! O(n log n) per event, too much for a daemon holding 100k entries in one sorted fetch.
//! Here the entries live in a `Vec` kept sorted by (key, path) (reversed when descending);
//! a path's position is found by binary search with its current key (kept in a map), and a
//! changed entry is moved by rotating only the slice between its old and new position.
//! Since paths are unique, (key, path) is a strict total order, so "re-sort" and "move into
//! place" give the same list. Entries carry a serial number that stands for the object
//! identity the reference algorithm compares in its `shown` map.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::accessor::Accessor;
use super::filter::Event;
use super::value::ValueType;

/// What a sorted fetch orders by and which window of the order it reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SortSpec {
    pub key: SortKey,
    /// Reverses the whole (key, path) order.
    pub descending: bool,
    /// First reported position, 1-based, inclusive (>= 1).
    pub from: usize,
    /// Last reported position, 1-based, inclusive (>= `from`).
    pub to: usize,
}

impl Default for SortSpec {
    /// By path, ascending, positions 1 to 10 (the wire defaults).
    fn default() -> Self {
        SortSpec {
            key: SortKey::Path,
            descending: false,
            from: 1,
            to: 10,
        }
    }
}

/// The sort key of a sorted fetch. Ties are always broken by path.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Path,
    /// The value itself; the fetch only holds values of this type (implied `isType`).
    Value(ValueType),
    /// A field of the value; the fetch only holds fields of this type.
    Field(Accessor, ValueType),
}

/// One entry of a sorted notification: `{"path","value","index"}` (+ `fetchOnly`).
#[derive(Debug, Clone, PartialEq)]
pub struct SortedChange<P> {
    pub path: Arc<str>,
    /// `None` for methods.
    pub value: Option<P>,
    /// 1-based position in the sorted list.
    pub index: usize,
    pub fetch_only: bool,
}

/// A sorted notification: `{"changes":[..],"n":..}`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortedUpdate<P> {
    pub changes: Vec<SortedChange<P>>,
    /// Number of matches inside the window.
    pub n: usize,
    /// The in-place value update (step 6), which node-jet serialises as
    /// `{"n":..,"changes":[..]}` (`n` first).
    pub in_place: bool,
}

/// A sort key extracted from a value. Within one sorted fetch all keys have the type the
/// sort names (implied `isType`), so the order across kinds only has to be total, not
/// meaningful.
#[derive(Debug, Clone)]
enum Key {
    /// Sorting by path, or the value/field is absent.
    None,
    Null,
    Bool(bool),
    Number(f64),
    String(Arc<str>),
    /// Objects and arrays: all equal, ordered by path.
    Composite,
}

impl Key {
    fn from_json(value: &Value) -> Key {
        match value {
            Value::Null => Key::Null,
            Value::Bool(b) => Key::Bool(*b),
            // JSON has no NaN, so `partial_cmp` below is total.
            Value::Number(n) => Key::Number(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Key::String(Arc::from(s.as_str())),
            Value::Array(_) | Value::Object(_) => Key::Composite,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Key::None => 0,
            Key::Null => 1,
            Key::Bool(_) => 2,
            Key::Number(_) => 3,
            Key::String(_) => 4,
            Key::Composite => 5,
        }
    }

    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Bool(a), Key::Bool(b)) => a.cmp(b),
            (Key::Number(a), Key::Number(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            // Code point order (UTF-8 byte order is the same).
            (Key::String(a), Key::String(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry<P> {
    key: Key,
    path: Arc<str>,
    /// Stands for the entry's identity: new on every (re-)add, kept across changes.
    serial: u64,
    payload: Option<P>,
    fetch_only: bool,
}

/// The sorted-window state of one sorted fetcher.
#[derive(Debug, Clone)]
pub struct Sorter<P> {
    spec: SortSpec,
    /// Sorted by (key, path), reversed when descending, once `sorted` is true.
    entries: Vec<Entry<P>>,
    /// Current key of each path, to find its position by binary search.
    keys: HashMap<Arc<str>, Key>,
    /// `shown[i - from]`: serial of the entry last reported at position `i`.
    shown: Vec<Option<u64>>,
    /// Last reported `n`; `None` before the flush.
    n: Option<usize>,
    next_serial: u64,
    /// False during the initial scan, when entries are appended unsorted.
    sorted: bool,
}

impl<P: Clone> Sorter<P> {
    pub fn new(spec: SortSpec) -> Self {
        debug_assert!(spec.from >= 1 && spec.to >= spec.from, "invalid window");
        Sorter {
            spec,
            entries: Vec::new(),
            keys: HashMap::new(),
            shown: Vec::new(),
            n: None,
            next_serial: 0,
            sorted: false,
        }
    }

    pub fn spec(&self) -> &SortSpec {
        &self.spec
    }

    /// Number of entries (matches), inside the window or not.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `path` is among the matches.
    pub fn contains(&self, path: &str) -> bool {
        self.keys.contains_key(path)
    }

    /// During the initial scan: add an entry (skip a path already present). Cheap: the
    /// entries are sorted once, by [`Sorter::flush`].
    pub fn initial(
        &mut self,
        path: Arc<str>,
        value: Option<&Value>,
        payload: Option<P>,
        fetch_only: bool,
    ) {
        if self.keys.contains_key(&path) {
            return;
        }
        let key = self.key_of(value);
        let entry = self.new_entry(Arc::clone(&path), key.clone(), payload, fetch_only);
        self.keys.insert(path, key);
        if self.sorted {
            let at = self.insertion_point(&entry.key, &entry.path);
            self.entries.insert(at, entry);
        } else {
            self.entries.push(entry);
        }
    }

    /// After the initial scan: the first notification, always sent (even
    /// `{"changes":[],"n":0}`).
    pub fn flush(&mut self) -> SortedUpdate<P> {
        self.sort_all();
        let (from, to) = (self.spec.from, self.spec.to);
        let mut changes = Vec::new();
        let mut n = 0;
        for i in from..=to {
            let Some(entry) = self.entries.get(i - 1) else {
                break;
            };
            changes.push(change_of(entry, i));
            *shown_slot(&mut self.shown, from, i) = Some(entry.serial);
            n = i - from + 1;
        }
        self.n = Some(n);
        SortedUpdate {
            changes,
            n,
            in_place: false,
        }
    }

    /// A later (already filtered) event; `value` is the parsed value used for the sort
    /// key, `payload` what the notification echoes. Returns the notification to send, if
    /// any (B §6.8 steps 1-9).
    pub fn update(
        &mut self,
        event: Event,
        path: &Arc<str>,
        value: Option<&Value>,
        payload: Option<P>,
        fetch_only: bool,
    ) -> Option<SortedUpdate<P>> {
        self.sort_all();
        let (from, to) = (self.spec.from, self.spec.to);
        // Step 1 (0-based positions here, 1-based from step 4 on).
        let old_len = self.entries.len();
        let old = self.position(path);
        // Steps 2 and 3: apply the event and keep the list sorted.
        let new = match (event, old) {
            (Event::Remove, None) => return None,
            (Event::Remove, Some(at)) => {
                self.entries.remove(at);
                self.keys.remove(&**path);
                None
            }
            (_, Some(at)) => {
                let key = self.key_of(value);
                let entry = &mut self.entries[at];
                entry.payload = payload;
                entry.fetch_only = fetch_only;
                self.keys.insert(Arc::clone(path), key.clone());
                Some(self.move_to_place(at, key))
            }
            (_, None) => {
                let key = self.key_of(value);
                let entry = self.new_entry(Arc::clone(path), key.clone(), payload, fetch_only);
                let at = self.insertion_point(&key, path);
                self.entries.insert(at, entry);
                self.keys.insert(Arc::clone(path), key);
                Some(at)
            }
        };
        let len = self.entries.len();
        let (old, new) = (old.map(|i| i + 1), new.map(|i| i + 1));
        let in_window = |i: Option<usize>| i.is_some_and(|i| from <= i && i <= to);
        // Step 4.
        if len < from && old_len < from {
            return None;
        }
        // Step 6: same position inside the window; node-jet reports only changes.
        if old.is_some() && old == new && in_window(new) {
            if event != Event::Change {
                return None;
            }
            let index = new.expect("checked: set");
            let entry = &self.entries[index - 1];
            return Some(SortedUpdate {
                changes: vec![change_of(entry, index)],
                n: self.n.unwrap_or(0),
                in_place: true,
            });
        }
        // Step 7.
        let last = to.min(len);
        let (start, stop) = match (in_window(new), in_window(old)) {
            (true, true) => {
                let (a, b) = (old.expect("in window"), new.expect("in window"));
                (a.min(b), a.max(b))
            }
            (true, false) => (new.expect("in window"), last),
            (false, true) => (old.expect("in window"), last),
            (false, false) => (from, last),
        };
        // Step 8.
        let mut changes = Vec::new();
        for i in start..=stop {
            let entry = self.entries.get(i - 1);
            let serial = entry.map(|e| e.serial);
            let slot = shown_slot(&mut self.shown, from, i);
            if let Some(entry) = entry {
                if *slot != serial {
                    changes.push(change_of(entry, i));
                }
            }
            *slot = serial;
            if entry.is_none() {
                break;
            }
        }
        // Step 9 (steps 4 and 7 guarantee `last + 1 >= from`).
        let new_n = (last + 1).saturating_sub(from);
        if Some(new_n) != self.n || !changes.is_empty() {
            self.n = Some(new_n);
            return Some(SortedUpdate {
                changes,
                n: new_n,
                in_place: false,
            });
        }
        None
    }

    fn new_entry(
        &mut self,
        path: Arc<str>,
        key: Key,
        payload: Option<P>,
        fetch_only: bool,
    ) -> Entry<P> {
        let serial = self.next_serial;
        self.next_serial += 1;
        Entry {
            key,
            path,
            serial,
            payload,
            fetch_only,
        }
    }

    fn key_of(&self, value: Option<&Value>) -> Key {
        let field = match &self.spec.key {
            SortKey::Path => return Key::None,
            SortKey::Value(_) => value,
            SortKey::Field(accessor, _) => value.and_then(|v| accessor.get(v)),
        };
        field.map_or(Key::None, Key::from_json)
    }

    /// The order of (key, path) pairs for this fetch.
    fn order(&self, a: (&Key, &str), b: (&Key, &str)) -> Ordering {
        let ord = a.0.cmp(b.0).then_with(|| a.1.cmp(b.1));
        if self.spec.descending {
            ord.reverse()
        } else {
            ord
        }
    }

    fn sort_all(&mut self) {
        if self.sorted {
            return;
        }
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_unstable_by(|a, b| self.order((&a.key, &a.path), (&b.key, &b.path)));
        self.entries = entries;
        self.sorted = true;
    }

    /// 0-based position of `path`, if present.
    fn position(&self, path: &str) -> Option<usize> {
        let key = self.keys.get(path)?;
        self.entries
            .binary_search_by(|e| self.order((&e.key, &e.path), (key, path)))
            .ok()
    }

    /// Where an entry with (key, path) belongs among the current entries.
    fn insertion_point(&self, key: &Key, path: &str) -> usize {
        self.entries
            .partition_point(|e| self.order((&e.key, &e.path), (key, path)) == Ordering::Less)
    }

    /// Gives the entry at `at` its new key and moves it to its sorted place by rotating
    /// the slice between the old and the new place; returns the new 0-based position.
    fn move_to_place(&mut self, at: usize, key: Key) -> usize {
        self.entries[at].key = key.clone();
        let path = Arc::clone(&self.entries[at].path);
        let target = (&key, &*path);
        let before = |e: &Entry<P>| self.order((&e.key, &e.path), target) == Ordering::Less;
        if at > 0 && !before(&self.entries[at - 1]) {
            let to = self.entries[..at].partition_point(before);
            self.entries[to..=at].rotate_right(1);
            to
        } else if at + 1 < self.entries.len() && before(&self.entries[at + 1]) {
            let end = at + 1 + self.entries[at + 1..].partition_point(before);
            self.entries[at..end].rotate_left(1);
            end - 1
        } else {
            at
        }
    }
}

/// The `shown` slot of 1-based window position `i` (`from <= i <= to`); grown on demand so
/// a huge `to` costs nothing until the list is that long.
fn shown_slot(shown: &mut Vec<Option<u64>>, from: usize, i: usize) -> &mut Option<u64> {
    let at = i - from;
    if at >= shown.len() {
        shown.resize(at + 1, None);
    }
    &mut shown[at]
}

fn change_of<P: Clone>(entry: &Entry<P>, index: usize) -> SortedChange<P> {
    SortedChange {
        path: Arc::clone(&entry.path),
        value: entry.payload.clone(),
        index,
        fetch_only: entry.fetch_only,
    }
}

#[cfg(test)]
mod tests;
