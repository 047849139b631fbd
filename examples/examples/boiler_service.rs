//! Serve the example boiler (`jet_examples::boiler`) on a Jet bus.
//!
//! ```text
//! jetd --tcp 127.0.0.1:11122 --ws off &
//! cargo run -p jet-examples --example boiler_service -- 127.0.0.1:11122
//! cargo run -p jet-examples --example boiler_client -- 127.0.0.1:11122
//! ```
//!
//! States appear at `plant/line1/boiler/{temperature,setpoint,mode,limits}` and
//! `plant/line1/boiler/burner/{power,flame,operatingHours}`, methods at
//! `plant/line1/boiler/{heat,status,resetHours}`, each with its JSON Schema. Every second
//! the water cools down a little (one `change` for the temperature); Ctrl-C stops.

// Its `pub` items are what `examples/tests/examples.rs` drives (it includes this file as
// a module), not an API of this binary.
#![allow(unreachable_pub)]

use std::time::Duration;

use jet_examples::boiler::Boiler;
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

/// Serve the boiler at `addr` until `stop` completes (Ctrl-C in `main`, the end of the
/// test in `tests/examples.rs`).
pub async fn serve(addr: &str, stop: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
    let peer = Peer::connect(addr).await?;
    let boiler = peer.serve("plant/line1/boiler", Boiler::default()).await?;
    println!("serving {} on {addr}", boiler.path());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                // The room is at 15 °C: the water loses 1 % of the difference per second.
                boiler
                    .update(|b| b.temperature = (b.temperature - (b.temperature - 15.0) * 0.01).max(15.0))
                    .await?;
            }
            _ = &mut stop => break,
        }
    }
    // Dropping the handle removes the elements; closing waits for the connection to end.
    drop(boiler);
    peer.close().await;
    Ok(())
}
