//! Fault tests with real sockets on 127.0.0.1, each bounded in time: peers that stop
//! reading, die mid-request or go silent, many connections, floods, huge and deeply nested
//! values, malformed WebSocket handshakes and frames. jetd runs in-process.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jet_tests::raw::{error_data, stop as shutdown, RawClient};
use jet_tests::{start_daemon_with, tcp_only, until_stats, STEP};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The daemon still answers a fresh peer.
async fn still_serving(addr: SocketAddr) {
    let mut c = RawClient::tcp(addr).await;
    let r = c.request_as(json!("alive"), "echo", json!([1])).await;
    assert_eq!(r["result"], json!([1]), "daemon no longer serving: {r}");
}

/// Read from a raw socket until the peer closes it (EOF or reset); bytes read.
async fn read_until_closed(stream: &mut TcpStream) -> usize {
    let mut total = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match tokio::time::timeout(STEP, stream.read(&mut buf))
            .await
            .expect("jetd did not close the connection in time")
        {
            Ok(0) | Err(_) => return total,
            Ok(n) => total += n,
        }
    }
}

// ---- a reader that stops reading ---------------------------------------------------

/// A fetcher that never reads is disconnected once its outbound queue passes
/// `max_outbound_queue`; the daemon's memory for it stays bounded by that limit, and a
/// healthy fetcher of the same changes receives every one of them, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_that_stops_reading_is_disconnected_and_others_lose_nothing() {
    const LIMIT: usize = 256 * 1024;
    const CHANGES: usize = 8_000; // ~1 KiB each: 8 MiB, far beyond the limit and socket buffers
    let daemon = start_daemon_with(jetd::Config {
        max_outbound_queue: LIMIT,
        ..tcp_only()
    })
    .await;
    let addr = daemon.tcp_addr().unwrap();

    // The stalled peer: a small receive buffer, subscribes to everything, then never reads.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = tokio::time::timeout(STEP, socket.connect(addr))
        .await
        .unwrap()
        .unwrap();
    let mut frame = Vec::new();
    jet_runtime::codec::encode_frame(
        &mut frame,
        br#"{"id":1,"method":"fetch","params":{"id":"all"}}"#,
    );
    stalled.write_all(&frame).await.unwrap();

    let mut healthy = RawClient::tcp(addr).await;
    healthy
        .request_as_ok(
            json!(1),
            "fetch",
            json!({"id": "all", "path": {"startsWith": "flood/"}}),
        )
        .await;
    let mut owner = RawClient::tcp(addr).await;
    owner
        .request_as_ok(json!(1), "add", json!({"path": "flood/x", "value": 0}))
        .await;
    assert_eq!(healthy.recv().await["params"]["event"], json!("add"));
    until_stats(&daemon, "stalled peer registered its fetcher", |s| {
        s.fetchers == 2
    })
    .await;

    // Changes as notifications, 50 per frame. The healthy peer is read concurrently and the
    // owner waits for it to catch up after each frame, so the healthy peer never has more
    // than ~50 KiB queued and only the stalled one falls behind.
    let pad = "p".repeat(1000);
    let (progress_tx, mut progress) = tokio::sync::watch::channel(0usize);
    let reader = tokio::spawn(async move {
        for i in 1..=CHANGES {
            let msg = healthy.recv().await;
            assert_eq!(msg["params"]["event"], json!("change"), "{msg}");
            assert_eq!(
                msg["params"]["value"]["i"],
                json!(i),
                "changes lost or reordered"
            );
            let _ = progress_tx.send(i);
        }
        healthy
    });
    for chunk in (1..=CHANGES).collect::<Vec<_>>().chunks(50) {
        let batch: Vec<Value> = chunk
            .iter()
            .map(|i| json!({"method": "change", "params": {"path": "flood/x", "value": {"i": i, "pad": pad}}}))
            .collect();
        owner.send_json(&Value::Array(batch)).await;
        let sent = *chunk.last().unwrap();
        tokio::time::timeout(STEP, progress.wait_for(|&got| got >= sent))
            .await
            .expect("the healthy fetcher fell behind")
            .expect("healthy reader ended early");
    }
    let r = owner.request_as(json!(2), "echo", json!("done")).await;
    assert_eq!(
        r["result"],
        json!("done"),
        "no error responses for the changes"
    );
    let healthy = tokio::time::timeout(STEP, reader)
        .await
        .expect("healthy reader did not finish")
        .expect("healthy reader");

    // The stalled peer was disconnected: only owner and healthy remain.
    until_stats(&daemon, "stalled peer disconnected", |s| {
        s.connections == 2 && s.fetchers == 1
    })
    .await;
    let got = read_until_closed(&mut stalled).await;
    assert!(
        got < CHANGES * 1000 / 2,
        "the stalled peer got {got} bytes: it should have been cut off long before the end"
    );
    drop((healthy, owner));
    still_serving(addr).await;
    shutdown(daemon).await;
}

// ---- peers killed mid-request ------------------------------------------------------

/// The owner of a method dies while a call to it is pending: the requester gets
/// `ownerDisconnected` at once, not after the (long) timeout.
#[tokio::test]
async fn owner_killed_mid_request_fails_the_request_at_once() {
    let daemon = start_daemon_with(tcp_only()).await;
    let addr = daemon.tcp_addr().unwrap();
    let mut owner = RawClient::tcp(addr).await;
    let mut requester = RawClient::tcp(addr).await;
    owner
        .request_as_ok(json!(1), "add", json!({"path": "m"}))
        .await;
    requester
        .send_json(&json!({"id": "q", "method": "call", "params": {"path": "m", "timeout": 60}}))
        .await;
    let routed = owner.recv().await;
    assert_eq!(routed["method"], json!("m"));
    let t0 = Instant::now();
    drop(owner);
    let r = requester.recv().await;
    assert_eq!(r["id"], json!("q"));
    assert_eq!(r["error"]["code"], json!(-32603), "{r}");
    assert_eq!(error_data(&r), &json!({"ownerDisconnected": "m"}));
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "not at once: {:?}",
        t0.elapsed()
    );
    until_stats(&daemon, "route and element gone", |s| {
        s.elements == 0 && s.pending_routes == 0
    })
    .await;
    shutdown(daemon).await;
}

/// The requester dies while its call is pending: the route is forgotten, the owner's late
/// answer is dropped, and the daemon goes on serving (also the same owner).
#[tokio::test]
async fn requester_killed_mid_request_drops_the_late_answer() {
    let daemon = start_daemon_with(tcp_only()).await;
    let addr = daemon.tcp_addr().unwrap();
    let mut owner = RawClient::tcp(addr).await;
    owner
        .request_as_ok(json!(1), "add", json!({"path": "m"}))
        .await;
    let mut requester = RawClient::tcp(addr).await;
    requester
        .send_json(&json!({"id": 7, "method": "call", "params": {"path": "m", "args": [1]}}))
        .await;
    let routed = owner.recv().await;
    drop(requester);
    until_stats(&daemon, "requester and its route gone", |s| {
        s.connections == 1 && s.pending_routes == 0
    })
    .await;
    owner
        .send_json(&json!({"id": routed["id"], "result": "late"}))
        .await;
    // The owner is fine and nothing came back for the late answer.
    let r = owner.request_as(json!(2), "echo", json!("ok")).await;
    assert_eq!(r["result"], json!("ok"));
    // A new requester is served by the same owner.
    let mut next = RawClient::tcp(addr).await;
    next.send_json(&json!({"id": 8, "method": "call", "params": {"path": "m"}}))
        .await;
    let routed = owner.recv().await;
    owner
        .send_json(&json!({"id": routed["id"], "result": "fresh"}))
        .await;
    let r = next.recv().await;
    assert_eq!(r, json!({"id": 8, "result": "fresh"}));
    shutdown(daemon).await;
}

// ---- half-open connections ---------------------------------------------------------

/// What jetd does about a TCP peer that went silent (the half-open case: its host vanished
/// without a FIN): by default nothing for a while. The TCP transport has no idle timeout
/// unless `--idle-timeout` is given; keepalive probes (`--tcp-keepalive`, 60 s) find a
/// vanished host after a few minutes. This test pins the short-term behaviour down, so a
/// change of it is a conscious one; SECURITY.md documents it. (With `--idle-timeout`:
/// `an_idle_tcp_connection_is_closed_after_the_idle_timeout` below.)
#[tokio::test]
async fn silent_tcp_peer_is_kept() {
    let daemon = start_daemon_with(tcp_only()).await;
    let addr = daemon.tcp_addr().unwrap();
    let mut silent = RawClient::tcp(addr).await;
    silent
        .request_as_ok(json!(1), "add", json!({"path": "silent", "value": 1}))
        .await;
    // Absence of an event: a bounded wait is the only way to observe it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        daemon.stats().connections,
        1,
        "jetd dropped a silent TCP peer"
    );
    let mut other = RawClient::tcp(addr).await;
    let r = other
        .request_as(json!(1), "get", json!({"path": {"equals": "silent"}}))
        .await;
    assert_eq!(r["result"][0]["value"], json!(1));
    shutdown(daemon).await;
}

/// `--idle-timeout`: a TCP connection that sends nothing (not even half a frame's rest) for
/// that long is closed and its elements removed; one that keeps talking stays.
#[tokio::test]
async fn an_idle_tcp_connection_is_closed_after_the_idle_timeout() {
    const IDLE: Duration = Duration::from_millis(300);
    let daemon = start_daemon_with(jetd::Config {
        idle_timeout: Some(IDLE),
        ..tcp_only()
    })
    .await;
    let addr = daemon.tcp_addr().unwrap();
    let mut idle = RawClient::tcp(addr).await;
    idle.request_as_ok(json!(1), "add", json!({"path": "idle", "value": 1}))
        .await;
    let mut half = RawClient::tcp(addr).await;
    // A length prefix of 10 bytes and only 3 of them: silent mid-frame.
    half.send_raw_bytes(&[0, 0, 0, 10, b'{', b'"', b'a']).await;
    let mut busy = RawClient::tcp(addr).await;
    let started = tokio::time::Instant::now();
    // The busy peer talks every 100 ms for three idle timeouts.
    for i in 0..9 {
        let r = busy.request_as(json!(i), "echo", json!(i)).await;
        assert_eq!(r["result"], json!(i));
        tokio::time::sleep(IDLE / 3).await;
    }
    idle.expect_closed().await;
    half.expect_closed().await;
    assert!(started.elapsed() >= IDLE);
    until_stats(
        &daemon,
        "the idle peers' connections and elements gone",
        |s| s.connections == 1 && s.elements == 0,
    )
    .await;
    let r = busy.request_as(json!("last"), "echo", json!("alive")).await;
    assert_eq!(r["result"], json!("alive"));
    shutdown(daemon).await;
}

/// WebSocket peers are pinged when idle (`ws_ping_interval`), so a WebSocket client can tell
/// a live daemon from a dead one, and a dead client is found when the pings fail to send.
#[tokio::test]
async fn idle_websocket_peer_is_pinged() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let daemon = start_daemon_with(jetd::Config {
        ws_ping_interval: Some(Duration::from_millis(50)),
        ..jetd::Config::loopback_ephemeral()
    })
    .await;
    let url = format!("ws://{}/", daemon.ws_addr().unwrap());
    let (mut ws, _) = tokio::time::timeout(STEP, tokio_tungstenite::connect_async(url))
        .await
        .unwrap()
        .unwrap();
    let msg = tokio::time::timeout(STEP, ws.next())
        .await
        .expect("no ping from jetd")
        .expect("stream ended")
        .expect("ws error");
    assert!(
        matches!(msg, Message::Ping(_)),
        "expected a ping, got {msg:?}"
    );
    shutdown(daemon).await;
}

// ---- many connections --------------------------------------------------------------

/// The soft limit on open files, from /proc/self/limits.
fn open_files_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1024)
}

/// 10,000 peers connected at once, each served; jetd runs in this process, so each
/// connection costs two descriptors here: the count is scaled down (with a note) when the
/// limit does not allow it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_connections() {
    const WANTED: usize = 10_000;
    // Other tests of this binary run at the same time and need descriptors too.
    let limit = open_files_limit();
    let n = WANTED.min(limit.saturating_sub(1_000) / 2);
    if n < WANTED {
        eprintln!(
            "note: open-files limit is {limit} (both ends are in this process): \
             testing {n} concurrent connections instead of {WANTED}"
        );
    }
    assert!(n >= 100, "open-files limit {limit} too low for this test");
    let daemon = start_daemon_with(jetd::Config {
        max_connections: n + 10,
        ..tcp_only()
    })
    .await;
    let addr = daemon.tcp_addr().unwrap();
    let t0 = Instant::now();
    let mut clients = Vec::with_capacity(n);
    // Connect in waves the listen backlog can take.
    for wave in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut set = tokio::task::JoinSet::new();
        for &i in wave {
            set.spawn(async move {
                let mut c = RawClient::tcp(addr).await;
                let r = c.request_as(json!(i), "echo", json!(i)).await;
                assert_eq!(r["result"], json!(i));
                c
            });
        }
        while let Some(c) = set.join_next().await {
            clients.push(c.expect("client task"));
        }
    }
    until_stats(&daemon, "all connections registered", |s| {
        s.connections == n
    })
    .await;
    eprintln!("{n} connections up and served in {:?}", t0.elapsed());
    // Everybody at once: one add is seen by a fetcher on the last connection.
    let (first, rest) = clients.split_first_mut().unwrap();
    let last = rest.last_mut().unwrap();
    last.request_as_ok(json!("f"), "fetch", json!({"id": "f"}))
        .await;
    first
        .request_as_ok(json!("a"), "add", json!({"path": "x", "value": 1}))
        .await;
    assert_eq!(last.recv().await["params"]["path"], json!("x"));
    drop(clients);
    until_stats(&daemon, "all connections closed", |s| {
        s == jetd::Stats::default()
    })
    .await;
    still_serving(addr).await;
    shutdown(daemon).await;
}

// ---- floods --------------------------------------------------------------------------

/// 10,000 adds and 50,000 changes as fast as TCP takes them: a fetcher sees every add, every
/// change in order, and the final values; nothing is lost, the daemon stays responsive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_of_adds_and_changes() {
    const ELEMENTS: usize = 10_000;
    const CHANGES: usize = 50_000;
    let daemon = start_daemon_with(tcp_only()).await;
    let addr = daemon.tcp_addr().unwrap();
    let mut fetcher = RawClient::tcp(addr).await;
    fetcher
        .request_as_ok(
            json!(1),
            "fetch",
            json!({"id": "f", "path": {"startsWith": "e/"}}),
        )
        .await;
    let counter = tokio::spawn(async move {
        let mut last = vec![-1i64; ELEMENTS];
        let (mut adds, mut changes) = (0, 0);
        while adds < ELEMENTS || changes < CHANGES {
            let msg = fetcher.recv().await;
            let p = &msg["params"];
            let i: usize = p["path"].as_str().unwrap()[2..].parse().unwrap();
            let v = p["value"].as_i64().unwrap();
            match p["event"].as_str().unwrap() {
                "add" => adds += 1,
                "change" => {
                    assert!(v > last[i], "change out of order for e/{i}");
                    changes += 1;
                }
                e => panic!("unexpected event {e}"),
            }
            last[i] = v;
        }
        last
    });
    let mut owner = RawClient::tcp(addr).await;
    let t0 = Instant::now();
    for chunk in (0..ELEMENTS).collect::<Vec<_>>().chunks(200) {
        let batch: Vec<Value> = chunk
            .iter()
            .map(|i| json!({"method": "add", "params": {"path": format!("e/{i}"), "value": 0}}))
            .collect();
        owner.send_json(&Value::Array(batch)).await;
    }
    for chunk in (0..CHANGES).collect::<Vec<_>>().chunks(200) {
        let batch: Vec<Value> = chunk
            .iter()
            .map(|k| {
                json!({"method": "change", "params": {"path": format!("e/{}", k % ELEMENTS), "value": k + 1}})
            })
            .collect();
        owner.send_json(&Value::Array(batch)).await;
    }
    let r = owner.request_as(json!("end"), "echo", json!(true)).await;
    assert_eq!(
        r["result"],
        json!(true),
        "no error responses for notifications"
    );
    let last = tokio::time::timeout(STEP * 3, counter)
        .await
        .expect("fetcher did not see the whole flood in time")
        .expect("counter");
    eprintln!(
        "{ELEMENTS} adds + {CHANGES} changes fanned out in {:?}",
        t0.elapsed()
    );
    for (i, v) in last.iter().enumerate() {
        let want = (0..CHANGES)
            .filter(|k| k % ELEMENTS == i)
            .max()
            .map_or(0, |k| k + 1);
        assert_eq!(*v, want as i64, "final value of e/{i}");
    }
    assert_eq!(daemon.stats().elements, ELEMENTS);
    shutdown(daemon).await;
}

// ---- huge and deeply nested values -----------------------------------------------------

/// 100,000-deep arrays and objects anywhere in a message (a value, a batch item, fetch
/// params) are refused by the nesting limit (PROTOCOL.md A.1) before anything parses them:
/// no stack overflow, nothing forwarded, and the connection and its elements stay.
#[tokio::test]
async fn deeply_nested_input_is_refused_without_stack_overflow() {
    let daemon = start_daemon_with(tcp_only()).await;
    let addr = daemon.tcp_addr().unwrap();
    let mut fetcher = RawClient::tcp(addr).await;
    fetcher
        .request_as_ok(
            json!(1),
            "fetch",
            json!({"id": "f", "path": {"startsWith": "deep"}}),
        )
        .await;

    let mut c = RawClient::tcp(addr).await;
    let r = c
        .request_as(json!(1), "add", json!({"path": "keep", "value": 1}))
        .await;
    assert_eq!(r["result"], json!(true));
    let deep_array = jet_tests::nested_array(100_000);
    let deep_object = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let refused =
        json!({"error":{"message":"Parse error","code":-32700,"data":"nesting deeper than 128"}});
    let refused_request = |id: u32| json!({"id":id,"error":{"message":"Invalid Request","code":-32600,"data":"nesting deeper than 128"}});
    for (i, deep) in [&deep_array, &deep_object].into_iter().enumerate() {
        let msg =
            format!(r#"{{"id":2,"method":"add","params":{{"path":"deep{i}","value":{deep}}}}}"#);
        c.send(&msg).await;
        assert_eq!(c.recv().await, refused_request(2));
        c.send(&format!(r#"[{{"id":5,"x":{deep}}}]"#)).await;
        assert_eq!(c.recv().await, refused);
        let msg = format!(r#"{{"id":3,"method":"fetch","params":{{"id":"g","path":{deep}}}}}"#);
        c.send(&msg).await;
        assert_eq!(c.recv().await, refused_request(3));
    }
    fetcher.expect_silence(jet_tests::raw::SILENCE).await;
    let r = c
        .request_as(json!(4), "get", json!({"path": {"equals": "keep"}}))
        .await;
    assert_eq!(r["result"][0]["value"], json!(1), "elements survive");
    drop(c);
    until_stats(&daemon, "elements removed with their owner", |s| {
        s.elements == 0
    })
    .await;
    shutdown(daemon).await;
}

/// A value of several MiB (under the limit) is relayed whole; a frame over
/// `max_message_size` closes only that connection.
#[tokio::test]
async fn huge_values_pass_and_oversized_frames_close_only_that_connection() {
    const MAX: usize = 4 * 1024 * 1024;
    let daemon = start_daemon_with(jetd::Config {
        max_message_size: MAX,
        ..tcp_only()
    })
    .await;
    let addr = daemon.tcp_addr().unwrap();
    let mut fetcher = RawClient::tcp(addr).await;
    fetcher
        .request_as_ok(json!(1), "fetch", json!({"id": "f"}))
        .await;
    let mut owner = RawClient::tcp(addr).await;
    let big = "x".repeat(3 * 1024 * 1024);
    owner
        .request_as_ok(json!(1), "add", json!({"path": "big", "value": big}))
        .await;
    let n = fetcher.recv().await;
    assert_eq!(n["params"]["value"].as_str().map(str::len), Some(big.len()));

    let mut offender = RawClient::tcp(addr).await;
    offender
        .request_as_ok(json!(1), "add", json!({"path": "o", "value": 1}))
        .await;
    assert_eq!(fetcher.recv().await["params"]["path"], json!("o"));
    // Only the header: jetd refuses on the announced length, before any payload.
    offender
        .send_raw_bytes(&u32::try_from(MAX + 1).unwrap().to_be_bytes())
        .await;
    offender.drain_until_closed().await;
    // The offender's element is removed like on any disconnect; the others go on.
    let n = fetcher.recv().await;
    assert_eq!(
        (n["params"]["path"].clone(), n["params"]["event"].clone()),
        (json!("o"), json!("remove"))
    );
    let r = owner
        .request_as(json!(2), "change", json!({"path": "big", "value": 2}))
        .await;
    assert_eq!(r["result"], json!(true));
    assert_eq!(fetcher.recv().await["params"]["value"], json!(2));
    shutdown(daemon).await;
}

// ---- malformed WebSocket handshakes and frames ---------------------------------------

const UPGRADE: &str = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: jet\r\n\r\n";

/// Connect to the WebSocket port and complete a handshake by hand; returns the stream.
async fn raw_ws(addr: SocketAddr) -> TcpStream {
    let (s, head) = ws_handshake(addr, "").await;
    assert!(
        head.starts_with("HTTP/1.1 101"),
        "handshake refused: {head}"
    );
    assert!(head
        .to_ascii_lowercase()
        .contains("sec-websocket-protocol: jet"));
    s
}

/// Send the upgrade request with `extra` header lines; returns the stream and the
/// response head.
async fn ws_handshake(addr: SocketAddr, extra: &str) -> (TcpStream, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let request = UPGRADE.replacen("\r\n\r\n", &format!("\r\n{extra}\r\n"), 1);
    s.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tokio::time::timeout(STEP, s.read_exact(&mut byte))
            .await
            .expect("handshake answer timed out")
            .expect("handshake answer");
        head.push(byte[0]);
    }
    (s, String::from_utf8_lossy(&head).into_owned())
}

/// A masked client frame.
fn ws_frame(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37u8, 0xfa, 0x21, 0x3d];
    let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n < 65536 => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

#[tokio::test]
async fn malformed_websocket_handshakes_are_refused() {
    let daemon = start_daemon_with(jetd::Config::loopback_ephemeral()).await;
    let ws = daemon.ws_addr().unwrap();
    let bad: [&[u8]; 6] = [
        b"hello\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", // no upgrade
        b"POST / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: x\r\n\r\n",
        b"\x00\x00\x00\x10{\"method\":\"info\"}", // a TCP-protocol peer on the wrong port
        &[0xff; 70_000],                          // endless garbage header
    ];
    for input in bad {
        let mut s = TcpStream::connect(ws).await.unwrap();
        // The server may close before reading everything; a write error is fine.
        let _ = s.write_all(input).await;
        read_until_closed(&mut s).await;
    }
    // Nothing was registered as a peer, and real peers are served.
    assert_eq!(daemon.stats().connections, 0);
    still_serving(daemon.tcp_addr().unwrap()).await;
    let mut good = raw_ws(ws).await;
    good.write_all(&ws_frame(1, true, br#"{"id":1,"method":"info"}"#))
        .await
        .unwrap();
    let mut head = [0u8; 2];
    tokio::time::timeout(STEP, good.read_exact(&mut head))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head[0], 0x81, "a text frame answers");
    shutdown(daemon).await;
}

#[tokio::test]
async fn malformed_websocket_frames_close_only_that_connection() {
    let daemon = start_daemon_with(jetd::Config {
        max_message_size: 1024 * 1024,
        ..jetd::Config::loopback_ephemeral()
    })
    .await;
    let ws = daemon.ws_addr().unwrap();
    let tcp = daemon.tcp_addr().unwrap();
    let mut watcher = RawClient::tcp(tcp).await;
    let r = watcher
        .request_as(json!(1), "fetch", json!({"id": "w"}))
        .await;
    assert_eq!(r["result"], json!(true));

    let mut unmasked = vec![0x81u8, 2];
    unmasked.extend_from_slice(b"{}");
    let mut huge_len = vec![0x82u8, 0x80 | 127];
    huge_len.extend_from_slice(&(1u64 << 62).to_be_bytes());
    huge_len.extend_from_slice(&[0, 0, 0, 0]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("unmasked frame", unmasked),
        ("length 2^62", huge_len),
        ("reserved opcode", ws_frame(0x3, true, b"x")),
        ("invalid UTF-8 text", ws_frame(0x1, true, &[0xc3, 0x28])),
        ("continuation without start", ws_frame(0x0, true, b"{}")),
        ("fragmented control frame", ws_frame(0x9, false, b"p")),
        (
            "message over the limit",
            ws_frame(0x2, true, &vec![b' '; 1024 * 1024 + 1]),
        ),
        ("reserved bits", {
            let mut f = ws_frame(0x1, true, b"{}");
            f[0] |= 0x40;
            f
        }),
    ];
    for (what, bytes) in cases {
        let mut s = raw_ws(ws).await;
        // A peer that added an element first: it must be removed when it is thrown out.
        let add = format!(r#"{{"id":1,"method":"add","params":{{"path":"{what}","value":1}}}}"#);
        s.write_all(&ws_frame(1, true, add.as_bytes()))
            .await
            .unwrap();
        let n = watcher.recv().await;
        assert_eq!(n["params"]["event"], json!("add"), "{what}");
        let _ = s.write_all(&bytes).await;
        read_until_closed(&mut s).await;
        let n = watcher.recv().await;
        assert_eq!(
            (n["params"]["path"].as_str(), n["params"]["event"].as_str()),
            (Some(what), Some("remove")),
            "{what}: the connection was not closed cleanly"
        );
    }
    until_stats(&daemon, "only the watcher is left", |s| {
        s.connections == 1 && s.elements == 0
    })
    .await;
    still_serving(tcp).await;
    shutdown(daemon).await;
}

// ---- limits under fire -----------------------------------------------------------------

/// A burst of connections far over `max_connections`: never more than the limit are
/// served, the others are closed at once, and a slot freed is usable again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_holds_under_a_burst() {
    const MAX: usize = 50;
    const BURST: usize = 300;
    let daemon = start_daemon_with(jetd::Config {
        max_connections: MAX,
        ..tcp_only()
    })
    .await;
    let addr = daemon.tcp_addr().unwrap();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..BURST {
        set.spawn(async move {
            let mut c = RawClient::tcp(addr).await;
            c.send_json(&json!({"id": i, "method": "echo", "params": i}))
                .await;
            // Served: the echo comes back. Refused: closed without an answer.
            let answer = c.recv_or_closed().await;
            (answer.is_some(), c)
        });
    }
    let mut served = Vec::new();
    let mut refused = 0;
    while let Some(r) = set.join_next().await {
        let (ok, c) = r.expect("client task");
        if ok {
            served.push(c);
        } else {
            refused += 1;
        }
        assert!(
            daemon.stats().connections <= MAX,
            "more than {MAX} connections registered"
        );
    }
    assert_eq!(served.len(), MAX, "exactly the limit is served");
    assert_eq!(refused, BURST - MAX);
    // Free one slot: the next peer is served again.
    served.pop();
    until_stats(&daemon, "a slot freed", |s| s.connections == MAX - 1).await;
    still_serving(addr).await;
    shutdown(daemon).await;
}

/// A peer that floods adds past `max_elements_per_peer` gets exactly the limit and a
/// `limitExceeded` error for each of the rest; others are unaffected; its disconnect frees
/// everything.
#[tokio::test]
async fn element_limit_holds_under_a_flood() {
    const MAX: usize = 100;
    const TRIES: usize = 1_000;
    let daemon = start_daemon_with(jetd::Config {
        max_elements_per_peer: MAX,
        ..tcp_only()
    })
    .await;
    let addr = daemon.tcp_addr().unwrap();
    let mut flooder = RawClient::tcp(addr).await;
    let batch: Vec<Value> = (0..TRIES)
        .map(
            |i| json!({"id": i, "method": "add", "params": {"path": format!("f/{i}"), "value": i}}),
        )
        .collect();
    flooder.send_json(&Value::Array(batch)).await;
    let (mut ok, mut limited) = (0, 0);
    for i in 0..TRIES {
        let r = flooder.recv().await;
        assert_eq!(r["id"], json!(i), "responses in order");
        if r["result"] == json!(true) {
            ok += 1;
        } else {
            assert_eq!(
                r["error"],
                json!({"message": "Limit exceeded", "code": -32002,
                       "data": {"limitExceeded": "elementsPerPeer", "limit": MAX}})
            );
            limited += 1;
        }
    }
    assert_eq!((ok, limited), (MAX, TRIES - MAX));
    let mut other = RawClient::tcp(addr).await;
    let r = other
        .request_as(json!(1), "add", json!({"path": "o", "value": 1}))
        .await;
    assert_eq!(
        r["result"],
        json!(true),
        "another peer has its own allowance"
    );
    drop(flooder);
    until_stats(&daemon, "the flooder's elements are gone", |s| {
        s.elements == 1
    })
    .await;
    shutdown(daemon).await;
}

/// Calls to a silent owner past `max_pending_per_peer`: the rest are refused at once, the
/// pending ones time out normally, and then the requester may route again.
#[tokio::test]
async fn pending_limit_holds_against_a_silent_owner() {
    const MAX: usize = 10;
    let daemon = start_daemon_with(jetd::Config {
        max_pending_per_peer: MAX,
        ..tcp_only()
    })
    .await;
    let addr = daemon.tcp_addr().unwrap();
    let mut owner = RawClient::tcp(addr).await;
    owner
        .request_as_ok(json!(1), "add", json!({"path": "m"}))
        .await;
    let mut req = RawClient::tcp(addr).await;
    let batch: Vec<Value> = (0..100)
        .map(|i| json!({"id": i, "method": "call", "params": {"path": "m", "timeout": 0.2}}))
        .collect();
    req.send_json(&Value::Array(batch)).await;
    // 90 refusals at once, then 10 timeouts.
    let (mut refused, mut timed_out) = (0, 0);
    for _ in 0..100 {
        let r = req.recv().await;
        match r["error"]["code"].as_i64() {
            Some(-32002) => refused += 1,
            Some(-32001) => timed_out += 1,
            _ => panic!("unexpected answer {r}"),
        }
    }
    assert_eq!((refused, timed_out), (100 - MAX, MAX));
    for _ in 0..MAX {
        let routed = owner.recv().await;
        assert_eq!(routed["method"], json!("m"));
    }
    req.send_json(&json!({"id": "again", "method": "call", "params": {"path": "m"}}))
        .await;
    let routed = owner.recv().await;
    owner
        .send_json(&json!({"id": routed["id"], "result": 1}))
        .await;
    assert_eq!(req.recv().await, json!({"id": "again", "result": 1}));
    shutdown(daemon).await;
}

/// The default without `--ws-allowed-origin`: a page of another site (cross-site
/// WebSocket) is refused with 403; clients without `Origin`, pages served by the host the
/// client connected to (any port) and loopback pages are served. `*` allows any origin.
#[tokio::test]
async fn websocket_origins_by_default_same_host_and_loopback_only() {
    let handshake = |ws, host: &'static str, origin: &'static str| async move {
        let mut s = TcpStream::connect(ws).await.unwrap();
        let mut request = UPGRADE.replacen("Host: 127.0.0.1", &format!("Host: {host}"), 1);
        if !origin.is_empty() {
            request = request.replacen("\r\n\r\n", &format!("\r\nOrigin: {origin}\r\n\r\n"), 1);
        }
        s.write_all(request.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            tokio::time::timeout(STEP, s.read_exact(&mut byte))
                .await
                .expect("handshake answer timed out")
                .expect("handshake answer");
            head.push(byte[0]);
        }
        String::from_utf8_lossy(&head).into_owned()
    };
    let daemon = start_daemon_with(jetd::Config::loopback_ephemeral()).await;
    let ws = daemon.ws_addr().unwrap();
    let cases = [
        ("127.0.0.1:11123", "", true),
        ("127.0.0.1:11123", "https://evil.example", false),
        ("127.0.0.1:11123", "null", false),
        ("127.0.0.1:11123", "http://127.0.0.1:8080", true),
        ("127.0.0.1:11123", "http://localhost:3000", true),
        ("hmi.plant:11123", "http://hmi.plant:8080", true),
        ("hmi.plant:11123", "https://hmi.plant", true),
        ("hmi.plant:11123", "http://other.plant:8080", false),
        ("hmi.plant:11123", "http://hmi.plant.evil.example", false),
    ];
    for (host, origin, accepted) in cases {
        let head = handshake(ws, host, origin).await;
        let want = if accepted {
            "HTTP/1.1 101"
        } else {
            "HTTP/1.1 403"
        };
        assert!(
            head.starts_with(want),
            "Host {host}, Origin {origin:?}: {head}"
        );
    }
    shutdown(daemon).await;
    let daemon = start_daemon_with(jetd::Config {
        ws_allowed_origins: Some(vec!["*".into()]),
        ..jetd::Config::loopback_ephemeral()
    })
    .await;
    let ws = daemon.ws_addr().unwrap();
    for origin in ["https://evil.example", "null", ""] {
        let head = handshake(ws, "127.0.0.1", origin).await;
        assert!(
            head.starts_with("HTTP/1.1 101"),
            "{origin:?} with `*`: {head}"
        );
    }
    shutdown(daemon).await;
}

/// `ws_allowed_origins`: a browser from another origin is refused in the handshake (403);
/// an allowed origin and a client without `Origin` (not a browser) are served.
#[tokio::test]
async fn websocket_origin_allow_list() {
    let daemon = start_daemon_with(jetd::Config {
        ws_allowed_origins: Some(vec!["https://panel.example".into()]),
        ..jetd::Config::loopback_ephemeral()
    })
    .await;
    let ws = daemon.ws_addr().unwrap();
    for evil in [
        "Origin: https://evil.example\r\n",
        "Origin: https://panel.example.evil.example\r\n",
        "Origin: null\r\n",
        "Origin: https://panel.example:8443\r\n",
    ] {
        let (mut s, head) = ws_handshake(ws, evil).await;
        assert!(
            head.starts_with("HTTP/1.1 403"),
            "{evil:?} was not refused: {head}"
        );
        read_until_closed(&mut s).await;
    }
    let mut served = Vec::new();
    for good in ["Origin: https://panel.example\r\n", ""] {
        let (mut s, head) = ws_handshake(ws, good).await;
        assert!(
            head.starts_with("HTTP/1.1 101"),
            "{good:?} was refused: {head}"
        );
        s.write_all(&ws_frame(1, true, br#"{"id":1,"method":"info"}"#))
            .await
            .unwrap();
        let mut first = [0u8; 1];
        tokio::time::timeout(STEP, s.read_exact(&mut first))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first[0], 0x81, "{good:?}: answered with a text frame");
        served.push(s);
    }
    until_stats(&daemon, "refused handshakes never became peers", |s| {
        s.connections == 2
    })
    .await;
    shutdown(daemon).await;
}
