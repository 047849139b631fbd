//! Benchmark: what the typed layer costs over the untyped peer API (issue 12).
//!
//! ```sh
//! cargo run --release -p jet-examples --example bench_typed -- [--iterations 5000]
//! ```
//!
//! Starts jetd in-process on 127.0.0.1 (ephemeral port), then measures, one operation in
//! flight at a time so the figures are per operation:
//!
//! * a `call` round trip: the generated client's `echo(a, b)` on a `#[jet_runtime::methods]`
//!   service vs `peer.call` on a method added with `add_method` doing the same work;
//! * publishing one changed field: `Served::update` of 1 of 20 fields (encodes all 20 and
//!   publishes the one that changed) vs `State::change` of one raw state.
//!
//! Prints wall time and process CPU time (user + system, from `/proc/self/stat`; the
//! daemon and both peers run in this process, so CPU is the whole round trip) per
//! operation for each, and the typed/untyped ratio. Not a test: figures depend on the
//! machine and its load.

// `#[jet_runtime::methods]` serves exactly the `pub fn`s of a block.
#![allow(unreachable_pub)]

use std::time::{Duration, Instant};

use anyhow::Context;
use jet_runtime::peer::Peer;
use jet_runtime::prelude::*;
use serde_json::{json, Value};

/// The typed echo service.
#[derive(Default, Node)]
struct Echo {
    calls: u64,
}

#[jet_runtime::methods]
impl Echo {
    /// Returns `a + b`.
    pub fn echo(&self, a: u64, b: u64) -> u64 {
        a + b
    }
}

/// Twenty states; the benchmark changes one of them.
#[derive(Default, Node)]
struct Twenty {
    f00: f64,
    f01: f64,
    f02: f64,
    f03: f64,
    f04: f64,
    f05: u32,
    f06: u32,
    f07: u32,
    f08: u32,
    f09: u32,
    f10: String,
    f11: String,
    f12: String,
    f13: String,
    f14: String,
    f15: bool,
    f16: bool,
    f17: bool,
    f18: bool,
    f19: bool,
}

/// Process CPU time (user + system) so far.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`: state is field 3, utime 14 and stime 15 (1-based).
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // 100 ticks per second on Linux (USER_HZ).
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

struct Figure {
    wall: Duration,
    cpu: Duration,
}

impl Figure {
    fn per_op(&self, n: u32) -> (f64, f64) {
        (
            self.wall.as_secs_f64() * 1e6 / f64::from(n),
            self.cpu.as_secs_f64() * 1e6 / f64::from(n),
        )
    }
}

async fn measure<F, Fut>(n: u32, mut op: F) -> anyhow::Result<Figure>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    for i in 0..n / 10 {
        op(i).await?; // warm-up
    }
    let (wall, cpu0) = (Instant::now(), cpu());
    for i in 0..n {
        op(i).await?;
    }
    Ok(Figure {
        wall: wall.elapsed(),
        cpu: cpu() - cpu0,
    })
}

fn report(what: &str, n: u32, typed: &Figure, raw: &Figure) {
    let (tw, tc) = typed.per_op(n);
    let (rw, rc) = raw.per_op(n);
    println!(
        "{what}: typed {tw:.1} µs wall / {tc:.1} µs CPU per op, untyped {rw:.1} µs wall / \
         {rc:.1} µs CPU per op; typed/untyped = {:.2} wall, {:.2} CPU ({n} ops each)",
        tw / rw,
        if rc > 0.0 { tc / rc } else { f64::NAN }
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut n: u32 = 5000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--iterations" => n = args.next().context("--iterations N")?.parse()?,
            other => anyhow::bail!("unexpected argument {other}; usage: [--iterations N]"),
        }
    }
    let daemon = jetd::Daemon::start(jetd::Config::loopback_ephemeral()).await?;
    let addr = daemon.tcp_addr().context("tcp address")?.to_string();
    let service = Peer::connect(&addr).await?;
    let caller = Peer::connect(&addr).await?;

    let _echo = service.serve("bench/typed", Echo::default()).await?;
    let _raw = service
        .add_method("bench/raw/echo", |args: Value| {
            let a = args[0].as_u64().unwrap_or(0);
            let b = args[1].as_u64().unwrap_or(0);
            Ok(json!(a + b))
        })
        .await?;
    let client = EchoClient::new(&caller, "bench/typed");
    let typed = measure(n, |i| {
        let client = client.clone();
        async move {
            let sum = client.echo(u64::from(i), 1).await?;
            anyhow::ensure!(sum == u64::from(i) + 1);
            Ok(())
        }
    })
    .await?;
    let raw = measure(n, |i| {
        let caller = caller.clone();
        async move {
            let sum = caller.call("bench/raw/echo", json!([i, 1])).await?;
            anyhow::ensure!(sum == json!(u64::from(i) + 1));
            Ok(())
        }
    })
    .await?;
    report("call round trip", n, &typed, &raw);

    let twenty = service.serve("bench/twenty", Twenty::default()).await?;
    let state = service.add_state("bench/raw/state", json!(0)).await?;
    let typed = measure(n, |i| {
        let twenty = &twenty;
        async move {
            twenty.update(|t| t.f07 = i + 1).await?;
            Ok(())
        }
    })
    .await?;
    let raw = measure(n, |i| {
        let state = &state;
        async move {
            state.change(json!(i + 1)).await?;
            Ok(())
        }
    })
    .await?;
    report("publish 1 changed field", n, &typed, &raw);

    caller.close().await;
    service.close().await;
    daemon.shutdown().await;
    Ok(())
}
