//! WebSocket framing after the upgrade (RFC 6455 §5), done in jetd's own buffers.
//!
//! tungstenite's stream keeps a 128 KiB read buffer and a write buffer per connection and
//! turns every outgoing message into its own `String` (an idle WebSocket fetcher cost
//! ≈ 135 KB, a notification over WebSocket 2–4× what it cost over TCP; issue 17). So jetd
//! uses tungstenite for the upgrade handshake only, then frames messages itself:
//!
//! * incoming frames are parsed (with tungstenite's [`FrameHeader::parse`]) and unmasked in
//!   place in the connection's read buffer, which is released while the connection is idle,
//!   as on TCP; only fragmented messages are joined in a buffer of their own;
//! * outgoing messages are what the outbox queued for TCP (length-prefixed JSON): each
//!   prefix is rewritten in place into a WebSocket header ([`to_ws_frames`]), so a batch
//!   of notifications leaves in one `write`, without a copy per message.
//!
//! No extension is negotiated (the handshake offers none), so the reserved bits must be 0.

use std::io::Cursor;

use tokio_tungstenite::tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;

use crate::outbox::frames;

/// Close status codes jetd sends (RFC 6455 §7.4.1).
pub(crate) mod status {
    /// The client asked to close (the reply when its close frame carried no code).
    pub(crate) const NORMAL: u16 = 1000;
    pub(crate) const PROTOCOL_ERROR: u16 = 1002;
    /// A text message that is not UTF-8.
    pub(crate) const INVALID_DATA: u16 = 1007;
    /// A message over `--max-message-size`.
    pub(crate) const TOO_BIG: u16 = 1009;
}

/// Largest payload of a control frame (RFC 6455 §5.5).
const MAX_CONTROL: u64 = 125;

/// What the frame at the start of the read buffer amounted to.
#[derive(Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// More bytes are needed: the frame (header and payload) is this long in all.
    Need(usize),
    /// The frame of this many bytes completed a message: its payload (text or binary, both
    /// taken as JSON text). Consume the frame after handling the message.
    Message(usize, &'a [u8]),
    /// A frame of this many bytes needs no action (a pong, a stored fragment).
    Skip(usize),
    /// A ping of this many bytes with its payload, to be answered with a pong.
    Ping(usize, &'a [u8]),
    /// The client closes, with its status code if it gave one.
    Close(Option<u16>),
}

/// The connection must be closed with this status; the text says why (for the log).
#[derive(Debug, PartialEq, Eq)]
pub struct Fail {
    pub status: u16,
    pub why: String,
    /// For `status::TOO_BIG` (1009): the message's size (as far as known) and the maximum.
    pub size: Option<(usize, usize)>,
}

impl Fail {
    fn protocol(why: impl Into<String>) -> Fail {
        Fail {
            status: status::PROTOCOL_ERROR,
            why: why.into(),
            size: None,
        }
    }
}

/// The receiving side of one connection: what is needed between frames (a fragmented
/// message being joined).
#[derive(Debug)]
pub struct Incoming {
    max_message: usize,
    /// The fragments received so far of a message not yet complete, and whether it is text.
    partial: Option<(Vec<u8>, bool)>,
}

impl Incoming {
    pub fn new(max_message: usize) -> Self {
        Incoming {
            max_message,
            partial: None,
        }
    }

    /// Parse the frame at the start of `buf`, unmasking its payload in place.
    pub fn next<'a>(&'a mut self, buf: &'a mut [u8]) -> Result<Step<'a>, Fail> {
        let mut cursor = Cursor::new(&*buf);
        let (header, len) = match FrameHeader::parse(&mut cursor) {
            Ok(Some(parsed)) => parsed,
            // At most 14 bytes of header.
            Ok(None) => return Ok(Step::Need(buf.len() + 1)),
            Err(e) => return Err(Fail::protocol(e.to_string())),
        };
        let start = cursor.position() as usize;
        if header.rsv1 || header.rsv2 || header.rsv3 {
            return Err(Fail::protocol(
                "reserved bits set (no extension was negotiated)",
            ));
        }
        let Some(mask) = header.mask else {
            return Err(Fail::protocol("an unmasked frame from a client"));
        };
        let control = matches!(header.opcode, OpCode::Control(_));
        if control && (len > MAX_CONTROL || !header.is_final) {
            return Err(Fail::protocol("a fragmented or oversized control frame"));
        }
        // A fragment counts with those before it (control frames interleave, and do not).
        let joined = match (&self.partial, control) {
            (Some((joined, _)), false) => joined.len(),
            _ => 0,
        };
        let fits = usize::try_from(len)
            .ok()
            .and_then(|len| len.checked_add(joined))
            .is_some_and(|total| total <= self.max_message);
        if !fits {
            let size = usize::try_from(len).map_or(usize::MAX, |len| len.saturating_add(joined));
            return Err(Fail {
                status: status::TOO_BIG,
                why: format!(
                    "a message of {size} bytes or more exceeds --max-message-size {}",
                    self.max_message
                ),
                size: Some((size, self.max_message)),
            });
        }
        // `len` fits in usize (checked above).
        let end = start + len as usize;
        if buf.len() < end {
            return Ok(Step::Need(end));
        }
        let payload = &mut buf[start..end];
        unmask(payload, mask);
        let payload = &*payload;
        match header.opcode {
            OpCode::Control(Control::Ping) => Ok(Step::Ping(end, payload)),
            OpCode::Control(Control::Pong) => Ok(Step::Skip(end)),
            OpCode::Control(Control::Close) => match payload {
                [] => Ok(Step::Close(None)),
                [hi, lo, ..] => Ok(Step::Close(Some(u16::from_be_bytes([*hi, *lo])))),
                [_] => Err(Fail::protocol("a close frame with a 1-byte payload")),
            },
            OpCode::Data(data) => self.data(data, header.is_final, end, payload),
            // FrameHeader::parse refuses reserved opcodes.
            OpCode::Control(Control::Reserved(_)) => Err(Fail::protocol("reserved opcode")),
        }
    }

    /// A text, binary or continuation frame.
    fn data<'a>(
        &'a mut self,
        data: Data,
        fin: bool,
        end: usize,
        payload: &'a [u8],
    ) -> Result<Step<'a>, Fail> {
        let text = match (data, &mut self.partial) {
            (Data::Text | Data::Binary, Some(_)) => {
                return Err(Fail::protocol("a new message inside a fragmented one"))
            }
            (Data::Continue, None) => {
                return Err(Fail::protocol("a continuation frame outside a message"))
            }
            (Data::Continue, Some((joined, text))) => {
                joined.extend_from_slice(payload);
                if !fin {
                    return Ok(Step::Skip(end));
                }
                let text = *text;
                let Some((joined, _)) = self.partial.as_ref() else {
                    unreachable!("matched above")
                };
                return check_text(text, joined).map(|()| Step::Message(end, joined));
            }
            (Data::Text, None) => true,
            (Data::Binary, None) => false,
            (Data::Reserved(_), _) => return Err(Fail::protocol("reserved opcode")),
        };
        if !fin {
            self.partial = Some((payload.to_vec(), text));
            return Ok(Step::Skip(end));
        }
        check_text(text, payload).map(|()| Step::Message(end, payload))
    }

    /// After a [`Step::Message`] was handled: drop the joined fragments, if any (a message
    /// that came in one frame needs nothing).
    pub fn message_done(&mut self) {
        self.partial = None;
    }
}

fn check_text(text: bool, payload: &[u8]) -> Result<(), Fail> {
    if text && std::str::from_utf8(payload).is_err() {
        return Err(Fail {
            status: status::INVALID_DATA,
            why: "a text message that is not UTF-8".into(),
            size: None,
        });
    }
    Ok(())
}

/// XOR `payload` with the frame's masking key (RFC 6455 §5.3), eight bytes at a time.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    // The tail starts at a multiple of 8, so of 4: the key starts again at its first byte.
    for (byte, key) in chunks.into_remainder().iter_mut().zip(mask.iter().cycle()) {
        *byte ^= key;
    }
}

/// First byte of a final, unfragmented frame with this opcode.
const FIN: u8 = 0x80;
const TEXT: u8 = 0x1;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// The header of a server frame (unmasked) of `len` payload bytes, in `out`; its length.
fn header(opcode: u8, len: usize, out: &mut [u8; 10]) -> usize {
    out[0] = FIN | opcode;
    if len < 126 {
        out[1] = len as u8;
        2
    } else if let Ok(len) = u16::try_from(len) {
        out[1] = 126;
        out[2..4].copy_from_slice(&len.to_be_bytes());
        4
    } else {
        out[1] = 127;
        out[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        10
    }
}

/// Turn a buffer of the outbox's length-prefixed messages into WebSocket text frames, one
/// per message. A message under 64 KiB has a header no longer than its 4-byte prefix, so
/// the header takes the prefix's place and the buffer is compacted in place; from the
/// first longer message on (rare: the header needs 10 bytes) the rest is copied.
pub fn to_ws_frames(buf: &mut Vec<u8>) {
    let (mut src, mut dst) = (0, 0);
    let mut head = [0; 10];
    while src < buf.len() {
        let len = u32::from_be_bytes([buf[src], buf[src + 1], buf[src + 2], buf[src + 3]]);
        let len = len as usize;
        let payload = src + 4;
        if len > usize::from(u16::MAX) {
            let mut out = Vec::with_capacity(buf.len() + 6 * (buf.len() - src) / 65536 + 16);
            out.extend_from_slice(&buf[..dst]);
            for message in frames(&buf[src..]) {
                let n = header(TEXT, message.len(), &mut head);
                out.extend_from_slice(&head[..n]);
                out.extend_from_slice(message);
            }
            *buf = out;
            return;
        }
        let n = header(TEXT, len, &mut head);
        // dst ≤ src, so the header ends at or before the payload: nothing is overwritten.
        buf[dst..dst + n].copy_from_slice(&head[..n]);
        if dst + n != payload {
            buf.copy_within(payload..payload + len, dst + n);
        }
        dst += n + len;
        src = payload + len;
    }
    buf.truncate(dst);
}

/// A ping with an empty payload.
pub(crate) const PING_FRAME: [u8; 2] = [FIN | PING, 0];

/// A pong answering a ping with `payload` (at most 125 bytes: a control frame's limit).
pub(crate) fn pong_frame(payload: &[u8]) -> Vec<u8> {
    let mut head = [0; 10];
    let n = header(PONG, payload.len(), &mut head);
    let mut frame = head[..n].to_vec();
    frame.extend_from_slice(payload);
    frame
}

/// A close frame with `status`, or with no payload.
pub(crate) fn close_frame(status: Option<u16>) -> Vec<u8> {
    match status {
        Some(code) => {
            let [hi, lo] = code.to_be_bytes();
            vec![FIN | CLOSE, 2, hi, lo]
        }
        None => vec![FIN | CLOSE, 0],
    }
}

#[cfg(test)]
mod tests;
