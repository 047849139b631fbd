//! Typed services and nodes (PROTOCOL.md A.11): a served struct's path is a node, present
//! while any of its fields is; a nested `#[jet(node)]` field is a node one level down;
//! the generated client of a node lists what lies below it, on jetd and on node-jet
//! 2.1.2's daemon (where the peer derives the nodes).

use std::future::IntoFuture;

use futures_util::StreamExt;
use jet_examples::boiler::{Boiler, BoilerClient};
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{EventKind, FetchEvent, FetchStream, Peer, Subject};
use jet_tests::node::NodeDaemon;
use jet_tests::STEP;

async fn t<F: IntoFuture>(f: F) -> F::Output {
    tokio::time::timeout(STEP, f).await.expect("timed out")
}

/// Node events of `s` until `n` have arrived (element events are skipped).
async fn nodes(s: &mut FetchStream, n: usize) -> Vec<(EventKind, String)> {
    let mut got = Vec::new();
    while got.len() < n {
        match t(s.next()).await.expect("stream ended") {
            FetchEvent::Element(e) if e.subject == Subject::Node => got.push((e.kind, e.path)),
            FetchEvent::Element(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    got
}

async fn scenario(addr: &str) {
    let service = t(Peer::connect(addr)).await.unwrap();
    let other = t(Peer::connect(addr)).await.unwrap();
    let mut watch = t(other.fetch(&Fetch::all().nodes().path_starts_with("plant")))
        .await
        .unwrap();
    let served = t(service.serve("plant/boiler", Boiler::default()))
        .await
        .unwrap();
    assert_eq!(
        nodes(&mut watch, 3).await,
        [
            (EventKind::Add, "plant".to_string()),
            (EventKind::Add, "plant/boiler".to_string()),
            (EventKind::Add, "plant/boiler/burner".to_string()),
        ],
        "{addr}"
    );
    let client = BoilerClient::new(&other, "plant/boiler");
    let below = t(client.children()).await.unwrap();
    let mut names: Vec<(String, Subject)> =
        below.into_iter().map(|e| (e.path, e.subject)).collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let has = |p: &str, s: Subject| names.contains(&(format!("plant/boiler/{p}"), s));
    assert!(has("burner", Subject::Node), "{addr}: {names:?}");
    assert!(has("setpoint", Subject::State), "{addr}: {names:?}");
    assert!(has("temperature", Subject::State), "{addr}: {names:?}");
    assert!(has("heat", Subject::Method), "{addr}: {names:?}");
    assert!(
        names
            .iter()
            .all(|(p, _)| !p.starts_with("plant/boiler/burner/")),
        "{addr}: only direct children: {names:?}"
    );
    let burner = t(client.burner().children()).await.unwrap();
    let mut paths: Vec<String> = burner.into_iter().map(|e| e.path).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "plant/boiler/burner/flame",
            "plant/boiler/burner/operatingHours",
            "plant/boiler/burner/power",
            "plant/boiler/burner/ready"
        ],
        "{addr}"
    );
    // Dropping the served instance removes its elements, and with the last one its nodes.
    drop(served);
    let gone = nodes(&mut watch, 3).await;
    assert_eq!(
        gone.last(),
        Some(&(EventKind::Remove, "plant".to_string())),
        "{addr}: {gone:?}"
    );
    assert!(gone.iter().all(|(k, _)| *k == EventKind::Remove));
    let below = t(client.children()).await.unwrap();
    assert!(below.is_empty(), "{addr}: {below:?}");
}

#[tokio::test]
async fn a_served_struct_is_a_node_on_jetd() {
    let d = jet_tests::start_daemon().await;
    scenario(&d.tcp_addr().unwrap().to_string()).await;
    t(d.shutdown()).await;
}

#[tokio::test]
async fn a_served_struct_is_a_node_on_node_jet() {
    let daemon = NodeDaemon::start().await;
    scenario(&daemon.tcp_arg()).await;
}
