//! The Rust peer through a daemon outage, against jetd in-process that is stopped and
//! started again on the same port: the first connection is retried when a reconnect policy
//! is set, requests issued while the peer reconnects wait for it (bounded by their timeout)
//! instead of failing at once, and `Peer::closed` resolves exactly when the peer is gone for
//! good.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{Peer, PeerError, ReconnectPolicy, SetReply};
use jet_tests::STEP;
use serde_json::json;

async fn t<F: IntoFuture>(f: F) -> F::Output {
    tokio::time::timeout(STEP, f).await.expect("timed out")
}

fn quick_retries() -> ReconnectPolicy {
    ReconnectPolicy {
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_attempts: None,
    }
}

/// A loopback port nobody listens on (bound once by the OS, then released).
fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// A jetd on exactly this TCP address.
async fn daemon_at(addr: SocketAddr) -> jetd::Daemon {
    jet_tests::start_daemon_with(jetd::Config {
        tcp: Some(addr),
        ws: None,
        ..jetd::Config::loopback_ephemeral()
    })
    .await
}

#[tokio::test]
async fn the_first_connection_is_retried_when_a_policy_is_set() {
    let addr = free_port();
    // Without a policy: reported at once.
    let started = Instant::now();
    let r = t(Peer::connect(&addr.to_string())).await;
    assert!(matches!(r, Err(PeerError::Connect { .. })), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // With a policy that gives up: the last failure, after the attempts.
    let policy = ReconnectPolicy {
        max_attempts: Some(3),
        ..quick_retries()
    };
    let r = t(Peer::builder().reconnect(policy).connect(&addr.to_string())).await;
    assert!(matches!(r, Err(PeerError::Connect { .. })), "{r:?}");

    // With a policy: the peer started before its daemon connects once the daemon is up.
    let connecting = tokio::spawn(async move {
        Peer::builder()
            .name("early")
            .reconnect(quick_retries())
            .connect(&addr.to_string())
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!connecting.is_finished(), "no daemon yet, still trying");
    let d = daemon_at(addr).await;
    let peer = t(connecting)
        .await
        .unwrap()
        .expect("connected once the daemon is up");
    assert_eq!(t(peer.info()).await.unwrap().name, "jetd");
    peer.close().await;
    d.shutdown().await;
}

#[tokio::test]
async fn requests_issued_while_reconnecting_wait_for_the_connection() {
    let addr = free_port();
    let d = daemon_at(addr).await;
    let text = addr.to_string();
    let connect = |name: &'static str| {
        Peer::builder()
            .name(name)
            .reconnect(quick_retries())
            .connect(&text)
    };
    let owner = t(connect("owner")).await.unwrap();
    let user = t(connect("user")).await.unwrap();
    let _before = t(owner
        .add_state("o/before", json!(1))
        .on_set(|_| Ok(SetReply::accept())))
    .await
    .unwrap();

    d.shutdown().await;
    t(async {
        while user.is_connected() || owner.is_connected() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    // Issued during the outage: a state added, a get, a set of a restored state.
    let owner2 = owner.clone();
    let add = tokio::spawn(async move {
        owner2
            .add_state("o/during", json!(2))
            .on_set(|_| Ok(SetReply::accept()))
            .await
    });
    let user2 = user.clone();
    let set = tokio::spawn(async move { user2.set("o/before", json!(3)).await });
    let user3 = user.clone();
    let get = tokio::spawn(async move { user3.get(&Fetch::all().path_starts_with("o/")).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !add.is_finished() && !set.is_finished() && !get.is_finished(),
        "requests wait for the daemon instead of failing at once"
    );

    let d = daemon_at(addr).await;
    let during = t(add).await.unwrap().expect("added after the reconnect");
    assert_eq!(t(set).await.unwrap().unwrap(), json!(true));
    // The get may run before the owner restored its state; it succeeds either way.
    t(get).await.unwrap().expect("get after the reconnect");

    // Added once (not also by the restore), and its handler is in place.
    let elements = t(user.get(&Fetch::all().path_starts_with("o/")))
        .await
        .unwrap();
    let paths: Vec<&str> = elements.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["o/before", "o/during"]);
    assert_eq!(
        t(user.set("o/during", json!(5))).await.unwrap(),
        json!(true)
    );
    assert_eq!(during.value(), json!(5));
    owner.close().await;
    user.close().await;
    d.shutdown().await;
}

#[tokio::test]
async fn the_wait_for_a_reconnect_is_bounded_by_the_request_timeout() {
    let addr = free_port();
    let d = daemon_at(addr).await;
    let peer = t(Peer::builder()
        .reconnect(quick_retries())
        .request_timeout(Duration::from_millis(300))
        .connect(&addr.to_string()))
    .await
    .unwrap();
    d.shutdown().await;
    t(async {
        while peer.is_connected() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let started = Instant::now();
    let r = t(peer.info()).await;
    let waited = started.elapsed();
    assert!(matches!(r, Err(PeerError::ConnectionClosed)), "{r:?}");
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(3),
        "waited {waited:?}"
    );
    peer.close().await;
}

#[tokio::test]
async fn closed_resolves_when_the_peer_is_gone_for_good() {
    let addr = free_port();
    let d = daemon_at(addr).await;
    // Without a policy: when the connection is lost.
    let plain = t(Peer::connect(&addr.to_string())).await.unwrap();
    // With a policy: not during an outage; on close, or when the policy gives up.
    let patient = t(Peer::builder()
        .reconnect(quick_retries())
        .connect(&addr.to_string()))
    .await
    .unwrap();
    let giving_up = t(Peer::builder()
        .reconnect(ReconnectPolicy {
            max_attempts: Some(2),
            ..quick_retries()
        })
        .connect(&addr.to_string()))
    .await
    .unwrap();
    let still_open = tokio::time::timeout(Duration::from_millis(100), plain.closed()).await;
    assert!(still_open.is_err(), "closed() resolved while connected");

    d.shutdown().await;
    t(plain.closed()).await;
    t(giving_up.closed()).await;
    let r = t(giving_up.info()).await;
    assert!(matches!(r, Err(PeerError::Closed)), "{r:?}");
    let outage = tokio::time::timeout(Duration::from_millis(300), patient.closed()).await;
    assert!(outage.is_err(), "closed() resolved during a reconnect");
    let waiter = patient.clone();
    let closed = tokio::spawn(async move { waiter.closed().await });
    patient.close().await;
    t(closed).await.unwrap();
}
