//! Benchmark: what the typed layer costs over the untyped peer API (issue 12).
//!
//! ```sh
//! cargo run --release -p jet-examples --example bench_typed -- [--iterations 5000]
//! scripts/bench_typed_instructions.py    # instructions per operation, under callgrind
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
//! machine and its load. `--daemon HOST:PORT` uses a jetd running elsewhere instead (so
//! this process is only the two peers), and `--only CASE` (`typed-call`, `untyped-call`,
//! `typed-update`, `untyped-change`) runs one measurement, for instruction counts.

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
    let (wall, cpu0) = (Instant::now(), jet_examples::process_cpu_time());
    for i in 0..n {
        op(i).await?;
    }
    Ok(Figure {
        wall: wall.elapsed(),
        cpu: jet_examples::process_cpu_time() - cpu0,
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

/// Which measurements to run: all of them (the default), or one (`--only`, for counting
/// one case's instructions under callgrind: `scripts/bench_typed_instructions.py`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    TypedCall,
    UntypedCall,
    TypedUpdate,
    UntypedChange,
}

impl Case {
    const ALL: [(&'static str, Case); 4] = [
        ("typed-call", Case::TypedCall),
        ("untyped-call", Case::UntypedCall),
        ("typed-update", Case::TypedUpdate),
        ("untyped-change", Case::UntypedChange),
    ];

    fn parse(name: &str) -> anyhow::Result<Case> {
        Case::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
            .with_context(|| {
                let names: Vec<&str> = Case::ALL.iter().map(|(n, _)| *n).collect();
                format!("--only {name}: expected one of {}", names.join(", "))
            })
    }
}

const USAGE: &str = "usage: [--iterations N] [--daemon HOST:PORT] [--only CASE]";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut n: u32 = 5000;
    let mut external: Option<String> = None;
    let mut only: Option<Case> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--iterations" => n = args.next().context("--iterations N")?.parse()?,
            "--daemon" => external = Some(args.next().context("--daemon HOST:PORT")?),
            "--only" => only = Some(Case::parse(&args.next().context("--only CASE")?)?),
            other => anyhow::bail!("unexpected argument {other}; {USAGE}"),
        }
    }
    // In-process by default; `--daemon` leaves the daemon's work out of this process's
    // figures (what the peers cost, typed or not).
    let daemon = match &external {
        Some(_) => None,
        None => Some(jetd::Daemon::start(jetd::Config::loopback_ephemeral()).await?),
    };
    let addr = match (&external, &daemon) {
        (Some(addr), _) => addr.clone(),
        (None, Some(d)) => d.tcp_addr().context("tcp address")?.to_string(),
        (None, None) => unreachable!("a daemon is started when none is given"),
    };
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
    let typed_call = |i: u32| {
        let client = client.clone();
        async move {
            let sum = client.echo(u64::from(i), 1).await?;
            anyhow::ensure!(sum == u64::from(i) + 1);
            Ok(())
        }
    };
    let untyped_call = |i: u32| {
        let caller = caller.clone();
        async move {
            let sum = caller.call("bench/raw/echo", json!([i, 1])).await?;
            anyhow::ensure!(sum == json!(u64::from(i) + 1));
            Ok(())
        }
    };
    let twenty = service.serve("bench/twenty", Twenty::default()).await?;
    let state = service.add_state("bench/raw/state", json!(0)).await?;
    let typed_update = |i: u32| {
        let twenty = &twenty;
        async move {
            twenty.update(|t| t.f07 = i + 1).await?;
            Ok(())
        }
    };
    let untyped_change = |i: u32| {
        let state = &state;
        async move {
            state.change(json!(i + 1)).await?;
            Ok(())
        }
    };
    match only {
        None => {
            let typed = measure(n, typed_call).await?;
            let raw = measure(n, untyped_call).await?;
            report("call round trip", n, &typed, &raw);
            let typed = measure(n, typed_update).await?;
            let raw = measure(n, untyped_change).await?;
            report("publish 1 changed field", n, &typed, &raw);
        }
        Some(case) => {
            let figure = match case {
                Case::TypedCall => measure(n, typed_call).await?,
                Case::UntypedCall => measure(n, untyped_call).await?,
                Case::TypedUpdate => measure(n, typed_update).await?,
                Case::UntypedChange => measure(n, untyped_change).await?,
            };
            let (wall, cpu) = figure.per_op(n);
            println!("{wall:.1} µs wall / {cpu:.1} µs CPU per op ({n} ops)");
        }
    }

    caller.close().await;
    service.close().await;
    if let Some(daemon) = daemon {
        daemon.shutdown().await;
    }
    Ok(())
}
