//! Fetch expressions (PROTOCOL.md A.6, B.6).

pub mod builder;
pub mod engine;

// The old paths, kept until the users move to `engine`.
pub use engine::*;
pub use engine::{expr, filter, sorter};
