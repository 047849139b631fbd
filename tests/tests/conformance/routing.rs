//! PROTOCOL.md A.5: routed `set` and `call`, relaying, timeouts, owner disconnects, and
//! the routing rows of A.3; lua-jet peer_spec "clean daemon" cases and the cjet
//! state/method/combined/router routing cases.

use std::time::Duration;

use jet_tests::raw::{assert_error, assert_invalid_params, stop, tcp_client, text, RawClient};
use jet_tests::{start_daemon, start_daemon_with};
use serde_json::{json, Value};

/// Read the next routed request at the owner; check it is exactly
/// `{"id":<string>,"method":<path>,"params":<params>}` and return the routed id.
async fn expect_routed(owner: &mut RawClient, path: &str, params: &str) -> Value {
    let got = owner.recv_text().await;
    let v: Value = serde_json::from_str(&got).unwrap();
    let id = v["id"].clone();
    assert!(id.is_string(), "routed id must be a string: {got}");
    assert_eq!(
        got,
        format!(
            r#"{{"id":{},"method":{},"params":{params}}}"#,
            text(&id),
            text(&json!(path))
        )
    );
    id
}

/// An owner with state `s` (value 1) and method `m`, and a requester.
async fn owner_and_requester(d: &jetd::Daemon) -> (RawClient, RawClient) {
    let mut owner = tcp_client(d).await;
    owner.request_ok("add", json!({"path":"s","value":1})).await;
    owner.request_ok("add", json!({"path":"m"})).await;
    (owner, tcp_client(d).await)
}

#[tokio::test]
async fn set_is_routed_as_value_and_the_owner_result_relayed() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    req.send(r#"{"method":"set","params":{"path":"s","value":2},"id":"x1"}"#)
        .await;
    let rid = expect_routed(&mut owner, "s", r#"{"value":2}"#).await;
    owner
        .send(&format!(r#"{{"id":{},"result":true}}"#, text(&rid)))
        .await;
    req.expect(r#"{"id":"x1","result":true}"#).await;

    // valueAsResult is forwarded when given (lua-jet peer_spec valueAsResult cases).
    req.send(r#"{"method":"set","params":{"path":"s","value":{"x":716.5},"valueAsResult":true},"id":"x2"}"#)
        .await;
    let rid = expect_routed(
        &mut owner,
        "s",
        r#"{"value":{"x":716.5},"valueAsResult":true}"#,
    )
    .await;
    owner
        .send(&format!(r#"{{"id":{},"result":{{"x":716}}}}"#, text(&rid)))
        .await;
    req.expect(r#"{"id":"x2","result":{"x":716}}"#).await;
    stop(d).await;
}

/// `call` args reach the owner verbatim; no args means `{}` (lua-jet "call method passes
/// correct args and result", cjet correct_call, method_call_no_args).
#[tokio::test]
async fn call_args_are_routed_verbatim_and_absent_args_become_an_empty_object() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    let cases = [
        (r#","args":[4,25]"#, "[4,25]"),
        (r#","args":[]"#, "[]"),
        (r#","args":{}"#, "{}"),
        (r#","args":{"x":1,"y":[2]}"#, r#"{"x":1,"y":[2]}"#),
        (r#","args":[1,2,false]"#, "[1,2,false]"),
        ("", "{}"),
    ];
    for (i, (args, routed)) in cases.into_iter().enumerate() {
        req.send(&format!(
            r#"{{"id":{i},"method":"call","params":{{"path":"m"{args}}}}}"#
        ))
        .await;
        let rid = expect_routed(&mut owner, "m", routed).await;
        owner
            .send(&format!(r#"{{"id":{},"result":123}}"#, text(&rid)))
            .await;
        req.expect(&format!(r#"{{"id":{i},"result":123}}"#)).await;
    }
    stop(d).await;
}

/// Falsy results relay as such (node-jet peer-test), and the owner's whole response object
/// is relayed with only the id replaced.
#[tokio::test]
async fn the_owner_response_object_is_relayed_with_only_the_id_replaced() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    let answers = [
        r#""result":false"#,
        r#""result":0"#,
        r#""result":null"#,
        r#""result":{}"#,
        r#""result":[]"#,
        r#""result":"s""#,
        r#""result":true,"extra":"x""#,
        // lua-jet "call method forwards json-rpc-error unchanged", cjet set_with_error.
        r#""error":{"message":"foo","code":9182,"data":"bar"}"#,
        r#""error":{"code":123,"message":"custom"}"#,
        r#""error":{"code":-32603,"message":"Internal error","data":{"message":"nope","stack":"no stack available"}}"#,
    ];
    for (i, answer) in answers.into_iter().enumerate() {
        let id = 100 + i;
        req.send(&format!(
            r#"{{"id":{id},"method":"call","params":{{"path":"m","args":[]}}}}"#
        ))
        .await;
        let rid = expect_routed(&mut owner, "m", "[]").await;
        owner
            .send(&format!(r#"{{"id":{},{answer}}}"#, text(&rid)))
            .await;
        req.expect(&format!(r#"{{"id":{id},{answer}}}"#)).await;
    }
    // Members before the id keep their place too, `jsonrpc` included.
    req.send(r#"{"id":"j","method":"set","params":{"path":"s","value":5}}"#)
        .await;
    let rid = expect_routed(&mut owner, "s", r#"{"value":5}"#).await;
    owner
        .send(&format!(
            r#"{{"jsonrpc":"2.0","id":{},"result":5}}"#,
            text(&rid)
        ))
        .await;
    req.expect(r#"{"jsonrpc":"2.0","id":"j","result":5}"#).await;
    stop(d).await;
}

/// A.3 rows for set/call, and the order of checks: exists, access, kind, fetchOnly.
#[tokio::test]
async fn set_and_call_errors_are_answered_by_the_daemon() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    owner
        .request_ok("add", json!({"path":"ro","value":5,"fetchOnly":true}))
        .await;
    owner
        .request_ok("add", json!({"path":"rom","fetchOnly":true}))
        .await;
    owner
        .request_ok("add", json!({"path":"rw","value":5,"fetchOnly":false}))
        .await;
    let cases = [
        (
            "set",
            json!({"path":"nope","value":1}),
            json!({"pathNotExists":"nope"}),
        ),
        (
            "call",
            json!({"path":"nope"}),
            json!({"pathNotExists":"nope"}),
        ),
        (
            "set",
            json!({"path":"m","value":1}),
            json!({"notAState":"m"}),
        ),
        (
            "call",
            json!({"path":"s","args":[]}),
            json!({"notAMethod":"s"}),
        ),
        (
            "set",
            json!({"path":"ro","value":1}),
            json!({"fetchOnly":"ro"}),
        ),
        (
            "call",
            json!({"path":"rom","args":[]}),
            json!({"fetchOnly":"rom"}),
        ),
        // kind before fetchOnly
        (
            "set",
            json!({"path":"rom","value":1}),
            json!({"notAState":"rom"}),
        ),
        ("call", json!({"path":"ro"}), json!({"notAMethod":"ro"})),
    ];
    for (method, params, data) in cases {
        let resp = req.request(method, params).await;
        assert_invalid_params(&resp, data);
    }
    // Exact wire form of one of them (Appendix A).
    req.send(r#"{"id":5,"method":"set","params":{"path":"ro","value":1}}"#)
        .await;
    req.expect(
        r#"{"id":5,"error":{"message":"Invalid params","code":-32602,"data":{"fetchOnly":"ro"}}}"#,
    )
    .await;
    // `fetchOnly:false` is settable; nothing of the refused requests reached the owner, so
    // the first thing it sees is this one.
    req.send(r#"{"id":6,"method":"set","params":{"path":"rw","value":6}}"#)
        .await;
    let rid = expect_routed(&mut owner, "rw", r#"{"value":6}"#).await;
    owner
        .send(&format!(r#"{{"id":{},"result":true}}"#, text(&rid)))
        .await;
    req.expect(r#"{"id":6,"result":true}"#).await;
    stop(d).await;
}

/// lua-jet "set gets timeout error", "call gets timeout error": -32001 with the original
/// params as data; the late answer is dropped (cjet set_with_timeout_before_response).
#[tokio::test]
async fn an_unanswered_request_times_out_with_the_original_params() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    req.send(r#"{"method":"set","params":{"path":"s","value":5,"timeout":0.2},"id":"t1"}"#)
        .await;
    let rid = expect_routed(&mut owner, "s", r#"{"value":5}"#).await;
    req.expect(r#"{"id":"t1","error":{"message":"Response Timeout","code":-32001,"data":{"path":"s","value":5,"timeout":0.2}}}"#)
        .await;
    // Too late: dropped, nobody hears of it.
    owner
        .send(&format!(r#"{{"id":{},"result":true}}"#, text(&rid)))
        .await;

    req.send(r#"{"method":"call","params":{"path":"m","args":[1],"timeout":0.1},"id":"t2"}"#)
        .await;
    expect_routed(&mut owner, "m", "[1]").await;
    req.expect(r#"{"id":"t2","error":{"message":"Response Timeout","code":-32001,"data":{"path":"m","args":[1],"timeout":0.1}}}"#)
        .await;
    owner
        .send(r#"{"id":"o","method":"echo","params":{}}"#)
        .await;
    owner.expect(r#"{"id":"o","result":{}}"#).await;
    stop(d).await;
}

/// Timeout precedence: request `timeout`, else the element's `timeout` from `add`, else
/// the daemon default.
#[tokio::test]
async fn timeouts_come_from_request_then_element_then_daemon_default() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.default_timeout = Duration::from_millis(200);
    let d = start_daemon_with(config).await;
    let mut owner = tcp_client(&d).await;
    let mut req = tcp_client(&d).await;
    owner.request_ok("add", json!({"path":"plain"})).await;
    owner
        .request_ok("add", json!({"path":"slow","timeout":60}))
        .await;
    owner
        .request_ok("add", json!({"path":"quick","value":1,"timeout":0.15}))
        .await;

    // Daemon default (0.2 s).
    req.send(r#"{"id":1,"method":"call","params":{"path":"plain"}}"#)
        .await;
    req.expect(
        r#"{"id":1,"error":{"message":"Response Timeout","code":-32001,"data":{"path":"plain"}}}"#,
    )
    .await;
    // The element's own timeout is used (the data shows no request timeout), and the
    // request's own timeout beats the element's 60 s.
    req.send(r#"{"id":2,"method":"set","params":{"path":"quick","value":2}}"#)
        .await;
    req.expect(r#"{"id":2,"error":{"message":"Response Timeout","code":-32001,"data":{"path":"quick","value":2}}}"#)
        .await;
    req.send(r#"{"id":3,"method":"call","params":{"path":"slow","args":{},"timeout":0.1}}"#)
        .await;
    req.expect(r#"{"id":3,"error":{"message":"Response Timeout","code":-32001,"data":{"path":"slow","args":{},"timeout":0.1}}}"#)
        .await;
    // The element timeout of 60 s beats the daemon default of 0.2 s: an answer after 0.5 s
    // still arrives.
    req.send(r#"{"id":4,"method":"call","params":{"path":"slow"}}"#)
        .await;
    // The owner saw the three timed-out requests first, in order.
    expect_routed(&mut owner, "plain", "{}").await;
    expect_routed(&mut owner, "quick", r#"{"value":2}"#).await;
    expect_routed(&mut owner, "slow", "{}").await;
    let rid = expect_routed(&mut owner, "slow", "{}").await;
    // Deliberately wait past the daemon default before answering.
    tokio::time::sleep(Duration::from_millis(500)).await;
    owner
        .send(&format!(
            r#"{{"id":{},"result":"late but fine"}}"#,
            text(&rid)
        ))
        .await;
    req.expect(r#"{"id":4,"result":"late but fine"}"#).await;
    stop(d).await;
}

/// Owner disconnect fails the pending request at once (cjet
/// owner_shutdown_before_set_response; Part A: `ownerDisconnected`).
#[tokio::test]
async fn owner_disconnect_fails_pending_requests_immediately() {
    let mut config = jetd::Config::loopback_ephemeral();
    // Far beyond STEP: an answer can only come from the disconnect.
    config.default_timeout = Duration::from_secs(60);
    let d = start_daemon_with(config).await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    req.send(r#"{"method":"call","params":{"path":"m","args":[]},"id":"d1"}"#)
        .await;
    req.send(r#"{"method":"set","params":{"path":"s","value":3},"id":"d2"}"#)
        .await;
    expect_routed(&mut owner, "m", "[]").await;
    expect_routed(&mut owner, "s", r#"{"value":3}"#).await;
    owner.close().await;
    let mut got = vec![req.recv_text().await, req.recv_text().await];
    got.sort();
    assert_eq!(
        got,
        [
            r#"{"id":"d1","error":{"message":"Internal error","code":-32603,"data":{"ownerDisconnected":"m"}}}"#,
            r#"{"id":"d2","error":{"message":"Internal error","code":-32603,"data":{"ownerDisconnected":"s"}}}"#,
        ]
    );
    stop(d).await;
}

/// A requester may reuse its ids; every request is routed with a fresh unique id and
/// answered (cjet second_set_before_first_response, router_test unique ids).
#[tokio::test]
async fn routed_ids_are_unique_even_when_requester_ids_repeat() {
    let d = start_daemon().await;
    let (mut owner, mut r1) = owner_and_requester(&d).await;
    let mut r2 = tcp_client(&d).await;
    r1.send(r#"{"id":7,"method":"call","params":{"path":"m","args":["a"]}}"#)
        .await;
    r1.send(r#"{"id":7,"method":"call","params":{"path":"m","args":["b"]}}"#)
        .await;
    let a = expect_routed(&mut owner, "m", r#"["a"]"#).await;
    let b = expect_routed(&mut owner, "m", r#"["b"]"#).await;
    r2.send(r#"{"id":7,"method":"call","params":{"path":"m","args":["c"]}}"#)
        .await;
    let c = expect_routed(&mut owner, "m", r#"["c"]"#).await;
    assert!(a != b && b != c && a != c, "routed ids {a} {b} {c}");
    // Answer in reverse order.
    owner
        .send(&format!(r#"{{"id":{},"result":"c"}}"#, text(&c)))
        .await;
    owner
        .send(&format!(r#"{{"id":{},"result":"b"}}"#, text(&b)))
        .await;
    owner
        .send(&format!(r#"{{"id":{},"result":"a"}}"#, text(&a)))
        .await;
    r2.expect(r#"{"id":7,"result":"c"}"#).await;
    r1.expect(r#"{"id":7,"result":"b"}"#).await;
    r1.expect(r#"{"id":7,"result":"a"}"#).await;
    stop(d).await;
}

/// Two sets, the first times out, the second is answered (cjet two_sets_with_first_timeout).
#[tokio::test]
async fn one_request_timing_out_does_not_affect_another() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    req.send(r#"{"id":1,"method":"set","params":{"path":"s","value":1,"timeout":0.2}}"#)
        .await;
    req.send(r#"{"id":2,"method":"set","params":{"path":"s","value":2}}"#)
        .await;
    expect_routed(&mut owner, "s", r#"{"value":1}"#).await;
    let second = expect_routed(&mut owner, "s", r#"{"value":2}"#).await;
    req.expect(r#"{"id":1,"error":{"message":"Response Timeout","code":-32001,"data":{"path":"s","value":1,"timeout":0.2}}}"#)
        .await;
    owner
        .send(&format!(r#"{{"id":{},"result":2}}"#, text(&second)))
        .await;
    req.expect(r#"{"id":2,"result":2}"#).await;
    stop(d).await;
}

/// A set/call sent as a notification is forwarded without an id and nothing comes back
/// (cjet set_without_id_without_response).
#[tokio::test]
async fn set_and_call_as_notifications_are_forwarded_without_id() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    req.send(r#"{"method":"set","params":{"path":"s","value":4}}"#)
        .await;
    owner.expect(r#"{"method":"s","params":{"value":4}}"#).await;
    req.send(r#"{"method":"call","params":{"path":"m","args":[1]}}"#)
        .await;
    owner.expect(r#"{"method":"m","params":[1]}"#).await;
    req.send(r#"{"method":"call","params":{"path":"m"}}"#).await;
    owner.expect(r#"{"method":"m","params":{}}"#).await;
    // Errors of notifications are not answered either.
    req.send(r#"{"method":"set","params":{"path":"nope","value":4}}"#)
        .await;
    req.send(r#"{"id":"e","method":"echo","params":{}}"#).await;
    req.expect(r#"{"id":"e","result":{}}"#).await;
    stop(d).await;
}

/// The daemon never publishes a change after a set: the owner does (cjet
/// set_with_return_value, lua-jet "another peer can set value and change notifications
/// are sent").
#[tokio::test]
async fn a_successful_set_publishes_nothing_until_the_owner_sends_change() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    owner
        .request_ok("add", json!({"path":"other","value":0}))
        .await;
    let mut f = tcp_client(&d).await;
    f.request_ok("fetch", json!({"id":"f"})).await;
    f.expect(r#"{"method":"f","params":{"path":"s","event":"add","value":1}}"#)
        .await;
    f.expect(r#"{"method":"f","params":{"path":"m","event":"add"}}"#)
        .await;
    f.expect(r#"{"method":"f","params":{"path":"other","event":"add","value":0}}"#)
        .await;
    req.send(r#"{"id":1,"method":"set","params":{"path":"s","value":2}}"#)
        .await;
    let rid = expect_routed(&mut owner, "s", r#"{"value":2}"#).await;
    // The owner batches its answer with the change, as node-jet and lua-jet peers do.
    owner
        .send(&format!(
            r#"[{{"id":{},"result":true}},{{"method":"change","params":{{"path":"s","value":2}}}}]"#,
            text(&rid)
        ))
        .await;
    req.expect(r#"{"id":1,"result":true}"#).await;
    f.expect(r#"{"method":"f","params":{"path":"s","event":"change","value":2}}"#)
        .await;
    // A set answered without change: the fetcher's next event is the sentinel change.
    req.send(r#"{"id":2,"method":"set","params":{"path":"s","value":3}}"#)
        .await;
    let rid = expect_routed(&mut owner, "s", r#"{"value":3}"#).await;
    owner
        .send(&format!(r#"{{"id":{},"result":true}}"#, text(&rid)))
        .await;
    req.expect(r#"{"id":2,"result":true}"#).await;
    owner
        .request_ok("change", json!({"path":"other","value":1}))
        .await;
    f.expect(r#"{"method":"f","params":{"path":"other","event":"change","value":1}}"#)
        .await;
    stop(d).await;
}

/// A requester that disconnects takes its routes with it; the late answer goes nowhere and
/// the owner is not bothered (cjet set_with_destroy_before_response).
#[tokio::test]
async fn a_requester_disconnect_drops_its_routes() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    req.send(r#"{"id":1,"method":"call","params":{"path":"m"}}"#)
        .await;
    let rid = expect_routed(&mut owner, "m", "{}").await;
    req.close().await;
    owner
        .send(&format!(r#"{{"id":{},"result":1}}"#, text(&rid)))
        .await;
    owner
        .send(r#"{"id":"o","method":"echo","params":{}}"#)
        .await;
    owner.expect(r#"{"id":"o","result":{}}"#).await;
    // The daemon still routes for others.
    let mut again = tcp_client(&d).await;
    again
        .send(r#"{"id":2,"method":"call","params":{"path":"m"}}"#)
        .await;
    let rid = expect_routed(&mut owner, "m", "{}").await;
    owner
        .send(&format!(r#"{{"id":{},"result":2}}"#, text(&rid)))
        .await;
    again.expect(r#"{"id":2,"result":2}"#).await;
    stop(d).await;
}

/// A routed request to an owner that does not exist as a connection any more (element
/// removed by the owner) is `pathNotExists`.
#[tokio::test]
async fn set_after_remove_is_path_not_exists() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    owner.request_ok("remove", json!({"path":"s"})).await;
    let resp = req.request("set", json!({"path":"s","value":1})).await;
    assert_error(
        &resp,
        -32602,
        "Invalid params",
        &json!({"pathNotExists":"s"}),
    );
    stop(d).await;
}

/// Requester ids of any scalar type survive routing as the same JSON text (cjet
/// set_wrong_id_type answers nothing for a boolean id; jetd echoes it).
#[tokio::test]
async fn requester_ids_of_any_scalar_type_survive_routing() {
    let d = start_daemon().await;
    let (mut owner, mut req) = owner_and_requester(&d).await;
    for id in ["true", "false", "1e3", "1.5", "0", "3000000000", r#""x""#] {
        req.send(&format!(
            r#"{{"id":{id},"method":"set","params":{{"path":"s","value":{id}}}}}"#
        ))
        .await;
        let rid = expect_routed(&mut owner, "s", &format!(r#"{{"value":{id}}}"#)).await;
        owner
            .send(&format!(r#"{{"id":{},"result":{id}}}"#, text(&rid)))
            .await;
        req.expect(&format!(r#"{{"id":{id},"result":{id}}}"#)).await;
    }
    stop(d).await;
}
