//! Typed errors end to end (issue 12): a method failing with a `#[derive(JetError)]` enum
//! reaches the generated Rust client as that enum (`ClientError::Service`), every other
//! failure as `ClientError::Transport`; a plain peer sees code, message and `data`; the
//! method's schema lists the errors, offline and through the daemon.
//!
//! Every await is bounded by `jet_tests::STEP`.

use std::time::Duration;

use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::PeerError;
use jet_runtime::prelude::*;
use jet_tests::kettle::{Kettle, KettleClient, KettleError, Lid, ScaleError};
use jet_tests::within as t;
use serde_json::{json, Value};

use super::peer;

async fn kettle_on(d: &jetd::Daemon, water: u32) -> (Peer, Served<Kettle>, Peer) {
    let service = peer(d).await;
    let served = t(service.serve("k", Kettle { water })).await.unwrap();
    let caller = peer(d).await;
    (service, served, caller)
}

#[tokio::test]
async fn every_variant_shape_arrives_as_the_services_own_error() {
    let d = jet_tests::start_daemon().await;
    let (_service, _served, caller) = kettle_on(&d, 500).await;
    let k = KettleClient::new(&caller, "k");

    let service_error = |e: ClientError<KettleError>| match e {
        ClientError::Service(e) => e,
        ClientError::Transport(e) => panic!("expected the service's error, got {e:?}"),
    };
    let e = t(k.boil("empty".into())).await.unwrap_err();
    assert_eq!(e.to_string(), "Empty", "no template, no Display: the kind");
    assert_eq!(service_error(e), KettleError::Empty);
    let e = t(k.boil("hot".into())).await.unwrap_err();
    assert_eq!(e.to_string(), "too hot: 99.5 °C (limit 90)");
    assert_eq!(
        service_error(e),
        KettleError::TooHot {
            temperature: 99.46,
            limit: 90.0,
            note: None
        }
    );
    let e = service_error(t(k.boil("hot-noted".into())).await.unwrap_err());
    assert!(matches!(e, KettleError::TooHot { note: Some(n), .. } if n == "descale soon"));
    let e = t(k.boil("busy".into())).await.unwrap_err();
    assert_eq!(e.to_string(), "busy with job 42");
    assert_eq!(service_error(e), KettleError::Busy(42));
    let e = service_error(t(k.boil("blocked".into())).await.unwrap_err());
    assert_eq!(e, KettleError::Blocked(Lid { open: true }, 3));

    // A result alias under another name (`#[jet(result)]`) and a `Display` error type.
    assert_eq!(t(k.fill(250)).await.unwrap(), 750);
    assert_eq!(
        t(k.fill(0)).await.unwrap_err().service(),
        Some(KettleError::Empty)
    );
    let e = t(k.weigh(6000)).await.unwrap_err();
    assert_eq!(e.to_string(), "6000 g is too heavy", "the Display text");
    assert_eq!(e.service(), Some(ScaleError::Overloaded { grams: 6000 }));
    assert_eq!(t(k.boil("now".into())).await.unwrap(), 750);
    d.shutdown().await;
}

#[tokio::test]
async fn a_plain_peer_sees_code_message_and_data() {
    let d = jet_tests::start_daemon().await;
    let (_service, _served, caller) = kettle_on(&d, 0).await;
    let call = |how: &'static str| caller.call("k/boil", json!([how]));
    let remote = |e: PeerError| match e {
        PeerError::Remote {
            code,
            message,
            data,
        } => (code, message, data.unwrap_or(Value::Null)),
        other => panic!("expected the service's error object, got {other:?}"),
    };
    assert_eq!(
        remote(t(call("empty")).await.unwrap_err()),
        (1000, "Empty".into(), json!({"kind": "Empty"}))
    );
    assert_eq!(
        remote(t(call("hot")).await.unwrap_err()),
        (
            1001,
            "too hot: 99.5 °C (limit 90)".into(),
            json!({"kind": "TooHot", "temperature": 99.46, "limit": 90.0, "note": null})
        )
    );
    assert_eq!(
        remote(t(call("busy")).await.unwrap_err()),
        (
            1000,
            "busy with job 42".into(),
            json!({"kind": "busy", "value": 42})
        )
    );
    assert_eq!(
        remote(t(call("blocked")).await.unwrap_err()).2,
        json!({"kind": "Blocked", "value": [{"open": true}, 3]})
    );
    d.shutdown().await;
}

#[tokio::test]
async fn other_failures_are_transport_errors() {
    let mut config = jet_tests::tcp_only();
    config.default_timeout = Duration::from_millis(200);
    let d = jet_tests::start_daemon_with(config).await;
    let (_service, _served, caller) = kettle_on(&d, 0).await;

    // Nothing served there.
    let nowhere = KettleClient::new(&caller, "elsewhere");
    match t(nowhere.boil("empty".into())).await.unwrap_err() {
        ClientError::Transport(TypedError::NotFound(path)) => assert_eq!(path, "elsewhere/boil"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    // The daemon's routed timeout (-32001).
    let k = KettleClient::new(&caller, "k");
    match t(k.wait(3_000)).await.unwrap_err() {
        ClientError::Transport(TypedError::Peer(PeerError::Timeout { .. })) => {}
        other => panic!("expected the daemon's timeout, got {other:?}"),
    }
    // An error object with one of the codes but another kind, or with the kind but
    // fields of another definition, from someone else serving the same path.
    let impostor = peer(&d).await;
    let _method = t(impostor.add_method("fake/boil", |_args| {
        Err(jet_runtime::peer::custom_error(
            1000,
            "odd",
            Some(json!({"kind": "Unheard"})),
        ))
    }))
    .await
    .unwrap();
    let fake = KettleClient::new(&caller, "fake");
    match t(fake.boil("x".into())).await.unwrap_err() {
        ClientError::Transport(TypedError::Peer(PeerError::Remote { code, message, .. })) => {
            assert_eq!((code, message.as_str()), (1000, "odd"))
        }
        other => panic!("expected the unknown error as it came, got {other:?}"),
    }
    let _other = t(impostor.add_method("fake2/boil", |_args| {
        Err(jet_runtime::peer::custom_error(
            1001,
            "hot",
            Some(json!({"kind": "TooHot", "temperature": "very"})),
        ))
    }))
    .await
    .unwrap();
    let fake = KettleClient::new(&caller, "fake2");
    match t(fake.boil("x".into())).await.unwrap_err() {
        ClientError::Transport(TypedError::Decode { path, expected, .. }) => {
            assert_eq!(
                (path.as_str(), expected.as_str()),
                ("fake2/boil", "KettleError")
            )
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    d.shutdown().await;
}

/// `?` takes a client error into `anyhow::Error` with its message.
async fn boil_or_explain(k: &KettleClient) -> anyhow::Result<u32> {
    Ok(k.boil("busy".into()).await?)
}

#[tokio::test]
async fn client_errors_convert_into_anyhow() {
    let d = jet_tests::start_daemon().await;
    let (_service, _served, caller) = kettle_on(&d, 0).await;
    let e = t(boil_or_explain(&KettleClient::new(&caller, "k")))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "busy with job 42");
    assert_eq!(
        e.downcast_ref::<ClientError<KettleError>>()
            .and_then(|e| match e {
                ClientError::Service(s) => Some(s.clone()),
                ClientError::Transport(_) => None,
            }),
        Some(KettleError::Busy(42))
    );
    d.shutdown().await;
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema)
        .unwrap_or_else(|e| panic!("not a valid JSON Schema ({e}): {schema}"))
}

/// The `errors` member of `boil`'s schema: one entry per variant, each `data` schema
/// accepting exactly what the service sends.
fn check_boil_errors(schema: &Value) {
    let errors = schema["errors"].as_array().expect("errors listed");
    let listed: Vec<(i64, &str)> = errors
        .iter()
        .map(|e| (e["code"].as_i64().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (1000, "Empty"),
            (1001, "TooHot"),
            (1000, "busy"),
            (7, "Blocked")
        ]
    );
    assert_eq!(errors[0]["description"], "There is no water in it.");
    assert_eq!(errors[0].get("message"), None, "no template: no message");
    assert_eq!(
        errors[1]["message"],
        "too hot: {temperature:.1} °C (limit {limit})"
    );
    assert_eq!(
        errors[1]["data"]["required"],
        json!(["kind", "temperature", "limit"]),
        "an Option field may be left out"
    );
    // Every error object the service sends fits its entry's `data` schema, and not
    // another's.
    for (how, index) in [
        ("empty", 0),
        ("hot", 1),
        ("hot-noted", 1),
        ("busy", 2),
        ("blocked", 3),
    ] {
        let mut k = Kettle::default();
        let object = JetError::into_error_object(k.boil(how.into()).unwrap_err());
        let data = object.data.unwrap();
        for (i, entry) in errors.iter().enumerate() {
            let fits = validator(&entry["data"]).is_valid(&data);
            assert_eq!(fits, i == index, "{how}: {data} against {}", entry["data"]);
        }
        assert_eq!(object.code, errors[index]["code"].as_i64().unwrap());
    }
}

#[tokio::test]
async fn method_schemas_list_their_errors_offline_and_through_the_daemon() {
    let offline = Kettle::schemas();
    check_boil_errors(offline.get("boil").unwrap());
    assert_eq!(
        offline.get("fill").unwrap()["errors"],
        offline.get("boil").unwrap()["errors"],
        "the alias has the same error type"
    );
    assert_eq!(
        offline.get("weigh").unwrap()["errors"][0]["kind"],
        "Overloaded"
    );
    // `Blocked`'s `Lid` is defined in its own `data` schema.
    let blocked = &offline.get("boil").unwrap()["errors"][3]["data"];
    assert!(blocked["$defs"]["Lid"].is_object(), "{blocked}");

    let d = jet_tests::start_daemon().await;
    let (_service, _served, caller) = kettle_on(&d, 0).await;
    let kept = t(caller.schemas(&Fetch::all().path_equals("k/boil")))
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    check_boil_errors(&kept[0].1);
    d.shutdown().await;
}
