//! An accepted socket shared by its reader, its writer and the bus's closed-peer probe
//! (see `probe`), without a second descriptor: tokio's own halves cannot be shared with
//! a third party, and a duplicated descriptor per connection would double what a daemon
//! with thousands of peers needs of the open-files limit.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Most bytes one read initialises in a caller's uninitialised buffer (tokio's `try_read`
/// needs initialised memory): bounded, so a buffer reserved for a huge frame is not
/// zeroed again on every read.
const READ_CHUNK: usize = 64 * 1024;

/// Read buffer allocated when data arrives (an idle connection holds none, see
/// [`Shared::read_more`]). Busy peers grow theirs by doubling, and a frame larger than the
/// buffer grows it to fit once (the decoders reserve its size).
pub(super) const READ_START: usize = 2 * 1024;
/// Grow the read buffer when less than this is free.
pub(super) const READ_MIN_FREE: usize = 512;

/// One socket, shared by `Arc`; reads and writes go through tokio's readiness.
#[derive(Clone)]
pub(super) struct Shared(pub Arc<TcpStream>);

impl Shared {
    /// Read what has arrived into `buf` (`Ok(0)`: the end of the stream), as both
    /// transports' readers do. A connection with nothing to read waits without a buffer:
    /// most connections of a busy daemon are idle fetchers, and a buffer each would be the
    /// largest part of what an idle connection costs. The empty buffer is released when a
    /// read finds nothing (tokio reports a socket readable until a read says otherwise, so
    /// waiting for readiness first would keep it); a connection whose data keeps coming
    /// keeps its buffer.
    pub(super) async fn read_more(&mut self, buf: &mut BytesMut) -> io::Result<usize> {
        loop {
            if buf.capacity() - buf.len() < READ_MIN_FREE {
                buf.reserve(buf.capacity().max(READ_START));
            }
            match self.0.try_read_buf(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if buf.is_empty() {
                        *buf = BytesMut::new();
                    }
                    self.0.readable().await?;
                }
                done => return done,
            }
        }
    }
}

impl AsyncRead for Shared {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            let n = buf.remaining().min(READ_CHUNK);
            match self.0.try_read(buf.initialize_unfilled_to(n)) {
                Ok(read) => {
                    buf.advance(read);
                    return Poll::Ready(Ok(()));
                }
                // Readiness was stale; tokio cleared it, so the next poll waits.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for Shared {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            match self.0.try_write(data) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                done => return Poll::Ready(done),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(socket2::SockRef::from(&*self.0).shutdown(std::net::Shutdown::Write))
    }
}
