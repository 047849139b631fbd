//! Limits: the maximum message size (A.1) and the bounded outbound queue (a peer that
//! does not read is disconnected; everybody else keeps getting everything).

use jet_tests::raw::{stop, tcp_client, RawClient};
use jet_tests::start_daemon_with;
use jet_tests::STEP;
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::timeout;

fn framed_len(len: u32) -> Vec<u8> {
    len.to_be_bytes().to_vec()
}

/// A frame over the limit closes that connection only (lua-jet socket_spec "len > 10MB");
/// a frame of exactly the limit is fine. The closed peer's elements go as on any
/// disconnect.
#[tokio::test]
async fn a_frame_over_the_limit_closes_only_that_connection() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.max_message_size = 1024;
    let d = start_daemon_with(config).await;
    let mut watcher = tcp_client(&d).await;
    watcher.request_ok("fetch", json!({"id":"w"})).await;

    // Exactly at the limit: answered.
    let mut ok = tcp_client(&d).await;
    let prefix = r#"{"id":1,"method":"echo","params":{"pad":""#;
    let suffix = r#""}}"#;
    let pad = "x".repeat(1024 - prefix.len() - suffix.len());
    let msg = format!("{prefix}{pad}{suffix}");
    assert_eq!(msg.len(), 1024);
    ok.send(&msg).await;
    let v = ok.recv().await;
    assert_eq!(v["result"]["pad"].as_str().map(str::len), Some(pad.len()));

    // One byte over: closed, without an answer.
    let mut big = tcp_client(&d).await;
    big.request_ok("add", json!({"path":"big/own","value":1}))
        .await;
    watcher
        .expect(r#"{"method":"w","params":{"path":"big/own","event":"add","value":1}}"#)
        .await;
    let pad = "x".repeat(1025 - prefix.len() - suffix.len());
    big.send(&format!("{prefix}{pad}{suffix}")).await;
    big.expect_closed().await;
    watcher
        .expect(r#"{"method":"w","params":{"path":"big/own","event":"remove","value":1}}"#)
        .await;

    // An absurd length prefix alone is enough; nothing is allocated or awaited.
    let mut absurd = tcp_client(&d).await;
    absurd.send_raw_bytes(&framed_len(u32::MAX)).await;
    absurd.expect_closed().await;

    // Everybody else is fine.
    ok.send(r#"{"id":2,"method":"echo","params":{}}"#).await;
    ok.expect(r#"{"id":2,"result":{}}"#).await;
    watcher.request_ok("unfetch", json!({"id":"w"})).await;
    stop(d).await;
}

/// A peer that stops reading is disconnected once its outbound queue passes
/// `max_outbound_queue`; its elements are removed; a reading fetcher gets every single
/// notification.
///
/// The owner paces itself on the reading fetcher (at most `WINDOW` changes ahead of what
/// it has read), so the reader's queue stays far below the limit however slowly this
/// debug build parses, while the silent peer's queue grows without bound.
#[tokio::test]
async fn a_tcp_peer_that_does_not_read_is_dropped_and_others_get_everything() {
    slow_peer_is_dropped(false).await;
}

/// The same for a WebSocket peer that does not read.
#[tokio::test]
async fn a_websocket_peer_that_does_not_read_is_dropped_and_others_get_everything() {
    slow_peer_is_dropped(true).await;
}

async fn slow_peer_is_dropped(slow_on_ws: bool) {
    const CHANGES: usize = 200;
    const VALUE_LEN: usize = 64 * 1024;
    const WINDOW: usize = 8;
    let mut config = jetd::Config::loopback_ephemeral();
    // 10x what the reader can have in flight, and more than the kernel buffers for the
    // silent peer can hold (tcp_wmem max, typically 4 MiB), so the queue overflows while
    // the daemon's write to that peer is stuck, not while the kernel is still taking data.
    // 12.5 MiB are sent in all.
    config.max_outbound_queue = 10 * WINDOW * VALUE_LEN;
    let d = start_daemon_with(config).await;

    let mut owner = tcp_client(&d).await;
    owner
        .request_ok("add", json!({"path":"big","value":0}))
        .await;

    let mut reader = tcp_client(&d).await;
    reader.request_ok("fetch", json!({"id":"r"})).await;
    reader
        .expect(r#"{"method":"r","params":{"path":"big","event":"add","value":0}}"#)
        .await;

    // The slow peer owns an element and fetches everything, then never reads again.
    let mut slow = if slow_on_ws {
        RawClient::ws_with_recv_buffer(d.ws_addr().unwrap(), "/", 4096).await
    } else {
        RawClient::tcp_with_recv_buffer(d.tcp_addr().unwrap(), 4096).await
    };
    slow.request_ok("add", json!({"path":"slow/own","value":1}))
        .await;
    slow.request_ok("fetch", json!({"id":"s"})).await;
    reader
        .expect(r#"{"method":"r","params":{"path":"slow/own","event":"add","value":1}}"#)
        .await;

    let (seen_tx, mut seen_rx) = watch::channel(0usize);
    let drain: JoinHandle<(RawClient, bool)> = tokio::spawn(async move {
        let mut seen = 0;
        let mut slow_removed = false;
        while seen < CHANGES {
            let v = reader.recv().await;
            match (v["params"]["path"].as_str(), v["params"]["event"].as_str()) {
                (Some("big"), Some("change")) => {
                    let s = v["params"]["value"].as_str().expect("string value");
                    assert_eq!(s.len(), VALUE_LEN);
                    assert!(
                        s.starts_with(&format!("{seen}:")),
                        "change {seen} out of order"
                    );
                    seen += 1;
                    seen_tx.send_replace(seen);
                }
                (Some("slow/own"), Some("remove")) => slow_removed = true,
                other => panic!("unexpected notification {other:?}: {v}"),
            }
        }
        (reader, slow_removed)
    });

    for i in 0..CHANGES {
        if i >= WINDOW {
            timeout(STEP, seen_rx.wait_for(|seen| *seen >= i - WINDOW))
                .await
                .expect("the reading fetcher stalled")
                .expect("the reader task ended early");
        }
        let head = format!("{i}:");
        let value = format!("{head}{}", "v".repeat(VALUE_LEN - head.len()));
        owner
            .send(&json!({"method":"change","params":{"path":"big","value":value}}).to_string())
            .await;
    }
    let (mut reader, mut slow_removed) = timeout(STEP, drain)
        .await
        .expect("the reading fetcher did not get everything in time")
        .expect("reader task failed");
    if !slow_removed {
        reader
            .expect(r#"{"method":"r","params":{"path":"slow/own","event":"remove","value":1}}"#)
            .await;
        slow_removed = true;
    }
    assert!(slow_removed);

    // The slow peer was disconnected (it may still find some of the data in its socket).
    slow.drain_until_closed().await;
    // The owner and the reader still work.
    owner
        .request_ok("change", json!({"path":"big","value":"end"}))
        .await;
    reader
        .expect(r#"{"method":"r","params":{"path":"big","event":"change","value":"end"}}"#)
        .await;
    stop(d).await;
}
