//! The peer against a scripted daemon on 127.0.0.1 that behaves like the other daemons of
//! PROTOCOL.md Part B: fetch notifications before the fetch response (cjet), batch arrays
//! (lua-jet), ids echoed as strings, capitalised events (node-jet 3), a bare-string error
//! (lua-jet), and a connection that drops while requests are pending.

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{EventKind, FetchEvent, Peer, PeerError};
use jet_tests::fake::Scripted;
use jet_tests::raw::RawClient;
use jet_tests::within as t;
use serde_json::json;

/// Connect a peer to a scripted daemon; returns the daemon's side of the connection.
async fn scripted() -> (Peer, RawClient) {
    let fake = Scripted::bind().await;
    let addr = fake.addr.to_string();
    let (peer, daemon) = tokio::join!(Peer::connect(&addr), fake.accept());
    (peer.unwrap(), daemon)
}

#[tokio::test]
async fn notifications_before_the_fetch_response_in_a_batch_with_string_ids() {
    let (peer, mut daemon) = scripted().await;
    let fetching = tokio::spawn({
        let peer = peer.clone();
        async move { peer.fetch(&Fetch::all().path_starts_with("a/")).await }
    });
    let request = daemon.recv().await;
    assert_eq!(request["method"], json!("fetch"));
    assert_eq!(request["params"]["path"], json!({"startsWith": "a/"}));
    let fetch_id = request["params"]["id"].clone();
    assert!(fetch_id.is_string(), "{request}");
    // cjet's order (adds first), lua-jet's framing (one array), a string id, and
    // node-jet 3's capitalised event.
    daemon
        .send_json(&json!([
            {"method": fetch_id, "params": {"path": "a/1", "event": "Add", "value": 1}},
            {"method": fetch_id, "params": {"path": "a/2", "event": "add"}},
            {"id": request["id"].to_string(), "result": true}
        ]))
        .await;
    let mut stream = t(fetching).await.unwrap().unwrap();
    for (path, value) in [("a/1", Some(json!(1))), ("a/2", None)] {
        match t(stream.next()).await.unwrap() {
            FetchEvent::Element(e) => {
                assert_eq!(
                    (e.kind, e.path.as_str(), e.value),
                    (EventKind::Add, path, value)
                )
            }
            other => panic!("{other:?}"),
        }
    }
    // Routed requests may come in the same batches, with any id.
    let state = t(peer
        .add_state("s", json!(0))
        .on_set(|_| Ok(jet_runtime::peer::SetReply::accept())))
    .into_future();
    let adding = tokio::spawn(state);
    let add = daemon.recv().await;
    assert_eq!(add["params"], json!({"path": "s", "value": 0}));
    daemon
        .send_json(&json!({"id": add["id"], "result": true}))
        .await;
    let _state = t(adding).await.unwrap().unwrap();
    daemon
        .send_json(&json!([
            {"id": 7, "method": "s", "params": {"value": 5, "valueAsResult": true}},
            {"method": fetch_id, "params": {"path": "a/1", "event": "Change", "value": 2}}
        ]))
        .await;
    assert_eq!(daemon.recv().await, json!({"id": 7, "result": 5}));
    assert_eq!(
        daemon.recv().await,
        json!({"method": "change", "params": {"path": "s", "value": 5}})
    );
    match t(stream.next()).await.unwrap() {
        FetchEvent::Element(e) => {
            assert_eq!((e.kind, e.value), (EventKind::Change, Some(json!(2))))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bare_string_error_is_reported_as_an_internal_error() {
    let (peer, mut daemon) = scripted().await;
    let calling = tokio::spawn(async move { peer.call("m", json!([])).await });
    let request = daemon.recv().await;
    daemon
        .send_json(&json!({"id": request["id"], "error": "daemon.lua:188: table index is nil"}))
        .await;
    match t(calling).await.unwrap() {
        Err(PeerError::Remote { code, message, .. }) => {
            assert_eq!(code, -32603);
            assert!(message.contains("table index is nil"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn pending_requests_fail_at_once_when_the_connection_drops() {
    let (peer, mut daemon) = scripted().await;
    let pending: Vec<_> = (0..3)
        .map(|i| {
            let peer = peer.clone();
            tokio::spawn(async move {
                peer.set(format!("p/{i}"), json!(i))
                    .timeout(Duration::from_secs(30))
                    .await
            })
        })
        .collect();
    for _ in 0..3 {
        assert_eq!(daemon.recv().await["method"], json!("set"));
    }
    let started = Instant::now();
    drop(daemon);
    for p in pending {
        let r = t(p).await.unwrap();
        assert!(matches!(r, Err(PeerError::ConnectionClosed)), "{r:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}
