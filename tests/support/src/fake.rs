//! A fake daemon on 127.0.0.1 for tests of clients (the Rust peer, the `jet` command): it
//! speaks the TCP framing and nothing else, so a test decides every message the client
//! sees, including the ones a real jetd never sends (other daemons' quirks, PROTOCOL.md
//! Part B; errors; a connection that drops mid-request).
//!
//! Two ways to drive it:
//!
//! * [`Scripted`]: the test accepts each connection and gets its daemon side as a
//!   [`RawClient`], then reads what the client sent and writes the daemon's answers itself,
//!   step by step.
//! * [`FakeDaemon`]: answers every message from a function and records what came in, for
//!   tests that only look at what the client sent.

use std::net::SocketAddr;

use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::timeout;

use crate::raw::RawClient;
use crate::STEP;

/// A listener whose connections the test serves by hand.
pub struct Scripted {
    listener: TcpListener,
    /// Where clients connect (`127.0.0.1:PORT`).
    pub addr: SocketAddr,
}

impl Scripted {
    /// Listen on 127.0.0.1 with an OS-chosen port.
    pub async fn bind() -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        Scripted { listener, addr }
    }

    /// The daemon side of the next connection (within [`STEP`]): `recv` reads what the
    /// client sent, `send_json` answers; dropping it closes the connection.
    pub async fn accept(&self) -> RawClient {
        let (stream, _) = timeout(STEP, self.listener.accept())
            .await
            .expect("no client connected in time")
            .expect("accept failed");
        RawClient::accepted(stream)
    }
}

/// A daemon stand-in that answers requests from a script and records every message it
/// receives (each member of a batch on its own), from any number of connections.
pub struct FakeDaemon {
    /// Where clients connect (`127.0.0.1:PORT`).
    pub addr: SocketAddr,
    /// Each message, parsed and as the JSON text the client sent.
    received: mpsc::UnboundedReceiver<(Value, String)>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeDaemon {
    /// Start it; `answer(message)` returns the messages to send back for each message
    /// received (none for a notification, say).
    pub async fn start(answer: fn(&Value) -> Vec<Value>) -> FakeDaemon {
        let scripted = Scripted::bind().await;
        let addr = scripted.addr;
        let (tx, received) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = scripted.listener.accept().await {
                tokio::spawn(serve(RawClient::accepted(stream), tx.clone(), answer));
            }
        });
        FakeDaemon {
            addr,
            received,
            task,
        }
    }

    /// `tcp://127.0.0.1:PORT`, as a user passes it to `jet --daemon`.
    pub fn url(&self) -> String {
        format!("tcp://{}", self.addr)
    }

    /// The next message a client sent (within [`STEP`]).
    pub async fn next(&mut self) -> Value {
        self.next_with_text().await.0
    }

    /// The next message a client sent, parsed and as its text (for tests of what exactly
    /// went over the wire, such as a number's spelling).
    pub async fn next_with_text(&mut self) -> (Value, String) {
        timeout(STEP, self.received.recv())
            .await
            .expect("no message from the client in time")
            .expect("fake daemon stopped")
    }

    /// Skip messages until one with this method arrives.
    pub async fn next_with_method(&mut self, method: &str) -> Value {
        self.text_with_method(method).await.0
    }

    /// Skip messages until one with this method arrives; it and its text.
    pub async fn text_with_method(&mut self, method: &str) -> (Value, String) {
        loop {
            let (m, text) = self.next_with_text().await;
            if m["method"] == method {
                return (m, text);
            }
        }
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A response `{"id":..,"result":..}` to `request`.
pub fn reply(request: &Value, result: Value) -> Value {
    json!({"id": request["id"], "result": result})
}

/// Serve one connection until the client closes it (or sends what is not JSON). It may
/// idle as long as the client likes, so only the writes are bounded.
async fn serve(
    mut conn: RawClient,
    tx: mpsc::UnboundedSender<(Value, String)>,
    answer: fn(&Value) -> Vec<Value>,
) {
    while let Some(text) = conn.recv_text_unbounded().await {
        let Ok(parsed) = serde_json::from_str::<Value>(&text) else {
            return;
        };
        let messages = match parsed {
            Value::Array(batch) => batch
                .into_iter()
                .map(|m| {
                    let text = m.to_string();
                    (m, text)
                })
                .collect(),
            one => vec![(one, text)],
        };
        for (m, text) in messages {
            for out in answer(&m) {
                if !conn.try_send(&out.to_string()).await {
                    return;
                }
            }
            let _ = tx.send((m, text));
        }
    }
}
