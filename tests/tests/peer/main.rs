//! The Rust peer (`jet_runtime::peer`) end to end: against jetd in-process, against a
//! scripted fake daemon that behaves like the other daemons, across reconnects, and over
//! TLS.

mod e2e;
mod local_rules;
mod outage;
mod quirks;
mod reconnect;
mod tls;
