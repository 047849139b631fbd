//! Interop: real node-jet 2.1.2 peers (from npm, pinned in tests/interop/package-lock.json)
//! against jetd running in-process, over TCP and WebSocket.

use jet_tests::node::{NodeDaemon, NodeProcess};
use serde_json::json;

/// The harness itself: the node-jet daemon starts on 127.0.0.1 and a node-jet peer gets
/// its `info` over both transports.
#[tokio::test]
async fn harness_runs_the_node_jet_daemon() {
    let daemon = NodeDaemon::start().await;
    for addr in [daemon.tcp_arg(), daemon.ws_url()] {
        let mut peer = NodeProcess::spawn("info.js", &[&addr]).await;
        let line = peer.next_json().await;
        assert_eq!(line["daemonInfo"]["name"], json!("node-jet"), "{line}");
        assert_eq!(line["daemonInfo"]["protocolVersion"], json!("1.1.0"));
        assert!(peer.wait_success().await, "info.js failed on {addr}");
    }
}
