//! PROTOCOL.md A.1, WebSocket row: any path, subprotocol `jet` echoed when offered, text
//! and binary frames, pings; and WebSocket and TCP peers on one bus.

use std::time::Duration;

use jet_tests::raw::{stop, tcp_client, text, ws_client, RawClient};
use jet_tests::{start_daemon, start_daemon_with, STEP};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Send a hand-written upgrade request and return the response head (status line and
/// headers), lower-cased.
async fn raw_upgrade(addr: std::net::SocketAddr, path: &str, extra: &str) -> String {
    let mut s = timeout(STEP, TcpStream::connect(addr))
        .await
        .expect("connect timed out")
        .expect("connect");
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("write upgrade");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = timeout(STEP, s.read(&mut byte))
            .await
            .expect("upgrade response timed out")
            .expect("read upgrade response");
        assert!(n == 1, "connection closed during the handshake: {head:?}");
        head.push(byte[0]);
    }
    String::from_utf8(head).expect("ASCII head").to_lowercase()
}

#[tokio::test]
async fn any_request_path_is_accepted() {
    let d = start_daemon().await;
    let addr = d.ws_addr().unwrap();
    for path in ["/", "/api/jet/", "/some/where", "/x?y=1"] {
        let mut c = RawClient::ws(addr, path).await;
        c.send(r#"{"id":1,"method":"echo","params":{"p":1}}"#).await;
        c.expect(r#"{"id":1,"result":{"p":1}}"#).await;
    }
    stop(d).await;
}

#[tokio::test]
async fn subprotocol_jet_is_echoed_when_offered_and_not_required() {
    let d = start_daemon().await;
    let addr = d.ws_addr().unwrap();
    let (mut c, proto) = RawClient::ws_with_protocols(addr, "/", &["jet"]).await;
    assert_eq!(proto.as_deref(), Some("jet"));
    c.request_ok("add", json!({"path":"a","value":1})).await;
    let (mut c2, proto) = RawClient::ws_with_protocols(addr, "/", &["other", "jet"]).await;
    assert_eq!(proto.as_deref(), Some("jet"));
    c2.request_ok("add", json!({"path":"b","value":1})).await;
    let (mut c3, proto) = RawClient::ws_with_protocols(addr, "/", &[]).await;
    assert_eq!(proto, None);
    c3.request_ok("add", json!({"path":"c","value":1})).await;

    // Offering only another protocol still upgrades, without a protocol header.
    let head = raw_upgrade(addr, "/", "Sec-WebSocket-Protocol: other\r\n").await;
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(!head.contains("sec-websocket-protocol: jet"), "{head}");
    let head = raw_upgrade(addr, "/api/jet/", "Sec-WebSocket-Protocol: jet\r\n").await;
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(head.contains("sec-websocket-protocol: jet\r\n"), "{head}");
    stop(d).await;
}

#[tokio::test]
async fn text_and_binary_frames_each_carry_one_json_text() {
    let d = start_daemon().await;
    let mut c = ws_client(&d).await;
    c.send(r#"{"id":1,"method":"echo","params":{"t":"ü"}}"#)
        .await;
    c.expect(r#"{"id":1,"result":{"t":"ü"}}"#).await;
    c.send_raw_bytes(r#"{"id":2,"method":"echo","params":{"b":"😀"}}"#.as_bytes())
        .await;
    c.expect(r#"{"id":2,"result":{"b":"😀"}}"#).await;
    // A batch in one frame; answers one per frame.
    c.send(r#"[{"id":3,"method":"echo","params":{}},{"id":4,"method":"echo"}]"#)
        .await;
    c.expect(r#"{"id":3,"result":{}}"#).await;
    c.expect(r#"{"id":4,"result":true}"#).await;
    // Parse errors keep the connection, as on TCP.
    c.send("{nope").await;
    let v = c.recv().await;
    assert_eq!(v["error"]["code"], -32700, "{v}");
    c.send_raw_bytes(&[0xff, 0xfe]).await;
    let v = c.recv().await;
    assert_eq!(v["error"]["code"], -32700, "{v}");
    c.send(r#"{"id":5,"method":"echo","params":{}}"#).await;
    c.expect(r#"{"id":5,"result":{}}"#).await;
    stop(d).await;
}

#[tokio::test]
async fn pings_are_answered() {
    let d = start_daemon().await;
    let mut c = ws_client(&d).await;
    c.ws_ping_pong(b"are you there").await;
    c.ws_ping_pong(b"").await;
    c.send(r#"{"id":1,"method":"echo","params":{}}"#).await;
    c.expect(r#"{"id":1,"result":{}}"#).await;
    stop(d).await;
}

#[tokio::test]
async fn idle_clients_are_pinged() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.ws_ping_interval = Some(Duration::from_millis(100));
    let d = start_daemon_with(config).await;
    let mut c = ws_client(&d).await;
    c.ws_expect_ping().await;
    c.ws_expect_ping().await;
    // Still a working connection (tungstenite answered the pings).
    c.send(r#"{"id":1,"method":"echo","params":{}}"#).await;
    c.expect(r#"{"id":1,"result":{}}"#).await;
    stop(d).await;
}

/// An owner on WebSocket, a requester and a fetcher on TCP, and the other way round.
#[tokio::test]
async fn websocket_and_tcp_peers_share_one_bus() {
    let d = start_daemon().await;
    let mut ws_owner = ws_client(&d).await;
    let mut tcp_owner = tcp_client(&d).await;
    ws_owner
        .request_ok("add", json!({"path":"w","value":1}))
        .await;
    tcp_owner.request_ok("add", json!({"path":"t"})).await;
    let mut tcp_peer = tcp_client(&d).await;
    let mut ws_peer = ws_client(&d).await;
    tcp_peer.request_ok("fetch", json!({"id":"f"})).await;
    tcp_peer
        .expect(r#"{"method":"f","params":{"path":"w","event":"add","value":1}}"#)
        .await;
    tcp_peer
        .expect(r#"{"method":"f","params":{"path":"t","event":"add"}}"#)
        .await;

    tcp_peer
        .send(r#"{"id":1,"method":"set","params":{"path":"w","value":2}}"#)
        .await;
    let routed: Value = ws_owner.recv().await;
    assert_eq!(routed["params"], json!({"value":2}));
    ws_owner
        .send(&format!(
            r#"[{{"id":{},"result":true}},{{"method":"change","params":{{"path":"w","value":2}}}}]"#,
            text(&routed["id"])
        ))
        .await;
    tcp_peer.expect(r#"{"id":1,"result":true}"#).await;
    tcp_peer
        .expect(r#"{"method":"f","params":{"path":"w","event":"change","value":2}}"#)
        .await;

    ws_peer
        .send(r#"{"id":2,"method":"call","params":{"path":"t","args":[1]}}"#)
        .await;
    let routed: Value = tcp_owner.recv().await;
    assert_eq!(routed["params"], json!([1]));
    tcp_owner
        .send(&format!(
            r#"{{"id":{},"result":"ok"}}"#,
            text(&routed["id"])
        ))
        .await;
    ws_peer.expect(r#"{"id":2,"result":"ok"}"#).await;

    ws_owner.close().await;
    tcp_peer
        .expect(r#"{"method":"f","params":{"path":"w","event":"remove","value":2}}"#)
        .await;
    stop(d).await;
}

/// The wrong protocol on a port is named at once instead of being read as a huge frame
/// or waiting for the handshake timeout: an HTTP request (a WebSocket client) on the TCP
/// port gets a short `400` saying to use the WebSocket port, then the connection closes;
/// Jet TCP framing on the WebSocket port is closed at once. The daemon serves on.
#[tokio::test]
async fn the_wrong_protocol_on_a_port_is_answered_at_once() {
    let d = start_daemon().await;
    let quick = Duration::from_secs(3);
    // A WebSocket upgrade on the TCP port.
    let mut s = TcpStream::connect(d.tcp_addr().unwrap()).await.unwrap();
    s.write_all(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    timeout(quick, s.read_to_end(&mut answer))
        .await
        .expect("the TCP port answered an HTTP request at once")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    assert!(answer.contains("WebSocket port"), "{answer}");
    // A real WebSocket client gets a clean refusal too.
    let url = format!("ws://{}/", d.tcp_addr().unwrap());
    let refused = timeout(quick, tokio_tungstenite::connect_async(url))
        .await
        .expect("the WebSocket client was refused at once");
    assert!(refused.is_err());
    // A TCP (length-prefixed) peer on the WebSocket port: closed at once.
    let mut s = TcpStream::connect(d.ws_addr().unwrap()).await.unwrap();
    let msg = br#"{"id":1,"method":"info"}"#;
    let mut frame = (msg.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(msg);
    s.write_all(&frame).await.unwrap();
    let mut rest = Vec::new();
    let read = timeout(quick, s.read_to_end(&mut rest))
        .await
        .expect("the WebSocket port closed a TCP peer at once");
    assert!(read.is_err() || rest.is_empty(), "{rest:?}");
    // Both listeners still serve.
    let mut c = tcp_client(&d).await;
    assert_eq!(c.request("echo", json!(1)).await["result"], json!(1));
    let mut w = ws_client(&d).await;
    assert_eq!(w.request("echo", json!(2)).await["result"], json!(2));
    stop(d).await;
}

/// A WebSocket message over `--max-message-size` closes that WebSocket with status 1009
/// (message too big), so the client can tell why.
#[tokio::test]
async fn an_oversized_websocket_message_is_closed_with_1009() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::Message;
    let d = start_daemon_with(jetd::Config {
        max_message_size: 1024,
        ..jetd::Config::loopback_ephemeral()
    })
    .await;
    let url = format!("ws://{}/", d.ws_addr().unwrap());
    let (mut ws, _) = timeout(STEP, tokio_tungstenite::connect_async(url))
        .await
        .unwrap()
        .unwrap();
    let big = format!(
        r#"{{"id":1,"method":"echo","params":"{}"}}"#,
        "x".repeat(2000)
    );
    ws.send(Message::text(big)).await.unwrap();
    let close = loop {
        match timeout(STEP, ws.next()).await.expect("no close in time") {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    let frame = close.expect("the close frame carries a status");
    assert_eq!(frame.code, CloseCode::Size, "{frame:?}");
    stop(d).await;
}

/// Connect with tokio-tungstenite directly (to see close frames and send raw frames).
async fn tungstenite_client(
    d: &jetd::Daemon,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>> {
    let url = format!("ws://{}/", d.ws_addr().unwrap());
    timeout(STEP, tokio_tungstenite::connect_async(url))
        .await
        .expect("connect timed out")
        .expect("connect")
        .0
}

/// The next close frame from the daemon (other messages are skipped).
async fn next_close<S>(ws: &mut S) -> Option<tokio_tungstenite::tungstenite::protocol::CloseFrame>
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match timeout(STEP, ws.next()).await.expect("no close in time") {
            Some(Ok(Message::Close(frame))) => return frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// A client's close is answered with a close frame echoing its status (RFC 6455 §5.5.1),
/// after the answers to what it sent before.
#[tokio::test]
async fn a_client_close_is_echoed_after_the_pending_answers() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::Message;
    let d = start_daemon().await;
    let mut ws = tungstenite_client(&d).await;
    ws.send(Message::text(r#"{"id":1,"method":"echo","params":7}"#))
        .await
        .unwrap();
    ws.send(Message::Close(Some(CloseFrame {
        code: CloseCode::Away,
        reason: "bye".into(),
    })))
    .await
    .unwrap();
    use futures_util::StreamExt;
    let first = timeout(STEP, ws.next()).await.expect("no answer in time");
    match first {
        Some(Ok(Message::Text(t))) => assert_eq!(t.as_str(), r#"{"id":1,"result":7}"#),
        other => panic!("expected the echo's answer first, got {other:?}"),
    }
    let frame = next_close(&mut ws)
        .await
        .expect("the close frame carries a status");
    assert_eq!(frame.code, CloseCode::Away, "{frame:?}");
    stop(d).await;
}

/// A text message that is not UTF-8 closes that WebSocket with status 1007 (invalid data);
/// the daemon serves on.
#[tokio::test]
async fn a_text_message_that_is_not_utf8_is_closed_with_1007() {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    let d = start_daemon().await;
    let mut s = timeout(STEP, TcpStream::connect(d.ws_addr().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let req = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    s.write_all(req.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    while !got.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        let n = timeout(STEP, s.read(&mut byte)).await.unwrap().unwrap();
        assert_eq!(n, 1, "closed during the handshake: {got:?}");
        got.push(byte[0]);
    }
    assert!(got.starts_with(b"HTTP/1.1 101"));
    // A masked text frame (key 0) with two bytes that are not UTF-8.
    s.write_all(&[0x81, 0x82, 0, 0, 0, 0, 0xff, 0xfe])
        .await
        .unwrap();
    let mut close = Vec::new();
    let _ = timeout(STEP, s.read_to_end(&mut close))
        .await
        .expect("not closed in time");
    assert_eq!(close[..2], [0x88, 2], "{close:?}");
    assert_eq!(
        u16::from_be_bytes([close[2], close[3]]),
        u16::from(CloseCode::Invalid)
    );
    let mut c = ws_client(&d).await;
    assert_eq!(c.request("echo", json!(1)).await["result"], json!(1));
    stop(d).await;
}

/// Bursts of notifications leave in batches of frames per write; every one arrives, in
/// order, whole (sizes across all three WebSocket length encodings).
#[tokio::test]
async fn batched_notifications_over_websocket_all_arrive_in_order() {
    let d = start_daemon_with(jetd::Config {
        max_message_size: 1 << 20,
        ..jetd::Config::loopback_ephemeral()
    })
    .await;
    let mut owner = tcp_client(&d).await;
    owner.request_ok("add", json!({"path":"p","value":0})).await;
    let mut fetchers = Vec::new();
    for _ in 0..3 {
        let mut f = ws_client(&d).await;
        f.request_ok("fetch", json!({"id":"f","path":{"equals":"p"}}))
            .await;
        f.expect(r#"{"method":"f","params":{"path":"p","event":"add","value":0}}"#)
            .await;
        fetchers.push(f);
    }
    let value = |i: usize| match i % 50 {
        0 => json!("x".repeat(70_000)),
        7 => json!("y".repeat(300)),
        _ => json!(i),
    };
    // Pipelined, in one write: the fetchers' outboxes fill while their writers are busy.
    let changes: Vec<String> = (1..=500)
        .map(|i| text(&json!({"method":"change","params":{"path":"p","value":value(i)}})))
        .collect();
    owner.send(&format!("[{}]", changes.join(","))).await;
    for f in &mut fetchers {
        for i in 1..=500 {
            let n = f.recv().await;
            assert_eq!(n["params"]["value"], value(i), "notification {i}");
        }
    }
    stop(d).await;
}
