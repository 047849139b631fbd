//! The Rust peer on a node-jet 2.1.2 bus (npm, pinned in tests/interop), on 127.0.0.1:
//!
//! * as a consumer of node-jet's `provider.js` through node-jet's own daemon, over TCP and
//!   WebSocket: set (valueAsResult, fetch-only, timeout), call (array/object args, errors),
//!   fetch unsorted and sorted, get;
//! * as a provider serving node-jet's `consumer.js` (scenarios `set` and `call`), on the
//!   node-jet daemon and on jetd, with the same expectations as node-jet's own provider.

use std::time::Duration;

use futures_util::StreamExt;
use jet_runtime::fetch::builder::{Fetch, ValueType};
use jet_runtime::peer::{
    invalid_argument, EventKind, FetchEvent, FetchStream, Method, Peer, PeerError, SetReply, State,
};
use jet_tests::node::{NodeDaemon, NodeProcess};
use jet_tests::within as t;
use serde_json::{json, Value};

async fn next(s: &mut FetchStream) -> FetchEvent {
    t(s.next()).await.expect("fetch stream ended")
}

fn paths(e: &FetchEvent) -> Vec<String> {
    match e {
        FetchEvent::Window(w) => w.entries.iter().map(|e| e.path.clone()).collect(),
        other => panic!("expected a window, got {other:?}"),
    }
}

async fn consume_node_provider(addr: &str) {
    let (provider, _) = NodeProcess::start_provider(addr).await;
    let peer = t(Peer::builder().name("rust-consumer").connect(addr))
        .await
        .unwrap();
    let info = t(peer.info()).await.unwrap();
    assert_eq!(info.name, "node-jet");

    // set: the provider rounds down and answers the value it took.
    let mut demo = t(peer.fetch(&Fetch::all().path_equals("demo/state")))
        .await
        .unwrap();
    match next(&mut demo).await {
        FetchEvent::Element(e) => {
            assert_eq!((e.kind, e.value), (EventKind::Add, Some(json!({"x": 1}))))
        }
        other => panic!("{other:?}"),
    }
    let r = t(peer.set("demo/state", json!({"x": 2.7})).value_as_result()).await;
    assert_eq!(r.unwrap(), json!({"x": 2}));
    match next(&mut demo).await {
        FetchEvent::Element(e) => assert_eq!(
            (e.kind, e.value),
            (EventKind::Change, Some(json!({"x": 2})))
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        t(peer.set("demo/state", json!({"x": 5.5}))).await.unwrap(),
        json!(true)
    );

    // Typed errors from node-jet's daemon and owners.
    let r = t(peer.set("demo/ro", json!(1))).await;
    assert!(
        matches!(r, Err(PeerError::FetchOnly(ref p)) if p == "demo/ro"),
        "{r:?}"
    );
    let r = t(peer.set("nope/x", json!(1))).await;
    assert!(
        matches!(r, Err(PeerError::NotFound(ref p)) if p == "nope/x"),
        "{r:?}"
    );
    let r = t(peer
        .set("demo/slow", json!(1))
        .timeout(Duration::from_millis(300)))
    .await;
    assert!(
        matches!(r, Err(PeerError::Timeout { details: Some(_) })),
        "{r:?}"
    );
    let r = t(peer.call("demo/fail", json!([]))).await;
    assert!(
        matches!(r, Err(PeerError::Remote { code: -32603, .. })),
        "{r:?}"
    );
    let r = t(peer.add_state("demo/state", json!(0))).await;
    assert!(matches!(r, Err(PeerError::Occupied(_))), "{r:?}");

    // call with positional and named arguments.
    let r = t(peer.call("demo/sum", json!([1, 2, 3]))).await.unwrap();
    assert_eq!(r, json!({"shape": "array", "sum": 6}));
    let r = t(peer.call("demo/sum", json!({"a": 1, "b": 2})))
        .await
        .unwrap();
    assert_eq!(r, json!({"shape": "object", "sum": 3}));

    // Unsorted fetch: initial adds in insertion order, then a change.
    let mut list = t(peer.fetch(&Fetch::all().path_starts_with("list/")))
        .await
        .unwrap();
    let mut initial = Vec::new();
    for _ in 0..5 {
        match next(&mut list).await {
            FetchEvent::Element(e) if e.kind == EventKind::Add => {
                initial.push((e.path, e.value.unwrap()))
            }
            other => panic!("{other:?}"),
        }
    }
    let expected: Vec<(String, Value)> = [("a", 3), ("b", 1), ("c", 5), ("d", 2), ("e", 4)]
        .iter()
        .map(|(n, v)| (format!("list/{n}"), json!(v)))
        .collect();
    assert_eq!(initial, expected);

    // Sorted fetch by value: b(1) d(2) a(3) in the window 1..3.
    let by_value = Fetch::all()
        .path_starts_with("list/")
        .sort_by_value(ValueType::Number)
        .range(1, 3);
    let mut sorted = t(peer.fetch(&by_value)).await.unwrap();
    assert_eq!(
        paths(&next(&mut sorted).await),
        ["list/b", "list/d", "list/a"]
    );

    t(peer.call("ctl/change", json!(["list/b", 10])))
        .await
        .unwrap();
    match next(&mut list).await {
        FetchEvent::Element(e) => {
            assert_eq!(
                (e.kind, e.path.as_str(), e.value),
                (EventKind::Change, "list/b", Some(json!(10)))
            )
        }
        other => panic!("{other:?}"),
    }
    // b leaves the window, e enters at its end.
    assert_eq!(
        paths(&next(&mut sorted).await),
        ["list/d", "list/a", "list/e"]
    );
    let got = t(peer.get(&by_value)).await.unwrap();
    let got: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(got, ["list/d", "list/a", "list/e"]);

    // Dropping a stream unfetches; the provider's other streams keep working.
    drop(list);
    t(peer.call("ctl/change", json!(["list/d", 0])))
        .await
        .unwrap();
    let snap = next(&mut sorted).await;
    assert_eq!(paths(&snap), ["list/d", "list/a", "list/e"]);
    match snap {
        // d kept its position: an in-place update with the new value.
        FetchEvent::Window(w) => assert_eq!(w.entries[0].value, Some(json!(0))),
        other => panic!("{other:?}"),
    }

    t(peer.call("ctl/quit", json!([]))).await.unwrap();
    let log = provider.finish(&json!({"quit": true})).await;
    assert!(
        log.contains(&json!({"set": "demo/state", "value": {"x": 2.7}})),
        "{log:?}"
    );
    assert!(
        log.contains(&json!({"call": "demo/sum", "args": {"a": 1, "b": 2}})),
        "{log:?}"
    );
    peer.close().await;
}

#[tokio::test]
async fn rust_consumer_of_a_node_jet_provider_over_tcp() {
    let daemon = NodeDaemon::start().await;
    consume_node_provider(&daemon.tcp_arg()).await;
}

#[tokio::test]
async fn rust_consumer_of_a_node_jet_provider_over_websocket() {
    let daemon = NodeDaemon::start().await;
    consume_node_provider(&daemon.ws_url()).await;
}

/// The elements of provider.js that the `set` and `call` scenarios use, served by Rust.
async fn rust_provider(peer: &Peer) -> (State, Method) {
    let state = t(peer.add_state("demo/state", json!({"x": 1})).on_set(|v| {
        let x = v["x"]
            .as_f64()
            .ok_or_else(|| invalid_argument("x must be a number"))?;
        Ok(SetReply::adjusted(json!({"x": x.floor() as i64})))
    }))
    .await
    .unwrap();
    let sum = t(peer.add_method("demo/sum", |args| {
        let (shape, values): (&str, Vec<Value>) = match args {
            Value::Array(a) => ("array", a),
            Value::Object(o) => ("object", o.into_iter().map(|(_, v)| v).collect()),
            _ => return Err(invalid_argument("array or object expected")),
        };
        let sum: i64 = values.iter().filter_map(Value::as_i64).sum();
        Ok(json!({"shape": shape, "sum": sum}))
    }))
    .await
    .unwrap();
    (state, sum)
}

/// Run consumer.js `scenario` against whatever provides `demo/*` and return its lines.
async fn node_consumer(addr: &str, scenario: &str) -> Vec<Value> {
    let mut consumer =
        NodeProcess::spawn("consumer.js", &[addr, scenario, "--keep-provider"]).await;
    let mut lines = Vec::new();
    loop {
        let line = consumer.next_json().await;
        assert!(line.get("fatal").is_none(), "consumer failed: {line}");
        assert!(
            line.get("connect").is_none(),
            "consumer could not connect: {line}"
        );
        if line == json!({"done": true}) {
            break;
        }
        lines.push(line);
    }
    assert!(
        consumer.wait_success().await,
        "consumer exited with an error"
    );
    lines
}

async fn serve_node_consumer(addr: &str) {
    let peer = t(Peer::builder().name("rust-provider").connect(addr))
        .await
        .unwrap();
    let (state, _sum) = rust_provider(&peer).await;
    let lines = node_consumer(addr, "set").await;
    assert_eq!(lines, crate::set_scenario_lines());
    assert_eq!(state.value(), json!({"x": 8}));
    let lines = node_consumer(addr, "call").await;
    assert_eq!(
        lines,
        [
            json!({"array": {"ok": {"shape": "array", "sum": 6}}}),
            json!({"object": {"ok": {"shape": "object", "sum": 3}}}),
            json!({"none": {"ok": {"shape": "array", "sum": 0}}}),
            json!({"empty": {"ok": {"shape": "object", "sum": 0}}}),
        ]
    );
    peer.close().await;
}

#[tokio::test]
async fn rust_provider_serves_a_node_jet_consumer_on_the_node_jet_daemon() {
    let daemon = NodeDaemon::start().await;
    serve_node_consumer(&daemon.tcp_arg()).await;
    serve_node_consumer(&daemon.ws_url()).await;
}

#[tokio::test]
async fn rust_provider_serves_a_node_jet_consumer_on_jetd() {
    let d = jet_tests::start_daemon().await;
    serve_node_consumer(&d.tcp_addr().unwrap().to_string()).await;
    serve_node_consumer(&format!("ws://{}/", d.ws_addr().unwrap())).await;
    d.shutdown().await;
}
