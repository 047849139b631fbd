//! Protocol vocabulary: error codes, error objects and small JSON helpers.
//!
//! Jet is JSON-RPC 2.0 without the `jsonrpc` member. Error objects serialise their members
//! in the order `message`, `code`, `data` (PROTOCOL.md A.3), and the `data` vocabulary is
//! node-jet's, because that is what existing peers map to typed errors.

mod error;
mod json;

pub use error::{codes, ErrorObject};
pub use json::{write_json_str, JsonText};
