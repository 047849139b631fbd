//! The accept loops: one per listener, owning one task per connection and handing each
//! accepted socket to its transport.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::conn::{Accepted, ConnSettings, StopSignal, Transport};
use super::{tcp, ws};
use crate::bus::Bus;

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
    addr: std::net::SocketAddr,
    transport: Transport,
    bus: Arc<Bus>,
    settings: ConnSettings,
    stop: StopSignal,
) {
    let _ = stream.set_nodelay(true);
    let accepted = Accepted {
        stream,
        addr,
        bus,
        settings,
        stop,
    };
    match transport {
        Transport::Tcp => tcp::serve(accepted).await,
        Transport::WebSocket => ws::serve(accepted).await,
    }
}
