//! Fetch expressions (PROTOCOL.md A.6): what a peer subscribes to.
//!
//! [`builder`] builds an expression in Rust and turns it into the JSON a daemon expects;
//! that is all a peer needs. The daemon's side (parsing, matching, value-rule filtering
//! and sorted windows) is the hidden `engine` module, which jetd uses.

pub mod builder;

#[doc(hidden)]
pub mod engine;
