//! jet-soak: mixed load against a jetd for a given time, with the daemon's resident memory
//! sampled from /proc, then lua-jet's leak check (20,000 add/remove cycles must end within
//! 10 % of the starting RSS). A program that prints figures, not a test.
//!
//! ```text
//! jet-soak --jetd target/release/jetd [--duration 60] [--cycles 20000]
//! jet-soak --addr 127.0.0.1:11122 --pid 4242 [--duration 60]
//! ```
//!
//! With `--jetd` it starts `jetd --tcp 127.0.0.1:0 --ws off` itself and reads the port from
//! its "jetd listening" line. Only loopback addresses are accepted: this is a load generator.
//! Exit status 1 when the leak check fails or the load saw protocol errors.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::BytesMut;
use jet_runtime::codec::{encode_frame, FrameDecoder};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

/// How long one request may take before the soak counts it as a failure.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

struct Args {
    addr: Option<SocketAddr>,
    pid: Option<u32>,
    jetd: Option<String>,
    duration: Duration,
    cycles: usize,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        addr: None,
        pid: None,
        jetd: None,
        duration: Duration::from_secs(60),
        cycles: 20_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => args.addr = Some(value()?.parse().context("--addr HOST:PORT")?),
            "--pid" => args.pid = Some(value()?.parse().context("--pid PID")?),
            "--jetd" => args.jetd = Some(value()?),
            "--duration" => {
                args.duration = Duration::from_secs(value()?.parse().context("--duration SECS")?)
            }
            "--cycles" => args.cycles = value()?.parse().context("--cycles N")?,
            "-h" | "--help" => {
                println!("usage: jet-soak (--jetd PATH | --addr HOST:PORT --pid PID) [--duration SECS] [--cycles N]");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other} (try --help)"),
        }
    }
    if args.jetd.is_none() && (args.addr.is_none() || args.pid.is_none()) {
        bail!("give --jetd PATH, or --addr and --pid of a running jetd");
    }
    Ok(args)
}

/// Resident set size of `pid` in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status: is jetd running?"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS line")
}

// ---- a small pipelining client ----------------------------------------------------------

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// One connection: requests are matched to responses by id; everything else (notifications,
/// routed requests) goes to the handler, which can answer through the sender it is given.
struct Conn {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    pending: Pending,
    next_id: AtomicU64,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn frame(msg: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(&mut out, &serde_json::to_vec(msg).expect("serialise"));
    out
}

impl Conn {
    async fn connect(
        addr: SocketAddr,
        handler: impl Fn(Value, &mpsc::UnboundedSender<Vec<u8>>) + Send + 'static,
    ) -> Result<Conn> {
        let stream = tokio::time::timeout(REQUEST_TIMEOUT, TcpStream::connect(addr))
            .await
            .context("connect timed out")??;
        stream.set_nodelay(true)?;
        let (mut rd, mut wr) = stream.into_split();
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let pending: Pending = Arc::default();
        let writer = tokio::spawn(async move {
            while let Some(mut buf) = rx.recv().await {
                while let Ok(more) = rx.try_recv() {
                    buf.extend_from_slice(&more);
                }
                if wr.write_all(&buf).await.is_err() {
                    return;
                }
            }
        });
        let reader_pending = pending.clone();
        let reply = tx.clone();
        let reader = tokio::spawn(async move {
            let decoder = FrameDecoder::new(64 * 1024 * 1024);
            let mut buf = BytesMut::with_capacity(64 * 1024);
            loop {
                while let Ok(Some(f)) = decoder.decode(&mut buf) {
                    let Ok(msg) = serde_json::from_slice::<Value>(&f) else {
                        continue;
                    };
                    let is_response = msg.get("method").is_none();
                    if let (true, Some(id)) = (is_response, msg.get("id").and_then(Value::as_u64)) {
                        if let Some(tx) = reader_pending.lock().unwrap().remove(&id) {
                            let _ = tx.send(msg);
                        }
                    } else {
                        handler(msg, &reply);
                    }
                }
                match rd.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        });
        Ok(Conn {
            tx,
            pending,
            next_id: AtomicU64::new(1),
            tasks: vec![writer, reader],
        })
    }

    async fn request(&self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id.fetch_add(1, Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        self.tx
            .send(frame(
                &json!({"id": id, "method": method, "params": params}),
            ))
            .ok()
            .context("connection closed")?;
        tokio::time::timeout(REQUEST_TIMEOUT, rx)
            .await
            .with_context(|| format!("{method} not answered in time"))?
            .context("connection closed")
    }

    fn notify(&self, method: &str, params: Value) {
        let _ = self
            .tx
            .send(frame(&json!({"method": method, "params": params})));
    }
}

// ---- the mixed load ---------------------------------------------------------------------

#[derive(Default)]
struct Counters {
    changes: AtomicU64,
    routed: AtomicU64,
    notifications: AtomicU64,
    requests: AtomicU64,
    churned: AtomicU64,
    errors: AtomicU64,
}

const OWNERS: usize = 4;
const STATES: usize = 250;
const FETCHERS: usize = 6;
const REQUESTERS: usize = 4;

/// An owner: STATES states and one method; answers every routed request (a `set` is
/// followed by its `change`), and publishes changes at a steady pace.
async fn owner(addr: SocketAddr, k: usize, stats: Arc<Counters>, until: Instant) -> Result<()> {
    let s = stats.clone();
    let conn = Conn::connect(addr, move |msg, reply| {
        if let (Some(id), Some(path)) = (msg.get("id"), msg["method"].as_str()) {
            s.routed.fetch_add(1, Relaxed);
            let mut out = frame(&json!({"id": id, "result": true}));
            if let Some(v) = msg["params"].get("value") {
                out.extend(frame(
                    &json!({"method": "change", "params": {"path": path, "value": v}}),
                ));
            }
            let _ = reply.send(out);
        }
    })
    .await?;
    for i in 0..STATES {
        let r = conn
            .request(
                "add",
                json!({"path": format!("soak/o{k}/s{i}"), "value": i}),
            )
            .await?;
        check(&r, &stats);
    }
    check(
        &conn
            .request("add", json!({"path": format!("soak/o{k}/m")}))
            .await?,
        &stats,
    );
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    let mut n = 0u64;
    while Instant::now() < until {
        tick.tick().await;
        // A burst of 20 changes every 5 ms per owner.
        for _ in 0..20 {
            n += 1;
            let i = (n as usize * 7919) % STATES;
            conn.notify(
                "change",
                json!({"path": format!("soak/o{k}/s{i}"), "value": n % 1000}),
            );
            stats.changes.fetch_add(1, Relaxed);
        }
    }
    // One round trip so every change was taken before the owner goes.
    check(&conn.request("echo", json!(true)).await?, &stats);
    Ok(())
}

fn check(response: &Value, stats: &Counters) {
    if response.get("error").is_some() {
        stats.errors.fetch_add(1, Relaxed);
    }
}

/// Fetchers with different rules, counting notifications.
async fn fetcher(addr: SocketAddr, k: usize, stats: Arc<Counters>, until: Instant) -> Result<()> {
    let s = stats.clone();
    let conn = Conn::connect(addr, move |_msg, _| {
        s.notifications.fetch_add(1, Relaxed);
    })
    .await?;
    let rules = [
        json!({"path": {"startsWith": "soak/"}}),
        json!({"path": {"startsWith": format!("soak/o{}", k % OWNERS)}, "value": {"greaterThan": 500}}),
        json!({"path": {"contains": "/s1"}, "sort": {"byValue": "number", "descending": true, "to": 10}}),
        json!({"sort": {"byPath": true, "from": 5, "to": 20}}),
        json!({"path": {"endsWith": "/m"}}),
        json!({"path": {"equalsOneOf": ["soak/o0/s1", "soak/o1/s2"]}}),
    ];
    let mut rule = rules[k % rules.len()].clone();
    rule["id"] = json!(format!("f{k}"));
    check(&conn.request("fetch", rule).await?, &stats);
    tokio::time::sleep_until(until.into()).await;
    Ok(())
}

/// Requesters: set, call and get in a loop.
async fn requester(addr: SocketAddr, k: usize, stats: Arc<Counters>, until: Instant) -> Result<()> {
    let conn = Conn::connect(addr, |_, _| {}).await?;
    let mut n = k;
    while Instant::now() < until {
        n += 1;
        let owner = n % OWNERS;
        let r = match n % 3 {
            0 => {
                conn.request(
                    "set",
                    json!({"path": format!("soak/o{owner}/s{}", n % STATES), "value": n % 1000}),
                )
                .await?
            }
            1 => {
                conn.request(
                    "call",
                    json!({"path": format!("soak/o{owner}/m"), "args": [n]}),
                )
                .await?
            }
            _ => {
                conn.request(
                    "get",
                    json!({"path": {"startsWith": format!("soak/o{owner}/s1")}}),
                )
                .await?
            }
        };
        // An owner may not have added its elements yet in the first moments.
        if r.get("error").is_some() && r["error"]["data"].get("pathNotExists").is_none() {
            stats.errors.fetch_add(1, Relaxed);
        }
        stats.requests.fetch_add(1, Relaxed);
    }
    Ok(())
}

/// Churn: connect, add, fetch, disconnect, again.
async fn churn(addr: SocketAddr, stats: Arc<Counters>, until: Instant) -> Result<()> {
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let conn = Conn::connect(addr, |_, _| {}).await?;
        check(
            &conn
                .request("add", json!({"path": format!("churn/{n}"), "value": n}))
                .await?,
            &stats,
        );
        check(
            &conn
                .request(
                    "fetch",
                    json!({"id": 1, "path": {"startsWith": "soak/o0/s2"}}),
                )
                .await?,
            &stats,
        );
        drop(conn);
        stats.churned.fetch_add(1, Relaxed);
    }
    Ok(())
}

async fn mixed_load(addr: SocketAddr, pid: u32, duration: Duration) -> Result<u64> {
    let stats = Arc::new(Counters::default());
    let start = Instant::now();
    let until = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..OWNERS {
        tasks.spawn(owner(addr, k, stats.clone(), until));
    }
    for k in 0..FETCHERS {
        tasks.spawn(fetcher(addr, k, stats.clone(), until));
    }
    for k in 0..REQUESTERS {
        tasks.spawn(requester(addr, k, stats.clone(), until));
    }
    tasks.spawn(churn(addr, stats.clone(), until));
    println!("== mixed load for {duration:?}: {OWNERS} owners x {STATES} states, {FETCHERS} fetchers, {REQUESTERS} requesters, 1 churning peer");
    println!(
        "{:>6} {:>10} {:>10} {:>10} {:>12} {:>10} {:>8} {:>6}",
        "t (s)", "RSS (KiB)", "changes", "routed", "notified", "requests", "churned", "errors"
    );
    let mut sample = tokio::time::interval(
        Duration::from_secs(1)
            .min(duration / 10)
            .max(Duration::from_millis(100)),
    );
    let mut first_rss = None;
    let mut last_rss = 0;
    loop {
        tokio::select! {
            _ = sample.tick() => {
                let rss = rss_kib(pid)?;
                first_rss.get_or_insert(rss);
                last_rss = rss;
                println!(
                    "{:>6.1} {:>10} {:>10} {:>10} {:>12} {:>10} {:>8} {:>6}",
                    start.elapsed().as_secs_f64(),
                    rss,
                    stats.changes.load(Relaxed),
                    stats.routed.load(Relaxed),
                    stats.notifications.load(Relaxed),
                    stats.requests.load(Relaxed),
                    stats.churned.load(Relaxed),
                    stats.errors.load(Relaxed),
                );
            }
            done = tasks.join_next() => match done {
                None => break,
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => { stats.errors.fetch_add(1, Relaxed); eprintln!("load task failed: {e:#}"); }
                Some(Err(e)) => bail!("load task panicked: {e}"),
            },
        }
    }
    let rss = rss_kib(pid)?;
    println!(
        "mixed load done in {:.1} s: RSS {} KiB at the first sample, {last_rss} KiB at the last, {rss} KiB after every load peer left",
        start.elapsed().as_secs_f64(),
        first_rss.unwrap_or(rss)
    );
    Ok(stats.errors.load(Relaxed))
}

/// lua-jet's leak check: add/remove cycles (with a fetcher watching) must not grow the
/// daemon. The baseline is taken after a warm-up, so allocator pools are filled.
async fn leak_check(addr: SocketAddr, pid: u32, cycles: usize) -> Result<bool> {
    let watcher_count = Arc::new(AtomicU64::new(0));
    let w = watcher_count.clone();
    let watcher = Conn::connect(addr, move |_, _| {
        w.fetch_add(1, Relaxed);
    })
    .await?;
    watcher
        .request(
            "fetch",
            json!({"id": "leak", "path": {"startsWith": "leak/"}}),
        )
        .await?;
    let peer = Conn::connect(addr, |_, _| {}).await?;
    let cycle = |i: usize| {
        let peer = &peer;
        async move {
            let path = format!("leak/{}", i % 100);
            let r = peer
                .request(
                    "add",
                    json!({"path": path, "value": {"i": i, "pad": "x".repeat(64)}}),
                )
                .await?;
            if r.get("result") != Some(&json!(true)) {
                bail!("add failed: {r}");
            }
            let r = peer.request("remove", json!({"path": path})).await?;
            if r.get("result") != Some(&json!(true)) {
                bail!("remove failed: {r}");
            }
            Ok(())
        }
    };
    for i in 0..1_000 {
        cycle(i).await?;
    }
    let start_rss = rss_kib(pid)?;
    let t0 = Instant::now();
    println!("== leak check: {cycles} add/remove cycles (after 1,000 warm-up cycles)");
    println!("{:>8} {:>10}", "cycles", "RSS (KiB)");
    println!("{:>8} {:>10}", 0, start_rss);
    for i in 0..cycles {
        cycle(1_000 + i).await?;
        if (i + 1) % (cycles / 10).max(1) == 0 {
            println!("{:>8} {:>10}", i + 1, rss_kib(pid)?);
        }
    }
    let end_rss = rss_kib(pid)?;
    let growth = (end_rss as f64 - start_rss as f64) / start_rss as f64 * 100.0;
    let ok = growth <= 10.0;
    println!(
        "leak check {}: RSS {start_rss} KiB -> {end_rss} KiB ({growth:+.1} %, limit +10 %) in {:.1} s; the watcher saw {} notifications",
        if ok { "passed" } else { "FAILED" },
        t0.elapsed().as_secs_f64(),
        watcher_count.load(Relaxed)
    );
    Ok(ok)
}

/// Start jetd on an ephemeral loopback port; returns the child, its address and pid.
async fn spawn_jetd(path: &str) -> Result<(tokio::process::Child, SocketAddr, u32)> {
    let mut child = tokio::process::Command::new(path)
        .args(["--tcp", "127.0.0.1:0", "--ws", "off"])
        .stdout(std::process::Stdio::piped())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {path}"))?;
    let pid = child.id().context("jetd has no pid")?;
    let mut lines = BufReader::new(child.stdout.take().context("no stdout")?).lines();
    let line = tokio::time::timeout(REQUEST_TIMEOUT, lines.next_line())
        .await
        .context("jetd did not print its listening line")??
        .context("jetd exited")?;
    let addr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("tcp="))
        .with_context(|| format!("no tcp= in {line:?}"))?
        .parse()?;
    Ok((child, addr, pid))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let (child, addr, pid) = match &args.jetd {
        Some(path) => {
            let (child, addr, pid) = spawn_jetd(path).await?;
            (Some(child), addr, pid)
        }
        None => (
            None,
            args.addr.expect("checked"),
            args.pid.expect("checked"),
        ),
    };
    if !addr.ip().is_loopback() {
        bail!("jet-soak only loads daemons on loopback addresses, not {addr}");
    }
    println!(
        "jetd pid {pid} at {addr}, RSS {} KiB at start",
        rss_kib(pid)?
    );
    let errors = mixed_load(addr, pid, args.duration).await?;
    let leak_ok = leak_check(addr, pid, args.cycles).await?;
    drop(child);
    println!(
        "summary: {errors} errors under mixed load; leak check {}",
        if leak_ok { "passed" } else { "FAILED" }
    );
    if errors > 0 || !leak_ok {
        std::process::exit(1);
    }
    Ok(())
}
