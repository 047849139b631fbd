//! Pending routed `set`/`call` requests and their deadlines (PROTOCOL.md A.5).
//!
//! Every route gets a fresh number that never repeats while the daemon runs, so routed ids
//! are unique among pending routes whatever ids requesters use. Deadlines live in one
//! ordered set served by one timer task, instead of a timer per request.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use super::ConnId;

/// A request forwarded to an element's owner, waiting for its answer.
#[derive(Debug)]
pub struct Route {
    pub requester: ConnId,
    /// The requester's id, as the JSON text it sent.
    pub requester_id: Box<str>,
    pub owner: ConnId,
    pub path: Arc<str>,
    /// The original request params (the data of a timeout error).
    pub params: Box<str>,
    pub deadline: Instant,
}

#[derive(Debug, Default)]
pub struct Routes {
    next: u64,
    pending: HashMap<u64, Route>,
    deadlines: BTreeSet<(Instant, u64)>,
}

/// Routed ids look like `"r17"`; the prefix keeps them from looking like requester ids.
const PREFIX: &str = "r";

impl Routes {
    /// Store a route; returns the routed id as JSON text (a string).
    pub fn insert(&mut self, route: Route) -> (u64, String) {
        self.next += 1;
        let n = self.next;
        self.deadlines.insert((route.deadline, n));
        self.pending.insert(n, route);
        (n, format!("\"{PREFIX}{n}\""))
    }

    /// Parse a routed id as an owner echoes it (the JSON text of its `id`).
    pub fn parse_id(id_json: &str) -> Option<u64> {
        id_json
            .strip_prefix('"')?
            .strip_suffix('"')?
            .strip_prefix(PREFIX)?
            .parse()
            .ok()
    }

    pub fn take(&mut self, n: u64) -> Option<Route> {
        let route = self.pending.remove(&n)?;
        self.deadlines.remove(&(route.deadline, n));
        Some(route)
    }

    /// Put back a route taken by mistake (a response from a peer that is not its owner).
    pub fn insert_back(&mut self, n: u64, route: Route) {
        self.deadlines.insert((route.deadline, n));
        self.pending.insert(n, route);
    }

    pub fn earliest_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(t, _)| *t)
    }

    /// Remove and return every route whose deadline is at or before `now`.
    pub fn expire(&mut self, now: Instant) -> Vec<Route> {
        let mut expired = Vec::new();
        while let Some(&(t, n)) = self.deadlines.first() {
            if t > now {
                break;
            }
            self.deadlines.pop_first();
            if let Some(route) = self.pending.remove(&n) {
                expired.push(route);
            }
        }
        expired
    }

    /// Remove the routes matching `pred` (a connection went away).
    pub fn drain_where(&mut self, mut pred: impl FnMut(&Route) -> bool) -> Vec<Route> {
        let ids: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, r)| pred(r))
            .map(|(n, _)| *n)
            .collect();
        ids.into_iter().filter_map(|n| self.take(n)).collect()
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn route(deadline: Instant, requester: ConnId) -> Route {
        Route {
            requester,
            requester_id: "1".into(),
            owner: 9,
            path: Arc::from("p"),
            params: "{}".into(),
            deadline,
        }
    }

    #[test]
    fn ids_are_unique_and_parse_back() {
        let mut r = Routes::default();
        let now = Instant::now();
        let (a, ida) = r.insert(route(now, 1));
        let (b, idb) = r.insert(route(now, 1));
        assert_ne!(ida, idb);
        assert_eq!(Routes::parse_id(&ida), Some(a));
        assert_eq!(Routes::parse_id(&idb), Some(b));
        assert_eq!(Routes::parse_id("17"), None);
        assert_eq!(Routes::parse_id("\"x17\""), None);
    }

    #[test]
    fn expire_takes_only_due_routes() {
        let mut r = Routes::default();
        let now = Instant::now();
        r.insert(route(now, 1));
        let (late, _) = r.insert(route(now + Duration::from_secs(5), 1));
        let (answered, _) = r.insert(route(now, 2));
        assert!(r.take(answered).is_some());
        assert_eq!(r.expire(now).len(), 1);
        assert_eq!(r.earliest_deadline(), Some(now + Duration::from_secs(5)));
        assert!(r.take(late).is_some());
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn drain_by_connection() {
        let mut r = Routes::default();
        let now = Instant::now();
        r.insert(route(now, 1));
        r.insert(route(now, 2));
        assert_eq!(r.drain_where(|x| x.requester == 1).len(), 1);
        assert_eq!(r.len(), 1);
        assert_eq!(r.earliest_deadline(), Some(now));
    }
}
