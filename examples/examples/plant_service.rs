//! Serve the example plant (`jet_examples::plant`): two lines, each with a conveyor and a
//! boiler with its burner, every level with its states and methods.
//!
//! ```text
//! jetd --tcp 127.0.0.1:11122 &
//! cargo run -p jet-examples --example plant_service -- 127.0.0.1:11122
//! cargo run -p jet-examples --example plant_client -- 127.0.0.1:11122
//! jet --daemon 127.0.0.1:11122 tree plant
//! ```
//!
//! Every 200 ms each running line makes parts (one `change` of its `produced`); Ctrl-C
//! stops.

// Its `pub` items are what `examples/tests/examples.rs` drives (it includes this file as
// a module), not an API of this binary.
#![allow(unreachable_pub)]

use std::time::Duration;

use jet_examples::plant::Plant;
use jet_runtime::prelude::*;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:11122".into());
    serve(&addr, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serve the plant at `addr` until `stop` completes.
pub async fn serve(addr: &str, stop: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
    let peer = Peer::connect(addr).await?;
    let plant = peer.serve("plant", Plant::new("Example Works")).await?;
    println!(
        "serving {} on {addr}: {} states, {} methods",
        plant.path(),
        plant.state_paths().count(),
        plant.method_paths().count()
    );
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                plant
                    .update(|p| {
                        p.line1.produce();
                        p.line2.produce();
                    })
                    .await?;
            }
            _ = &mut stop => break,
        }
    }
    drop(plant);
    peer.close().await;
    Ok(())
}
