//! Conformance: jetd against PROTOCOL.md Part A, row by row, with raw JSON over real
//! sockets (TCP framing and WebSocket) to an in-process daemon; plus jetd's own extensions.
//! `tests/README.md` maps each module to its section.

mod access;
mod dialect;
mod elements;
mod extensions;
mod fetch;
mod ids_and_errors;
mod lifecycle;
mod limits;
mod nesting;
mod nodes;
mod routing;
mod sorted;
mod transport;
mod websocket;
