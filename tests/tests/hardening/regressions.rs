//! Regression tests for what fuzzing and the fault tests found. One test per finding, named
//! after it; a test marked `#[ignore]` documents a finding that is not fixed yet (the reason
//! says what is wrong) and must pass once it is.

use jet_tests::raw::RawClient;
use jet_tests::{nested_array, start_daemon_with, tcp_only, until_stats, STEP};
use serde_json::{json, Value};

/// Found by the fault tests: jetd keeps a value as the text the owner sent, and serde_json
/// skips over a raw value without a depth limit, so a value nested deeper than serde_json's
/// recursion limit (128) is accepted. A fetcher with a value rule (or sorting by value) then
/// makes the core parse that text, and `JsonText::to_value` panics ("JsonText always holds
/// valid JSON") under the core lock: the adding peer's connection task dies without its
/// clean-up, so its elements stay on the bus for good and it gets no answer.
///
/// Expected: either the deep value is refused with a clear error, or it passes through and
/// the value rule treats it as not matching; the connection lives on, and its elements go
/// when it disconnects.
///
/// Fixed on main in 7e370cb (such values never match a value rule).
#[tokio::test]
async fn deep_value_met_by_a_value_rule_does_not_kill_the_connection() {
    let daemon = start_daemon_with(tcp_only()).await;
    let addr = daemon.tcp_addr().unwrap();
    let mut fetcher = RawClient::tcp(addr).await;
    let r = fetcher
        .request_as(
            json!(1),
            "fetch",
            json!({"id": "f", "value": {"isType": "array"}}),
        )
        .await;
    assert_eq!(r["result"], json!(true));
    let mut owner = RawClient::tcp(addr).await;
    let deep = nested_array(200);
    let msg = format!(r#"{{"id":1,"method":"add","params":{{"path":"deep","value":{deep}}}}}"#);
    owner.send(&msg).await;
    let r = owner.recv().await;
    assert!(
        r["result"] == json!(true) || r["error"]["code"].is_number(),
        "add answered: {r}"
    );
    let r = owner.request_as(json!(2), "echo", json!("alive")).await;
    assert_eq!(r["result"], json!("alive"));
    drop(owner);
    until_stats(&daemon, "the owner's elements are gone", |s| {
        s.elements == 0
    })
    .await;
    tokio::time::timeout(STEP, daemon.shutdown()).await.unwrap();
}

/// Found by the fetch_expr fuzz target (fuzz/corpus/fetch_expr/regression-sorted-window-from-2):
/// with a window that starts after 1 (`from: 2`), an entry that moves from inside the window
/// to before it shifts the entries between, but the reference algorithm that jetd follows
/// exactly (PROTOCOL.md B §6.8 step 7, "wasIn only": start at the entry's old position, not at
/// `from`) reports only the positions from the old one on. The client's window goes stale.
/// node-jet and lua-jet behave the same; fixing it means reporting more positions than they do
/// (harmless to their peers, which overwrite by index).
///
/// Fixed: PROTOCOL.md A.6 now makes the scan start at `from` when an entry crosses the
/// window's start (jet-runtime's sorter).
#[tokio::test]
async fn sorted_window_from_2_stays_true_when_an_entry_jumps_before_it() {
    let daemon = start_daemon_with(tcp_only()).await;
    let addr = daemon.tcp_addr().unwrap();
    let mut owner = RawClient::tcp(addr).await;
    for (i, (path, v)) in [("n/a", 7), ("n/e", 5), ("n/f", 5), ("n/c", 2)]
        .into_iter()
        .enumerate()
    {
        owner
            .request_as_ok(json!(i), "add", json!({"path": path, "value": v}))
            .await;
    }
    let mut fetcher = RawClient::tcp(addr).await;
    let sort = json!({"byValue": "number", "descending": true, "from": 2, "to": 3});
    fetcher
        .request_as_ok(json!(1), "fetch", json!({"id": "s", "sort": sort}))
        .await;
    // Order: a(7) f(5) e(5) c(2) (ties by path, reversed): the window 2..3 is [f, e].
    let mut window = std::collections::BTreeMap::new();
    let mut apply = |msg: &Value| {
        for c in msg["params"]["changes"].as_array().unwrap() {
            window.insert(
                c["index"].as_u64().unwrap(),
                c["path"].as_str().unwrap().to_owned(),
            );
        }
        let n = msg["params"]["n"].as_u64().unwrap();
        (2..2 + n).map(|i| window[&i].clone()).collect::<Vec<_>>()
    };
    assert_eq!(apply(&fetcher.recv().await), ["n/f", "n/e"]);
    // e jumps to the top: the order becomes e(9) a(7) f(5) c(2), the window [a, f].
    owner
        .request_as_ok(json!(9), "change", json!({"path": "n/e", "value": 9}))
        .await;
    assert_eq!(apply(&fetcher.recv().await), ["n/a", "n/f"]);
    tokio::time::timeout(STEP, daemon.shutdown()).await.unwrap();
}
