//! A consumer: fetches the boiler of the `provider` example, sets its setpoint and calls
//! its method.
//!
//! ```sh
//! cargo run -p jet-examples --example consumer -- 127.0.0.1:11122
//! ```

// Its `pub` items are what `examples/tests/examples.rs` drives (it includes this file as
// a module), not an API of this binary.
#![allow(unreachable_pub)]

use std::time::Duration;

use futures_util::StreamExt;
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{EventKind, FetchEvent, Peer, PeerError};
use serde_json::{json, Value};

/// What the consumer saw, for the example's test.
#[derive(Debug)]
pub struct Report {
    /// Paths of the initial `add` events.
    pub initial: Vec<String>,
    /// The setpoint the provider accepted for a request of 72.3.
    pub accepted: Value,
    /// The error for a request of 120.
    pub refused: PeerError,
    /// The error for setting the read-only temperature.
    pub read_only: PeerError,
    /// The result of `heat(10)`.
    pub heated: Value,
    /// The temperature change event the call caused.
    pub temperature_event: Value,
}

pub async fn run(addr: &str) -> anyhow::Result<Report> {
    let peer = Peer::builder()
        .name("boiler-panel")
        .request_timeout(Duration::from_secs(5))
        .connect(addr)
        .await?;

    let mut boiler = peer
        .fetch(&Fetch::all().path_starts_with("example/boiler/"))
        .await?;
    let mut initial = Vec::new();
    while initial.len() < 3 {
        match boiler.next().await {
            Some(FetchEvent::Element(e)) if e.kind == EventKind::Add => {
                println!("found {} = {:?}", e.path, e.value);
                initial.push(e.path);
            }
            Some(other) => println!("{other:?}"),
            None => anyhow::bail!("the fetch ended early"),
        }
    }

    let accepted = peer
        .set("example/boiler/setpoint", json!(72.3))
        .value_as_result()
        .await?;
    println!("setpoint accepted as {accepted}");
    let refused = peer
        .set("example/boiler/setpoint", json!(120))
        .await
        .expect_err("120 °C is out of range");
    println!("setpoint 120 refused: {refused}");
    let read_only = peer
        .set("example/boiler/temperature", json!(50))
        .await
        .expect_err("the temperature is read-only");
    println!("temperature is read-only: {read_only}");

    let heated = peer.call("example/boiler/heat", json!([10])).await?;
    println!("heated to {heated}");
    let temperature_event = loop {
        match boiler.next().await {
            Some(FetchEvent::Element(e))
                if e.path == "example/boiler/temperature" && e.kind == EventKind::Change =>
            {
                break e.value.unwrap_or(Value::Null)
            }
            Some(_) => continue,
            None => anyhow::bail!("the fetch ended early"),
        }
    };
    println!("temperature is now {temperature_event}");
    peer.close().await;
    Ok(Report {
        initial,
        accepted,
        refused,
        read_only,
        heated,
        temperature_event,
    })
}

#[allow(dead_code)] // unused when the example is included by the examples test
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:11122".into());
    run(&addr).await?;
    Ok(())
}
