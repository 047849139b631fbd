//! The message parser and dispatcher: `jetd::bus::Bus` driven directly, no sockets.
//!
//! Input: lines of text, one action each, so seeds are readable and libFuzzer's mutations
//! keep the JSON mostly intact:
//!
//! * `0{...}` .. `3{...}`: connection 0..3 sends the rest of the line as one frame;
//! * `d0` .. `d3`: connection 0..3 disconnects (a fresh connection takes its slot);
//! * `t`: time jumps far ahead, so every routed request times out;
//! * any other line: connection 0 sends the whole line.
//!
//! `authenticate` succeeds for password `pw` with the user name as the only group (for
//! fetch, set and call), so access rules are reached without slow password hashing.
//!
//! Checked after every action: nothing panics, everything queued for a connection is a
//! sequence of complete frames, each a JSON object that is a response (`id`, or `error`
//! alone for a parse error) or a request/notification (`method`). At the end, once every connection is gone, the core
//! holds no elements, fetchers or routed requests.
#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use jetd::auth::Groups;
use jetd::bus::{ConnId, FrameOutcome, Bus};
use jetd::outbox::{frames, Closed, Outbox};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

const CONNS: usize = 4;
/// Small, so that the overflow path is reached too.
const OUTBOX_LIMIT: usize = 64 * 1024;

struct Peer {
    conn: ConnId,
    outbox: Arc<Outbox>,
}

fn connect(bus: &Bus) -> Peer {
    let outbox = Arc::new(Outbox::new(OUTBOX_LIMIT));
    let conn = bus.connect(outbox.clone(), "fuzz", None);
    Peer { conn, outbox }
}

/// What `process_frame` in the server does, with a fake password check.
fn feed(bus: &Bus, conn: ConnId, frame: &[u8]) {
    let mut start = 0;
    loop {
        match bus.handle_frame(conn, frame, start) {
            FrameOutcome::Done => return,
            FrameOutcome::Authenticate { auth, next } => {
                let groups = (auth.password == "pw").then(|| Groups {
                    fetch_groups: vec![auth.user.clone()],
                    set_groups: vec![auth.user.clone()],
                    call_groups: vec![auth.user.clone()],
                });
                bus.finish_authenticate(conn, auth, groups);
                assert!(next > start, "authenticate continuation must advance");
                start = next;
            }
        }
    }
}

/// Take what is queued for `peer` and check it. Returns false if the outbox overflowed
/// (the server would then disconnect the peer).
fn drain(peer: &Peer) -> bool {
    let mut buf = Vec::new();
    match peer.outbox.take(&mut buf).now_or_never() {
        None => true, // nothing queued
        Some(Err(Closed::Overflow { .. })) => false,
        Some(Err(Closed::Shutdown)) => panic!("the core never closes an outbox"),
        Some(Ok(())) => {
            let mut total = 0;
            for frame in frames(&buf) {
                total += 4 + frame.len();
                check_frame(frame);
            }
            assert_eq!(total, buf.len(), "outbox holds a partial frame");
            true
        }
    }
}

/// A frame must be one valid JSON object that is a response or a request. Its members are
/// kept raw: values are passed on as the owner's text, which may be nested deeper than
/// serde_json builds trees for, and still valid JSON.
fn check_frame(frame: &[u8]) {
    let message: BTreeMap<String, Box<RawValue>> =
        serde_json::from_slice(frame).unwrap_or_else(|e| {
            panic!(
                "daemon queued something that is not a JSON object ({e}): {}",
                String::from_utf8_lossy(frame)
            )
        });
    assert!(
        ["id", "method", "error"]
            .iter()
            .any(|k| message.contains_key(*k)),
        "message is neither response nor request: {}",
        String::from_utf8_lossy(frame)
    );
}

fuzz_target!(|data: &[u8]| {
    let bus = Bus::new(&jetd::Config {
        default_timeout: Duration::from_secs(5),
        // Small, so that the limit paths are reached too.
        max_elements_per_peer: 8,
        max_fetchers_per_peer: 3,
        max_pending_per_peer: 3,
        ..jetd::Config::default()
    });
    let mut peers: Vec<Peer> = (0..CONNS).map(|_| connect(&bus)).collect();
    for line in data.split(|&b| b == b'\n') {
        let (slot, frame) = match line {
            [d @ b'0'..=b'3', rest @ ..] => (usize::from(d - b'0'), Some(rest)),
            [b'd', d @ b'0'..=b'3', ..] => (usize::from(d - b'0'), None),
            [b't', ..] => {
                bus.expire_routes(Instant::now() + Duration::from_secs(2_000_000_000));
                (0, Some(&b""[..]))
            }
            _ => (0, Some(line)),
        };
        match frame {
            Some(frame) if !frame.is_empty() => feed(&bus, peers[slot].conn, frame),
            Some(_) => {}
            None => {
                bus.disconnect(peers[slot].conn);
                drain(&peers[slot]);
                peers[slot] = connect(&bus);
            }
        }
        for peer in peers.iter_mut() {
            if !drain(peer) {
                bus.disconnect(peer.conn);
                *peer = connect(&bus);
            }
        }
    }
    for peer in &peers {
        bus.disconnect(peer.conn);
    }
    assert_eq!(
        bus.stats(),
        jetd::Stats::default(),
        "state left over after every peer disconnected"
    );
});
