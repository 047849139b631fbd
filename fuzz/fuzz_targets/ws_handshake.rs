//! The WebSocket handshake and the frames after it, as jetd's WebSocket listener runs them.
//!
//! Input: the bytes a client sends (an HTTP upgrade request, then WebSocket frames), written
//! into an in-memory `tokio::io::duplex` whose client side then closes. The server side runs
//! tokio-tungstenite's accept with jetd's settings (message and frame size limits) and
//! jetd's own handshake callback (the `jet` subprotocol echoed when offered, origins
//! outside the allow-list refused), and feeds every text or binary message to a
//! `jetd::bus::Bus` connection, as the daemon's read loop does.
//!
//! Checked: nothing panics and nothing hangs (the stream ends, so everything must finish);
//! what the core queues for the connection is valid JSON.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use jetd::bus::{FrameOutcome, Bus};
use jetd::outbox::{frames, Outbox};
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

const MAX_MESSAGE: usize = 64 * 1024;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// The origins the fuzzed daemon allows: a request with any other `Origin` is refused by
/// the handshake, so both of its answers are reached.
fn allowed_origins() -> &'static Vec<String> {
    static ALLOWED: OnceLock<Vec<String>> = OnceLock::new();
    ALLOWED.get_or_init(|| vec!["http://localhost".to_owned()])
}

/// jetd's own handshake callback (`jetd::fuzzing::check_handshake`), with the allow-list.
#[allow(clippy::result_large_err)]
fn callback(request: &Request, response: Response) -> Result<Response, ErrorResponse> {
    jetd::fuzzing::check_handshake(Some(allowed_origins()), request, response)
}

async fn serve(server: tokio::io::DuplexStream) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(server, callback, Some(config)).await
    else {
        return;
    };
    let bus = Bus::new(&jetd::Config::default());
    let outbox = Arc::new(Outbox::new(1024 * 1024));
    let conn = bus.connect(outbox.clone(), "ws", None);
    while let Some(msg) = ws.next().await {
        let frame = match msg {
            Ok(Message::Text(text)) => text.as_bytes().to_vec(),
            Ok(Message::Binary(data)) => data.to_vec(),
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        let mut start = 0;
        while let FrameOutcome::Authenticate { auth, next } =
            bus.handle_frame(conn, &frame, start)
        {
            bus.finish_authenticate(conn, auth, None);
            start = next;
        }
    }
    bus.disconnect(conn);
    let mut buf = Vec::new();
    if let Some(Ok(())) = outbox.take(&mut buf).now_or_never() {
        for frame in frames(&buf) {
            serde_json::from_slice::<serde_json::Value>(frame).unwrap_or_else(|e| {
                panic!(
                    "invalid JSON queued ({e}): {}",
                    String::from_utf8_lossy(frame)
                )
            });
        }
    }
}

fuzz_target!(|data: &[u8]| {
    runtime().block_on(async {
        let (client, server) = tokio::io::duplex(2 * 1024 * 1024);
        let (mut client_rd, mut client_wr) = tokio::io::split(client);
        let send = async {
            let _ = client_wr.write_all(data).await;
            let _ = client_wr.shutdown().await;
        };
        // Whatever the server answers is read and dropped, so it never blocks on a full pipe.
        let drain = async {
            let mut sink = Vec::new();
            let _ = client_rd.read_to_end(&mut sink).await;
        };
        let work = async {
            tokio::join!(send, serve(server), drain);
        };
        // The client's stream ends, so the server must finish; a timeout here is a hang.
        tokio::time::timeout(Duration::from_secs(10), work)
            .await
            .expect("the WebSocket server hung on a finished stream");
    });
});
