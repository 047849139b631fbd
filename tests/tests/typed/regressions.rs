//! Regressions of issue 12 (typed services): each test is named after the bug it pins.
//!
//! Every await is bounded by `jet_tests::STEP` (or a shorter limit where the point is
//! that the answer comes at once).

use std::collections::HashMap;
use std::time::Duration;

use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::PeerError;
use jet_runtime::prelude::*;
use jet_tests::within as t;
use serde_json::json;

use crate::{next_value, peer};

/// The error object a typed call failed with.
fn remote(e: TypedError) -> (i64, String, Option<serde_json::Value>) {
    match e {
        TypedError::Peer(PeerError::Remote {
            code,
            message,
            data,
        }) => (code, message, data),
        other => panic!("expected a remote error, got {other:?}"),
    }
}

// ---- 1. Methods of nested nodes are never served -------------------------------------

#[derive(Default, Node)]
struct Burner {
    #[jet(read_only)]
    lit: bool,
    power: u8,
}

#[jet_runtime::methods]
impl Burner {
    /// Light the burner at `power`; returns whether it was off before.
    pub fn ignite(&mut self, power: u8) -> bool {
        self.power = power;
        !std::mem::replace(&mut self.lit, true)
    }

    /// A `&self` method of a nested node.
    pub fn describe(&self) -> String {
        format!("lit={} power={}", self.lit, self.power)
    }
}

#[derive(Default, Node)]
struct Boiler {
    temperature: f64,
    #[jet(node)]
    burner: Burner,
}

#[jet_runtime::methods]
impl Boiler {
    pub fn cool(&mut self) {
        self.temperature = 10.0;
    }
}

/// Two levels above the burner; no methods of its own.
#[derive(Default, Node)]
struct Line {
    #[jet(node)]
    boiler: Boiler,
}

#[derive(Default, Node)]
struct Plant {
    #[jet(node, rename = "line1")]
    line: Line,
}

#[tokio::test]
async fn nested_node_methods_are_served_at_the_nested_path() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve("plant", Plant::default())).await.unwrap();
    let methods: Vec<&str> = served.method_paths().collect();
    assert_eq!(
        methods,
        [
            "plant/line1/boiler/cool",
            "plant/line1/boiler/burner/ignite",
            "plant/line1/boiler/burner/describe"
        ]
    );
    let schemas = Plant::schemas();
    let ignite = schemas
        .iter()
        .find(|s| s.path == "line1/boiler/burner/ignite")
        .expect("nested method in the offline schemas");
    assert_eq!(
        ignite.schema["params"]["x-positional"],
        json!(["power"]),
        "{}",
        ignite.schema
    );

    let caller = peer(&d).await;
    let burner = PlantClient::new(&caller, "plant").line().boiler().burner();
    assert!(t(burner.ignite(40)).await.unwrap(), "was off");
    assert!(!t(burner.ignite(50)).await.unwrap(), "was lit");
    assert_eq!(t(burner.describe()).await.unwrap(), "lit=true power=50");
    // The nested `&mut self` method changed the outer served value and published it.
    assert!(served.read().await.line.boiler.burner.lit);
    assert!(t(burner.get_lit()).await.unwrap());
    assert_eq!(t(burner.get_power()).await.unwrap(), 50);
    t(PlantClient::new(&caller, "plant").line().boiler().cool())
        .await
        .unwrap();
    assert_eq!(
        t(PlantClient::new(&caller, "plant")
            .line()
            .boiler()
            .get_temperature())
        .await
        .unwrap(),
        10.0
    );
    d.shutdown().await;
}

// ---- 2. A failed serve leaks elements -------------------------------------------------

#[derive(Default, Node)]
struct Valve {
    a: u32,
    b: u32,
    c: u32,
}

#[jet_runtime::methods]
impl Valve {
    pub fn open(&mut self) {
        self.a = 1;
    }
}

#[tokio::test]
async fn failed_serve_removes_every_element_it_added() {
    let d = jet_tests::start_daemon().await;
    let foreign = peer(&d).await;
    let taken = t(foreign.add_state("valve/b", json!("not yours")))
        .await
        .unwrap();

    let service = peer(&d).await;
    let e = t(service.serve("valve", Valve::default()))
        .await
        .unwrap_err();
    assert!(matches!(e, TypedError::Peer(_)), "{e:?}");
    // Nothing of the failed serve is left: only the foreign state is there.
    let left = t(foreign.get(&Fetch::all().path_starts_with("valve/")))
        .await
        .unwrap();
    let paths: Vec<&str> = left.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["valve/b"], "{left:?}");
    assert!(t(foreign.set("valve/a", json!(5))).await.is_err());
    assert!(t(foreign.call("valve/open", json!([]))).await.is_err());

    // Once the path is free, a retry serves everything.
    t(taken.remove()).await.unwrap();
    let served = t(service.serve("valve", Valve::default())).await.unwrap();
    assert_eq!(served.state_paths().count(), 3);
    t(foreign.set("valve/a", json!(5))).await.unwrap();
    assert_eq!(served.read().await.a, 5);
    d.shutdown().await;
}

// ---- 3. An update can be lost when one field fails to encode ----------------------------

#[derive(Default, Node)]
struct Ledger {
    first: u32,
    /// Non-string map keys do not serialise to JSON once the map is not empty.
    #[jet(read_only)]
    pairs: HashMap<(u8, u8), u8>,
    last: u32,
}

#[jet_runtime::methods]
impl Ledger {
    /// Changes `first` and breaks `pairs`: the change cannot be published.
    pub fn break_pairs(&mut self) {
        self.first += 100;
        self.pairs.insert((1, 2), 3);
    }
}

#[tokio::test]
async fn update_that_fails_to_encode_publishes_nothing_and_is_not_lost() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve("ledger", Ledger::default())).await.unwrap();
    let reader = peer(&d).await;
    let client = LedgerClient::new(&reader, "ledger");

    let e = t(served.update(|l| {
        l.first = 1;
        l.pairs.insert((1, 2), 3);
        l.last = 2;
    }))
    .await
    .unwrap_err();
    assert!(
        matches!(&e, TypedError::Encode { path, .. } if path == "ledger/pairs"),
        "{e:?}"
    );
    // All or nothing: `first` (before the failing field) was not published either.
    assert_eq!(t(client.get_first()).await.unwrap(), 0);
    assert_eq!(t(client.get_last()).await.unwrap(), 0);

    // Fixing the value publishes everything that changed, `first` included.
    t(served.update(|l| l.pairs.clear())).await.unwrap();
    assert_eq!(t(client.get_first()).await.unwrap(), 1);
    assert_eq!(t(client.get_last()).await.unwrap(), 2);

    // A `&mut self` method whose changes cannot be published tells its caller.
    let (code, _, data) = remote(t(client.break_pairs()).await.unwrap_err());
    assert_eq!(code, -32603);
    let message = data.unwrap()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("ledger/break_pairs` ran, but publishing its changes failed"),
        "{message}"
    );
    assert_eq!(t(client.get_first()).await.unwrap(), 1, "still unpublished");
    t(served.update(|l| l.pairs.clear())).await.unwrap();
    assert_eq!(t(client.get_first()).await.unwrap(), 101);
    d.shutdown().await;
}

// ---- 4. Non-finite floats -------------------------------------------------------------

#[derive(Default, Node)]
struct Gauge {
    celsius: f64,
    history: Vec<f32>,
}

#[jet_runtime::methods]
impl Gauge {
    pub fn ratio(&self, divisor: f64) -> f64 {
        self.celsius / divisor
    }
}

#[tokio::test]
async fn non_finite_floats_are_refused_not_sent_as_null() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let nan = Gauge {
        celsius: f64::NAN,
        history: vec![],
    };
    let e = t(service.serve("gauge", nan)).await.unwrap_err();
    assert!(
        matches!(&e, TypedError::Encode { path, message }
            if path == "gauge/celsius" && message.contains("NaN is not a finite number")),
        "{e:?}"
    );

    let served = t(service.serve("gauge", Gauge::default())).await.unwrap();
    let e = t(served.update(|g| g.history.push(f32::INFINITY)))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, TypedError::Encode { path, message }
            if path == "gauge/history" && message.contains("inf is not a finite number")),
        "{e:?}"
    );
    t(served.update(|g| g.history.clear())).await.unwrap();

    let caller = peer(&d).await;
    let client = GaugeClient::new(&caller, "gauge");
    let e = t(client.set_celsius(f64::NEG_INFINITY)).await.unwrap_err();
    assert!(
        matches!(&e, TypedError::Encode { path, .. } if path == "gauge/celsius"),
        "{e:?}"
    );
    t(client.set_celsius(3.0)).await.unwrap();
    assert_eq!(t(client.ratio(2.0)).await.unwrap(), 1.5);
    // 3.0 / 0.0 is infinite: the result is refused by the service, not sent as null.
    let (code, _, data) = remote(t(client.ratio(0.0)).await.unwrap_err());
    assert_eq!(code, -32603);
    assert!(data.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("inf is not a finite number"));
    d.shutdown().await;
}

// ---- 5. Raw identifiers leak ----------------------------------------------------------

#[derive(Default, Node)]
struct Keywords {
    r#type: String,
    #[jet(node)]
    r#loop: Burner,
}

#[jet_runtime::methods]
impl Keywords {
    pub fn r#match(&self, r#in: u32, r#as: Option<u32>) -> u32 {
        r#in + r#as.unwrap_or(0)
    }
}

#[tokio::test]
async fn raw_identifiers_lose_their_prefix_on_the_wire() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve("kw", Keywords::default())).await.unwrap();
    let states: Vec<&str> = served.state_paths().collect();
    assert_eq!(states, ["kw/type", "kw/loop/lit", "kw/loop/power"]);
    let methods: Vec<&str> = served.method_paths().collect();
    assert_eq!(methods, ["kw/match", "kw/loop/ignite", "kw/loop/describe"]);
    let schema = &Keywords::schemas()
        .iter()
        .find(|s| s.path == "match")
        .unwrap()
        .schema
        .clone();
    assert_eq!(schema["params"]["x-positional"], json!(["in", "as"]));

    let caller = peer(&d).await;
    // Named arguments use the names without `r#`.
    let sum = t(caller.call("kw/match", json!({"in": 2, "as": 3})))
        .await
        .unwrap();
    assert_eq!(sum, json!(5));
    let client = KeywordsClient::new(&caller, "kw");
    t(client.set_type("pump".into())).await.unwrap();
    assert_eq!(t(client.get_type()).await.unwrap(), "pump");
    assert_eq!(t(client.r#match(4, None)).await.unwrap(), 4);
    assert!(t(client.r#loop().ignite(1)).await.unwrap());
    d.shutdown().await;
}

// ---- 6. A panicking method ------------------------------------------------------------

#[derive(Default, Node)]
struct Fragile {
    count: u32,
}

#[jet_runtime::methods]
impl Fragile {
    pub fn explode(&self) -> u32 {
        panic!("deliberate test panic");
    }

    /// Changes the value, then panics.
    pub async fn half_done(&mut self) {
        self.count = 7;
        tokio::task::yield_now().await;
        panic!("panic after a change");
    }

    pub fn current(&self) -> u32 {
        self.count
    }
}

#[tokio::test]
async fn panicking_method_is_answered_at_once_and_the_service_lives_on() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let _served = t(service.serve("fragile", Fragile::default()))
        .await
        .unwrap();
    let caller = peer(&d).await;
    let client = FragileClient::new(&caller, "fragile");

    // Well before the daemon's 5 s call timeout.
    let quick = Duration::from_secs(2);
    let e = tokio::time::timeout(quick, client.explode())
        .await
        .expect("answered at once")
        .unwrap_err();
    let (code, message, data) = remote(e);
    assert_eq!(code, -32603);
    assert_eq!(message, "method `fragile/explode` panicked");
    assert_eq!(data, Some(json!({"message": "deliberate test panic"})));

    // The service still answers, and a `&mut self` method's changes before its panic stay
    // in the value and are published (the lock does not poison).
    let (code, message, _) = remote(
        tokio::time::timeout(quick, client.half_done())
            .await
            .expect("answered at once")
            .unwrap_err(),
    );
    assert_eq!(
        (code, message.as_str()),
        (-32603, "method `fragile/half_done` panicked")
    );
    assert_eq!(t(client.current()).await.unwrap(), 7);
    assert_eq!(t(client.get_count()).await.unwrap(), 7);
    d.shutdown().await;
}

// ---- Lifecycle: a remote set to the current value ------------------------------------

#[tokio::test]
async fn remote_set_to_the_current_value_publishes_no_change() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve("same", Valve::default())).await.unwrap();
    let caller = peer(&d).await;
    let client = ValveClient::new(&caller, "same");
    let mut values = t(client.watch_a()).await.unwrap();
    assert_eq!(next_value(&mut values).await, 0);
    t(client.set_a(0)).await.unwrap(); // the current value: answered, not published
    t(client.set_a(3)).await.unwrap();
    assert_eq!(
        next_value(&mut values).await,
        3,
        "the set to the current value sent no change"
    );
    assert_eq!(served.read().await.a, 3);
    d.shutdown().await;
}

// ---- Publishing: states are compared and sent as their own JSON text ------------------

#[derive(Default, Node)]
struct Dial {
    level: f32,
    count: u32,
}

/// States are published as serde_json writes them (compared as text, no `Value` built), so
/// an `f32` reads `0.1` on the bus, not the `0.10000000149011612` of its `f64`, whether it
/// was added, updated or set remotely, and a set to the same `f32` publishes nothing.
#[tokio::test]
async fn f32_states_keep_their_own_spelling_and_equal_values_publish_nothing() {
    use futures_util::StreamExt;
    use jet_runtime::peer::{ElementEvent, FetchEvent, FetchStream};

    async fn next(s: &mut FetchStream) -> ElementEvent {
        match t(s.next()).await.expect("fetch stream ended") {
            FetchEvent::Element(e) => e,
            other => panic!("expected an element event, got {other:?}"),
        }
    }

    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let dial = Dial {
        level: 0.1,
        count: 0,
    };
    let served = t(service.serve("dial", dial)).await.unwrap();
    let caller = peer(&d).await;
    let mut events = t(caller.fetch(&Fetch::all().path_equals("dial/level")))
        .await
        .unwrap();
    assert_eq!(next(&mut events).await.value, Some(json!(0.1)), "as added");

    let client = DialClient::new(&caller, "dial");
    t(client.set_level(0.1)).await.unwrap(); // the current value: no change
    t(served.update(|d| d.count = 1)).await.unwrap(); // another state: no change here
    t(served.update(|d| d.level = 0.2)).await.unwrap();
    assert_eq!(
        next(&mut events).await.value,
        Some(json!(0.2)),
        "the first change is the update's, in the f32's spelling"
    );
    t(client.set_level(0.3)).await.unwrap();
    assert_eq!(
        next(&mut events).await.value,
        Some(json!(0.3)),
        "a remote set"
    );
    t(served.update(|d| d.level = 0.3)).await.unwrap(); // what the set stored: no change
    t(served.update(|d| d.level = 0.4)).await.unwrap();
    assert_eq!(next(&mut events).await.value, Some(json!(0.4)));
    d.shutdown().await;
}

// ---- Lifecycle: a missing path is the same error for get, set and call ------------------

#[tokio::test]
async fn missing_path_is_not_found_for_get_set_and_call_alike() {
    let d = jet_tests::start_daemon().await;
    let caller = peer(&d).await;
    let client = ValveClient::new(&caller, "nowhere");
    let get = t(client.get_a()).await.unwrap_err();
    let set = t(client.set_a(1)).await.unwrap_err();
    let call = t(client.open()).await.unwrap_err();
    assert!(
        matches!(&get, TypedError::NotFound(p) if p == "nowhere/a"),
        "{get:?}"
    );
    assert!(
        matches!(&set, TypedError::NotFound(p) if p == "nowhere/a"),
        "{set:?}"
    );
    assert!(
        matches!(&call, TypedError::NotFound(p) if p == "nowhere/open"),
        "{call:?}"
    );
    d.shutdown().await;
}

// ---- Compile-time help: user lint attributes and `cfg` reach the generated code ----------

/// Eight arguments trip `clippy::too_many_arguments` on the fn and, with `&self`, on the
/// generated client fn too: the `allow` (and an `expect`, as `allow`) is carried over, so
/// `cargo clippy --all-targets -- -D warnings` passes on this file. A `cfg`'d-out fn leaves
/// no method, client fn or check behind.
#[derive(Default, Node)]
struct Mixer {
    total: i64,
}

#[jet_runtime::methods]
impl Mixer {
    #[allow(clippy::too_many_arguments)]
    pub fn mix(&mut self, a: i64, b: i64, c: i64, d: i64, e: i64, f: i64, g: i64) -> i64 {
        self.total = a + b + c + d + e + f + g;
        self.total
    }

    #[expect(clippy::too_many_arguments)]
    pub fn mix_more(&self, a: i64, b: i64, c: i64, d: i64, e: i64, f: i64, g: i64) -> i64 {
        self.total + a + b + c + d + e + f + g
    }

    #[cfg(any())]
    pub fn never(&self) -> UndefinedType {
        unreachable!()
    }
}

#[tokio::test]
async fn lint_attributes_reach_the_client_and_cfg_removes_the_method() {
    let paths: Vec<String> = Mixer::methods()
        .iter()
        .map(|m| m.path().to_owned())
        .collect();
    assert_eq!(paths, ["mix", "mix_more"]);
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let _served = t(service.serve("mixer", Mixer::default())).await.unwrap();
    let client = MixerClient::new(&service, "mixer");
    assert_eq!(t(client.mix(1, 2, 3, 4, 5, 6, 7)).await.unwrap(), 28);
    assert_eq!(t(client.mix_more(1, 1, 1, 1, 1, 1, 1)).await.unwrap(), 35);
    d.shutdown().await;
}
