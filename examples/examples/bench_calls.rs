//! Benchmark: routed calls per second that one Rust peer pair drives through a daemon.
//!
//! ```sh
//! cargo run --release -p jetd -- --tcp 127.0.0.1:11122 --ws off &
//! cargo run --release -p jet-examples --example bench_calls -- 127.0.0.1:11122 \
//!     [--seconds 5] [--concurrency 64]
//! ```
//!
//! One peer adds the method `bench/echo` (answers its arguments), the other keeps
//! `concurrency` calls in flight for `seconds` and counts the answers. Prints one line, e.g.
//! `rust peer pair: 412345 calls in 5.00 s = 82469 calls/s, 11.2 µs CPU per call
//! (concurrency 64)`: the CPU is this process's (user + system, both peers: caller and
//! owner side of every call) over the timed part. The node-jet counterpart is
//! `tests/interop/bench_calls.js` (same method, same concurrency, same CPU figure).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use jet_runtime::peer::Peer;
use serde_json::json;

struct Args {
    addr: String,
    seconds: f64,
    concurrency: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        addr: String::new(),
        seconds: 5.0,
        concurrency: 64,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => parsed.seconds = args.next().context("--seconds N")?.parse()?,
            "--concurrency" => {
                parsed.concurrency = args.next().context("--concurrency N")?.parse()?
            }
            _ if parsed.addr.is_empty() => parsed.addr = arg,
            other => anyhow::bail!("unexpected argument {other}"),
        }
    }
    anyhow::ensure!(
        !parsed.addr.is_empty(),
        "usage: bench_calls HOST:PORT|ws://HOST:PORT/ [--seconds N] [--concurrency N]"
    );
    anyhow::ensure!(parsed.concurrency > 0, "--concurrency must be at least 1");
    Ok(parsed)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let provider = Peer::builder()
        .name("bench-provider")
        .connect(&args.addr)
        .await?;
    let _echo = provider.add_method("bench/echo", Ok).await?;
    let caller = Peer::builder()
        .name("bench-caller")
        .connect(&args.addr)
        .await?;

    // Warm up (connections, allocations, the daemon's route table).
    for i in 0..1000 {
        caller.call("bench/echo", json!([i])).await?;
    }

    let done = Arc::new(AtomicU64::new(0));
    let cpu_before = jet_examples::process_cpu_time();
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.seconds);
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..args.concurrency {
        let caller = caller.clone();
        let done = done.clone();
        workers.spawn(async move {
            let mut i = 0u64;
            while Instant::now() < deadline {
                caller.call("bench/echo", json!([w, i])).await?;
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            Ok::<_, jet_runtime::peer::PeerError>(())
        });
    }
    while let Some(result) = workers.join_next().await {
        result??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = (jet_examples::process_cpu_time() - cpu_before).as_secs_f64();
    let calls = done.load(Ordering::Relaxed);
    println!(
        "rust peer pair: {calls} calls in {elapsed:.2} s = {:.0} calls/s, {:.1} µs CPU per call \
         (concurrency {})",
        calls as f64 / elapsed,
        cpu * 1e6 / calls.max(1) as f64,
        args.concurrency
    );
    caller.close().await;
    provider.close().await;
    Ok(())
}
