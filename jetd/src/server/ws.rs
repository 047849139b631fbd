//! The WebSocket transport: one JSON text per message, any request path (`/n3`, `/jet3`
//! and `/classic` fix the connection's dialect), subprotocol `jet` echoed when the client
//! offers it (node-jet peers refuse a server that does not). Plain (`ws://`) or over TLS
//! (`wss://`).

use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::WebSocketStream;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::conn::{run_connection, ConnCtx, Incoming, ReadEnd, Transport, WriteEnd};
use super::socket::{Socket, TLS_HANDSHAKE_RECORD};
use crate::bus::Dialect;
use crate::outbox::{frames, Outbox};

/// How long a client may take to complete the upgrade handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serve one accepted connection: the upgrade handshake, then messages until it ends.
pub(super) async fn serve(socket: Socket, incoming: Incoming) {
    match socket {
        Socket::Plain(shared) => {
            let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
            let mut first = [0u8; 1];
            let peeked = tokio::time::timeout_at(deadline, shared.0.peek(&mut first)).await;
            if let Ok(Ok(1)) = peeked {
                if let Some(what) = not_http(first[0]) {
                    tracing::warn!(addr = %incoming.addr, kind = "ws", "closing connection: {what}");
                    return;
                }
            }
            let raw = shared.0.clone();
            serve_upgraded(shared, raw, incoming, deadline).await;
        }
        // The decrypted bytes cannot be peeked at: a client that is not HTTP fails the
        // upgrade handshake instead.
        Socket::Tls(tls) => {
            let raw = tls.get_ref().0 .0.clone();
            let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
            serve_upgraded(tls, raw, incoming, deadline).await;
        }
    }
}

/// The upgrade handshake on `stream` (before `deadline`), then messages until the
/// connection ends; `socket` is the kernel socket under it, for the closed-peer probe.
async fn serve_upgraded<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    socket: Arc<tokio::net::TcpStream>,
    incoming: Incoming,
    deadline: tokio::time::Instant,
) {
    let addr = incoming.addr;
    let daemon = incoming.settings.config.clone();
    let config = WebSocketConfig::default()
        .max_message_size(Some(daemon.max_message_size))
        .max_frame_size(Some(daemon.max_message_size));
    let path_dialect = Arc::new(std::sync::Mutex::new(None));
    let seen = path_dialect.clone();
    // The error type is tungstenite's callback signature.
    #[allow(clippy::result_large_err)]
    let callback = move |request: &Request, response: Response| {
        *seen.lock().unwrap_or_else(|e| e.into_inner()) = dialect_of_path(request.uri().path());
        check_handshake(daemon.ws_allowed_origins.as_ref(), request, response)
    };
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config));
    let ws = match tokio::time::timeout_at(deadline, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            tracing::info!(%addr, "WebSocket handshake failed: {e}");
            return;
        }
        Err(_) => {
            tracing::info!(%addr, "WebSocket handshake timed out");
            return;
        }
    };
    let ctx = ConnCtx::register(incoming, Transport::WebSocket, |seen_end| {
        super::probe::closed_probe(socket, seen_end)
    });
    let path_dialect = *path_dialect.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dialect) = path_dialect {
        ctx.bus.set_dialect(ctx.conn, dialect);
    }
    let (sink, stream) = ws.split();
    let too_large = AtomicBool::new(false);
    let reader = read_loop(stream, &ctx, &too_large);
    let writer = write_loop(sink, &ctx.outbox, ctx.config.ws_ping_interval, &too_large);
    run_connection(&ctx, reader, writer).await;
}

/// The dialect a WebSocket request path fixes (PROTOCOL.md A.10): `/n3` or `/jet3`
/// (node-jet 3), `/classic`; any other path leaves it to be recognised.
pub(crate) fn dialect_of_path(path: &str) -> Option<Dialect> {
    match path.trim_end_matches('/') {
        "/n3" | "/jet3" => Some(Dialect::N3),
        "/classic" => Some(Dialect::Classic),
        _ => None,
    }
}

/// Handshake callback: refuse browsers from origins jetd does not accept (see
/// `origin_allowed`), and answer `Sec-WebSocket-Protocol: jet` when the client offers
/// `jet`. (Public for the fuzz target only, through [`crate::fuzzing`].)
// The error type is tungstenite's callback signature.
#[allow(clippy::result_large_err)]
pub fn check_handshake(
    allowed_origins: Option<&Vec<String>>,
    request: &Request,
    mut response: Response,
) -> Result<Response, ErrorResponse> {
    if let Some(origin) = request.headers().get("origin") {
        let origin = origin.to_str().unwrap_or("");
        let host = request
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !origin_allowed(allowed_origins, origin, host) {
            let mut refusal = ErrorResponse::new(Some(format!(
                "origin {origin:?} is not allowed (see --ws-allowed-origin)"
            )));
            *refusal.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::FORBIDDEN;
            tracing::info!(origin, host, "refused a WebSocket handshake from a browser page of another site (--ws-allowed-origin)");
            return Err(refusal);
        }
    }
    let offers_jet = request
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == "jet");
    if offers_jet {
        response
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static("jet"));
    }
    Ok(response)
}

/// What a connection whose first byte is `first` speaks, when it cannot be an HTTP
/// request (whose method begins with a capital letter); `None` when it may be one.
fn not_http(first: u8) -> Option<&'static str> {
    match first {
        b'A'..=b'Z' => None,
        // A length prefix below 16 MiB, or bare JSON.
        0 | b'{' | b'[' => Some(
            "Jet TCP framing (or bare JSON) on the WebSocket port; TCP peers must use the TCP port (--tcp)",
        ),
        TLS_HANDSHAKE_RECORD => Some("a TLS handshake on the WebSocket port, which serves plain ws:// (a wss:// client? serve TLS with --tls-cert and --tls-key)"),
        _ => Some("not an HTTP request on the WebSocket port"),
    }
}

/// Whether a browser page from `origin` may connect (clients without `Origin` are not
/// browsers and always may). With an allow-list (`--ws-allowed-origin`), exactly the
/// listed origins, or any when the list holds `*`. Without one (the default), pages served
/// by the host the client connected to (the `Host` header's host, any scheme and port: an
/// HMI on the same device) and pages from a loopback host; any other site, and the opaque
/// `null` origin, are refused, so a web page a user visits cannot drive a jetd on their
/// machine or LAN (SECURITY.md).
pub(crate) fn origin_allowed(
    allowed: Option<&Vec<String>>,
    origin: &str,
    host_header: &str,
) -> bool {
    if let Some(allowed) = allowed {
        return allowed.iter().any(|a| a == "*" || a == origin);
    }
    let Some(origin_host) = origin
        .split_once("://")
        .map(|(_, rest)| strip_port(rest.split('/').next().unwrap_or("")))
    else {
        return false;
    };
    if origin_host.is_empty() {
        return false;
    }
    origin_host.eq_ignore_ascii_case(strip_port(host_header)) || is_loopback(origin_host)
}

/// `host:port` → `host` (`[v6]:port` → `[v6]`); a bare host stays.
fn strip_port(authority: &str) -> &str {
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if authority.starts_with('[') {
        return authority
            .find(']')
            .map_or(authority, |end| &authority[..=end]);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Reads messages into the bus. An oversized message sets `too_large`, so that the writer
/// closes with status 1009 (message too big).
async fn read_loop<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: SplitStream<WebSocketStream<S>>,
    ctx: &ConnCtx,
    too_large: &AtomicBool,
) -> ReadEnd {
    while let Some(msg) = stream.next().await {
        match msg {
            Ok(Message::Text(text)) => ctx.process_frame(text.as_bytes()).await,
            Ok(Message::Binary(data)) => ctx.process_frame(&data).await,
            Ok(Message::Close(_)) => return ReadEnd::Eof,
            // Pings are answered by the WebSocket layer; pongs and raw frames need nothing.
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
            Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size })) => {
                too_large.store(true, Ordering::Release);
                return ReadEnd::TooLarge {
                    len: size,
                    max: max_size,
                };
            }
            Err(e) => return ReadEnd::Protocol(e.to_string()),
        }
    }
    ReadEnd::Eof
}

async fn write_loop<S: AsyncRead + AsyncWrite + Unpin>(
    mut sink: SplitSink<WebSocketStream<S>, Message>,
    outbox: &Outbox,
    ping_every: Option<Duration>,
    too_large: &AtomicBool,
) -> WriteEnd {
    let mut buf = Vec::new();
    let mut ping = ping_every
        .map(|every| tokio::time::interval_at(tokio::time::Instant::now() + every, every));
    loop {
        let taken = tokio::select! {
            taken = outbox.take(&mut buf) => taken,
            _ = tick(&mut ping) => {
                if let Err(e) = sink.send(Message::Ping(Bytes::new())).await {
                    return WriteEnd::Io(std::io::Error::other(e));
                }
                continue;
            }
        };
        if let Err(closed) = taken {
            if too_large.load(Ordering::Acquire) {
                let frame = CloseFrame {
                    code: CloseCode::Size,
                    reason: "message exceeds --max-message-size".into(),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
            }
            let _ = sink.close().await;
            return WriteEnd::Closed(closed);
        }
        for frame in frames(&buf) {
            // The core writes only valid UTF-8 JSON text.
            let text = String::from_utf8_lossy(frame).into_owned();
            if let Err(e) = sink.feed(Message::text(text)).await {
                return WriteEnd::Io(std::io::Error::other(e));
            }
        }
        if let Err(e) = sink.flush().await {
            return WriteEnd::Io(std::io::Error::other(e));
        }
        buf.clear();
    }
}

async fn tick(interval: &mut Option<tokio::time::Interval>) {
    match interval {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn default_accepts_the_same_host_and_loopback_only() {
        let ok = |origin, host| origin_allowed(None, origin, host);
        assert!(ok("http://hmi.plant:8080", "hmi.plant:11123"));
        assert!(ok("https://HMI.plant", "hmi.plant"));
        assert!(ok("http://192.168.1.20:3000", "192.168.1.20:11123"));
        assert!(ok("http://[fe80::1]:80", "[fe80::1]:11123"));
        assert!(ok("http://localhost:5173", "192.168.1.20:11123"));
        assert!(ok("http://127.0.0.1:5173", "jetd.local:11123"));
        assert!(ok("http://[::1]:5173", "jetd.local:11123"));
        assert!(!ok("https://evil.example", "127.0.0.1:11123"));
        assert!(!ok("https://hmi.plant.evil.example", "hmi.plant:11123"));
        assert!(!ok("null", "127.0.0.1:11123"));
        assert!(!ok("", "127.0.0.1:11123"));
        assert!(!ok("http://", ""));
    }

    #[test]
    fn a_list_is_exact_and_star_allows_any() {
        let list = vec!["https://panel.example".to_owned()];
        assert!(origin_allowed(Some(&list), "https://panel.example", "x"));
        assert!(!origin_allowed(
            Some(&list),
            "https://panel.example:8443",
            "panel.example"
        ));
        assert!(!origin_allowed(
            Some(&list),
            "http://localhost",
            "localhost"
        ));
        let any = vec!["*".to_owned()];
        assert!(origin_allowed(
            Some(&any),
            "https://evil.example",
            "127.0.0.1"
        ));
        assert!(origin_allowed(Some(&any), "null", "127.0.0.1"));
    }
}
