//! Pending routed `set`/`call` requests and their deadlines (PROTOCOL.md A.5).
//!
//! Every route gets a fresh number that never repeats while the daemon runs, so routed ids
//! are unique among pending routes whatever ids requesters use. Deadlines are served by one
//! timer task, instead of a timer per request.
//!
//! Deadlines live in one FIFO queue per distinct timeout: routes with the same timeout are
//! made in time order, so each queue is sorted by construction and the earliest deadline
//! is the earliest queue front. A route costs an append instead of a sorted-set insert and
//! remove. An answered route leaves its queue entry behind (stale: its number is no longer
//! pending); stale entries are dropped when they reach the front of their queue, on the
//! next route with the same timeout or when the timer looks, and a queue that grew past
//! twice the pending routes (an unanswered route holds its queue's front) is swept. So a
//! queue holds at most about twice the pending routes.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::idhash::IdMap;
use super::ids::RouteId;
use crate::bus::registry::access::Op;
use crate::bus::ConnId;

/// A request forwarded to an element's owner, waiting for its answer.
#[derive(Debug)]
pub(crate) struct Route {
    pub requester: ConnId,
    /// The requester's id, as the JSON text it sent.
    pub requester_id: Box<str>,
    pub owner: ConnId,
    pub path: Arc<str>,
    /// `Set` or `Call`: what the requester asked for, so an owner's error in another
    /// dialect can be put in the requester's words (`notAState`/`notAMethod`).
    pub op: Op,
    /// The original request params (the data of a timeout error).
    pub params: Box<str>,
    /// The route's timeout; `deadline` is when it was made plus this.
    pub timeout: Duration,
    pub deadline: Instant,
}

/// A deadline queue entry: when, and which route.
type Entry = (Instant, RouteId);

#[derive(Debug, Default)]
pub(crate) struct Routes {
    next: u64,
    pending: IdMap<RouteId, Route>,
    /// One queue per distinct timeout (SipHash: peers choose timeouts), each sorted by `(deadline, number)`; may hold
    /// stale entries (see the module documentation).
    deadlines: HashMap<Duration, VecDeque<Entry>>,
}

/// Stale entries a queue may hold beyond twice the pending routes before it is swept.
const COMPACT_SLACK: usize = 64;

/// Routed ids look like `"r17"`; the prefix keeps them from looking like requester ids.
const PREFIX: &str = "r";

impl Routes {
    /// Store a route; returns its id (see [`Routes::write_id`] for its JSON text).
    pub(crate) fn insert(&mut self, route: Route) -> RouteId {
        self.next += 1;
        let n = RouteId(self.next);
        let queue = self.deadlines.entry(route.timeout).or_default();
        drop_stale_fronts(queue, &self.pending);
        if queue.len() > 2 * self.pending.len() + COMPACT_SLACK {
            // One route left unanswered keeps every later entry of its queue until it
            // expires (long timeouts: a long time). Sweep the stale ones out; this runs
            // after at least `pending + slack` pushes since the last sweep, so it costs
            // O(1) per route and bounds the queue by twice the pending routes.
            let pending = &self.pending;
            queue.retain(|(_, n)| pending.contains_key(n));
        }
        push_sorted(queue, (route.deadline, n));
        self.pending.insert(n, route);
        n
    }

    /// Write the routed id of route `n` as JSON text (a string), without allocating.
    pub(crate) fn write_id(b: &mut Vec<u8>, n: RouteId) {
        b.push(b'"');
        b.extend_from_slice(PREFIX.as_bytes());
        write_decimal(b, n.0);
        b.push(b'"');
    }

    /// Parse a routed id as an owner echoes it (the JSON text of its `id`).
    pub(crate) fn parse_id(id_json: &str) -> Option<RouteId> {
        id_json
            .strip_prefix('"')?
            .strip_suffix('"')?
            .strip_prefix(PREFIX)?
            .parse()
            .ok()
            .map(RouteId)
    }

    pub(crate) fn take(&mut self, n: RouteId) -> Option<Route> {
        self.pending.remove(&n)
    }

    /// Take route `n` if `owner` is the peer it was sent to (only the owner answers it;
    /// a response from anybody else leaves it pending).
    pub(crate) fn take_answer(&mut self, n: RouteId, owner: ConnId) -> Option<Route> {
        if self.pending.get(&n)?.owner != owner {
            return None;
        }
        self.take(n)
    }

    /// The earliest deadline of a pending route. Drops the stale queue fronts (and empty
    /// queues) on the way, so the answer is never the deadline of an answered route.
    pub(crate) fn earliest_deadline(&mut self) -> Option<Instant> {
        let pending = &self.pending;
        self.deadlines.retain(|_, queue| {
            drop_stale_fronts(queue, pending);
            !queue.is_empty()
        });
        self.deadlines
            .values()
            .filter_map(|queue| queue.front().map(|&(t, _)| t))
            .min()
    }

    /// Remove and return every route whose deadline is at or before `now`, ordered by
    /// deadline, then by the order they were made.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<Route> {
        let mut due: Vec<Entry> = Vec::new();
        for queue in self.deadlines.values_mut() {
            while let Some(&entry) = queue.front().filter(|&&(t, _)| t <= now) {
                queue.pop_front();
                due.push(entry);
            }
        }
        due.sort_unstable();
        due.into_iter()
            .filter_map(|(_, n)| self.pending.remove(&n))
            .collect()
    }

    /// Remove the routes matching `pred` (a connection went away).
    pub(crate) fn drain_where(&mut self, mut pred: impl FnMut(&Route) -> bool) -> Vec<Route> {
        let ids: Vec<RouteId> = self
            .pending
            .iter()
            .filter(|(_, r)| pred(r))
            .map(|(n, _)| *n)
            .collect();
        ids.into_iter().filter_map(|n| self.take(n)).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }
}

/// Pop the entries of routes that are no longer pending off the front of `queue`.
fn drop_stale_fronts(queue: &mut VecDeque<Entry>, pending: &IdMap<RouteId, Route>) {
    while queue.front().is_some_and(|(_, n)| !pending.contains_key(n)) {
        queue.pop_front();
    }
}

/// Append `entry`, keeping `queue` sorted. Entries of one timeout arrive in order (the
/// clock is monotonic), so this is a `push_back`; the sorted insert only guards the
/// order should the clock ever step back.
fn push_sorted(queue: &mut VecDeque<Entry>, entry: Entry) {
    if queue.back().is_none_or(|last| *last <= entry) {
        queue.push_back(entry);
    } else {
        let at = queue.partition_point(|e| *e <= entry);
        queue.insert(at, entry);
    }
}

/// Write `n` in decimal.
fn write_decimal(b: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    b.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn route(deadline: Instant, requester: u64) -> Route {
        route_with(deadline, Duration::from_secs(1), requester, "1")
    }

    fn route_with(deadline: Instant, timeout: Duration, requester: u64, id: &str) -> Route {
        Route {
            requester: ConnId(requester),
            requester_id: id.into(),
            owner: ConnId(9),
            path: Arc::from("p"),
            op: Op::Set,
            params: "{}".into(),
            timeout,
            deadline,
        }
    }

    fn id_text(n: u64) -> String {
        let mut b = Vec::new();
        Routes::write_id(&mut b, RouteId(n));
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn ids_are_unique_and_parse_back() {
        let mut r = Routes::default();
        let now = Instant::now();
        let a = r.insert(route(now, 1));
        let b = r.insert(route(now, 1));
        assert_ne!(id_text(a.0), id_text(b.0));
        assert_eq!(id_text(17), "\"r17\"");
        assert_eq!(Routes::parse_id(&id_text(a.0)), Some(a));
        assert_eq!(Routes::parse_id(&id_text(b.0)), Some(b));
        assert_eq!(Routes::parse_id("17"), None);
        assert_eq!(Routes::parse_id("\"x17\""), None);
    }

    #[test]
    fn expire_takes_only_due_routes() {
        let mut r = Routes::default();
        let now = Instant::now();
        r.insert(route(now, 1));
        let late = r.insert(route(now + Duration::from_secs(5), 1));
        let answered = r.insert(route(now, 2));
        assert!(r.take(answered).is_some());
        assert_eq!(r.expire(now).len(), 1);
        assert_eq!(r.earliest_deadline(), Some(now + Duration::from_secs(5)));
        assert!(r.take(late).is_some());
        assert_eq!(r.len(), 0);
        assert_eq!(r.earliest_deadline(), None);
    }

    #[test]
    fn only_the_owner_takes_an_answer() {
        let mut r = Routes::default();
        let now = Instant::now();
        let n = r.insert(route(now, 1));
        assert!(r.take_answer(n, ConnId(8)).is_none());
        assert_eq!(r.earliest_deadline(), Some(now));
        assert!(r.take_answer(n, ConnId(9)).is_some());
        assert!(r.take_answer(n, ConnId(9)).is_none());
    }

    #[test]
    fn drain_by_connection() {
        let mut r = Routes::default();
        let now = Instant::now();
        r.insert(route(now, 1));
        r.insert(route(now, 2));
        assert_eq!(r.drain_where(|x| x.requester == ConnId(1)).len(), 1);
        assert_eq!(r.len(), 1);
        assert_eq!(r.earliest_deadline(), Some(now));
    }

    #[test]
    fn stale_entries_do_not_pile_up_when_answered_in_order() {
        let mut r = Routes::default();
        let now = Instant::now();
        for i in 0..1000 {
            let n = r.insert(route(now + Duration::from_millis(i), 1));
            assert!(r.take(n).is_some());
        }
        let queued: usize = r.deadlines.values().map(VecDeque::len).sum();
        assert!(queued <= 1, "{queued} entries left");
    }

    /// One route nobody answers must not make its queue keep every later (answered) route
    /// until it expires.
    #[test]
    fn stale_entries_behind_an_unanswered_route_are_swept() {
        let mut r = Routes::default();
        let now = Instant::now();
        let hour = Duration::from_secs(3600);
        let stuck = r.insert(route_with(now + hour, hour, 1, "0"));
        for i in 1..10_000u64 {
            let n = r.insert(route_with(
                now + hour + Duration::from_nanos(i),
                hour,
                1,
                "1",
            ));
            assert!(r.take(n).is_some());
        }
        let queued: usize = r.deadlines.values().map(VecDeque::len).sum();
        assert!(queued <= 2 + COMPACT_SLACK + 1, "{queued} entries left");
        assert_eq!(r.len(), 1);
        assert_eq!(r.earliest_deadline(), Some(now + hour));
        assert_eq!(
            r.expire(now + hour).pop().map(|route| route.requester_id),
            Some("0".into())
        );
        assert!(r.take(stuck).is_none());
    }

    proptest! {
        #[test]
        fn decimal_ids_parse_back(n in any::<u64>()) {
            prop_assert_eq!(Routes::parse_id(&id_text(n)), Some(RouteId(n)));
            prop_assert_eq!(id_text(n), format!("\"r{n}\""));
        }
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// Advance the clock by this many ms, then route with timeout number `timeout`.
        Insert { advance: u64, timeout: usize },
        /// Answer the `k`-th route made so far (if still pending), by its owner or not.
        Answer { k: usize, by_owner: bool },
        /// Advance the clock and expire.
        Expire { advance: u64 },
        /// The requester of the `k`-th route disconnects.
        Drain { k: usize },
        /// Ask for the earliest deadline (which also drops stale queue fronts).
        Earliest,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => (0..50u64, 0..3usize).prop_map(|(advance, timeout)| Step::Insert { advance, timeout }),
            2 => (0..64usize, any::<bool>()).prop_map(|(k, by_owner)| Step::Answer { k, by_owner }),
            1 => (0..200u64).prop_map(|advance| Step::Expire { advance }),
            1 => (0..64usize).prop_map(|k| Step::Drain { k }),
            1 => Just(Step::Earliest),
        ]
    }

    proptest! {
        /// Against a model that keeps pending routes sorted by `(deadline, number)`, as
        /// the `BTreeSet` of deadlines did before.
        #[test]
        fn routes_match_a_sorted_model(steps in prop::collection::vec(step(), 0..80)) {
            const TIMEOUTS: [u64; 3] = [100, 30, 250];
            let start = Instant::now();
            let mut clock = 0u64;
            let mut routes = Routes::default();
            // number -> (deadline ms, requester)
            let mut model: BTreeMap<RouteId, (u64, u64)> = BTreeMap::new();
            let mut made: Vec<RouteId> = Vec::new();
            for step in steps {
                match step {
                    Step::Insert { advance, timeout } => {
                        clock += advance;
                        let ms = TIMEOUTS[timeout];
                        let deadline = clock + ms;
                        let requester = made.len() as u64 % 4;
                        let n = routes.insert(route_with(
                            start + Duration::from_millis(deadline),
                            Duration::from_millis(ms),
                            requester,
                            &made.len().to_string(),
                        ));
                        prop_assert!(made.last().is_none_or(|&last| n > last));
                        model.insert(n, (deadline, requester));
                        made.push(n);
                    }
                    Step::Answer { k, by_owner } => {
                        let Some(&n) = made.get(k) else { continue };
                        let owner = ConnId(if by_owner { 9 } else { 8 });
                        let got = routes.take_answer(n, owner).is_some();
                        let want = by_owner && model.remove(&n).is_some();
                        prop_assert_eq!(got, want);
                    }
                    Step::Expire { advance } => {
                        clock += advance;
                        let got: Vec<Box<str>> = routes
                            .expire(start + Duration::from_millis(clock))
                            .into_iter()
                            .map(|r| r.requester_id)
                            .collect();
                        let mut due: Vec<(u64, RouteId)> = model
                            .iter()
                            .filter(|(_, (d, _))| *d <= clock)
                            .map(|(n, (d, _))| (*d, *n))
                            .collect();
                        due.sort_unstable();
                        let want: Vec<Box<str>> = due
                            .iter()
                            .map(|(_, n)| {
                                model.remove(n);
                                let k = made.iter().position(|m| m == n).unwrap();
                                k.to_string().into()
                            })
                            .collect();
                        prop_assert_eq!(got, want);
                    }
                    Step::Drain { k } => {
                        let requester = k as u64 % 4;
                        let got = routes.drain_where(|r| r.requester == ConnId(requester)).len();
                        let before = model.len();
                        model.retain(|_, (_, req)| *req != requester);
                        prop_assert_eq!(got, before - model.len());
                    }
                    Step::Earliest => {
                        let earliest = model
                            .values()
                            .map(|(d, _)| start + Duration::from_millis(*d))
                            .min();
                        prop_assert_eq!(routes.earliest_deadline(), earliest);
                    }
                }
                prop_assert_eq!(routes.len(), model.len());
            }
        }
    }
}
