//! Hardening: a model-based property test of the daemon, fault injection (stalled readers,
//! dying peers, floods, malformed input, limits under fire) and one regression test per
//! finding of fuzzing and of these tests.

mod faults;
mod model;
mod model_nodes;
mod regressions;
