//! Runs the `provider` and `consumer` examples against jetd in-process, so the test command
//! proves the examples work, not just that they compile.

use jet_runtime::peer::PeerError;
use jet_test_support::STEP;
use serde_json::json;

#[allow(dead_code)]
#[path = "../examples/provider.rs"]
mod provider;

#[allow(dead_code)]
#[path = "../examples/consumer.rs"]
mod consumer;

#[tokio::test]
async fn consumer_example_drives_the_provider_example() {
    let daemon = tokio::time::timeout(
        STEP,
        jetd::Daemon::start(jetd::Config::loopback_ephemeral()),
    )
    .await
    .unwrap()
    .unwrap();
    let addr = daemon.tcp_addr().unwrap().to_string();
    let provider = tokio::time::timeout(STEP, provider::start(&addr))
        .await
        .unwrap()
        .unwrap();
    let report = tokio::time::timeout(STEP, consumer::run(&addr))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(
        report.initial,
        [
            "example/boiler/setpoint",
            "example/boiler/temperature",
            "example/boiler/heat"
        ]
    );
    assert_eq!(report.accepted, json!(72.5));
    assert!(
        matches!(report.refused, PeerError::InvalidParams { .. }),
        "{:?}",
        report.refused
    );
    assert!(
        matches!(report.read_only, PeerError::FetchOnly(_)),
        "{:?}",
        report.read_only
    );
    assert_eq!(report.heated, json!(31.0));
    assert_eq!(report.temperature_event, json!(31.0));
    assert_eq!(provider.setpoint.value(), json!(72.5));
    assert_eq!(provider.temperature.value(), json!(31.0));

    provider.peer.close().await;
    daemon.shutdown().await;
}
