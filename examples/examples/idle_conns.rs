//! What an idle fetching connection costs jetd: RSS per connection for N connections (TCP
//! or WebSocket) that each hold one `equals` fetch, like jetbench `memory` but for 10,000
//! connections (issue 17). Prints one line per transport.
//!
//! ```sh
//! cargo build --release -p jetd -p jet-examples --example idle_conns
//! ulimit -n 20000   # each side needs N descriptors
//! taskset -c 1 target/release/examples/idle_conns --jetd target/release/jetd --daemon-cpu 0 \
//!     --conns 10000 --transport tcp,ws
//! ```
//!
//! For each transport a fresh daemon is started on free loopback ports (optionally pinned
//! with `taskset -c N`), a provider adds 100 states, the daemon's RSS is read
//! (`/proc/<pid>/status`), then N connections each fetch `{"equals":"s/<j mod 100>"}` and
//! wait for the response and the initial `add` (at most 200 connecting at a time). After
//! a second of quiet the RSS is read again; the difference divided by N is the cost of
//! one idle fetching connection (the kernel's socket buffers are not part of RSS). The
//! WebSocket client is a minimal one written here (handshake, masked text frames), so
//! that 10,000 of them fit in the generator's memory too.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// How long any one wait may take before the run is declared broken.
const WAIT: Duration = Duration::from_secs(60);
/// States the fetchers spread over.
const STATES: usize = 100;

struct Args {
    jetd: String,
    daemon_cpu: Option<String>,
    conns: usize,
    transports: Vec<Transport>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transport {
    Tcp,
    Ws,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        jetd: "target/release/jetd".into(),
        daemon_cpu: None,
        conns: 10_000,
        transports: vec![Transport::Tcp, Transport::Ws],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--jetd" => args.jetd = value()?,
            "--daemon-cpu" => args.daemon_cpu = Some(value()?),
            "--conns" => args.conns = value()?.parse().context("--conns needs a number")?,
            "--transport" => {
                args.transports = value()?
                    .split(',')
                    .map(|t| match t {
                        "tcp" => Ok(Transport::Tcp),
                        "ws" => Ok(Transport::Ws),
                        other => bail!("unknown transport {other:?} (tcp, ws)"),
                    })
                    .collect::<Result<_>>()?
            }
            "-h" | "--help" => {
                println!(
                    "idle_conns [--jetd PATH] [--daemon-cpu N] [--conns 10000] [--transport tcp,ws]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    Ok(args)
}

/// A daemon started for one transport; killed when dropped.
struct Daemon {
    child: Child,
    tcp: String,
    ws: String,
}

impl Drop for Daemon {
    /// SIGTERM first (jetd stops in order, and a wrapper such as a heap profiler gets to
    /// write its report), SIGKILL after 30 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn start_daemon(args: &Args) -> Result<Daemon> {
    let (tcp, ws) = (
        format!("127.0.0.1:{}", free_port()?),
        format!("127.0.0.1:{}", free_port()?),
    );
    let max = (args.conns + 100).to_string();
    let jetd = [
        args.jetd.as_str(),
        "--tcp",
        &tcp,
        "--ws",
        &ws,
        "--max-connections",
        &max,
    ];
    let mut cmd = match &args.daemon_cpu {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cpu]).args(jetd);
            c
        }
        None => {
            let mut c = Command::new(jetd[0]);
            c.args(&jetd[1..]);
            c
        }
    };
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", args.jetd))?;
    let daemon = Daemon { child, tcp, ws };
    let started = Instant::now();
    while TcpStream::connect(&daemon.ws).await.is_err()
        || TcpStream::connect(&daemon.tcp).await.is_err()
    {
        if started.elapsed() > WAIT {
            bail!("jetd did not start listening");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(daemon)
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
fn rss_kib(pid: u32) -> Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no {name} in /proc/{pid}/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// One connection, either transport: send a JSON text, receive whole messages.
struct Conn {
    stream: TcpStream,
    transport: Transport,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(daemon: &Daemon, transport: Transport) -> Result<Conn> {
        let addr = match transport {
            Transport::Tcp => &daemon.tcp,
            Transport::Ws => &daemon.ws,
        };
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let mut buf = Vec::new();
        if transport == Transport::Ws {
            let request = format!(
                "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).await?;
            let end = loop {
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break end + 4;
                }
                let mut chunk = [0; 1024];
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    bail!("closed during the WebSocket handshake");
                }
                buf.extend_from_slice(&chunk[..n]);
            };
            if !buf.starts_with(b"HTTP/1.1 101") {
                bail!(
                    "handshake refused: {}",
                    String::from_utf8_lossy(&buf[..end])
                );
            }
            buf.drain(..end);
        }
        Ok(Conn {
            stream,
            transport,
            buf,
        })
    }

    async fn send(&mut self, json: &str) -> Result<()> {
        let mut frame = Vec::with_capacity(json.len() + 14);
        match self.transport {
            Transport::Tcp => frame.extend_from_slice(&(json.len() as u32).to_be_bytes()),
            Transport::Ws => {
                // A masked final text frame; the all-zero key leaves the payload as it is.
                frame.push(0x81);
                match json.len() {
                    n @ 0..=125 => frame.push(0x80 | n as u8),
                    n @ 126..=65535 => {
                        frame.push(0x80 | 126);
                        frame.extend_from_slice(&(n as u16).to_be_bytes());
                    }
                    n => {
                        frame.push(0x80 | 127);
                        frame.extend_from_slice(&(n as u64).to_be_bytes());
                    }
                }
                frame.extend_from_slice(&[0; 4]);
            }
        }
        frame.extend_from_slice(json.as_bytes());
        self.stream.write_all(&frame).await?;
        Ok(())
    }

    /// The next whole message's payload.
    async fn recv(&mut self) -> Result<Vec<u8>> {
        loop {
            if let Some((start, len)) = self.complete() {
                let payload = self.buf[start..start + len].to_vec();
                self.buf.drain(..start + len);
                return Ok(payload);
            }
            let mut chunk = [0; 4096];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                bail!("the daemon closed the connection");
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Where the first complete message's payload starts and how long it is.
    fn complete(&self) -> Option<(usize, usize)> {
        let b = &self.buf;
        let (start, len) = match self.transport {
            Transport::Tcp if b.len() >= 4 => {
                (4, u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            }
            Transport::Ws if b.len() >= 2 => match b[1] & 0x7f {
                126 if b.len() >= 4 => (4, u16::from_be_bytes([b[2], b[3]]) as usize),
                127 if b.len() >= 10 => {
                    let mut len = [0; 8];
                    len.copy_from_slice(&b[2..10]);
                    (10, u64::from_be_bytes(len) as usize)
                }
                126 | 127 => return None,
                n => (2, n as usize),
            },
            _ => return None,
        };
        (b.len() >= start + len).then_some((start, len))
    }
}

/// Open one connection, fetch one state and wait for the response and its `add`.
async fn fetcher(daemon: &Daemon, transport: Transport, j: usize) -> Result<Conn> {
    let mut c = Conn::open(daemon, transport).await?;
    c.send(&format!(
        r#"{{"id":1,"method":"fetch","params":{{"id":"f{j}","path":{{"equals":"s/{}"}}}}}}"#,
        j % STATES
    ))
    .await?;
    let (mut response, mut added) = (false, false);
    while !(response && added) {
        let msg = c.recv().await?;
        let text = String::from_utf8_lossy(&msg);
        if text.contains("\"error\"") {
            bail!("fetch refused: {text}");
        }
        response |= text.contains("\"result\"");
        added |= text.contains("\"add\"");
    }
    Ok(c)
}

async fn measure(args: &Args, transport: Transport) -> Result<()> {
    let daemon = start_daemon(args).await?;
    let pid = daemon.child.id();
    let mut provider = Conn::open(&daemon, Transport::Tcp).await?;
    for s in 0..STATES {
        provider
            .send(&format!(
                r#"{{"id":{s},"method":"add","params":{{"path":"s/{s}","value":{s}}}}}"#
            ))
            .await?;
    }
    for _ in 0..STATES {
        tokio::time::timeout(WAIT, provider.recv()).await??;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (before, _) = rss_kib(pid)?;
    let daemon = Arc::new(daemon);
    let gate = Arc::new(Semaphore::new(200));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for j in 0..args.conns {
        let (daemon, gate) = (daemon.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await?;
            tokio::time::timeout(WAIT, fetcher(&daemon, transport, j))
                .await
                .context("a fetcher timed out")?
        });
    }
    let mut conns = Vec::with_capacity(args.conns);
    while let Some(done) = tasks.join_next().await {
        conns.push(done??);
    }
    let setup = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (after, peak) = rss_kib(pid)?;
    let per_conn = after.saturating_sub(before) as f64 / args.conns as f64;
    println!(
        "{:?}: {} idle fetching connections: RSS {:.1} MB before, {:.1} MB after \
         (peak {:.1} MB): {:.2} KiB per connection; set up in {:.2} s",
        transport,
        conns.len(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        peak as f64 / 1024.0,
        per_conn,
        setup.as_secs_f64()
    );
    drop(conns);
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args = parse_args()?;
    for &transport in &args.transports {
        measure(&args, transport).await?;
    }
    Ok(())
}
