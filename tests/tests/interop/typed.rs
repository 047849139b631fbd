//! A node-jet 2.1.2 peer (from npm, `tests/interop/typed_client.js`) drives the typed
//! example boiler served on jetd in-process with plain JSON: sets (accepted, refused by the
//! validator, of the wrong type, read-only, nested) and calls (positional, named, missing
//! argument).

use jet_examples::boiler::{Boiler, Mode};
use jet_runtime::peer::Peer;
use jet_tests::node::NodeProcess;
use jet_tests::STEP;
use serde_json::{json, Value};

async fn step(script: &mut NodeProcess, name: &str) -> Value {
    let line = script.next_json().await;
    assert_eq!(line["step"], name, "steps arrive in order: {line}");
    line
}

#[tokio::test]
async fn a_node_jet_peer_sets_fields_and_calls_methods_of_a_typed_service() {
    let d = jet_tests::start_daemon().await;
    let addr = d.tcp_addr().unwrap().to_string();
    let service = tokio::time::timeout(STEP, Peer::connect(&addr))
        .await
        .unwrap()
        .unwrap();
    let served = tokio::time::timeout(STEP, service.serve("plant/boiler", Boiler::default()))
        .await
        .unwrap()
        .unwrap();
    let mut js = NodeProcess::spawn("typed_client.js", &[&addr, "plant/boiler"]).await;

    assert_eq!(step(&mut js, "setSetpoint").await["ok"], json!(true));
    let refused = step(&mut js, "setRefused").await;
    assert!(
        refused["err"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("refused the value: the setpoint must be within")),
        "{refused}"
    );
    let wrong = step(&mut js, "setWrongType").await;
    assert!(
        wrong["err"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`plant/boiler/setpoint` takes f64")),
        "{wrong}"
    );
    let ro = step(&mut js, "setReadOnly").await;
    assert!(ro["err"].is_object(), "read-only fields refuse sets: {ro}");
    assert_eq!(step(&mut js, "setMode").await["ok"], json!(true));
    assert_eq!(step(&mut js, "setNested").await["ok"], json!(true));
    // JavaScript prints 25.0 as 25: compare numbers, not JSON text.
    assert_eq!(
        step(&mut js, "callPositional").await["ok"].as_f64(),
        Some(25.0)
    );
    assert_eq!(step(&mut js, "callNamed").await["ok"].as_f64(), Some(33.0));
    let missing = step(&mut js, "callMissing").await;
    assert!(
        missing["err"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("argument `minutes` (u32) is missing")),
        "{missing}"
    );
    let status = step(&mut js, "callStatus").await;
    assert_eq!(status["ok"]["mode"], "eco");
    let get = step(&mut js, "get").await;
    let setpoint = get["ok"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["path"] == "plant/boiler/setpoint"))
        .unwrap_or_else(|| panic!("setpoint listed: {get}"));
    assert_eq!(setpoint["value"].as_f64(), Some(70.5));
    assert_eq!(js.next_json().await, json!({"done": true}));
    assert!(js.wait_success().await);

    let boiler = served.read().await;
    assert_eq!(boiler.setpoint, 70.5);
    assert_eq!(boiler.mode, Mode::Eco);
    assert_eq!(
        boiler.burner.power, 80,
        "the named call used the default power"
    );
    drop(boiler);
    d.shutdown().await;
}
