//! The WebSocket transport: one JSON text per message, any request path (`/n3`, `/jet3`
//! and `/classic` fix the connection's dialect), subprotocol `jet` echoed when the client
//! offers it (node-jet peers refuse a server that does not). Plain (`ws://`) or over TLS
//! (`wss://`). tungstenite does the upgrade handshake; the frames are jetd's own
//! (`wsframe`).

use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::conn::KEEP_WRITE_BUFFER;
use super::conn::{run_connection, ConnCtx, Incoming, ReadEnd, Transport, WriteEnd};
use super::socket::{Halves, ReadSide, Socket, TLS_HANDSHAKE_RECORD};
use super::wsframe::{self, status, Step};
use crate::bus::Dialect;
use crate::outbox::Outbox;

/// How long a client may take to complete the upgrade handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serve one accepted connection: the upgrade handshake, then messages until it ends.
pub(super) async fn serve(socket: Socket, incoming: Incoming) {
    let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
    match socket {
        Socket::Plain(shared) => {
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
            serve_upgraded(tls, raw, incoming, deadline).await;
        }
    }
}

/// The upgrade handshake on `stream` (before `deadline`), then messages until the
/// connection ends; `socket` is the kernel socket under it, for the closed-peer probe.
async fn serve_upgraded<S: Halves>(
    stream: S,
    socket: Arc<tokio::net::TcpStream>,
    incoming: Incoming,
    deadline: tokio::time::Instant,
) {
    let addr = incoming.addr;
    let daemon = incoming.settings.config.clone();
    // tungstenite does the handshake only (see `wsframe`): no buffers for messages.
    let config = WebSocketConfig::default()
        .read_buffer_size(0)
        .write_buffer_size(0);
    let path_dialect = Arc::new(std::sync::Mutex::new(None));
    let seen = path_dialect.clone();
    // The error type is tungstenite's callback signature.
    #[allow(clippy::result_large_err)]
    let callback = move |request: &Request, response: Response| {
        *seen.lock().unwrap_or_else(|e| e.into_inner()) = dialect_of_path(request.uri().path());
        check_handshake(daemon.ws_allowed_origins.as_ref(), request, response)
    };
    // Boxed: freed once done, instead of sizing the connection's task for it.
    let handshake = Box::pin(tokio_tungstenite::accept_hdr_async_with_config(
        stream,
        callback,
        Some(config),
    ));
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
    // The handshake refuses bytes after the request (the client waits for the answer),
    // so nothing of the first frame is lost with tungstenite's stream.
    let (rd, wr) = ws.into_inner().halves();
    let control = Control::default();
    let reader = read_loop(rd, &ctx, &control);
    let writer = write_loop(wr, &ctx.outbox, ctx.config.ws_ping_interval, &control);
    run_connection(&ctx, std::pin::pin!(reader), std::pin::pin!(writer)).await;
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

/// What the reader asks the writer to send besides the outbox's messages: the pong for
/// the latest ping (RFC 6455 §5.5.3 lets a pong answer only the most recent one) and the
/// status of the close frame that ends the connection. Both sides run in the connection's
/// task, so this is borrowed by both, not shared by `Arc`.
#[derive(Default)]
struct Control {
    pending: std::sync::Mutex<Pending>,
    ready: Notify,
}

#[derive(Default)]
struct Pending {
    pong: Option<Vec<u8>>,
    close: Option<u16>,
}

impl Control {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // Nothing that can panic runs under this lock.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pong(&self, payload: &[u8]) {
        self.lock().pong = Some(wsframe::pong_frame(payload));
        self.ready.notify_one();
    }

    /// The status to close with (read by the writer once the outbox is closed).
    fn close_with(&self, status: u16) {
        self.lock().close.get_or_insert(status);
    }
}

/// Reads messages into the bus and answers pings (through `control`). A failure (an
/// oversized message, a protocol error) leaves its close status in `control`.
async fn read_loop(mut rd: ReadSide, ctx: &ConnCtx, control: &Control) -> ReadEnd {
    let mut incoming = wsframe::Incoming::new(ctx.config.max_message_size);
    let mut buf = BytesMut::new();
    loop {
        loop {
            let used = match incoming.next(&mut buf) {
                Ok(Step::Need(total)) => {
                    // A frame larger than the buffer: room for all of it at once.
                    buf.reserve(total - buf.len());
                    break;
                }
                Ok(Step::Message(used, message)) => {
                    ctx.process_frame(message).await;
                    incoming.message_done();
                    used
                }
                Ok(Step::Ping(used, payload)) => {
                    control.pong(payload);
                    used
                }
                Ok(Step::Skip(used)) => used,
                Ok(Step::Close(code)) => {
                    // Echo the client's status (RFC 6455 §5.5.1); one it must not send is an error.
                    let reply = code.map_or(status::NORMAL, |code| {
                        if sendable(code) {
                            code
                        } else {
                            status::PROTOCOL_ERROR
                        }
                    });
                    control.close_with(reply);
                    return ReadEnd::Eof;
                }
                Err(fail) => {
                    control.close_with(fail.status);
                    return match fail.size {
                        Some((len, max)) => ReadEnd::TooLarge { len, max },
                        None => ReadEnd::Protocol(fail.why),
                    };
                }
            };
            buf.advance(used);
        }
        match rd.read_within(ctx.config.idle_timeout, &mut buf).await {
            Err(end) => return end,
            Ok(0) => return ReadEnd::Eof,
            Ok(_) => {}
        }
    }
}

/// Whether a peer may send this close status (RFC 6455 §7.4: 1004–1006 and 1015 are
/// reserved, 1012–2999 unassigned; 3000–4999 belong to libraries and applications).
fn sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999)
}

/// Writes what the outbox holds as text frames, one `write` per batch, and the pongs and
/// pings; ends with a close frame (with the status the reader left, if any).
async fn write_loop(
    mut wr: impl AsyncWrite + Unpin,
    outbox: &Outbox,
    ping_every: Option<Duration>,
    control: &Control,
) -> WriteEnd {
    let mut buf = Vec::new();
    let mut ping = ping_every
        .map(|every| tokio::time::interval_at(tokio::time::Instant::now() + every, every));
    loop {
        let written = tokio::select! {
            taken = outbox.take(&mut buf) => {
                if let Err(closed) = taken {
                    let status = control.lock().close;
                    let _ = wr.write_all(&wsframe::close_frame(status)).await;
                    let _ = wr.shutdown().await;
                    return WriteEnd::Closed(closed);
                }
                wsframe::to_ws_frames(&mut buf);
                let written = wr.write_all(&buf).await;
                buf.clear();
                if buf.capacity() > KEEP_WRITE_BUFFER {
                    buf = Vec::new();
                }
                written
            }
            () = control.ready.notified() => {
                let pong = control.lock().pong.take();
                match pong {
                    Some(pong) => wr.write_all(&pong).await,
                    None => Ok(()),
                }
            }
            _ = tick(&mut ping) => wr.write_all(&wsframe::PING_FRAME).await,
        };
        // TLS holds written records until flushed (a plain socket's flush does nothing).
        let flushed = match written {
            Ok(()) => wr.flush().await,
            failed => failed,
        };
        if let Err(e) = flushed {
            return WriteEnd::Io(e);
        }
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
