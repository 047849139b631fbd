//! Fetch expressions: `FetchExpr::parse` of typical expressions, and the path and value
//! matchers a daemon runs for every candidate fetcher of an add or change.
//!
//! Run with `cargo bench -p jet-runtime --bench fetch_expr`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use jet_runtime::fetch::engine::FetchExpr;
use serde_json::{json, Value};

fn expressions() -> Vec<(&'static str, Value)> {
    vec![
        (
            "equals",
            json!({"id": "f", "path": {"equals": "bench/s42"}}),
        ),
        (
            "startsWith",
            json!({"id": "f", "path": {"startsWith": "bench/"}}),
        ),
        (
            "contains_ci",
            json!({"id": "f", "path": {"contains": "S42", "caseInsensitive": true}}),
        ),
        (
            "containsAllOf",
            json!({"id": "f", "path": {"containsAllOf": ["bench", "s4", "/"]}}),
        ),
        (
            "startsWith+value",
            json!({"id": "f", "path": {"startsWith": "bench/"}, "value": {"greaterThan": 10}}),
        ),
        (
            "valueField",
            json!({"id": "f", "valueField": {"a.b": {"lessThan": 30}, "c[1]": {"equals": "x"}}}),
        ),
        (
            "sorted",
            json!({"id": "f", "path": {"startsWith": "bench/"},
                   "sort": {"byValue": "number", "descending": true, "from": 1, "to": 10}}),
        ),
    ]
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("fetch_expr/parse");
    for (name, params) in expressions() {
        group.bench_with_input(BenchmarkId::from_parameter(name), &params, |b, params| {
            b.iter(|| FetchExpr::parse(black_box(params)).expect("valid expression"))
        });
    }
    group.finish();
}

fn match_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("fetch_expr/matches_path");
    for (name, params) in expressions().into_iter().take(4) {
        let expr = FetchExpr::parse(&params).expect("valid expression");
        assert!(
            expr.matches_path("bench/s42"),
            "{name} must match the hit path"
        );
        group.bench_function(BenchmarkId::new(name, "hit"), |b| {
            b.iter(|| expr.matches_path(black_box("bench/s42")))
        });
        group.bench_function(BenchmarkId::new(name, "miss"), |b| {
            b.iter(|| expr.matches_path(black_box("other/tree/x17")))
        });
    }
    group.finish();
}

fn match_value(c: &mut Criterion) {
    let mut group = c.benchmark_group("fetch_expr/matches_value");
    let cases = [
        (
            "value_greaterThan",
            json!({"id": "f", "value": {"greaterThan": 10}}),
            json!(42),
        ),
        (
            "valueField_2_rules",
            json!({"id": "f", "valueField": {"a.b": {"lessThan": 30}, "c[1]": {"equals": "x"}}}),
            json!({"a": {"b": 12}, "c": ["w", "x"], "d": "unrelated"}),
        ),
    ];
    for (name, params, value) in cases {
        let expr = FetchExpr::parse(&params).expect("valid expression");
        assert!(expr.matches_value(Some(&value)), "{name} must match");
        group.bench_function(name, |b| {
            b.iter(|| expr.matches_value(black_box(Some(&value))))
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = parse, match_path, match_value
}
criterion_main!(benches);
