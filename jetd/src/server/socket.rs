//! The byte stream of an accepted connection: the socket itself, or TLS over it (when jetd
//! has `--tls-cert`), and the TLS handshake that makes the second.
//!
//! Either way the kernel socket stays shared (`shared::Shared`) with the bus's closed-peer
//! probe, which peeks below TLS: a peer whose TCP connection ended shows the end of the
//! stream there as it does without TLS. A peer that closes properly first sends a TLS
//! `close_notify` alert, which to the probe is data not yet read (live until the reader
//! has read it, as a WebSocket close frame is; see `probe`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use super::conn::{ReadEnd, Transport};
use super::shared::{Shared, READ_MIN_FREE, READ_START};

/// How long a client may take to send its first bytes and complete the TLS handshake.
pub(super) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a transport reads and writes: plain, or TLS over the shared socket.
pub(super) enum Socket {
    Plain(Shared),
    Tls(Tls),
}

impl Socket {
    /// The kernel socket under it (for the closed-peer probe).
    pub(super) fn raw(&self) -> &Arc<TcpStream> {
        match self {
            Socket::Plain(shared) => &shared.0,
            Socket::Tls(tls) => &tls.get_ref().0 .0,
        }
    }
}

/// A TLS session over the shared socket.
pub(super) type Tls = Box<TlsStream<Shared>>;

/// What a connection's reader reads from.
pub(super) enum ReadSide {
    /// The socket itself: reads go straight into the connection's buffer, which is
    /// released while the connection waits ([`Shared::read_more`]).
    Plain(Shared),
    /// The TLS session's read half. Its buffer is kept while idle: decrypted data may wait
    /// inside the session while the socket is not readable.
    Tls(ReadHalf<Tls>),
}

impl ReadSide {
    /// The kernel socket when there is no TLS over it (to answer an HTTP client on the TCP
    /// port directly, or to recognise a TLS client on a plain port).
    pub(super) fn plain(&self) -> Option<&TcpStream> {
        match self {
            ReadSide::Plain(shared) => Some(&shared.0),
            ReadSide::Tls(_) => None,
        }
    }

    /// Read what has arrived into `buf` (`Ok(0)`: the end of the stream), bounded by
    /// `idle` (`--idle-timeout`) when there is one. Takes references only, so the future
    /// stays small (see `conn::run_connection`).
    pub(super) async fn read_within(
        &mut self,
        idle: Option<Duration>,
        buf: &mut BytesMut,
    ) -> Result<usize, ReadEnd> {
        match idle {
            None => self.read_more(buf).await.map_err(ReadEnd::Io),
            Some(idle) => match tokio::time::timeout(idle, self.read_more(buf)).await {
                Ok(read) => read.map_err(ReadEnd::Io),
                Err(_) => Err(ReadEnd::Idle(idle)),
            },
        }
    }

    async fn read_more(&mut self, buf: &mut BytesMut) -> std::io::Result<usize> {
        match self {
            ReadSide::Plain(shared) => shared.read_more(buf).await,
            ReadSide::Tls(rd) => {
                if buf.capacity() - buf.len() < READ_MIN_FREE {
                    buf.reserve(buf.capacity().max(READ_START));
                }
                rd.read_buf(buf).await
            }
        }
    }
}

/// A connection's stream as its reader's side and its writer: the shared socket twice
/// (no lock between them), or the TLS session's two halves (which take turns; both run
/// in the connection's task).
pub(super) trait Halves: AsyncRead + AsyncWrite + Unpin + Send + Sized {
    /// What the writer writes to.
    type Writer: AsyncWrite + Unpin + Send;
    fn halves(self) -> (ReadSide, Self::Writer);
}

impl Halves for Shared {
    type Writer = Shared;
    fn halves(self) -> (ReadSide, Shared) {
        (ReadSide::Plain(self.clone()), self)
    }
}

impl Halves for Tls {
    type Writer = WriteHalf<Tls>;
    fn halves(self) -> (ReadSide, WriteHalf<Tls>) {
        let (rd, wr) = tokio::io::split(self);
        (ReadSide::Tls(rd), wr)
    }
}

/// The first byte of every TLS connection: a handshake record (its ClientHello).
pub(super) const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// Run the TLS handshake on an accepted socket, within [`HANDSHAKE_TIMEOUT`]. A client
/// that does not start with a TLS record (a plain `tcp://` or `ws://` client on a TLS
/// port) is told so in one log line and closed at once: it would otherwise wait for
/// answers that never come. A plain HTTP client (`ws://`) gets a 400 answer saying so.
pub(super) async fn accept_tls(
    acceptor: &TlsAcceptor,
    socket: TcpStream,
    addr: SocketAddr,
    transport: Transport,
) -> Option<Socket> {
    let kind = transport.name();
    let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
    let mut first = [0u8; 1];
    match tokio::time::timeout_at(deadline, socket.peek(&mut first)).await {
        Ok(Ok(1)) if first[0] == TLS_HANDSHAKE_RECORD => {}
        Ok(Ok(1)) => {
            let plain = match transport {
                Transport::Tcp => "tcp://",
                Transport::WebSocket => "ws://",
            };
            tracing::warn!(%addr, kind, "closing connection: not TLS on a TLS port (a plain {plain} client? connect with {})", transport.tls_scheme());
            if first[0].is_ascii_uppercase() {
                // The answer is small and the socket's buffer empty: one non-blocking write.
                let _ = socket.try_write(PLAIN_HTTP_ANSWER.as_bytes());
            }
            return None;
        }
        // Closed, failed, or silent until the deadline: nothing to serve.
        Ok(_) => return None,
        Err(_) => {
            tracing::info!(%addr, kind, "closing connection: no TLS handshake within {HANDSHAKE_TIMEOUT:?}");
            return None;
        }
    }
    match tokio::time::timeout_at(deadline, acceptor.accept(Shared(Arc::new(socket)))).await {
        Ok(Ok(tls)) => Some(Socket::Tls(Box::new(tls))),
        Ok(Err(e)) => {
            tracing::info!(%addr, kind, "TLS handshake failed: {e}");
            None
        }
        Err(_) => {
            tracing::info!(%addr, kind, "TLS handshake timed out");
            None
        }
    }
}

/// What a plain HTTP client on a TLS port is told (`ws://` to a `wss://` port).
const PLAIN_HTTP_ANSWER: &str = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\
    Connection: close\r\nContent-Length: 59\r\n\r\n\
    This jetd port serves TLS: connect with wss:// (or https).\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_http_answer_has_the_right_length() {
        let (head, body) = PLAIN_HTTP_ANSWER.split_once("\r\n\r\n").unwrap();
        assert!(
            head.ends_with(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
    }
}
