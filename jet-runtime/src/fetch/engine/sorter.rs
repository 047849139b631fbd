//! The differential sorted-window algorithm of PROTOCOL.md B §6.8, with node-jet's rule for
//! out-of-window events (step 7 "neither": always report) and the correction of A.6.
//!
//! The reference algorithm can leave a client's window stale, so two things differ from it
//! (both only add entries; peers overwrite by index, so the extra ones are harmless):
//!
//! * When an entry crosses the window's start (from before `from` into or past the window,
//!   or from inside the window to before `from`), every position from `from` on shifts, so
//!   the scan starts at `from`, not at the entry's own position (A.6).
//! * Positions after the last one reported (beyond `n`) are forgotten in `shown`: a client
//!   truncates its view to `n` items, so it no longer holds them, and an entry that comes
//!   back to such a position is sent again (B §6.8 keeps them and does not re-send it, which
//!   also leaves the client with an old value if the entry changed in the meantime).
//!
//! Together they keep A.6's invariant: a client that writes each entry at its `index` and
//! truncates its view to `n` items holds exactly the true window. Everywhere else the output
//! is B §6.8's, byte for byte.
//!
//! The observable output is otherwise that of the reference algorithm, which re-sorts the whole
//! match list and rebuilds a path -> position map on every event. Doing that literally costs
//! O(n log n) per event, too much for a daemon holding 100k entries in one sorted fetch.
//! Here the entries live in a slab, and a `Vec` of 4-byte slab ids is kept sorted by
//! (key, path) (reversed when descending): a path's position is found by binary search with
//! its current key, and a changed entry is moved by rotating only the ids between its old
//! and new position (a few hundred KiB of `memmove` at worst for 100k entries). Since paths
//! are unique, (key, path) is a strict total order, so "re-sort" and "move into place" give
//! the same list. Entries carry a serial number that stands for the object identity the
//! reference algorithm compares in its `shown` map.

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
    /// Entry storage; `None` marks a free slot (listed in `free`).
    slots: Vec<Option<Entry<P>>>,
    free: Vec<u32>,
    /// Slot ids in sorted order (once `sorted` is true): `order[i - 1]` is position `i`.
    order: Vec<u32>,
    /// The slot of each path.
    slot_of: HashMap<Arc<str>, u32>,
    /// `shown[i - from]`: serial of the entry last reported at position `i`, for the
    /// positions up to the last reported `n` (the client holds no others).
    shown: Vec<Option<u64>>,
    /// Last reported `n`; `None` before the flush.
    n: Option<usize>,
    next_serial: u64,
    /// False during the initial scan, when slot ids are appended unsorted.
    sorted: bool,
}

impl<P: Clone> Sorter<P> {
    /// A sorter for `spec`; a window that is not `1 <= from <= to` is clamped into one
    /// (the expression parser refuses such specs before they get here).
    pub fn new(mut spec: SortSpec) -> Self {
        spec.from = spec.from.max(1);
        spec.to = spec.to.max(spec.from);
        Sorter {
            spec,
            slots: Vec::new(),
            free: Vec::new(),
            order: Vec::new(),
            slot_of: HashMap::new(),
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
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Whether `path` is among the matches.
    pub fn contains(&self, path: &str) -> bool {
        self.slot_of.contains_key(path)
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
        if self.slot_of.contains_key(&path) {
            return;
        }
        let key = self.key_of(value);
        let slot = self.new_entry(path, key, payload, fetch_only);
        if self.sorted {
            let at = self.insertion_point(slot);
            self.order.insert(at, slot);
        } else {
            self.order.push(slot);
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
            let Some(&slot) = self.order.get(i - 1) else {
                break;
            };
            let entry = occupied(&self.slots, slot);
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
        let old_len = self.order.len();
        let old = self.position(path);
        // Steps 2 and 3: apply the event and keep the order sorted.
        let new = match (event, old) {
            (Event::Remove, None) => return None,
            (Event::Remove, Some(at)) => {
                let slot = self.order.remove(at);
                self.slot_of.remove(&**path);
                self.slots[slot as usize] = None;
                self.free.push(slot);
                None
            }
            (_, Some(at)) => {
                let key = self.key_of(value);
                let entry = self.entry_mut(self.order[at]);
                entry.key = key;
                entry.payload = payload;
                entry.fetch_only = fetch_only;
                Some(self.move_to_place(at))
            }
            (_, None) => {
                let key = self.key_of(value);
                let slot = self.new_entry(Arc::clone(path), key, payload, fetch_only);
                let at = self.insertion_point(slot);
                self.order.insert(at, slot);
                Some(at)
            }
        };
        let len = self.order.len();
        let (old, new) = (old.map(|i| i + 1), new.map(|i| i + 1));
        let in_window = |i: Option<usize>| i.is_some_and(|i| from <= i && i <= to);
        // Step 4.
        if len < from && old_len < from {
            return None;
        }
        // Step 6: same position inside the window; node-jet reports only changes.
        if let (Some(o), Some(index)) = (old, new) {
            if o == index && in_window(new) {
                if event != Event::Change {
                    return None;
                }
                let entry = self.entry(self.order[index - 1]);
                return Some(SortedUpdate {
                    changes: vec![change_of(entry, index)],
                    n: self.n.unwrap_or(0),
                    in_place: true,
                });
            }
        }
        // Step 7, with A.6's correction: an entry that crosses the window's start shifts
        // every position from `from` up to where it lands (or left), so scan from there.
        let last = to.min(len);
        let before_window = |i: Option<usize>| i.is_some_and(|i| i < from);
        let (start, stop) = match (
            old.filter(|_| in_window(old)),
            new.filter(|_| in_window(new)),
        ) {
            (Some(o), Some(i)) => (o.min(i), o.max(i)),
            (None, Some(_)) if before_window(old) => (from, last),
            (None, Some(i)) => (i, last),
            (Some(_), None) if before_window(new) => (from, last),
            (Some(o), None) => (o, last),
            (None, None) => (from, last),
        };
        // Step 8.
        let mut changes = Vec::new();
        for i in start..=stop {
            let entry = self
                .order
                .get(i - 1)
                .map(|&slot| occupied(&self.slots, slot));
            let serial = entry.map(|e| e.serial);
            let shown = shown_slot(&mut self.shown, from, i);
            if let Some(entry) = entry {
                if *shown != serial {
                    changes.push(change_of(entry, i));
                }
            }
            *shown = serial;
            if entry.is_none() {
                break;
            }
        }
        // Step 9 (steps 4 and 7 guarantee `last + 1 >= from`).
        let new_n = (last + 1).saturating_sub(from);
        // The client drops what lies beyond `n`: forget it too (see the module docs).
        self.shown.truncate(new_n);
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

    /// Stores a new entry (fresh identity) and returns its slot.
    fn new_entry(&mut self, path: Arc<str>, key: Key, payload: Option<P>, fetch_only: bool) -> u32 {
        let serial = self.next_serial;
        self.next_serial += 1;
        let entry = Entry {
            key,
            path: Arc::clone(&path),
            serial,
            payload,
            fetch_only,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(entry);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len())
                    .expect("a sorted fetch holds fewer than 2^32 entries");
                self.slots.push(Some(entry));
                slot
            }
        };
        self.slot_of.insert(path, slot);
        slot
    }

    fn entry(&self, slot: u32) -> &Entry<P> {
        occupied(&self.slots, slot)
    }

    fn entry_mut(&mut self, slot: u32) -> &mut Entry<P> {
        self.slots[slot as usize]
            .as_mut()
            .expect("ordered slots are occupied")
    }

    fn key_of(&self, value: Option<&Value>) -> Key {
        let field = match &self.spec.key {
            SortKey::Path => return Key::None,
            SortKey::Value(_) => value,
            SortKey::Field(accessor, _) => value.and_then(|v| accessor.get(v)),
        };
        field.map_or(Key::None, Key::from_json)
    }

    /// The order of two slots' entries for this fetch: (key, path), maybe reversed.
    fn cmp_slots(&self, a: u32, b: u32) -> Ordering {
        let (a, b) = (self.entry(a), self.entry(b));
        let ord = a.key.cmp(&b.key).then_with(|| a.path.cmp(&b.path));
        if self.spec.descending {
            ord.reverse()
        } else {
            ord
        }
    }

    /// Sorts the entries gathered by the initial scan (once). They are sorted in place in
    /// the slab, which keeps them contiguous in memory, and the ids renumbered.
    fn sort_all(&mut self) {
        if self.sorted {
            return;
        }
        debug_assert!(
            self.free.is_empty(),
            "nothing is removed before the first sort"
        );
        let descending = self.spec.descending;
        self.slots.sort_unstable_by(|a, b| {
            let (a, b) = (
                a.as_ref().expect("no free slots yet"),
                b.as_ref().expect("no free slots yet"),
            );
            let ord = a.key.cmp(&b.key).then_with(|| a.path.cmp(&b.path));
            if descending {
                ord.reverse()
            } else {
                ord
            }
        });
        self.order.clear();
        for (at, entry) in self.slots.iter().enumerate() {
            let slot = u32::try_from(at).expect("a sorted fetch holds fewer than 2^32 entries");
            self.order.push(slot);
            if let Some(entry) = entry {
                if let Some(id) = self.slot_of.get_mut(&entry.path) {
                    *id = slot;
                }
            }
        }
        self.sorted = true;
    }

    /// 0-based position of `path`, if present. The entry's key is its current one, so
    /// the binary search finds it.
    fn position(&self, path: &str) -> Option<usize> {
        let slot = *self.slot_of.get(path)?;
        self.order
            .binary_search_by(|&other| self.cmp_slots(other, slot))
            .ok()
    }

    /// Where the entry in `slot` belongs among the ordered entries (it is not among them).
    fn insertion_point(&self, slot: u32) -> usize {
        self.order
            .partition_point(|&other| self.cmp_slots(other, slot) == Ordering::Less)
    }

    /// Moves the entry at position `at`, whose key just changed, to its sorted place by
    /// rotating the ids between its old and new place; returns the new 0-based position.
    fn move_to_place(&mut self, at: usize) -> usize {
        let slot = self.order[at];
        let before = |other: &u32| self.cmp_slots(*other, slot) == Ordering::Less;
        let len = self.order.len();
        if at > 0 && !before(&self.order[at - 1]) {
            let to = self.order[..at].partition_point(before);
            self.order[to..=at].rotate_right(1);
            to
        } else if at + 1 < len && before(&self.order[at + 1]) {
            let end = at + 1 + self.order[at + 1..].partition_point(before);
            self.order[at..end].rotate_left(1);
            end - 1
        } else {
            at
        }
    }
}

/// The entry in `slot`, which must be in use (every id in `order` is). A free function so
/// it can borrow `slots` while `shown` is borrowed mutably.
fn occupied<P>(slots: &[Option<Entry<P>>], slot: u32) -> &Entry<P> {
    slots[slot as usize]
        .as_ref()
        .expect("ordered slots are occupied")
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
