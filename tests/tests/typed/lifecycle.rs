//! A served value's life beyond one `Served`: a clonable [`Handle`] that background tasks
//! use to update the value and to publish changes made through interior mutability, and
//! `Served::into_inner`, which takes the value back so it can be served elsewhere.
//!
//! Every await is bounded by `jet_tests::STEP`.

use std::sync::atomic::{AtomicU64, Ordering};

use jet_runtime::prelude::*;
use jet_runtime::typed::Handle;
use jet_tests::within as t;

use crate::{next_value, peer};

/// A counter whose `pulses` only change through an atomic (no `&mut`).
#[derive(Default, Node)]
struct Meter {
    #[jet(read_only)]
    ticks: u64,
    #[jet(read_only)]
    pulses: AtomicU64,
}

#[jet_runtime::methods]
impl Meter {
    /// Count one pulse through the atomic, from a `&self` method.
    pub fn pulse(&self) -> u64 {
        self.pulses.fetch_add(1, Ordering::Relaxed) + 1
    }
}

#[tokio::test]
async fn a_background_task_updates_and_publishes_through_a_cloned_handle() {
    let d = jet_tests::start_daemon().await;
    let service = peer(&d).await;
    let served = t(service.serve("m", Meter::default())).await.unwrap();
    let other = peer(&d).await;
    let client = MeterClient::new(&other, "m");
    let mut ticks = t(client.watch_ticks()).await.unwrap();
    let mut pulses = t(client.watch_pulses()).await.unwrap();
    assert_eq!(next_value(&mut ticks).await, 0);
    assert_eq!(next_value(&mut pulses).await.into_inner(), 0);

    let handle: Handle<Meter> = served.handle();
    assert_eq!(handle.path(), "m");
    let task = tokio::spawn({
        let handle = handle.clone();
        async move {
            for _ in 0..3 {
                handle.update(|m| m.ticks += 1).await?;
            }
            Ok::<_, TypedError>(())
        }
    });
    t(task).await.unwrap().unwrap();
    for want in 1..=3 {
        assert_eq!(next_value(&mut ticks).await, want);
    }

    // A `&self` method changes `pulses` through the atomic: nothing is published until
    // someone calls `changed()`, which diffs and sends it.
    assert_eq!(t(client.pulse()).await.unwrap(), 1);
    assert_eq!(
        t(client.get_pulses()).await.unwrap().into_inner(),
        0,
        "not published yet"
    );
    let seen = t(handle.read(|m| m.pulses.load(Ordering::Relaxed)))
        .await
        .unwrap();
    assert_eq!(seen, 1);
    t(handle.changed()).await.unwrap();
    assert_eq!(next_value(&mut pulses).await.into_inner(), 1);
    assert_eq!(t(client.get_pulses()).await.unwrap().into_inner(), 1);
    // Nothing changed since: `changed()` sends nothing, so the next item is the next real
    // change.
    t(handle.changed()).await.unwrap();
    t(handle.update(|m| m.ticks = 10)).await.unwrap();
    assert_eq!(next_value(&mut ticks).await, 10);

    // The handle does not keep the value served.
    assert!(handle.is_served());
    t(served.remove()).await.unwrap();
    assert!(!handle.is_served());
    assert!(matches!(
        t(handle.update(|m| m.ticks = 11)).await,
        Err(TypedError::NotFound(p)) if p == "m"
    ));
    assert!(matches!(
        t(handle.changed()).await,
        Err(TypedError::NotFound(_))
    ));
    d.shutdown().await;
}

#[tokio::test]
async fn into_inner_gives_the_value_back_to_serve_it_on_another_peer() {
    let d = jet_tests::start_daemon().await;
    let first = peer(&d).await;
    let served = t(first.serve("plant/meter", Meter::default()))
        .await
        .unwrap();
    let handle = served.handle();
    t(served.handle().update(|m| m.ticks = 7)).await.unwrap();
    let client_peer = peer(&d).await;
    let client = MeterClient::new(&client_peer, "plant/meter");
    assert_eq!(t(client.pulse()).await.unwrap(), 1);

    let value = t(served.into_inner()).await.unwrap();
    assert_eq!(value.ticks, 7);
    assert_eq!(value.pulses.load(Ordering::Relaxed), 1);
    assert!(matches!(
        t(client.get_ticks()).await,
        Err(TypedError::NotFound(p)) if p == "plant/meter/ticks"
    ));
    assert!(matches!(
        t(client.pulse()).await,
        Err(TypedError::NotFound(p)) if p == "plant/meter/pulse"
    ));
    assert!(matches!(
        t(handle.read(|m| m.ticks)).await,
        Err(TypedError::NotFound(_))
    ));

    // The same value, moved to a second peer, at the same path: its state comes along.
    let second = peer(&d).await;
    let again = t(second.serve("plant/meter", value)).await.unwrap();
    assert_eq!(t(client.get_ticks()).await.unwrap(), 7);
    assert_eq!(t(client.get_pulses()).await.unwrap().into_inner(), 1);
    assert_eq!(t(client.pulse()).await.unwrap(), 2);
    t(again.remove()).await.unwrap();
    d.shutdown().await;
}
