//! The daemon's methods, by topic: each file adds `impl Core` blocks for one family of
//! requests (the dispatcher in `super::dispatch` picks the method).

mod elements;
mod fetching;
mod nodes;
mod routing;
mod session;
