//! Methods that take `ctx: &jet_runtime::Context<Self>`: a `&self` method publishing what
//! it changed through an atomic or a `Mutex` (`ctx.changed()`), a method handing
//! `ctx.handle()` to a task that publishes later, a method calling another service through
//! `ctx.peer()`, and the context of a nested node's method. The context is no wire
//! argument: the client fns and the schemas do not have it.
//!
//! Every await is bounded by `jet_tests::STEP`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use jet_runtime::prelude::*;
use jet_runtime::Context;
use jet_tests::within as t;
use serde_json::json;

use crate::{next_value, peer};

/// A counter and a log changed only through interior mutability, from `&self` methods.
#[derive(Default, Node)]
struct Tally {
    #[jet(read_only)]
    count: AtomicU32,
    #[jet(read_only)]
    log: Mutex<Vec<String>>,
    #[jet(node)]
    part: Part,
}

#[derive(Default, Node)]
struct Part {
    #[jet(read_only)]
    hits: AtomicU32,
}

#[jet_runtime::methods]
impl Part {
    /// Count a hit on the part; returns where the context says the part is.
    pub fn hit(&self, ctx: &Context<Self>) -> String {
        self.hits.fetch_add(1, Ordering::Relaxed);
        ctx.changed();
        ctx.path().to_owned()
    }
}

#[jet_runtime::methods]
impl Tally {
    /// Add `n` and log `note` (the context sits between the wire arguments).
    pub fn add(&self, n: u32, ctx: &Context<Self>, note: String) -> u32 {
        self.log.lock().unwrap().push(note);
        ctx.changed();
        self.count.fetch_add(n, Ordering::Relaxed) + n
    }

    /// The same change without telling the context: nothing is published.
    pub fn add_quietly(&self, n: u32) -> u32 {
        self.count.fetch_add(n, Ordering::Relaxed) + n
    }

    /// Hand the handle to a task that counts `n` more after the call has returned.
    pub fn later(&self, ctx: &Context<Self>, n: u32) {
        let handle = ctx.handle();
        tokio::spawn(async move {
            handle
                .read(|v| v.count.fetch_add(n, Ordering::Relaxed))
                .await?;
            handle.changed().await
        });
    }

    /// Ask the `Tally` served at `other` to add `n`, through this service's peer.
    pub async fn forward(&self, ctx: &Context<Self>, other: String, n: u32) -> u32 {
        TallyClient::new(ctx.peer(), other)
            .add(n, "forwarded".into())
            .await
            .unwrap_or(u32::MAX)
    }

    /// Whether the daemon said who called (none does).
    pub fn who(&self, ctx: &Context<Self>) -> Option<String> {
        ctx.caller().map(str::to_owned)
    }
}

#[tokio::test]
async fn a_shared_method_publishes_what_it_changed_through_interior_mutability() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let _served = t(service.serve("tally", Tally::default())).await.unwrap();
    let other = peer(&d).await;
    let client = TallyClient::new(&other, "tally");
    let mut count = t(client.watch_count()).await.unwrap();
    assert_eq!(next_value(&mut count).await.into_inner(), 0);

    assert_eq!(t(client.add(2, "first".into())).await.unwrap(), 2);
    // Published before the answer: a get right after the call sees it.
    assert_eq!(t(client.get_count()).await.unwrap().into_inner(), 2);
    let log: Mutex<Vec<String>> = t(client.get_log()).await.unwrap();
    assert_eq!(log.into_inner().unwrap(), ["first"]);
    assert_eq!(next_value(&mut count).await.into_inner(), 2);

    // Without `ctx.changed()` the value changes but the bus keeps the old one...
    assert_eq!(t(client.add_quietly(5)).await.unwrap(), 7);
    assert_eq!(t(client.get_count()).await.unwrap().into_inner(), 2);
    // ...until the next publish, which sends everything since.
    assert_eq!(t(client.add(1, "second".into())).await.unwrap(), 8);
    assert_eq!(next_value(&mut count).await.into_inner(), 8);
    d.shutdown().await;
}

#[tokio::test]
async fn a_task_given_the_context_handle_publishes_after_the_call() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let _served = t(service.serve("tally", Tally::default())).await.unwrap();
    let other = peer(&d).await;
    let client = TallyClient::new(&other, "tally");
    let mut count = t(client.watch_count()).await.unwrap();
    assert_eq!(next_value(&mut count).await.into_inner(), 0);
    t(client.later(4)).await.unwrap();
    assert_eq!(next_value(&mut count).await.into_inner(), 4);
    d.shutdown().await;
}

#[tokio::test]
async fn a_method_calls_another_service_through_the_context_peer() {
    let d = jet_tests::start_daemon().await;
    let a = peer(&d).await;
    let b = peer(&d).await;
    let _a = t(a.serve("a", Tally::default())).await.unwrap();
    let served_b = t(b.serve("b", Tally::default())).await.unwrap();
    let caller = peer(&d).await;
    let client = TallyClient::new(&caller, "a");
    assert_eq!(t(client.forward("b".into(), 3)).await.unwrap(), 3);
    assert_eq!(served_b.read().await.count.load(Ordering::Relaxed), 3);
    assert_eq!(t(client.who()).await.unwrap(), None);
    d.shutdown().await;
}

#[tokio::test]
async fn a_nested_method_gets_the_context_of_its_node() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let _served = t(service.serve("plant/tally", Tally::default()))
        .await
        .unwrap();
    let other = peer(&d).await;
    let part = TallyClient::new(&other, "plant/tally").part();
    assert_eq!(t(part.hit()).await.unwrap(), "plant/tally/part");
    assert_eq!(t(part.get_hits()).await.unwrap().into_inner(), 1);
    d.shutdown().await;
}

#[test]
fn the_context_is_no_wire_argument() {
    let schemas = Tally::schemas();
    let add = schemas.get("add").unwrap();
    assert_eq!(add["params"]["x-positional"], json!(["n", "note"]));
    assert_eq!(
        schemas.get("later").unwrap()["params"]["x-positional"],
        json!(["n"])
    );
    assert_eq!(
        schemas.get("part/hit").unwrap()["params"]["x-positional"],
        json!([])
    );
}
