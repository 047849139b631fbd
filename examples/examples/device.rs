//! One binary that is the whole device: the Jet daemon and the device's typed services in
//! one process, as a device image would ship them. Other peers (the `jet` CLI, a browser
//! over WebSocket, node-jet, the `boiler_client` example) connect to it as to any jetd.
//!
//! ```text
//! cargo run -p jet-examples --example device                 # 127.0.0.1:11122, ws :11123
//! cargo run -p jet-examples --example device -- 0.0.0.0:11122 0.0.0.0:11123
//! jet --daemon 127.0.0.1:11122 tree
//! cargo run -p jet-examples --example boiler_client -- 127.0.0.1:11122
//! ```
//!
//! The daemon is the `jetd` library (`jetd::Daemon::start` with a `jetd::Config`); the
//! services are ordinary peers that connect to it over loopback, so they behave exactly as
//! they would against a separate jetd (and can move to one by changing an address).
//! Ctrl-C removes the services and shuts the daemon down.

// Its `pub` items are what `examples/tests/examples.rs` drives (it includes this file as
// a module), not an API of this binary.
#![allow(unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use jet_examples::boiler::Boiler;
use jet_runtime::prelude::*;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let tcp: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:11122".into())
        .parse()
        .context("the first argument is the TCP listener, HOST:PORT")?;
    let ws: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:11123".into())
        .parse()
        .context("the second argument is the WebSocket listener, HOST:PORT")?;
    let config = jetd::Config {
        tcp: Some(tcp),
        ws: Some(ws),
        ..jetd::Config::default()
    };
    let device = Device::start(config).await?;
    println!("{}", device.daemon.listening_line());
    println!("serving {}", device.boiler.path());
    device
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// The daemon and the services it carries.
pub struct Device {
    /// The in-process daemon; its listeners are what other peers connect to.
    pub daemon: jetd::Daemon,
    peer: Peer,
    /// The boiler, served at `plant/line1/boiler` by a peer inside this process.
    pub boiler: Served<Boiler>,
}

impl Device {
    /// Start the daemon with `config` (it must have a TCP listener: the services use it),
    /// then serve the boiler on it.
    pub async fn start(config: jetd::Config) -> anyhow::Result<Device> {
        let daemon = jetd::Daemon::start(config)
            .await
            .context("the daemon did not start")?;
        let addr = daemon
            .tcp_addr()
            .context("the device's services need the daemon's TCP listener")?;
        // The services reach the daemon over loopback even when it listens on 0.0.0.0.
        let local = SocketAddr::from(([127, 0, 0, 1], addr.port()));
        let peer = Peer::builder()
            .name("device-services")
            .connect(&local.to_string())
            .await?;
        let boiler = peer.serve("plant/line1/boiler", Boiler::default()).await?;
        Ok(Device {
            daemon,
            peer,
            boiler,
        })
    }

    /// Run the device's own work (the water cools down a little every second) until
    /// `stop` completes, then remove the services and shut the daemon down.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    self.boiler
                        .update(|b| b.temperature = (b.temperature - (b.temperature - 15.0) * 0.01).max(15.0))
                        .await?;
                }
                _ = &mut stop => break,
            }
        }
        drop(self.boiler);
        self.peer.close().await;
        self.daemon.shutdown().await;
        Ok(())
    }
}
