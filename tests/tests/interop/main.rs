//! Interop with node-jet 2.1.2 (pinned in `tests/interop`): node-jet peers against jetd and
//! against node-jet's own daemon, the Rust peer on a node-jet bus, and a node-jet peer
//! driving a typed service.

mod nodejet;
mod rust_peer;
mod typed;
