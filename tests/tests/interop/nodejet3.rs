//! Interop with node-jet 3.0.17 (npm `node-jet` 3.x, pinned in `tests/interop3`): node-jet 3
//! peers on jetd (PROTOCOL.md A.10), alone and on one bus with classic peers.
//!
//! `provider.mjs` adds the `n3/` elements and prints each routed set/call it handles;
//! `consumer.mjs <scenario>` fetches, gets, sets and calls them and prints what it saw.
//! Expectations are compared as JSON values: what a node-jet 3 peer hands to its
//! callbacks is the object as it came off the wire.

use jet_tests::node::{interop3_dir, NodeProcess};
use jet_tests::STEP;
use serde_json::{json, Value};

async fn n3(script: &str, args: &[&str]) -> NodeProcess {
    NodeProcess::spawn_in(&interop3_dir(), script, args).await
}

/// `provider.mjs` on `addr`, once its elements are added.
async fn n3_provider(addr: &str) -> NodeProcess {
    let mut p = n3("provider.mjs", &[addr]).await;
    let ready = p.next_json().await;
    assert_eq!(ready["ready"], json!(true), "provider not ready: {ready}");
    // A duplicate add is refused in node-jet 3's words.
    assert_eq!(ready["occupied"]["name"], json!("jet.Occupied"), "{ready}");
    assert_eq!(ready["occupied"]["code"], json!(-32602), "{ready}");
    p
}

/// Run `consumer.mjs` to its end; its lines without `{"connected":true}` and `{"done":true}`.
async fn n3_consumer(addr: &str, args: &[&str]) -> Vec<Value> {
    let mut all = vec![addr];
    all.extend_from_slice(args);
    let mut c = n3("consumer.mjs", &all).await;
    assert_eq!(c.next_json().await, json!({"connected": true}));
    c.finish(&json!({"done": true})).await
}

fn jetd_addr(d: &jetd::Daemon, ws: bool) -> String {
    if ws {
        format!("ws://{}/", d.ws_addr().expect("ws listener"))
    } else {
        d.tcp_addr().expect("tcp listener").to_string()
    }
}

/// node-jet 3's error object as its peers reject with it (`describeError` in common.mjs).
fn n3_error(code: i64, name: &str, message: &str, details: Value) -> Value {
    let anchor = name.replace(['.', ' '], "").to_lowercase();
    json!({"code": code, "name": name, "message": message, "data": {
        "name": name,
        "url": format!("https://github.com/lipp/node-jet/blob/master/doc/peer.markdown#{anchor}"),
        "details": details,
    }})
}

fn alice() -> Value {
    json!({"name": "alice", "age": 30})
}

fn bob(age: u32) -> Value {
    json!({"name": "bob", "age": age})
}

/// What `consumer.mjs basic` prints up to `{"waiting":"events"}` when the `n3/` elements
/// are owned by an owner that behaves like `provider.mjs` (`set_result`: what its set
/// answers; `set_bad`, `call_fail`: its errors).
fn basic_lines(set_result: Value, set_bad: Value, call_fail: Value) -> Vec<Value> {
    vec![
        // Notifications before the response, states only, capitalised events.
        json!({"fetch": "all", "path": "n3/counter", "event": "Add", "value": 0}),
        json!({"fetch": "all", "path": "n3/person/alice", "event": "Add", "value": alice()}),
        json!({"fetch": "all", "path": "n3/person/bob", "event": "Add", "value": bob(20)}),
        json!({"fetch": "all", "path": "n3/label", "event": "Add", "value": "hello"}),
        json!({"fetched": "all"}),
        // value:{"age":{operator,value}}
        json!({"fetch": "older", "path": "n3/person/alice", "event": "Add", "value": alice()}),
        json!({"fetched": "older"}),
        // sort:{by:"path",descending,from:1,to:2}: sorted by jetd (node-jet 3's daemon
        // ignores it), one notification per window slot.
        json!({"fetch": "sorted", "path": "n3/person/bob", "event": "Add", "value": bob(20), "index": 1, "n": 2}),
        json!({"fetch": "sorted", "path": "n3/person/alice", "event": "Add", "value": alice(), "index": 2, "n": 2}),
        json!({"fetched": "sorted"}),
        json!({"get": {"ok": [
            {"path": "n3/person/alice", "value": alice()},
            {"path": "n3/person/bob", "value": bob(20)},
        ]}}),
        json!({"fetch": "all", "path": "n3/counter", "event": "Change", "value": 5}),
        json!({"set": {"ok": set_result}}),
        json!({"setBad": {"error": set_bad}}),
        json!({"call": {"ok": {}}}),
        json!({"callFail": {"error": call_fail}}),
        json!({"setMissing": {"error": n3_error(-32602, "jet.NotFound",
            "No State/Method matching the specified path", json!("n3/nope"))}}),
        json!({"unfetch": {"ok": null}}),
        json!({"info": {"ok": {"name": "jetd", "version": env!("CARGO_PKG_VERSION"),
            "protocolVersion": "1.1.0", "features": {"batches": true, "fetch": "full",
            "asNotification": false, "authenticate": true}}}}),
    ]
}

/// After the owner changed bob to 31 and removed the label: the value rule applies to
/// changes (it does not on node-jet 3's daemon), `Remove` carries no value.
fn event_lines() -> Vec<Value> {
    vec![
        json!({"fetch": "all", "path": "n3/person/bob", "event": "Change", "value": bob(31)}),
        json!({"fetch": "older", "path": "n3/person/bob", "event": "Add", "value": bob(31)}),
        json!({"fetch": "all", "path": "n3/label", "event": "Remove"}),
    ]
}

/// Read `consumer`'s lines up to (not including) `end`.
async fn lines_until(consumer: &mut NodeProcess, end: &Value) -> Vec<Value> {
    let mut lines = Vec::new();
    for _ in 0..100 {
        let line = consumer.next_json().await;
        assert!(line.get("fatal").is_none(), "consumer failed: {line}");
        if line == *end {
            return lines;
        }
        lines.push(line);
    }
    panic!("no {end} in: {}", dump(&lines));
}

fn dump(lines: &[Value]) -> String {
    lines
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn n3_provider_and_consumer(ws: bool) {
    let daemon = jet_tests::start_daemon().await;
    let addr = jetd_addr(&daemon, ws);
    let mut provider = n3_provider(&addr).await;
    let mut consumer = n3("consumer.mjs", &[&addr, "basic"]).await;
    assert_eq!(consumer.next_json().await, json!({"connected": true}));
    let lines = lines_until(&mut consumer, &json!({"waiting": "events"})).await;
    let invalid_param = |message: &str, details: &str| {
        n3_error(-32602, "jet.InvalidParam", message, json!(details))
    };
    assert_eq!(
        lines,
        basic_lines(
            json!({"path": "n3/counter", "value": 5}),
            invalid_param("Failed to set value", "Error: counter must be a number"),
            invalid_param("Failed to call method", "Error: method failed on purpose"),
        ),
        "{}",
        dump(&lines)
    );
    // What the owner was asked, in node-jet 3's routed shape.
    assert_eq!(
        provider.next_json().await,
        json!({"set": "n3/counter", "value": 5})
    );
    assert_eq!(
        provider.next_json().await,
        json!({"set": "n3/counter", "value": "bad"})
    );
    assert_eq!(
        provider.next_json().await,
        json!({"call": "n3/greet", "args": ["world"]})
    );
    provider.send_line("change").await;
    assert_eq!(
        provider.next_json().await,
        json!({"changed": "n3/person/bob"})
    );
    provider.send_line("remove").await;
    assert_eq!(provider.next_json().await, json!({"removed": {"ok": null}}));
    let events = consumer.finish(&json!({"done": true})).await;
    assert_eq!(events, event_lines(), "{}", dump(&events));
    drop(provider);
    tokio::time::timeout(STEP, daemon.shutdown())
        .await
        .expect("shutdown");
}

#[tokio::test]
async fn n3_provider_and_consumer_over_tcp() {
    n3_provider_and_consumer(false).await;
}

#[tokio::test]
async fn n3_provider_and_consumer_over_websocket() {
    n3_provider_and_consumer(true).await;
}
