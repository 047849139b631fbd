//! The peer's reconnect policy against jetd in-process: the daemon stops, a new one starts
//! on the same port, and the peer restores its states (with their current values), its
//! methods and its fetches, whose streams say they resumed.

use std::time::Duration;

use futures_util::StreamExt;
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{
    EventKind, FetchEvent, FetchStream, Peer, PeerError, ReconnectPolicy, SetReply,
};
use jet_tests::within as t;
use serde_json::json;

fn quick_retries() -> ReconnectPolicy {
    ReconnectPolicy {
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_attempts: None,
    }
}

async fn next(s: &mut FetchStream) -> FetchEvent {
    t(s.next()).await.expect("fetch stream ended")
}

#[tokio::test]
async fn reconnects_after_the_daemon_restarts_on_the_same_port() {
    let d = jet_tests::start_daemon().await;
    let addr = d.tcp_addr().unwrap();
    let addr_text = addr.to_string();
    let peer_with_retries = || {
        Peer::builder()
            .name("reconnecting")
            .reconnect(quick_retries())
            .connect(&addr_text)
    };
    let owner = t(peer_with_retries()).await.unwrap();
    let watcher = t(peer_with_retries()).await.unwrap();

    let state = t(owner
        .add_state("r/state", json!(1))
        .on_set(|_| Ok(SetReply::accept())))
    .await
    .unwrap();
    let _echo = t(owner.add_method("r/echo", Ok)).await.unwrap();
    t(state.change(json!(5))).await.unwrap();

    let mut events = t(watcher.fetch(&Fetch::all().path_starts_with("r/")))
        .await
        .unwrap();
    let mut sorted = t(watcher.fetch(&Fetch::all().path_starts_with("r/").range(1, 5)))
        .await
        .unwrap();
    for _ in 0..2 {
        assert!(
            matches!(next(&mut events).await, FetchEvent::Element(e) if e.kind == EventKind::Add)
        );
    }
    assert!(matches!(next(&mut sorted).await, FetchEvent::Window(w) if w.entries.len() == 2));

    d.shutdown().await;
    // While the daemon is away, requests wait for the reconnect (more in peer_outage.rs).
    t(async {
        while watcher.is_connected() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let waiting = watcher.clone();
    let info = tokio::spawn(async move { waiting.info().await });

    let config = jetd::Config {
        tcp: Some(addr),
        ws: None,
        ..jetd::Config::loopback_ephemeral()
    };
    let d = jet_tests::start_daemon_with(config).await;
    assert_eq!(t(info).await.unwrap().unwrap().name, "jetd");

    // The old daemon may have reported the owner's elements gone while it shut down.
    async fn until_resumed(s: &mut FetchStream) {
        loop {
            match next(s).await {
                FetchEvent::Resumed => return,
                FetchEvent::Element(e) if e.kind == EventKind::Remove => {}
                FetchEvent::Window(_) => {}
                other => panic!("unexpected before resume: {other:?}"),
            }
        }
    }

    // The unsorted stream: Resumed, then adds for everything that matches again (the owner
    // may restore before or after the watcher resumes, so wait for both paths).
    until_resumed(&mut events).await;
    let mut seen = std::collections::BTreeMap::new();
    while seen.len() < 2 {
        match next(&mut events).await {
            FetchEvent::Element(e) if e.kind == EventKind::Add => {
                seen.insert(e.path, e.value);
            }
            other => panic!("unexpected after resume: {other:?}"),
        }
    }
    assert_eq!(
        seen["r/state"],
        Some(json!(5)),
        "the current value is restored"
    );
    assert_eq!(seen["r/echo"], None);

    // The sorted stream starts over with a full window.
    until_resumed(&mut sorted).await;
    loop {
        match next(&mut sorted).await {
            FetchEvent::Window(w) if w.entries.len() == 2 => {
                let paths: Vec<&str> = w.entries.iter().map(|e| e.path.as_str()).collect();
                assert_eq!(paths, ["r/echo", "r/state"]);
                break;
            }
            FetchEvent::Window(_) => continue,
            other => panic!("unexpected after resume: {other:?}"),
        }
    }

    // Handlers work again through the new daemon.
    assert_eq!(
        t(watcher.call("r/echo", json!([1, "x"]))).await.unwrap(),
        json!([1, "x"])
    );
    assert_eq!(
        t(watcher.set("r/state", json!(8))).await.unwrap(),
        json!(true)
    );
    match next(&mut events).await {
        FetchEvent::Element(e) => {
            assert_eq!(
                (e.kind, e.path.as_str(), e.value),
                (EventKind::Change, "r/state", Some(json!(8)))
            )
        }
        other => panic!("expected the change, got {other:?}"),
    }
    assert_eq!(state.value(), json!(8));
    assert!(owner.is_connected() && watcher.is_connected());
    d.shutdown().await;
}

#[tokio::test]
async fn gives_up_after_the_configured_attempts() {
    let d = jet_tests::start_daemon().await;
    let policy = ReconnectPolicy {
        max_attempts: Some(2),
        ..quick_retries()
    };
    let peer = t(Peer::builder()
        .reconnect(policy)
        .connect(&d.tcp_addr().unwrap().to_string()))
    .await
    .unwrap();
    let mut events = t(peer.fetch(&Fetch::all())).await.unwrap();
    d.shutdown().await;
    // The stream reports nothing but its end once the peer gives up.
    assert_eq!(t(events.next()).await, None);
    let r = t(peer.info()).await;
    assert!(matches!(r, Err(PeerError::Closed)), "{r:?}");
}
