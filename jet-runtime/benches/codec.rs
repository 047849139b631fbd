//! TCP framing: decoding a read buffer holding many frames, and encoding frames into an
//! output buffer. The payload is a typical routed `set` (about 60 bytes).
//!
//! Run with `cargo bench -p jet-runtime --bench codec` (figures are printed; see
//! docs/PERFORMANCE.md).

use std::hint::black_box;
use std::time::Duration;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use jet_runtime::codec::{encode_frame, FrameDecoder};

const PAYLOAD: &[u8] = br#"{"id":17,"method":"set","params":{"path":"bench/s1","value":42}}"#;

fn framed(count: usize, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(count * (payload.len() + 4));
    for _ in 0..count {
        encode_frame(&mut out, payload);
    }
    out
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("codec/decode");
    let decoder = FrameDecoder::default();
    for count in [1usize, 64] {
        let wire = framed(count, PAYLOAD);
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(
            BenchmarkId::new("frames_per_read", count),
            &wire,
            |b, wire| {
                let mut buf = BytesMut::with_capacity(wire.len());
                b.iter(|| {
                    buf.clear();
                    buf.extend_from_slice(wire);
                    let mut n = 0;
                    while let Some(frame) = decoder.decode(&mut buf).expect("valid frames") {
                        n += frame.len();
                    }
                    black_box(n)
                })
            },
        );
    }
    // A frame that arrives in two reads: the first decode only reserves room.
    let wire = framed(1, PAYLOAD);
    group.throughput(Throughput::Elements(1));
    group.bench_function("split_across_two_reads", |b| {
        let mut buf = BytesMut::with_capacity(wire.len());
        b.iter(|| {
            buf.clear();
            buf.extend_from_slice(&wire[..10]);
            assert!(decoder.decode(&mut buf).expect("valid").is_none());
            buf.extend_from_slice(&wire[10..]);
            black_box(decoder.decode(&mut buf).expect("valid"))
        })
    });
    group.finish();
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("codec/encode");
    for count in [1usize, 64] {
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::new("frames", count), &count, |b, &count| {
            let mut out = Vec::with_capacity(count * (PAYLOAD.len() + 4));
            b.iter(|| {
                out.clear();
                for _ in 0..count {
                    encode_frame(&mut out, black_box(PAYLOAD));
                }
                black_box(out.len())
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = decode, encode
}
criterion_main!(benches);
