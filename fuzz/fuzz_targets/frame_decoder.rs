//! The TCP frame decoder over arbitrary bytes split into arbitrary chunks.
//!
//! Input: byte 0 picks the maximum message size (0..=255 bytes, so the "too large" path is
//! reached often), byte 1 seeds the chunk sizes, the rest is the stream. Checked: feeding
//! the stream in chunks gives exactly what feeding it at once gives (same frames, same error
//! at the same place), no frame is empty or over the limit, and every frame is the payload
//! its length prefix announced.
#![no_main]

use bytes::BytesMut;
use jet_runtime::codec::{FrameDecoder, FrameTooLarge, HEADER_LEN};
use libfuzzer_sys::fuzz_target;

/// What decoding a whole stream produced.
#[derive(Debug, PartialEq)]
struct Decoded {
    frames: Vec<Vec<u8>>,
    error: Option<FrameTooLarge>,
}

fn decode_chunked(decoder: &FrameDecoder, stream: &[u8], chunk_seed: u8) -> Decoded {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut pos = 0;
    let mut step = usize::from(chunk_seed % 7) + 1;
    while pos < stream.len() {
        let end = (pos + step).min(stream.len());
        buf.extend_from_slice(&stream[pos..end]);
        pos = end;
        // Vary the chunk size: 1..=13 bytes, deterministic from the seed.
        step = (step * 5 + usize::from(chunk_seed)) % 13 + 1;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frames.push(frame.to_vec()),
                Ok(None) => break,
                Err(e) => {
                    return Decoded {
                        frames,
                        error: Some(e),
                    }
                }
            }
        }
    }
    Decoded {
        frames,
        error: None,
    }
}

/// The reference: walk the length prefixes directly.
fn reference(max: usize, stream: &[u8]) -> Decoded {
    let mut rest = stream;
    let mut frames = Vec::new();
    while rest.len() >= HEADER_LEN {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > max {
            return Decoded {
                frames,
                error: Some(FrameTooLarge { len, max }),
            };
        }
        if rest.len() < HEADER_LEN + len {
            break;
        }
        if len > 0 {
            frames.push(rest[HEADER_LEN..HEADER_LEN + len].to_vec());
        }
        rest = &rest[HEADER_LEN + len..];
    }
    Decoded {
        frames,
        error: None,
    }
}

fuzz_target!(|data: &[u8]| {
    let [max, chunk_seed, stream @ ..] = data else {
        return;
    };
    let max = usize::from(*max);
    let decoder = FrameDecoder::new(max);
    let got = decode_chunked(&decoder, stream, *chunk_seed);
    for frame in &got.frames {
        assert!(!frame.is_empty(), "empty frames are skipped");
        assert!(frame.len() <= max, "frame over the limit");
    }
    assert_eq!(got, reference(max, stream));
    // All at once gives the same.
    let mut whole = BytesMut::from(stream);
    let mut frames = Vec::new();
    let error = loop {
        match decoder.decode(&mut whole) {
            Ok(Some(frame)) => frames.push(frame.to_vec()),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    assert_eq!(got, Decoded { frames, error });
});
