//! A raw Jet client over TCP for the hardening tests (model, faults, regressions): frames
//! and parses JSON itself, so tests see exactly what jetd sends, and can send anything.
//!
//! Shared by several test binaries, each of which uses a different part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use jet_runtime::codec::{encode_frame, FrameDecoder};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a test waits for one expected event before it fails instead of hanging.
pub const STEP: Duration = Duration::from_secs(10);

/// What the reader task hands over: a parsed message, or why the stream is unusable.
type Incoming = Result<Value, String>;

/// One TCP connection to jetd. Dropping it closes the socket.
pub struct Client {
    writer: OwnedWriteHalf,
    rx: mpsc::UnboundedReceiver<Incoming>,
    reader: JoinHandle<()>,
}

impl Drop for Client {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = tokio::time::timeout(STEP, TcpStream::connect(addr))
            .await
            .expect("connect timed out")
            .expect("connect failed");
        stream.set_nodelay(true).expect("nodelay");
        let (mut rd, writer) = stream.into_split();
        let (tx, rx) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            let decoder = FrameDecoder::new(usize::MAX >> 1);
            let mut buf = BytesMut::with_capacity(64 * 1024);
            loop {
                loop {
                    match decoder.decode(&mut buf) {
                        Ok(Some(frame)) => {
                            let msg = serde_json::from_slice::<Value>(&frame).map_err(|e| {
                                format!(
                                    "jetd sent invalid JSON ({e}): {:?}",
                                    String::from_utf8_lossy(&frame)
                                )
                            });
                            if tx.send(msg).is_err() {
                                return;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                            return;
                        }
                    }
                }
                match rd.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        });
        Client { writer, rx, reader }
    }

    /// Send one message (framed).
    pub async fn send(&mut self, msg: &Value) {
        let text = serde_json::to_vec(msg).expect("serialise");
        self.send_payload(&text).await;
    }

    /// Send one frame with this payload.
    pub async fn send_payload(&mut self, payload: &[u8]) {
        let mut out = Vec::with_capacity(payload.len() + 4);
        encode_frame(&mut out, payload);
        self.send_bytes(&out).await;
    }

    /// Send raw bytes (no framing added).
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        tokio::time::timeout(STEP, self.writer.write_all(bytes))
            .await
            .expect("write timed out")
            .expect("write failed");
    }

    /// The next message; fails the test after [`STEP`] or if the connection closed.
    pub async fn recv(&mut self) -> Value {
        match self.recv_or_closed().await {
            Some(msg) => msg,
            None => panic!("jetd closed the connection"),
        }
    }

    /// The next message, or `None` once jetd closed the connection.
    pub async fn recv_or_closed(&mut self) -> Option<Value> {
        let msg = tokio::time::timeout(STEP, self.rx.recv())
            .await
            .expect("no message from jetd in time")?;
        Some(msg.unwrap_or_else(|e| panic!("{e}")))
    }

    /// The next message if one arrives within `wait`.
    pub async fn recv_within(&mut self, wait: Duration) -> Option<Value> {
        match tokio::time::timeout(wait, self.rx.recv()).await {
            Ok(Some(msg)) => Some(msg.unwrap_or_else(|e| panic!("{e}"))),
            Ok(None) | Err(_) => None,
        }
    }

    /// Wait until jetd closes the connection, discarding what it still sends; returns how
    /// many messages came before the close.
    pub async fn closed(&mut self) -> usize {
        let mut n = 0;
        while tokio::time::timeout(STEP, self.rx.recv())
            .await
            .expect("jetd did not close the connection in time")
            .is_some()
        {
            n += 1;
        }
        n
    }

    /// Send a request and wait for the response with its id; every other message that
    /// arrives first is returned too, in order.
    pub async fn request_collect(
        &mut self,
        id: Value,
        method: &str,
        params: Value,
    ) -> (Value, Vec<Value>) {
        self.send(&json!({"id": id, "method": method, "params": params}))
            .await;
        let mut others = Vec::new();
        loop {
            let msg = self.recv().await;
            if is_response(&msg) && msg["id"] == id {
                return (msg, others);
            }
            others.push(msg);
        }
    }

    /// Send a request and return its response; any other message first fails the test.
    pub async fn request(&mut self, id: Value, method: &str, params: Value) -> Value {
        let (response, others) = self.request_collect(id, method, params).await;
        assert!(
            others.is_empty(),
            "unexpected messages before the response: {others:?}"
        );
        response
    }
}

/// A response has an id and no method.
pub fn is_response(msg: &Value) -> bool {
    msg.get("method").is_none() && msg.get("id").is_some()
}

/// The `data` member of an error response, or a panic that shows the message.
pub fn error_data(response: &Value) -> &Value {
    response
        .get("error")
        .and_then(|e| e.get("data"))
        .unwrap_or_else(|| panic!("expected an error response, got {response}"))
}

/// Start jetd in-process on 127.0.0.1 (TCP and WebSocket on ephemeral ports).
pub async fn start(config: jetd::Config) -> jetd::Daemon {
    tokio::time::timeout(STEP, jetd::Daemon::start(config))
        .await
        .expect("daemon start timed out")
        .expect("daemon failed to start")
}

/// Wait (bounded) until the daemon's counts satisfy `pred`: used where the event is inside
/// the daemon (a connection it has noticed is gone), which no socket can observe.
pub async fn until_stats(daemon: &jetd::Daemon, what: &str, pred: impl Fn(jetd::Stats) -> bool) {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        let stats = daemon.stats();
        if pred(stats) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "daemon never reached: {what} ({stats:?})"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
