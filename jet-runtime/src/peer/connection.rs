//! One connection to a daemon: a reader task and a writer task over TCP framing or a
//! WebSocket, each plain or over TLS (`tls::TlsClient` does the handshake).
//!
//! The writer drains everything that is queued when it wakes up and writes it with one
//! syscall (TCP) or one flush (WebSocket), so a burst of requests, or a routed response
//! followed by its `change`, costs one write. Every outgoing message is one JSON object in
//! its own frame: node-jet peers behind some daemons cannot read arrays, so the peer never
//! sends them.

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use super::tls::TlsClient;
use super::PeerError;
use crate::codec::{encode_frame, FrameDecoder};

/// Where the daemon is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Address {
    /// `host:port` (optionally written `tcp://host:port`).
    Tcp(String),
    /// `tls://host:port`: TCP framing over TLS (`host:port` kept).
    Tls(String),
    /// `ws://host:port/path` (the full URL).
    Ws(String),
    /// `wss://host:port/path`: a WebSocket over TLS (the full URL).
    Wss(String),
}

impl Address {
    pub(crate) fn parse(addr: &str) -> Result<Address, PeerError> {
        let invalid = || PeerError::InvalidAddress(addr.to_owned());
        let websocket = addr
            .strip_prefix("ws://")
            .or_else(|| addr.strip_prefix("wss://"));
        if let Some(rest) = websocket {
            if rest.is_empty() || rest.starts_with('/') {
                return Err(invalid());
            }
            return Ok(match addr.starts_with("wss://") {
                true => Address::Wss(addr.to_owned()),
                false => Address::Ws(addr.to_owned()),
            });
        }
        let tls = addr.strip_prefix("tls://");
        let hostport = tls.unwrap_or_else(|| addr.strip_prefix("tcp://").unwrap_or(addr));
        match hostport.rsplit_once(':') {
            Some((host, port))
                if !host.is_empty() && !host.contains("://") && port.parse::<u16>().is_ok() =>
            {
                Ok(match tls {
                    Some(_) => Address::Tls(hostport.to_owned()),
                    None => Address::Tcp(hostport.to_owned()),
                })
            }
            _ => Err(invalid()),
        }
    }

    /// Whether connecting needs TLS.
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Address::Tls(_) | Address::Wss(_))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(a) | Address::Ws(a) | Address::Wss(a) => f.write_str(a),
            Address::Tls(a) => write!(f, "tls://{a}"),
        }
    }
}

/// Receives each incoming frame's payload (one JSON text, an object or an array).
pub(crate) type OnFrame = Box<dyn FnMut(&[u8]) + Send>;

/// An open connection. Dropping it stops both tasks.
pub(crate) struct Connection {
    reader: JoinHandle<Result<(), PeerError>>,
    writer: JoinHandle<Result<(), PeerError>>,
}

impl Connection {
    /// Connect and start the reader and writer tasks. Returns the connection and the queue
    /// whose items the writer sends. `tls` is the client for TLS addresses (`None` only
    /// for plain ones).
    pub(crate) async fn open(
        addr: &Address,
        tls: Option<&TlsClient>,
        max_message_size: usize,
        on_frame: OnFrame,
    ) -> Result<(Connection, mpsc::UnboundedSender<String>), PeerError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let shown = addr.to_string();
        let connect_error = |reason: String| PeerError::Connect {
            addr: shown.clone(),
            reason,
        };
        let tls = || tls.ok_or_else(|| connect_error("no TLS client for a TLS address".to_owned()));
        let conn = match addr {
            Address::Tcp(hostport) => {
                let (r, w) = connect_tcp(hostport, &connect_error).await?.into_split();
                Connection::framed(r, w, max_message_size, on_frame, rx)
            }
            Address::Tls(hostport) => {
                let tcp = connect_tcp(hostport, &connect_error).await?;
                let host = hostport.rsplit_once(':').map_or("", |(h, _)| h);
                let host = host.trim_matches(['[', ']']);
                let stream = tls()?.handshake(&shown, host, tcp).await?;
                let (r, w) = tokio::io::split(stream);
                Connection::framed(r, w, max_message_size, on_frame, rx)
            }
            Address::Ws(url) | Address::Wss(url) => {
                let mut request = url
                    .as_str()
                    .into_client_request()
                    .map_err(|e| connect_error(e.to_string()))?;
                request
                    .headers_mut()
                    .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("jet"));
                let uri = request.uri();
                let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
                let secure = matches!(addr, Address::Wss(_));
                let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
                let hostport = format!("{host}:{port}");
                let host = host.to_owned();
                let tcp = connect_tcp(&hostport, &connect_error).await?;
                if secure {
                    let stream = tls()?.handshake(&shown, &host, tcp).await?;
                    upgrade(request, stream, &shown, on_frame, rx).await?
                } else {
                    upgrade(request, tcp, &shown, on_frame, rx).await?
                }
            }
        };
        Ok((conn, tx))
    }

    /// The reader and writer of TCP framing over `r` and `w`.
    fn framed(
        r: impl AsyncRead + Send + Unpin + 'static,
        w: impl AsyncWrite + Send + Unpin + 'static,
        max_message_size: usize,
        on_frame: OnFrame,
        rx: mpsc::UnboundedReceiver<String>,
    ) -> Connection {
        Connection {
            reader: tokio::spawn(tcp_reader(r, max_message_size, on_frame)),
            writer: tokio::spawn(tcp_writer(w, rx)),
        }
    }

    /// Wait until the connection ends (either task finished: closed by the daemon, a read
    /// or write error, or the writer queue was closed).
    pub(crate) async fn closed(&mut self) -> Option<PeerError> {
        let result = tokio::select! {
            r = &mut self.reader => r,
            w = &mut self.writer => w,
        };
        match result {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(join) => Some(PeerError::Protocol(format!(
                "connection task failed: {join}"
            ))),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
    }
}

/// Upper bound for one coalesced write, so a flood of queued messages still goes out in
/// reasonably sized pieces.
const MAX_BATCH_BYTES: usize = 256 * 1024;

async fn connect_tcp(
    hostport: &str,
    connect_error: &impl Fn(String) -> PeerError,
) -> Result<TcpStream, PeerError> {
    let stream = TcpStream::connect(hostport)
        .await
        .map_err(|e| connect_error(e.to_string()))?;
    // Requests are small and latency matters more than packet count; the writer already
    // coalesces.
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// The WebSocket upgrade over `stream` (TCP or TLS), then the reader and writer tasks.
async fn upgrade<S: AsyncRead + AsyncWrite + Send + Unpin + 'static>(
    request: Request,
    stream: S,
    addr: &str,
    on_frame: OnFrame,
    rx: mpsc::UnboundedReceiver<String>,
) -> Result<Connection, PeerError> {
    let stream = Recording::new(stream);
    let answer = stream.seen.clone();
    let ws = match tokio_tungstenite::client_async(request, stream).await {
        Ok((ws, _response)) => ws,
        Err(e) => {
            let seen = answer.lock().unwrap_or_else(|p| p.into_inner());
            return Err(match http_status(&seen) {
                Some(status) => PeerError::WebSocketRefused {
                    addr: addr.to_owned(),
                    status,
                    reason: http_body_line(&seen),
                },
                None => PeerError::Connect {
                    addr: addr.to_owned(),
                    reason: e.to_string(),
                },
            });
        }
    };
    ws.get_ref().stop_recording();
    let (sink, stream) = ws.split();
    Ok(Connection {
        reader: tokio::spawn(ws_reader(stream, on_frame)),
        writer: tokio::spawn(ws_writer(sink, rx)),
    })
}

async fn tcp_reader(
    mut r: impl AsyncRead + Unpin,
    max_message_size: usize,
    mut on_frame: OnFrame,
) -> Result<(), PeerError> {
    let decoder = FrameDecoder::new(max_message_size);
    let mut buf = BytesMut::with_capacity(16 * 1024);
    loop {
        while let Some(frame) = decoder
            .decode(&mut buf)
            .map_err(|e| PeerError::Protocol(e.to_string()))?
        {
            on_frame(&frame);
        }
        if r.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
    }
}

async fn tcp_writer(
    mut w: impl AsyncWrite + Unpin,
    mut rx: mpsc::UnboundedReceiver<String>,
) -> Result<(), PeerError> {
    let mut buf = Vec::with_capacity(16 * 1024);
    while let Some(first) = rx.recv().await {
        buf.clear();
        encode_frame(&mut buf, first.as_bytes());
        while buf.len() < MAX_BATCH_BYTES {
            match rx.try_recv() {
                Ok(more) => encode_frame(&mut buf, more.as_bytes()),
                Err(_) => break,
            }
        }
        w.write_all(&buf).await?;
        // TLS holds written records until flushed (a plain socket's flush does nothing).
        w.flush().await?;
    }
    // The queue was closed: the peer let go of this connection.
    let _ = w.shutdown().await;
    Ok(())
}

type WsStream<S> = tokio_tungstenite::WebSocketStream<Recording<S>>;

/// The TCP (or TLS) stream under a WebSocket. It keeps the first bytes the daemon sends (its answer
/// to the upgrade) until the handshake is done, so a refused upgrade can be reported with
/// its HTTP status even when tungstenite rejects the answer before reading the status (cjet
/// answers a wrong path with `HTTP/1.0 404`, which fails tungstenite's version check).
pub(crate) struct Recording<S> {
    inner: S,
    seen: Arc<Mutex<Vec<u8>>>,
    done: AtomicBool,
}

/// Enough for a status line and headers.
const RECORD_BYTES: usize = 4096;

impl<S> Recording<S> {
    fn new(inner: S) -> Self {
        Recording {
            inner,
            seen: Arc::new(Mutex::new(Vec::new())),
            done: AtomicBool::new(false),
        }
    }

    fn stop_recording(&self) {
        self.done.store(true, Ordering::Relaxed);
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recording<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if !this.done.load(Ordering::Relaxed) {
            let mut seen = this.seen.lock().unwrap_or_else(|p| p.into_inner());
            let room = RECORD_BYTES.saturating_sub(seen.len());
            let new = &buf.filled()[before..];
            seen.extend_from_slice(&new[..new.len().min(room)]);
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recording<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The status of an HTTP answer that is not `101 Switching Protocols` (`HTTP/1.x NNN ..`).
fn http_status(answer: &[u8]) -> Option<u16> {
    let line = answer.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.split_whitespace();
    if !words.next()?.starts_with("HTTP/") {
        return None;
    }
    let status: u16 = words.next()?.parse().ok()?;
    (status != 101).then_some(status)
}

/// The first line of an HTTP answer's body, when it is short plain text (jetd's refusals
/// say what to do there; an HTML page is not shown).
fn http_body_line(answer: &[u8]) -> Option<String> {
    let start = answer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let body = std::str::from_utf8(&answer[start..]).ok()?;
    let line = body.lines().map(str::trim).find(|l| !l.is_empty())?;
    let plain = line.len() <= 200 && !line.starts_with('<') && !line.contains(char::is_control);
    plain.then(|| line.to_owned())
}

async fn ws_reader<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: futures_util::stream::SplitStream<WsStream<S>>,
    mut on_frame: OnFrame,
) -> Result<(), PeerError> {
    while let Some(message) = stream.next().await {
        match message.map_err(|e| PeerError::Protocol(format!("websocket: {e}")))? {
            Message::Text(text) => on_frame(text.as_bytes()),
            // Binary frames carry UTF-8 JSON as well (A.1).
            Message::Binary(bytes) => on_frame(&bytes),
            Message::Close(_) => return Ok(()),
            // Pings are answered by tungstenite itself.
            _ => {}
        }
    }
    Ok(())
}

async fn ws_writer<S: AsyncRead + AsyncWrite + Unpin>(
    mut sink: futures_util::stream::SplitSink<WsStream<S>, Message>,
    mut rx: mpsc::UnboundedReceiver<String>,
) -> Result<(), PeerError> {
    let ws_error =
        |e: tokio_tungstenite::tungstenite::Error| PeerError::Protocol(format!("websocket: {e}"));
    while let Some(first) = rx.recv().await {
        sink.feed(Message::text(first)).await.map_err(ws_error)?;
        let mut queued = 0;
        while queued < MAX_BATCH_BYTES {
            match rx.try_recv() {
                Ok(more) => {
                    queued += more.len();
                    sink.feed(Message::text(more)).await.map_err(ws_error)?;
                }
                Err(_) => break,
            }
        }
        sink.flush().await.map_err(ws_error)?;
    }
    let _ = sink.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_upgrades_are_recognised_by_their_status_line() {
        assert_eq!(http_status(b"HTTP/1.0 404 Not Found\r\n\r\n"), Some(404));
        assert_eq!(
            http_status(b"HTTP/1.1 400 Bad Request\r\nX: y\r\n"),
            Some(400)
        );
        assert_eq!(http_status(b"HTTP/1.1 101 Switching Protocols\r\n"), None);
        assert_eq!(http_status(b"\x00\x00\x00\x10{\"id\":1}"), None);
        assert_eq!(http_status(b""), None);
        let refusal = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 9\r\n\r\n\nUse wss\n";
        assert_eq!(http_body_line(refusal).as_deref(), Some("Use wss"));
        assert_eq!(
            http_body_line(b"HTTP/1.1 404 N\r\n\r\n<html>x</html>"),
            None
        );
        assert_eq!(http_body_line(b"HTTP/1.1 404 N\r\n\r\n"), None);
    }

    #[test]
    fn addresses_parse_as_tcp_or_websocket() {
        assert_eq!(
            Address::parse("127.0.0.1:11122").unwrap(),
            Address::Tcp("127.0.0.1:11122".into())
        );
        assert_eq!(
            Address::parse("tcp://localhost:1").unwrap(),
            Address::Tcp("localhost:1".into())
        );
        assert_eq!(
            Address::parse("[::1]:11122").unwrap(),
            Address::Tcp("[::1]:11122".into())
        );
        assert_eq!(
            Address::parse("ws://127.0.0.1:11123/api/jet/").unwrap(),
            Address::Ws("ws://127.0.0.1:11123/api/jet/".into())
        );
        let tls = Address::parse("tls://jetd.local:11122").unwrap();
        assert_eq!(tls, Address::Tls("jetd.local:11122".into()));
        assert_eq!(tls.to_string(), "tls://jetd.local:11122");
        assert!(tls.is_tls());
        let wss = Address::parse("wss://[::1]:11123/").unwrap();
        assert_eq!(wss, Address::Wss("wss://[::1]:11123/".into()));
        assert!(wss.is_tls() && !Address::parse("h:1").unwrap().is_tls());
        for bad in [
            "",
            "localhost",
            "host:notaport",
            ":11122",
            "ws://",
            "wss:///x",
            "tls://",
            "tls://host",
            "tls://ws://h:1",
            "http://x:1",
        ] {
            assert!(
                matches!(Address::parse(bad), Err(PeerError::InvalidAddress(_))),
                "{bad} should be refused"
            );
        }
    }
}
