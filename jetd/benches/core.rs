//! The daemon core's hot paths without sockets: frames go straight into
//! `Bus::handle_frame`, and each connection's outbox is drained the way the writer task
//! does it (`Outbox::take` swaps buffers, so allocations are reused). What is measured is
//! the daemon's work under its lock plus frame splitting and JSON scanning; the kernel
//! (read/write syscalls) and the tokio tasks are not in these figures.
//!
//! Run with `cargo bench -p jetd --bench core`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use futures_util::FutureExt;
use jetd::bus::{Bus, ConnId, FrameOutcome};
use jetd::outbox::{frames, Outbox};

/// One connection of the bench: its id in the core and its outbox.
struct Peer {
    id: ConnId,
    outbox: Arc<Outbox>,
    /// Reused buffer that `take` swaps with the outbox's queue.
    buf: Vec<u8>,
}

impl Peer {
    fn connect(bus: &Bus) -> Peer {
        let outbox = Arc::new(Outbox::new(usize::MAX));
        let id = bus.connect(outbox.clone(), "bench", None);
        Peer {
            id,
            outbox,
            buf: Vec::new(),
        }
    }

    fn send(&self, bus: &Bus, text: &[u8]) {
        match bus.handle_frame(self.id, text, 0) {
            FrameOutcome::Done => {}
            FrameOutcome::Authenticate { .. } => unreachable!("the benches never authenticate"),
        }
    }

    /// Take everything queued for this peer; returns the number of frames.
    fn drain(&mut self) -> usize {
        self.buf.clear();
        match self.outbox.take(&mut self.buf).now_or_never() {
            Some(Ok(())) => frames(&self.buf).count(),
            _ => 0,
        }
    }

    /// The queued frames as text (for set-up checks).
    fn drain_text(&mut self) -> Vec<String> {
        self.drain();
        frames(&self.buf)
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }
}

fn new_core() -> Arc<Bus> {
    Bus::new(&jetd::Config::default())
}

/// Send a request and check that the answer is a `result`.
fn request_ok(bus: &Bus, peer: &mut Peer, text: &str) {
    peer.send(bus, text.as_bytes());
    let got = peer.drain_text();
    assert!(
        got.iter().any(|m| m.contains("\"result\"")),
        "{text} was not answered with a result: {got:?}"
    );
}

/// The routed id (JSON text) of the one request queued for an owner.
fn routed_id(msg: &[u8]) -> &[u8] {
    let start = msg
        .windows(5)
        .position(|w| w == b"\"id\":")
        .expect("routed request has an id")
        + 5;
    let len = msg[start..]
        .iter()
        .position(|&c| c == b',')
        .expect("id is followed by method");
    &msg[start..start + len]
}

/// `set` from a requester, routed to the owner, answered by the owner, relayed back.
fn routed_set(c: &mut Criterion) {
    let bus = new_core();
    let mut owner = Peer::connect(&bus);
    let mut requester = Peer::connect(&bus);
    request_ok(
        &bus,
        &mut owner,
        r#"{"id":1,"method":"add","params":{"path":"bench/s","value":0}}"#,
    );
    let set = br#"{"id":7,"method":"set","params":{"path":"bench/s","value":42}}"#;
    let mut response = Vec::with_capacity(64);
    let mut group = c.benchmark_group("core/routed_set");
    group.throughput(Throughput::Elements(1));
    group.bench_function("round_trip", |b| {
        b.iter(|| {
            requester.send(&bus, set);
            assert_eq!(owner.drain(), 1);
            response.clear();
            response.extend_from_slice(br#"{"id":"#);
            response.extend_from_slice(routed_id(&owner.buf[4..]));
            response.extend_from_slice(br#","result":true}"#);
            owner.send(&bus, &response);
            assert_eq!(requester.drain(), 1);
        })
    });
    group.finish();
    assert_eq!(bus.stats().pending_routes, 0, "every route was answered");
}

/// One `change` delivered to N fetchers, each on its own connection (`equals` fetch).
fn fanout(c: &mut Criterion) {
    let mut group = c.benchmark_group("core/change_fanout");
    for n in [10usize, 100, 1000] {
        let bus = new_core();
        let mut owner = Peer::connect(&bus);
        request_ok(
            &bus,
            &mut owner,
            r#"{"id":1,"method":"add","params":{"path":"bench/s","value":0}}"#,
        );
        let mut fetchers: Vec<Peer> = (0..n).map(|_| Peer::connect(&bus)).collect();
        for f in &mut fetchers {
            request_ok(
                &bus,
                f,
                r#"{"id":1,"method":"fetch","params":{"id":"f","path":{"equals":"bench/s"}}}"#,
            );
        }
        let change = br#"{"id":2,"method":"change","params":{"path":"bench/s","value":123456}}"#;
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("fetchers", n), |b| {
            b.iter(|| {
                owner.send(&bus, change);
                assert_eq!(owner.drain(), 1);
                let mut delivered = 0;
                for f in &mut fetchers {
                    delivered += f.drain();
                }
                assert_eq!(delivered, n);
                black_box(delivered)
            })
        });
    }
    group.finish();
}

/// `add` then `remove` of a state while 10 connections fetch `startsWith` its prefix
/// (the shape of jetbench `churn`).
fn churn(c: &mut Criterion) {
    let mut group = c.benchmark_group("core/add_remove");
    for (states, fetchers_n) in [(100usize, 10usize), (100_000, 10)] {
        let bus = new_core();
        let mut owner = Peer::connect(&bus);
        add_states(&bus, &mut owner, "live/s", states);
        let mut fetchers: Vec<Peer> = (0..fetchers_n).map(|_| Peer::connect(&bus)).collect();
        for f in &mut fetchers {
            request_ok(
                &bus,
                f,
                r#"{"id":1,"method":"fetch","params":{"id":"f","path":{"startsWith":"churn/"}}}"#,
            );
        }
        let add =
            br#"{"id":3,"method":"add","params":{"path":"churn/x","value":{"n":1,"s":"abc"}}}"#;
        let remove = br#"{"id":4,"method":"remove","params":{"path":"churn/x"}}"#;
        // Per pair: two operations.
        group.throughput(Throughput::Elements(2));
        group.bench_function(
            BenchmarkId::new(format!("fetchers{fetchers_n}"), format!("states{states}")),
            |b| {
                b.iter(|| {
                    owner.send(&bus, add);
                    owner.send(&bus, remove);
                    assert_eq!(owner.drain(), 2);
                    let mut delivered = 0;
                    for f in &mut fetchers {
                        delivered += f.drain();
                    }
                    assert_eq!(delivered, 2 * fetchers_n);
                })
            },
        );
    }
    group.finish();
}

/// Fetcher teardown: F connections each fetch `startsWith` one prefix over H states, then
/// every one of them `unfetch`es (what a mass disconnect of fetchers costs the core). The
/// fetches are set up again before each iteration, outside the measurement.
fn teardown(c: &mut Criterion) {
    let mut group = c.benchmark_group("core/teardown");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for (fetchers_n, states) in [(1000usize, 100usize), (10, 10_000)] {
        let bus = new_core();
        let mut owner = Peer::connect(&bus);
        add_states(&bus, &mut owner, "td/s", states);
        let mut fetchers: Vec<Peer> = (0..fetchers_n).map(|_| Peer::connect(&bus)).collect();
        let fetch = br#"{"id":1,"method":"fetch","params":{"id":"f","path":{"startsWith":"td/"}}}"#;
        let unfetch = br#"{"id":2,"method":"unfetch","params":{"id":"f"}}"#;
        group.throughput(Throughput::Elements(fetchers_n as u64));
        group.bench_function(
            BenchmarkId::new(
                format!("unfetch_all{fetchers_n}"),
                format!("states{states}"),
            ),
            |b| {
                b.iter_custom(|iters| {
                    timed(iters, || {
                        for f in &mut fetchers {
                            f.send(&bus, fetch);
                            // The response and one `add` per state.
                            assert_eq!(f.drain(), 1 + states);
                        }
                        let start = Instant::now();
                        for f in &mut fetchers {
                            f.send(&bus, unfetch);
                            assert_eq!(f.drain(), 1);
                        }
                        start.elapsed()
                    })
                })
            },
        );
        assert_eq!(bus.stats().fetchers, 0, "every fetcher was dropped");
    }
    group.finish();
}

/// `unfetch` of one `contains` fetcher that matches none of 100k states (attached to
/// nothing, so ideally free).
fn unfetch_contains(c: &mut Criterion) {
    let mut group = c.benchmark_group("core/teardown");
    group.sampling_mode(SamplingMode::Flat).sample_size(20);
    let states = 100_000;
    let bus = new_core();
    let mut owner = Peer::connect(&bus);
    add_states(&bus, &mut owner, "live/s", states);
    let mut fetcher = Peer::connect(&bus);
    let fetch = br#"{"id":1,"method":"fetch","params":{"id":"f","path":{"contains":"zz-none"}}}"#;
    let unfetch = br#"{"id":2,"method":"unfetch","params":{"id":"f"}}"#;
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        BenchmarkId::new("unfetch_contains", format!("states{states}")),
        |b| {
            b.iter_custom(|iters| {
                timed(iters, || {
                    fetcher.send(&bus, fetch);
                    assert_eq!(fetcher.drain(), 1);
                    let start = Instant::now();
                    fetcher.send(&bus, unfetch);
                    assert_eq!(fetcher.drain(), 1);
                    start.elapsed()
                })
            })
        },
    );
    group.finish();
}

/// Run `once` `iters` times; the sum of the durations it measured (each run sets up its
/// own input first, outside its measurement).
fn timed(iters: u64, mut once: impl FnMut() -> Duration) -> Duration {
    (0..iters).map(|_| once()).sum()
}

/// Add `n` states `<prefix><i>` (without ids: no responses).
fn add_states(bus: &Bus, owner: &mut Peer, prefix: &str, n: usize) {
    for i in 0..n {
        owner.send(
            bus,
            format!(r#"{{"method":"add","params":{{"path":"{prefix}{i}","value":{i}}}}}"#)
                .as_bytes(),
        );
    }
    assert_eq!(owner.drain(), 0);
    assert_eq!(bus.stats().elements, n);
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = routed_set, fanout, churn, teardown, unfetch_contains
}
criterion_main!(benches);
