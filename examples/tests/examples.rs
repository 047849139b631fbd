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

#[allow(dead_code)]
#[path = "../examples/boiler_service.rs"]
mod boiler_service;

#[allow(dead_code)]
#[path = "../examples/boiler_client.rs"]
mod boiler_client;

#[allow(dead_code)]
#[path = "../examples/device.rs"]
mod device;

#[allow(dead_code)]
#[path = "../examples/plant_service.rs"]
mod plant_service;

#[allow(dead_code)]
#[path = "../examples/plant_client.rs"]
mod plant_client;

/// A jetd in-process on 127.0.0.1 with ports the OS chooses.
async fn daemon() -> jetd::Daemon {
    tokio::time::timeout(
        STEP,
        jetd::Daemon::start(jetd::Config::loopback_ephemeral()),
    )
    .await
    .expect("jetd starts in time")
    .expect("jetd starts")
}

/// Run `client` until it succeeds: it may start before the service has added its
/// elements, so its first runs may fail. Panics with the last failure after `STEP`.
async fn when_served<T, E, Fut>(what: &str, mut client: impl FnMut() -> Fut) -> T
where
    E: std::fmt::Debug,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        match tokio::time::timeout(STEP, client()).await {
            Ok(Ok(done)) => return done,
            Ok(Err(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => panic!("{what} failed: {:?}", other.map(|r| r.err())),
        }
    }
}

#[tokio::test]
async fn consumer_example_drives_the_provider_example() {
    let daemon = daemon().await;
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

#[tokio::test]
async fn boiler_client_example_drives_the_boiler_service_example() {
    let daemon = daemon().await;
    let addr = daemon.tcp_addr().unwrap().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service = tokio::spawn({
        let addr = addr.clone();
        async move {
            boiler_service::serve(&addr, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    let lines = when_served("the boiler client", || boiler_client::run(&addr)).await;
    assert!(lines[0].starts_with("temperature now: "), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("setpoint 120 refused: ")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("heated for 30 minutes at 90 %: ")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "500 minutes refused: at most 120"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("status: ")), "{lines:?}");
    assert!(
        lines.last().unwrap().starts_with("reset hours (were "),
        "{lines:?}"
    );
    stop.send(()).unwrap();
    tokio::time::timeout(STEP, service)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    daemon.shutdown().await;
}

/// The one-binary device: daemon and typed services in one process; a client from outside
/// (here the boiler client over TCP and a plain peer over WebSocket) sees an ordinary bus.
#[tokio::test]
async fn device_example_serves_its_boiler_from_its_own_daemon() {
    let device = tokio::time::timeout(
        STEP,
        device::Device::start(jetd::Config::loopback_ephemeral()),
    )
    .await
    .unwrap()
    .unwrap();
    let tcp = device.daemon.tcp_addr().unwrap().to_string();
    let ws = format!("ws://{}/", device.daemon.ws_addr().unwrap());
    let path = device.boiler.path().to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(device.run_until(async {
        let _ = stopped.await;
    }));
    let lines = tokio::time::timeout(STEP, boiler_client::run(&tcp))
        .await
        .unwrap()
        .unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("heated for 30 minutes at 90 %: ")),
        "{lines:?}"
    );
    let outside = tokio::time::timeout(STEP, jet_runtime::peer::Peer::connect(&ws))
        .await
        .unwrap()
        .unwrap();
    let setpoint = format!("{path}/setpoint");
    tokio::time::timeout(STEP, outside.set(&setpoint, json!(65.0)))
        .await
        .unwrap()
        .unwrap();
    let got = tokio::time::timeout(
        STEP,
        outside.get(&jet_runtime::fetch::builder::Fetch::all().path_equals(&setpoint)),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(got[0].value, Some(json!(65.0)), "{got:?}");
    outside.close().await;
    stop.send(()).unwrap();
    tokio::time::timeout(STEP, running)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// The plant example end to end: four levels of nested nodes with methods at each,
/// refusals from a method and from a validator, a watched state, a computed state, an
/// event.
#[tokio::test]
async fn plant_client_example_drives_the_plant_service_example() {
    let daemon = daemon().await;
    let addr = daemon.tcp_addr().unwrap().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service = tokio::spawn({
        let addr = addr.clone();
        async move {
            plant_service::serve(&addr, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    let lines = when_served("the plant client", || plant_client::run(&addr)).await;
    let expect = |prefix: &str| {
        assert!(
            lines.iter().any(|l| l.starts_with(prefix)),
            "no line starting {prefix:?} in {lines:#?}"
        )
    };
    expect("plant: Example Works");
    expect("line1 start refused: the boiler is off: set its mode first");
    expect("line1 burner ready: true");
    expect("line1 started");
    expect("speed 5 refused: ");
    expect("line1 produced ");
    expect("line1 boiler heated to ");
    expect("summary: Summary { running: 1, ");
    expect("running lines: 1");
    expect("emergency stop: 1 line(s) stopped");
    expect("alarm: EmergencyStop { lines_stopped: 1 }");
    expect("line1 running: false, boiler mode: Off");
    stop.send(()).unwrap();
    tokio::time::timeout(STEP, service)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    daemon.shutdown().await;
}
