//! Helpers for the `jet` tests: an in-process jetd and the built `jet` binary run as a child
//! process (one-shot or until interrupted). The fake daemon that records what `jet` sends,
//! and the time limit `STEP`, come from the shared test library (`jet_test_support`).

use std::net::SocketAddr;
use std::process::Stdio;

use jet_runtime::peer::Peer;
use jet_test_support::STEP;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader, Lines};
use tokio::net::TcpListener;
use tokio::process::{Child, ChildStdout, Command};
use tokio::time::timeout;

/// A jetd on 127.0.0.1 with OS-chosen ports.
pub(crate) struct Bus {
    pub daemon: jetd::Daemon,
    /// `tcp://127.0.0.1:PORT`, as a user passes it to `--daemon`.
    pub tcp: String,
    /// `ws://127.0.0.1:PORT/`.
    pub ws: String,
}

impl Bus {
    pub(crate) async fn start() -> Bus {
        Bus::start_with(jetd::Config::loopback_ephemeral()).await
    }

    pub(crate) async fn start_with(config: jetd::Config) -> Bus {
        let daemon = timeout(STEP, jetd::Daemon::start(config))
            .await
            .expect("daemon start timed out")
            .expect("daemon failed to start");
        let tcp = format!("tcp://{}", daemon.tcp_addr().expect("tcp listener"));
        let ws = format!("ws://{}/", daemon.ws_addr().expect("ws listener"));
        Bus { daemon, tcp, ws }
    }

    /// A peer of the test itself (provider or observer), over TCP.
    pub(crate) async fn peer(&self) -> Peer {
        let addr = self.tcp.trim_start_matches("tcp://");
        timeout(STEP, Peer::connect(addr))
            .await
            .expect("connect timed out")
            .expect("connect failed")
    }

    pub(crate) async fn shutdown(self) {
        timeout(STEP, self.daemon.shutdown())
            .await
            .expect("daemon shutdown timed out");
    }
}

/// `jet ARGS...` with a clean environment (no `JET_DAEMON`, no `NO_COLOR`: output is a pipe,
/// so it must be plain anyway).
pub(crate) fn jet_command<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(env!("CARGO_BIN_EXE_jet"));
    c.args(args)
        .env_remove("JET_DAEMON")
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

/// The result of a finished `jet`.
#[derive(Debug)]
pub(crate) struct Done {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Done {
    pub(crate) fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// The stdout lines parsed as JSON.
    pub(crate) fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
            .collect()
    }

    #[track_caller]
    pub(crate) fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "jet failed: {self:#?}");
        assert!(self.stderr.is_empty(), "unexpected stderr: {self:#?}");
        self
    }

    #[track_caller]
    pub(crate) fn assert_fails(&self, code: i32, stderr_contains: &str) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit status: {self:#?}");
        assert!(
            self.stderr.contains(stderr_contains),
            "stderr lacks `{stderr_contains}`: {self:#?}"
        );
        self
    }
}

/// Run `jet --daemon DAEMON ARGS...` to the end.
pub(crate) async fn jet(daemon: &str, args: &[&str]) -> Done {
    let mut c = jet_command(["--daemon", daemon]);
    c.args(args);
    run(c).await
}

/// Run a prepared command to the end.
pub(crate) async fn run(mut c: Command) -> Done {
    let out = timeout(STEP, c.output())
        .await
        .expect("jet did not finish in time")
        .expect("cannot run jet");
    Done {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// A `jet` that runs until interrupted (`fetch`, `add`, `add-method`).
pub(crate) struct Running {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    seen: Vec<String>,
}

impl Running {
    pub(crate) fn spawn(daemon: &str, args: &[&str]) -> Running {
        let mut c = jet_command(["--daemon", daemon]);
        c.args(args);
        let mut child = c.spawn().expect("cannot start jet");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        Running {
            child,
            stdout,
            seen: Vec::new(),
        }
    }

    /// The next line of output.
    pub(crate) async fn line(&mut self) -> String {
        match timeout(STEP, self.stdout.next_line()).await {
            Ok(Ok(Some(line))) => {
                self.seen.push(line.clone());
                line
            }
            Ok(Ok(None)) => panic!("jet ended; output so far: {:?}", self.seen),
            Ok(Err(e)) => panic!("reading jet's output: {e}"),
            Err(_) => panic!("no line from jet in time; output so far: {:?}", self.seen),
        }
    }

    /// The next line, parsed as JSON.
    pub(crate) async fn json(&mut self) -> Value {
        let line = self.line().await;
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"))
    }

    /// Send SIGINT (what Ctrl-C sends) and collect the rest of the output.
    pub(crate) async fn interrupt(self) -> Done {
        let pid = self.child.id().expect("jet still running").to_string();
        let kill = timeout(STEP, Command::new("kill").args(["-INT", &pid]).status())
            .await
            .expect("kill timed out")
            .expect("cannot run kill");
        assert!(kill.success(), "kill -INT {pid} failed");
        self.finish().await
    }

    /// Wait for jet to end by itself.
    pub(crate) async fn finish(mut self) -> Done {
        let mut rest = String::new();
        while let Some(line) = timeout(STEP, self.stdout.next_line())
            .await
            .expect("jet did not close its output in time")
            .expect("reading jet's output")
        {
            rest.push_str(&line);
            rest.push('\n');
        }
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            timeout(STEP, e.read_to_string(&mut stderr))
                .await
                .expect("jet did not close stderr in time")
                .expect("reading jet's stderr");
        }
        let status = timeout(STEP, self.child.wait())
            .await
            .expect("jet did not exit in time")
            .expect("waiting for jet");
        Done {
            code: status.code(),
            stdout: rest,
            stderr,
        }
    }
}
/// A listener on 127.0.0.1 that accepts connections and never sends or reads anything (a
/// hung host, a port that is not a Jet daemon's). Dropping the task closes them.
pub(crate) async fn silent_listener() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        // Bounded: a test opens a handful of connections.
        while held.len() < 64 {
            match listener.accept().await {
                Ok((socket, _)) => held.push(socket),
                Err(_) => return,
            }
        }
        std::future::pending::<()>().await;
    });
    (addr, task)
}
