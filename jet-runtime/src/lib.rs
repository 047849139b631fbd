//! Jet for Rust: the library every Jet program shares, the async peer and typed services.
//!
//! Jet is a small protocol on top of JSON-RPC: peers put **states** (values) and
//! **methods** at hierarchical paths, other peers set states, call methods and fetch
//! (subscribe to) whatever matches a path and value rule, and a daemon (`jetd`, or any
//! other Jet daemon: node-jet, cjet) routes it all. The protocol as this crate speaks it is
//! described in the project's `docs/PROTOCOL.md`.
//!
//! # Quick start: the peer
//!
//! A provider owns a state whose setter clamps values, a consumer sets it and watches it.
//! The example starts a daemon in the same process so that it runs as it is; a real
//! program connects to a `jetd` running beside it (`Peer::connect("127.0.0.1:11122")`).
//!
//! ```
//! use futures_util::StreamExt;
//! use jet_runtime::fetch::builder::Fetch;
//! use jet_runtime::peer::{FetchEvent, Peer, SetReply};
//! use serde_json::json;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # tokio::time::timeout(std::time::Duration::from_secs(20), async {
//! let daemon = jetd::Daemon::start(jetd::Config::loopback_ephemeral()).await?;
//! let addr = daemon.tcp_addr().unwrap().to_string();
//!
//! let provider = Peer::connect(&addr).await?;
//! let setpoint = provider
//!     .add_state("plant/boiler/setpoint", json!(60))
//!     .on_set(|v| {
//!         let c = v.as_f64().unwrap_or(0.0);
//!         Ok(SetReply::adjusted(json!(c.min(90.0))))
//!     })
//!     .await?;
//!
//! let consumer = Peer::connect(&addr).await?;
//! let mut plant = consumer.fetch(&Fetch::all().path_starts_with("plant/")).await?;
//! let Some(FetchEvent::Element(added)) = plant.next().await else { panic!() };
//! assert_eq!(added.value, Some(json!(60)));
//!
//! consumer.set("plant/boiler/setpoint", json!(95)).await?; // the owner clamps it
//! let Some(FetchEvent::Element(changed)) = plant.next().await else { panic!() };
//! assert_eq!(changed.value, Some(json!(90.0)));
//! assert_eq!(setpoint.value(), json!(90.0));
//! # daemon.shutdown().await;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! # }).await?
//! # }
//! ```
//!
//! # Quick start: typed services
//!
//! `#[derive(Node)]` turns a struct's fields into states, `#[methods]` an impl block's
//! `pub fn`s into methods, and both generate a typed client (see [`Node`](macro@Node)):
//!
//! ```
//! use jet_runtime::prelude::*;
//!
//! /// A pump.
//! #[derive(Default, Node)]
//! pub struct Pump {
//!     /// Speed in rpm.
//!     speed: u32,
//!     /// Running hours, measured.
//!     #[jet(read_only)]
//!     hours: f64,
//! }
//!
//! #[jet_runtime::methods]
//! impl Pump {
//!     /// Stop the pump; returns the speed it had.
//!     pub fn stop(&mut self) -> u32 {
//!         std::mem::take(&mut self.speed)
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # tokio::time::timeout(std::time::Duration::from_secs(20), async {
//! # let daemon = jetd::Daemon::start(jetd::Config::loopback_ephemeral()).await?;
//! # let addr = daemon.tcp_addr().unwrap().to_string();
//! let service = Peer::connect(&addr).await?;
//! let pump = service.serve("plant/pump", Pump::default()).await?;
//!
//! let peer = Peer::connect(&addr).await?;
//! let client = PumpClient::new(&peer, "plant/pump");
//! client.set_speed(1450).await?;
//! assert_eq!(client.get_speed().await?, 1450);
//! assert_eq!(client.stop().await?, 1450);
//! pump.update(|p| p.hours = 0.5).await?; // one `change`, for `hours` only
//! assert_eq!(client.get_hours().await?, 0.5);
//! # daemon.shutdown().await;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! # }).await?
//! # }
//! ```
//!
//! # Modules and features
//!
//! * [`peer`] (feature `peer`, default): the async peer (tokio), TCP and WebSocket.
//! * [`typed`] and [`prelude`] (feature `typed`, default): typed services and clients with
//!   JSON Schemas ([`Node`](macro@Node), [`methods`]).
//! * [`fetch`]: fetch expressions ([`fetch::builder::Fetch`]).
//! * [`protocol`]: Jet error objects and codes; [`codec`]: the TCP framing (4-byte
//!   big-endian length + JSON).
//!
//! A daemon depends on this crate with `default-features = false` and gets the protocol
//! types, the framing and the fetch engine without the peer or the proc-macros.

// On top of the workspace lints (`unreachable_pub` among them; Cargo cannot extend
// `[lints] workspace = true` per crate): everything users can reach is documented.
#![warn(missing_docs)]

pub mod codec;
pub mod fetch;
#[cfg(feature = "peer")]
pub mod peer;
pub mod protocol;
#[cfg(feature = "typed")]
pub mod typed;

#[cfg(feature = "typed")]
pub mod prelude;

#[cfg(feature = "typed")]
#[doc(hidden)]
pub mod __private;

#[cfg(feature = "typed")]
pub use jet_derive::{methods, JetError, Node};
#[cfg(feature = "typed")]
pub use typed::{Context, Event, Events, JetError, Node};
