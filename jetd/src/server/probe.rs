//! Whether a peer has already closed its connection, asked of the socket without waiting
//! (the bus's [`ClosedProbe`]): a peer that closes and reconnects at once may send its new
//! `add`s before its old connection's task has read the end of the stream, and those must
//! not be refused with `pathAlreadyExists` (PROTOCOL.md A.7, issue 14).
//!
//! The reader sets a shared flag as soon as it has seen the end (before it waits for the
//! core lock to clean up), which covers an end it has already consumed from the socket.
//! The probe also holds a duplicate of the socket's descriptor and peeks at what is waiting in
//! the kernel: the end of the stream (or a reset) means gone; data means the peer still
//! has messages for the daemon (it is live until they are read), except a WebSocket close
//! frame, which means it is leaving. The descriptor duplicate is dropped with the bus's
//! record of the connection, before the connection's socket is closed.

use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use socket2::SockRef;
use tokio::net::TcpStream;

use crate::bus::ClosedProbe;

use super::conn::Transport;

/// A duplicate of the socket's descriptor for [`closed_probe`] (taken before the stream
/// is handed to a transport). `None` should not happen; then only the flag is asked.
pub fn dup(stream: &TcpStream) -> Option<std::net::TcpStream> {
    SockRef::from(stream).try_clone().ok().map(Into::into)
}

/// A probe asking the reader's flag and the socket (see [`dup`]).
pub fn closed_probe(
    socket: Option<std::net::TcpStream>,
    transport: Transport,
    seen_end: Arc<AtomicBool>,
) -> ClosedProbe {
    Box::new(move || {
        seen_end.load(Ordering::Acquire) || socket.as_ref().is_some_and(|s| is_closed(s, transport))
    })
}

fn is_closed(socket: &std::net::TcpStream, transport: Transport) -> bool {
    let mut first = [0u8; 1];
    // The socket is non-blocking (tokio made it so, and the duplicate shares that).
    match socket.peek(&mut first) {
        Ok(0) => true,
        // A WebSocket frame's first byte holds its opcode; 0x8 is close.
        Ok(_) => transport == Transport::WebSocket && first[0] & 0x0f == 0x8,
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => false,
        Err(_) => true,
    }
}
