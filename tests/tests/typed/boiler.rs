//! End-to-end tests of the typed layer: the example boiler (`jet_examples::boiler`) served
//! on jetd in-process, driven by its generated client and by raw JSON requests, over real
//! TCP connections on 127.0.0.1.
//!
//! Every await is bounded by `jet_tests::STEP`; that an event did not happen is shown by
//! awaiting a later marker event on the same ordered stream, never by sleeping.

use futures_util::StreamExt;
use jet_examples::boiler::{Boiler, BoilerClient, Mode, Status, HEAT_OFF, HEAT_TOO_LONG, LIMITS};
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{ElementEvent, EventKind, FetchEvent, FetchStream, PeerError};
use jet_runtime::typed::TypedError;
use jet_tests::within as t;
use serde_json::{json, Value};

const MOUNT: &str = "plant/line1/boiler";

use crate::peer;

async fn element(s: &mut FetchStream) -> ElementEvent {
    match t(s.next()).await.expect("fetch stream ended") {
        FetchEvent::Element(e) => e,
        other => panic!("expected an element event, got {other:?}"),
    }
}

/// The `invalidArgument` detail of a refused request.
fn invalid_argument(e: &PeerError) -> &Value {
    match e {
        PeerError::InvalidParams { data: Some(d), .. } => &d["invalidArgument"],
        other => panic!("expected -32602 with invalidArgument, got {other:?}"),
    }
}

fn peer_error(e: TypedError) -> PeerError {
    match e {
        TypedError::Peer(p) => p,
        other => panic!("expected a peer error, got {other:?}"),
    }
}

#[tokio::test]
async fn serves_every_field_and_method_at_its_path() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve(MOUNT, Boiler::default())).await.unwrap();
    let states: Vec<&str> = served.state_paths().collect();
    assert_eq!(
        states,
        [
            "plant/line1/boiler/temperature",
            "plant/line1/boiler/setpoint",
            "plant/line1/boiler/mode",
            "plant/line1/boiler/limits",
            "plant/line1/boiler/burner/power",
            "plant/line1/boiler/burner/flame",
            "plant/line1/boiler/burner/operatingHours",
        ]
    );

    let other = peer(&d).await;
    let got = t(other.get(&Fetch::all().path_starts_with("plant/line1/boiler/")))
        .await
        .unwrap();
    let listed: Vec<(&str, Option<&Value>, bool)> = got
        .iter()
        .map(|e| (e.path.as_str(), e.value.as_ref(), e.fetch_only))
        .collect();
    assert_eq!(
        listed,
        [
            ("plant/line1/boiler/temperature", Some(&json!(20.0)), true),
            ("plant/line1/boiler/setpoint", Some(&json!(60.0)), false),
            ("plant/line1/boiler/mode", Some(&json!("off")), false),
            (
                "plant/line1/boiler/limits",
                Some(&json!({"min": 30.0, "max": 90.0})),
                true
            ),
            ("plant/line1/boiler/burner/power", Some(&json!(0)), false),
            ("plant/line1/boiler/burner/flame", Some(&json!(false)), true),
            (
                "plant/line1/boiler/burner/operatingHours",
                Some(&json!(0.0)),
                true
            ),
            ("plant/line1/boiler/heat", None, false),
            ("plant/line1/boiler/status", None, false),
            ("plant/line1/boiler/resetHours", None, false),
            ("plant/line1/boiler/burner/ready", None, false),
        ],
        "states in field order, then methods; read-only fields fetch-only; skipped field \
         and skipped method absent"
    );
    drop(served);
    service.close().await;
    d.shutdown().await;
}

#[tokio::test]
async fn typed_client_sets_gets_and_calls() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve(MOUNT, Boiler::default())).await.unwrap();
    let client_peer = peer(&d).await;
    let client = BoilerClient::new(&client_peer, MOUNT);
    assert_eq!(client.path(), MOUNT);

    t(client.set_setpoint(70.5)).await.unwrap();
    assert_eq!(t(client.get_setpoint()).await.unwrap(), 70.5);
    assert_eq!(
        served.read().await.setpoint,
        70.5,
        "the set reached the struct"
    );
    t(client.set_mode(Mode::Comfort)).await.unwrap();
    assert_eq!(t(client.get_mode()).await.unwrap(), Mode::Comfort);
    assert_eq!(t(client.get_limits()).await.unwrap(), LIMITS);

    // Methods with the Rust argument and result types.
    let reached = t(client.heat(10, Some(50))).await.unwrap();
    assert_eq!(reached, 25.0);
    let status: Status = t(client.status()).await.unwrap();
    assert_eq!(
        status,
        Status {
            temperature: 25.0,
            setpoint: 70.5,
            mode: Mode::Comfort,
            flame: false,
        }
    );
    let hours = t(client.reset_hours()).await.unwrap();
    assert!((hours - 10.0 / 60.0).abs() < 1e-9, "{hours}");
    assert_eq!(served.read().await.heat_calls, 1, "skip fields stay local");
    assert_eq!(served.read().await.heat_calls(), 1);

    // Nested node through its own client.
    let burner = client.burner();
    assert_eq!(burner.path(), "plant/line1/boiler/burner");
    t(burner.set_power(40)).await.unwrap();
    assert_eq!(t(burner.get_power()).await.unwrap(), 40);
    assert_eq!(served.read().await.burner.power, 40);
    assert_eq!(t(burner.get_operating_hours()).await.unwrap(), 0.0);
    d.shutdown().await;
}

#[tokio::test]
async fn validation_refusals_and_type_mismatches_are_clear_invalid_params() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve(MOUNT, Boiler::default())).await.unwrap();
    let client_peer = peer(&d).await;
    let client = BoilerClient::new(&client_peer, MOUNT);

    // The validator refuses: -32602 naming the path, the validator's words.
    let e = peer_error(t(client.set_setpoint(95.0)).await.unwrap_err());
    let detail = invalid_argument(&e);
    assert_eq!(detail["path"], "plant/line1/boiler/setpoint");
    assert_eq!(
        detail["message"],
        "`plant/line1/boiler/setpoint` refused the value: the setpoint must be within 30 to \
         90 °C, got 95"
    );
    assert_eq!(
        served.read().await.setpoint,
        60.0,
        "refused values are not stored"
    );

    // A value of the wrong JSON type, sent raw: -32602 naming path and expected type.
    let e = t(client_peer.set("plant/line1/boiler/setpoint", json!("hot")))
        .await
        .unwrap_err();
    let detail = invalid_argument(&e);
    assert_eq!(detail["expected"], "f64");
    assert_eq!(detail["path"], "plant/line1/boiler/setpoint");
    assert!(
        detail["message"]
            .as_str()
            .unwrap()
            .starts_with("`plant/line1/boiler/setpoint` takes f64: invalid type: string \"hot\""),
        "{detail}"
    );
    let e = t(client_peer.set("plant/line1/boiler/mode", json!("turbo")))
        .await
        .unwrap_err();
    assert_eq!(invalid_argument(&e)["expected"], "Mode");
    let e = t(client_peer.set("plant/line1/boiler/burner/power", json!(300)))
        .await
        .unwrap_err();
    assert_eq!(invalid_argument(&e)["expected"], "u8");
    // The nested validator.
    let e = peer_error(t(client.burner().set_power(101)).await.unwrap_err());
    assert!(invalid_argument(&e)["message"]
        .as_str()
        .unwrap()
        .ends_with("power is a percentage, 101 is above 100"));

    // Read-only fields have no setter in the client, and the daemon refuses raw sets.
    let e = t(client_peer.set("plant/line1/boiler/temperature", json!(99.0)))
        .await
        .unwrap_err();
    assert!(matches!(e, PeerError::FetchOnly(ref p) if p == "plant/line1/boiler/temperature"));
    assert_eq!(served.read().await.temperature, 20.0);
    d.shutdown().await;
}

#[tokio::test]
async fn methods_take_positional_or_named_args_and_map_errors() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve(MOUNT, Boiler::default())).await.unwrap();
    let raw = peer(&d).await;
    let heat = "plant/line1/boiler/heat";

    // `Result::Err` of a `#[derive(JetError)]` enum: the boiler is off.
    let e = t(raw.call(heat, json!([10]))).await.unwrap_err();
    assert!(
        matches!(e, PeerError::Remote { code: HEAT_OFF, .. }),
        "{e:?}"
    );
    served.update(|b| b.mode = Mode::Eco).await.unwrap();
    let e = t(raw.call(heat, json!({"minutes": 500})))
        .await
        .unwrap_err();
    match e {
        PeerError::Remote { code, data, .. } => {
            assert_eq!(code, HEAT_TOO_LONG);
            assert_eq!(data, Some(json!({"kind": "TooLong", "max": 120})));
        }
        other => panic!("expected the TooLong error, got {other:?}"),
    }

    // Positional, named, and the Option argument left out (default power 80).
    assert_eq!(
        t(raw.call(heat, json!([10, 100]))).await.unwrap(),
        json!(30.0)
    );
    assert_eq!(
        t(raw.call(heat, json!({"power": 50, "minutes": 10})))
            .await
            .unwrap(),
        json!(35.0)
    );
    assert_eq!(
        t(raw.call(heat, json!({"minutes": 5}))).await.unwrap(),
        json!(39.0)
    );
    assert_eq!(served.read().await.burner.power, 80);

    // Argument errors are -32602 naming the method and the argument.
    let e = t(raw.call(heat, json!({}))).await.unwrap_err();
    assert_eq!(
        invalid_argument(&e)["message"],
        "`plant/line1/boiler/heat` argument `minutes` (u32) is missing"
    );
    let e = t(raw.call(heat, json!(["ten"]))).await.unwrap_err();
    assert_eq!(invalid_argument(&e)["argument"], "minutes");
    let e = t(raw.call(heat, json!({"minutes": 1, "minuets": 2})))
        .await
        .unwrap_err();
    assert_eq!(
        invalid_argument(&e)["message"],
        "`plant/line1/boiler/heat` has no argument `minuets`; expected minutes, power"
    );
    let e = t(raw.call(heat, json!([1, 2, 3]))).await.unwrap_err();
    assert!(invalid_argument(&e)["message"]
        .as_str()
        .unwrap()
        .contains("takes 2 argument(s) (minutes, power), got 3"));
    // A method without arguments accepts none given, `[]` and `{}`.
    let status = "plant/line1/boiler/status";
    for args in [json!([]), json!({})] {
        let s: Status = serde_json::from_value(t(raw.call(status, args)).await.unwrap()).unwrap();
        assert_eq!(s.mode, Mode::Eco);
    }
    d.shutdown().await;
}

#[tokio::test]
async fn update_and_mut_methods_publish_exactly_what_changed() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve(MOUNT, Boiler::default())).await.unwrap();
    let watcher = peer(&d).await;
    let mut events = t(watcher.fetch(&Fetch::all().path_starts_with("plant/line1/boiler/")))
        .await
        .unwrap();
    // 7 states and 4 methods (the burner's `ready` among them).
    for _ in 0..11 {
        assert_eq!(element(&mut events).await.kind, EventKind::Add);
    }

    // One field changed: one change event.
    served.update(|b| b.temperature = 71.5).await.unwrap();
    let e = element(&mut events).await;
    assert_eq!(
        (e.kind, e.path.as_str(), e.value),
        (
            EventKind::Change,
            "plant/line1/boiler/temperature",
            Some(json!(71.5))
        )
    );
    // An update that changes nothing publishes nothing; a nested field is published at its
    // path. The next event being the burner's shows nothing came in between.
    let returned = served.update(|b| b.temperature).await.unwrap();
    assert_eq!(returned, 71.5);
    served.update(|b| b.burner.flame = true).await.unwrap();
    let e = element(&mut events).await;
    assert_eq!(e.path, "plant/line1/boiler/burner/flame");
    assert_eq!(e.value, Some(json!(true)));

    // A remote set publishes the stored value once.
    let client = BoilerClient::new(&watcher, MOUNT);
    t(client.set_setpoint(65.0)).await.unwrap();
    let e = element(&mut events).await;
    assert_eq!(
        (e.path.as_str(), e.value),
        ("plant/line1/boiler/setpoint", Some(json!(65.0)))
    );
    // ... and is not published again by the next update.
    served.update(|b| b.mode = Mode::Eco).await.unwrap();
    let e = element(&mut events).await;
    assert_eq!(
        (e.path.as_str(), e.value),
        ("plant/line1/boiler/mode", Some(json!("eco")))
    );

    // A `&mut self` method publishes the fields it changed before it answers.
    t(client.reset_hours()).await.unwrap(); // hours are 0 already: nothing to publish
    served.update(|b| b.burner.flame = false).await.unwrap();
    let e = element(&mut events).await;
    assert_eq!(e.path, "plant/line1/boiler/burner/flame");
    t(client.heat(60, Some(10))).await.unwrap();
    let mut changed = Vec::new();
    for _ in 0..2 {
        let e = element(&mut events).await;
        changed.push((e.path, e.value.unwrap()));
    }
    assert_eq!(
        changed,
        [
            ("plant/line1/boiler/burner/power".to_owned(), json!(10)),
            (
                "plant/line1/boiler/burner/operatingHours".to_owned(),
                json!(1.0)
            ),
        ]
    );
    // The temperature (71.5, above the setpoint) stayed, and the flame went on and off
    // within the call: neither was published, so the marker is next.
    served.update(|b| b.mode = Mode::Comfort).await.unwrap();
    let e = element(&mut events).await;
    assert_eq!(e.path, "plant/line1/boiler/mode");
    d.shutdown().await;
}
