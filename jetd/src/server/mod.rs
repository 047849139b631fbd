//! Listeners and connections: one task per connection, reading frames into the bus and
//! writing what the bus queued for it.
//!
//! Imports go one way: `mod.rs` (the [`Daemon`]) → `listen` (accept loops) → `socket`
//! (plain or TLS) → `tcp`/`ws` (transports; `ws` frames with `wsframe`) → `conn` (what
//! every connection does, and its settings) and `shared` (the socket both transports read
//! and write).

mod conn;
mod listen;
mod probe;
mod shared;
mod socket;
mod tcp;
pub(crate) mod ws;
mod wsframe;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use conn::{ConnSettings, StopSignal};

use crate::bus::Bus;
use crate::Config;

/// A daemon could not start (a listener could not bind).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen for {kind} connections on {addr}: {source} (is another daemon running there? choose another address with --{kind} HOST:PORT, or --{kind} off)")]
    Bind {
        kind: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A running daemon.
///
/// Dropping it stops it at once: its tasks (listeners, connections, the route timer) are
/// owned by a `JoinSet`, which aborts them when dropped, so sockets close without the
/// orderly clean-up. Call [`Daemon::shutdown`] to stop it and wait until it has.
pub struct Daemon {
    tcp_addr: Option<SocketAddr>,
    ws_addr: Option<SocketAddr>,
    tls: bool,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    bus: Arc<Bus>,
}

impl Daemon {
    /// Bind the configured listeners and start serving.
    pub async fn start(config: Config) -> Result<Daemon, StartError> {
        let bus = Bus::new(&config);
        let settings = ConnSettings {
            connections: Arc::new(conn::ConnCount::new(config.max_connections)),
            config: Arc::new(config),
        };
        let tcp = bind("tcp", settings.config.tcp).await?;
        let ws = bind("ws", settings.config.ws).await?;
        let tcp_addr = tcp.as_ref().and_then(|l| l.local_addr().ok());
        let ws_addr = ws.as_ref().and_then(|l| l.local_addr().ok());
        let tls = settings.config.tls.is_some();
        let (stop, stop_rx) = watch::channel(false);
        let stop_signal = StopSignal(stop_rx);
        let mut tasks = JoinSet::new();
        tasks.spawn(bus.clone().run_timer(stop_signal.clone().wait()));
        if let Some(listener) = tcp {
            tasks.spawn(listen::accept_loop(
                listener,
                conn::Transport::Tcp,
                bus.clone(),
                settings.clone(),
                stop_signal.clone(),
            ));
        }
        if let Some(listener) = ws {
            tasks.spawn(listen::accept_loop(
                listener,
                conn::Transport::WebSocket,
                bus.clone(),
                settings,
                stop_signal,
            ));
        }
        Ok(Daemon {
            tcp_addr,
            ws_addr,
            tls,
            stop,
            tasks,
            bus,
        })
    }

    /// The bound TCP address (with the real port when 0 was asked for).
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addr
    }

    /// The bound WebSocket address.
    pub fn ws_addr(&self) -> Option<SocketAddr> {
        self.ws_addr
    }

    /// Whether both listeners serve TLS (`tls://` and `wss://`).
    pub fn serves_tls(&self) -> bool {
        self.tls
    }

    /// The line jetd prints when it is ready, e.g.
    /// `jetd listening tcp=127.0.0.1:11122 ws=127.0.0.1:11123`, or with TLS
    /// `jetd listening tcp=tls://127.0.0.1:11122 ws=wss://127.0.0.1:11123`.
    pub fn listening_line(&self) -> String {
        let show = |scheme: &str, a: Option<SocketAddr>| {
            a.map_or_else(|| "off".to_owned(), |a| format!("{scheme}{a}"))
        };
        let (tcp, ws) = if self.tls {
            ("tls://", "wss://")
        } else {
            ("", "")
        };
        format!(
            "jetd listening tcp={} ws={}",
            show(tcp, self.tcp_addr),
            show(ws, self.ws_addr)
        )
    }

    /// Counts of elements, fetchers, connections and pending routed requests.
    pub fn stats(&self) -> crate::bus::Stats {
        self.bus.stats()
    }

    /// Stop listening, close every connection and wait until all tasks have ended.
    pub async fn shutdown(mut self) {
        self.bus.close_all();
        let _ = self.stop.send(true);
        while let Some(result) = self.tasks.join_next().await {
            if let Err(e) = result {
                if e.is_panic() {
                    tracing::error!("a daemon task panicked: {e}");
                }
            }
        }
    }
}

async fn bind(
    kind: &'static str,
    addr: Option<SocketAddr>,
) -> Result<Option<TcpListener>, StartError> {
    let Some(addr) = addr else { return Ok(None) };
    TcpListener::bind(addr)
        .await
        .map(Some)
        .map_err(|source| StartError::Bind { kind, addr, source })
}
