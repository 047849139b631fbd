//! PROTOCOL.md A.1, nesting limit: JSON nested deeper than `--max-nesting-depth` (default
//! 128 levels, the whole message counted) is refused wherever it occurs, with reason
//! `"nesting deeper than 128"`: `-32600` with the id of a request whose envelope could be
//! read, else `-32700` with no id; and the connection keeps serving with its elements.

use jet_tests::nested_array;
use jet_tests::raw::{stop, tcp_client, ws_client, RawClient};
use jet_tests::start_daemon;
use serde_json::{json, Value};

const DEEP: usize = 10_000;

fn parse_error() -> Value {
    json!({"error":{"message":"Parse error","code":-32700,"data":"nesting deeper than 128"}})
}

/// The refusal of a too-deep request with id `id`.
fn invalid_request(id: u32) -> Value {
    json!({"id":id,"error":{"message":"Invalid Request","code":-32600,"data":"nesting deeper than 128"}})
}

/// Each member where a deep value can hide, as a frame with `V` for the value. The first
/// eight are requests with id 1; a response, a batch and a bare value name no id.
const MEMBERS: &[(&str, &str)] = &[
    (
        "add value",
        r#"{"id":1,"method":"add","params":{"path":"d","value":V}}"#,
    ),
    (
        "change value",
        r#"{"id":1,"method":"change","params":{"path":"keep","value":V}}"#,
    ),
    (
        "set value",
        r#"{"id":1,"method":"set","params":{"path":"keep","value":V}}"#,
    ),
    (
        "call args",
        r#"{"id":1,"method":"call","params":{"path":"m","args":V}}"#,
    ),
    ("echo params", r#"{"id":1,"method":"echo","params":V}"#),
    (
        "fetch path rule",
        r#"{"id":1,"method":"fetch","params":{"id":"g","path":V}}"#,
    ),
    (
        "fetch value rule",
        r#"{"id":1,"method":"fetch","params":{"id":"g","value":{"equals":V}}}"#,
    ),
    ("unknown member", r#"{"id":1,"method":"info","x":V}"#),
    ("response", r#"{"id":1,"result":V}"#),
    (
        "batch item",
        r#"[{"id":1,"method":"echo","params":1},{"id":2,"method":"add","params":{"path":"d","value":V}}]"#,
    ),
    ("bare value", "V"),
];

async fn deep_input_is_refused_on_every_member(mut c: RawClient, mut fetcher: RawClient) {
    fetcher
        .request_as_ok(json!("f"), "fetch", json!({"id": "f"}))
        .await;
    c.request_as_ok(json!(0), "add", json!({"path": "keep", "value": 1}))
        .await;
    c.request_as_ok(json!(0), "add", json!({"path": "m"})).await;
    for _ in 0..2 {
        fetcher.recv().await;
    }
    let deep = nested_array(DEEP);
    for (i, (what, frame)) in MEMBERS.iter().enumerate() {
        c.send(&frame.replace('V', &deep)).await;
        let expected = if i < 8 {
            invalid_request(1)
        } else {
            parse_error()
        };
        assert_eq!(c.recv().await, expected, "{what}");
        // The connection serves on, its elements kept, and nothing reached the fetcher.
        let r = c.request_as(json!(9), "echo", json!("alive")).await;
        assert_eq!(r["result"], json!("alive"), "after {what}");
    }
    fetcher.expect_silence(jet_tests::raw::SILENCE).await;
    let r = c
        .request_as(json!(8), "get", json!({"path": {"startsWith": ""}}))
        .await;
    let paths: Vec<_> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].clone())
        .collect();
    assert_eq!(paths.len(), 2, "{r}");
    assert!(
        paths.contains(&json!("keep")) && paths.contains(&json!("m")),
        "{r}"
    );
}

#[tokio::test]
async fn deep_input_is_refused_on_every_member_over_tcp() {
    let d = start_daemon().await;
    deep_input_is_refused_on_every_member(tcp_client(&d).await, tcp_client(&d).await).await;
    stop(d).await;
}

#[tokio::test]
async fn deep_input_is_refused_on_every_member_over_websocket() {
    let d = start_daemon().await;
    deep_input_is_refused_on_every_member(ws_client(&d).await, ws_client(&d).await).await;
    stop(d).await;
}

/// 128 levels, the message included, pass (and reach others whole); 129 are refused.
async fn the_limit_is_128_levels_of_the_whole_message(mut c: RawClient, mut fetcher: RawClient) {
    fetcher
        .request_as_ok(json!("f"), "fetch", json!({"id": "f"}))
        .await;
    // The envelope is level 1, so params may nest 127 levels.
    let ok = nested_array(127);
    c.send(&format!(r#"{{"id":1,"method":"echo","params":{ok}}}"#))
        .await;
    assert_eq!(c.recv_text().await, format!(r#"{{"id":1,"result":{ok}}}"#));
    let too_deep = nested_array(128);
    c.send(&format!(
        r#"{{"id":2,"method":"echo","params":{too_deep}}}"#
    ))
    .await;
    assert_eq!(c.recv().await, invalid_request(2));
    // A value sits at level 3 of an add, and at level 3 of the notification forwarding it.
    let value = nested_array(126);
    c.send(&format!(
        r#"{{"id":3,"method":"add","params":{{"path":"v","value":{value}}}}}"#
    ))
    .await;
    assert_eq!(c.recv().await, json!({"id": 3, "result": true}));
    assert_eq!(
        fetcher.recv_text().await,
        format!(r#"{{"method":"f","params":{{"path":"v","event":"add","value":{value}}}}}"#)
    );
    let value = nested_array(127);
    c.send(&format!(
        r#"{{"id":4,"method":"add","params":{{"path":"w","value":{value}}}}}"#
    ))
    .await;
    assert_eq!(c.recv().await, invalid_request(4));
    // A notification (no id) is refused without one.
    c.send(&format!(
        r#"{{"method":"change","params":{{"path":"v","value":{value}}}}}"#
    ))
    .await;
    assert_eq!(c.recv().await, parse_error());
    // Brackets inside strings are not nesting.
    let text = "[{".repeat(DEEP);
    c.request_as_ok(json!(5), "add", json!({"path": "s", "value": text}))
        .await;
    assert_eq!(fetcher.recv().await["params"]["value"], json!(text));
}

#[tokio::test]
async fn the_limit_is_128_levels_of_the_whole_message_over_tcp() {
    let d = start_daemon().await;
    the_limit_is_128_levels_of_the_whole_message(tcp_client(&d).await, tcp_client(&d).await).await;
    stop(d).await;
}

#[tokio::test]
async fn the_limit_is_128_levels_of_the_whole_message_over_websocket() {
    let d = start_daemon().await;
    the_limit_is_128_levels_of_the_whole_message(ws_client(&d).await, ws_client(&d).await).await;
    stop(d).await;
}

/// `--max-nesting-depth` sets the limit.
#[tokio::test]
async fn the_limit_is_configurable() {
    let d = jet_tests::start_daemon_with(jetd::Config {
        max_nesting_depth: 4,
        ..jet_tests::tcp_only()
    })
    .await;
    let mut c = tcp_client(&d).await;
    let r = c.request_as(json!(1), "echo", json!([[[1]]])).await;
    assert_eq!(r["result"], json!([[[1]]]));
    c.send(r#"{"id":2,"method":"echo","params":[[[[1]]]]}"#)
        .await;
    assert_eq!(
        c.recv().await,
        json!({"id":2,"error":{"message":"Invalid Request","code":-32600,"data":"nesting deeper than 4"}})
    );
    stop(d).await;
}
