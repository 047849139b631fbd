//! Drive the example plant served by `plant_service` through its generated typed clients:
//! nested node accessors (`plant.line1().boiler().burner()`), typed sets and gets, methods
//! at every level, refusals from validators and methods, a watched state, a computed
//! state and an event stream.
//!
//! ```text
//! cargo run -p jet-examples --example plant_client -- 127.0.0.1:11122
//! ```

// Its `pub` items are what `examples/tests/examples.rs` drives (it includes this file as
// a module), not an API of this binary.
#![allow(unreachable_pub)]

use std::time::Duration;

use futures_util::StreamExt;
use jet_examples::boiler::Mode;
use jet_examples::plant::{PlantClient, StartError};
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

/// Drive the plant at `addr`; returns what `main` prints, one line each.
pub async fn run(addr: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let peer = Peer::connect(addr).await?;
    let plant = PlantClient::new(&peer, "plant");
    out.push(format!("plant: {}", plant.get_name().await?));

    let line1 = plant.line1();
    // A line needs a heating boiler: the method's own error enum says so.
    match line1.start().await {
        Err(e @ ClientError::Service(StartError::BoilerOff)) => {
            out.push(format!("line1 start refused: {e}"))
        }
        other => anyhow::bail!("expected the BoilerOff error, got {other:?}"),
    }
    line1.boiler().set_mode(Mode::Eco).await?;
    line1.boiler().burner().set_power(60).await?;
    // A method of the fourth level, on the burner.
    out.push(format!(
        "line1 burner ready: {}",
        line1.boiler().burner().ready().await?
    ));
    line1.start().await?;
    out.push("line1 started".into());
    // The validator keeps the conveyor within its range.
    if let Err(e) = line1.set_speed(5.0).await {
        out.push(format!("speed 5 refused: {e}"));
    }
    line1.set_speed(1.5).await?;

    let mut produced = line1.watch_produced().await?;
    let first = next(&mut produced).await?;
    let later = loop {
        let n = next(&mut produced).await?;
        if n > first {
            break n;
        }
    };
    out.push(format!("line1 produced {first} then {later} parts"));
    let reached = line1.boiler().heat(10, None).await?;
    out.push(format!("line1 boiler heated to {reached:.1} °C"));
    out.push(format!("summary: {:?}", plant.summary().await?));
    out.push(format!(
        "running lines: {}",
        plant.get_running_lines().await?
    ));
    // Events emitted from now on: the emergency stop raises one.
    let mut alarms = plant.alarms().await?;
    out.push(format!(
        "emergency stop: {} line(s) stopped",
        plant.emergency_stop().await?
    ));
    match tokio::time::timeout(Duration::from_secs(5), alarms.next()).await {
        Ok(Some(alarm)) => out.push(format!("alarm: {:?}", alarm?)),
        Ok(None) => anyhow::bail!("the plant went away"),
        Err(_) => anyhow::bail!("no alarm within 5 s"),
    }
    out.push(format!(
        "line1 running: {}, boiler mode: {:?}",
        line1.get_running().await?,
        line1.boiler().get_mode().await?
    ));
    peer.close().await;
    Ok(out)
}

/// The next value of a watched count, or an error if none arrives within a few seconds.
/// The watch reports the plant's absence and goes on, so this waits through a restart.
async fn next(watch: &mut Watch<u64>) -> anyhow::Result<u64> {
    let value = async {
        while let Some(item) = watch.next().await {
            if let Watched::Value(n) = item? {
                return Ok(n);
            }
        }
        anyhow::bail!("the connection to the daemon closed")
    };
    match tokio::time::timeout(Duration::from_secs(5), value).await {
        Ok(result) => result,
        Err(_) => anyhow::bail!("no value within 5 s: is plant_service running?"),
    }
}
