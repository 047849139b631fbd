//! PROTOCOL.md A.2 (ids and message classes), the parameter checks of A.3/A.4, and the
//! element-free daemon methods `info`, `echo`, `config`.

use jet_tests::raw::{assert_invalid_params, stop, tcp_client, RawClient};
use jet_tests::start_daemon;
use serde_json::{json, Value};

/// Any scalar id comes back as the same JSON text, in results and in errors.
#[tokio::test]
async fn scalar_ids_are_echoed_as_the_same_json_text() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let ids = [
        "1",
        "0",
        "-7",
        "1.5",
        "1e3",
        "3000000000",
        "18446744073709551616",
        r#""s""#,
        r#""""#,
        r#""ü""#,
        "true",
        "false",
    ];
    for id in ids {
        c.send(&format!(
            r#"{{"id":{id},"method":"echo","params":{{"k":1}}}}"#
        ))
        .await;
        c.expect(&format!(r#"{{"id":{id},"result":{{"k":1}}}}"#))
            .await;
        c.send(&format!(r#"{{"id":{id},"method":"nope"}}"#)).await;
        c.expect(&format!(
            r#"{{"id":{id},"error":{{"message":"Method not found","code":-32601,"data":"nope"}}}}"#
        ))
        .await;
    }
    stop(d).await;
}

/// node-jet drops errors for id 0; jetd must not.
#[tokio::test]
async fn id_zero_gets_its_error_responses() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"id":0,"method":"set","params":{"path":"nope","value":1}}"#)
        .await;
    c.expect(r#"{"id":0,"error":{"message":"Invalid params","code":-32602,"data":{"pathNotExists":"nope"}}}"#)
        .await;
    c.send(r#"{"id":0,"method":"fetch","params":{}}"#).await;
    c.expect(r#"{"id":0,"error":{"message":"Invalid params","code":-32602,"data":{"missingParam":"id","got":{}}}}"#)
        .await;
    stop(d).await;
}

/// Notifications (no id, or `"id":null`) are executed but never answered, errors included.
#[tokio::test]
async fn notifications_are_never_answered_not_even_errors() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    for msg in [
        r#"{"method":"echo","params":{}}"#,
        r#"{"id":null,"method":"echo","params":{}}"#,
        r#"{"method":"nope"}"#,
        r#"{"id":null,"method":"nope"}"#,
        r#"{"method":"add","params":{"value":1}}"#,
        r#"{"method":"remove","params":{"path":"nope"}}"#,
        r#"{"method":"add","params":{"path":"n","value":1}}"#,
        r#"{"method":"add","params":{"path":"n","value":2}}"#,
        r#"{"method":"set","params":{"path":"nope","value":1}}"#,
        r#"{"method":"unfetch","params":{"id":"nope"}}"#,
        r#"{"method":5}"#,
        r#"{"foo":"bar"}"#,
        r#"{"id":null,"foo":"bar"}"#,
    ] {
        c.send(msg).await;
    }
    // The notification-style add did happen (once); the first answer is this one.
    c.send(r#"{"id":"last","method":"get","params":{"path":{"equals":"n"}}}"#)
        .await;
    c.expect(r#"{"id":"last","result":[{"path":"n","event":"add","value":1}]}"#)
        .await;
    stop(d).await;
}

/// lua-jet daemon_spec "sending non jsonrpc JSON gives error with id" / "without id",
/// node-jet daemon-jsonrpc-test `{id:123, abc:'xxx'}` / `{abc:'xxx'}`.
#[tokio::test]
async fn a_message_with_neither_method_nor_result_is_invalid_request_only_with_id() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"foo":"bar"}"#).await;
    c.send(r#"{"foo":"bar","id":123}"#).await;
    c.expect(r#"{"id":123,"error":{"message":"Invalid Request","code":-32600,"data":{"foo":"bar","id":123}}}"#)
        .await;
    stop(d).await;
}

#[tokio::test]
async fn method_that_is_not_a_string_is_invalid_request() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"method":5,"params":{}}"#).await;
    c.send(r#"{"id":1,"method":5}"#).await;
    c.expect(r#"{"id":1,"error":{"message":"Invalid Request","code":-32600,"data":{"id":1,"method":5}}}"#)
        .await;
    c.send(r#"{"id":2,"method":["add"],"params":{}}"#).await;
    c.expect(r#"{"id":2,"error":{"message":"Invalid Request","code":-32600,"data":{"id":2,"method":["add"],"params":{}}}}"#)
        .await;
    stop(d).await;
}

/// lua-jet daemon_spec "calling an invalid service reports error"; no `version`, `ping`,
/// `list` or `passwd` (B.4).
#[tokio::test]
async fn unknown_method_is_method_not_found_with_the_name_as_data() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"method":"foo","id":123}"#).await;
    c.expect(r#"{"id":123,"error":{"message":"Method not found","code":-32601,"data":"foo"}}"#)
        .await;
    for name in ["version", "ping", "list", "passwd", "Add", "ADD", ""] {
        let resp = c.request(name, json!({})).await;
        assert_eq!(resp["error"]["code"], -32601, "{name}: {resp}");
        assert_eq!(resp["error"]["data"], name, "{name}: {resp}");
    }
    stop(d).await;
}

#[tokio::test]
async fn info_reports_jetd_and_its_features() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let prefix = r#"{"name":"jetd","version":"0.1.0","protocolVersion":"1.1.0","features":{"batches":true,"authentication":true,"fetch":"full""#;
    for msg in [
        r#"{"id":1,"method":"info"}"#,
        r#"{"id":1,"method":"info","params":{}}"#,
    ] {
        c.send(msg).await;
        let got = c.recv_text().await;
        assert!(
            got.starts_with(&format!(r#"{{"id":1,"result":{prefix}"#)),
            "{got}"
        );
        let v: Value = serde_json::from_str(&got).unwrap();
        assert_eq!(v["result"]["features"]["batches"], true);
        assert_eq!(v["result"].as_object().unwrap().len(), 4, "{got}");
    }
    // cjet info_test: info as a notification gets no answer.
    c.send(r#"{"method":"info"}"#).await;
    c.send(r#"{"id":2,"method":"echo"}"#).await;
    c.expect(r#"{"id":2,"result":true}"#).await;
    stop(d).await;
}

#[tokio::test]
async fn echo_returns_the_params_and_true_without_params() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"id":1,"method":"echo","params":{"x":1,"y":[true,null,"s"],"z":{"a":{}}}}"#)
        .await;
    c.expect(r#"{"id":1,"result":{"x":1,"y":[true,null,"s"],"z":{"a":{}}}}"#)
        .await;
    c.send(r#"{"id":2,"method":"echo"}"#).await;
    c.expect(r#"{"id":2,"result":true}"#).await;
    stop(d).await;
}

/// cjet config_test: config_name, config_no_name, config_wrong_type_of_name,
/// config_name_twice; other members are ignored.
#[tokio::test]
async fn config_takes_a_string_name_and_ignores_other_members() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"method":"config","params":{"name":"peerA"},"id":"c1"}"#)
        .await;
    c.expect(r#"{"id":"c1","result":true}"#).await;
    c.request_ok("config", json!({"name":"peerB"})).await;
    c.request_ok("config", json!({})).await;
    c.request_ok(
        "config",
        json!({"name":"x","debug":true,"encoding":"msgpack"}),
    )
    .await;
    let params = json!({"name":5});
    let resp = c.request("config", params.clone()).await;
    assert_invalid_params(&resp, json!({"wrongType":"name","got":params}));
    stop(d).await;
}

/// Every parameter check of the wire decisions: missing members give `missingParam`,
/// mistyped ones `wrongType`, both with the inspected params as `got`.
#[tokio::test]
async fn parameter_checks_report_missing_and_mistyped_members() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.request_ok("add", json!({"path":"s","value":1})).await;
    c.request_ok("add", json!({"path":"m"})).await;

    let missing = [
        ("add", json!({"value":123})),
        ("add", json!({})),
        ("remove", json!({})),
        ("change", json!({"value":1})),
        ("set", json!({"value":1})),
        ("call", json!({"args":[]})),
        ("fetch", json!({"path":{"equals":"s"}})),
        ("unfetch", json!({})),
        ("authenticate", json!({"password":"x"})),
    ];
    let missing_key = [
        "path", "path", "path", "path", "path", "path", "id", "id", "user",
    ];
    for ((method, params), key) in missing.into_iter().zip(missing_key) {
        let resp = c.request(method, params.clone()).await;
        assert_invalid_params(&resp, json!({"missingParam":key,"got":params}));
    }
    let more_missing = [
        ("change", json!({"path":"s"}), "value"),
        ("set", json!({"path":"s"}), "value"),
        ("authenticate", json!({"user":"u"}), "password"),
    ];
    for (method, params, key) in more_missing {
        let resp = c.request(method, params.clone()).await;
        assert_invalid_params(&resp, json!({"missingParam":key,"got":params}));
    }

    let wrong = [
        ("add", json!({"path":5,"value":1}), "path"),
        ("add", json!({"path":"a","fetchOnly":"yes"}), "fetchOnly"),
        ("add", json!({"path":"a","fetchOnly":1}), "fetchOnly"),
        ("add", json!({"path":"a","timeout":0}), "timeout"),
        ("add", json!({"path":"a","timeout":-1}), "timeout"),
        ("add", json!({"path":"a","timeout":"1"}), "timeout"),
        ("add", json!({"path":"a","access":5}), "access"),
        (
            "add",
            json!({"path":"a","access":{"fetchGroups":"g"}}),
            "access",
        ),
        (
            "add",
            json!({"path":"a","access":{"setGroups":[1]}}),
            "access",
        ),
        ("remove", json!({"path":1}), "path"),
        ("change", json!({"path":["s"],"value":1}), "path"),
        ("set", json!({"path":"s","value":1,"timeout":0}), "timeout"),
        (
            "set",
            json!({"path":"s","value":1,"timeout":"x"}),
            "timeout",
        ),
        ("call", json!({"path":"m","args":5}), "args"),
        ("call", json!({"path":"m","args":"x"}), "args"),
        ("call", json!({"path":"m","timeout":-0.5}), "timeout"),
        ("call", json!({"path":{}}), "path"),
        ("fetch", json!({"id":true}), "id"),
        ("fetch", json!({"id":{"a":1}}), "id"),
        ("unfetch", json!({"id":[1]}), "id"),
        ("authenticate", json!({"user":1,"password":"x"}), "user"),
        ("authenticate", json!({"user":"u","password":2}), "password"),
        ("config", json!({"name":false}), "name"),
    ];
    for (method, params, key) in wrong {
        let resp = c.request(method, params.clone()).await;
        assert_invalid_params(&resp, json!({"wrongType":key,"got":params}));
    }

    // Nothing above may have created "a".
    let got = c.request("get", json!({"path":{"equals":"a"}})).await;
    assert_eq!(got["result"], json!([]));
    stop(d).await;
}

/// Absent params count as `{}`; params that are not an object are a `wrongType`.
#[tokio::test]
async fn params_absent_count_as_empty_object_and_non_objects_are_refused() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"id":1,"method":"add"}"#).await;
    c.expect(r#"{"id":1,"error":{"message":"Invalid params","code":-32602,"data":{"missingParam":"path","got":{}}}}"#)
        .await;
    for params in ["[\"a\",1]", "5", "\"a\"", "true"] {
        for method in ["add", "remove", "fetch", "get"] {
            c.send(&format!(
                r#"{{"id":2,"method":"{method}","params":{params}}}"#
            ))
            .await;
            c.expect(&format!(
                r#"{{"id":2,"error":{{"message":"Invalid params","code":-32602,"data":{{"wrongType":"params","got":{params}}}}}}}"#
            ))
            .await;
        }
    }
    // get without params is a get of everything.
    c.request_ok("add", json!({"path":"x","value":1})).await;
    c.send(r#"{"id":3,"method":"get"}"#).await;
    c.expect(r#"{"id":3,"result":[{"path":"x","event":"add","value":1}]}"#)
        .await;
    stop(d).await;
}

/// A response nobody waits for (unknown id) is dropped without an answer.
#[tokio::test]
async fn an_unknown_response_is_dropped_silently() {
    let d = start_daemon().await;
    let mut c: RawClient = tcp_client(&d).await;
    c.send(r#"{"id":"bogus","result":1}"#).await;
    c.send(r#"{"id":7,"error":{"message":"x","code":1}}"#).await;
    c.send(r#"{"id":"e","method":"echo","params":{}}"#).await;
    c.expect(r#"{"id":"e","result":{}}"#).await;
    stop(d).await;
}
