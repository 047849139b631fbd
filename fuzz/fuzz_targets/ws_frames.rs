//! jetd's WebSocket framing (`jetd::fuzzing`, the code the daemon's WebSocket connections
//! run after the upgrade), both ways.
//!
//! Input: byte 0 picks the maximum message size (0..=254 bytes, so the "too big" path is
//! reached often, or 1 MiB for 255), byte 1 seeds the chunk sizes, the rest is the stream.
//!
//! * Incoming: the stream is what a client sends. It is fed to `Incoming::next` as the
//!   read loop does (frames consumed from the front of the buffer, more bytes appended when
//!   a frame is not complete), in chunks, and at once. Checked: no panic; every step stays
//!   within the buffer (a frame's length is at most what the buffer holds, "need more" asks
//!   for more than it holds); no message is over the maximum and no ping payload over 125
//!   bytes; chunked and whole give the same messages, pings, close or failure.
//! * Outgoing: the same bytes are read as a batch of messages (lengths up to 130 KiB, so
//!   both the in-place and the copying path of `to_ws_frames` run), queued as the outbox
//!   does (4-byte big-endian length prefixes). Checked: `to_ws_frames` gives exactly one
//!   final, unmasked text frame per message, with the shortest length encoding, whose
//!   payload is that message, and nothing else.
#![no_main]

use std::io::Cursor;

use jetd::fuzzing::{to_ws_frames, Fail, Incoming, Step};
use libfuzzer_sys::fuzz_target;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;

/// What reading a stream produced, in order.
#[derive(Debug, PartialEq)]
enum Event {
    Message(Vec<u8>),
    Ping(Vec<u8>),
    Close(Option<u16>),
    Fail {
        status: u16,
        size: Option<(usize, usize)>,
    },
    /// The stream ended (after a whole number of frames or inside one).
    End,
}

impl From<Fail> for Event {
    fn from(fail: Fail) -> Event {
        Event::Fail {
            status: fail.status,
            size: fail.size,
        }
    }
}

/// Read `stream` as the WebSocket read loop does, appending `chunks` bytes at a time.
fn read(stream: &[u8], max_message: usize, mut chunk: impl FnMut() -> usize) -> Vec<Event> {
    let mut incoming = Incoming::new(max_message);
    let mut buf: Vec<u8> = Vec::new();
    let mut events = Vec::new();
    let mut pos = 0;
    loop {
        // Consume the complete frames at the front of the buffer.
        loop {
            let held = buf.len();
            let used = match incoming.next(&mut buf) {
                Ok(Step::Need(total)) => {
                    assert!(total > held, "asked for {total} bytes holding {held}");
                    break;
                }
                Ok(Step::Message(used, message)) => {
                    assert!(
                        message.len() <= max_message,
                        "a message of {} bytes over the maximum {max_message}",
                        message.len()
                    );
                    events.push(Event::Message(message.to_vec()));
                    incoming.message_done();
                    used
                }
                Ok(Step::Ping(used, payload)) => {
                    assert!(payload.len() <= 125, "a ping of {} bytes", payload.len());
                    events.push(Event::Ping(payload.to_vec()));
                    used
                }
                Ok(Step::Skip(used)) => used,
                Ok(Step::Close(code)) => {
                    events.push(Event::Close(code));
                    return events;
                }
                Err(fail) => {
                    events.push(fail.into());
                    return events;
                }
            };
            // Every frame has a header of at least 2 bytes, all within the buffer.
            assert!(
                (2..=held).contains(&used),
                "a frame of {used} bytes in a buffer of {held}"
            );
            buf.drain(..used);
        }
        if pos == stream.len() {
            events.push(Event::End);
            return events;
        }
        let end = (pos + chunk()).min(stream.len());
        buf.extend_from_slice(&stream[pos..end]);
        pos = end;
    }
}

/// The messages of a batch described by `bytes`: a control byte, then (for lengths over
/// 223) two length bytes, then the content (taken from the input, padded with the control
/// byte when the input runs out).
fn batch(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    while let Some((&c, rest)) = bytes.split_first() {
        bytes = rest;
        let len = match c {
            0..=0xDF => usize::from(c),
            _ => {
                let n = match bytes {
                    [hi, lo, rest @ ..] => {
                        bytes = rest;
                        usize::from(u16::from_be_bytes([*hi, *lo]))
                    }
                    _ => 0,
                };
                // 0xE0..=0xEF: up to 64 KiB - 1 (a 4-byte header); above: around 64 KiB
                // (the 10-byte header starts at 65,536).
                if c < 0xF0 {
                    n
                } else {
                    65_000 + n
                }
            }
        };
        let take = len.min(bytes.len());
        let mut message = bytes[..take].to_vec();
        message.resize(len, c);
        bytes = &bytes[take..];
        messages.push(message);
    }
    messages
}

/// `to_ws_frames` on the outbox's encoding of `messages` parses back to `messages`.
fn round_trip(messages: &[Vec<u8>]) {
    let mut buf = Vec::new();
    for message in messages {
        buf.extend_from_slice(&(message.len() as u32).to_be_bytes());
        buf.extend_from_slice(message);
    }
    to_ws_frames(&mut buf);
    let mut cursor = Cursor::new(&buf[..]);
    for (i, message) in messages.iter().enumerate() {
        let start = cursor.position();
        let (header, len) = FrameHeader::parse(&mut cursor)
            .unwrap_or_else(|e| panic!("frame {i}: {e}"))
            .unwrap_or_else(|| panic!("frame {i}: the header is cut off"));
        assert!(header.is_final, "frame {i} is not final");
        assert_eq!(header.opcode, OpCode::Data(Data::Text), "frame {i}");
        assert_eq!(header.mask, None, "frame {i}: a server frame is masked");
        assert!(!(header.rsv1 || header.rsv2 || header.rsv3), "frame {i}");
        let shortest = match message.len() {
            0..=125 => 2,
            126..=65_535 => 4,
            _ => 10,
        };
        assert_eq!(
            cursor.position() - start,
            shortest,
            "frame {i}: header length"
        );
        let from = cursor.position() as usize;
        let payload = usize::try_from(len)
            .ok()
            .and_then(|len| buf.get(from..from.checked_add(len)?))
            .unwrap_or_else(|| panic!("frame {i}: the payload is cut off"));
        assert!(payload == &message[..], "frame {i}: another payload");
        cursor.set_position((from + payload.len()) as u64);
    }
    assert_eq!(
        cursor.position() as usize,
        buf.len(),
        "bytes after the last frame"
    );
}

fuzz_target!(|data: &[u8]| {
    let [max, seed, stream @ ..] = data else {
        return;
    };
    let max_message = if *max == 255 {
        1 << 20
    } else {
        usize::from(*max)
    };
    let whole = read(stream, max_message, || usize::MAX);
    // Chunks of 1..=13 bytes, deterministic from the seed.
    let mut step = usize::from(seed % 7) + 1;
    let chunked = read(stream, max_message, || {
        let now = step;
        step = (step * 5 + usize::from(*seed)) % 13 + 1;
        now
    });
    assert_eq!(whole, chunked, "reading in chunks gave something else");
    round_trip(&batch(stream));
});
