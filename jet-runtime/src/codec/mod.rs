//! TCP framing, the "trivial protocol": every message is a 4-byte big-endian byte length
//! followed by that many bytes of UTF-8 JSON (PROTOCOL.md A.1, B.2.1).
//!
//! The decoder works on a growing buffer so a reader can hand it whatever the socket
//! produced: frames split across reads and many frames in one read both work. A
//! zero-length frame is skipped (cjet does the same; node-jet hangs on it). A length over
//! the configured maximum is an error: the caller closes that one connection.

use bytes::{Buf, Bytes, BytesMut};

/// Size of the length prefix.
pub const HEADER_LEN: usize = 4;

/// Default maximum message size: 10 MiB, as lua-jet.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 10 * 1024 * 1024;

/// A frame announced more bytes than the connection allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("frame of {len} bytes exceeds the maximum message size of {max} bytes")]
pub struct FrameTooLarge {
    /// The announced payload length.
    pub len: usize,
    /// The connection's maximum message size.
    pub max: usize,
}

/// Splits a byte stream into frames.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    max_len: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new(DEFAULT_MAX_MESSAGE_SIZE)
    }
}

impl FrameDecoder {
    /// A decoder that refuses frames longer than `max_len` bytes.
    pub fn new(max_len: usize) -> Self {
        FrameDecoder { max_len }
    }

    /// The longest payload accepted, in bytes.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Take the next complete frame's payload out of `buf`, if there is one.
    ///
    /// Zero-length frames are consumed and skipped. On `Err` the stream is unusable (the
    /// length cannot be trusted) and the connection should be closed.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Bytes>, FrameTooLarge> {
        loop {
            if buf.len() < HEADER_LEN {
                return Ok(None);
            }
            let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            if len > self.max_len {
                return Err(FrameTooLarge {
                    len,
                    max: self.max_len,
                });
            }
            if len == 0 {
                buf.advance(HEADER_LEN);
                continue;
            }
            if buf.len() < HEADER_LEN + len {
                // Make room for the rest of the frame in one allocation.
                buf.reserve(HEADER_LEN + len - buf.len());
                return Ok(None);
            }
            buf.advance(HEADER_LEN);
            return Ok(Some(buf.split_to(len).freeze()));
        }
    }
}

/// Append one frame (header and payload) to `out`.
///
/// # Panics
/// If `payload` is longer than `u32::MAX` bytes, which no configured limit allows.
pub fn encode_frame(out: &mut Vec<u8>, payload: &[u8]) {
    let len = u32::try_from(payload.len()).expect("a Jet message is shorter than 4 GiB");
    out.reserve(HEADER_LEN + payload.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn framed(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            encode_frame(&mut out, p);
        }
        out
    }

    #[test]
    fn decodes_back_to_back_frames() {
        let mut buf = BytesMut::from(&framed(&[b"{}", b"[1]"])[..]);
        let d = FrameDecoder::default();
        assert_eq!(d.decode(&mut buf).unwrap().unwrap(), &b"{}"[..]);
        assert_eq!(d.decode(&mut buf).unwrap().unwrap(), &b"[1]"[..]);
        assert_eq!(d.decode(&mut buf).unwrap(), None);
    }

    #[test]
    fn zero_length_frames_are_skipped() {
        let mut buf = BytesMut::from(&framed(&[b"", b"", b"x"])[..]);
        let d = FrameDecoder::default();
        assert_eq!(d.decode(&mut buf).unwrap().unwrap(), &b"x"[..]);
        assert!(buf.is_empty());
    }

    #[test]
    fn oversized_length_is_an_error() {
        let mut buf = BytesMut::from(&[0u8, 0, 1, 0][..]);
        let d = FrameDecoder::new(255);
        assert_eq!(
            d.decode(&mut buf),
            Err(FrameTooLarge { len: 256, max: 255 })
        );
    }

    #[test]
    fn multibyte_utf8_length_is_bytes() {
        let text = "\"ü😀\"";
        let mut out = Vec::new();
        encode_frame(&mut out, text.as_bytes());
        assert_eq!(&out[..4], &(text.len() as u32).to_be_bytes());
    }

    proptest! {
        /// Any split of a stream of frames into chunks yields the same frames, in order,
        /// with empty frames dropped.
        #[test]
        fn any_chunking_yields_the_same_frames(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..12),
            cuts in proptest::collection::vec(1usize..17, 0..40),
        ) {
            let refs: Vec<&[u8]> = payloads.iter().map(|p| &p[..]).collect();
            let stream = framed(&refs);
            let d = FrameDecoder::new(64);
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            let mut pos = 0;
            let mut cut_iter = cuts.iter().cycle();
            while pos < stream.len() {
                let step = if cuts.is_empty() { stream.len() } else { *cut_iter.next().unwrap() };
                let end = (pos + step).min(stream.len());
                buf.extend_from_slice(&stream[pos..end]);
                pos = end;
                while let Some(frame) = d.decode(&mut buf).unwrap() {
                    got.push(frame.to_vec());
                }
            }
            let expected: Vec<Vec<u8>> = payloads.into_iter().filter(|p| !p.is_empty()).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
