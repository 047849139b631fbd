//! Computed states (`#[jet(state)] pub fn name(&self) -> T` in a `#[jet_runtime::methods]`
//! block): read-only states whose value the fn computes, republished (only when the
//! computed JSON changed) after a remote set, an `update`, a `&mut self` method and a
//! `&self` method's `ctx.changed()`; `get_`/`watch_` on the client, no `set_`; nested.
//!
//! Every await is bounded by `jet_tests::STEP`.

use std::sync::atomic::{AtomicU32, Ordering};

use jet_runtime::prelude::*;
use jet_runtime::Context;
use jet_tests::within as t;
use serde_json::json;

use crate::{next_value, peer};

#[derive(Default, Node)]
struct Thermometer {
    celsius: f64,
    #[jet(read_only)]
    readings: AtomicU32,
    #[jet(node)]
    probe: Probe,
}

#[jet_runtime::methods]
impl Thermometer {
    /// The temperature in °F.
    #[jet(state)]
    pub fn fahrenheit(&self) -> f64 {
        self.celsius * 9.0 / 5.0 + 32.0
    }

    /// Whether it freezes (changes far less often than `celsius`).
    #[jet(state, rename = "freezing")]
    pub fn is_freezing(&self) -> bool {
        self.celsius <= 0.0
    }

    /// Readings so far, as text.
    #[jet(state)]
    pub fn summary(&self) -> String {
        format!("{} readings", self.readings.load(Ordering::Relaxed))
    }

    pub fn warm_up(&mut self, by: f64) {
        self.celsius += by;
    }

    pub fn read(&self, ctx: &Context<Self>) -> f64 {
        self.readings.fetch_add(1, Ordering::Relaxed);
        ctx.changed();
        self.celsius
    }
}

#[derive(Default, Node)]
struct Probe {
    depth_mm: u32,
}

#[jet_runtime::methods]
impl Probe {
    #[jet(state)]
    pub fn depth_cm(&self) -> f64 {
        f64::from(self.depth_mm) / 10.0
    }
}

#[tokio::test]
async fn computed_states_follow_every_kind_of_change() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve("t", Thermometer::default())).await.unwrap();
    let other = peer(&d).await;
    let client = ThermometerClient::new(&other, "t");
    assert_eq!(t(client.get_fahrenheit()).await.unwrap(), 32.0);
    assert!(t(client.get_is_freezing()).await.unwrap());
    let mut fahrenheit = t(client.watch_fahrenheit()).await.unwrap();
    let mut freezing = t(client.watch_is_freezing()).await.unwrap();
    assert_eq!(next_value(&mut fahrenheit).await, 32.0);
    assert!(next_value(&mut freezing).await);

    // A remote set: published before the set is answered.
    t(client.set_celsius(100.0)).await.unwrap();
    assert_eq!(t(client.get_fahrenheit()).await.unwrap(), 212.0);
    assert_eq!(next_value(&mut fahrenheit).await, 212.0);
    assert!(!next_value(&mut freezing).await);
    // `update`, then a `&mut self` method.
    t(served.update(|v| v.celsius = 10.0)).await.unwrap();
    assert_eq!(next_value(&mut fahrenheit).await, 50.0);
    t(client.warm_up(5.0)).await.unwrap();
    assert_eq!(next_value(&mut fahrenheit).await, 59.0);
    // `freezing` stayed false through all three: no `change` was sent for it; the next
    // one it sends is the change back to true.
    t(client.set_celsius(-1.0)).await.unwrap();
    assert_eq!(next_value(&mut fahrenheit).await, 30.2);
    assert!(next_value(&mut freezing).await);

    // A `&self` method through interior mutability, published by `ctx.changed()`.
    let mut summary = t(client.watch_summary()).await.unwrap();
    assert_eq!(next_value(&mut summary).await, "0 readings");
    assert_eq!(t(client.read()).await.unwrap(), -1.0);
    assert_eq!(next_value(&mut summary).await, "1 readings");
    d.shutdown().await;
}

#[tokio::test]
async fn a_computed_state_is_fetch_only_and_nested_ones_sit_under_their_node() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let _served = t(service.serve("t", Thermometer::default())).await.unwrap();
    let other = peer(&d).await;
    let refused = t(other.set("t/fahrenheit", json!(1.0))).await;
    assert!(refused.is_err(), "{refused:?}");
    let probe = ThermometerClient::new(&other, "t").probe();
    t(probe.set_depth_mm(125)).await.unwrap();
    assert_eq!(t(probe.get_depth_cm()).await.unwrap(), 12.5);
    d.shutdown().await;
}

#[test]
fn computed_states_come_after_the_fields_with_their_schemas() {
    let states = Thermometer::states();
    let paths: Vec<&str> = states.iter().map(|s| s.path()).collect();
    assert_eq!(
        paths,
        [
            "celsius",
            "readings",
            "probe/depth_mm",
            "probe/depth_cm",
            "fahrenheit",
            "freezing",
            "summary"
        ]
    );
    let fahrenheit = &states[4];
    assert!(fahrenheit.is_computed() && fahrenheit.is_read_only());
    assert!(!states[0].is_computed());
    let schema = fahrenheit.schema();
    assert_eq!(schema["type"], "number");
    assert_eq!(schema["description"], "The temperature in °F.");
    assert_eq!(
        Thermometer::schemas().get("freezing").unwrap()["type"],
        "boolean"
    );
}
