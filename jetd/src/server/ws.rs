//! The WebSocket transport: one JSON text per message, any request path, subprotocol
//! `jet` echoed when the client offers it (node-jet peers refuse a server that does not).

use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::WebSocketStream;

use super::conn::{run_connection, ConnCtx, Incoming, ReadEnd, Transport, WriteEnd};
use crate::outbox::{frames, Outbox};

/// How long a client may take to complete the upgrade handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serve one accepted connection: the upgrade handshake, then messages until it ends.
pub async fn serve(stream: TcpStream, incoming: Incoming) {
    let addr = incoming.addr;
    let socket = super::probe::dup(&stream);
    let daemon = incoming.settings.config.clone();
    let config = WebSocketConfig::default()
        .max_message_size(Some(daemon.max_message_size))
        .max_frame_size(Some(daemon.max_message_size));
    // The error type is tungstenite's callback signature.
    #[allow(clippy::result_large_err)]
    let callback = move |request: &Request, response: Response| {
        check_handshake(daemon.ws_allowed_origins.as_ref(), request, response)
    };
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config));
    let ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
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
        super::probe::closed_probe(socket, Transport::WebSocket, seen_end)
    });
    let (sink, stream) = ws.split();
    let reader = read_loop(stream, &ctx);
    let writer = write_loop(sink, &ctx.outbox, ctx.config.ws_ping_interval);
    run_connection(&ctx, reader, writer).await;
}

/// Handshake callback: refuse browsers from origins not on the allow-list (when there is
/// one), and answer `Sec-WebSocket-Protocol: jet` when the client offers `jet`.
/// (Public for the fuzz target only, through [`crate::fuzzing`].)
// The error type is tungstenite's callback signature.
#[allow(clippy::result_large_err)]
pub fn check_handshake(
    allowed_origins: Option<&Vec<String>>,
    request: &Request,
    mut response: Response,
) -> Result<Response, ErrorResponse> {
    if let (Some(allowed), Some(origin)) = (allowed_origins, request.headers().get("origin")) {
        let origin = origin.to_str().unwrap_or("");
        if !allowed.iter().any(|a| a == origin) {
            let mut refusal = ErrorResponse::new(Some(format!("origin {origin:?} is not allowed")));
            *refusal.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::FORBIDDEN;
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

async fn read_loop(mut stream: SplitStream<WebSocketStream<TcpStream>>, ctx: &ConnCtx) -> ReadEnd {
    while let Some(msg) = stream.next().await {
        match msg {
            Ok(Message::Text(text)) => ctx.process_frame(text.as_bytes()).await,
            Ok(Message::Binary(data)) => ctx.process_frame(&data).await,
            Ok(Message::Close(_)) => return ReadEnd::Eof,
            // Pings are answered by the WebSocket layer; pongs and raw frames need nothing.
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
            Err(e) => return ReadEnd::Protocol(e.to_string()),
        }
    }
    ReadEnd::Eof
}

async fn write_loop(
    mut sink: SplitSink<WebSocketStream<TcpStream>, Message>,
    outbox: &Outbox,
    ping_every: Option<Duration>,
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
