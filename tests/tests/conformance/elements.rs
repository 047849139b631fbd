//! PROTOCOL.md A.4 `add`, `remove`, `change` and their rows of the error table A.3; the
//! lua-jet daemon_spec request/response cases (B §10.1), node-jet elements-test and the
//! cjet state/method element cases.

use jet_tests::raw::{assert_invalid_params, stop, tcp_client, text};
use jet_tests::start_daemon;
use serde_json::json;

/// lua-jet daemon_spec "adding a state twice fails and pathAlreadyExists is reported".
#[tokio::test]
async fn adding_a_state_twice_fails_with_path_already_exists() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"method":"add","params":{"path":"abc","value":123},"id":1}"#)
        .await;
    c.expect(r#"{"id":1,"result":true}"#).await;
    c.send(r#"{"method":"add","params":{"path":"abc","value":123},"id":2}"#)
        .await;
    c.expect(r#"{"id":2,"error":{"message":"Invalid params","code":-32602,"data":{"pathAlreadyExists":"abc"}}}"#)
        .await;
    stop(d).await;
}

/// lua-jet daemon_spec, "... variant with less message ids": the first add is a
/// notification, only the error of the second arrives.
#[tokio::test]
async fn adding_twice_with_the_first_add_as_notification_answers_only_the_second() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"method":"add","params":{"path":"abc","value":123}}"#)
        .await;
    c.send(r#"{"method":"add","params":{"path":"abc","value":123},"id":1}"#)
        .await;
    c.expect(r#"{"id":1,"error":{"message":"Invalid params","code":-32602,"data":{"pathAlreadyExists":"abc"}}}"#)
        .await;
    stop(d).await;
}

/// lua-jet daemon_spec "add / change / remove" and "removing a not existing path".
#[tokio::test]
async fn add_change_remove_answer_true_and_removing_again_is_path_not_exists() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"method":"add","params":{"path":"abc","value":123},"id":1}"#)
        .await;
    c.send(r#"{"method":"change","params":{"path":"abc","value":345},"id":2}"#)
        .await;
    c.send(r#"{"method":"remove","params":{"path":"abc"},"id":3}"#)
        .await;
    c.expect(r#"{"id":1,"result":true}"#).await;
    c.expect(r#"{"id":2,"result":true}"#).await;
    c.expect(r#"{"id":3,"result":true}"#).await;
    c.send(r#"{"method":"remove","params":{"path":"abc"},"id":4}"#)
        .await;
    c.expect(r#"{"id":4,"error":{"message":"Invalid params","code":-32602,"data":{"pathNotExists":"abc"}}}"#)
        .await;
    c.send(r#"{"method":"change","params":{"path":"abc","value":1},"id":5}"#)
        .await;
    c.expect(r#"{"id":5,"error":{"message":"Invalid params","code":-32602,"data":{"pathNotExists":"abc"}}}"#)
        .await;
    stop(d).await;
}

/// Paths are unique across kinds and owners (cjet add_state_existing_method,
/// add_method_existing_state, add_method_twice).
#[tokio::test]
async fn paths_are_unique_across_element_kinds_and_owners() {
    let d = start_daemon().await;
    let mut a = tcp_client(&d).await;
    let mut b = tcp_client(&d).await;
    a.request_ok("add", json!({"path":"m"})).await;
    a.request_ok("add", json!({"path":"s","value":null})).await;
    for (from_b, params) in [
        (false, json!({"path":"m","value":1})),
        (false, json!({"path":"m"})),
        (false, json!({"path":"s"})),
        (true, json!({"path":"s","value":1})),
        (true, json!({"path":"m"})),
    ] {
        let path = params["path"].clone();
        let client = if from_b { &mut b } else { &mut a };
        let resp = client.request("add", params).await;
        assert_invalid_params(&resp, json!({"pathAlreadyExists":path}));
    }
    stop(d).await;
}

/// node-jet elements-test: other peer cannot remove / change (`foreignPath`).
#[tokio::test]
async fn only_the_owner_may_remove_or_change() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut other = tcp_client(&d).await;
    owner
        .request_ok("add", json!({"path":"asd2","value":1}))
        .await;
    other
        .send(r#"{"id":1,"method":"remove","params":{"path":"asd2"}}"#)
        .await;
    other
        .expect(r#"{"id":1,"error":{"message":"Invalid params","code":-32602,"data":{"foreignPath":"asd2"}}}"#)
        .await;
    let resp = other
        .request("change", json!({"path":"asd2","value":2}))
        .await;
    assert_invalid_params(&resp, json!({"foreignPath":"asd2"}));
    // Unchanged and still there.
    let got = other.request("get", json!({})).await;
    assert_eq!(
        got["result"],
        json!([{"path":"asd2","event":"add","value":1}])
    );
    owner
        .request_ok("change", json!({"path":"asd2","value":3}))
        .await;
    owner.request_ok("remove", json!({"path":"asd2"})).await;
    stop(d).await;
}

/// `change` of a method is refused (cjet change_on_method); Part A: `notAState`.
#[tokio::test]
async fn change_of_a_method_is_not_a_state() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.request_ok("add", json!({"path":"m"})).await;
    let resp = c.request("change", json!({"path":"m","value":1})).await;
    assert_invalid_params(&resp, json!({"notAState":"m"}));
    let got = c.request("get", json!({})).await;
    assert_eq!(got["result"], json!([{"path":"m","event":"add"}]));
    stop(d).await;
}

/// Any string is a valid path (B §7.3).
#[tokio::test]
async fn any_string_is_a_valid_path() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let paths = [
        "",
        " ",
        "a b",
        "a/b/",
        "/",
        "ü/😀",
        "UPPER",
        "\"quoted\"",
        "a\\b",
    ];
    for (i, p) in paths.iter().enumerate() {
        c.request_ok("add", json!({"path":p,"value":i})).await;
    }
    for (i, p) in paths.iter().enumerate() {
        c.send(&format!(
            r#"{{"id":1,"method":"get","params":{{"path":{{"equals":{}}}}}}}"#,
            text(&json!(p))
        ))
        .await;
        c.expect(&format!(
            r#"{{"id":1,"result":[{{"path":{},"event":"add","value":{i}}}]}}"#,
            text(&json!(p))
        ))
        .await;
    }
    for p in paths {
        c.request_ok("remove", json!({"path":p})).await;
    }
    let got = c.request("get", json!({})).await;
    assert_eq!(got["result"], json!([]));
    stop(d).await;
}

/// Values of every JSON type are stored and returned unchanged; `null` is a value (a
/// state), absence makes a method.
#[tokio::test]
async fn state_values_of_every_type_round_trip() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"id":1,"method":"add","params":{"path":"v","value":{"a":[1,2.5,"x",null,true,{}],"b":[]}}}"#)
        .await;
    c.expect(r#"{"id":1,"result":true}"#).await;
    c.send(r#"{"id":2,"method":"add","params":{"path":"n","value":null}}"#)
        .await;
    c.expect(r#"{"id":2,"result":true}"#).await;
    c.send(r#"{"id":3,"method":"add","params":{"path":"m"}}"#)
        .await;
    c.expect(r#"{"id":3,"result":true}"#).await;
    c.send(r#"{"id":4,"method":"get","params":{}}"#).await;
    c.expect(r#"{"id":4,"result":[{"path":"v","event":"add","value":{"a":[1,2.5,"x",null,true,{}],"b":[]}},{"path":"n","event":"add","value":null},{"path":"m","event":"add"}]}"#)
        .await;
    c.send(r#"{"id":5,"method":"change","params":{"path":"n","value":"now"}}"#)
        .await;
    c.expect(r#"{"id":5,"result":true}"#).await;
    stop(d).await;
}

/// lua-jet peer_spec "can (re)add a state", node-jet "add, remove, add again": a fetcher
/// sees `remove` with the last value, then `add` with the new one.
#[tokio::test]
async fn re_adding_after_remove_creates_a_new_element() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut f = tcp_client(&d).await;
    owner
        .request_ok("add", json!({"path":"test","value":1}))
        .await;
    f.request_ok("fetch", json!({"id":"f","path":{"equals":"test"}}))
        .await;
    f.expect(r#"{"method":"f","params":{"path":"test","event":"add","value":1}}"#)
        .await;
    owner
        .request_ok("change", json!({"path":"test","value":2}))
        .await;
    owner.request_ok("remove", json!({"path":"test"})).await;
    owner
        .request_ok("add", json!({"path":"test","value":"new"}))
        .await;
    f.expect(r#"{"method":"f","params":{"path":"test","event":"change","value":2}}"#)
        .await;
    f.expect(r#"{"method":"f","params":{"path":"test","event":"remove","value":2}}"#)
        .await;
    f.expect(r#"{"method":"f","params":{"path":"test","event":"add","value":"new"}}"#)
        .await;
    // Another peer may take the path once it is free.
    owner.request_ok("remove", json!({"path":"test"})).await;
    f.expect(r#"{"method":"f","params":{"path":"test","event":"remove","value":"new"}}"#)
        .await;
    let mut other = tcp_client(&d).await;
    other.request_ok("add", json!({"path":"test"})).await;
    f.expect(r#"{"method":"f","params":{"path":"test","event":"add"}}"#)
        .await;
    stop(d).await;
}

/// `change` is published even when the value equals the old one (A.4).
#[tokio::test]
async fn change_to_an_equal_value_is_still_published() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut f = tcp_client(&d).await;
    owner
        .request_ok("add", json!({"path":"s","value":{"k":1}}))
        .await;
    f.request_ok("fetch", json!({"id":"f"})).await;
    f.expect(r#"{"method":"f","params":{"path":"s","event":"add","value":{"k":1}}}"#)
        .await;
    for _ in 0..3 {
        owner
            .send(r#"{"method":"change","params":{"path":"s","value":{"k":1}}}"#)
            .await;
    }
    for _ in 0..3 {
        f.expect(r#"{"method":"f","params":{"path":"s","event":"change","value":{"k":1}}}"#)
            .await;
    }
    stop(d).await;
}
