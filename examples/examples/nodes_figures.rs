//! Prints the node figures of docs/PERFORMANCE.md (PROTOCOL.md A.11): what nodes cost the
//! daemon. Frames go straight into jetd's core (`Bus::handle_frame`) and the outboxes
//! are drained as the writer tasks do, so the figures are the core's work under its lock
//! plus JSON scanning, without sockets.
//!
//! * churn: `add` + `remove` of a state next to 10,000 others, with one fetcher that
//!   matches everything: 4-level paths and a `nodes:true` fetcher, against flat paths
//!   and a plain fetcher; and the classic case (no node fetcher) for both shapes;
//! * memory per node of the registry (100,000 states under 10,100 nodes);
//! * setup of a `nodes:true` fetch over those 100,000 states, against a plain one.
//!
//! Run: `cargo run --release -p jet-examples --example nodes_figures` (well under a minute).

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use jetd::bus::{Bus as Shared, ConnId, FrameOutcome};
use jetd::outbox::{frames, Outbox};

struct Peer {
    id: ConnId,
    outbox: Arc<Outbox>,
    buf: Vec<u8>,
}

impl Peer {
    fn connect(shared: &Shared) -> Peer {
        let outbox = Arc::new(Outbox::new(usize::MAX));
        let id = shared.connect(outbox.clone(), "figures", None);
        Peer {
            id,
            outbox,
            buf: Vec::new(),
        }
    }

    fn send(&self, shared: &Shared, text: &[u8]) {
        match shared.handle_frame(self.id, text, 0) {
            FrameOutcome::Done => {}
            FrameOutcome::Authenticate { .. } => unreachable!("no authenticate here"),
        }
    }

    /// Take everything queued; the number of frames.
    fn drain(&mut self) -> usize {
        self.buf.clear();
        match self.outbox.take(&mut self.buf).now_or_never() {
            Some(Ok(())) => frames(&self.buf).count(),
            _ => 0,
        }
    }
}

/// CPU time of this thread: the figures are taken on a shared machine, where wall-clock
/// time mostly measures the neighbours.
fn cpu_now() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn new_core() -> Arc<Shared> {
    core_with(jetd::bus::Hierarchy::Relaxed)
}

fn core_with(hierarchy: jetd::bus::Hierarchy) -> Arc<Shared> {
    let mut config = jetd::Config::default();
    config.nodes.hierarchy = hierarchy;
    Shared::new(&config)
}

fn add(shared: &Shared, owner: &Peer, path: &str, value: usize) {
    owner.send(
        shared,
        format!(r#"{{"method":"add","params":{{"path":"{path}","value":{value}}}}}"#).as_bytes(),
    );
}

/// 10,000 states: flat `s<i>`, or 4-level `site<a>/line<b>/unit<c>/s<d>`.
fn population(deep: bool) -> Vec<String> {
    (0..10_000)
        .map(|i| {
            if deep {
                format!(
                    "site{}/line{}/unit{}/s{}",
                    i / 1000,
                    i / 100 % 10,
                    i / 10 % 10,
                    i % 10
                )
            } else {
                format!("s{i}")
            }
        })
        .collect()
}

/// One churn case: a core with 10,000 states, maybe a fetcher, and the add/remove
/// frames of its pairs.
struct Churn {
    shared: Arc<Shared>,
    owner: Peer,
    fetcher: Peer,
    pairs: Vec<(String, String)>,
    best: Duration,
    frames: usize,
}

const PAIRS: usize = 10_000;

impl Churn {
    fn new(
        hierarchy: jetd::bus::Hierarchy,
        deep: bool,
        fetch: Option<&str>,
        new_node: bool,
    ) -> Churn {
        let shared = core_with(hierarchy);
        let mut owner = Peer::connect(&shared);
        let mut fetcher = Peer::connect(&shared);
        for (i, p) in population(deep).iter().enumerate() {
            add(&shared, &owner, p, i);
        }
        owner.drain();
        if let Some(f) = fetch {
            fetcher.send(&shared, f.as_bytes());
            fetcher.drain();
        }
        let pairs = (0..PAIRS)
            .map(|i| {
                let path = match (deep, new_node) {
                    (false, _) => format!("x{i}"),
                    // Below an existing unit: no node is created.
                    (true, false) => format!(
                        "site{}/line{}/unit{}/x{i}",
                        i % 10,
                        i / 10 % 10,
                        i / 100 % 10
                    ),
                    // In a new unit: one node created and deleted per pair.
                    (true, true) => format!("site{}/line{}/new{i}/x", i % 10, i / 10 % 10),
                };
                let add = format!(r#"{{"method":"add","params":{{"path":"{path}","value":{i}}}}}"#);
                let remove = format!(r#"{{"method":"remove","params":{{"path":"{path}"}}}}"#);
                (add, remove)
            })
            .collect();
        Churn {
            shared,
            owner,
            fetcher,
            pairs,
            best: Duration::MAX,
            frames: 0,
        }
    }

    fn run(&mut self) {
        let start = cpu_now();
        let mut frames = 0;
        for (a, r) in &self.pairs {
            self.owner.send(&self.shared, a.as_bytes());
            self.owner.send(&self.shared, r.as_bytes());
            frames += self.fetcher.drain();
        }
        self.best = self.best.min(cpu_now() - start);
        self.frames = frames;
    }

    /// Best ns per pair.
    fn ns(&self) -> f64 {
        self.best.as_nanos() as f64 / PAIRS as f64
    }

    fn frames(&self) -> f64 {
        self.frames as f64 / PAIRS as f64
    }
}

fn main() {
    let all_nodes = r#"{"id":1,"method":"fetch","params":{"id":"n","nodes":true}}"#;
    let all_plain = r#"{"id":1,"method":"fetch","params":{"id":"f"}}"#;
    use jetd::bus::Hierarchy::{Relaxed, Strict};
    let mut cases = [
        Churn::new(Relaxed, false, Some(all_plain), false),
        Churn::new(Relaxed, true, Some(all_nodes), false),
        Churn::new(Relaxed, true, Some(all_nodes), true),
        Churn::new(Relaxed, true, Some(all_plain), false),
        Churn::new(Relaxed, false, None, false),
        Churn::new(Relaxed, true, None, false),
        Churn::new(Strict, true, None, false),
    ];
    // Rounds over all cases, best of each: neighbours on a shared machine disturb
    // single runs, and alternating spreads the disturbance over every case.
    for _ in 0..7 {
        for case in cases.iter_mut() {
            case.run();
        }
    }
    let flat = cases[0].ns();
    println!("churn: add+remove next to 10,000 states, one fetcher matching everything (CPU ns per pair)");
    println!(
        "  flat paths, plain fetcher            {flat:8.0}  ({} frames)",
        cases[0].frames()
    );
    for (i, what) in [
        (1, "4-level paths, nodes:true fetcher   "),
        (2, "... each pair creating a node       "),
        (3, "4-level paths, plain fetcher        "),
    ] {
        println!(
            "  {what} {:8.0}  ({} frames)  {:.2}x flat",
            cases[i].ns(),
            cases[i].frames(),
            cases[i].ns() / flat
        );
    }
    println!(
        "  nodes:true vs plain fetcher, same 4-level paths: {:.2}x",
        cases[1].ns() / cases[3].ns()
    );
    println!("classic churn, no fetcher");
    println!(
        "  flat paths                           {:8.0}",
        cases[4].ns()
    );
    println!(
        "  4-level paths                        {:8.0}  {:.2}x flat",
        cases[5].ns(),
        cases[5].ns() / cases[4].ns()
    );
    println!(
        "  4-level paths, strict hierarchy      {:8.0}  {:.2}x relaxed",
        cases[6].ns(),
        cases[6].ns() / cases[5].ns()
    );
    drop(cases);

    // 100,000 states under 100 + 10,000 nodes.
    let shared = new_core();
    let owner = Peer::connect(&shared);
    let mut i = 0;
    for a in 0..100 {
        for b in 0..100 {
            for c in 0..10 {
                add(&shared, &owner, &format!("g{a}/d{b}/s{c}"), i);
                i += 1;
            }
        }
    }
    let nodes = 100 + 10_000;
    let setup = |what: &str, fetch: &str, expect: usize| {
        let mut best = Duration::MAX;
        for k in 0..5 {
            let mut f = Peer::connect(&shared);
            let text = fetch.replace("\"id\":1", &format!("\"id\":{}", k + 10));
            let start = cpu_now();
            f.send(&shared, text.as_bytes());
            let got = f.drain();
            best = best.min(cpu_now() - start);
            assert_eq!(got, expect, "{what}: response and initial adds");
            shared.disconnect(f.id);
        }
        println!(
            "setup of a {what} over 100,000 states: {:.1} ms",
            best.as_secs_f64() * 1e3
        );
    };
    setup("plain fetch", all_plain, 100_001);
    setup(
        "nodes:true fetch (first: builds the registry)",
        all_nodes,
        100_001 + nodes,
    );
    // Keep the registry: one node fetcher that matches nothing.
    let mut keeper = Peer::connect(&shared);
    keeper.send(
        &shared,
        br#"{"id":1,"method":"fetch","params":{"id":"k","nodes":true,"path":{"equals":"none"}}}"#,
    );
    assert_eq!(keeper.drain(), 1);
    let (live, bytes) = shared.node_stats();
    assert_eq!(live, nodes);
    println!(
        "memory: {live} nodes over {} states: {bytes} B in the registry, {:.0} B per node",
        shared.stats().elements,
        bytes as f64 / live as f64
    );
    setup(
        "nodes:true fetch (registry kept)",
        all_nodes,
        100_001 + nodes,
    );
}
