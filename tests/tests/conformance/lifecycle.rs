//! PROTOCOL.md A.7: what happens when a connection closes, and daemon shutdown.

use std::time::Duration;

use jet_tests::raw::{stop, tcp_client, text, ws_client};
use jet_tests::{start_daemon, start_daemon_with};
use serde_json::{json, Value};

/// Every fetcher of another peer gets one `remove` (with the last value) per element of the
/// departed owner; the paths become free (B §7.1, cjet/node observations).
#[tokio::test]
async fn a_closing_owner_removes_its_elements_for_every_fetcher() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut f1 = tcp_client(&d).await;
    let mut f2 = ws_client(&d).await;
    owner
        .request_ok("add", json!({"path":"s1","value":1}))
        .await;
    owner
        .request_ok("add", json!({"path":"s2","value":"x"}))
        .await;
    owner.request_ok("add", json!({"path":"m"})).await;
    owner
        .request_ok("change", json!({"path":"s1","value":2}))
        .await;
    // The owner fetches too: its fetcher must simply disappear with it.
    owner.request_ok("fetch", json!({"id":"own"})).await;
    f1.request_ok("fetch", json!({"id":"f"})).await;
    f2.request_ok("fetch", json!({"id":"g","path":{"startsWith":"s"}}))
        .await;
    for _ in 0..3 {
        f1.recv().await;
    }
    for _ in 0..2 {
        f2.recv().await;
    }
    owner.close().await;

    let mut removes = Vec::new();
    for _ in 0..3 {
        removes.push(f1.recv_text().await);
    }
    removes.sort();
    assert_eq!(
        removes,
        [
            r#"{"method":"f","params":{"path":"m","event":"remove"}}"#,
            r#"{"method":"f","params":{"path":"s1","event":"remove","value":2}}"#,
            r#"{"method":"f","params":{"path":"s2","event":"remove","value":"x"}}"#,
        ]
    );
    let mut removes = vec![f2.recv_text().await, f2.recv_text().await];
    removes.sort();
    assert_eq!(
        removes,
        [
            r#"{"method":"g","params":{"path":"s1","event":"remove","value":2}}"#,
            r#"{"method":"g","params":{"path":"s2","event":"remove","value":"x"}}"#,
        ]
    );
    // The paths are free again and nothing of the old owner is left.
    let mut next = tcp_client(&d).await;
    next.request_ok("add", json!({"path":"s1","value":"again"}))
        .await;
    f1.expect(r#"{"method":"f","params":{"path":"s1","event":"add","value":"again"}}"#)
        .await;
    let got = next.request("get", json!({})).await;
    assert_eq!(
        got["result"],
        json!([{"path":"s1","event":"add","value":"again"}])
    );
    stop(d).await;
}

/// A closing fetcher's fetchers are dropped; the owner it watched is unaffected.
#[tokio::test]
async fn a_closing_fetcher_leaves_owners_and_other_fetchers_alone() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    owner.request_ok("add", json!({"path":"s","value":1})).await;
    let mut gone = tcp_client(&d).await;
    gone.request_ok("fetch", json!({"id":"f"})).await;
    gone.recv().await;
    let mut stays = tcp_client(&d).await;
    stays.request_ok("fetch", json!({"id":"f"})).await;
    stays.recv().await;
    gone.close().await;
    for v in 2..50 {
        owner
            .send(&format!(
                r#"{{"method":"change","params":{{"path":"s","value":{v}}}}}"#
            ))
            .await;
    }
    for v in 2..50 {
        stays
            .expect(&format!(
                r#"{{"method":"f","params":{{"path":"s","event":"change","value":{v}}}}}"#
            ))
            .await;
    }
    owner.request_ok("remove", json!({"path":"s"})).await;
    stop(d).await;
}

/// Pending routed requests at a closing owner fail at once with `ownerDisconnected`, and
/// fetchers see the owner's elements go.
#[tokio::test]
async fn a_closing_owner_fails_pending_routes_and_removes_elements() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.default_timeout = Duration::from_secs(60);
    let d = start_daemon_with(config).await;
    let mut owner = tcp_client(&d).await;
    owner.request_ok("add", json!({"path":"m"})).await;
    let mut req = ws_client(&d).await;
    req.request_ok("fetch", json!({"id":"f"})).await;
    req.expect(r#"{"method":"f","params":{"path":"m","event":"add"}}"#)
        .await;
    req.send(r#"{"id":1,"method":"call","params":{"path":"m","args":[1]}}"#)
        .await;
    let routed: Value = owner.recv().await;
    assert_eq!(routed["method"], "m");
    drop(owner);
    let mut got = vec![req.recv_text().await, req.recv_text().await];
    got.sort();
    assert_eq!(
        got,
        [
            r#"{"id":1,"error":{"message":"Internal error","code":-32603,"data":{"ownerDisconnected":"m"}}}"#,
            r#"{"method":"f","params":{"path":"m","event":"remove"}}"#,
        ]
    );
    stop(d).await;
}

/// A requester that leaves forgets its routes: the owner's late answer is dropped and the
/// owner keeps working.
#[tokio::test]
async fn a_closing_requester_forgets_its_routes() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    owner.request_ok("add", json!({"path":"s","value":0})).await;
    let mut req = tcp_client(&d).await;
    req.send(r#"{"id":"r","method":"set","params":{"path":"s","value":1}}"#)
        .await;
    let routed = owner.recv().await;
    assert_eq!(routed["method"], "s");
    req.close().await;
    owner
        .send(&format!(
            r#"{{"id":{},"result":true}}"#,
            text(&routed["id"])
        ))
        .await;
    // Nothing comes back for the dropped answer: the next message is this response.
    owner
        .send(r#"{"id":"c","method":"change","params":{"path":"s","value":1}}"#)
        .await;
    owner.expect(r#"{"id":"c","result":true}"#).await;
    stop(d).await;
}

/// Nothing is persisted: once everybody has left, a new peer sees an empty bus.
#[tokio::test]
async fn nothing_is_persisted_after_everyone_left() {
    let d = start_daemon().await;
    let mut watcher = tcp_client(&d).await;
    watcher.request_ok("fetch", json!({"id":"w"})).await;
    for i in 0..5 {
        let mut c = tcp_client(&d).await;
        c.request_ok("add", json!({"path":format!("p{i}"),"value":i}))
            .await;
        c.request_ok("add", json!({"path":format!("m{i}")})).await;
        c.close().await;
    }
    // 5 peers x (2 adds + 2 removes).
    for _ in 0..20 {
        watcher.recv().await;
    }
    let got = watcher.request("get", json!({})).await;
    assert_eq!(got["result"], json!([]));
    stop(d).await;
}

/// Shutdown closes every connection.
#[tokio::test]
async fn shutdown_closes_every_connection() {
    let d = start_daemon().await;
    let mut t = tcp_client(&d).await;
    let mut w = ws_client(&d).await;
    t.request_ok("add", json!({"path":"s","value":1})).await;
    w.request_ok("fetch", json!({"id":"f"})).await;
    w.recv().await;
    stop(d).await;
    t.expect_closed().await;
    // A WebSocket client may see the remove of "s" or nothing before the close.
    w.drain_until_closed().await;
}

/// A peer that closes and comes back at once (a restarted service) re-adds its paths:
/// the daemon must see its old connection as gone even when that connection's task has
/// not noticed the close yet (issue 14: half the rounds used to be refused). A fetcher
/// sees each path's `remove` before its new `add`.
async fn close_then_re_add(ws: bool) {
    const ROUNDS: usize = 80;
    let d = start_daemon().await;
    let connect = || async {
        if ws {
            ws_client(&d).await
        } else {
            tcp_client(&d).await
        }
    };
    let mut fetcher = connect().await;
    fetcher.request_ok("fetch", json!({"id":"f"})).await;
    let mut owner = connect().await;
    for i in 0..4 {
        owner
            .request_ok("add", json!({"path": format!("s{i}"), "value": 0}))
            .await;
    }
    for _ in 0..4 {
        fetcher.recv().await;
    }
    let mut refused = Vec::new();
    for round in 1..=ROUNDS {
        let mut next = connect().await;
        owner.close().await;
        // All four at once, as a restarted provider sends them.
        for i in 0..4 {
            next.send_json(&json!({"id": i, "method": "add", "params": {"path": format!("s{i}"), "value": round}}))
                .await;
        }
        for _ in 0..4 {
            let resp = next.recv().await;
            if resp.get("result") != Some(&Value::Bool(true)) {
                refused.push((round, resp));
            }
        }
        // Per path: the old element's remove, then the new add.
        let mut events = Vec::new();
        for _ in 0..8 {
            let n = fetcher.recv().await;
            events.push((
                n["params"]["path"].as_str().unwrap_or("").to_owned(),
                n["params"]["event"].as_str().unwrap_or("").to_owned(),
                n["params"]["value"].clone(),
            ));
        }
        for i in 0..4 {
            let path = format!("s{i}");
            let mine: Vec<_> = events.iter().filter(|e| e.0 == path).collect();
            assert_eq!(
                mine.iter()
                    .map(|e| (e.1.as_str(), e.2.clone()))
                    .collect::<Vec<_>>(),
                [("remove", json!(round - 1)), ("add", json!(round))],
                "round {round}, {path}: {events:?}"
            );
        }
        owner = next;
    }
    assert!(
        refused.is_empty(),
        "{} of {ROUNDS} rounds refused: {refused:?}",
        refused.len()
    );
    stop(d).await;
}

#[tokio::test]
async fn a_peer_that_closed_and_re_adds_at_once_is_never_refused_over_tcp() {
    close_then_re_add(false).await;
}

#[tokio::test]
async fn a_peer_that_closed_and_re_adds_at_once_is_never_refused_over_websocket() {
    close_then_re_add(true).await;
}

/// The other side of the rule: an owner whose connection is open keeps its path, and a
/// conflicting add from anyone else is refused, however often it is tried.
#[tokio::test]
async fn a_live_owner_still_refuses_a_conflicting_add() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut ws_owner = ws_client(&d).await;
    owner.request_ok("add", json!({"path":"a","value":1})).await;
    ws_owner
        .request_ok("add", json!({"path":"b","value":2}))
        .await;
    for mut other in [tcp_client(&d).await, ws_client(&d).await] {
        for path in ["a", "b"] {
            for _ in 0..5 {
                let resp = other
                    .request("add", json!({"path": path, "value": 9}))
                    .await;
                assert_eq!(resp["error"]["code"], json!(-32602), "{resp}");
                assert_eq!(
                    resp["error"]["data"]["pathAlreadyExists"],
                    json!(path),
                    "{resp}"
                );
            }
        }
    }
    assert_eq!(d.stats().elements, 2);
    // Both owners still own their paths: they can change them.
    owner
        .request_ok("change", json!({"path":"a","value":3}))
        .await;
    ws_owner
        .request_ok("change", json!({"path":"b","value":4}))
        .await;
    stop(d).await;
}
