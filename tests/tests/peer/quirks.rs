//! The peer against a scripted daemon on 127.0.0.1 that behaves like the other daemons of
//! PROTOCOL.md Part B: fetch notifications before the fetch response (cjet), batch arrays
//! (lua-jet), ids echoed as strings, capitalised events (node-jet 3), a bare-string error
//! (lua-jet), and a connection that drops while requests are pending.

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures_util::StreamExt;
use jet_runtime::codec::{encode_frame, FrameDecoder};
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{EventKind, FetchEvent, Peer, PeerError};
use jet_tests::STEP;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn t<F: IntoFuture>(f: F) -> F::Output {
    tokio::time::timeout(STEP, f).await.expect("timed out")
}

/// The daemon side of one connection, driven by the test.
struct Script {
    stream: TcpStream,
    buf: BytesMut,
}

impl Script {
    async fn read(&mut self) -> Value {
        let decoder = FrameDecoder::default();
        loop {
            if let Some(frame) = decoder.decode(&mut self.buf).unwrap() {
                return serde_json::from_slice(&frame).unwrap();
            }
            let n = t(self.stream.read_buf(&mut self.buf)).await.unwrap();
            assert!(n > 0, "the peer closed the connection");
        }
    }

    async fn write(&mut self, message: Value) {
        let mut out = Vec::new();
        encode_frame(&mut out, message.to_string().as_bytes());
        t(self.stream.write_all(&out)).await.unwrap();
    }
}

/// Connect a peer to a scripted daemon.
async fn scripted() -> (Peer, Script) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (peer, accepted) = tokio::join!(Peer::connect(&addr), t(listener.accept()));
    let (stream, _) = accepted.unwrap();
    (
        peer.unwrap(),
        Script {
            stream,
            buf: BytesMut::new(),
        },
    )
}

#[tokio::test]
async fn notifications_before_the_fetch_response_in_a_batch_with_string_ids() {
    let (peer, mut daemon) = scripted().await;
    let fetching = tokio::spawn({
        let peer = peer.clone();
        async move { peer.fetch(&Fetch::all().path_starts_with("a/")).await }
    });
    let request = daemon.read().await;
    assert_eq!(request["method"], json!("fetch"));
    assert_eq!(request["params"]["path"], json!({"startsWith": "a/"}));
    let fetch_id = request["params"]["id"].clone();
    assert!(fetch_id.is_string(), "{request}");
    // cjet's order (adds first), lua-jet's framing (one array), a string id, and
    // node-jet 3's capitalised event.
    daemon
        .write(json!([
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
    let add = daemon.read().await;
    assert_eq!(add["params"], json!({"path": "s", "value": 0}));
    daemon.write(json!({"id": add["id"], "result": true})).await;
    let _state = t(adding).await.unwrap().unwrap();
    daemon
        .write(json!([
            {"id": 7, "method": "s", "params": {"value": 5, "valueAsResult": true}},
            {"method": fetch_id, "params": {"path": "a/1", "event": "Change", "value": 2}}
        ]))
        .await;
    assert_eq!(daemon.read().await, json!({"id": 7, "result": 5}));
    assert_eq!(
        daemon.read().await,
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
    let request = daemon.read().await;
    daemon
        .write(json!({"id": request["id"], "error": "daemon.lua:188: table index is nil"}))
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
        assert_eq!(daemon.read().await["method"], json!("set"));
    }
    let started = Instant::now();
    drop(daemon);
    for p in pending {
        let r = t(p).await.unwrap();
        assert!(matches!(r, Err(PeerError::ConnectionClosed)), "{r:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}
