//! What every connection does, whatever the transport: register with the bus, feed it
//! frames, run the writer, and clean up when either side ends. It knows no transport
//! (`tcp` and `ws` call it, never the other way round).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::bus::{Bus, ConnId, FrameOutcome};
use crate::outbox::{Closed, Outbox};
use crate::Config;

/// What connections need besides the bus: the daemon's configuration (shared, not
/// copied) and the count of connections being served over both listeners.
#[derive(Debug, Clone)]
pub(crate) struct ConnSettings {
    pub config: Arc<Config>,
    pub connections: Arc<ConnCount>,
}

/// Resolves when shutdown was asked for.
#[derive(Clone)]
pub(crate) struct StopSignal(pub watch::Receiver<bool>);

impl StopSignal {
    pub(crate) async fn wait(mut self) {
        // An error means the sender is gone, which also means stop.
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transport {
    Tcp,
    WebSocket,
}

impl Transport {
    pub(super) fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::WebSocket => "ws",
        }
    }

    /// The URL scheme of this listener's clients when jetd serves TLS.
    pub(super) fn tls_scheme(self) -> &'static str {
        match self {
            Transport::Tcp => "tls://",
            Transport::WebSocket => "wss://",
        }
    }
}

/// Counts the connections being served, so that more than the limit are refused.
#[derive(Debug)]
pub(crate) struct ConnCount {
    live: AtomicUsize,
    pub max: usize,
}

/// One counted connection; dropping it frees the slot.
pub(crate) struct ConnSlot(Arc<ConnCount>);

impl ConnCount {
    pub(crate) fn new(max: usize) -> Self {
        ConnCount {
            live: AtomicUsize::new(0),
            max,
        }
    }

    /// Take a slot, or `None` when `max` connections are already served.
    pub(crate) fn acquire(self: &Arc<Self>) -> Option<ConnSlot> {
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
pub(super) enum ReadEnd {
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
    /// Nothing arrived for `--idle-timeout`.
    Idle(Duration),
    /// The peer speaks another protocol (e.g. HTTP on the TCP port); says which.
    WrongProtocol(&'static str),
}

/// How a connection's writing side ended.
#[derive(Debug)]
pub(super) enum WriteEnd {
    Closed(Closed),
    Io(std::io::Error),
}

/// What serving an accepted connection needs besides its socket (`listen` hands it to
/// a transport's `serve`, together with the socket).
pub(crate) struct Incoming {
    pub addr: SocketAddr,
    pub bus: Arc<Bus>,
    pub settings: ConnSettings,
    pub stop: StopSignal,
}

/// A registered connection: who it is, where its outgoing messages wait, and what it
/// runs with.
pub(super) struct ConnCtx {
    pub bus: Arc<Bus>,
    pub conn: ConnId,
    pub outbox: Arc<Outbox>,
    pub addr: SocketAddr,
    pub transport: Transport,
    pub config: Arc<Config>,
    stop: StopSignal,
    /// Set when the reader has seen the end of the stream, before the clean-up waits for
    /// the core lock (read by the bus's closed-peer probe, see `probe`).
    seen_end: Arc<AtomicBool>,
}

impl ConnCtx {
    /// Register an accepted connection with the bus.
    pub(super) fn register(
        incoming: Incoming,
        transport: Transport,
        closed_probe: impl FnOnce(Arc<AtomicBool>) -> crate::bus::ClosedProbe,
    ) -> ConnCtx {
        let seen_end = Arc::new(AtomicBool::new(false));
        let closed_probe = Some(closed_probe(seen_end.clone()));
        let Incoming {
            addr,
            bus,
            settings,
            stop,
        } = incoming;
        let outbox = Arc::new(Outbox::new(settings.config.max_outbound_queue));
        let conn = bus.connect_probed(outbox.clone(), transport.name(), Some(addr), closed_probe);
        let listener_dialect = match transport {
            Transport::Tcp => settings.config.tcp_dialect,
            Transport::WebSocket => settings.config.ws_dialect,
        };
        if let Some(dialect) = listener_dialect.fixed() {
            bus.set_dialect(conn, dialect);
        }
        ConnCtx {
            bus,
            conn,
            outbox,
            addr,
            transport,
            config: settings.config,
            stop,
            seen_end,
        }
    }

    /// Feed one frame to the core.
    pub(super) async fn process_frame(&self, frame: &[u8]) {
        process_frame(&self.bus, self.conn, frame).await
    }
}

/// Run a connection's reader and writer until one ends or the daemon stops, then clean up.
///
/// The two futures are pinned by the caller and passed by reference: an `async fn` keeps
/// its by-value arguments apart from its other state, so taking them by value would store
/// both twice in every connection's task (most of what an idle connection costs).
pub(super) async fn run_connection(
    ctx: &ConnCtx,
    mut reader: Pin<&mut impl Future<Output = ReadEnd>>,
    mut writer: Pin<&mut impl Future<Output = WriteEnd>>,
) {
    let stop = ctx.stop.clone();
    let (bus, conn, outbox, addr) = (&ctx.bus, ctx.conn, &ctx.outbox, ctx.addr);
    let kind = ctx.transport.name();
    tokio::select! {
        end = reader.as_mut() => {
            if matches!(end, ReadEnd::Eof | ReadEnd::Io(_) | ReadEnd::Protocol(_)) {
                ctx.seen_end.store(true, Ordering::Release);
            }
            match &end {
                ReadEnd::Eof => tracing::debug!(%addr, kind, "peer closed the connection"),
                ReadEnd::TooLarge { len, max } => tracing::warn!(%addr, kind, "closing connection: frame of {len} bytes exceeds --max-message-size {max}"),
                ReadEnd::Io(e) => tracing::debug!(%addr, kind, "read error: {e}"),
                ReadEnd::Protocol(e) => tracing::info!(%addr, kind, "closing connection: {e}"),
                ReadEnd::WrongProtocol(what) => tracing::warn!(%addr, kind, "closing connection: {what}"),
                ReadEnd::Idle(t) => tracing::info!(%addr, kind, "closing connection: nothing received for {t:?} (--idle-timeout)"),
            }
            bus.disconnect(conn);
            // Let what is queued (e.g. responses to the last requests) go out, briefly.
            outbox.close(Closed::Shutdown);
            let _ = tokio::time::timeout(Duration::from_secs(1), writer.as_mut()).await;
        }
        end = writer.as_mut() => {
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
pub(super) async fn process_frame(bus: &Arc<Bus>, conn: ConnId, frame: &[u8]) {
    let mut start = 0;
    loop {
        match bus.handle_frame(conn, frame, start) {
            FrameOutcome::Done => return,
            FrameOutcome::Authenticate { auth, next } => {
                // Boxed: its timer and blocking task would otherwise be part of every
                // connection's task, authenticating or not (most never do).
                Box::pin(authenticate(bus, conn, auth)).await;
                start = next;
            }
        }
    }
}

/// Verify a password on the blocking pool (after the failed-attempt delay), then let the
/// core finish the `authenticate` request.
async fn authenticate(bus: &Arc<Bus>, conn: ConnId, auth: crate::bus::PendingAuth) {
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
}

/// A write buffer that grew past this is not kept for reuse (both transports' writers).
pub(super) const KEEP_WRITE_BUFFER: usize = 1024 * 1024;
