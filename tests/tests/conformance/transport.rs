//! PROTOCOL.md A.1 over TCP: framing, parse errors, non-object messages, batches, and
//! "one JSON object per frame" on output.

use jet_runtime::codec::encode_frame;
use jet_tests::raw::{stop, tcp_client};
use jet_tests::start_daemon;
use serde_json::json;

fn framed(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(&mut out, text.as_bytes());
    out
}

#[tokio::test]
async fn a_frame_split_byte_by_byte_is_reassembled() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    for b in framed(r#"{"id":1,"method":"echo","params":{"a":1}}"#) {
        c.send_raw_bytes(&[b]).await;
    }
    c.expect(r#"{"id":1,"result":{"a":1}}"#).await;
    stop(d).await;
}

/// jetd releases an idle connection's read buffer while it waits: a frame whose halves
/// arrive with a pause in between, and a frame far larger than the initial buffer sent
/// after a pause, must both arrive whole.
#[tokio::test]
async fn frames_after_idle_pauses_are_reassembled_and_large_ones_fit() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let bytes = framed(r#"{"id":1,"method":"echo","params":{"a":1}}"#);
    let (head, tail) = bytes.split_at(7);
    c.send_raw_bytes(head).await;
    c.expect_silence(std::time::Duration::from_millis(50)).await;
    c.send_raw_bytes(tail).await;
    c.expect(r#"{"id":1,"result":{"a":1}}"#).await;
    c.expect_silence(std::time::Duration::from_millis(50)).await;
    let big = "x".repeat(100_000);
    let request = format!(r#"{{"id":2,"method":"echo","params":{{"s":"{big}"}}}}"#);
    c.send(&request).await;
    c.expect(&format!(r#"{{"id":2,"result":{{"s":"{big}"}}}}"#))
        .await;
    c.send(r#"{"id":3,"method":"echo","params":{}}"#).await;
    c.expect(r#"{"id":3,"result":{}}"#).await;
    stop(d).await;
}

#[tokio::test]
async fn several_frames_in_one_write_are_answered_in_order() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let mut bytes = framed(r#"{"id":1,"method":"echo","params":{"n":1}}"#);
    bytes.extend(framed(r#"{"id":2,"method":"echo","params":{"n":2}}"#));
    bytes.extend(framed(r#"{"id":3,"method":"echo","params":{"n":3}}"#));
    c.send_raw_bytes(&bytes).await;
    c.expect(r#"{"id":1,"result":{"n":1}}"#).await;
    c.expect(r#"{"id":2,"result":{"n":2}}"#).await;
    c.expect(r#"{"id":3,"result":{"n":3}}"#).await;
    stop(d).await;
}

/// The length prefix counts bytes, not characters (node-jet "can echo utf-16").
#[tokio::test]
async fn length_prefix_counts_bytes_of_multibyte_utf8() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"id":1,"method":"echo","params":{"s":"ü😀 ∑"}}"#)
        .await;
    c.expect(r#"{"id":1,"result":{"s":"ü😀 ∑"}}"#).await;
    stop(d).await;
}

#[tokio::test]
async fn zero_length_frames_are_skipped() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let mut bytes = vec![0, 0, 0, 0, 0, 0, 0, 0];
    bytes.extend(framed(r#"{"id":1,"method":"echo","params":{}}"#));
    bytes.extend([0, 0, 0, 0]);
    c.send_raw_bytes(&bytes).await;
    c.expect(r#"{"id":1,"result":{}}"#).await;
    c.send(r#"{"id":2,"method":"echo","params":{}}"#).await;
    c.expect(r#"{"id":2,"result":{}}"#).await;
    stop(d).await;
}

/// lua-jet daemon_spec "sending an Invalid JSON is reported correctly", with jetd's data
/// (a short reason string) and the connection and its elements kept (A.1).
#[tokio::test]
async fn invalid_json_gives_parse_error_and_keeps_the_connection_and_its_elements() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let mut other = tcp_client(&d).await;
    c.request_ok("add", json!({"path":"kept","value":1})).await;

    for garbage in ["this is no json", "{\"id\":1,\"method\":", "{foobar"] {
        c.send(garbage).await;
        let got = c.recv_text().await;
        let v: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert!(
            got.starts_with(r#"{"error":{"message":"Parse error","code":-32700,"data":"#),
            "{got}"
        );
        assert!(
            v["error"]["data"].is_string(),
            "data is a short reason: {got}"
        );
        assert_eq!(v.as_object().unwrap().len(), 1, "no id member: {got}");
    }
    // Invalid UTF-8 is a parse error as well.
    c.send_raw_bytes(&[0, 0, 0, 3, b'"', 0xff, b'"']).await;
    let v = c.recv().await;
    assert_eq!(v["error"]["code"], -32700, "{v}");
    assert!(v.get("id").is_none(), "{v}");

    // The element survived and still belongs to the same connection.
    let got = other
        .request("get", json!({"path":{"equals":"kept"}}))
        .await;
    assert_eq!(
        got["result"],
        json!([{"path":"kept","event":"add","value":1}])
    );
    c.request_ok("change", json!({"path":"kept","value":2}))
        .await;
    stop(d).await;
}

/// lua-jet daemon_spec "sending an Invalid Request is reported correctly".
#[tokio::test]
async fn top_level_value_that_is_neither_object_nor_array_is_invalid_request() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    for value in ["123", r#""x""#, "null", "true", "-7"] {
        c.send(value).await;
        c.expect(&format!(
            r#"{{"error":{{"message":"Invalid Request","code":-32600,"data":{value}}}}}"#
        ))
        .await;
    }
    c.send(r#"{"id":1,"method":"echo","params":{}}"#).await;
    c.expect(r#"{"id":1,"result":{}}"#).await;
    stop(d).await;
}

/// A batch is processed element by element, in order, and each answer is its own frame.
#[tokio::test]
async fn batch_elements_are_processed_in_order_and_answered_one_frame_each() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(
        r#"[{"id":1,"method":"add","params":{"path":"a","value":1}},{"id":2,"method":"add","params":{"path":"a","value":2}},{"method":"change","params":{"path":"a","value":3}},{"id":3,"method":"get","params":{"path":{"equals":"a"}}}]"#,
    )
    .await;
    c.expect(r#"{"id":1,"result":true}"#).await;
    c.expect(
        r#"{"id":2,"error":{"message":"Invalid params","code":-32602,"data":{"pathAlreadyExists":"a"}}}"#,
    )
    .await;
    c.expect(r#"{"id":3,"result":[{"path":"a","event":"add","value":3}]}"#)
        .await;
    stop(d).await;
}

#[tokio::test]
async fn empty_batch_gives_nothing() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send("[]").await;
    c.send(r#"{"id":1,"method":"echo","params":{}}"#).await;
    c.expect(r#"{"id":1,"result":{}}"#).await;
    stop(d).await;
}

#[tokio::test]
async fn non_object_batch_elements_are_invalid_requests_and_the_rest_still_runs() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"[1,{"id":1,"method":"echo","params":{"x":1}},"s",[2],null]"#)
        .await;
    c.expect(r#"{"error":{"message":"Invalid Request","code":-32600,"data":1}}"#)
        .await;
    c.expect(r#"{"id":1,"result":{"x":1}}"#).await;
    c.expect(r#"{"error":{"message":"Invalid Request","code":-32600,"data":"s"}}"#)
        .await;
    c.expect(r#"{"error":{"message":"Invalid Request","code":-32600,"data":[2]}}"#)
        .await;
    c.expect(r#"{"error":{"message":"Invalid Request","code":-32600,"data":null}}"#)
        .await;
    stop(d).await;
}

#[tokio::test]
async fn jsonrpc_member_is_accepted_and_never_sent() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":[1,2]}}"#)
        .await;
    c.expect(r#"{"id":1,"result":{"a":[1,2]}}"#).await;
    c.send(r#"{"jsonrpc":"2.0","id":2,"method":"nope"}"#).await;
    c.expect(r#"{"id":2,"error":{"message":"Method not found","code":-32601,"data":"nope"}}"#)
        .await;
    stop(d).await;
}
