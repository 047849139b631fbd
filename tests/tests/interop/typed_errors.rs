//! A node-jet 2.1.2 peer (`tests/interop/typed_errors.js`) and a node-jet 3.0.17 peer
//! (`tests/interop3/typed_errors.mjs`) call a typed service whose method fails with a
//! `#[derive(JetError)]` enum (`jet_tests::kettle`): each variant arrives as a plain
//! JSON-RPC error object with the code, message and `data` that the derive documents
//! (for node-jet 3 in its own shape, `data` as `data.details`), nothing Rust-specific.

use jet_runtime::peer::Peer;
use jet_tests::kettle::Kettle;
use jet_tests::node::{interop3_dir, NodeProcess};
use jet_tests::within;
use serde_json::{json, Value};

async fn step(script: &mut NodeProcess, name: &str) -> Value {
    let line = script.next_json().await;
    assert_eq!(line["step"], name, "steps arrive in order: {line}");
    line
}

#[tokio::test]
async fn a_node_jet_peer_sees_typed_errors_as_code_message_and_data() {
    let d = jet_tests::start_daemon().await;
    let addr = d.tcp_addr().unwrap().to_string();
    let service = within(Peer::connect(&addr)).await.unwrap();
    let _served = within(service.serve("kitchen/kettle", Kettle { water: 300 }))
        .await
        .unwrap();
    let mut js = NodeProcess::spawn("typed_errors.js", &[&addr, "kitchen/kettle"]).await;

    // node-jet 2 passes an error object with a code of its own through as it came.
    let raw = |line: &Value| -> Value {
        assert_eq!(
            line["err"]["name"], "raw",
            "not mapped to a node-jet error: {line}"
        );
        line["err"]["raw"].clone()
    };
    assert_eq!(
        raw(&step(&mut js, "empty").await),
        json!({"code": 1000, "message": "Empty", "data": {"kind": "Empty"}})
    );
    assert_eq!(
        raw(&step(&mut js, "hot").await),
        json!({"code": 1001, "message": "too hot: 99.5 °C (limit 90)",
               "data": {"kind": "TooHot", "temperature": 99.46, "limit": 90, "note": null}})
    );
    assert_eq!(
        raw(&step(&mut js, "busy").await),
        json!({"code": 1000, "message": "busy with job 42",
               "data": {"kind": "busy", "value": 42}})
    );
    assert_eq!(
        raw(&step(&mut js, "blocked").await)["data"],
        json!({"kind": "Blocked", "value": [{"open": true}, 3]})
    );
    assert_eq!(step(&mut js, "now").await["ok"], json!(300));
    assert_eq!(js.next_json().await, json!({"done": true}));
    assert!(js.wait_success().await);
    d.shutdown().await;
}

#[tokio::test]
async fn a_node_jet_3_peer_sees_the_whole_data_of_typed_errors() {
    let d = jet_tests::start_daemon().await;
    let addr = d.tcp_addr().unwrap().to_string();
    let service = within(Peer::connect(&addr)).await.unwrap();
    let _served = within(service.serve("kitchen/kettle", Kettle { water: 300 }))
        .await
        .unwrap();
    let mut js = NodeProcess::spawn_in(
        &interop3_dir(),
        "typed_errors.mjs",
        &[&addr, "kitchen/kettle"],
    )
    .await;

    let hot = step(&mut js, "hot").await;
    let error = &hot["error"];
    assert_eq!(error["code"], 1001, "{hot}");
    assert_eq!(error["message"], "too hot: 99.5 °C (limit 90)");
    assert_eq!(
        error["data"]["details"],
        json!({"kind": "TooHot", "temperature": 99.46, "limit": 90, "note": null})
    );
    let busy = step(&mut js, "busy").await;
    assert_eq!(
        busy["error"]["data"]["details"],
        json!({"kind": "busy", "value": 42}),
        "{busy}"
    );
    assert_eq!(step(&mut js, "now").await["ok"], json!(300));
    assert_eq!(js.next_json().await, json!({"done": true}));
    assert!(js.wait_success().await);
    d.shutdown().await;
}
