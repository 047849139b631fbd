//! Nodes through the Rust peer (PROTOCOL.md A.11), on jetd (which reports nodes itself)
//! and on node-jet 2.1.2's daemon (which has none: the peer derives them):
//!
//! * the same sequence of adds, removes and a disconnect gives the same events, in the
//!   same order, on both daemons, and the order A.11 prescribes;
//! * `get_nodes`, `children` and the live [`Tree`] agree with the daemon's elements;
//! * a node-jet 2.1.2 peer sees jetd's strict refusal as its `jet.Occupied` error.

use std::future::IntoFuture;
use std::time::Duration;

use futures_util::StreamExt;
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{EventKind, FetchEvent, FetchStream, Peer, Subject, Tree};
use jet_tests::node::{NodeDaemon, NodeProcess};
use jet_tests::{start_daemon, start_daemon_with, STEP};
use serde_json::{json, Value};

async fn t<F: IntoFuture>(f: F) -> F::Output {
    tokio::time::timeout(STEP, f).await.expect("timed out")
}

type Ev = (EventKind, Subject, String);

/// The next `n` element/node events of `s` (also applied to `tree`), then silence.
async fn take(s: &mut FetchStream, tree: &mut Tree, n: usize) -> Vec<Ev> {
    let mut got = Vec::new();
    while got.len() < n {
        match t(s.next()).await.expect("fetch stream ended") {
            FetchEvent::Element(e) => {
                tree.apply(&e);
                got.push((e.kind, e.subject, e.path));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    if let Ok(Some(extra)) = tokio::time::timeout(Duration::from_millis(150), s.next()).await {
        panic!("more events than expected after {got:?}: {extra:?}");
    }
    got
}

fn evs(list: &[(EventKind, Subject, &str)]) -> Vec<Ev> {
    list.iter()
        .map(|(k, s, p)| (*k, *s, p.to_string()))
        .collect()
}

use EventKind::{Add, Remove};
use Subject::{Method, Node, State};

/// The scenario on the daemon at `addr`; the events of a nodes fetch of everything and
/// of a `startsWith` one, step by step.
async fn scenario(addr: &str) -> (Vec<Vec<Ev>>, Vec<Vec<Ev>>) {
    let owner = t(Peer::connect(addr)).await.unwrap();
    // Present before the fetch: reported by the initial adds, parents first.
    let _pre = t(owner.add_state("plant/line1/boiler/temp", json!(20)))
        .await
        .unwrap();
    let _pre2 = t(owner.add_state("other", json!(0))).await.unwrap();
    let viewer = t(Peer::connect(addr)).await.unwrap();
    let mut all = t(viewer.fetch(&Fetch::all().nodes())).await.unwrap();
    let mut line = t(viewer.fetch(&Fetch::all().nodes().path_starts_with("plant/line2")))
        .await
        .unwrap();
    let mut tree = Tree::new('/');
    let mut tree2 = Tree::new('/');
    let mut steps_all = vec![take(&mut all, &mut tree, 5).await];
    let mut steps_line = vec![];
    // A second owner below the same nodes.
    let other = t(Peer::connect(addr)).await.unwrap();
    let pump = t(other.add_method("plant/line2/pump/start", |_| Ok(json!(true))))
        .await
        .unwrap();
    steps_all.push(take(&mut all, &mut tree, 3).await);
    steps_line.push(take(&mut line, &mut tree2, 3).await);
    let _valve = t(other.add_state("plant/line2/valve", json!(false)))
        .await
        .unwrap();
    steps_all.push(take(&mut all, &mut tree, 1).await);
    steps_line.push(take(&mut line, &mut tree2, 1).await);
    // The tree as a UI sees it now.
    let top: Vec<&str> = tree.children("").map(|(p, _)| p).collect();
    assert_eq!(top, ["other", "plant"], "{addr}");
    let kids: Vec<&str> = tree.children("plant/line2").map(|(p, _)| p).collect();
    assert_eq!(kids, ["plant/line2/pump", "plant/line2/valve"], "{addr}");
    assert_eq!(
        tree.get("plant/line2/valve").unwrap().element,
        Some((State, Some(json!(false)), true)),
        "{addr}: a state without set handler is fetch-only"
    );
    // children() and get_nodes() ask the daemon (or derive on node-jet).
    let children = t(viewer.children("plant")).await.unwrap();
    let names: Vec<(&str, Subject)> = children
        .iter()
        .map(|e| (e.path.as_str(), e.subject))
        .collect();
    assert_eq!(
        names,
        [("plant/line1", Node), ("plant/line2", Node)],
        "{addr}"
    );
    let top = t(viewer.children("")).await.unwrap();
    let names: Vec<&str> = top.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        names,
        ["plant", "other"],
        "{addr}: top level, in daemon order"
    );
    let got = t(viewer.get_nodes(&Fetch::all().path_contains("line2")))
        .await
        .unwrap();
    let got: Vec<(String, Subject)> = got.into_iter().map(|e| (e.path, e.subject)).collect();
    assert_eq!(
        got,
        [
            ("plant/line2".to_string(), Node),
            ("plant/line2/pump".to_string(), Node),
            ("plant/line2/pump/start".to_string(), Method),
            ("plant/line2/valve".to_string(), State),
        ],
        "{addr}"
    );
    // Remove: children first.
    drop(pump);
    steps_all.push(take(&mut all, &mut tree, 2).await);
    steps_line.push(take(&mut line, &mut tree2, 2).await);
    // Disconnect of the second owner: its last element takes plant/line2 with it.
    t(other.close()).await;
    steps_all.push(take(&mut all, &mut tree, 2).await);
    steps_line.push(take(&mut line, &mut tree2, 2).await);
    assert!(tree2.is_empty(), "{addr}: {tree2:?}");
    assert!(tree.get("plant/line2").is_none());
    t(owner.close()).await;
    steps_all.push(take(&mut all, &mut tree, 5).await);
    assert!(tree.is_empty(), "{addr}: {tree:?}");
    (steps_all, steps_line)
}

fn expected() -> (Vec<Vec<Ev>>, Vec<Vec<Ev>>) {
    let all = vec![
        evs(&[
            (Add, Node, "plant"),
            (Add, Node, "plant/line1"),
            (Add, Node, "plant/line1/boiler"),
            (Add, State, "plant/line1/boiler/temp"),
            (Add, State, "other"),
        ]),
        evs(&[
            (Add, Node, "plant/line2"),
            (Add, Node, "plant/line2/pump"),
            (Add, Method, "plant/line2/pump/start"),
        ]),
        evs(&[(Add, State, "plant/line2/valve")]),
        evs(&[
            (Remove, Method, "plant/line2/pump/start"),
            (Remove, Node, "plant/line2/pump"),
        ]),
        evs(&[
            (Remove, State, "plant/line2/valve"),
            (Remove, Node, "plant/line2"),
        ]),
        evs(&[
            (Remove, State, "plant/line1/boiler/temp"),
            (Remove, Node, "plant/line1/boiler"),
            (Remove, Node, "plant/line1"),
            (Remove, Node, "plant"),
            (Remove, State, "other"),
        ]),
    ];
    let line = vec![
        evs(&[
            (Add, Node, "plant/line2"),
            (Add, Node, "plant/line2/pump"),
            (Add, Method, "plant/line2/pump/start"),
        ]),
        evs(&[(Add, State, "plant/line2/valve")]),
        evs(&[
            (Remove, Method, "plant/line2/pump/start"),
            (Remove, Node, "plant/line2/pump"),
        ]),
        evs(&[
            (Remove, State, "plant/line2/valve"),
            (Remove, Node, "plant/line2"),
        ]),
    ];
    (all, line)
}

#[tokio::test]
async fn jetd_reports_nodes_in_the_order_of_a_11() {
    let d = start_daemon().await;
    let addr = d.tcp_addr().unwrap().to_string();
    let peer = t(Peer::connect(&addr)).await.unwrap();
    assert_eq!(t(peer.node_separator()).await.unwrap(), Some('/'));
    assert_eq!(scenario(&addr).await, expected());
    t(d.shutdown()).await;
}

#[tokio::test]
async fn derived_nodes_on_node_jet_equal_jetds_own() {
    let node = NodeDaemon::start().await;
    let addr = node.tcp_arg();
    let peer = t(Peer::connect(&addr)).await.unwrap();
    assert_eq!(
        t(peer.node_separator()).await.unwrap(),
        None,
        "node-jet has no nodes"
    );
    let d = start_daemon().await;
    let jetd = scenario(&d.tcp_addr().unwrap().to_string()).await;
    let derived = scenario(&addr).await;
    assert_eq!(derived, jetd);
    assert_eq!(derived, expected());
    t(d.shutdown()).await;
}

#[tokio::test]
async fn derived_nodes_over_node_jets_websocket() {
    let node = NodeDaemon::start().await;
    let url = node.ws_url();
    let owner = t(Peer::connect(&url)).await.unwrap();
    let viewer = t(Peer::connect(&url)).await.unwrap();
    let mut s = t(viewer.fetch(&Fetch::all().nodes().path_equals("a")))
        .await
        .unwrap();
    let mut tree = Tree::new('/');
    let x = t(owner.add_state("a/b/x", json!(1))).await.unwrap();
    assert_eq!(take(&mut s, &mut tree, 1).await, evs(&[(Add, Node, "a")]));
    drop(x);
    assert_eq!(
        take(&mut s, &mut tree, 1).await,
        evs(&[(Remove, Node, "a")])
    );
}

#[tokio::test]
async fn nodes_with_a_value_rule_is_refused_on_every_daemon() {
    let d = start_daemon().await;
    let node = NodeDaemon::start().await;
    for addr in [d.tcp_addr().unwrap().to_string(), node.tcp_arg()] {
        let peer = t(Peer::connect(&addr)).await.unwrap();
        let err = t(peer.fetch(&Fetch::all().nodes().value_equals(json!(1))))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("nodes cannot be combined"),
            "{addr}: {err}"
        );
    }
    t(d.shutdown()).await;
}

#[tokio::test]
async fn a_node_jet_peer_sees_a_strict_refusal_as_occupied() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.nodes.hierarchy = jetd::bus::Hierarchy::Strict;
    let d = start_daemon_with(config).await;
    let addr = d.tcp_addr().unwrap().to_string();
    let mut script = NodeProcess::spawn("add_paths.js", &[&addr, "a/b", "a", "a/b/c", "a/c"]).await;
    let mut lines: Vec<Value> = Vec::new();
    loop {
        let line = script.next_json().await;
        assert!(line.get("fatal").is_none(), "node script failed: {line}");
        if line == json!({"quit": true}) {
            break;
        }
        lines.push(line);
    }
    assert!(script.wait_success().await);
    assert_eq!(lines[0], json!({"path":"a/b","ok":true}));
    assert_eq!(lines[1]["err"]["name"], "jet.Occupied", "{}", lines[1]);
    assert_eq!(lines[2]["err"]["name"], "jet.Occupied", "{}", lines[2]);
    assert_eq!(lines[3], json!({"path":"a/c","ok":true}));
    t(d.shutdown()).await;
}
