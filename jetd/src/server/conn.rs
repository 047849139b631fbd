//! What every connection does, whatever the transport: register with the core, feed it
//! frames, run the writer, and clean up when either side ends.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::{tcp, ws, ConnSettings, StopSignal};
use crate::bus::{Bus, ConnId, FrameOutcome};
use crate::outbox::{Closed, Outbox};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    WebSocket,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::WebSocket => "ws",
        }
    }
}

/// Counts the connections being served, so that more than the limit are refused.
#[derive(Debug)]
pub struct ConnCount {
    live: AtomicUsize,
    max: usize,
}

/// One counted connection; dropping it frees the slot.
pub struct ConnSlot(Arc<ConnCount>);

impl ConnCount {
    pub fn new(max: usize) -> Self {
        ConnCount {
            live: AtomicUsize::new(0),
            max,
        }
    }

    /// Take a slot, or `None` when `max` connections are already served.
    pub fn acquire(self: &Arc<Self>) -> Option<ConnSlot> {
        self.live
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| ConnSlot(self.clone()))
    }
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How a connection's reading side ended.
#[derive(Debug)]
pub enum ReadEnd {
    /// The peer closed the connection.
    Eof,
    /// A frame was larger than the maximum message size.
    TooLarge {
        len: usize,
        max: usize,
    },
    Io(std::io::Error),
    /// A WebSocket protocol error.
    Protocol(String),
}

/// How a connection's writing side ended.
#[derive(Debug)]
pub enum WriteEnd {
    Closed(Closed),
    Io(std::io::Error),
}

/// Accept connections until stopped; each connection is a task owned by this loop.
pub async fn accept_loop(
    listener: TcpListener,
    transport: Transport,
    bus: Arc<Bus>,
    settings: ConnSettings,
    stop: StopSignal,
) {
    let mut conns = JoinSet::new();
    let stopped = stop.clone().wait();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    let Some(slot) = settings.connections.acquire() else {
                        tracing::warn!(%addr, "refusing a {} connection: already serving {} (--max-connections)", transport.name(), settings.connections.max);
                        drop(stream);
                        continue;
                    };
                    let (bus, settings, stop) = (bus.clone(), settings.clone(), stop.clone());
                    conns.spawn(async move {
                        serve(stream, addr, transport, bus, settings, stop).await;
                        drop(slot);
                    });
                }
                Err(e) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    tracing::warn!("accept failed on {} listener: {e}", transport.name());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    while conns.join_next().await.is_some() {}
}

async fn serve(
    stream: TcpStream,
    addr: SocketAddr,
    transport: Transport,
    bus: Arc<Bus>,
    settings: ConnSettings,
    stop: StopSignal,
) {
    let _ = stream.set_nodelay(true);
    match transport {
        Transport::Tcp => tcp::serve(stream, addr, bus, settings, stop).await,
        Transport::WebSocket => ws::serve(stream, addr, bus, settings, stop).await,
    }
}

/// A registered connection: who it is and where its outgoing messages wait.
pub struct ConnCtx {
    pub bus: Arc<Bus>,
    pub conn: ConnId,
    pub outbox: Arc<Outbox>,
    pub addr: SocketAddr,
    pub transport: Transport,
}

impl ConnCtx {
    pub fn register(
        bus: Arc<Bus>,
        addr: SocketAddr,
        transport: Transport,
        settings: &ConnSettings,
    ) -> ConnCtx {
        let outbox = Arc::new(Outbox::new(settings.max_outbound_queue));
        let conn = bus.connect(outbox.clone(), transport.name(), Some(addr));
        ConnCtx {
            bus,
            conn,
            outbox,
            addr,
            transport,
        }
    }

    /// Feed one frame to the core.
    pub async fn process_frame(&self, frame: &[u8]) {
        process_frame(&self.bus, self.conn, frame).await
    }
}

/// Run a connection's reader and writer until one ends or the daemon stops, then clean up.
pub async fn run_connection(
    ctx: &ConnCtx,
    reader: impl std::future::Future<Output = ReadEnd>,
    writer: impl std::future::Future<Output = WriteEnd>,
    stop: StopSignal,
) {
    tokio::pin!(reader);
    tokio::pin!(writer);
    let (bus, conn, outbox, addr) = (&ctx.bus, ctx.conn, &ctx.outbox, ctx.addr);
    let kind = ctx.transport.name();
    tokio::select! {
        end = &mut reader => {
            match &end {
                ReadEnd::Eof => tracing::debug!(%addr, kind, "peer closed the connection"),
                ReadEnd::TooLarge { len, max } => tracing::warn!(%addr, kind, "closing connection: frame of {len} bytes exceeds --max-message-size {max}"),
                ReadEnd::Io(e) => tracing::debug!(%addr, kind, "read error: {e}"),
                ReadEnd::Protocol(e) => tracing::info!(%addr, kind, "closing connection: {e}"),
            }
            bus.disconnect(conn);
            // Let what is queued (e.g. responses to the last requests) go out, briefly.
            outbox.close(Closed::Shutdown);
            let _ = tokio::time::timeout(Duration::from_secs(1), &mut writer).await;
        }
        end = &mut writer => {
            match end {
                WriteEnd::Closed(Closed::Overflow { queued, limit }) => log_overflow(addr, kind, queued, limit),
                WriteEnd::Closed(Closed::Shutdown) => {}
                WriteEnd::Io(e) => tracing::debug!(%addr, kind, "write error: {e}"),
            }
            bus.disconnect(conn);
        }
        // The writer may be stuck writing to a peer that does not read: do not wait for it.
        why = outbox.overflowed() => {
            if let Closed::Overflow { queued, limit } = why {
                log_overflow(addr, kind, queued, limit);
            }
            bus.disconnect(conn);
        }
        _ = stop.wait() => {
            bus.disconnect(conn);
        }
    }
}

fn log_overflow(addr: SocketAddr, kind: &str, queued: usize, limit: usize) {
    tracing::warn!(
        %addr, kind,
        "disconnecting a peer that does not read: {queued} bytes queued for it, limit {limit} (--max-queue)"
    );
}

/// Feed one frame to the core, verifying `authenticate` requests off the core lock.
pub async fn process_frame(bus: &Arc<Bus>, conn: ConnId, frame: &[u8]) {
    let mut start = 0;
    loop {
        match bus.handle_frame(conn, frame, start) {
            FrameOutcome::Done => return,
            FrameOutcome::Authenticate { auth, next } => {
                let delay = bus.auth_delay(conn);
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let users = bus.users().clone();
                let (user, password) = (auth.user.clone(), auth.password.clone());
                let groups = tokio::task::spawn_blocking(move || users.verify(&user, &password))
                    .await
                    .ok()
                    .flatten();
                bus.finish_authenticate(conn, auth, groups);
                start = next;
            }
        }
    }
}
