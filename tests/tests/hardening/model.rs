//! Model-based test: random sequences of operations from several peers over real TCP to a
//! real jetd (in-process, 127.0.0.1), checked against a simple model of the bus.
//!
//! Operations: add (state or method, maybe fetch-only), remove, change, set and call whose
//! owner answers, answers with an error, stays silent (the request times out after 60 ms)
//! or disconnects, fetch with every kind of rule (path operators, value rules, sorted by
//! path or by value), unfetch, get, and disconnects. Each operation is awaited, then every
//! peer is synchronised with an `echo` round trip, so everything the operation caused has
//! arrived (notifications are queued before the response that follows them, PROTOCOL.md A.4).
//!
//! Checked after every operation:
//! * every request with an id got exactly one response, and the response the model
//!   predicts (`true`, the relayed result or error, a timeout, `ownerDisconnected`, or the
//!   named error);
//! * every fetcher's view, built only from its notifications, equals the model's: the
//!   matching paths and values (unsorted), or the window (sorted);
//! * the daemon keeps serving (nothing panicked) and, at the end, holds nothing of the
//!   peers that are gone.
//!
//! Sorted fetches use random windows (`from` and `to`); a fetcher's sorted view is kept as
//! PROTOCOL.md A.6 describes its client: each entry written at its index, the view truncated
//! to `n` items (what lies beyond is dropped, so it must be re-sent when it comes back).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use jet_tests::raw::{is_response, RawClient};
use jet_tests::{until_stats, STEP};
use proptest::prelude::*;
use serde_json::{json, Value};

const PEERS: usize = 3;
const PATHS: [&str; 6] = ["a/1", "a/2", "a/b/3", "b/1", "B/2", "c"];
/// Timeout of routed requests whose owner stays silent, in seconds.
const SILENT_TIMEOUT: f64 = 0.06;

// ---- operations --------------------------------------------------------------------

/// A value an element can hold.
#[derive(Debug, Clone)]
enum Val {
    Num(i64),
    Str(&'static str),
    Obj(i64),
}

impl Val {
    fn json(&self) -> Value {
        match self {
            Val::Num(n) => json!(n),
            Val::Str(s) => json!(s),
            Val::Obj(x) => json!({"x": x, "tag": "o"}),
        }
    }
}

/// How the owner of a routed request reacts.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Answer,
    Error,
    Silence,
    /// The owner answers after the requester has already had its timeout.
    Late,
    Disconnect,
}

#[derive(Debug, Clone)]
enum PathRule {
    All,
    Equals(usize),
    StartsWith(&'static str),
    EndsWith(&'static str),
    Contains(&'static str),
    EqualsOneOf(usize, usize),
    /// `startsWith` with `caseInsensitive`.
    StartsWithCi(&'static str),
    EqualsNot(usize),
}

#[derive(Debug, Clone)]
enum ValueRule {
    None,
    GreaterThan(i64),
    IsString,
    /// `valueField: {"x": {"lessThan": n}}`
    FieldLessThan(i64),
    EqualsNot(i64),
}

#[derive(Debug, Clone)]
enum Sort {
    None,
    ByPath {
        descending: bool,
        from: usize,
        to: usize,
    },
    ByValue {
        descending: bool,
        from: usize,
        to: usize,
    },
    ByField {
        descending: bool,
        from: usize,
        to: usize,
    },
}

#[derive(Debug, Clone)]
struct Rule {
    path: PathRule,
    value: ValueRule,
    sort: Sort,
}

#[derive(Debug, Clone)]
enum Op {
    Add {
        peer: usize,
        path: usize,
        value: Option<Val>,
        fetch_only: bool,
    },
    Remove {
        peer: usize,
        path: usize,
    },
    Change {
        peer: usize,
        path: usize,
        value: Val,
    },
    Set {
        peer: usize,
        path: usize,
        value: Val,
        reply: Reply,
    },
    Call {
        peer: usize,
        path: usize,
        reply: Reply,
    },
    Fetch {
        peer: usize,
        slot: usize,
        rule: Rule,
    },
    Unfetch {
        peer: usize,
        slot: usize,
    },
    Get {
        peer: usize,
        rule: Rule,
    },
    Disconnect {
        peer: usize,
    },
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![
        (0i64..6).prop_map(Val::Num),
        prop::sample::select(vec!["s0", "s1", "s2"]).prop_map(Val::Str),
        (0i64..4).prop_map(Val::Obj),
    ]
}

fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        6 => Just(Reply::Answer),
        3 => Just(Reply::Error),
        1 => Just(Reply::Silence),
        1 => Just(Reply::Late),
        1 => Just(Reply::Disconnect),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    let path = prop_oneof![
        Just(PathRule::All),
        (0..PATHS.len()).prop_map(PathRule::Equals),
        prop::sample::select(vec!["a/", "b/", "a/b"]).prop_map(PathRule::StartsWith),
        prop::sample::select(vec!["1", "/2", "c"]).prop_map(PathRule::EndsWith),
        prop::sample::select(vec!["/b", "1"]).prop_map(PathRule::Contains),
        (0..PATHS.len(), 0..PATHS.len()).prop_map(|(a, b)| PathRule::EqualsOneOf(a, b)),
        prop::sample::select(vec!["b/", "A/"]).prop_map(PathRule::StartsWithCi),
        (0..PATHS.len()).prop_map(PathRule::EqualsNot),
    ];
    let value = prop_oneof![
        3 => Just(ValueRule::None),
        1 => (0i64..5).prop_map(ValueRule::GreaterThan),
        1 => Just(ValueRule::IsString),
        1 => (0i64..4).prop_map(ValueRule::FieldLessThan),
        1 => (0i64..5).prop_map(ValueRule::EqualsNot),
    ];
    let sort = prop_oneof![
        3 => Just(Sort::None),
        1 => window().prop_map(|(descending, from, to)| Sort::ByPath { descending, from, to }),
        1 => window().prop_map(|(descending, from, to)| Sort::ByValue { descending, from, to }),
        1 => window().prop_map(|(descending, from, to)| Sort::ByField { descending, from, to }),
    ];
    (path, value, sort).prop_map(|(path, value, sort)| Rule { path, value, sort })
}

/// A sorted window: descending or not, `from` and `to` (1-based, `from <= to`).
fn window() -> impl Strategy<Value = (bool, usize, usize)> {
    (any::<bool>(), 1usize..5, 0usize..4)
        .prop_map(|(descending, from, width)| (descending, from, from + width))
}

fn op() -> impl Strategy<Value = Op> {
    let peer = 0..PEERS;
    let path = 0..PATHS.len();
    prop_oneof![
        6 => (peer.clone(), path.clone(), prop::option::weighted(0.8, val()), prop::bool::weighted(0.15))
            .prop_map(|(peer, path, value, fetch_only)| Op::Add { peer, path, fetch_only: fetch_only && value.is_some(), value }),
        2 => (peer.clone(), path.clone()).prop_map(|(peer, path)| Op::Remove { peer, path }),
        6 => (peer.clone(), path.clone(), val()).prop_map(|(peer, path, value)| Op::Change { peer, path, value }),
        3 => (peer.clone(), path.clone(), val(), reply()).prop_map(|(peer, path, value, reply)| Op::Set { peer, path, value, reply }),
        3 => (peer.clone(), path.clone(), reply()).prop_map(|(peer, path, reply)| Op::Call { peer, path, reply }),
        4 => (peer.clone(), 0usize..3, rule()).prop_map(|(peer, slot, rule)| Op::Fetch { peer, slot, rule }),
        1 => (peer.clone(), 0usize..3).prop_map(|(peer, slot)| Op::Unfetch { peer, slot }),
        1 => (peer.clone(), rule()).prop_map(|(peer, rule)| Op::Get { peer, rule }),
        1 => peer.prop_map(|peer| Op::Disconnect { peer }),
    ]
}

// ---- the model ---------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Element {
    owner: usize,
    /// `None`: a method.
    value: Option<Value>,
    fetch_only: bool,
    /// Insertion order.
    seq: u64,
}

#[derive(Default)]
struct Model {
    elements: BTreeMap<&'static str, Element>,
    next_seq: u64,
}

impl Rule {
    fn params(&self, id: Option<&str>) -> Value {
        let mut p = serde_json::Map::new();
        if let Some(id) = id {
            p.insert("id".into(), json!(id));
        }
        let path = match &self.path {
            PathRule::All => None,
            PathRule::Equals(i) => Some(json!({"equals": PATHS[*i]})),
            PathRule::StartsWith(s) => Some(json!({"startsWith": s})),
            PathRule::EndsWith(s) => Some(json!({"endsWith": s})),
            PathRule::Contains(s) => Some(json!({"contains": s})),
            PathRule::EqualsOneOf(a, b) => Some(json!({"equalsOneOf": [PATHS[*a], PATHS[*b]]})),
            PathRule::StartsWithCi(s) => Some(json!({"startsWith": s, "caseInsensitive": true})),
            PathRule::EqualsNot(i) => Some(json!({"equalsNot": PATHS[*i]})),
        };
        if let Some(path) = path {
            p.insert("path".into(), path);
        }
        match &self.value {
            ValueRule::None => {}
            ValueRule::GreaterThan(n) => {
                p.insert("value".into(), json!({"greaterThan": n}));
            }
            ValueRule::IsString => {
                p.insert("value".into(), json!({"isType": "string"}));
            }
            ValueRule::FieldLessThan(n) => {
                p.insert("valueField".into(), json!({"x": {"lessThan": n}}));
            }
            ValueRule::EqualsNot(n) => {
                p.insert("value".into(), json!({"equalsNot": n}));
            }
        }
        let sort = match &self.sort {
            Sort::None => None,
            Sort::ByPath {
                descending,
                from,
                to,
            } => Some(json!({"byPath": true, "descending": descending, "from": from, "to": to})),
            Sort::ByValue {
                descending,
                from,
                to,
            } => {
                Some(json!({"byValue": "number", "descending": descending, "from": from, "to": to}))
            }
            Sort::ByField {
                descending,
                from,
                to,
            } => Some(json!({
                "byValueField": {"x": "number"}, "descending": descending, "from": from, "to": to
            })),
        };
        if let Some(sort) = sort {
            p.insert("sort".into(), sort);
        }
        Value::Object(p)
    }

    fn matches_path(&self, path: &str) -> bool {
        match &self.path {
            PathRule::All => true,
            PathRule::Equals(i) => path == PATHS[*i],
            PathRule::StartsWith(s) => path.starts_with(s),
            PathRule::EndsWith(s) => path.ends_with(s),
            PathRule::Contains(s) => path.contains(s),
            PathRule::EqualsOneOf(a, b) => path == PATHS[*a] || path == PATHS[*b],
            PathRule::StartsWithCi(s) => path.to_lowercase().starts_with(&s.to_lowercase()),
            PathRule::EqualsNot(i) => path != PATHS[*i],
        }
    }

    /// Value rules, including the `isType` a sort by value implies (B §6.4). A method
    /// (no value) never matches a value rule.
    fn matches_value(&self, value: Option<&Value>) -> bool {
        let has_rule = !matches!(self.value, ValueRule::None)
            || matches!(self.sort, Sort::ByValue { .. } | Sort::ByField { .. });
        let Some(v) = value else {
            return !has_rule;
        };
        let field_x = v.get("x").and_then(Value::as_i64);
        let ok = match &self.value {
            ValueRule::None => true,
            ValueRule::GreaterThan(n) => v.as_i64().is_some_and(|x| x > *n),
            // A sort by value overwrites a given `isType` with its own (B §6.4).
            ValueRule::IsString => v.is_string() || matches!(self.sort, Sort::ByValue { .. }),
            ValueRule::FieldLessThan(n) => field_x.is_some_and(|x| x < *n),
            ValueRule::EqualsNot(n) => *v != json!(n),
        };
        ok && match &self.sort {
            Sort::ByValue { .. } => v.is_number(),
            Sort::ByField { .. } => field_x.is_some(),
            _ => true,
        }
    }

    /// The sort key of a value: the number it sorts by (path sorts have none).
    fn key(&self, value: Option<&Value>) -> Option<i64> {
        match &self.sort {
            Sort::ByValue { .. } => value.and_then(Value::as_i64),
            Sort::ByField { .. } => value.and_then(|v| v.get("x")).and_then(Value::as_i64),
            _ => None,
        }
    }
}

/// What a fetcher should see.
#[derive(Debug, PartialEq)]
enum Expected {
    Unsorted(BTreeMap<String, Option<Value>>),
    Window(Vec<(String, Option<Value>)>),
}

impl Model {
    fn matching(&self, rule: &Rule) -> Vec<(&'static str, &Element)> {
        let mut m: Vec<_> = self
            .elements
            .iter()
            .filter(|(p, e)| rule.matches_path(p) && rule.matches_value(e.value.as_ref()))
            .map(|(p, e)| (*p, e))
            .collect();
        m.sort_by_key(|(_, e)| e.seq);
        m
    }

    fn expected(&self, rule: &Rule) -> Expected {
        let matching = self.matching(rule);
        let (descending, from, to) = match rule.sort {
            Sort::None => {
                return Expected::Unsorted(
                    matching
                        .into_iter()
                        .map(|(p, e)| (p.to_owned(), e.value.clone()))
                        .collect(),
                )
            }
            Sort::ByPath {
                descending,
                from,
                to,
            }
            | Sort::ByValue {
                descending,
                from,
                to,
            }
            | Sort::ByField {
                descending,
                from,
                to,
            } => (descending, from, to),
        };
        let mut sorted = matching;
        sorted.sort_by(|(pa, a), (pb, b)| {
            let ord = rule
                .key(a.value.as_ref())
                .cmp(&rule.key(b.value.as_ref()))
                .then_with(|| pa.cmp(pb));
            if descending {
                ord.reverse()
            } else {
                ord
            }
        });
        Expected::Window(
            sorted
                .into_iter()
                .skip(from - 1)
                .take(to + 1 - from)
                .map(|(p, e)| (p.to_owned(), e.value.clone()))
                .collect(),
        )
    }
}

// ---- the peers ---------------------------------------------------------------------

/// A fetcher's view, built from notifications only.
enum View {
    Unsorted(BTreeMap<String, Option<Value>>),
    /// Position -> entry, the last `n`, and the window's `from`.
    Sorted(BTreeMap<usize, (String, Option<Value>)>, usize, usize),
}

impl View {
    fn apply(&mut self, params: &Value) {
        match self {
            View::Unsorted(map) => {
                let path = params["path"].as_str().expect("path").to_owned();
                match params["event"].as_str().expect("event") {
                    "add" | "change" => {
                        map.insert(path, params.get("value").cloned());
                    }
                    "remove" => {
                        assert!(
                            map.remove(&path).is_some(),
                            "remove of an unseen path {path}"
                        );
                    }
                    other => panic!("unknown event {other}"),
                }
            }
            View::Sorted(at, n, from) => {
                for c in params["changes"].as_array().expect("changes") {
                    let index = c["index"].as_u64().expect("index") as usize;
                    let path = c["path"].as_str().expect("path").to_owned();
                    assert!(index >= *from, "index {index} before the window");
                    at.insert(index, (path, c.get("value").cloned()));
                }
                *n = params["n"].as_u64().expect("n") as usize;
                // Truncate the view to `n` items, as node-jet's array view does.
                let end = *from + *n;
                at.retain(|&i, _| i < end);
            }
        }
    }

    fn current(&self) -> Expected {
        match self {
            View::Unsorted(map) => Expected::Unsorted(map.clone()),
            View::Sorted(at, n, from) => Expected::Window(
                (*from..*from + *n)
                    .map(|i| {
                        at.get(&i)
                            .cloned()
                            .unwrap_or_else(|| panic!("position {i} never reported"))
                    })
                    .collect(),
            ),
        }
    }
}

struct Peer {
    client: RawClient,
    next_id: u64,
    /// Fetch id -> (rule, view).
    fetchers: HashMap<String, (Rule, View)>,
}

impl Peer {
    async fn connect(addr: std::net::SocketAddr) -> Peer {
        Peer {
            client: RawClient::tcp(addr).await,
            next_id: 0,
            fetchers: HashMap::new(),
        }
    }

    fn id(&mut self) -> Value {
        self.next_id += 1;
        json!(self.next_id)
    }

    /// Handle one incoming message that is not what the caller waits for: fetch
    /// notifications update views; anything else is unexpected.
    fn absorb(&mut self, msg: &Value) {
        if let (Some(method), None) = (msg["method"].as_str(), msg.get("id")) {
            if let Some((_, view)) = self.fetchers.get_mut(method) {
                view.apply(&msg["params"]);
                return;
            }
        }
        panic!("unexpected message: {msg}");
    }

    /// Receive until the response to `id` arrives (absorbing notifications).
    async fn response(&mut self, id: &Value) -> Value {
        loop {
            let msg = self.client.recv().await;
            if is_response(&msg) && msg["id"] == *id {
                return msg;
            }
            self.absorb(&msg);
        }
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.id();
        self.client
            .send_json(&json!({"id": id, "method": method, "params": params}))
            .await;
        self.response(&id).await
    }

    /// Receive until a routed request arrives (absorbing notifications).
    async fn routed(&mut self) -> Value {
        loop {
            let msg = self.client.recv().await;
            if msg.get("id").is_some() && msg.get("method").is_some() {
                return msg;
            }
            self.absorb(&msg);
        }
    }

    /// Every message jetd queued for this peer so far has arrived.
    async fn sync(&mut self) {
        let id = self.id();
        self.client
            .send_json(&json!({"id": id, "method": "echo", "params": {"sync": true}}))
            .await;
        let r = self.response(&id).await;
        assert_eq!(r["result"], json!({"sync": true}));
    }
}

struct Bus {
    daemon: jetd::Daemon,
    peers: Vec<Peer>,
    model: Model,
}

fn assert_ok(r: &Value, what: &str) {
    assert_eq!(r["result"], json!(true), "{what}: {r}");
}

fn assert_error(r: &Value, key: &str, what: &str) {
    let data = &r["error"]["data"];
    assert!(
        data.get(key).is_some(),
        "{what}: expected error {key}, got {r}"
    );
}

impl Bus {
    async fn new() -> Bus {
        let daemon = jet_tests::start_daemon_with(jetd::Config {
            ws: None,
            ..jetd::Config::loopback_ephemeral()
        })
        .await;
        let addr = daemon.tcp_addr().expect("tcp");
        let mut peers = Vec::new();
        for _ in 0..PEERS {
            peers.push(Peer::connect(addr).await);
        }
        Bus {
            daemon,
            peers,
            model: Model::default(),
        }
    }

    /// Close peer `k`'s connection, apply what that means to the model, wait until jetd has
    /// processed it, and connect a fresh peer in its place.
    async fn drop_peer(&mut self, k: usize) {
        let addr = self.daemon.tcp_addr().expect("tcp");
        let fresh = Peer::connect(addr).await;
        drop(std::mem::replace(&mut self.peers[k], fresh));
        self.model.elements.retain(|_, e| e.owner != k);
        let elements = self.model.elements.len();
        until_stats(
            &self.daemon,
            "the closed peer is gone, its successor registered",
            |s| s.elements == elements && s.connections == PEERS,
        )
        .await;
    }

    async fn run(&mut self, op: &Op) {
        match op.clone() {
            Op::Add {
                peer,
                path,
                value,
                fetch_only,
            } => {
                let p = PATHS[path];
                let mut params = json!({"path": p});
                if let Some(v) = &value {
                    params["value"] = v.json();
                }
                if fetch_only {
                    params["fetchOnly"] = json!(true);
                }
                let r = self.peers[peer].request("add", params).await;
                if self.model.elements.contains_key(p) {
                    assert_error(&r, "pathAlreadyExists", "add");
                } else {
                    assert_ok(&r, "add");
                    let seq = self.model.next_seq;
                    self.model.next_seq += 1;
                    self.model.elements.insert(
                        p,
                        Element {
                            owner: peer,
                            value: value.map(|v| v.json()),
                            fetch_only,
                            seq,
                        },
                    );
                }
            }
            Op::Remove { peer, path } => {
                let p = PATHS[path];
                let r = self.peers[peer].request("remove", json!({"path": p})).await;
                match self.model.elements.get(p) {
                    None => assert_error(&r, "pathNotExists", "remove"),
                    Some(e) if e.owner != peer => assert_error(&r, "foreignPath", "remove"),
                    Some(_) => {
                        assert_ok(&r, "remove");
                        self.model.elements.remove(p);
                    }
                }
            }
            Op::Change { peer, path, value } => {
                let p = PATHS[path];
                let r = self.peers[peer]
                    .request("change", json!({"path": p, "value": value.json()}))
                    .await;
                match self.model.elements.get_mut(p) {
                    None => assert_error(&r, "pathNotExists", "change"),
                    Some(e) if e.owner != peer => assert_error(&r, "foreignPath", "change"),
                    Some(e) if e.value.is_none() => assert_error(&r, "notAState", "change"),
                    Some(e) => {
                        assert_ok(&r, "change");
                        e.value = Some(value.json());
                    }
                }
            }
            Op::Set {
                peer,
                path,
                value,
                reply,
            } => {
                let p = PATHS[path];
                let params = json!({"path": p, "value": value.json(), "timeout": SILENT_TIMEOUT});
                let routed = json!({"value": value.json()});
                match self.model.elements.get(p).cloned() {
                    None => {
                        let r = self.peers[peer].request("set", params).await;
                        assert_error(&r, "pathNotExists", "set");
                    }
                    Some(e) if e.value.is_none() => {
                        let r = self.peers[peer].request("set", params).await;
                        assert_error(&r, "notAState", "set");
                    }
                    Some(e) if e.fetch_only => {
                        let r = self.peers[peer].request("set", params).await;
                        assert_error(&r, "fetchOnly", "set");
                    }
                    Some(e) => {
                        self.routed(peer, e.owner, "set", p, params, routed, reply)
                            .await
                    }
                }
            }
            Op::Call { peer, path, reply } => {
                let p = PATHS[path];
                let args = json!([peer, "arg"]);
                let params = json!({"path": p, "args": args, "timeout": SILENT_TIMEOUT});
                match self.model.elements.get(p).cloned() {
                    None => {
                        let r = self.peers[peer].request("call", params).await;
                        assert_error(&r, "pathNotExists", "call");
                    }
                    Some(e) if e.value.is_some() => {
                        let r = self.peers[peer].request("call", params).await;
                        assert_error(&r, "notAMethod", "call");
                    }
                    Some(e) => {
                        self.routed(peer, e.owner, "call", p, params, args, reply)
                            .await
                    }
                }
            }
            Op::Fetch { peer, slot, rule } => {
                let fid = format!("f{slot}");
                let in_use = self.peers[peer].fetchers.contains_key(&fid);
                let r = self.peers[peer]
                    .request("fetch", rule.params(Some(&fid)))
                    .await;
                if in_use {
                    assert_error(&r, "fetchIdInUse", "fetch");
                } else {
                    assert_ok(&r, "fetch");
                    let view = match rule.sort {
                        Sort::None => View::Unsorted(BTreeMap::new()),
                        Sort::ByPath { from, .. }
                        | Sort::ByValue { from, .. }
                        | Sort::ByField { from, .. } => View::Sorted(BTreeMap::new(), 0, from),
                    };
                    self.peers[peer].fetchers.insert(fid, (rule, view));
                }
            }
            Op::Unfetch { peer, slot } => {
                let fid = format!("f{slot}");
                let r = self.peers[peer]
                    .request("unfetch", json!({"id": fid}))
                    .await;
                if self.peers[peer].fetchers.remove(&fid).is_some() {
                    assert_ok(&r, "unfetch");
                } else {
                    assert_error(&r, "fetchNotFound", "unfetch");
                }
            }
            Op::Get { peer, rule } => {
                let r = self.peers[peer].request("get", rule.params(None)).await;
                let entries = r["result"].as_array().unwrap_or_else(|| panic!("get: {r}"));
                let got = match rule.sort {
                    Sort::None => {
                        // Insertion order, as the model lists them.
                        let order: Vec<&str> = entries
                            .iter()
                            .map(|e| e["path"].as_str().expect("path"))
                            .collect();
                        let want: Vec<&str> =
                            self.model.matching(&rule).iter().map(|(p, _)| *p).collect();
                        assert_eq!(order, want, "get: order");
                        Expected::Unsorted(
                            entries
                                .iter()
                                .map(|e| {
                                    (
                                        e["path"].as_str().expect("path").to_owned(),
                                        e.get("value").cloned(),
                                    )
                                })
                                .collect(),
                        )
                    }
                    _ => Expected::Window(
                        entries
                            .iter()
                            .map(|e| {
                                (
                                    e["path"].as_str().expect("path").to_owned(),
                                    e.get("value").cloned(),
                                )
                            })
                            .collect(),
                    ),
                };
                assert_eq!(got, self.model.expected(&rule), "get {rule:?}");
            }
            Op::Disconnect { peer } => self.drop_peer(peer).await,
        }
        self.check().await;
    }

    /// A routed set/call whose owner reacts as `reply` says.
    #[allow(clippy::too_many_arguments)]
    async fn routed(
        &mut self,
        req: usize,
        owner: usize,
        method: &str,
        path: &str,
        params: Value,
        routed_params: Value,
        reply: Reply,
    ) {
        let id = self.peers[req].id();
        self.peers[req]
            .client
            .send_json(&json!({"id": id, "method": method, "params": params}))
            .await;
        let request = self.peers[owner].routed().await;
        assert_eq!(request["method"], json!(path), "routed method is the path");
        assert_eq!(request["params"], routed_params, "routed params");
        let rid = request["id"].clone();
        let answer = |rid: &Value| json!({"id": rid, "result": {"done": path}});
        match reply {
            Reply::Answer => {
                self.peers[owner].client.send_json(&answer(&rid)).await;
                let r = self.peers[req].response(&id).await;
                assert_eq!(r["result"], json!({"done": path}), "relayed result");
            }
            Reply::Error => {
                let err = json!({"code": -32000, "message": "refused", "data": {"why": path}});
                self.peers[owner]
                    .client
                    .send_json(&json!({"id": rid, "error": err}))
                    .await;
                let r = self.peers[req].response(&id).await;
                assert_eq!(r["error"], err, "relayed error");
            }
            Reply::Silence | Reply::Late => {
                let r = self.peers[req].response(&id).await;
                assert_eq!(r["error"]["code"], json!(-32001), "timeout: {r}");
                assert_eq!(
                    r["error"]["data"], params,
                    "timeout data is the request params"
                );
                if let Reply::Late = reply {
                    // Dropped: the sync below fails on any further response.
                    self.peers[owner].client.send_json(&answer(&rid)).await;
                }
            }
            Reply::Disconnect if owner == req => {
                // A peer that dies mid-request to itself: nobody is left to answer.
                self.drop_peer(owner).await;
            }
            Reply::Disconnect => {
                self.drop_peer(owner).await;
                let r = self.peers[req].response(&id).await;
                assert_eq!(r["error"]["code"], json!(-32603), "owner gone: {r}");
                assert_eq!(r["error"]["data"], json!({"ownerDisconnected": path}));
            }
        }
    }

    /// Synchronise every peer, then compare every view with the model.
    async fn check(&mut self) {
        for peer in &mut self.peers {
            peer.sync().await;
        }
        for (k, peer) in self.peers.iter().enumerate() {
            for (fid, (rule, view)) in &peer.fetchers {
                assert_eq!(
                    view.current(),
                    self.model.expected(rule),
                    "peer {k} fetch {fid} {rule:?}"
                );
            }
        }
        let stats = self.daemon.stats();
        assert_eq!(
            stats.elements,
            self.model.elements.len(),
            "elements in jetd"
        );
        assert_eq!(stats.pending_routes, 0, "no routed request left pending");
    }

    async fn finish(self) {
        let Bus { daemon, peers, .. } = self;
        drop(peers);
        until_stats(&daemon, "every peer gone", |s| s == jetd::Stats::default()).await;
        tokio::time::timeout(STEP, daemon.shutdown())
            .await
            .expect("shutdown");
    }
}

fn run_case(ops: &[Op]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let body = async {
            let mut bus = Bus::new().await;
            for op in ops {
                bus.run(op).await;
            }
            bus.finish().await;
        };
        tokio::time::timeout(Duration::from_secs(60), body)
            .await
            .expect("a model case took over 60 s");
    });
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn jetd_behaves_like_the_model(ops in prop::collection::vec(op(), 1..60)) {
        run_case(&ops);
    }
}

/// A fixed sequence through every kind of operation, so a regression shows up without
/// depending on what proptest happens to generate.
#[test]
fn every_operation_once() {
    let rule = |path, value, sort| Rule { path, value, sort };
    run_case(&[
        Op::Fetch {
            peer: 2,
            slot: 0,
            rule: rule(PathRule::All, ValueRule::None, Sort::None),
        },
        Op::Fetch {
            peer: 2,
            slot: 1,
            rule: rule(
                PathRule::StartsWith("a/"),
                ValueRule::None,
                Sort::ByValue {
                    descending: true,
                    from: 1,
                    to: 2,
                },
            ),
        },
        Op::Fetch {
            peer: 1,
            slot: 1,
            rule: rule(
                PathRule::All,
                ValueRule::None,
                Sort::ByValue {
                    descending: true,
                    from: 2,
                    to: 3,
                },
            ),
        },
        Op::Fetch {
            peer: 1,
            slot: 0,
            rule: rule(
                PathRule::StartsWithCi("b/"),
                ValueRule::GreaterThan(1),
                Sort::None,
            ),
        },
        Op::Add {
            peer: 0,
            path: 0,
            value: Some(Val::Num(3)),
            fetch_only: false,
        },
        Op::Add {
            peer: 0,
            path: 1,
            value: Some(Val::Num(5)),
            fetch_only: false,
        },
        Op::Add {
            peer: 1,
            path: 3,
            value: Some(Val::Num(2)),
            fetch_only: false,
        },
        Op::Add {
            peer: 1,
            path: 4,
            value: None,
            fetch_only: false,
        },
        Op::Add {
            peer: 0,
            path: 5,
            value: Some(Val::Obj(1)),
            fetch_only: true,
        },
        Op::Change {
            peer: 0,
            path: 0,
            value: Val::Num(9),
        },
        Op::Change {
            peer: 1,
            path: 3,
            value: Val::Num(0),
        },
        Op::Set {
            peer: 2,
            path: 0,
            value: Val::Num(4),
            reply: Reply::Answer,
        },
        Op::Set {
            peer: 2,
            path: 5,
            value: Val::Num(4),
            reply: Reply::Answer,
        },
        Op::Call {
            peer: 0,
            path: 4,
            reply: Reply::Error,
        },
        Op::Call {
            peer: 0,
            path: 4,
            reply: Reply::Late,
        },
        Op::Get {
            peer: 2,
            rule: rule(PathRule::All, ValueRule::FieldLessThan(2), Sort::None),
        },
        Op::Get {
            peer: 2,
            rule: rule(
                PathRule::All,
                ValueRule::None,
                Sort::ByPath {
                    descending: true,
                    from: 2,
                    to: 3,
                },
            ),
        },
        Op::Set {
            peer: 2,
            path: 3,
            value: Val::Str("s1"),
            reply: Reply::Disconnect,
        },
        Op::Unfetch { peer: 2, slot: 1 },
        Op::Unfetch { peer: 2, slot: 1 },
        Op::Remove { peer: 1, path: 0 },
        Op::Remove { peer: 0, path: 0 },
        Op::Disconnect { peer: 0 },
    ]);
}
