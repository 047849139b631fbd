//! The TCP transport: 4-byte big-endian length prefix + JSON (PROTOCOL.md A.1).

use bytes::BytesMut;
use futures_util::FutureExt;
use jet_runtime::codec::FrameDecoder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::conn::{run_connection, ConnCtx, Incoming, ReadEnd, Transport, WriteEnd};
use crate::outbox::Outbox;

/// Read buffer allocated when data arrives (an idle connection holds none, see
/// [`wait_readable`]). Busy peers grow theirs by doubling, and a frame larger than the
/// buffer grows it to fit once (the decoder reserves its size).
const READ_START: usize = 2 * 1024;
/// Grow the read buffer when less than this is free.
const READ_MIN_FREE: usize = 512;
/// A write buffer that grew past this is not kept for reuse.
const KEEP_WRITE_BUFFER: usize = 1024 * 1024;

/// Serve one accepted TCP connection until it ends.
pub async fn serve(stream: TcpStream, incoming: Incoming) {
    let socket = super::probe::dup(&stream);
    let probe = |seen_end| super::probe::closed_probe(socket, Transport::Tcp, seen_end);
    let ctx = ConnCtx::register(incoming, Transport::Tcp, probe);
    let (rd, wr) = stream.into_split();
    let reader = read_loop(rd, &ctx, FrameDecoder::new(ctx.config.max_message_size));
    let writer = write_loop(wr, &ctx.outbox);
    run_connection(&ctx, reader, writer).await;
}

async fn read_loop(mut rd: OwnedReadHalf, ctx: &ConnCtx, decoder: FrameDecoder) -> ReadEnd {
    let mut buf = BytesMut::new();
    loop {
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
        if buf.is_empty() {
            match within_idle(ctx, wait_readable(&rd, &mut buf)).await {
                Err(end) | Ok(Err(end)) => return end,
                Ok(Ok(())) => {}
            }
        }
        if buf.capacity() - buf.len() < READ_MIN_FREE {
            buf.reserve(buf.capacity().max(READ_START));
        }
        match within_idle(ctx, rd.read_buf(&mut buf)).await {
            Err(end) | Ok(Err(end)) => return end,
            Ok(Ok(0)) => return ReadEnd::Eof,
            Ok(Ok(_)) => {}
        }
    }
}

/// Run a read step, bounded by `--idle-timeout` when there is one (`Err`: it passed).
async fn within_idle<T>(
    ctx: &ConnCtx,
    step: impl std::future::Future<Output = std::io::Result<T>>,
) -> Result<Result<T, ReadEnd>, ReadEnd> {
    let step = async { step.await.map_err(ReadEnd::Io) };
    match ctx.config.idle_timeout {
        None => Ok(step.await),
        Some(idle) => tokio::time::timeout(idle, step)
            .await
            .map_err(|_| ReadEnd::Idle(idle)),
    }
}

/// Wait until the socket is readable. If that means waiting, release the (empty) read
/// buffer first: most connections of a busy daemon are idle fetchers, and a buffer each
/// would be the largest part of what an idle connection costs. A connection that has data
/// waiting keeps its buffer, so busy peers do not allocate per read.
async fn wait_readable(rd: &OwnedReadHalf, buf: &mut BytesMut) -> std::io::Result<()> {
    if let Some(ready) = rd.readable().now_or_never() {
        return ready;
    }
    *buf = BytesMut::new();
    rd.readable().await
}

/// Write everything the outbox holds with one syscall per batch.
pub async fn write_loop(mut wr: OwnedWriteHalf, outbox: &Outbox) -> WriteEnd {
    let mut buf = Vec::new();
    loop {
        if let Err(closed) = outbox.take(&mut buf).await {
            let _ = wr.shutdown().await;
            return WriteEnd::Closed(closed);
        }
        if let Err(e) = wr.write_all(&buf).await {
            return WriteEnd::Io(e);
        }
        buf.clear();
        if buf.capacity() > KEEP_WRITE_BUFFER {
            buf = Vec::new();
        }
    }
}
