//! Model-based test of nodes (PROTOCOL.md A.11): random sequences of add, remove and
//! disconnect by several peers (some elements hidden by access rules) and random
//! `nodes:true` fetches by anonymous and authenticated peers, over real TCP to a real
//! jetd, checked against a simple model of the nodes and of what each peer may see.
//!
//! Checked for every notification, as it arrives (the order rules):
//! * it carries `type`, `node` for nodes and `state`/`method` for elements;
//! * an `add` of X arrives only when every node above X that the fetch reports is already
//!   in the fetcher's view (parents first), a node's `remove` only when nothing below it
//!   is left in the view (children first), and no add duplicates, no remove of the absent.
//!
//! A third of the cases run under the strict hierarchy, where the model also predicts
//! which `add`s are refused and what `occupiedBy` names.
//!
//! Checked after every operation (every peer synchronised with an `echo`): each fetcher's
//! view equals the model's: the visible matching elements with their types, and the
//! matching nodes that have at least one element below them visible to that peer; and
//! `get` with the same rule gives the same set.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jet_tests::raw::{is_response, RawClient};
use jet_tests::{until_stats, STEP};
use proptest::prelude::*;
use serde_json::{json, Value};

const PEERS: usize = 3;
/// Peer 1 is authenticated as `admin` (it may fetch the hidden elements); the others are
/// anonymous.
const ADMIN: usize = 1;
const PATHS: [&str; 8] = ["a/b/c", "a/b", "a/d", "a", "x/y", "A/b/e", "a//f", "q"];

#[derive(Debug, Clone)]
enum Rule {
    All,
    StartsWith(&'static str),
    Equals(&'static str),
    Contains(&'static str),
    EndsWith(&'static str),
    EqualsCi(&'static str),
}

impl Rule {
    fn json(&self) -> Value {
        match self {
            Rule::All => Value::Null,
            Rule::StartsWith(x) => json!({"startsWith": x}),
            Rule::Equals(x) => json!({"equals": x}),
            Rule::Contains(x) => json!({"contains": x}),
            Rule::EndsWith(x) => json!({"endsWith": x}),
            Rule::EqualsCi(x) => json!({"equals": x, "caseInsensitive": true}),
        }
    }

    fn matches(&self, path: &str) -> bool {
        match self {
            Rule::All => true,
            Rule::StartsWith(x) => path.starts_with(x),
            Rule::Equals(x) => path == *x,
            Rule::Contains(x) => path.contains(x),
            Rule::EndsWith(x) => path.ends_with(x),
            Rule::EqualsCi(x) => path.to_lowercase() == x.to_lowercase(),
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add {
        peer: usize,
        path: usize,
        method: bool,
        hidden: bool,
    },
    Remove {
        peer: usize,
        path: usize,
    },
    Disconnect(usize),
    Fetch {
        peer: usize,
        rule: Rule,
    },
    Unfetch(usize),
}

fn rule() -> impl Strategy<Value = Rule> {
    prop_oneof![
        Just(Rule::All),
        Just(Rule::StartsWith("a/")),
        Just(Rule::StartsWith("a")),
        Just(Rule::Equals("a")),
        Just(Rule::Equals("a/b")),
        Just(Rule::Contains("b")),
        Just(Rule::EndsWith("b")),
        Just(Rule::EqualsCi("a/B")),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let peer = 0..PEERS;
    let path = 0..PATHS.len();
    prop_oneof![
        5 => (peer.clone(), path.clone(), any::<bool>(), prop::bool::weighted(0.3))
            .prop_map(|(peer, path, method, hidden)| Op::Add { peer, path, method, hidden }),
        2 => (peer.clone(), path).prop_map(|(peer, path)| Op::Remove { peer, path }),
        1 => peer.clone().prop_map(Op::Disconnect),
        2 => (peer.clone(), rule()).prop_map(|(peer, rule)| Op::Fetch { peer, rule }),
        1 => peer.prop_map(Op::Unfetch),
    ]
}

/// The nodes a path implies (non-empty prefixes ending before a `/`).
fn prefixes(path: &str) -> Vec<&str> {
    path.match_indices('/')
        .map(|(i, _)| i)
        .filter(|&i| i > 0)
        .map(|i| &path[..i])
        .collect()
}

#[derive(Debug, Clone)]
struct Element {
    owner: usize,
    method: bool,
    hidden: bool,
}

/// What a fetch shows: path to type.
type View = BTreeMap<String, String>;

#[derive(Default)]
struct Model {
    elements: BTreeMap<&'static str, Element>,
}

impl Model {
    fn expected(&self, peer: usize, rule: &Rule) -> View {
        let mut view = View::new();
        for (path, el) in &self.elements {
            if el.hidden && peer != ADMIN {
                continue;
            }
            if rule.matches(path) {
                let ty = if el.method { "method" } else { "state" };
                view.insert(path.to_string(), ty.into());
            }
            for node in prefixes(path) {
                if rule.matches(node) {
                    view.insert(node.to_owned(), "node".into());
                }
            }
        }
        view
    }
}

struct Fetch {
    id: String,
    rule: Rule,
    view: View,
}

impl Fetch {
    /// Apply one notification, checking the order rules against the view so far.
    fn apply(&mut self, params: &Value) {
        let path = params["path"].as_str().expect("path").to_owned();
        let ty = params["type"]
            .as_str()
            .unwrap_or_else(|| panic!("no type in {params}"))
            .to_owned();
        assert!(
            ["node", "state", "method"].contains(&ty.as_str()),
            "{params}"
        );
        // A path can be an element and a node at once (relaxed): key by (path, type).
        let key = format!("{path}\u{0}{ty}");
        match params["event"].as_str() {
            Some("add") => {
                for node in prefixes(&path) {
                    if self.rule.matches(node) {
                        assert!(
                            self.view.contains_key(&format!("{node}\u{0}node")),
                            "fetch {} ({:?}): add of {path} before its node {node}; view {:?}",
                            self.id,
                            self.rule,
                            self.view.keys()
                        );
                    }
                }
                assert!(
                    self.view.insert(key, ty).is_none(),
                    "{}: duplicate add {params}",
                    self.id
                );
            }
            Some("remove") => {
                assert!(
                    self.view.remove(&key).is_some(),
                    "{}: remove of an absent {params}",
                    self.id
                );
                if ty == "node" {
                    let below = format!("{path}/");
                    assert!(
                        !self.view.keys().any(|k| k.starts_with(&below)),
                        "fetch {}: node {path} removed before what lies below it: {:?}",
                        self.id,
                        self.view.keys()
                    );
                }
            }
            Some("change") => {}
            other => panic!("unexpected event {other:?} in {params}"),
        }
    }

    /// The view keyed like the model (path to type; a path that is both an element and
    /// a node appears twice in the model's terms, see [`Model::expected`]).
    fn current(&self) -> BTreeSet<(String, String)> {
        self.view
            .iter()
            .map(|(k, ty)| (k.split('\u{0}').next().unwrap().to_owned(), ty.clone()))
            .collect()
    }
}

/// The model's view as a set of (path, type), a path being element and node counted twice.
fn expected_set(model: &Model, peer: usize, rule: &Rule) -> BTreeSet<(String, String)> {
    let mut set = BTreeSet::new();
    for (path, el) in &model.elements {
        if el.hidden && peer != ADMIN {
            continue;
        }
        if rule.matches(path) {
            let ty = if el.method { "method" } else { "state" };
            set.insert((path.to_string(), ty.to_owned()));
        }
    }
    for (path, ty) in model.expected(peer, rule) {
        if ty == "node" {
            set.insert((path, ty));
        }
    }
    set
}

struct Peer {
    client: RawClient,
    next_id: u64,
    fetches: Vec<Fetch>,
}

impl Peer {
    async fn connect(addr: std::net::SocketAddr, k: usize) -> Peer {
        let mut peer = Peer {
            client: RawClient::tcp(addr).await,
            next_id: 0,
            fetches: Vec::new(),
        };
        if k == ADMIN {
            let r = peer
                .request(
                    "authenticate",
                    json!({"user":"admin","password":"admin-pw"}),
                )
                .await;
            assert!(r.get("result").is_some(), "authenticate: {r}");
        }
        peer
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = json!(self.next_id);
        self.client
            .send_json(&json!({"id": id, "method": method, "params": params}))
            .await;
        loop {
            let msg = self.client.recv().await;
            if is_response(&msg) && msg["id"] == id {
                return msg;
            }
            let method = msg["method"].as_str().unwrap_or_default();
            let f = self
                .fetches
                .iter_mut()
                .find(|f| f.id == method)
                .unwrap_or_else(|| panic!("unexpected message: {msg}"));
            f.apply(&msg["params"]);
        }
    }
}

fn users() -> jetd::auth::Users {
    let hash = jetd::auth::hash_password("admin-pw");
    let toml = format!(
        "[users.admin]\npassword = \"{hash}\"\nfetchGroups = [\"admin\"]\nsetGroups = []\ncallGroups = []\n"
    );
    jetd::auth::Users::from_toml_str(&toml).expect("users file")
}

struct Bus {
    daemon: jetd::Daemon,
    peers: Vec<Peer>,
    model: Model,
    next_fetch: u64,
    strict: bool,
}

impl Model {
    /// Under the strict hierarchy: what occupies the position of a new element at `path`
    /// (the path itself when an element lies below it, else an element above it).
    fn occupied(&self, path: &str) -> Option<String> {
        let below = format!("{path}/");
        if self.elements.keys().any(|p| p.starts_with(&below)) {
            return Some(path.to_owned());
        }
        prefixes(path)
            .into_iter()
            .find(|p| self.elements.contains_key(p))
            .map(str::to_owned)
    }
}

impl Bus {
    async fn new(users: jetd::auth::Users, strict: bool) -> Bus {
        let mut config = jetd::Config {
            ws: None,
            users,
            ..jetd::Config::loopback_ephemeral()
        };
        if strict {
            config.nodes.hierarchy = jetd::bus::Hierarchy::Strict;
        }
        let daemon = jet_tests::start_daemon_with(config).await;
        let addr = daemon.tcp_addr().expect("tcp");
        let mut peers = Vec::new();
        for k in 0..PEERS {
            peers.push(Peer::connect(addr, k).await);
        }
        Bus {
            daemon,
            peers,
            model: Model::default(),
            next_fetch: 0,
            strict,
        }
    }

    async fn run(&mut self, op: &Op) {
        match op.clone() {
            Op::Add {
                peer,
                path,
                method,
                hidden,
            } => {
                let path = PATHS[path];
                let mut params = json!({"path": path});
                if !method {
                    params["value"] = json!(1);
                }
                if hidden {
                    params["access"] = json!({"fetchGroups":["admin"]});
                }
                let r = self.peers[peer].request("add", params).await;
                let occupied = self.strict.then(|| self.model.occupied(path)).flatten();
                if self.model.elements.contains_key(path) {
                    assert!(r.get("error").is_some(), "duplicate add: {r}");
                } else if let Some(by) = occupied {
                    assert_eq!(
                        r["error"]["data"],
                        json!({"pathAlreadyExists": path, "occupiedBy": by}),
                        "strict add {path}: {r}"
                    );
                } else {
                    assert_eq!(r["result"], json!(true), "add {path}: {r}");
                    self.model.elements.insert(
                        path,
                        Element {
                            owner: peer,
                            method,
                            hidden,
                        },
                    );
                }
            }
            Op::Remove { peer, path } => {
                let path = PATHS[path];
                let r = self.peers[peer]
                    .request("remove", json!({"path": path}))
                    .await;
                match self.model.elements.get(path) {
                    Some(el) if el.owner == peer => {
                        assert_eq!(r["result"], json!(true), "remove {path}: {r}");
                        self.model.elements.remove(path);
                    }
                    _ => assert!(r.get("error").is_some(), "remove {path}: {r}"),
                }
            }
            Op::Disconnect(k) => {
                let addr = self.daemon.tcp_addr().expect("tcp");
                drop(std::mem::replace(
                    &mut self.peers[k],
                    Peer::connect(addr, k).await,
                ));
                self.model.elements.retain(|_, e| e.owner != k);
                let elements = self.model.elements.len();
                until_stats(&self.daemon, "the closed peer is gone", |s| {
                    s.elements == elements && s.connections == PEERS
                })
                .await;
            }
            Op::Fetch { peer, rule } => {
                self.next_fetch += 1;
                let id = format!("n{}", self.next_fetch);
                let mut params = json!({"id": id, "nodes": true});
                if !matches!(rule, Rule::All) {
                    params["path"] = rule.json();
                }
                self.peers[peer].fetches.push(Fetch {
                    id: id.clone(),
                    rule,
                    view: View::new(),
                });
                let r = self.peers[peer].request("fetch", params).await;
                assert_eq!(r["result"], json!(true), "fetch: {r}");
            }
            Op::Unfetch(peer) => {
                let Some(f) = self.peers[peer].fetches.pop() else {
                    return;
                };
                let r = self.peers[peer]
                    .request("unfetch", json!({"id": f.id}))
                    .await;
                assert_eq!(r["result"], json!(true), "unfetch: {r}");
            }
        }
        self.check().await;
    }

    async fn check(&mut self) {
        for peer in &mut self.peers {
            let r = peer.request("echo", json!({"sync": true})).await;
            assert_eq!(r["result"], json!({"sync": true}));
        }
        for k in 0..PEERS {
            for f in &self.peers[k].fetches {
                assert_eq!(
                    f.current(),
                    expected_set(&self.model, k, &f.rule),
                    "peer {k} fetch {} {:?}",
                    f.id,
                    f.rule
                );
            }
            let rules: Vec<Rule> = self.peers[k]
                .fetches
                .iter()
                .map(|f| f.rule.clone())
                .collect();
            for rule in rules {
                let mut params = json!({"nodes": true});
                if !matches!(rule, Rule::All) {
                    params["path"] = rule.json();
                }
                let r = self.peers[k].request("get", params).await;
                let got: BTreeSet<(String, String)> = r["result"]
                    .as_array()
                    .unwrap_or_else(|| panic!("get: {r}"))
                    .iter()
                    .map(|e| {
                        (
                            e["path"].as_str().unwrap().to_owned(),
                            e["type"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                assert_eq!(got, expected_set(&self.model, k, &rule), "get {rule:?}");
            }
        }
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

fn run_case(users: &jetd::auth::Users, strict: bool, ops: &[Op]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let body = async {
            let mut bus = Bus::new(users.clone(), strict).await;
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
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn nodes_behave_like_the_model(
        ops in prop::collection::vec(op(), 1..50),
        strict in prop::bool::weighted(0.3),
    ) {
        thread_local!(static USERS: jetd::auth::Users = users());
        USERS.with(|u| run_case(u, strict, &ops));
    }
}

/// A fixed sequence through every rule of the model, independent of what proptest draws.
#[test]
fn a_fixed_sequence_through_every_rule() {
    let ops = vec![
        Op::Fetch {
            peer: 0,
            rule: Rule::All,
        },
        Op::Fetch {
            peer: ADMIN,
            rule: Rule::StartsWith("a"),
        },
        Op::Add {
            peer: 2,
            path: 0,
            method: false,
            hidden: true,
        },
        Op::Add {
            peer: 2,
            path: 1,
            method: true,
            hidden: false,
        },
        Op::Add {
            peer: 0,
            path: 3,
            method: false,
            hidden: false,
        },
        Op::Add {
            peer: 0,
            path: 6,
            method: false,
            hidden: true,
        },
        Op::Fetch {
            peer: 2,
            rule: Rule::Contains("b"),
        },
        Op::Fetch {
            peer: 0,
            rule: Rule::EqualsCi("a/B"),
        },
        Op::Remove { peer: 2, path: 1 },
        Op::Disconnect(2),
        Op::Add {
            peer: 1,
            path: 5,
            method: false,
            hidden: false,
        },
        Op::Unfetch(0),
        Op::Disconnect(0),
    ];
    run_case(&users(), false, &ops);
    run_case(&users(), true, &ops);
}
