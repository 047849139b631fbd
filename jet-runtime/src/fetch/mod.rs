//! Fetch expressions (PROTOCOL.md A.6, B.6): what a peer subscribes to.
//!
//! * [`builder`]: build an expression in Rust and turn it into the JSON a daemon expects.
//! * [`expr`]: parse and validate an expression received on the wire, and match paths
//!   and values against it (safe `valueField` accessors, never evaluated as code).
//! * [`sorter`]: the differential sorted-window algorithm of Part B §6.8.
//! * [`filter`]: the per-fetcher add/change/remove conversion for value rules (B §6.5).

mod accessor;
pub mod builder;
pub mod expr;
pub mod filter;
mod path;
pub mod sorter;
mod value;

pub use accessor::{Accessor, Step};
pub use expr::{FetchExpr, InvalidFetch, PathHint};
pub use filter::{Event, EventFilter};
pub use sorter::{SortKey, SortSpec, SortedChange, SortedUpdate, Sorter};
pub use value::ValueType;
