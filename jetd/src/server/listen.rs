//! The accept loops: one per listener, owning one task per connection and handing each
//! accepted socket to its transport.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::conn::{ConnSettings, Incoming, StopSignal, Transport};
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
                    let incoming = Incoming {
                        addr,
                        bus: bus.clone(),
                        settings: settings.clone(),
                        stop: stop.clone(),
                    };
                    conns.spawn(async move {
                        serve(stream, transport, incoming).await;
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

async fn serve(stream: TcpStream, transport: Transport, incoming: Incoming) {
    let _ = stream.set_nodelay(true);
    match transport {
        Transport::Tcp => tcp::serve(stream, incoming).await,
        Transport::WebSocket => ws::serve(stream, incoming).await,
    }
}
