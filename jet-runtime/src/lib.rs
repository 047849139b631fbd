//! Jet for Rust: the parts every Jet program shares.
//!
//! * [`protocol`]: JSON-RPC envelopes, Jet error objects and codes (PROTOCOL.md Part A.2/A.3).
//! * [`codec`]: the TCP "trivial protocol" framing (4-byte big-endian length + JSON).
//! * [`fetch`]: fetch expressions: builder, parser, path and value matchers, the sorter.
//! * [`peer`]: the async Jet peer (tokio).
//! * [`typed`]: typed services and clients from plain structs and impl blocks
//!   ([`Node`](macro@Node), [`methods`]), with JSON Schemas; start with [`prelude`].
//!
//! The daemon (`jetd`) and every peer use the same types, so what one sends the other
//! understands by construction.

// On top of the workspace lints (Cargo cannot extend `[lints] workspace = true` per crate):
// `pub` means reachable by users, and everything users can reach is documented.
#![warn(unreachable_pub, missing_docs)]

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
pub use jet_derive::{methods, Node};
#[cfg(feature = "typed")]
pub use typed::Node;
