//! Events (`#[jet(event)] field: jet_runtime::Event<T>`): emitted from a background task
//! and from a method, received by the generated client's typed stream (only events after
//! subscribing, equal events twice) and by a node-jet 2.1.2 fetcher as `change`
//! notifications `{"seq", "event"}`; never resent by a publish; refused while not served;
//! marked in the schema.
//!
//! Every await is bounded by `jet_tests::STEP`.

use futures_util::StreamExt;
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::prelude::*;
use jet_runtime::Event;
use jet_tests::node::NodeProcess;
use jet_tests::within as t;
use serde_json::json;

use crate::peer;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Alarm {
    code: u16,
    text: String,
}

fn alarm(code: u16) -> Alarm {
    Alarm {
        code,
        text: format!("alarm {code}"),
    }
}

#[derive(Default, Node)]
struct Boiler {
    temperature: f64,
    /// Raised alarms.
    #[jet(event)]
    alarms: Event<Alarm>,
    #[jet(node)]
    burner: Burner,
}

#[derive(Default, Node)]
struct Burner {
    #[jet(event, rename = "flameouts")]
    flame_outs: Event<u32>,
}

#[jet_runtime::methods]
impl Boiler {
    /// Raise an alarm from inside a method.
    pub async fn raise(&self, code: u16) -> Result<u64, TypedError> {
        self.alarms.emit(alarm(code)).await?;
        Ok(self.alarms.count())
    }
}

#[tokio::test]
async fn events_from_a_background_task_reach_the_typed_stream_in_order() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let boiler = Boiler::default();
    let alarms = boiler.alarms.clone();
    assert!(matches!(
        t(alarms.emit(alarm(1))).await,
        Err(TypedError::NotServed)
    ));
    let served = t(service.serve("plant/boiler", boiler)).await.unwrap();
    assert_eq!(alarms.path().as_deref(), Some("plant/boiler/alarms"));
    // One event before anyone subscribes: the stream does not replay it.
    t(alarms.emit(alarm(1))).await.unwrap();

    let other = peer(&d).await;
    let client = BoilerClient::new(&other, "plant/boiler");
    let mut stream = t(client.alarms()).await.unwrap();
    let task = tokio::spawn(async move {
        for code in [2, 3, 3] {
            alarms.emit(alarm(code)).await?;
        }
        Ok::<_, TypedError>(alarms)
    });
    for code in [2, 3, 3] {
        assert_eq!(t(stream.next()).await.unwrap().unwrap(), alarm(code));
    }
    let alarms = t(task).await.unwrap().unwrap();
    assert_eq!(alarms.count(), 4);
    // The state's value is the last event, with its number.
    let raw = t(other.get(&Fetch::all().path_equals("plant/boiler/alarms")))
        .await
        .unwrap();
    assert_eq!(
        raw[0].value,
        Some(json!({"seq": 4, "event": {"code": 3, "text": "alarm 3"}}))
    );

    // A publish of other states does not resend the last event.
    t(served.update(|b| b.temperature = 61.0)).await.unwrap();
    assert_eq!(t(client.raise(9)).await.unwrap(), 5);
    assert_eq!(t(stream.next()).await.unwrap().unwrap(), alarm(9));

    drop(served);
    assert!(t(stream.next()).await.is_none(), "ends when removed");
    assert!(matches!(
        t(alarms.emit(alarm(1))).await,
        Err(TypedError::NotServed)
    ));
    d.shutdown().await;
}

#[tokio::test]
async fn a_nested_event_stream_is_reached_through_the_nested_client() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve("b", Boiler::default())).await.unwrap();
    let flame_outs = served.read().await.burner.flame_outs.clone();
    assert_eq!(flame_outs.path().as_deref(), Some("b/burner/flameouts"));
    let other = peer(&d).await;
    let mut stream = t(BoilerClient::new(&other, "b").burner().flame_outs())
        .await
        .unwrap();
    t(flame_outs.emit(7)).await.unwrap();
    assert_eq!(t(stream.next()).await.unwrap().unwrap(), 7);
    d.shutdown().await;
}

#[tokio::test]
async fn a_node_jet_fetcher_receives_events_as_changes() {
    let d = jet_tests::start_daemon().await;
    let addr = d.tcp_addr().unwrap().to_string();
    let service = peer(&d).await;
    let served = t(service.serve("plant/boiler", Boiler::default()))
        .await
        .unwrap();
    let alarms = served.read().await.alarms.clone();
    let mut js = NodeProcess::spawn("event_fetcher.js", &[&addr, "plant/boiler/alarms", "2"]).await;
    assert_eq!(
        js.next_json().await,
        json!({"event": "add", "value": {"seq": 0, "event": null}})
    );
    assert_eq!(js.next_json().await, json!({"ready": true}));
    for code in [5, 5] {
        t(alarms.emit(alarm(code))).await.unwrap();
    }
    let lines = js.finish(&json!({"done": true})).await;
    assert_eq!(
        lines,
        [
            json!({"event": "change", "value": {"seq": 1, "event": {"code": 5, "text": "alarm 5"}}}),
            json!({"event": "change", "value": {"seq": 2, "event": {"code": 5, "text": "alarm 5"}}}),
        ]
    );
    d.shutdown().await;
}

#[test]
fn an_event_state_is_read_only_and_marked_in_its_schema() {
    let states = Boiler::states();
    let alarms = states.iter().find(|s| s.path() == "alarms").unwrap();
    assert!(alarms.is_event() && alarms.is_read_only());
    let schema = alarms.schema();
    assert_eq!(schema["x-jet-event"], json!(true));
    assert_eq!(schema["readOnly"], json!(true));
    assert_eq!(schema["description"], "Raised alarms.");
    assert_eq!(schema["required"], json!(["seq", "event"]));
    assert_eq!(schema["properties"]["seq"]["type"], "integer");
    // The event's own schema, or null before the first one.
    let event = &schema["properties"]["event"];
    assert!(event.to_string().contains("#/$defs/Alarm"), "{event}");
    assert_eq!(
        schema["$defs"]["Alarm"]["required"],
        json!(["code", "text"])
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&json!({"seq": 0, "event": null})));
    assert!(validator.is_valid(&json!({"seq": 2, "event": {"code": 1, "text": "x"}})));
    assert!(!validator.is_valid(&json!({"seq": 2, "event": {"code": "x"}})));
}
