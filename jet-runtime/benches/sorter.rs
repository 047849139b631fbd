//! The sorted-fetch algorithm (`Sorter`, PROTOCOL.md B §6.8): add, change and remove
//! against a sorted fetch that already holds 1k or 100k entries, window 1..10, by value
//! (number), descending, so most events land outside the window and some move across it.
//!
//! Run with `cargo bench -p jet-runtime --bench sorter`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use jet_runtime::fetch::builder::ValueType;
use jet_runtime::fetch::engine::{Event, SortKey, SortSpec, Sorter};
use serde_json::Value;

/// A small deterministic generator (no `rand` dependency): values spread over 0..1e6.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % 1_000_000) as f64
    }
}

fn filled(n: usize, rng: &mut Lcg) -> (Sorter<Value>, Vec<Arc<str>>) {
    let mut sorter = Sorter::new(SortSpec {
        key: SortKey::Value(ValueType::Number),
        descending: true,
        from: 1,
        to: 10,
    });
    let paths: Vec<Arc<str>> = (0..n).map(|i| Arc::from(format!("bench/s{i}"))).collect();
    for path in &paths {
        let v = Value::from(rng.next());
        sorter.initial(path.clone(), Some(&v), Some(v.clone()), false);
    }
    let first = sorter.flush();
    assert_eq!(first.n, 10.min(n));
    (sorter, paths)
}

fn sorter(c: &mut Criterion) {
    let mut group = c.benchmark_group("sorter");
    for n in [1_000usize, 100_000] {
        let mut rng = Lcg(7);
        let (mut s, paths) = filled(n, &mut rng);
        let mut i = 0usize;
        group.bench_function(BenchmarkId::new("change", n), |b| {
            b.iter(|| {
                i = (i + 7919) % paths.len();
                let v = Value::from(rng.next());
                black_box(s.update(Event::Change, &paths[i], Some(&v), Some(v.clone()), false))
            })
        });
        assert_eq!(s.len(), n);
        let extra: Arc<str> = Arc::from("bench/extra");
        group.bench_function(BenchmarkId::new("add_then_remove", n), |b| {
            b.iter(|| {
                let v = Value::from(rng.next());
                let added = s.update(Event::Add, &extra, Some(&v), Some(v.clone()), false);
                let removed = s.update(Event::Remove, &extra, Some(&v), None, false);
                black_box((added, removed))
            })
        });
        assert_eq!(s.len(), n);
    }
    group.finish();

    let mut group = c.benchmark_group("sorter/setup");
    group.sample_size(10);
    for n in [1_000usize, 100_000] {
        group.bench_function(BenchmarkId::new("initial_and_flush", n), |b| {
            b.iter(|| filled(n, &mut Lcg(11)).0.len())
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
    targets = sorter
}
criterion_main!(benches);
