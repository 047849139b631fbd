//! The TCP transport: 4-byte big-endian length prefix + JSON (PROTOCOL.md A.1), plain or
//! over TLS (`tls://`).

use bytes::BytesMut;
use jet_runtime::codec::FrameDecoder;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::conn::KEEP_WRITE_BUFFER;
use super::conn::{run_connection, ConnCtx, Incoming, ReadEnd, Transport, WriteEnd};
use super::socket::{Halves, ReadSide, Socket, TLS_HANDSHAKE_RECORD};
use crate::outbox::Outbox;

/// Serve one accepted TCP connection until it ends.
pub(super) async fn serve(socket: Socket, incoming: Incoming) {
    let raw = socket.raw().clone();
    let probe = |seen_end| super::probe::closed_probe(raw.clone(), seen_end);
    let ctx = ConnCtx::register(incoming, Transport::Tcp, probe);
    match socket {
        Socket::Plain(shared) => run(&ctx, shared).await,
        Socket::Tls(tls) => run(&ctx, tls).await,
    }
}

/// Read and write `stream` until the connection ends.
async fn run(ctx: &ConnCtx, stream: impl Halves) {
    let (rd, wr) = stream.halves();
    let reader = read_loop(rd, ctx, FrameDecoder::new(ctx.config.max_message_size));
    let writer = write_loop(wr, &ctx.outbox);
    run_connection(ctx, std::pin::pin!(reader), std::pin::pin!(writer)).await;
}

/// Reads frames into the bus. On a plain socket an HTTP client is answered and a TLS
/// client recognised by their first bytes.
async fn read_loop(mut rd: ReadSide, ctx: &ConnCtx, decoder: FrameDecoder) -> ReadEnd {
    let mut buf = BytesMut::new();
    let mut first = true;
    loop {
        if first && buf.len() >= 4 {
            first = false;
            if is_http_request(&buf) {
                let Some(socket) = rd.plain() else {
                    return ReadEnd::WrongProtocol("an HTTP request on the TCP port (tls://); WebSocket clients must use the WebSocket port (--ws, wss://)");
                };
                // A browser or HTTP client on the TCP port: say where to go, then close.
                // The answer is small and the socket's buffer empty: one non-blocking write.
                let _ = socket.try_write(HTTP_ANSWER.as_bytes());
                return ReadEnd::WrongProtocol(
                    "an HTTP request on the TCP port; WebSocket clients must use the WebSocket port (--ws)",
                );
            }
            if rd.plain().is_some() && is_tls_hello(&buf) {
                return ReadEnd::WrongProtocol(
                    "a TLS handshake on the TCP port, which serves plain tcp:// (a tls:// client? serve TLS with --tls-cert and --tls-key)",
                );
            }
        }
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => ctx.process_frame(&frame).await,
                Ok(None) => break,
                Err(e) => {
                    return ReadEnd::TooLarge {
                        len: e.len,
                        max: e.max,
                    }
                }
            }
        }
        match rd.read_within(ctx.config.idle_timeout, &mut buf).await {
            Err(end) => return end,
            Ok(0) => return ReadEnd::Eof,
            Ok(_) => {}
        }
    }
}

/// What an HTTP client on the TCP port is told.
const HTTP_ANSWER: &str = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\
    Connection: close\r\nContent-Length: 111\r\n\r\n\
    This is jetd's TCP port (4-byte length-prefixed JSON). Connect WebSocket clients to \
    the WebSocket port (--ws).\n";

/// Whether a connection's first bytes are an HTTP request line's method, which as a
/// length prefix would announce a frame of about a gigabyte.
fn is_http_request(first: &[u8]) -> bool {
    const METHODS: [&[u8; 4]; 9] = [
        b"GET ", b"POST", b"PUT ", b"HEAD", b"DELE", b"OPTI", b"PATC", b"CONN", b"TRAC",
    ];
    METHODS.iter().any(|m| first.starts_with(*m))
}

/// Whether a connection's first bytes are a TLS handshake record (version 3.x), which as a
/// length prefix would announce a frame of over 300 MiB.
fn is_tls_hello(first: &[u8]) -> bool {
    first.len() >= 2 && first[0] == TLS_HANDSHAKE_RECORD && first[1] == 3
}

/// Write everything the outbox holds with one syscall per batch (plain), or one TLS flush.
pub(super) async fn write_loop(mut wr: impl AsyncWrite + Unpin, outbox: &Outbox) -> WriteEnd {
    let mut buf = Vec::new();
    loop {
        if let Err(closed) = outbox.take(&mut buf).await {
            let _ = wr.shutdown().await;
            return WriteEnd::Closed(closed);
        }
        if let Err(e) = wr.write_all(&buf).await {
            return WriteEnd::Io(e);
        }
        // TLS holds written records until flushed (a plain socket's flush does nothing).
        if let Err(e) = wr.flush().await {
            return WriteEnd::Io(e);
        }
        buf.clear();
        if buf.capacity() > KEEP_WRITE_BUFFER {
            buf = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_http_answer_has_the_right_length() {
        let (head, body) = HTTP_ANSWER.split_once("\r\n\r\n").unwrap();
        assert!(
            head.ends_with(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
    }

    #[test]
    fn http_methods_are_recognised_and_small_frames_are_not() {
        assert!(is_http_request(b"GET / HTTP/1.1"));
        assert!(is_http_request(b"POST /x"));
        assert!(!is_http_request(&[0, 0, 0, 20, b'{']));
        assert!(!is_http_request(b"GETX"));
    }

    #[test]
    fn a_tls_client_hello_is_recognised() {
        assert!(is_tls_hello(&[0x16, 0x03, 0x01, 0x02, 0x00]));
        assert!(!is_tls_hello(&[0, 0, 0, 20, b'{']));
        assert!(!is_tls_hello(&[0x16]));
    }
}
