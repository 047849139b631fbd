//! Drive the example boiler served by `boiler_service` through its generated typed client.
//!
//! ```text
//! cargo run -p jet-examples --example boiler_client -- 127.0.0.1:11122
//! ```

// Its `pub` items are what `examples/tests/examples.rs` drives (it includes this file as
// a module), not an API of this binary.
#![allow(unreachable_pub)]

use std::time::Duration;

use futures_util::StreamExt;
use jet_examples::boiler::{BoilerClient, HeatError, Mode};
use jet_runtime::prelude::*;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:11122".into());
    for line in run(&addr).await? {
        println!("{line}");
    }
    Ok(())
}

/// Drive the boiler at `addr`; returns what `main` prints, one line each.
pub async fn run(addr: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let peer = Peer::connect(addr).await?;
    let boiler = BoilerClient::new(&peer, "plant/line1/boiler");

    let mut temperatures = boiler.watch_temperature().await?;
    out.push(format!(
        "temperature now: {:.1} °C",
        next(&mut temperatures).await?
    ));

    boiler.set_mode(Mode::Comfort).await?;
    boiler.set_setpoint(70.0).await?;
    // The service's validator refuses what is outside the limits.
    if let Err(e) = boiler.set_setpoint(120.0).await {
        out.push(format!("setpoint 120 refused: {e}"));
    }
    // A method's own errors come back as its error enum (`#[derive(JetError)]`).
    match boiler.heat(500, None).await {
        Err(ClientError::Service(HeatError::TooLong { max })) => {
            out.push(format!("500 minutes refused: at most {max}"))
        }
        other => anyhow::bail!("expected the TooLong error, got {other:?}"),
    }
    let reached = boiler.heat(30, Some(90)).await?;
    out.push(format!("heated for 30 minutes at 90 %: {reached:.1} °C"));
    out.push(format!(
        "after heating: {:.1} °C",
        next(&mut temperatures).await?
    ));
    out.push(format!("status: {:?}", boiler.status().await?));
    out.push(format!(
        "burner: power {} %, {:.2} h",
        boiler.burner().get_power().await?,
        boiler.burner().get_operating_hours().await?
    ));
    out.push(format!(
        "reset hours (were {:.2})",
        boiler.reset_hours().await?
    ));
    peer.close().await;
    Ok(out)
}

/// The next temperature, or an error if none arrives within a few seconds. The watch
/// reports the boiler's absence and goes on, so this also waits through a restart.
async fn next(temps: &mut Watch<f64>) -> anyhow::Result<f64> {
    let value = async {
        while let Some(item) = temps.next().await {
            if let Watched::Value(t) = item? {
                return Ok(t);
            }
        }
        anyhow::bail!("the connection to the daemon closed")
    };
    match tokio::time::timeout(Duration::from_secs(5), value).await {
        Ok(result) => result,
        Err(_) => anyhow::bail!("no temperature within 5 s: is boiler_service running?"),
    }
}
