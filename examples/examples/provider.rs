//! A provider: a boiler with a writable state, a read-only state and a method.
//!
//! ```sh
//! cargo run -p jetd &                                   # a daemon on 127.0.0.1:11122
//! cargo run -p jet-examples --example provider -- 127.0.0.1:11122
//! ```
//!
//! * `example/boiler/setpoint` (writable): accepts numbers from 20 to 90, rounded to 0.5 °C;
//!   anything else is refused with an error the requester sees.
//! * `example/boiler/temperature` (read-only: no set handler, so it is added fetch-only).
//! * `example/boiler/heat` (method): `[minutes]` or `{"minutes": n}`; raises the
//!   temperature towards the setpoint and returns the new temperature.

// Its `pub` items are what `examples/tests/examples.rs` drives (it includes this file as
// a module), not an API of this binary.
#![allow(unreachable_pub)]

use jet_runtime::peer::{invalid_argument, Method, Peer, SetReply, State};
use serde_json::{json, Value};

/// The running provider; dropping it removes its elements.
pub struct Provider {
    pub peer: Peer,
    pub setpoint: State,
    pub temperature: State,
    pub heat: Method,
}

pub async fn start(addr: &str) -> anyhow::Result<Provider> {
    let peer = Peer::builder().name("boiler").connect(addr).await?;

    let setpoint = peer
        .add_state("example/boiler/setpoint", json!(60.0))
        .on_set(|requested| {
            let Some(c) = requested.as_f64() else {
                return Err(invalid_argument("the setpoint is a number in °C"));
            };
            if !(20.0..=90.0).contains(&c) {
                return Err(invalid_argument(
                    "the setpoint must be between 20 and 90 °C",
                ));
            }
            Ok(SetReply::adjusted(json!((c * 2.0).round() / 2.0)))
        })
        .await?;

    let temperature = peer
        .add_state("example/boiler/temperature", json!(21.0))
        .await?;

    let heat = peer
        .add_method_async("example/boiler/heat", {
            let peer = peer.clone();
            move |args: Value| {
                let peer = peer.clone();
                async move {
                    let minutes = match &args {
                        Value::Array(a) => a.first().and_then(Value::as_f64),
                        Value::Object(o) => o.get("minutes").and_then(Value::as_f64),
                        _ => None,
                    }
                    .ok_or_else(|| invalid_argument("call with [minutes] or {\"minutes\": n}"))?;
                    let now = current(&peer, "example/boiler/temperature").await;
                    let target = current(&peer, "example/boiler/setpoint").await;
                    let new = (now + minutes).min(target.max(now));
                    peer.change("example/boiler/temperature", json!(new))
                        .await
                        .map_err(|e| jet_runtime::peer::internal_error(e.to_string()))?;
                    Ok(json!(new))
                }
            }
        })
        .await?;

    Ok(Provider {
        peer,
        setpoint,
        temperature,
        heat,
    })
}

/// A state's value as the daemon sees it.
async fn current(peer: &Peer, path: &str) -> f64 {
    let expr = jet_runtime::fetch::builder::Fetch::all().path_equals(path);
    peer.get(&expr)
        .await
        .ok()
        .and_then(|found| found.into_iter().next())
        .and_then(|e| e.value)
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

#[allow(dead_code)] // unused when the example is included by the examples test
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:11122".into());
    let provider = start(&addr).await?;
    println!(
        "serving {}, {} and {} on {addr}; Ctrl-C to stop",
        provider.setpoint.path(),
        provider.temperature.path(),
        provider.heat.path()
    );
    tokio::signal::ctrl_c().await?;
    provider.peer.close().await;
    Ok(())
}
