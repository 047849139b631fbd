//! Same results on every daemon: the Rust peer against a scripted daemon that ignores value
//! rules, sorting and `valueAsResult` (as cjet does, PROTOCOL.md B) gets the same elements,
//! events and windows as against jetd, and says what it did itself with a `Notice`; against
//! jetd it says nothing.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use futures_util::StreamExt;
use jet_runtime::codec::{encode_frame, FrameDecoder};
use jet_runtime::fetch::builder::{Fetch, ValueType};
use jet_runtime::peer::{EventKind, FetchEvent, FetchStream, Notice, Peer, SetReply, State};
use jet_tests::STEP;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

async fn t<F: IntoFuture>(f: F) -> F::Output {
    tokio::time::timeout(STEP, f).await.expect("timed out")
}

/// The elements of every run: three numbers and a string.
const ELEMENTS: [(&str, i64); 3] = [("s/a", 10), ("s/b", 60), ("s/c", 80)];

// ---- a daemon that ignores rules -------------------------------------------------------

/// The bus of the scripted daemon: elements in insertion order, and each connection's
/// outbox with the fetch ids it holds.
#[derive(Default)]
struct Bus {
    elements: Vec<(String, Value)>,
    connections: Vec<(mpsc::UnboundedSender<Value>, Vec<Value>)>,
}

impl Bus {
    fn set(&mut self, path: &str, value: Value) {
        if let Some(e) = self.elements.iter_mut().find(|(p, _)| p == path) {
            e.1 = value.clone();
        }
        for (out, fetches) in &self.connections {
            for id in fetches {
                let params = json!({"path": path, "event": "change", "value": value});
                let _ = out.send(json!({"method": id, "params": params}));
            }
        }
    }
}

/// A daemon that holds [`ELEMENTS`] and `s/d = "x"` and answers like cjet: `get` and
/// `fetch` ignore value rules and `sort` (every element, plain `add` events), and a `set`
/// is answered `true` whatever `valueAsResult` says.
struct IgnoringDaemon {
    addr: String,
    bus: Arc<Mutex<Bus>>,
    task: tokio::task::JoinHandle<()>,
}

impl IgnoringDaemon {
    async fn start() -> IgnoringDaemon {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let mut elements: Vec<(String, Value)> = ELEMENTS
            .iter()
            .map(|(p, v)| (p.to_string(), json!(v)))
            .collect();
        elements.push(("s/d".into(), json!("x")));
        let bus = Arc::new(Mutex::new(Bus {
            elements,
            connections: Vec::new(),
        }));
        let shared = bus.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, shared.clone()));
            }
        });
        IgnoringDaemon { addr, bus, task }
    }

    /// Another peer changed `path`: tell every fetch, whatever its rules.
    fn change(&self, path: &str, value: Value) {
        self.bus.lock().unwrap().set(path, value);
    }
}

impl Drop for IgnoringDaemon {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(socket: TcpStream, bus: Arc<Mutex<Bus>>) {
    let (mut r, mut w) = socket.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    let me = {
        let mut bus = bus.lock().unwrap();
        bus.connections.push((tx.clone(), Vec::new()));
        bus.connections.len() - 1
    };
    let writer = tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            let mut out = Vec::new();
            encode_frame(&mut out, m.to_string().as_bytes());
            if w.write_all(&out).await.is_err() {
                return;
            }
        }
    });
    let decoder = FrameDecoder::default();
    let mut buf = BytesMut::new();
    loop {
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            let m: Value = serde_json::from_slice(&frame).unwrap();
            let mut bus = bus.lock().unwrap();
            let answer = |result: Value| json!({"id": m["id"], "result": result});
            let all: Vec<Value> = bus
                .elements
                .iter()
                .map(|(p, v)| json!({"path": p, "value": v}))
                .collect();
            match m["method"].as_str() {
                Some("get") => {
                    let _ = tx.send(answer(Value::Array(all)));
                }
                Some("fetch") => {
                    let id = m["params"]["id"].clone();
                    let _ = tx.send(answer(json!(true)));
                    for e in all {
                        let params =
                            json!({"path": e["path"], "event": "add", "value": e["value"]});
                        let _ = tx.send(json!({"method": id, "params": params}));
                    }
                    bus.connections[me].1.push(id);
                }
                Some("set") => {
                    let p = &m["params"];
                    let path = p["path"].as_str().unwrap_or_default().to_owned();
                    let _ = tx.send(answer(json!(true)));
                    bus.set(&path, p["value"].clone());
                }
                Some(_) if m.get("id").is_some() => {
                    let _ = tx.send(answer(json!(true)));
                }
                _ => {}
            }
        }
        match r.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    writer.abort();
}

// ---- the same program against either daemon --------------------------------------------

/// Where the elements live, and how another peer changes them.
enum Backend {
    Jetd {
        daemon: jetd::Daemon,
        _owner: Peer,
        states: HashMap<String, State>,
    },
    Ignoring(IgnoringDaemon),
}

impl Backend {
    async fn jetd() -> Backend {
        let daemon = jet_tests::start_daemon().await;
        let owner = t(Peer::connect(&daemon.tcp_addr().unwrap().to_string()))
            .await
            .unwrap();
        let mut states = HashMap::new();
        for (path, value) in ELEMENTS {
            let add = owner
                .add_state(path, json!(value))
                .on_set(|_| Ok(SetReply::accept()));
            states.insert(path.to_owned(), t(add).await.unwrap());
        }
        let add = owner.add_state("s/d", json!("x"));
        states.insert("s/d".into(), t(add).await.unwrap());
        Backend::Jetd {
            daemon,
            _owner: owner,
            states,
        }
    }

    fn addr(&self) -> String {
        match self {
            Backend::Jetd { daemon, .. } => daemon.tcp_addr().unwrap().to_string(),
            Backend::Ignoring(d) => d.addr.clone(),
        }
    }

    async fn change(&self, path: &str, value: Value) {
        match self {
            Backend::Jetd { states, .. } => t(states[path].change(value)).await.unwrap(),
            Backend::Ignoring(d) => d.change(path, value),
        }
    }
}

/// The next element event.
async fn element(s: &mut FetchStream) -> (EventKind, String, Option<Value>) {
    match t(s.next()).await {
        Some(FetchEvent::Element(e)) => (e.kind, e.path, e.value),
        other => panic!("expected an element event, got {other:?}"),
    }
}

/// Windows until one shows `want` (a daemon that does not sort gets there step by step).
async fn window_until(s: &mut FetchStream, want: &[(&str, i64)]) {
    let mut seen = Vec::new();
    for _ in 0..20 {
        match t(s.next()).await {
            Some(FetchEvent::Window(w)) => {
                let got: Vec<(String, Option<Value>)> =
                    w.entries.into_iter().map(|e| (e.path, e.value)).collect();
                let wanted: Vec<(String, Option<Value>)> = want
                    .iter()
                    .map(|(p, v)| (p.to_string(), Some(json!(v))))
                    .collect();
                if got == wanted {
                    return;
                }
                seen.push(got);
            }
            other => panic!("expected a window, got {other:?} after {seen:?}"),
        }
    }
    panic!("never the window {want:?}; saw {seen:?}");
}

/// The program: get, fetch with a value rule, a sorted fetch, a set with valueAsResult.
/// Returns what the peer noticed.
async fn program(backend: &Backend) -> Vec<Notice> {
    let notices = Arc::new(Mutex::new(Vec::new()));
    let sink = notices.clone();
    let peer = t(Peer::builder()
        .on_notice(move |n| sink.lock().unwrap().push(n.clone()))
        .connect(&backend.addr()))
    .await
    .unwrap();

    let over_50 = Fetch::all()
        .path_starts_with("s/")
        .value_greater_than(json!(50));
    let got = t(peer.get(&over_50)).await.unwrap();
    let paths: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["s/b", "s/c"], "get with a value rule");

    let top2 = Fetch::all()
        .path_starts_with("s/")
        .sort_by_value(ValueType::Number)
        .descending()
        .range(1, 2);
    let got = t(peer.get(&top2)).await.unwrap();
    let at: Vec<(&str, Option<usize>)> = got.iter().map(|e| (e.path.as_str(), e.index)).collect();
    assert_eq!(at, [("s/c", Some(1)), ("s/b", Some(2))], "sorted get");

    let mut events = t(peer.fetch(&over_50)).await.unwrap();
    assert_eq!(
        element(&mut events).await,
        (EventKind::Add, "s/b".into(), Some(json!(60)))
    );
    assert_eq!(
        element(&mut events).await,
        (EventKind::Add, "s/c".into(), Some(json!(80)))
    );
    let mut window = t(peer.fetch(&top2)).await.unwrap();
    window_until(&mut window, &[("s/c", 80), ("s/b", 60)]).await;

    // a starts to match and goes to the top; b stops matching.
    backend.change("s/a", json!(90)).await;
    assert_eq!(
        element(&mut events).await,
        (EventKind::Add, "s/a".into(), Some(json!(90)))
    );
    window_until(&mut window, &[("s/a", 90), ("s/c", 80)]).await;
    backend.change("s/b", json!(5)).await;
    assert_eq!(
        element(&mut events).await,
        (EventKind::Remove, "s/b".into(), Some(json!(5)))
    );
    backend.change("s/c", json!(85)).await;
    assert_eq!(
        element(&mut events).await,
        (EventKind::Change, "s/c".into(), Some(json!(85)))
    );
    window_until(&mut window, &[("s/a", 90), ("s/c", 85)]).await;

    // The owner accepts 70; valueAsResult must give 70, not `true`.
    let r = t(peer.set("s/b", json!(70)).value_as_result())
        .await
        .unwrap();
    assert_eq!(r, json!(70), "valueAsResult");

    peer.close().await;
    let seen = notices.lock().unwrap().clone();
    seen
}

#[tokio::test]
async fn a_daemon_that_ignores_rules_gives_the_same_answers_with_notices() {
    let backend = Backend::Ignoring(IgnoringDaemon::start().await);
    let notices = program(&backend).await;
    for expected in [
        Notice::RulesIgnored,
        Notice::SortIgnored,
        Notice::ValueAsResultIgnored { path: "s/b".into() },
    ] {
        assert!(
            notices.contains(&expected),
            "{expected:?} missing in {notices:?}"
        );
    }
}

#[tokio::test]
async fn jetd_gives_the_same_answers_without_notices() {
    let backend = Backend::jetd().await;
    let notices = program(&backend).await;
    assert_eq!(notices, []);
    if let Backend::Jetd { daemon, .. } = backend {
        t(daemon.shutdown()).await;
    }
}
