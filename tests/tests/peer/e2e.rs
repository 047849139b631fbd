//! End-to-end tests of the async peer (`jet_runtime::peer`) against jetd in-process, over
//! real TCP and WebSocket connections on 127.0.0.1.
//!
//! Every await is bounded by `jet_tests::STEP`; absence of an event is shown by awaiting a
//! later marker event on the same ordered stream, never by sleeping.

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use jet_runtime::fetch::builder::{Fetch, ValueType};
use jet_runtime::peer::{
    custom_error, invalid_argument, ElementEvent, EventKind, FetchEvent, FetchStream, Peer,
    PeerError, SetReply, Window,
};
use jet_tests::within as t;
use serde_json::{json, Value};

async fn connect(addr: &str) -> Peer {
    t(Peer::connect(addr)).await.expect("connect")
}

async fn tcp_peer(d: &jetd::Daemon) -> Peer {
    connect(&d.tcp_addr().unwrap().to_string()).await
}

async fn element(s: &mut FetchStream) -> ElementEvent {
    match t(s.next()).await.expect("fetch stream ended") {
        FetchEvent::Element(e) => e,
        other => panic!("expected an element event, got {other:?}"),
    }
}

async fn window(s: &mut FetchStream) -> Window {
    match t(s.next()).await.expect("fetch stream ended") {
        FetchEvent::Window(w) => w,
        other => panic!("expected a window, got {other:?}"),
    }
}

fn window_paths(w: &Window) -> Vec<&str> {
    w.entries.iter().map(|e| e.path.as_str()).collect()
}

#[tokio::test]
async fn connects_over_tcp_and_websocket_and_reads_info() {
    let d = jet_tests::start_daemon().await;
    let tcp = tcp_peer(&d).await;
    let info = t(tcp.info()).await.unwrap();
    assert_eq!(info.name, "jetd");
    assert_eq!(info.protocol_version, "1.1.0");
    assert_eq!(info.features["fetch"], json!("full"));

    let ws_url = format!("ws://{}/", d.ws_addr().unwrap());
    let ws = t(Peer::builder().name("ws-peer").connect(&ws_url))
        .await
        .unwrap();
    assert_eq!(t(ws.info()).await.unwrap(), info);
    // The two transports reach the same bus.
    let _s = t(tcp.add_state("shared/x", json!(1))).await.unwrap();
    let got = t(ws.get(&Fetch::all().path_equals("shared/x")))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].value, Some(json!(1)));
    assert!(
        got[0].fetch_only,
        "a state without set handler is fetch-only"
    );
    d.shutdown().await;
}

#[tokio::test]
async fn bad_addresses_and_refused_credentials_are_typed_errors() {
    let d = jet_tests::start_daemon().await;
    assert!(matches!(
        Peer::connect("not an address").await,
        Err(PeerError::InvalidAddress(_))
    ));
    let refused = t(Peer::builder()
        .credentials("nobody", "wrong")
        .connect(&d.tcp_addr().unwrap().to_string()))
    .await;
    assert!(
        matches!(refused, Err(PeerError::InvalidCredentials)),
        "{refused:?}"
    );
    d.shutdown().await;
    // Nothing listens there any more.
    let gone = t(Peer::connect(&d_addr_placeholder())).await;
    assert!(matches!(gone, Err(PeerError::Connect { .. })), "{gone:?}");
}

/// A loopback port nothing listens on: bind, note the port, close.
fn d_addr_placeholder() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr.to_string()
}

#[tokio::test]
async fn set_handlers_accept_adjust_refuse_and_value_as_result() {
    let d = jet_tests::start_daemon().await;
    let owner = tcp_peer(&d).await;
    let client = tcp_peer(&d).await;
    let state = t(owner.add_state("boiler/setpoint", json!(50)).on_set(|v| {
        let Some(n) = v.as_f64() else {
            return Err(invalid_argument("a number is required"));
        };
        if n > 100.0 {
            return Err(custom_error(42, "too hot", Some(json!({"max": 100}))));
        }
        if n > 90.0 {
            return Ok(SetReply::adjusted(json!(90)));
        }
        Ok(SetReply::accept())
    }))
    .await
    .unwrap();
    let mut events = t(client.fetch(&Fetch::all().path_equals("boiler/setpoint")))
        .await
        .unwrap();
    assert_eq!(element(&mut events).await.kind, EventKind::Add);

    // Accept: `true`, then the change.
    assert_eq!(
        t(client.set("boiler/setpoint", json!(60))).await.unwrap(),
        json!(true)
    );
    let e = element(&mut events).await;
    assert_eq!((e.kind, e.value), (EventKind::Change, Some(json!(60))));
    assert_eq!(state.value(), json!(60));

    // Adjust, asking for the accepted value back.
    let r = t(client.set("boiler/setpoint", json!(95)).value_as_result()).await;
    assert_eq!(r.unwrap(), json!(90));
    assert_eq!(element(&mut events).await.value, Some(json!(90)));

    // Refuse: the requester sees the owner's error object.
    match t(client.set("boiler/setpoint", json!(120))).await {
        Err(PeerError::Remote {
            code,
            message,
            data,
        }) => {
            assert_eq!((code, message.as_str()), (42, "too hot"));
            assert_eq!(data, Some(json!({"max": 100})));
        }
        other => panic!("expected the owner's error, got {other:?}"),
    }
    match t(client.set("boiler/setpoint", json!("hot"))).await {
        Err(PeerError::InvalidParams { data, .. }) => {
            assert_eq!(
                data,
                Some(json!({"invalidArgument": {"message": "a number is required"}}))
            )
        }
        other => panic!("expected invalid params, got {other:?}"),
    }
    assert_eq!(state.value(), json!(90), "refused values are not taken");

    // The owner publishes a change of its own.
    t(state.change(json!(70))).await.unwrap();
    assert_eq!(element(&mut events).await.value, Some(json!(70)));
    d.shutdown().await;
}

#[tokio::test]
async fn async_set_handlers_and_dont_notify() {
    let d = jet_tests::start_daemon().await;
    let owner = tcp_peer(&d).await;
    let client = tcp_peer(&d).await;
    let quiet = t(owner
        .add_state("q/quiet", json!(0))
        .on_set_async(|v| async move {
            tokio::task::yield_now().await;
            Ok(SetReply::adjusted(json!(v.as_i64().unwrap_or(0) * 2)).without_change())
        }))
    .await
    .unwrap();
    let marker = t(owner.add_state("q/marker", json!(0))).await.unwrap();
    let mut events = t(client.fetch(&Fetch::all().path_starts_with("q/")))
        .await
        .unwrap();
    element(&mut events).await;
    element(&mut events).await;

    let r = t(client.set("q/quiet", json!(21)).value_as_result()).await;
    assert_eq!(r.unwrap(), json!(42));
    assert_eq!(quiet.value(), json!(42));
    // No change for q/quiet: the next event is the marker's.
    t(marker.change(json!(1))).await.unwrap();
    let e = element(&mut events).await;
    assert_eq!((e.path.as_str(), e.kind), ("q/marker", EventKind::Change));
    d.shutdown().await;
}

#[tokio::test]
async fn fetch_only_states_refuse_sets() {
    let d = jet_tests::start_daemon().await;
    let owner = tcp_peer(&d).await;
    let client = tcp_peer(&d).await;
    let _ro = t(owner.add_state("ro/temp", json!(21.5))).await.unwrap();
    let r = t(client.set("ro/temp", json!(0))).await;
    assert!(
        matches!(r, Err(PeerError::FetchOnly(ref p)) if p == "ro/temp"),
        "{r:?}"
    );
    d.shutdown().await;
}

#[tokio::test]
async fn methods_sync_and_async_with_array_and_object_args() {
    let d = jet_tests::start_daemon().await;
    let owner = tcp_peer(&d).await;
    let client = connect(&format!("ws://{}/", d.ws_addr().unwrap())).await;
    let _sum = t(owner.add_method("m/sum", |args: Value| {
        let nums: Vec<f64> = match &args {
            Value::Array(a) => a.iter().filter_map(Value::as_f64).collect(),
            Value::Object(o) => o.values().filter_map(Value::as_f64).collect(),
            _ => return Err(invalid_argument("array or object expected")),
        };
        Ok(json!({"shape": if args.is_array() {"array"} else {"object"}, "sum": nums.iter().sum::<f64>()}))
    }))
    .await
    .unwrap();
    let _slow = t(owner.add_method_async("m/echo_later", |args| async move {
        tokio::task::yield_now().await;
        if args == json!({}) {
            Err(custom_error(-32000, "nothing to echo", None))
        } else {
            Ok(args)
        }
    }))
    .await
    .unwrap();
    let r = t(client.call("m/sum", json!([1, 2, 3]))).await.unwrap();
    assert_eq!(r, json!({"shape": "array", "sum": 6.0}));
    let r = t(client.call("m/sum", json!({"a": 1, "b": 2})))
        .await
        .unwrap();
    assert_eq!(r, json!({"shape": "object", "sum": 3.0}));
    assert_eq!(
        t(client.call("m/echo_later", json!(["x"]))).await.unwrap(),
        json!(["x"])
    );
    match t(client.call("m/echo_later", json!({}))).await {
        Err(PeerError::Remote { code, message, .. }) => {
            assert_eq!((code, message.as_str()), (-32000, "nothing to echo"))
        }
        other => panic!("expected the handler's error, got {other:?}"),
    }
    // Many calls in flight at once are correlated correctly.
    let calls = (0..50).map(|i| client.call("m/echo_later", json!([i])).into_future());
    let results = t(futures_util::future::join_all(calls)).await;
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(r.unwrap(), json!([i]));
    }
    d.shutdown().await;
}

#[tokio::test]
async fn request_errors_are_typed() {
    let d = jet_tests::start_daemon().await;
    let owner = tcp_peer(&d).await;
    let client = tcp_peer(&d).await;
    let _s = t(owner
        .add_state("e/state", json!(1))
        .on_set(|_| Ok(SetReply::accept())))
    .await
    .unwrap();
    let _m = t(owner.add_method("e/method", |_| Ok(json!(null))))
        .await
        .unwrap();
    let _never = t(owner
        .add_state("e/never", json!(0))
        .on_set_async(|_| futures_util::future::pending()))
    .await
    .unwrap();

    let r = t(client.set("e/missing", json!(1))).await;
    assert!(
        matches!(r, Err(PeerError::NotFound(ref p)) if p == "e/missing"),
        "{r:?}"
    );
    let r = t(client.call("e/missing", json!([]))).await;
    assert!(matches!(r, Err(PeerError::NotFound(_))), "{r:?}");
    let r = t(client.add_state("e/state", json!(2))).await;
    assert!(
        matches!(r, Err(PeerError::Occupied(ref p)) if p == "e/state"),
        "{r:?}"
    );
    let r = t(client.remove("e/state")).await;
    assert!(
        matches!(r, Err(PeerError::Foreign(ref p)) if p == "e/state"),
        "{r:?}"
    );
    let r = t(client.change("e/state", json!(3))).await;
    assert!(matches!(r, Err(PeerError::Foreign(_))), "{r:?}");
    let r = t(client.set("e/method", json!(1))).await;
    assert!(matches!(r, Err(PeerError::NotAState(_))), "{r:?}");
    let r = t(client.call("e/state", json!([]))).await;
    assert!(matches!(r, Err(PeerError::NotAMethod(_))), "{r:?}");
    let r = t(client.request("nonsense", json!({}), None)).await;
    assert!(
        matches!(r, Err(PeerError::MethodNotFound(ref m)) if m == "nonsense"),
        "{r:?}"
    );
    let r =
        t(client.fetch(&Fetch::all().path(jet_runtime::fetch::builder::PathOp::Equals, json!(5))))
            .await;
    assert!(matches!(r, Err(PeerError::InvalidParams { .. })), "{r:?}");

    // The daemon's routed timeout.
    let started = Instant::now();
    let r = t(client
        .set("e/never", json!(1))
        .timeout(Duration::from_millis(200)))
    .await;
    assert!(
        matches!(r, Err(PeerError::Timeout { details: Some(_) })),
        "{r:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    // The owner goes away while a request is pending: the requester hears at once.
    let pending = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .set("e/never", json!(2))
                .timeout(Duration::from_secs(30))
                .await
        }
    });
    // The set has reached the owner once the daemon has a pending route.
    t(async {
        while d.stats().pending_routes == 0 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    let started = Instant::now();
    owner.close().await;
    let r = t(pending).await.unwrap();
    assert!(
        matches!(r, Err(PeerError::OwnerDisconnected(Some(ref p))) if p == "e/never"),
        "{r:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    d.shutdown().await;
}

#[tokio::test]
async fn handles_remove_on_drop_unless_detached() {
    let d = jet_tests::start_daemon().await;
    let owner = tcp_peer(&d).await;
    let client = tcp_peer(&d).await;
    let mut events = t(client.fetch(&Fetch::all().path_starts_with("h/")))
        .await
        .unwrap();
    let state = t(owner.add_state("h/dropped", json!(1))).await.unwrap();
    let method = t(owner.add_method("h/method", |_| Ok(json!(1))))
        .await
        .unwrap();
    let kept = t(owner.add_state("h/kept", json!(2))).await.unwrap();
    for path in ["h/dropped", "h/method", "h/kept"] {
        let e = element(&mut events).await;
        assert_eq!((e.kind, e.path.as_str()), (EventKind::Add, path));
    }
    assert_eq!(element_value_of_method(&client).await, None);
    drop(state);
    let e = element(&mut events).await;
    assert_eq!(
        (e.kind, e.path.as_str(), e.value),
        (EventKind::Remove, "h/dropped", Some(json!(1)))
    );
    drop(method);
    let e = element(&mut events).await;
    assert_eq!((e.kind, e.path.as_str()), (EventKind::Remove, "h/method"));
    kept.detach();
    let marker = t(owner.add_state("h/marker", json!(0))).await.unwrap();
    let e = element(&mut events).await;
    assert_eq!(
        (e.kind, e.path.as_str()),
        (EventKind::Add, "h/marker"),
        "detached state stays"
    );
    t(marker.remove()).await.unwrap();
    assert_eq!(element(&mut events).await.kind, EventKind::Remove);
    let left = t(client.get(&Fetch::all().path_starts_with("h/")))
        .await
        .unwrap();
    let paths: Vec<&str> = left.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["h/kept"]);
    d.shutdown().await;
}

async fn element_value_of_method(client: &Peer) -> Option<Value> {
    let got = t(client.get(&Fetch::all().path_equals("h/method")))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    got[0].value.clone()
}

#[tokio::test]
async fn unsorted_fetch_with_value_rules_and_unfetch_on_drop() {
    let d = jet_tests::start_daemon().await;
    let owner = tcp_peer(&d).await;
    let client = tcp_peer(&d).await;
    let mut people = Vec::new();
    for (name, age) in [("ann", 10), ("bob", 30), ("cid", 15)] {
        let s = t(owner.add_state(format!("people/{name}"), json!({"name": name, "age": age})))
            .await
            .unwrap();
        people.push(s);
    }
    let young = Fetch::all()
        .path_starts_with("PEOPLE/")
        .case_insensitive()
        .field(
            "age",
            jet_runtime::fetch::builder::ValueOp::LessThan,
            json!(20),
        );
    let mut events = t(client.fetch(&young)).await.unwrap();
    let first = element(&mut events).await;
    let second = element(&mut events).await;
    assert_eq!(
        (first.path.as_str(), second.path.as_str()),
        ("people/ann", "people/cid")
    );
    // ann grows up: she leaves the fetch; bob gets younger: he enters it.
    t(people[0].change(json!({"name": "ann", "age": 25})))
        .await
        .unwrap();
    let e = element(&mut events).await;
    assert_eq!((e.kind, e.path.as_str()), (EventKind::Remove, "people/ann"));
    t(people[1].change(json!({"name": "bob", "age": 5})))
        .await
        .unwrap();
    let e = element(&mut events).await;
    assert_eq!((e.kind, e.path.as_str()), (EventKind::Add, "people/bob"));

    let id = events.id().to_owned();
    assert_eq!(d.stats().fetchers, 1);
    drop(events);
    // The unfetch went out before this request on the same connection.
    let r = t(client.request("unfetch", json!({"id": id}), None)).await;
    assert!(matches!(r, Err(PeerError::InvalidParams { .. })), "{r:?}");
    assert_eq!(d.stats().fetchers, 0);

    // Explicit unfetch, and `get` with a value rule.
    let numbers = t(client.fetch(&Fetch::all().value_is_type(ValueType::Number)))
        .await
        .unwrap();
    t(numbers.unfetch()).await.unwrap();
    let got = t(client.get(&Fetch::all().path_starts_with("people/").field(
        "age",
        jet_runtime::fetch::builder::ValueOp::GreaterThan,
        json!(12),
    )))
    .await
    .unwrap();
    let paths: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["people/ann", "people/cid"]);
    d.shutdown().await;
}

#[tokio::test]
async fn sorted_fetch_yields_window_snapshots() {
    let d = jet_tests::start_daemon().await;
    let owner = tcp_peer(&d).await;
    let client = tcp_peer(&d).await;
    let mut states = std::collections::HashMap::new();
    for (name, v) in [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)] {
        let s = t(owner.add_state(format!("s/{name}"), json!(v)))
            .await
            .unwrap();
        states.insert(name, s);
    }
    // The worked example of PROTOCOL.md B §6.8.
    let mut w = t(client.fetch(&Fetch::all().path_starts_with("s/").range(1, 4)))
        .await
        .unwrap();
    assert_eq!(
        window_paths(&window(&mut w).await),
        ["s/a", "s/b", "s/c", "s/d"]
    );
    drop(states.remove("c"));
    assert_eq!(
        window_paths(&window(&mut w).await),
        ["s/a", "s/b", "s/d", "s/e"]
    );
    drop(states.remove("e"));
    assert_eq!(window_paths(&window(&mut w).await), ["s/a", "s/b", "s/d"]);
    states.insert("e", t(owner.add_state("s/e", json!(5))).await.unwrap());
    assert_eq!(
        window_paths(&window(&mut w).await),
        ["s/a", "s/b", "s/d", "s/e"]
    );
    drop(states.remove("d"));
    assert_eq!(window_paths(&window(&mut w).await), ["s/a", "s/b", "s/e"]);
    t(states["a"].change(json!(10))).await.unwrap();
    let snap = window(&mut w).await;
    assert_eq!(window_paths(&snap), ["s/a", "s/b", "s/e"]);
    assert_eq!(snap.entries[0].value, Some(json!(10)));
    assert_eq!(snap.changes.len(), 1);

    // By value, descending, window 1..2; and the same as a one-shot get.
    let by_value = Fetch::all()
        .path_starts_with("s/")
        .sort_by_value(ValueType::Number)
        .descending()
        .range(1, 2);
    let mut v = t(client.fetch(&by_value)).await.unwrap();
    let snap = window(&mut v).await;
    assert_eq!(window_paths(&snap), ["s/a", "s/e"]);
    assert_eq!(snap.from, 1);
    let got = t(client.get(&by_value)).await.unwrap();
    let got: Vec<(&str, Option<usize>)> = got.iter().map(|e| (e.path.as_str(), e.index)).collect();
    assert_eq!(got, [("s/a", Some(1)), ("s/e", Some(2))]);
    t(states["b"].change(json!(7))).await.unwrap();
    assert_eq!(window_paths(&window(&mut v).await), ["s/a", "s/b"]);
    d.shutdown().await;
}

/// Without a reconnect policy a dropped connection closes the peer: fetch streams end and
/// requests fail with `Closed`. (That pending requests fail at once is shown against a
/// scripted daemon in quirks.rs, where no owner disconnect can answer first.)
#[tokio::test]
async fn without_reconnect_a_lost_connection_closes_the_peer() {
    let d = jet_tests::start_daemon().await;
    let client = tcp_peer(&d).await;
    let _s = t(client.add_state("c/x", json!(0))).await.unwrap();
    let mut events = t(client.fetch(&Fetch::all())).await.unwrap();
    element(&mut events).await;
    assert!(client.is_connected());
    d.shutdown().await;
    assert_eq!(t(events.next()).await, None);
    let r = t(client.info()).await;
    assert!(matches!(r, Err(PeerError::Closed)), "{r:?}");
    assert!(!client.is_connected());
}

/// `add_state_raw` sends the initial value as written (a `Value` would turn `1E3` into
/// `1e+3`; the text is what other peers see); a later `change` sends its `Value`. (A
/// reconnect re-adds with the same params, unit-tested in `peer/state.rs`.)
#[tokio::test]
async fn a_state_added_from_text_keeps_its_spelling() {
    use jet_runtime::peer::Peer;
    use jet_tests::raw::RawClient;
    use jet_tests::within as t;
    use serde_json::value::RawValue;
    let daemon = jet_tests::start_daemon().await;
    let peer = t(Peer::connect(&daemon.tcp_addr().unwrap().to_string()))
        .await
        .unwrap();
    let text = RawValue::from_string(r#"{"t":1E3,"u":[2.50,-0.0]}"#.into()).unwrap();
    let state = t(peer.add_state_raw("raw/x", text).unwrap()).await.unwrap();
    // The value is what the text means.
    let value = state.value();
    assert_eq!(value["t"].as_f64(), Some(1000.0), "{value}");
    assert_eq!(value["u"][0].as_f64(), Some(2.5), "{value}");
    let mut raw = RawClient::tcp(daemon.tcp_addr().unwrap()).await;
    raw.send(r#"{"id":1,"method":"get","params":{"path":{"equals":"raw/x"}}}"#)
        .await;
    let got = raw.recv_text().await;
    assert!(
        got.contains(r#""value":{"t":1E3,"u":[2.50,-0.0]}"#),
        "{got}"
    );
    t(state.change(serde_json::json!(7))).await.unwrap();
    raw.send(r#"{"id":2,"method":"get","params":{"path":{"equals":"raw/x"}}}"#)
        .await;
    let got = raw.recv_text().await;
    assert!(got.contains(r#""value":7"#), "{got}");
    // Text nested deeper than serde_json reads is refused before anything is sent.
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(peer
        .add_state_raw("raw/deep", RawValue::from_string(deep).unwrap())
        .is_err());
    peer.close().await;
    daemon.shutdown().await;
}
