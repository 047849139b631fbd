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

/// The `n3/` elements of provider.mjs, served by the Rust peer.
struct RustOwner {
    peer: jet_runtime::peer::Peer,
    _states: Vec<jet_runtime::peer::State>,
    bob: jet_runtime::peer::State,
    label: Option<jet_runtime::peer::State>,
    _methods: Vec<jet_runtime::peer::Method>,
}

async fn rust_owner(addr: &str) -> RustOwner {
    use jet_runtime::peer::{custom_error, invalid_argument, Peer};
    use jet_tests::within as t;
    let peer = t(Peer::builder().name("rust-owner").connect(addr))
        .await
        .unwrap();
    let counter = t(peer.add_state("n3/counter", json!(0)).on_set(|v| {
        v.as_i64()
            .ok_or_else(|| invalid_argument("counter must be a number"))?;
        Ok(jet_runtime::peer::SetReply::accept())
    }))
    .await
    .unwrap();
    let alice_s = t(peer.add_state("n3/person/alice", alice())).await.unwrap();
    let bob = t(peer.add_state("n3/person/bob", bob(20))).await.unwrap();
    let label = t(peer.add_state("n3/label", json!("hello"))).await.unwrap();
    let greet = t(peer.add_method("n3/greet", |_args| Ok(json!({}))))
        .await
        .unwrap();
    let failing = t(peer.add_method("n3/fail", |_args| {
        Err(custom_error(-32000, "method failed on purpose", None))
    }))
    .await
    .unwrap();
    RustOwner {
        peer,
        _states: vec![counter, alice_s],
        bob,
        label: Some(label),
        _methods: vec![greet, failing],
    }
}

/// A classic Rust owner serves a node-jet 3 consumer: its `true` and its classic errors
/// reach the consumer in node-jet 3's shape.
#[tokio::test]
async fn rust_owner_serves_an_n3_consumer() {
    let daemon = jet_tests::start_daemon().await;
    let addr = jetd_addr(&daemon, false);
    let mut owner = rust_owner(&addr).await;
    let mut consumer = n3("consumer.mjs", &[&addr, "basic"]).await;
    assert_eq!(consumer.next_json().await, json!({"connected": true}));
    let lines = lines_until(&mut consumer, &json!({"waiting": "events"})).await;
    let expected = basic_lines(
        json!({}),
        n3_error(
            -32602,
            "jet.InvalidArgument",
            "The provided argument(s) have been refused by the State/Method",
            json!({"message": "counter must be a number"}),
        ),
        // An error of the owner's own making keeps its code and message.
        n3_error(
            -32000,
            "jet.InternalError",
            "method failed on purpose",
            json!(""),
        ),
    );
    // The Rust owner publishes the accepted value itself, after answering: the Change
    // comes after the result.
    let mut expected_reordered = expected.clone();
    let change = expected_reordered.remove(11);
    expected_reordered.insert(12, change);
    assert!(
        lines == expected || lines == expected_reordered,
        "{}",
        dump(&lines)
    );
    jet_tests::within(owner.bob.change(bob(31))).await.unwrap();
    jet_tests::within(owner.label.take().unwrap().remove())
        .await
        .unwrap();
    let events = consumer.finish(&json!({"done": true})).await;
    assert_eq!(events, event_lines(), "{}", dump(&events));
    owner.peer.close().await;
    tokio::time::timeout(STEP, daemon.shutdown())
        .await
        .expect("shutdown");
}

/// The Rust peer as a consumer of a node-jet 3 owner on jetd: routed in node-jet 3's shape,
/// answers relayed as they are, errors mapped to `PeerError`.
#[tokio::test]
async fn rust_consumer_of_an_n3_owner() {
    use futures_util::StreamExt;
    use jet_runtime::fetch::builder::Fetch;
    use jet_runtime::peer::{EventKind, FetchEvent, Peer, PeerError};
    use jet_tests::within as t;
    let daemon = jet_tests::start_daemon().await;
    let addr = jetd_addr(&daemon, true);
    let mut provider = n3_provider(&addr).await;
    let peer = t(Peer::builder().name("rust-consumer").connect(&addr))
        .await
        .unwrap();
    let mut fetch = t(peer.fetch(&Fetch::all().path_equals("n3/counter")))
        .await
        .unwrap();
    match t(fetch.next()).await.expect("an event") {
        FetchEvent::Element(e) => assert_eq!((e.kind, e.value), (EventKind::Add, Some(json!(0)))),
        other => panic!("{other:?}"),
    }
    let r = t(peer.set("n3/counter", json!(7))).await.unwrap();
    assert_eq!(r, json!({"path": "n3/counter", "value": 7}));
    assert_eq!(
        provider.next_json().await,
        json!({"set": "n3/counter", "value": 7})
    );
    match t(fetch.next()).await.expect("an event") {
        FetchEvent::Element(e) => {
            assert_eq!((e.kind, e.value), (EventKind::Change, Some(json!(7))))
        }
        other => panic!("{other:?}"),
    }
    let r = t(peer.call("n3/greet", json!(["rust"]))).await.unwrap();
    assert_eq!(r, json!({}));
    assert_eq!(
        provider.next_json().await,
        json!({"call": "n3/greet", "args": ["rust"]})
    );
    // The owner's own error (its handler threw), in the classic words: an owner's refusal
    // with the thrown error's text.
    match t(peer.call("n3/fail", json!([]))).await {
        Err(e @ PeerError::InvalidParams { .. }) => {
            assert_eq!(e.to_string(), "the owner refused: method failed on purpose")
        }
        other => panic!("{other:?}"),
    }
    let got = t(peer.get(&Fetch::all().path_starts_with("n3/person/")))
        .await
        .unwrap();
    assert_eq!(got.len(), 2, "{got:?}");
    peer.close().await;
    drop(provider);
    tokio::time::timeout(STEP, daemon.shutdown())
        .await
        .expect("shutdown");
}

/// Part A where node-jet 3's daemon has nothing: a routed call times out, and a call whose
/// owner disconnects is answered at once; in node-jet 3's words.
#[tokio::test]
async fn n3_consumer_gets_timeouts_and_owner_disconnects() {
    use jet_tests::raw::RawClient;
    let config = jetd::Config {
        default_timeout: std::time::Duration::from_millis(300),
        ..jetd::Config::loopback_ephemeral()
    };
    let daemon = jet_tests::start_daemon_with(config).await;
    let tcp = daemon.tcp_addr().unwrap();
    let mut owner = RawClient::tcp(tcp).await;
    for path in ["n3/silent", "n3/hang"] {
        let r = owner.request("add", json!({"path": path})).await;
        assert_eq!(r["result"], json!(true), "{r}");
    }
    let addr = tcp.to_string();
    let mut consumer = n3("consumer.mjs", &[&addr, "pending"]).await;
    assert_eq!(consumer.next_json().await, json!({"connected": true}));
    let timeout = consumer.next_json().await;
    assert_eq!(
        timeout["timeout"]["error"]["name"],
        json!("jet.PeerTimeout"),
        "{timeout}"
    );
    assert_eq!(
        timeout["timeout"]["error"]["code"],
        json!(-32001),
        "{timeout}"
    );
    assert_eq!(consumer.next_json().await, json!({"waiting": true}));
    // The owner got both calls, in node-jet 2's (its own) shape.
    let first = owner.recv().await;
    assert_eq!(first["method"], json!("n3/silent"), "{first}");
    let second = owner.recv().await;
    assert_eq!(second["method"], json!("n3/hang"), "{second}");
    let started = std::time::Instant::now();
    drop(owner);
    let lines = consumer.finish(&json!({"done": true})).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(
        lines,
        [json!({"disconnected": {"error": n3_error(
            -32002,
            "jet.ConnectionClosed",
            "The connection is closed",
            json!("n3/hang")
        )}})]
    );
    tokio::time::timeout(STEP, daemon.shutdown())
        .await
        .expect("shutdown");
}

/// node-jet 3's `authenticate` against jetd's users file; `addUser` is refused; `config`
/// (what node-jet 3's `configure` sends) works.
#[tokio::test]
async fn n3_authentication() {
    let hash = jetd::auth::hash_password("alice-pw");
    let users = jetd::auth::Users::from_toml_str(&format!(
        "[users.alice]\npassword = \"{hash}\"\nfetchGroups = [\"a\"]\nsetGroups = [\"a\"]\ncallGroups = [\"a\"]\n"
    ))
    .unwrap();
    let mut config = jetd::Config::loopback_ephemeral();
    config.users = users;
    let daemon = jet_tests::start_daemon_with(config).await;
    let addr = jetd_addr(&daemon, false);
    let lines = n3_consumer(&addr, &["auth", "alice", "alice-pw"]).await;
    assert_eq!(
        lines,
        [
            json!({"wrong": {"error": n3_error(-32602, "jet.invalid params", "invalid credentials", json!(true))}}),
            json!({"login": {"ok": {}}}),
            json!({"addUser": {"error": n3_error(
                -32602,
                "jet.InvalidArgument",
                "The provided argument(s) have been refused by the State/Method",
                json!("jetd takes its users from the users file (--users FILE, see docs/AUTHENTICATION.md); addUser is not supported")
            )}}),
            json!({"config": {"ok": {}}}),
        ],
        "{}",
        dump(&lines)
    );
    tokio::time::timeout(STEP, daemon.shutdown())
        .await
        .expect("shutdown");
}

/// node-jet 3.0.17's own daemon (`daemon.mjs`, TCP on 127.0.0.1); killed on drop.
async fn n3_daemon() -> (NodeProcess, String) {
    let mut d = n3("daemon.mjs", &[]).await;
    let line = d.next_json().await;
    let port = line["tcpPort"].as_u64().unwrap_or_else(|| panic!("{line}"));
    (d, format!("127.0.0.1:{port}"))
}

/// The Rust peer on node-jet 3.0.17's daemon: it connects although that daemon refuses
/// `config`, owns a state and a method (answering routed set/call in node-jet 3's shape),
/// fetches (capitalised events, the response after the notifications) and gets node-jet
/// 3's errors as `PeerError`s.
#[tokio::test]
async fn rust_owner_and_consumer_on_the_n3_daemon() {
    use futures_util::StreamExt;
    use jet_runtime::fetch::builder::Fetch;
    use jet_runtime::peer::{invalid_argument, EventKind, FetchEvent, Peer, PeerError, SetReply};
    use jet_tests::within as t;
    let (_daemon, addr) = n3_daemon().await;
    let owner = t(Peer::builder().name("rust-owner").connect(&addr))
        .await
        .unwrap();
    let state = t(owner.add_state("r/temp", json!(20)).on_set(|v| {
        let x = v.as_i64().ok_or_else(|| invalid_argument("a number"))?;
        Ok(SetReply::adjusted(json!(x.min(90))))
    }))
    .await
    .unwrap();
    let _echo = t(owner.add_method("r/echo", Ok)).await.unwrap();
    match t(owner.add_state("r/temp", json!(1))).await {
        Err(PeerError::Occupied(path)) => assert_eq!(path, "r/temp"),
        other => panic!("{other:?}"),
    }

    let consumer = t(Peer::builder().name("rust-consumer").connect(&addr))
        .await
        .unwrap();
    let mut fetch = t(consumer.fetch(&Fetch::all().path_starts_with("r/")))
        .await
        .unwrap();
    match t(fetch.next()).await.expect("an event") {
        FetchEvent::Element(e) => {
            assert_eq!(
                (e.kind, e.path.as_str(), e.value),
                (EventKind::Add, "r/temp", Some(json!(20)))
            )
        }
        other => panic!("{other:?}"),
    }
    // Routed to the Rust owner as {"method":"set","params":{"path","value"}}.
    let r = t(consumer.set("r/temp", json!(95))).await;
    assert!(r.is_ok(), "{r:?}");
    match t(fetch.next()).await.expect("an event") {
        FetchEvent::Element(e) => {
            assert_eq!((e.kind, e.value), (EventKind::Change, Some(json!(90))))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(state.value(), json!(90));
    match t(consumer.set("r/temp", json!("hot"))).await {
        Err(PeerError::InvalidParams { .. } | PeerError::Remote { .. }) => {}
        other => panic!("{other:?}"),
    }
    // Routed as {"method":"call","params":{"path","args"}}.
    let r = t(consumer.call("r/echo", json!([1, 2]))).await.unwrap();
    assert_eq!(r, json!([1, 2]));
    match t(consumer.set("r/nope", json!(1))).await {
        Err(PeerError::NotFound(path)) => assert_eq!(path, "r/nope"),
        other => panic!("{other:?}"),
    }
    let got = t(consumer.get(&Fetch::all().path_equals("r/temp")))
        .await
        .unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].value, Some(json!(90)));
    consumer.close().await;
    owner.close().await;
}

/// A node-jet 2 consumer (classic) and a node-jet 3 owner on one jetd: the owner is asked
/// in its shape, its results reach the classic consumer as it sent them and its errors in
/// the classic words (A.10), so node-jet 2 raises its own typed `InvalidArgument`.
#[tokio::test]
async fn n3_owner_serves_a_nodejet2_consumer() {
    let daemon = jet_tests::start_daemon().await;
    let addr = jetd_addr(&daemon, false);
    let mut provider = n3_provider(&addr).await;
    let consumer = NodeProcess::spawn("n3_owner_consumer.js", &[&addr]).await;
    let lines = consumer.finish(&json!({"done": true})).await;
    // The owner's `jet.InvalidParam` (its handler threw) reaches node-jet 2 as the
    // `invalidArgument` refusal of Part A, with the thrown error's text.
    let refused =
        |message: &str| json!({"err": {"name": "jet.InvalidArgument", "message": message}});
    assert_eq!(
        lines,
        [
            json!({"initial": [{"path": "n3/counter", "event": "add", "value": 0}]}),
            json!({"set": {"ok": {"path": "n3/counter", "value": 5}}}),
            json!({"change": {"path": "n3/counter", "event": "change", "value": 5}}),
            json!({"setBad": refused("counter must be a number")}),
            json!({"call": {"ok": {}}}),
            json!({"callFail": refused("method failed on purpose")}),
        ],
        "{}",
        dump(&lines)
    );
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
        json!({"call": "n3/greet", "args": ["classic"]})
    );
    drop(provider);
    tokio::time::timeout(STEP, daemon.shutdown())
        .await
        .expect("shutdown");
}

/// A node-jet 3 consumer of node-jet 2's `provider.js` on jetd.
#[tokio::test]
async fn nodejet2_owner_serves_an_n3_consumer() {
    let daemon = jet_tests::start_daemon().await;
    let addr = jetd_addr(&daemon, true);
    let (provider, _) = NodeProcess::start_provider(&addr).await;
    let lines = n3_consumer(&addr, &["nodejet2"]).await;
    let event = |path: &str, event: &str, value: Value| json!({"fetch": "demo", "path": path, "event": event, "value": value});
    assert_eq!(
        lines,
        [
            // States only (node-jet 3 never fetches methods), capitalised events, the
            // response after them.
            event("demo/state", "Add", json!({"x": 1})),
            event("demo/ro", "Add", json!(5)),
            event("demo/slow", "Add", json!(0)),
            json!({"fetched": "demo"}),
            event("demo/state", "Change", json!({"x": 2})),
            // node-jet 2's `true` as node-jet 3's `{}`.
            json!({"set": {"ok": {}}}),
            json!({"call": {"ok": {"shape": "array", "sum": 6}}}),
            // node-jet 2's bare error string, in node-jet 3's shape.
            json!({"callFail": {"error": n3_error(-32603, "jet.InternalError", "Internal error", json!("nope"))}}),
            json!({"setMissing": {"error": n3_error(-32602, "jet.NotFound",
                "No State/Method matching the specified path", json!("demo/nope"))}}),
        ],
        "{}",
        dump(&lines)
    );
    drop(provider);
    tokio::time::timeout(STEP, daemon.shutdown())
        .await
        .expect("shutdown");
}
