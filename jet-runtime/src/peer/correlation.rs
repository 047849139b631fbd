//! Request correlation: the one place that knows which request ids are waiting for which
//! response.
//!
//! Ids are numbers counting up from 1 per peer (like lua-jet). Daemons echo them back, but
//! not all of them exactly (cjet rebuilds numeric ids from a C `int`; a proxy may turn them
//! into strings), so a response id is accepted as a number or as a string holding the number.

use std::collections::HashMap;

use serde_json::Value;
use tokio::sync::oneshot;

use super::PeerError;

/// What a waiting request receives: the `result`, or the error.
pub(crate) type Outcome = Result<Value, PeerError>;

/// The table of requests waiting for a response.
#[derive(Debug, Default)]
pub(crate) struct Requests {
    next_id: u64,
    pending: HashMap<u64, oneshot::Sender<Outcome>>,
}

impl Requests {
    /// Reserve a fresh id and the receiver its response will be delivered to.
    pub(crate) fn register(&mut self) -> (u64, oneshot::Receiver<Outcome>) {
        self.next_id += 1;
        let id = self.next_id;
        let (tx, rx) = oneshot::channel();
        self.pending.insert(id, tx);
        (id, rx)
    }

    /// Forget a request whose caller gave up (timeout, dropped future).
    pub(crate) fn cancel(&mut self, id: u64) {
        self.pending.remove(&id);
    }

    /// Deliver a response. Returns `false` for ids nobody waits for (late answers after a
    /// timeout, answers to fire-and-forget requests), which the caller ignores.
    pub(crate) fn resolve(&mut self, id: &Value, outcome: Outcome) -> bool {
        let Some(id) = parse_id(id) else {
            return false;
        };
        match self.pending.remove(&id) {
            // The receiver may be gone (caller dropped its future); nothing to do then.
            Some(tx) => {
                let _ = tx.send(outcome);
                true
            }
            None => false,
        }
    }

    /// Fail every pending request at once (the connection dropped).
    pub(crate) fn fail_all(&mut self, error: &PeerError) {
        for (_, tx) in self.pending.drain() {
            let _ = tx.send(Err(error.clone()));
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }
}

/// A response id as this peer issued it: a non-negative integer, possibly as a string.
fn parse_id(id: &Value) -> Option<u64> {
    match id {
        Value::Number(n) => n.as_u64().or_else(|| {
            // `1.0` from a daemon that re-encodes numbers as floats.
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_and_string_ids_resolve_the_same_request() {
        let mut r = Requests::default();
        let (a, mut rx_a) = r.register();
        let (b, mut rx_b) = r.register();
        assert_ne!(a, b);
        assert!(r.resolve(&json!(a), Ok(json!(1))));
        assert!(r.resolve(&json!(b.to_string()), Ok(json!(2))));
        assert_eq!(rx_a.try_recv().unwrap().unwrap(), json!(1));
        assert_eq!(rx_b.try_recv().unwrap().unwrap(), json!(2));
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn unknown_and_repeated_ids_are_ignored() {
        let mut r = Requests::default();
        let (a, _rx) = r.register();
        assert!(!r.resolve(&json!(a + 100), Ok(json!(null))));
        assert!(!r.resolve(&json!(true), Ok(json!(null))));
        assert!(r.resolve(&json!(a), Ok(json!(null))));
        assert!(!r.resolve(&json!(a), Ok(json!(null))));
    }

    #[test]
    fn fail_all_fails_every_waiter() {
        let mut r = Requests::default();
        let (_, mut rx1) = r.register();
        let (_, mut rx2) = r.register();
        r.fail_all(&PeerError::ConnectionClosed);
        assert!(matches!(
            rx1.try_recv().unwrap(),
            Err(PeerError::ConnectionClosed)
        ));
        assert!(matches!(
            rx2.try_recv().unwrap(),
            Err(PeerError::ConnectionClosed)
        ));
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn cancelled_requests_are_forgotten() {
        let mut r = Requests::default();
        let (a, _rx) = r.register();
        r.cancel(a);
        assert!(!r.resolve(&json!(a), Ok(json!(1))));
    }
}
