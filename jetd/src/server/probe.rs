//! Whether a peer has already closed its connection, asked of the socket without waiting
//! (the bus's [`ClosedProbe`]): a peer that closes and reconnects at once may send its new
//! `add`s before its old connection's task has read the end of the stream, and those must
//! not be refused with `pathAlreadyExists` (PROTOCOL.md A.7, issue 14).
//!
//! The reader sets a shared flag as soon as it has seen the end (before it waits for the
//! core lock to clean up), which covers an end it has already consumed from the socket.
//! The probe also shares the socket (`shared::Shared`) and peeks at what is waiting in the
//! kernel: the end of the stream (or a reset) means gone; data means the peer still has
//! messages for the daemon (it is live until they are read; a WebSocket close frame not
//! yet read counts as data, since reading a peeked byte would need `unsafe`). Over TLS it
//! peeks below the session: the end of the TCP stream is seen the same way, and a TLS
//! `close_notify` not yet read is data like a WebSocket close frame (with TLS 1.3 it cannot
//! be told from data without decrypting). The probe's share is dropped with the bus's
//! record of the connection, before the task's own.

use std::io::ErrorKind;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use socket2::SockRef;
use tokio::net::TcpStream;

use crate::bus::ClosedProbe;

/// A probe asking the reader's flag and the socket.
pub(super) fn closed_probe(socket: Arc<TcpStream>, seen_end: Arc<AtomicBool>) -> ClosedProbe {
    Box::new(move || seen_end.load(Ordering::Acquire) || is_closed(&socket))
}

fn is_closed(socket: &TcpStream) -> bool {
    let mut first = [MaybeUninit::<u8>::uninit(); 1];
    // The socket is non-blocking (tokio made it so), so this never waits.
    match SockRef::from(socket).peek(&mut first) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => false,
        Err(_) => true,
    }
}
