//! Runnable examples live in `examples/examples/`; types they share live here.

pub mod boiler;
pub mod plant;
