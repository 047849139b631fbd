//! Runs node-jet 2.1.2 (the reference JavaScript peer and daemon) next to the tests.
//!
//! The node side lives in `tests/interop`: `package.json` pins `node-jet` to exactly 2.1.2
//! and `package-lock.json` pins everything below it, so [`ensure_node_modules`] installs
//! the same bytes everywhere with `npm ci`. Each script prints one JSON object per stdout
//! line; [`NodeProcess`] reads them, and [`NodeDaemon`] runs the node-jet daemon itself
//! (`daemon.js`), which is how the scripts are checked against the reference.
//!
//! Every child process is killed when its handle is dropped and has its stdin piped from
//! the test, so the scripts also exit when a test process dies without dropping them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;

use crate::STEP;

/// `tests/interop`: package.json with node-jet 2.1.2 exact, package-lock.json, node scripts.
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// `tests/interop3`: the same for node-jet 3.0.17 (package.json, package-lock.json, ESM
/// scripts `*.mjs`).
pub fn interop3_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop3")
}

/// Serialises installs: tests of one binary run on several threads and must not run two
/// `npm ci` at once (the second would delete the first one's node_modules mid-install).
static INSTALL: Mutex<()> = Mutex::new(());

/// Runs `npm ci` in [`interop_dir`] once if node_modules is missing.
///
/// Blocking on purpose: it runs at most once per checkout and everything after it needs
/// the result. Panics with a clear message if node or npm are missing or the install fails.
pub fn ensure_node_modules() {
    ensure_node_modules_in(&interop_dir());
}

/// Runs `npm ci` in `dir` once if its node_modules is missing (see [`ensure_node_modules`]).
pub fn ensure_node_modules_in(dir: &Path) {
    let _guard = INSTALL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // npm writes this file last, so its presence means a complete install.
    if dir.join("node_modules/.package-lock.json").is_file()
        && dir.join("node_modules/node-jet/package.json").is_file()
    {
        return;
    }
    require_tool("node");
    require_tool("npm");
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("cannot run `npm ci` in {}: {e}", dir.display()));
    assert!(
        status.success(),
        "`npm ci` in {} failed ({status}); the interop tests need node-jet from the npm \
         registry (run it by hand to see why)",
        dir.display()
    );
}

fn require_tool(tool: &str) {
    let found = std::process::Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` was not found on PATH: the node-jet interop tests need Node.js (20 or newer) \
         and npm installed"
    );
}

/// A running node script (`tests/interop/<script>`) whose stdout is one JSON object per
/// line; killed on drop.
pub struct NodeProcess {
    script: String,
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    stderr: Arc<Mutex<String>>,
    stderr_task: Option<JoinHandle<()>>,
    /// The script sees its stdin close when this handle goes away; [`Self::send_line`]
    /// writes to it.
    stdin: Option<ChildStdin>,
}

impl NodeProcess {
    /// Start `node <script> <args..>` in [`interop_dir`] (installing node_modules first if
    /// needed).
    pub async fn spawn(script: &str, args: &[&str]) -> NodeProcess {
        NodeProcess::spawn_in(&interop_dir(), script, args).await
    }

    /// Start `node <dir>/<script> <args..>` in `dir` (installing its node_modules first if
    /// needed): [`interop3_dir`] holds the node-jet 3 scripts.
    pub async fn spawn_in(dir: &Path, script: &str, args: &[&str]) -> NodeProcess {
        ensure_node_modules_in(dir);
        let mut child = Command::new("node")
            .arg(dir.join(script))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `node {script}`: {e} (is Node.js installed?)")
            });
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        // Collect stderr in the background so a chatty script never blocks on a full pipe
        // and a failing test can show what the script said.
        let stderr_task = tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                match stderr_pipe.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push_str(&String::from_utf8_lossy(&buf[..n])),
                }
            }
        });
        NodeProcess {
            script: script.to_owned(),
            stdin: child.stdin.take(),
            child,
            lines: BufReader::new(stdout).lines(),
            stderr,
            stderr_task: Some(stderr_task),
        }
    }

    /// Write one line to the script's stdin (a command for scripts that read any).
    pub async fn send_line(&mut self, line: &str) {
        use tokio::io::AsyncWriteExt;
        let stdin = self.stdin.as_mut().expect("stdin is piped");
        let write = async {
            stdin.write_all(format!("{line}\n").as_bytes()).await?;
            stdin.flush().await
        };
        tokio::time::timeout(STEP, write)
            .await
            .expect("writing to a script's stdin timed out")
            .expect("the script's stdin is closed");
    }

    /// Next stdout line parsed as JSON (panics after [`STEP`] with the script's stderr).
    pub async fn next_json(&mut self) -> Value {
        let line = match tokio::time::timeout(STEP, self.lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => self.fail("exited without printing the next line").await,
            Ok(Err(e)) => self.fail(&format!("stdout could not be read: {e}")).await,
            Err(_) => self.fail(&format!("printed nothing for {STEP:?}")).await,
        };
        match serde_json::from_str(&line) {
            Ok(value) => value,
            Err(e) => {
                self.fail(&format!("printed a line that is not JSON ({e}): {line}"))
                    .await
            }
        }
    }

    /// `provider.js` on `addr` (the daemon's TCP `HOST:PORT` or a `ws://` URL), once it
    /// has added all its elements; returns its first line too, `{"ready":true,..}`.
    pub async fn start_provider(addr: &str) -> (NodeProcess, Value) {
        let mut provider = NodeProcess::spawn("provider.js", &[addr]).await;
        let ready = provider.next_json().await;
        assert_eq!(ready["ready"], json!(true), "provider not ready: {ready}");
        (provider, ready)
    }

    /// The lines up to `end` (which is left out), none of them a `{"fatal":..}`; then the
    /// script must exit successfully.
    pub async fn finish(mut self, end: &Value) -> Vec<Value> {
        let mut lines = Vec::new();
        loop {
            let line = self.next_json().await;
            assert!(
                line.get("fatal").is_none(),
                "node {} failed: {line}",
                self.script
            );
            if line == *end {
                break;
            }
            lines.push(line);
        }
        let script = self.script.clone();
        assert!(
            self.wait_success().await,
            "node {script} exited with an error"
        );
        lines
    }

    /// Wait for the process to exit (with timeout) and return its exit status success flag.
    pub async fn wait_success(mut self) -> bool {
        match tokio::time::timeout(STEP, self.child.wait()).await {
            Ok(Ok(status)) => {
                if !status.success() {
                    let stderr = self.stderr_text().await;
                    eprintln!(
                        "node {} exited with {status}; its stderr:\n{stderr}",
                        self.script
                    );
                }
                status.success()
            }
            Ok(Err(e)) => self.fail(&format!("cannot be waited for: {e}")).await,
            Err(_) => self.fail(&format!("did not exit within {STEP:?}")).await,
        }
    }

    /// Everything the script wrote to stderr so far (waiting briefly for the rest if it
    /// has exited).
    async fn stderr_text(&mut self) -> String {
        if let Some(task) = self.stderr_task.take() {
            if self.child.try_wait().ok().flatten().is_some() {
                let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
            } else {
                task.abort();
            }
        }
        self.stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    async fn fail(&mut self, what: &str) -> ! {
        // Give an exiting script a moment so its status and last words are known.
        let _ = tokio::time::timeout(Duration::from_millis(500), self.child.wait()).await;
        let status = match self.child.try_wait() {
            Ok(Some(status)) => status.to_string(),
            _ => "still running".to_owned(),
        };
        let stderr = self.stderr_text().await;
        panic!(
            "node {} {what} ({status}); its stderr:\n{stderr}",
            self.script
        );
    }
}

/// A node-jet 2.1.2 daemon (`tests/interop/daemon.js`) on 127.0.0.1 with free TCP and WS
/// ports; killed on drop.
pub struct NodeDaemon {
    /// The TCP ("trivial protocol") port on 127.0.0.1.
    pub tcp_port: u16,
    /// The WebSocket port on 127.0.0.1 (any path).
    pub ws_port: u16,
    _process: NodeProcess,
}

impl NodeDaemon {
    /// Start the daemon and wait until both listeners are up. The script binds port 0 and
    /// reports the real ports, so there is no window in which another process could take
    /// them.
    pub async fn start() -> NodeDaemon {
        Self::start_with_users(&Value::Object(Default::default())).await
    }

    /// Like [`NodeDaemon::start`], with node-jet's `users` option (plain-text passwords,
    /// as node-jet takes them): `{"name":{"password":"..","auth":{"fetchGroups":[..],..}}}`.
    pub async fn start_with_users(users: &Value) -> NodeDaemon {
        let users = users.to_string();
        let args = ["--tcp", "0", "--ws", "0", "--users", users.as_str()];
        let mut process = NodeProcess::spawn("daemon.js", &args).await;
        let ready = process.next_json().await;
        let port = |key: &str| -> u16 {
            ready[key]
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or_else(|| panic!("daemon.js reported no valid {key}: {ready}"))
        };
        NodeDaemon {
            tcp_port: port("tcpPort"),
            ws_port: port("wsPort"),
            _process: process,
        }
    }

    /// `127.0.0.1:<tcp_port>`, the form the interop scripts take for TCP.
    pub fn tcp_arg(&self) -> String {
        format!("127.0.0.1:{}", self.tcp_port)
    }

    /// `ws://127.0.0.1:<ws_port>/`, the form the interop scripts take for WebSocket.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.ws_port)
    }
}
