//! How jetd's costs grow: states {1k, 10k, 100k} × fetchers {10, 100, 1000}, each fetcher
//! on its own TCP connection. Prints a markdown table (docs/PERFORMANCE.md explains it).
//!
//! ```sh
//! cargo build --release -p jetd -p jet-examples --example scale
//! taskset -c 1 target/release/examples/scale --jetd target/release/jetd --daemon-cpu 0
//! ```
//!
//! For every cell a fresh daemon is started on a free loopback port (`--tcp 127.0.0.1:P
//! --ws off`), optionally pinned with `taskset -c N`. The daemon's CPU time is read from
//! `/proc/<pid>/task/*/schedstat` (nanoseconds, all threads) around each phase, so the
//! figures are daemon CPU per operation like `compare.py` reports them, not generator-bound
//! wall time. Phases of one cell, in order:
//!
//! Paths below are under a per-cell prefix `c<S>x<F>/`.
//!
//! 1. fill: one provider adds `s/0..S` (pipelined).
//! 2. fetch setup: each fetcher connection fetches `{"equals": "s/<j mod S>"}` (the shape of
//!    jetbench `memory`); wall time until every response and initial `add` arrived.
//! 3. scan fetch: 10 connections fetch `{"contains": "zz-none"}`, which matches nothing:
//!    the daemon has to test every state (no index can help a `contains` rule).
//! 4. cold adds: 20k adds of `cold/i`, which no fetcher matches (index overhead only).
//! 5. hot adds: every fetcher also fetches `{"startsWith": "hot/"}`; then adds of `hot/i`,
//!    each delivered to all F fetchers.
//! 6. change fan-out: changes of `hot/0`, each delivered to all F fetchers.
//! 7. teardown: all fetcher connections close; daemon CPU until it is idle again.
//!
//! Loopback only; every wait has a timeout, and the whole table takes a few minutes.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use jet_runtime::codec::encode_frame;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// How long any one wait may take before the run is declared broken.
const WAIT: Duration = Duration::from_secs(120);

struct Args {
    jetd: String,
    addr: Option<String>,
    /// With --addr: the daemon's pid, for the CPU figures.
    pid: Option<u32>,
    daemon_cpu: Option<String>,
    states: Vec<usize>,
    fetchers: Vec<usize>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        jetd: "target/release/jetd".into(),
        addr: None,
        pid: None,
        daemon_cpu: None,
        states: vec![1_000, 10_000, 100_000],
        fetchers: vec![10, 100, 1000],
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        let list = |v: String| -> Result<Vec<usize>> {
            v.split(',')
                .map(|x| x.trim().parse().context("a list of numbers"))
                .collect()
        };
        match a.as_str() {
            "--jetd" => args.jetd = value()?,
            "--addr" => args.addr = Some(value()?),
            "--pid" => args.pid = Some(value()?.parse().context("--pid needs a number")?),
            "--daemon-cpu" => args.daemon_cpu = Some(value()?),
            "--states" => args.states = list(value()?)?,
            "--fetchers" => args.fetchers = list(value()?)?,
            "-h" | "--help" => {
                println!(
                    "scale [--jetd PATH] [--addr 127.0.0.1:PORT] [--daemon-cpu N] \
                     [--pid PID] [--states 1000,10000,100000] [--fetchers 10,100,1000]\n\
                     --addr measures a running daemon (loopback only); give its --pid \
                     for the CPU figures. Its `contains` scans also see earlier cells' states"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    if let Some(addr) = &args.addr {
        if !(addr.starts_with("127.") || addr.starts_with("[::1]") || addr.starts_with("localhost"))
        {
            bail!("--addr must be a loopback address, got {addr}");
        }
    }
    Ok(args)
}

/// A started daemon, killed on drop.
struct Daemon {
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

async fn start_daemon(args: &Args) -> Result<(Daemon, String)> {
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = match &args.daemon_cpu {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cpu, &args.jetd]);
            c
        }
        None => Command::new(&args.jetd),
    };
    cmd.args(["--tcp", &addr, "--ws", "off"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = cmd
        .spawn()
        .with_context(|| format!("starting {}", args.jetd))?;
    let daemon = Daemon { child };
    let start = Instant::now();
    while TcpStream::connect(&addr).await.is_err() {
        if start.elapsed() > Duration::from_secs(10) {
            bail!("{} did not listen on {addr} within 10 s", args.jetd);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok((daemon, addr))
}

/// Daemon CPU time so far (all threads), from the scheduler's nanosecond counters.
fn daemon_cpu_ns(pid: Option<u32>) -> u64 {
    let Some(pid) = pid else { return 0 };
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// One connection: the write half, and a reader task counting received frames into a
/// counter shared by a group of connections.
struct Conn {
    write: OwnedWriteHalf,
    out: Vec<u8>,
}

/// Frames received by a group of connections, with a wake-up for waiters.
#[derive(Default)]
struct Counter {
    frames: AtomicU64,
    changed: Notify,
}

impl Counter {
    fn get(&self) -> u64 {
        self.frames.load(Ordering::Acquire)
    }

    async fn wait_for(&self, target: u64, what: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        loop {
            let notified = self.changed.notified();
            if self.get() >= target {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(left, notified).await.is_err() {
                bail!(
                    "timed out waiting for {what}: {} of {target} frames",
                    self.get()
                );
            }
        }
    }
}

async fn connect(addr: &str, counter: Arc<Counter>) -> Result<Conn> {
    let stream = tokio::time::timeout(WAIT, TcpStream::connect(addr))
        .await
        .context("connect timed out")??;
    stream.set_nodelay(true)?;
    let (mut read, write) = stream.into_split();
    tokio::spawn(async move {
        // Frames are only counted (and error responses reported), so a plain buffer and
        // the 4-byte length prefix are all the decoding needed.
        let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let got = match read.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(got) => got,
            };
            buf.extend_from_slice(&chunk[..got]);
            let mut at = 0;
            let mut n = 0;
            while buf.len() - at >= 4 {
                let len =
                    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]) as usize;
                if buf.len() - at - 4 < len {
                    break;
                }
                let frame = &buf[at + 4..at + 4 + len];
                if frame.windows(8).any(|w| w == b"\"error\":") {
                    eprintln!("daemon error: {}", String::from_utf8_lossy(frame));
                }
                at += 4 + len;
                n += 1;
            }
            buf.drain(..at);
            counter.frames.fetch_add(n, Ordering::AcqRel);
            counter.changed.notify_waiters();
        }
    });
    Ok(Conn {
        write,
        out: Vec::new(),
    })
}

impl Conn {
    fn queue(&mut self, json: &str) {
        encode_frame(&mut self.out, json.as_bytes());
    }

    async fn flush(&mut self) -> Result<()> {
        tokio::time::timeout(WAIT, self.write.write_all(&self.out))
            .await
            .context("write timed out")??;
        self.out.clear();
        Ok(())
    }
}

/// Send `count` requests made by `make(i)` on one connection, at most `window` unanswered,
/// and wait for all answers; with `fanout`, also until that counter got that many frames
/// per request.
async fn pipeline(
    conn: &mut Conn,
    counter: &Counter,
    count: usize,
    window: usize,
    make: impl Fn(usize) -> String,
    fanout: Option<(&Counter, u64)>,
    what: &str,
) -> Result<()> {
    let base = counter.get();
    let fbase = fanout.map_or(0, |(c, _)| c.get());
    let mut sent = 0;
    while sent < count {
        let burst = window.min(count - sent);
        for i in sent..sent + burst {
            conn.queue(&make(i));
        }
        conn.flush().await?;
        sent += burst;
        counter.wait_for(base + sent as u64, what).await?;
        if let Some((fetched, per_request)) = fanout {
            fetched
                .wait_for(fbase + sent as u64 * per_request, what)
                .await?;
        }
    }
    Ok(())
}

struct Cell {
    states: usize,
    fetchers: usize,
    setup_wall_ms: f64,
    setup_cpu_us_per_fetch: f64,
    scan_cpu_us_per_fetch: f64,
    cold_add_cpu_us: f64,
    hot_add_cpu_us: f64,
    hot_add_cpu_us_per_notif: f64,
    change_cpu_us_per_notif: f64,
    change_notifs_per_s: f64,
    teardown_cpu_ms: f64,
}

async fn run_cell(args: &Args, states: usize, fetchers: usize) -> Result<Cell> {
    let (daemon, addr) = match &args.addr {
        Some(a) => (None, a.clone()),
        None => {
            let (d, a) = start_daemon(args).await?;
            (Some(d), a)
        }
    };
    let pid = daemon.as_ref().map(|d| d.child.id()).or(args.pid);
    // Paths are per cell, so cells can share one daemon given with --addr.
    let t = format!("c{states}x{fetchers}");
    let cpu = || daemon_cpu_ns(pid);

    let provider_count = Arc::new(Counter::default());
    let mut provider = connect(&addr, provider_count.clone()).await?;
    // 1. fill
    pipeline(
        &mut provider,
        &provider_count,
        states,
        256,
        |i| format!(r#"{{"id":{i},"method":"add","params":{{"path":"{t}/s/{i}","value":{i}}}}}"#),
        None,
        "fill",
    )
    .await?;

    // 2. fetch setup: equals, one per connection, all sent at once.
    let fetch_count = Arc::new(Counter::default());
    let mut conns = Vec::with_capacity(fetchers);
    for _ in 0..fetchers {
        conns.push(connect(&addr, fetch_count.clone()).await?);
    }
    let (t0, c0) = (Instant::now(), cpu());
    for (j, c) in conns.iter_mut().enumerate() {
        c.queue(&format!(
            r#"{{"id":1,"method":"fetch","params":{{"id":"eq","path":{{"equals":"{t}/s/{}"}}}}}}"#,
            j % states
        ));
        c.flush().await?;
    }
    // A response and one initial `add` per fetcher.
    fetch_count
        .wait_for(2 * fetchers as u64, "equals fetch setup")
        .await?;
    let setup_wall = t0.elapsed();
    let setup_cpu = cpu() - c0;

    // 3. scan fetches: 10 connections, a `contains` that matches nothing.
    let scanners = fetchers.min(10);
    let base = fetch_count.get();
    let c0 = cpu();
    for c in conns.iter_mut().take(scanners) {
        c.queue(
            r#"{"id":2,"method":"fetch","params":{"id":"scan","path":{"contains":"zz-none"}}}"#,
        );
        c.flush().await?;
    }
    fetch_count
        .wait_for(base + scanners as u64, "scan fetch setup")
        .await?;
    let scan_cpu = cpu() - c0;

    // 4. cold adds: no fetcher matches.
    let cold = 20_000;
    let c0 = cpu();
    pipeline(
        &mut provider,
        &provider_count,
        cold,
        64,
        |i| {
            format!(r#"{{"id":{i},"method":"add","params":{{"path":"{t}/cold/{i}","value":{i}}}}}"#)
        },
        None,
        "cold adds",
    )
    .await?;
    let cold_cpu = cpu() - c0;

    // 5. hot adds: every fetcher also fetches startsWith hot/ (nothing there yet: one
    // response each), then each add reaches all of them.
    let base = fetch_count.get();
    for c in conns.iter_mut() {
        c.queue(&format!(r#"{{"id":3,"method":"fetch","params":{{"id":"hot","path":{{"startsWith":"{t}/hot/"}}}}}}"#));
        c.flush().await?;
    }
    fetch_count
        .wait_for(base + fetchers as u64, "hot fetch setup")
        .await?;
    let hot = (100_000 / fetchers).max(100);
    let c0 = cpu();
    pipeline(
        &mut provider,
        &provider_count,
        hot,
        8,
        |i| format!(r#"{{"id":{i},"method":"add","params":{{"path":"{t}/hot/{i}","value":{i}}}}}"#),
        Some((&fetch_count, fetchers as u64)),
        "hot adds",
    )
    .await?;
    let hot_cpu = cpu() - c0;

    // 6. change fan-out of hot/0.
    let changes = (200_000 / fetchers).max(200);
    let (t0, c0) = (Instant::now(), cpu());
    pipeline(
        &mut provider,
        &provider_count,
        changes,
        8,
        |i| {
            format!(r#"{{"id":{i},"method":"change","params":{{"path":"{t}/hot/0","value":{i}}}}}"#)
        },
        Some((&fetch_count, fetchers as u64)),
        "change fan-out",
    )
    .await?;
    let change_wall = t0.elapsed();
    let change_cpu = cpu() - c0;

    // 7. teardown: close every fetcher; wait until the daemon's CPU time stops moving.
    let c0 = cpu();
    drop(conns);
    let mut last = c0;
    let start = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = cpu();
        if now == last || start.elapsed() > Duration::from_secs(20) || pid.is_none() {
            break;
        }
        last = now;
    }
    let teardown_cpu = last - c0;
    drop(provider);
    drop(daemon);

    let us = |ns: u64| ns as f64 / 1e3;
    let notifs_hot = (hot * fetchers) as f64;
    let notifs_change = (changes * fetchers) as f64;
    Ok(Cell {
        states,
        fetchers,
        setup_wall_ms: setup_wall.as_secs_f64() * 1e3,
        setup_cpu_us_per_fetch: us(setup_cpu) / fetchers as f64,
        scan_cpu_us_per_fetch: us(scan_cpu) / scanners as f64,
        cold_add_cpu_us: us(cold_cpu) / cold as f64,
        hot_add_cpu_us: us(hot_cpu) / hot as f64,
        hot_add_cpu_us_per_notif: us(hot_cpu) / notifs_hot,
        change_cpu_us_per_notif: us(change_cpu) / notifs_change,
        change_notifs_per_s: notifs_change / change_wall.as_secs_f64(),
        teardown_cpu_ms: us(teardown_cpu) / 1e3,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let started = Instant::now();
    let mut cells = Vec::new();
    for &s in &args.states {
        for &f in &args.fetchers {
            eprintln!("cell: {s} states x {f} fetchers ...");
            let cell = run_cell(&args, s, f)
                .await
                .with_context(|| format!("cell {s} states x {f} fetchers"))?;
            cells.push(cell);
        }
    }
    println!(
        "| states | fetchers | fetch setup, wall ms (all) | setup CPU µs/fetch | \
         `contains` scan fetch CPU µs | add, no match: CPU µs | add to F fetchers: CPU µs \
         | … per notification | change fan-out: CPU µs/notification | notifications/s | \
         teardown CPU ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in &cells {
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.0} | {:.2} | {:.1} | {:.2} | {:.2} | {:.0}k | {:.1} |",
            c.states,
            c.fetchers,
            c.setup_wall_ms,
            c.setup_cpu_us_per_fetch,
            c.scan_cpu_us_per_fetch,
            c.cold_add_cpu_us,
            c.hot_add_cpu_us,
            c.hot_add_cpu_us_per_notif,
            c.change_cpu_us_per_notif,
            c.change_notifs_per_s / 1e3,
            c.teardown_cpu_ms,
        );
    }
    eprintln!("whole table: {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
