//! A.10: how a connection's dialect is chosen (recognised from the first request, fixed by
//! a listener option or a WebSocket path), what an N3 connection reads, and that a classic
//! peer cannot tell the dialect exists.

use jet_tests::raw::RawClient;
use serde_json::json;

fn n3_not_found(path: &str) -> serde_json::Value {
    json!({"code": -32602, "message": "No State/Method matching the specified path",
        "data": {"name": "jet.NotFound",
            "url": "https://github.com/lipp/node-jet/blob/master/doc/peer.markdown#jetnotfound",
            "details": path},
        "name": "jet.NotFound"})
}

/// A node-jet 3 opening (`info` with a string id and `params:{}`) makes the connection N3.
#[tokio::test]
async fn an_n3_opening_is_recognised() {
    let daemon = jet_tests::start_daemon().await;
    let mut c = RawClient::tcp(daemon.tcp_addr().unwrap()).await;
    c.send(r#"{"id":"1","method":"info","params":{}}"#).await;
    let info = c.recv().await;
    assert_eq!(
        info["result"]["features"]["asNotification"],
        json!(false),
        "{info}"
    );
    c.send(r#"{"id":"2","method":"add","params":{"path":"a","value":1}}"#)
        .await;
    c.expect(r#"{"id":"2","result":{}}"#).await;
    c.send(r#"{"id":"3","method":"fetch","params":{"id":"f","path":{"startsWith":""}}}"#)
        .await;
    // The notification before the response.
    c.expect(r#"{"method":"f","params":{"path":"a","event":"Add","value":1}}"#)
        .await;
    c.expect(r#"{"id":"3","result":{}}"#).await;
    c.send(r#"{"id":"4","method":"set","params":{"path":"nope","value":1}}"#)
        .await;
    assert_eq!(
        c.recv().await,
        json!({"id": "4", "error": n3_not_found("nope")})
    );
    c.send(r#"{"id":"5","method":"get","params":{"path":{"equals":"a"}}}"#)
        .await;
    c.expect(r#"{"id":"5","result":[{"path":"a","value":1}]}"#)
        .await;
}

/// node-jet 3 peers send batches once the daemon's `info` allows them: an opening `info`
/// that arrives as the first member of a batch is recognised as well, and the rest of the
/// batch is already answered in node-jet 3's words.
#[tokio::test]
async fn an_n3_opening_inside_a_batch_is_recognised() {
    let daemon = jet_tests::start_daemon().await;
    let mut c = RawClient::tcp(daemon.tcp_addr().unwrap()).await;
    c.send(
        r#"[{"id":"1","method":"info","params":{}},{"id":"2","method":"add","params":{"path":"a","value":1}},{"id":"3","method":"set","params":{"path":"nope","value":1}}]"#,
    )
    .await;
    let info = c.recv().await;
    assert_eq!(info["id"], json!("1"), "{info}");
    assert_eq!(info["result"]["features"]["asNotification"], json!(false));
    c.expect(r#"{"id":"2","result":{}}"#).await;
    assert_eq!(
        c.recv().await,
        json!({"id": "3", "error": n3_not_found("nope")})
    );
}

/// A classic peer that sends `info` first (numeric id, no params) stays classic, and the
/// N3-only methods do not exist for it.
#[tokio::test]
async fn classic_peers_stay_classic() {
    let daemon = jet_tests::start_daemon().await;
    let mut c = RawClient::tcp(daemon.tcp_addr().unwrap()).await;
    let info = c.request("info", json!({})).await;
    assert_eq!(
        info["result"]["features"]["authentication"],
        json!(true),
        "{info}"
    );
    c.send(r#"{"id":7,"method":"add","params":{"path":"a","value":1}}"#)
        .await;
    c.expect(r#"{"id":7,"result":true}"#).await;
    for method in ["configure", "addUser"] {
        let r = c.request(method, json!({"name": "x"})).await;
        assert_eq!(r["error"]["code"], json!(-32601), "{method}: {r}");
    }
}

/// `info` with a string id and `params:{}` as the first request is N3's opening; the
/// listener option and the WebSocket path fix the dialect instead.
#[tokio::test]
async fn listener_option_and_websocket_path_fix_the_dialect() {
    let config = jetd::Config {
        tcp_dialect: jetd::config::DialectChoice::N3,
        ..jetd::Config::loopback_ephemeral()
    };
    let daemon = jet_tests::start_daemon_with(config).await;
    let mut tcp = RawClient::tcp(daemon.tcp_addr().unwrap()).await;
    tcp.send(r#"{"id":1,"method":"add","params":{"path":"t","value":1}}"#)
        .await;
    tcp.expect(r#"{"id":1,"result":{}}"#).await;

    let ws_addr = daemon.ws_addr().unwrap();
    let mut n3 = RawClient::ws(ws_addr, "/n3").await;
    n3.send(r#"{"id":1,"method":"add","params":{"path":"w","value":1}}"#)
        .await;
    n3.expect(r#"{"id":1,"result":{}}"#).await;
    // /classic wins over an N3-looking opening.
    let mut classic = RawClient::ws(ws_addr, "/classic").await;
    classic
        .send(r#"{"id":"1","method":"info","params":{}}"#)
        .await;
    let info = classic.recv().await;
    assert_eq!(
        info["result"]["features"]["authentication"],
        json!(true),
        "{info}"
    );
    classic
        .send(r#"{"id":"2","method":"add","params":{"path":"c","value":1}}"#)
        .await;
    classic.expect(r#"{"id":"2","result":true}"#).await;
}

/// Routed requests reach an N3 owner as `{"method":"set"|"call","params":{"path",..}}`;
/// its answers reach a classic requester as they are, a classic owner's `true` reaches an
/// N3 requester as `{}`.
#[tokio::test]
async fn routed_requests_in_each_owners_dialect() {
    let daemon = jet_tests::start_daemon().await;
    let ws_addr = daemon.ws_addr().unwrap();
    let mut n3_owner = RawClient::ws(ws_addr, "/n3").await;
    n3_owner
        .send(r#"{"id":"1","method":"add","params":{"path":"s","value":1}}"#)
        .await;
    n3_owner.expect(r#"{"id":"1","result":{}}"#).await;
    n3_owner
        .send(r#"{"id":"2","method":"add","params":{"path":"m"}}"#)
        .await;
    n3_owner.expect(r#"{"id":"2","result":{}}"#).await;
    let mut classic = RawClient::tcp(daemon.tcp_addr().unwrap()).await;
    classic
        .send(r#"{"id":10,"method":"set","params":{"path":"s","value":2}}"#)
        .await;
    let routed = n3_owner.recv().await;
    assert_eq!(routed["method"], json!("set"), "{routed}");
    assert_eq!(
        routed["params"],
        json!({"path": "s", "value": 2}),
        "{routed}"
    );
    let id = routed["id"].to_string();
    n3_owner
        .send(&format!(
            r#"{{"id":{id},"result":{{"path":"s","value":2}}}}"#
        ))
        .await;
    classic
        .expect(r#"{"id":10,"result":{"path":"s","value":2}}"#)
        .await;
    classic
        .send(r#"{"id":11,"method":"call","params":{"path":"m","args":[1]}}"#)
        .await;
    let routed = n3_owner.recv().await;
    assert_eq!(routed["method"], json!("call"), "{routed}");
    assert_eq!(
        routed["params"],
        json!({"path": "m", "args": [1]}),
        "{routed}"
    );

    // The other way round: a classic owner, an N3 requester.
    classic
        .send(r#"{"id":12,"method":"add","params":{"path":"c","value":0}}"#)
        .await;
    classic.expect(r#"{"id":12,"result":true}"#).await;
    n3_owner
        .send(r#"{"id":"3","method":"set","params":{"path":"c","value":5}}"#)
        .await;
    let routed = classic.recv().await;
    assert_eq!(routed["method"], json!("c"), "{routed}");
    assert_eq!(routed["params"], json!({"value": 5}), "{routed}");
    let id = routed["id"].to_string();
    classic
        .send(&format!(r#"{{"id":{id},"result":true}}"#))
        .await;
    n3_owner.expect(r#"{"id":"3","result":{}}"#).await;
}

/// N3's value rules and `sort:{by}` are understood, and a change that stops matching
/// is a `Remove` for that fetcher (Part A, where N3's daemon does not apply the rule).
#[tokio::test]
async fn n3_value_rules_apply_to_changes() {
    let daemon = jet_tests::start_daemon().await;
    let mut c = RawClient::ws(daemon.ws_addr().unwrap(), "/jet3").await;
    c.send(r#"{"id":"1","method":"add","params":{"path":"p","value":{"age":30}}}"#)
        .await;
    c.expect(r#"{"id":"1","result":{}}"#).await;
    c.send(r#"{"id":"2","method":"fetch","params":{"id":"f","path":{"equals":"p"},"value":{"age":{"operator":"greaterThan","value":25}}}}"#)
        .await;
    c.expect(r#"{"method":"f","params":{"path":"p","event":"Add","value":{"age":30}}}"#)
        .await;
    c.expect(r#"{"id":"2","result":{}}"#).await;
    c.send(r#"{"id":"3","method":"change","params":{"path":"p","value":{"age":20}}}"#)
        .await;
    c.expect(r#"{"method":"f","params":{"path":"p","event":"Remove"}}"#)
        .await;
    c.expect(r#"{"id":"3","result":{}}"#).await;
    // A rule node-jet 3 does not know is refused in its words.
    c.send(r#"{"id":"4","method":"fetch","params":{"id":"g","value":{"":{"operator":"bogus","value":1}}}}"#)
        .await;
    let r = c.recv().await;
    assert_eq!(
        r["error"]["data"]["name"],
        json!("jet.InvalidArgument"),
        "{r}"
    );
}

/// Ownership is kept for N3 peers (node-jet 3's daemon lets anyone change or remove any
/// path): another peer's `change` and `remove` are refused as `jet.NotAllowed`.
#[tokio::test]
async fn n3_peers_cannot_change_or_remove_what_others_own() {
    let daemon = jet_tests::start_daemon().await;
    let ws = daemon.ws_addr().unwrap();
    let mut owner = RawClient::ws(ws, "/n3").await;
    owner
        .send(r#"{"id":"1","method":"add","params":{"path":"mine","value":1}}"#)
        .await;
    owner.expect(r#"{"id":"1","result":{}}"#).await;
    let mut other = RawClient::ws(ws, "/n3").await;
    for (id, req) in [
        (
            "1",
            r#"{"id":"1","method":"change","params":{"path":"mine","value":2}}"#,
        ),
        (
            "2",
            r#"{"id":"2","method":"remove","params":{"path":"mine"}}"#,
        ),
    ] {
        other.send(req).await;
        let r = other.recv().await;
        assert_eq!(r["id"], json!(id), "{r}");
        assert_eq!(r["error"]["name"], json!("jet.NotAllowed"), "{r}");
        assert_eq!(r["error"]["data"]["details"], json!("mine"), "{r}");
    }
}

/// Nodes (A.11) on an N3 connection: only a fetch or `get` that asks with `nodes:true`
/// sees nodes and the `type` member, written in N3's words; a plain N3 fetch reads what
/// node-jet 3 knows.
#[tokio::test]
async fn n3_peers_see_nodes_and_types_only_when_they_ask() {
    let daemon = jet_tests::start_daemon().await;
    let mut c = RawClient::tcp(daemon.tcp_addr().unwrap()).await;
    c.send(r#"{"id":"1","method":"info","params":{}}"#).await;
    c.recv().await;
    c.send(r#"{"id":"2","method":"add","params":{"path":"a/b","value":1}}"#)
        .await;
    c.expect(r#"{"id":"2","result":{}}"#).await;
    c.send(r#"{"id":"3","method":"fetch","params":{"id":"plain","path":{"startsWith":""}}}"#)
        .await;
    c.expect(r#"{"method":"plain","params":{"path":"a/b","event":"Add","value":1}}"#)
        .await;
    c.expect(r#"{"id":"3","result":{}}"#).await;
    c.send(
        r#"{"id":"4","method":"fetch","params":{"id":"n","path":{"startsWith":""},"nodes":true}}"#,
    )
    .await;
    c.expect(r#"{"method":"n","params":{"path":"a","event":"Add","type":"node"}}"#)
        .await;
    c.expect(r#"{"method":"n","params":{"path":"a/b","event":"Add","type":"state","value":1}}"#)
        .await;
    c.expect(r#"{"id":"4","result":{}}"#).await;
    c.send(r#"{"id":"5","method":"get","params":{"path":{"startsWith":""},"nodes":true}}"#)
        .await;
    c.expect(
        r#"{"id":"5","result":[{"path":"a","type":"node"},{"path":"a/b","type":"state","value":1}]}"#,
    )
    .await;
    c.send(r#"{"id":"6","method":"get","params":{"path":{"startsWith":""}}}"#)
        .await;
    c.expect(r#"{"id":"6","result":[{"path":"a/b","value":1}]}"#)
        .await;
    // A removal: N3 sends no value on Remove; the node goes after its last element.
    c.send(r#"{"id":"7","method":"remove","params":{"path":"a/b"}}"#)
        .await;
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(c.recv().await);
    }
    for expected in [
        json!({"method": "plain", "params": {"path": "a/b", "event": "Remove"}}),
        json!({"method": "n", "params": {"path": "a/b", "event": "Remove", "type": "state"}}),
        json!({"method": "n", "params": {"path": "a", "event": "Remove", "type": "node"}}),
        json!({"id": "7", "result": {}}),
    ] {
        assert!(got.contains(&expected), "{expected} missing in {got:?}");
    }
    let node_remove = got.iter().position(|m| m["params"]["path"] == "a").unwrap();
    let state_remove = got
        .iter()
        .position(|m| m["method"] == "n" && m["params"]["path"] == "a/b")
        .unwrap();
    assert!(state_remove < node_remove, "{got:?}");
}
