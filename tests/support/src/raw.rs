//! A raw Jet client for wire-level tests: it sends JSON text exactly as written and hands
//! back exactly what the daemon sent, over the TCP framing or a WebSocket.
//!
//! It deliberately knows nothing about Jet beyond "a response has an `id`": the tests
//! decide what is right. Every wait is bounded by [`STEP`] so a daemon that stays silent
//! fails the test instead of hanging it. It is the only client of the end-to-end tests
//! (conformance and hardening alike), and with the roles swapped it is the daemon side of
//! a fake daemon's connections ([`crate::fake`]).
//!
//! It reads only when asked: a test that stops reading leaves the daemon's messages in
//! the socket buffers (as a real slow peer does) rather than in an unbounded queue.
//!
//! ```no_run
//! # async fn demo(addr: std::net::SocketAddr) {
//! use jet_test_support::raw::RawClient;
//! let mut c = RawClient::tcp(addr).await;
//! c.send(r#"{"id":1,"method":"info"}"#).await;
//! let info = c.recv().await;
//! assert_eq!(info["result"]["name"], "jetd");
//! # }
//! ```

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use jet_runtime::codec::{encode_frame, FrameDecoder};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::STEP;

/// The test side's frame limit: far above anything a test sends, so the client never
/// refuses what the daemon legitimately produces.
const CLIENT_MAX_FRAME: usize = 256 * 1024 * 1024;

/// Which transport a [`RawClient`] talks over.
enum Transport {
    Tcp {
        stream: TcpStream,
        buf: BytesMut,
        decoder: FrameDecoder,
    },
    Ws(Box<WebSocketStream<TcpStream>>),
}

/// What one read from the connection produced.
enum Incoming {
    Text(String),
    /// The peer closed the connection (EOF, reset or a WebSocket close).
    Closed(String),
}

/// A raw Jet connection for tests.
///
/// Messages that [`RawClient::request`] reads past while it waits for its response are
/// kept, in order, and returned by the next [`RawClient::recv`] calls, so nothing is lost.
pub struct RawClient {
    transport: Transport,
    /// Messages read ahead by `request`, oldest first.
    stash: VecDeque<String>,
    next_id: u64,
}

impl RawClient {
    /// Connect over TCP (4-byte big-endian length framing).
    pub async fn tcp(addr: SocketAddr) -> RawClient {
        let stream = connect_socket(addr, None).await;
        RawClient::from_transport(Transport::Tcp {
            stream,
            buf: BytesMut::new(),
            decoder: FrameDecoder::new(CLIENT_MAX_FRAME),
        })
    }

    /// Connect over TCP with a small kernel receive buffer (which also turns off receive
    /// buffer autotuning), so a client that stops reading makes the daemon's outbound
    /// queue grow quickly instead of filling megabytes of socket buffers first.
    pub async fn tcp_with_recv_buffer(addr: SocketAddr, bytes: u32) -> RawClient {
        let stream = connect_socket(addr, Some(bytes)).await;
        RawClient::from_transport(Transport::Tcp {
            stream,
            buf: BytesMut::new(),
            decoder: FrameDecoder::new(CLIENT_MAX_FRAME),
        })
    }

    /// Connect over WebSocket to `path`, offering the subprotocol `jet` (as node-jet and
    /// lua-jet peers do). The handshake itself fails if the daemon does not echo `jet`.
    pub async fn ws(addr: SocketAddr, path: &str) -> RawClient {
        RawClient::ws_with_protocols(addr, path, &["jet"]).await.0
    }

    /// [`RawClient::ws`] with a small kernel receive buffer (see
    /// [`RawClient::tcp_with_recv_buffer`]).
    pub async fn ws_with_recv_buffer(addr: SocketAddr, path: &str, bytes: u32) -> RawClient {
        ws_connect(addr, path, &["jet"], Some(bytes)).await.0
    }

    /// Connect over WebSocket offering exactly `protocols` (none when empty); returns the
    /// `Sec-WebSocket-Protocol` the daemon answered with, if any.
    pub async fn ws_with_protocols(
        addr: SocketAddr,
        path: &str,
        protocols: &[&str],
    ) -> (RawClient, Option<String>) {
        ws_connect(addr, path, protocols, None).await
    }

    fn from_transport(transport: Transport) -> RawClient {
        RawClient {
            transport,
            stash: VecDeque::new(),
            next_id: 1,
        }
    }

    /// The daemon's side of a connection a test accepted on its own listener (see
    /// [`crate::fake`]): the same framing, the roles swapped.
    pub fn accepted(stream: TcpStream) -> RawClient {
        stream.set_nodelay(true).expect("set TCP_NODELAY");
        RawClient::from_transport(Transport::Tcp {
            stream,
            buf: BytesMut::new(),
            decoder: FrameDecoder::new(CLIENT_MAX_FRAME),
        })
    }

    /// Send one message (one TCP frame or one WebSocket text frame), verbatim.
    pub async fn send(&mut self, text: &str) {
        match &mut self.transport {
            Transport::Tcp { stream, .. } => {
                let mut out = Vec::new();
                encode_frame(&mut out, text.as_bytes());
                write_all(stream, &out).await;
            }
            Transport::Ws(ws) => ws_send(ws, Message::text(text)).await,
        }
    }

    /// Send `msg` as its JSON text (one message).
    pub async fn send_json(&mut self, msg: &Value) {
        self.send(&text(msg)).await;
    }

    /// TCP: write `bytes` to the socket as they are, no framing added (for framing tests).
    /// WebSocket: send `bytes` as one binary frame.
    pub async fn send_raw_bytes(&mut self, bytes: &[u8]) {
        match &mut self.transport {
            Transport::Tcp { stream, .. } => write_all(stream, bytes).await,
            Transport::Ws(ws) => ws_send(ws, Message::binary(bytes.to_vec())).await,
        }
    }

    /// WebSocket only: send a ping with `payload` and wait for the matching pong, skipping
    /// data messages in between (they are kept for `recv`).
    pub async fn ws_ping_pong(&mut self, payload: &[u8]) {
        let Transport::Ws(ws) = &mut self.transport else {
            panic!("ws_ping_pong needs a WebSocket client");
        };
        ws_send(ws, Message::Ping(payload.to_vec().into())).await;
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let msg = tokio::time::timeout_at(deadline, ws.next())
                .await
                .expect("no pong within STEP")
                .expect("connection closed while waiting for a pong")
                .expect("WebSocket error while waiting for a pong");
            match msg {
                Message::Pong(p) => {
                    assert_eq!(&p[..], payload, "pong payload differs from the ping's");
                    return;
                }
                Message::Text(t) => self.stash.push_back(t.as_str().to_owned()),
                Message::Binary(b) => self
                    .stash
                    .push_back(String::from_utf8(b.to_vec()).expect("UTF-8 binary frame")),
                Message::Close(c) => panic!("connection closed while waiting for a pong: {c:?}"),
                Message::Ping(_) | Message::Frame(_) => {}
            }
        }
    }

    /// WebSocket only: wait until the daemon pings us, keeping data messages for `recv`.
    pub async fn ws_expect_ping(&mut self) {
        let Transport::Ws(ws) = &mut self.transport else {
            panic!("ws_expect_ping needs a WebSocket client");
        };
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let msg = tokio::time::timeout_at(deadline, ws.next())
                .await
                .expect("the daemon sent no ping within STEP")
                .expect("connection closed while waiting for a ping")
                .expect("WebSocket error while waiting for a ping");
            match msg {
                Message::Ping(_) => return,
                Message::Text(t) => self.stash.push_back(t.as_str().to_owned()),
                Message::Binary(b) => self
                    .stash
                    .push_back(String::from_utf8(b.to_vec()).expect("UTF-8 binary frame")),
                Message::Close(c) => panic!("connection closed while waiting for a ping: {c:?}"),
                Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    /// The next message as parsed JSON; panics if nothing arrives within [`STEP`] or the
    /// connection closes.
    pub async fn recv(&mut self) -> Value {
        parse(&self.recv_text().await)
    }

    /// The next message, or `None` if the daemon closes the connection first; panics if
    /// neither happens within [`STEP`].
    pub async fn recv_or_closed(&mut self) -> Option<Value> {
        let text = match self.stash.pop_front() {
            Some(text) => text,
            None => match timeout(STEP, self.read_one()).await {
                Ok(Incoming::Text(text)) => text,
                Ok(Incoming::Closed(_)) => return None,
                Err(_) => panic!("no message and no close within {STEP:?}"),
            },
        };
        Some(parse(&text))
    }

    /// The next message exactly as sent (for byte-exact checks of member order).
    pub async fn recv_text(&mut self) -> String {
        if let Some(text) = self.stash.pop_front() {
            return text;
        }
        match timeout(STEP, self.read_one()).await {
            Ok(Incoming::Text(text)) => text,
            Ok(Incoming::Closed(why)) => panic!("expected a message, the daemon closed: {why}"),
            Err(_) => panic!("expected a message, nothing arrived within {STEP:?}"),
        }
    }

    /// Assert the next message is exactly `expected` (byte for byte).
    pub async fn expect(&mut self, expected: &str) {
        let got = self.recv_text().await;
        assert_eq!(got, expected, "unexpected message from the daemon");
    }

    /// Assert that nothing arrives within `d`.
    pub async fn expect_silence(&mut self, d: Duration) {
        if let Some(text) = self.stash.pop_front() {
            panic!("expected silence, got {text}");
        }
        match timeout(d, self.read_one()).await {
            Err(_) => {}
            Ok(Incoming::Text(text)) => panic!("expected silence, got {text}"),
            Ok(Incoming::Closed(why)) => panic!("expected silence, the daemon closed: {why}"),
        }
    }

    /// Assert that the daemon closes the connection (within [`STEP`]) without sending
    /// anything first.
    pub async fn expect_closed(&mut self) {
        if let Some(text) = self.stash.pop_front() {
            panic!("expected the connection to close, got {text}");
        }
        match timeout(STEP, self.read_one()).await {
            Ok(Incoming::Closed(_)) => {}
            Ok(Incoming::Text(text)) => panic!("expected the connection to close, got {text}"),
            Err(_) => panic!("the daemon did not close the connection within {STEP:?}"),
        }
    }

    /// Read and discard messages until the daemon closes the connection; returns how many
    /// messages were read. For peers the daemon drops while data is still in flight.
    pub async fn drain_until_closed(&mut self) -> usize {
        let mut count = self.stash.len();
        self.stash.clear();
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            match tokio::time::timeout_at(deadline, self.read_one()).await {
                Ok(Incoming::Text(_)) => count += 1,
                Ok(Incoming::Closed(_)) => return count,
                Err(_) => panic!("the daemon did not close the connection within {STEP:?}"),
            }
        }
    }

    /// Send a request with a fresh numeric id and return its response. Messages that
    /// arrive before the response are kept for the next `recv` calls.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let msg = serde_json::json!({"id": id, "method": method, "params": params});
        self.send(&msg.to_string()).await;
        let deadline = tokio::time::Instant::now() + STEP;
        let mut skipped = VecDeque::new();
        loop {
            let incoming = tokio::time::timeout_at(deadline, self.read_one())
                .await
                .unwrap_or_else(|_| {
                    panic!("no response to {msg} within {STEP:?}; got meanwhile: {skipped:?}")
                });
            let text = match incoming {
                Incoming::Text(text) => text,
                Incoming::Closed(why) => panic!("daemon closed while waiting for {msg}: {why}"),
            };
            let value = parse(&text);
            if is_response(&value) && value.get("id").and_then(Value::as_u64) == Some(id) {
                self.stash.extend(skipped);
                return value;
            }
            skipped.push_back(text);
        }
    }

    /// Send a request with the given `id` (any JSON value) and return its response, which
    /// must be the next message: anything that arrives before it fails the test.
    pub async fn request_as(&mut self, id: Value, method: &str, params: Value) -> Value {
        let (response, others) = self.request_collect(id, method, params).await;
        assert!(
            others.is_empty(),
            "unexpected messages before the response: {others:?}"
        );
        response
    }

    /// [`RawClient::request_as`] that must succeed with `true`.
    pub async fn request_as_ok(&mut self, id: Value, method: &str, params: Value) {
        let resp = self.request_as(id, method, params.clone()).await;
        assert_eq!(
            resp.get("result"),
            Some(&Value::Bool(true)),
            "{method} {params} failed: {resp}"
        );
    }

    /// Send a request with the given `id` and wait for its response; returns it with every
    /// other message that arrived first, in order.
    pub async fn request_collect(
        &mut self,
        id: Value,
        method: &str,
        params: Value,
    ) -> (Value, Vec<Value>) {
        self.send_json(&serde_json::json!({"id": id, "method": method, "params": params}))
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

    /// [`RawClient::request`] that must succeed with `true`.
    pub async fn request_ok(&mut self, method: &str, params: Value) {
        let resp = self.request(method, params.clone()).await;
        assert_eq!(
            resp.get("result"),
            Some(&Value::Bool(true)),
            "{method} {params} failed: {resp}"
        );
    }

    /// For [`crate::fake`]'s served connections, which may idle as long as their client
    /// likes: the next message's text with no time limit, `None` once the peer closed.
    pub(crate) async fn recv_text_unbounded(&mut self) -> Option<String> {
        if let Some(text) = self.stash.pop_front() {
            return Some(text);
        }
        match self.read_one().await {
            Incoming::Text(text) => Some(text),
            Incoming::Closed(_) => None,
        }
    }

    /// For [`crate::fake`]: send `text` as one message; `false` (instead of a failed test)
    /// if the peer has gone, which a client under test may do at any time.
    pub(crate) async fn try_send(&mut self, text: &str) -> bool {
        let sent = match &mut self.transport {
            Transport::Tcp { stream, .. } => {
                let mut out = Vec::new();
                encode_frame(&mut out, text.as_bytes());
                timeout(STEP, stream.write_all(&out))
                    .await
                    .map(|r| r.is_ok())
            }
            Transport::Ws(ws) => timeout(STEP, ws.send(Message::text(text)))
                .await
                .map(|r| r.is_ok()),
        };
        sent == Ok(true)
    }

    /// Close the connection politely (WebSocket close frame; TCP shutdown) and drop it.
    pub async fn close(self) {
        match self.transport {
            Transport::Tcp { mut stream, .. } => {
                let _ = timeout(STEP, stream.shutdown()).await;
            }
            Transport::Ws(mut ws) => {
                let _ = timeout(STEP, ws.close(None)).await;
            }
        }
    }

    /// Read until one complete message or the end of the connection.
    async fn read_one(&mut self) -> Incoming {
        match &mut self.transport {
            Transport::Tcp {
                stream,
                buf,
                decoder,
            } => loop {
                match decoder.decode(buf) {
                    Ok(Some(frame)) => {
                        return Incoming::Text(
                            String::from_utf8(frame.to_vec()).expect("daemon sent invalid UTF-8"),
                        )
                    }
                    Ok(None) => {}
                    Err(e) => panic!("daemon sent a bad frame: {e}"),
                }
                buf.reserve(8192);
                match stream.read_buf(buf).await {
                    Ok(0) => return Incoming::Closed("EOF".into()),
                    Ok(_) => {}
                    Err(e) => return Incoming::Closed(e.to_string()),
                }
            },
            Transport::Ws(ws) => loop {
                match ws.next().await {
                    None => return Incoming::Closed("stream ended".into()),
                    Some(Err(e)) => return Incoming::Closed(e.to_string()),
                    Some(Ok(Message::Text(t))) => return Incoming::Text(t.as_str().to_owned()),
                    Some(Ok(Message::Binary(b))) => {
                        return Incoming::Text(
                            String::from_utf8(b.to_vec()).expect("daemon sent invalid UTF-8"),
                        )
                    }
                    Some(Ok(Message::Close(c))) => return Incoming::Closed(format!("{c:?}")),
                    // Pings are answered by tungstenite itself; keep-alive traffic is not
                    // a Jet message.
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                }
            },
        }
    }
}

/// One message as JSON; a test fails on anything else.
fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("daemon sent invalid JSON ({e}): {text}"))
}

/// A TCP connection to `addr`, with SO_RCVBUF set first when `recv_buffer` is given.
async fn connect_socket(addr: SocketAddr, recv_buffer: Option<u32>) -> TcpStream {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .expect("create TCP socket");
    if let Some(bytes) = recv_buffer {
        socket.set_recv_buffer_size(bytes).expect("set SO_RCVBUF");
    }
    let stream = timeout(STEP, socket.connect(addr))
        .await
        .expect("TCP connect timed out")
        .expect("TCP connect failed");
    stream.set_nodelay(true).expect("set TCP_NODELAY");
    stream
}

/// The WebSocket handshake over a fresh connection; returns the client and the answered
/// subprotocol.
async fn ws_connect(
    addr: SocketAddr,
    path: &str,
    protocols: &[&str],
    recv_buffer: Option<u32>,
) -> (RawClient, Option<String>) {
    let url = format!("ws://{addr}{path}");
    let mut request = url.into_client_request().expect("valid WebSocket URL");
    if !protocols.is_empty() {
        let offered = HeaderValue::from_str(&protocols.join(", ")).expect("valid header");
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", offered);
    }
    let tcp = connect_socket(addr, recv_buffer).await;
    let (ws, response) = timeout(STEP, tokio_tungstenite::client_async(request, tcp))
        .await
        .expect("WebSocket handshake timed out")
        .expect("WebSocket handshake failed");
    let answered = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .map(|v| v.to_str().expect("ASCII subprotocol").to_owned());
    (
        RawClient::from_transport(Transport::Ws(Box::new(ws))),
        answered,
    )
}

async fn write_all(stream: &mut TcpStream, bytes: &[u8]) {
    timeout(STEP, stream.write_all(bytes))
        .await
        .expect("TCP write timed out")
        .expect("TCP write failed");
}

async fn ws_send(ws: &mut WebSocketStream<TcpStream>, msg: Message) {
    timeout(STEP, ws.send(msg))
        .await
        .expect("WebSocket send timed out")
        .expect("WebSocket send failed");
}

/// JSON text of a value (for building byte-exact expectations around opaque ids).
pub fn text(v: &Value) -> String {
    serde_json::to_string(v).expect("serialisable")
}

/// Assert that `resp` is an error response with `code`, `message` and `data`.
pub fn assert_error(resp: &Value, code: i64, message: &str, data: &Value) {
    let err = resp
        .get("error")
        .unwrap_or_else(|| panic!("expected an error response, got {resp}"));
    assert_eq!(err["code"], code, "error code in {resp}");
    assert_eq!(err["message"], message, "error message in {resp}");
    assert_eq!(&err["data"], data, "error data in {resp}");
}

/// Assert that `resp` is an `Invalid params` (-32602) error with `data`.
pub fn assert_invalid_params(resp: &Value, data: Value) {
    assert_error(resp, -32602, "Invalid params", &data);
}

/// Whether `msg` is a response: it has an `id` and no `method`.
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

/// The result member of a successful response.
pub fn result(resp: &Value) -> &Value {
    resp.get("result")
        .unwrap_or_else(|| panic!("expected a result, got {resp}"))
}

/// How long tests wait to conclude that nothing more comes: short, and used sparingly.
pub const SILENCE: Duration = Duration::from_millis(150);

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// The client's framing against a hand-written server: requests are framed, answers
    /// split across writes are reassembled, and reads past a response are kept in order.
    #[tokio::test]
    async fn tcp_framing_and_stash_against_a_fake_server() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut header = [0u8; 4];
            s.read_exact(&mut header).await.unwrap();
            let mut body = vec![0u8; u32::from_be_bytes(header) as usize];
            s.read_exact(&mut body).await.unwrap();
            let req: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(req["method"], "echo");
            let mut out = Vec::new();
            encode_frame(&mut out, br#"{"method":"f","params":1}"#);
            encode_frame(
                &mut out,
                format!(r#"{{"id":{},"result":true}}"#, req["id"]).as_bytes(),
            );
            // Deliver in two pieces to exercise reassembly.
            let (a, b) = out.split_at(7);
            s.write_all(a).await.unwrap();
            s.flush().await.unwrap();
            s.write_all(b).await.unwrap();
            s.shutdown().await.unwrap();
        });
        let mut c = RawClient::tcp(addr).await;
        c.request_ok("echo", serde_json::json!({})).await;
        c.expect(r#"{"method":"f","params":1}"#).await;
        c.expect_closed().await;
        server.await.unwrap();
    }
}
