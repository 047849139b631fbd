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

use crate::peer;

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
async fn watch_streams_typed_values_and_ends_when_the_service_goes() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve("b", Boiler::default())).await.unwrap();
    let other = peer(&d).await;
    let client = BoilerClient::new(&other, "b");
    let mut modes = t(client.watch_mode()).await.unwrap();
    assert_eq!(modes.path(), "b/mode");
    assert_eq!(t(modes.next()).await.unwrap().unwrap(), Mode::Off);
    served.update(|b| b.mode = Mode::Eco).await.unwrap();
    assert_eq!(t(modes.next()).await.unwrap().unwrap(), Mode::Eco);
    t(client.set_mode(Mode::Comfort)).await.unwrap();
    assert_eq!(t(modes.next()).await.unwrap().unwrap(), Mode::Comfort);
    let mut temps = t(client.watch_temperature()).await.unwrap();
    assert_eq!(t(temps.next()).await.unwrap().unwrap(), 20.0);

    // Dropping the handle removes every element: watches end, gets find nothing.
    drop(served);
    assert!(t(modes.next()).await.is_none());
    assert!(t(temps.next()).await.is_none());
    let left = t(other.get(&Fetch::all().path_starts_with("b/")))
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert!(matches!(
        t(client.get_mode()).await,
        Err(TypedError::NotFound(p)) if p == "b/mode"
    ));
    // The same path can be served again.
    let again = t(service.serve("b", Boiler::default())).await.unwrap();
    t(again.remove()).await.unwrap();
    d.shutdown().await;
}

/// A field and a method that end up at the same path.
#[derive(Node)]
struct Clash {
    #[jet(rename = "go")]
    going: bool,
}

#[jet_runtime::methods]
impl Clash {
    pub fn go(&mut self) {
        self.going = true;
    }
}

#[tokio::test]
async fn a_path_served_twice_is_refused_before_anything_is_added() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let e = t(service.serve("c", Clash { going: false }))
        .await
        .unwrap_err();
    assert!(
        matches!(e, TypedError::DuplicatePath(ref p) if p == "c/go"),
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
    assert_eq!(Boiler::schemas().len(), 10);
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
            "plant/line1/boiler/burner/operatingHours"
        ]
    );
    assert_eq!(burner[0].1["type"], "integer");
    d.shutdown().await;
}
