//! The accept loops: one per listener, owning one task per connection and handing each
//! accepted socket (after the TLS handshake, when jetd serves TLS) to its transport.

use std::sync::Arc;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::conn::{ConnSettings, Incoming, StopSignal, Transport};
use super::shared::Shared;
use super::socket::{self, Socket};
use super::{tcp, ws};
use crate::bus::Bus;
use crate::Config;

/// Accept connections until stopped; each connection is a task owned by this loop.
pub(super) async fn accept_loop(
    listener: TcpListener,
    transport: Transport,
    bus: Arc<Bus>,
    settings: ConnSettings,
    stop: StopSignal,
) {
    let mut conns = JoinSet::new();
    let tls = settings
        .config
        .tls
        .as_ref()
        .map(|identity| identity.acceptor());
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
                    socket_options(&stream, &settings.config);
                    let incoming = Incoming {
                        addr,
                        bus: bus.clone(),
                        settings: settings.clone(),
                        stop: stop.clone(),
                    };
                    let tls = tls.clone();
                    conns.spawn(async move {
                        serve(stream, transport, tls, incoming).await;
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

/// Options of every accepted socket: no Nagle delay, and TCP keepalive (`--tcp-keepalive`)
/// so that the elements of a peer whose host vanished without closing are removed after
/// about `keepalive × 2` instead of when a write finally fails (SECURITY.md).
fn socket_options(stream: &TcpStream, config: &Config) {
    let _ = stream.set_nodelay(true);
    if let Some(idle) = config.tcp_keepalive {
        let keepalive = TcpKeepalive::new()
            .with_time(idle)
            .with_interval((idle / 6).max(Duration::from_secs(1)))
            .with_retries(KEEPALIVE_PROBES);
        if let Err(e) = SockRef::from(stream).set_tcp_keepalive(&keepalive) {
            tracing::debug!("cannot set TCP keepalive: {e}");
        }
    }
}

/// Unanswered keepalive probes before the kernel gives the connection up.
const KEEPALIVE_PROBES: u32 = 5;

async fn serve(
    stream: TcpStream,
    transport: Transport,
    tls: Option<TlsAcceptor>,
    incoming: Incoming,
) {
    let socket = match tls {
        None => Socket::Plain(Shared(Arc::new(stream))),
        Some(acceptor) => {
            let handshake = socket::accept_tls(&acceptor, stream, incoming.addr, transport);
            // A shutdown does not wait for handshakes in progress.
            let stopped = incoming.stop.clone().wait();
            match tokio::select! { s = handshake => s, () = stopped => None } {
                Some(socket) => socket,
                None => return,
            }
        }
    };
    match transport {
        Transport::Tcp => tcp::serve(socket, incoming).await,
        // Boxed: the handshake and the WebSocket state are larger than a TCP connection's,
        // and every task would otherwise be the size of the larger of the two.
        Transport::WebSocket => Box::pin(ws::serve(socket, incoming)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the accept loop sets, read back from an accepted socket.
    #[tokio::test]
    async fn accepted_sockets_get_keepalive_and_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let step = Duration::from_secs(10);
        for keepalive in [Some(Duration::from_secs(30)), None] {
            let connect = tokio::time::timeout(step, TcpStream::connect(addr));
            let accept = tokio::time::timeout(step, listener.accept());
            let (client, accepted) = tokio::join!(connect, accept);
            let (_client, (server, _)) = (client.unwrap().unwrap(), accepted.unwrap().unwrap());
            let config = Config {
                tcp_keepalive: keepalive,
                ..Config::default()
            };
            socket_options(&server, &config);
            let sock = SockRef::from(&server);
            assert!(sock.tcp_nodelay().unwrap());
            assert_eq!(sock.keepalive().unwrap(), keepalive.is_some());
            if keepalive.is_some() {
                assert_eq!(sock.tcp_keepalive_time().unwrap(), Duration::from_secs(30));
                assert_eq!(
                    sock.tcp_keepalive_interval().unwrap(),
                    Duration::from_secs(5)
                );
                assert_eq!(sock.tcp_keepalive_retries().unwrap(), KEEPALIVE_PROBES);
            }
        }
        // The default is on, at 60 s.
        assert_eq!(
            Config::default().tcp_keepalive,
            Some(Duration::from_secs(60))
        );
    }
}
