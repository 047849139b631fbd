//! The typed layer (`#[derive(Node)]`, `#[jet_runtime::methods]`): the example boiler as a
//! service and through its generated client, the macros' features, and the JSON Schemas.

// `#[jet_runtime::methods]` serves exactly the `pub fn`s of a block, so in these test
// services `pub` means "a method on the bus", not "reachable from outside the crate".
#![allow(unreachable_pub)]

mod boiler;
mod context;
mod errors;
mod events;
mod features;
mod getters;
mod lifecycle;
mod nodes;
mod regressions;
mod results;
mod schemas;

/// A peer connected to `d`'s TCP listener, the connect bounded by `jet_tests::STEP`.
async fn peer(d: &jetd::Daemon) -> jet_runtime::peer::Peer {
    jet_tests::within(jet_runtime::peer::Peer::connect(
        &d.tcp_addr().unwrap().to_string(),
    ))
    .await
    .expect("connect")
}

/// The next item of a typed watch, which must be a value (bounded by `jet_tests::STEP`).
async fn next_value<F: serde::de::DeserializeOwned + std::fmt::Debug>(
    watch: &mut jet_runtime::typed::Watch<F>,
) -> F {
    use futures_util::StreamExt;
    match jet_tests::within(watch.next()).await {
        Some(Ok(jet_runtime::typed::Watched::Value(v))) => v,
        other => panic!("expected a value from `{}`, got {other:?}", watch.path()),
    }
}
