//! jetd's extensions of the protocol: JSON Schemas kept from `add` and served by the
//! `schema` method, and resource limits answered with `-32002 Limit exceeded`.

use jet_tests::raw::{result, stop, tcp_client};
use jet_tests::start_daemon_with;
use serde_json::json;

#[tokio::test]
async fn info_advertises_schemas() {
    let d = jet_tests::start_daemon().await;
    let mut c = tcp_client(&d).await;
    let info = c.request("info", json!({})).await;
    assert_eq!(result(&info)["features"]["schemas"], json!(true));
    stop(d).await;
}

#[tokio::test]
async fn schemas_from_add_are_served_by_path_rule_in_insertion_order() {
    let d = jet_tests::start_daemon().await;
    let mut owner = tcp_client(&d).await;
    owner
        .request_ok(
            "add",
            json!({"path":"b/setpoint","value":70,"schema":{"type":"number","minimum":0}}),
        )
        .await;
    owner
        .request_ok("add", json!({"path":"b/plain","value":1}))
        .await;
    owner
        .request_ok(
            "add",
            json!({"path":"a/heat","schema":{"params":{"type":"object"},"result":{"type":"number"}}}),
        )
        .await;
    let mut other = tcp_client(&d).await;
    let all = other.request("schema", json!({})).await;
    assert_eq!(
        result(&all),
        &json!([
            {"path":"b/setpoint","schema":{"type":"number","minimum":0}},
            {"path":"a/heat","schema":{"params":{"type":"object"},"result":{"type":"number"}}}
        ])
    );
    let some = other
        .request("schema", json!({"path":{"startsWith":"b/"}}))
        .await;
    assert_eq!(
        result(&some),
        &json!([{"path":"b/setpoint","schema":{"type":"number","minimum":0}}])
    );
    // The schema member does not change what fetchers see.
    let got = other
        .request("get", json!({"path":{"equals":"b/setpoint"}}))
        .await;
    assert_eq!(
        result(&got),
        &json!([{"path":"b/setpoint","event":"add","value":70}])
    );
    let bad = other
        .request("schema", json!({"path":{"nonsense":"x"}}))
        .await;
    assert_eq!(bad["error"]["code"], json!(-32602));
    assert!(bad["error"]["data"]["invalidFetch"].is_string(), "{bad}");
    stop(d).await;
}

#[tokio::test]
async fn elements_per_peer_are_limited() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.max_elements_per_peer = 2;
    let d = start_daemon_with(config).await;
    let mut c = tcp_client(&d).await;
    c.request_ok("add", json!({"path":"a","value":1})).await;
    c.request_ok("add", json!({"path":"b"})).await;
    let refused = c.request("add", json!({"path":"c","value":1})).await;
    assert_eq!(
        refused["error"],
        json!({"message":"Limit exceeded","code":-32002,"data":{"limitExceeded":"elementsPerPeer","limit":2}})
    );
    // Removing one frees a slot; another peer has its own allowance.
    c.request_ok("remove", json!({"path":"a"})).await;
    c.request_ok("add", json!({"path":"c","value":1})).await;
    let mut other = tcp_client(&d).await;
    other.request_ok("add", json!({"path":"d","value":1})).await;
    stop(d).await;
}

#[tokio::test]
async fn fetchers_per_peer_are_limited() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.max_fetchers_per_peer = 1;
    let d = start_daemon_with(config).await;
    let mut c = tcp_client(&d).await;
    c.request_ok("fetch", json!({"id":"f1"})).await;
    let refused = c.request("fetch", json!({"id":"f2"})).await;
    assert_eq!(
        refused["error"]["data"],
        json!({"limitExceeded":"fetchersPerPeer","limit":1})
    );
    c.request_ok("unfetch", json!({"id":"f1"})).await;
    c.request_ok("fetch", json!({"id":"f2"})).await;
    stop(d).await;
}

#[tokio::test]
async fn pending_routed_requests_per_peer_are_limited() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.max_pending_per_peer = 2;
    let d = start_daemon_with(config).await;
    let mut owner = tcp_client(&d).await;
    owner.request_ok("add", json!({"path":"m"})).await;
    let mut req = tcp_client(&d).await;
    req.send(r#"{"id":1,"method":"call","params":{"path":"m"}}"#)
        .await;
    req.send(r#"{"id":2,"method":"call","params":{"path":"m"}}"#)
        .await;
    let first = owner.recv().await;
    owner.recv().await;
    let refused = req.request("call", json!({"path":"m"})).await;
    assert_eq!(
        refused["error"]["data"],
        json!({"limitExceeded":"pendingPerPeer","limit":2})
    );
    // An answer frees a slot.
    owner
        .send(&json!({"id": first["id"], "result": 1}).to_string())
        .await;
    assert_eq!(req.recv().await, json!({"id":1,"result":1}));
    req.send(r#"{"id":4,"method":"call","params":{"path":"m"}}"#)
        .await;
    let routed = owner.recv().await;
    assert_eq!(routed["method"], json!("m"));
    stop(d).await;
}

#[tokio::test]
async fn connections_over_the_limit_are_closed() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.max_connections = 2;
    let d = start_daemon_with(config).await;
    let mut a = tcp_client(&d).await;
    let _b = tcp_client(&d).await;
    assert_eq!(
        a.request("echo", json!({"x":1})).await["result"],
        json!({"x":1})
    );
    let mut c = jet_tests::raw::RawClient::tcp(d.tcp_addr().unwrap()).await;
    c.expect_closed().await;
    // The first two are still served.
    assert_eq!(
        a.request("echo", json!({"x":2})).await["result"],
        json!({"x":2})
    );
    stop(d).await;
}

/// Regression: a value nested deeper than serde_json builds trees for (128 levels) was
/// accepted as text, and the first value-rule fetcher to look at it panicked the core.
/// Such a value now simply never matches a value rule; path-only fetchers get it verbatim.
/// (The nesting limit refuses such values by default; raised here, so that what lies
/// behind it stays safe too.)
#[tokio::test]
async fn values_too_deep_to_parse_never_match_value_rules() {
    let d = jet_tests::start_daemon_with(jetd::Config {
        max_nesting_depth: 1000,
        ..jetd::Config::loopback_ephemeral()
    })
    .await;
    let mut by_value = tcp_client(&d).await;
    by_value
        .request_ok("fetch", json!({"id":"v","value":{"isType":"array"}}))
        .await;
    let mut by_path = tcp_client(&d).await;
    by_path
        .request_ok("fetch", json!({"id":"p","path":{"equals":"deep"}}))
        .await;
    let mut owner = tcp_client(&d).await;
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    owner
        .send(&format!(
            r#"{{"id":1,"method":"add","params":{{"path":"deep","value":{deep}}}}}"#
        ))
        .await;
    assert_eq!(owner.recv().await, json!({"id":1,"result":true}));
    by_path
        .expect(&format!(
            r#"{{"method":"p","params":{{"path":"deep","event":"add","value":{deep}}}}}"#
        ))
        .await;
    owner
        .request_ok("add", json!({"path":"flat","value":[1]}))
        .await;
    // The value-rule fetcher sees the flat array, never the deep one, and keeps working.
    by_value
        .expect(r#"{"method":"v","params":{"path":"flat","event":"add","value":[1]}}"#)
        .await;
    stop(d).await;
}
