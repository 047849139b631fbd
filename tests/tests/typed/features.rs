//! End-to-end tests of the typed layer beyond the example boiler: concurrency of `&self`
//! and `&mut self` methods, typed watch streams, removal on drop, duplicate paths, access
//! groups, schemas in `add`, and serving on the node-jet 2.1.2 daemon (which ignores the
//! `schema` member).
//!
//! Every await is bounded by `jet_tests::STEP`.

use std::sync::Arc;

use futures_util::StreamExt;
use jet_examples::boiler::{Boiler, BoilerClient, Mode};
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::Peer;
use jet_runtime::prelude::*;
use jet_tests::node::NodeDaemon;
use jet_tests::within as t;
use serde_json::json;
use tokio::sync::Barrier;

async fn connect(addr: &str) -> Peer {
    t(Peer::connect(addr)).await.expect("connect")
}

use crate::{next_value, peer};

/// A service whose `&self` method waits at a barrier for `parties` callers: it can only
/// return if that many calls run at the same time. Its `&mut self` method reads, yields,
/// and writes a counter: with two calls interleaved an increment would be lost.
#[derive(Node)]
struct Gate {
    count: u32,
    #[jet(skip)]
    barrier: Arc<Barrier>,
}

#[jet_runtime::methods]
impl Gate {
    /// Wait until all parties arrived; returns whether this call was the leader.
    pub async fn meet(&self) -> bool {
        self.barrier.wait().await.is_leader()
    }

    /// Add one, with a yield between read and write.
    pub async fn bump(&mut self) -> u32 {
        let n = self.count;
        tokio::task::yield_now().await;
        self.count = n + 1;
        self.count
    }
}

#[tokio::test]
async fn shared_methods_run_concurrently_exclusive_ones_one_at_a_time() {
    const PARTIES: usize = 4;
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let gate = Gate {
        count: 0,
        barrier: Arc::new(Barrier::new(PARTIES)),
    };
    let served = t(service.serve("gate", gate)).await.unwrap();
    let caller = peer(&d).await;
    let client = GateClient::new(&caller, "gate");

    // All four `meet` calls must be inside the method at once for any to return.
    let meets = futures_util::future::join_all((0..PARTIES).map(|_| client.meet()));
    let leaders = t(meets)
        .await
        .into_iter()
        .map(|r| r.expect("meet"))
        .filter(|leader| *leader)
        .count();
    assert_eq!(leaders, 1);

    let bumps = futures_util::future::join_all((0..20).map(|_| client.bump()));
    let mut results: Vec<u32> = t(bumps).await.into_iter().map(|r| r.unwrap()).collect();
    results.sort_unstable();
    assert_eq!(results, (1..=20).collect::<Vec<_>>(), "no increment lost");
    assert_eq!(served.read().await.count, 20);
    assert_eq!(t(client.get_count()).await.unwrap(), 20, "published");
    d.shutdown().await;
}

#[tokio::test]
async fn watch_streams_typed_values_and_goes_on_across_a_service_restart() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve("b", Boiler::default())).await.unwrap();
    let other = peer(&d).await;
    let client = BoilerClient::new(&other, "b");
    let mut modes = t(client.watch_mode()).await.unwrap();
    assert_eq!(modes.path(), "b/mode");
    assert_eq!(next_value(&mut modes).await, Mode::Off);
    served.update(|b| b.mode = Mode::Eco).await.unwrap();
    assert_eq!(next_value(&mut modes).await, Mode::Eco);
    t(client.set_mode(Mode::Comfort)).await.unwrap();
    assert_eq!(next_value(&mut modes).await, Mode::Comfort);
    let mut temps = t(client.watch_temperature()).await.unwrap();
    assert_eq!(next_value(&mut temps).await, 20.0);

    // Dropping the handle removes every element: the watches say so and go on.
    drop(served);
    assert_eq!(t(modes.next()).await.unwrap().unwrap(), Watched::Absent);
    assert_eq!(t(temps.next()).await.unwrap().unwrap(), Watched::Absent);
    let left = t(other.get(&Fetch::all().path_starts_with("b/")))
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert!(matches!(
        t(client.get_mode()).await,
        Err(TypedError::NotFound(p)) if p == "b/mode"
    ));

    // A new service process (another peer) serves the path again: the same watches
    // deliver its values, without resubscribing.
    service.close().await;
    let restarted = peer(&d).await;
    let boiler = Boiler {
        mode: Mode::Eco,
        ..Boiler::default()
    };
    let again = t(restarted.serve("b", boiler)).await.unwrap();
    assert_eq!(next_value(&mut modes).await, Mode::Eco);
    assert_eq!(next_value(&mut temps).await, 20.0);
    again.update(|b| b.temperature = 21.5).await.unwrap();
    assert_eq!(next_value(&mut temps).await, 21.5);

    // The restarted service's peer goes away without removing anything itself: the
    // daemon's removes reach the watch as well.
    restarted.close().await;
    drop(again);
    assert_eq!(t(modes.next()).await.unwrap().unwrap(), Watched::Absent);
    d.shutdown().await;
}

#[tokio::test]
async fn watch_started_before_the_service_reports_absent_then_values() {
    let d = jet_tests::start_daemon().await;
    let watcher = peer(&d).await;
    let client = BoilerClient::new(&watcher, "later");
    let mut modes = t(client.watch_mode()).await.unwrap();
    assert_eq!(
        t(modes.next()).await.unwrap().unwrap(),
        Watched::Absent,
        "not there yet"
    );
    let service = peer(&d).await;
    let served = t(service.serve("later", Boiler::default())).await.unwrap();
    assert_eq!(next_value(&mut modes).await, Mode::Off);
    served.update(|b| b.mode = Mode::Comfort).await.unwrap();
    assert_eq!(next_value(&mut modes).await, Mode::Comfort);
    // Closing the watching peer for good ends the stream.
    watcher.close().await;
    assert!(t(modes.next()).await.is_none(), "ends with its peer");
    d.shutdown().await;
}

/// A field renamed onto the path of a nested node's method. Clashes the macros can see
/// (a field and a method of one node, a field on a nested node's state) fail to compile
/// (ui/fail/*_clash*); the methods of a nested node are only known when serving.
#[derive(Node)]
struct Clash {
    #[jet(rename = "motor/go")]
    going: bool,
    #[jet(node)]
    motor: Motor,
}

#[derive(Node)]
struct Motor {
    speed: u8,
}

#[jet_runtime::methods]
impl Motor {
    pub fn go(&mut self) {
        self.speed = 1;
    }
}

#[tokio::test]
async fn a_path_served_twice_is_refused_before_anything_is_added() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let clash = Clash {
        going: false,
        motor: Motor { speed: 0 },
    };
    let e = t(service.serve("c", clash)).await.unwrap_err();
    assert!(
        matches!(e, TypedError::DuplicatePath(ref p) if p == "c/motor/go"),
        "{e:?}"
    );
    assert!(e.to_string().contains("#[jet(rename"), "{e}");
    let left = t(service.get(&Fetch::all())).await.unwrap();
    assert!(left.is_empty());
    d.shutdown().await;
}

#[derive(Node)]
struct Guarded {
    #[jet(access(fetch = "viewer", set = ["admin", "ops"]))]
    level: u8,
    #[jet(node, read_only, access(fetch = ["viewer"]))]
    inner: Inner,
}

#[derive(Node)]
struct Inner {
    a: u8,
}

#[jet_runtime::methods]
impl Guarded {
    #[jet(access(call = ["admin"]))]
    pub fn reset(&mut self) {
        self.level = 0;
    }
}

#[test]
fn access_groups_and_nested_read_only_reach_the_descriptions() {
    let states = Guarded::states();
    assert_eq!(
        states[0].access_groups(),
        Some(&json!({"fetchGroups":["viewer"],"setGroups":["admin","ops"]}))
    );
    assert_eq!(states[1].path(), "inner/a");
    assert!(
        states[1].is_read_only(),
        "read_only on a node field applies inside"
    );
    assert_eq!(
        states[1].access_groups(),
        Some(&json!({"fetchGroups":["viewer"]}))
    );
    let methods = Guarded::methods();
    assert_eq!(
        methods[0].access_groups(),
        Some(&json!({"callGroups":["admin"]}))
    );
    let _ = Guarded {
        level: 0,
        inner: Inner { a: 0 },
    };
}

#[tokio::test]
async fn serves_on_the_node_jet_daemon_which_ignores_schemas() {
    let daemon = NodeDaemon::start().await;
    let service = connect(&daemon.tcp_arg()).await;
    let served = t(service.serve("plant/boiler", Boiler::default()))
        .await
        .unwrap();
    let other = connect(&daemon.tcp_arg()).await;
    let client = BoilerClient::new(&other, "plant/boiler");
    t(client.set_mode(Mode::Eco)).await.unwrap();
    assert_eq!(served.read().await.mode, Mode::Eco);
    assert_eq!(t(client.heat(10, None)).await.unwrap(), 28.0);
    assert_eq!(t(client.burner().get_power()).await.unwrap(), 80);
    let e = t(client.set_setpoint(10.0)).await.unwrap_err();
    assert!(e.to_string().contains("the setpoint must be within"), "{e}");
    // node-jet has no `schema` method: the offline schemas are what remains.
    assert!(t(other.schemas(&Fetch::all())).await.is_err());
    assert_eq!(Boiler::schemas().len(), 11);
}

#[tokio::test]
async fn schemas_travel_in_add_and_jetd_serves_them_by_path_rule() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let _served = t(service.serve("plant/line1/boiler", Boiler::default()))
        .await
        .unwrap();
    let other = peer(&d).await;
    let info = t(other.info()).await.unwrap();
    assert_eq!(info.features["schemas"], json!(true));

    let all = t(other.schemas(&Fetch::all().path_starts_with("plant/line1/boiler/")))
        .await
        .unwrap();
    let expected = Boiler::schemas().to_json("plant/line1/boiler");
    let got = serde_json::Value::Array(
        all.iter()
            .map(|(p, s)| json!({"path": p, "schema": s}))
            .collect(),
    );
    assert_eq!(
        got, expected,
        "what jetd keeps is what the offline schemas say"
    );

    let burner = t(other.schemas(&Fetch::all().path_starts_with("plant/line1/boiler/burner/")))
        .await
        .unwrap();
    let paths: Vec<&str> = burner.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "plant/line1/boiler/burner/power",
            "plant/line1/boiler/burner/flame",
            "plant/line1/boiler/burner/operatingHours",
            "plant/line1/boiler/burner/ready"
        ]
    );
    assert_eq!(burner[0].1["type"], "integer");
    d.shutdown().await;
}
