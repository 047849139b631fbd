//! Sorted fetch (PROTOCOL.md A.6, B §6.8): the worked examples of §6.8 and the sorted
//! expectations of lua-jet peer_spec/daemon_spec and node-jet fetch-test/sorter-test, as
//! seen on the wire.

use jet_tests::raw::{stop, tcp_client, RawClient, SILENCE};
use jet_tests::start_daemon;
use serde_json::{json, Value};

/// One later-style entry: `path, value?, index`.
fn e(path: &str, value: Option<&str>, index: u32) -> String {
    match value {
        Some(v) => format!(r#"{{"path":"{path}","value":{v},"index":{index}}}"#),
        None => format!(r#"{{"path":"{path}","index":{index}}}"#),
    }
}

/// The usual sorted notification: `changes, n`.
fn sorted(fetch_id: &str, changes: &[String], n: u32) -> String {
    format!(
        r#"{{"method":"{fetch_id}","params":{{"changes":[{}],"n":{n}}}}}"#,
        changes.join(",")
    )
}

/// The in-place update: `n, changes` with one entry.
fn in_place(fetch_id: &str, entry: String, n: u32) -> String {
    format!(r#"{{"method":"{fetch_id}","params":{{"n":{n},"changes":[{entry}]}}}}"#)
}

/// A daemon, an owner that added `states` (in this order), and a fetcher that fetched
/// `expr` with id "s" (the response is checked; the flush is left to the test).
async fn bus(states: &[(&str, Value)], expr: Value) -> (jetd::Daemon, RawClient, RawClient) {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    for (p, v) in states {
        owner.request_ok("add", json!({"path":p,"value":v})).await;
    }
    let mut f = tcp_client(&d).await;
    let mut params = expr;
    params["id"] = json!("s");
    f.request_ok("fetch", params).await;
    (d, owner, f)
}

fn a_to_e() -> Vec<(&'static str, Value)> {
    vec![
        ("a", json!(1)),
        ("b", json!(2)),
        ("c", json!(3)),
        ("d", json!(4)),
        ("e", json!(5)),
    ]
}

/// §6.8 worked example = lua-jet "fetch with sort has n properly reduced".
#[tokio::test]
async fn worked_example_n_is_properly_reduced() {
    let (d, mut o, mut f) = bus(&a_to_e(), json!({"sort":{"from":1,"to":4}})).await;
    f.expect(&sorted(
        "s",
        &[
            e("a", Some("1"), 1),
            e("b", Some("2"), 2),
            e("c", Some("3"), 3),
            e("d", Some("4"), 4),
        ],
        4,
    ))
    .await;
    o.request_ok("remove", json!({"path":"c"})).await;
    f.expect(&sorted(
        "s",
        &[e("d", Some("4"), 3), e("e", Some("5"), 4)],
        4,
    ))
    .await;
    o.request_ok("remove", json!({"path":"e"})).await;
    f.expect(&sorted("s", &[], 3)).await;
    o.request_ok("add", json!({"path":"e","value":5})).await;
    f.expect(&sorted("s", &[e("e", Some("5"), 4)], 4)).await;
    o.request_ok("remove", json!({"path":"d"})).await;
    f.expect(&sorted("s", &[e("e", Some("5"), 3)], 3)).await;
    o.request_ok("change", json!({"path":"a","value":10})).await;
    f.expect(&in_place("s", e("a", Some("10"), 1), 3)).await;
    stop(d).await;
}

/// lua-jet "fetch with sort has n properly reduced with from = 2".
#[tokio::test]
async fn n_is_properly_reduced_with_from_2() {
    let (d, mut o, mut f) = bus(&a_to_e(), json!({"sort":{"byPath":true,"from":2,"to":4}})).await;
    f.expect(&sorted(
        "s",
        &[
            e("b", Some("2"), 2),
            e("c", Some("3"), 3),
            e("d", Some("4"), 4),
        ],
        3,
    ))
    .await;
    o.request_ok("remove", json!({"path":"c"})).await;
    f.expect(&sorted(
        "s",
        &[e("d", Some("4"), 3), e("e", Some("5"), 4)],
        3,
    ))
    .await;
    o.request_ok("remove", json!({"path":"e"})).await;
    f.expect(&sorted("s", &[], 2)).await;
    o.request_ok("add", json!({"path":"e","value":5})).await;
    f.expect(&sorted("s", &[e("e", Some("5"), 4)], 3)).await;
    o.request_ok("remove", json!({"path":"d"})).await;
    f.expect(&sorted("s", &[e("e", Some("5"), 3)], 2)).await;
    o.request_ok("remove", json!({"path":"b"})).await;
    f.expect(&sorted("s", &[e("e", Some("5"), 2)], 1)).await;
    o.request_ok("remove", json!({"path":"e"})).await;
    f.expect(&sorted("s", &[], 0)).await;
    stop(d).await;
}

/// lua-jet "fetch with from = 2 works when elements from top are removed".
#[tokio::test]
async fn from_2_works_when_elements_from_the_top_are_removed() {
    let (d, mut o, mut f) = bus(&a_to_e(), json!({"sort":{"from":2,"to":4}})).await;
    f.expect(&sorted(
        "s",
        &[
            e("b", Some("2"), 2),
            e("c", Some("3"), 3),
            e("d", Some("4"), 4),
        ],
        3,
    ))
    .await;
    o.request_ok("remove", json!({"path":"a"})).await;
    f.expect(&sorted(
        "s",
        &[
            e("c", Some("3"), 2),
            e("d", Some("4"), 3),
            e("e", Some("5"), 4),
        ],
        3,
    ))
    .await;
    stop(d).await;
}

/// lua-jet "fetch with sort works when states are added afterwards": the flush is sent
/// even when empty.
#[tokio::test]
async fn sort_works_when_states_are_added_afterwards() {
    let (d, mut o, mut f) = bus(&[], json!({"sort":{"byPath":true,"from":1,"to":2}})).await;
    f.expect(r#"{"method":"s","params":{"changes":[],"n":0}}"#)
        .await;
    o.request_ok("add", json!({"path":"xcd","value":1})).await;
    f.expect(&sorted("s", &[e("xcd", Some("1"), 1)], 1)).await;
    o.request_ok("add", json!({"path":"ii98","value":2})).await;
    f.expect(&sorted(
        "s",
        &[e("ii98", Some("2"), 1), e("xcd", Some("1"), 2)],
        2,
    ))
    .await;
    o.request_ok("add", json!({"path":"abc","value":3})).await;
    f.expect(&sorted(
        "s",
        &[e("abc", Some("3"), 1), e("ii98", Some("2"), 2)],
        2,
    ))
    .await;
    stop(d).await;
}

/// lua-jet "fetch with sort works when states are already added" (added in reverse order,
/// no path rule, window 1-3): one notification, sorted by path.
#[tokio::test]
async fn sort_works_when_states_are_already_added() {
    let states = [
        ("c", json!(3)),
        ("b", json!(2)),
        ("a", json!(1)),
        ("d", json!(0)),
    ];
    let (d, _o, mut f) = bus(&states, json!({"sort":{"from":1,"to":3}})).await;
    f.expect(&sorted(
        "s",
        &[
            e("a", Some("1"), 1),
            e("b", Some("2"), 2),
            e("c", Some("3"), 3),
        ],
        3,
    ))
    .await;
    stop(d).await;
}

/// lua-jet daemon_spec "fetch with sort by value works"; node-jet "byValue number"
/// (a state of another type is excluded); ties are broken by path.
#[tokio::test]
async fn sort_by_value_orders_by_value_excludes_other_types_and_breaks_ties_by_path() {
    let states = [
        ("x", json!(1)),
        ("b", json!(2)),
        ("a", json!(3)),
        ("str", json!("1")),
        ("tie2", json!(2)),
    ];
    let (d, _o, mut f) = bus(&states, json!({"sort":{"byValue":"number"}})).await;
    f.expect(&sorted(
        "s",
        &[
            e("x", Some("1"), 1),
            e("b", Some("2"), 2),
            e("tie2", Some("2"), 3),
            e("a", Some("3"), 4),
        ],
        4,
    ))
    .await;
    // Descending reverses all of it, tie order included.
    f.request_ok(
        "fetch",
        json!({"id":"desc","sort":{"byValue":"number","descending":true}}),
    )
    .await;
    f.expect(&sorted(
        "desc",
        &[
            e("a", Some("3"), 1),
            e("tie2", Some("2"), 2),
            e("b", Some("2"), 3),
            e("x", Some("1"), 4),
        ],
        4,
    ))
    .await;
    stop(d).await;
}

/// lua-jet "fetch with sort by valueField works"; node-jet nested `deep.age`.
#[tokio::test]
async fn sort_by_value_field() {
    let states = [
        ("p/1", json!({"age":30,"deep":{"age":1}})),
        ("p/2", json!({"age":10,"deep":{"age":3}})),
        ("p/3", json!({"age":20,"deep":{"age":2}})),
        ("p/4", json!({"age":"old","deep":{}})),
    ];
    let (d, mut o, mut f) = bus(&states, json!({"sort":{"byValueField":{"age":"number"}}})).await;
    let v1 = r#"{"age":30,"deep":{"age":1}}"#;
    let v2 = r#"{"age":10,"deep":{"age":3}}"#;
    let v3 = r#"{"age":20,"deep":{"age":2}}"#;
    f.expect(&sorted(
        "s",
        &[
            e("p/2", Some(v2), 1),
            e("p/3", Some(v3), 2),
            e("p/1", Some(v1), 3),
        ],
        3,
    ))
    .await;
    f.request_ok(
        "fetch",
        json!({"id":"deep","sort":{"byValueField":{"deep.age":"number"},"descending":true}}),
    )
    .await;
    f.expect(&sorted(
        "deep",
        &[
            e("p/2", Some(v2), 1),
            e("p/3", Some(v3), 2),
            e("p/1", Some(v1), 3),
        ],
        3,
    ))
    .await;
    f.request_ok("unfetch", json!({"id":"deep"})).await;
    // In-place change (order kept): a single entry; order change: the moved range.
    o.request_ok("change", json!({"path":"p/3","value":{"age":21}}))
        .await;
    f.expect(&in_place("s", e("p/3", Some(r#"{"age":21}"#), 2), 3))
        .await;
    o.request_ok("change", json!({"path":"p/2","value":{"age":25}}))
        .await;
    f.expect(&sorted(
        "s",
        &[
            e("p/3", Some(r#"{"age":21}"#), 1),
            e("p/2", Some(r#"{"age":25}"#), 2),
        ],
        3,
    ))
    .await;
    stop(d).await;
}

/// §6.8 "window shift from outside" with N's rule (every out-of-window event reported).
#[tokio::test]
async fn window_shift_from_outside_is_reported_every_time() {
    let states = [("a", json!(10)), ("b", json!(2)), ("e", json!(5))];
    let expr = json!({"sort":{"from":2,"to":3,"byValue":"number","descending":true}});
    let (d, mut o, mut f) = bus(&states, expr).await;
    f.expect(&sorted(
        "s",
        &[e("e", Some("5"), 2), e("b", Some("2"), 3)],
        2,
    ))
    .await;
    o.request_ok("change", json!({"path":"b","value":"str"}))
        .await;
    f.expect(&sorted("s", &[], 1)).await;
    o.request_ok("change", json!({"path":"b","value":20})).await;
    f.expect(&sorted(
        "s",
        &[e("a", Some("10"), 2), e("e", Some("5"), 3)],
        2,
    ))
    .await;
    o.request_ok("add", json!({"path":"x","value":123})).await;
    f.expect(&sorted(
        "s",
        &[e("b", Some("20"), 2), e("a", Some("10"), 3)],
        2,
    ))
    .await;
    stop(d).await;
}

/// node-jet sorter-test byPath (window 1-3, `zoo` a method): flush, remove inside the
/// window, add+remove outside (nothing), add at the top, in-place change.
#[tokio::test]
async fn sorter_by_path_window_1_to_3() {
    let d = start_daemon().await;
    let mut o = tcp_client(&d).await;
    o.request_ok("add", json!({"path":"asd","value":1})).await;
    o.request_ok("add", json!({"path":"bar","value":2})).await;
    o.request_ok("add", json!({"path":"zoo"})).await;
    let mut f = tcp_client(&d).await;
    f.request_ok(
        "fetch",
        json!({"id":"s","sort":{"byPath":true,"from":1,"to":3}}),
    )
    .await;
    f.expect(&sorted(
        "s",
        &[
            e("asd", Some("1"), 1),
            e("bar", Some("2"), 2),
            e("zoo", None, 3),
        ],
        3,
    ))
    .await;
    // Outside the window: add and remove "zzz" -> nothing; the next notification is the
    // one for "aaa".
    o.request_ok("add", json!({"path":"zzz","value":0})).await;
    o.request_ok("remove", json!({"path":"zzz"})).await;
    o.request_ok("add", json!({"path":"aaa","value":0})).await;
    f.expect(&sorted(
        "s",
        &[
            e("aaa", Some("0"), 1),
            e("asd", Some("1"), 2),
            e("bar", Some("2"), 3),
        ],
        3,
    ))
    .await;
    o.request_ok("change", json!({"path":"asd","value":7}))
        .await;
    f.expect(&in_place("s", e("asd", Some("7"), 2), 3)).await;
    o.request_ok("remove", json!({"path":"asd"})).await;
    f.expect(&sorted(
        "s",
        &[e("bar", Some("2"), 2), e("zoo", None, 3)],
        3,
    ))
    .await;
    o.request_ok("remove", json!({"path":"aaa"})).await;
    f.expect(&sorted(
        "s",
        &[e("bar", Some("2"), 1), e("zoo", None, 2)],
        2,
    ))
    .await;
    stop(d).await;
}

/// node-jet sorter-test byValue (asd 1, zoo 3, bar 2, window 1-3).
#[tokio::test]
async fn sorter_by_value_window_1_to_3() {
    let states = [("asd", json!(1)), ("zoo", json!(3)), ("bar", json!(2))];
    let expr = json!({"sort":{"byValue":"number","from":1,"to":3}});
    let (d, mut o, mut f) = bus(&states, expr).await;
    f.expect(&sorted(
        "s",
        &[
            e("asd", Some("1"), 1),
            e("bar", Some("2"), 2),
            e("zoo", Some("3"), 3),
        ],
        3,
    ))
    .await;
    o.request_ok("remove", json!({"path":"bar"})).await;
    f.expect(&sorted("s", &[e("zoo", Some("3"), 2)], 2)).await;
    o.request_ok("add", json!({"path":"big","value":1000}))
        .await;
    f.expect(&sorted("s", &[e("big", Some("1000"), 3)], 3))
        .await;
    o.request_ok("remove", json!({"path":"big"})).await;
    f.expect(&sorted("s", &[], 2)).await;
    o.request_ok("add", json!({"path":"z00","value":0.3})).await;
    f.expect(&sorted(
        "s",
        &[
            e("z00", Some("0.3"), 1),
            e("asd", Some("1"), 2),
            e("zoo", Some("3"), 3),
        ],
        3,
    ))
    .await;
    o.request_ok("change", json!({"path":"asd","value":4}))
        .await;
    f.expect(&sorted(
        "s",
        &[e("zoo", Some("3"), 2), e("asd", Some("4"), 3)],
        3,
    ))
    .await;
    // Add and remove outside the window: nothing at all.
    o.request_ok("add", json!({"path":"huge","value":1e9}))
        .await;
    o.request_ok("remove", json!({"path":"huge"})).await;
    f.expect_silence(SILENCE).await;
    stop(d).await;
}

/// node-jet fetch-test "n param": window 2-5 over three states, then an insert.
#[tokio::test]
async fn n_counts_the_matches_inside_the_window() {
    let states = [("10", json!(0)), ("11", json!(1)), ("12", json!(2))];
    let (d, mut o, mut f) = bus(&states, json!({"sort":{"byPath":true,"from":2,"to":5}})).await;
    f.expect(&sorted(
        "s",
        &[e("11", Some("1"), 2), e("12", Some("2"), 3)],
        2,
    ))
    .await;
    o.request_ok("add", json!({"path":"112","value":3})).await;
    f.expect(&sorted(
        "s",
        &[e("112", Some("3"), 3), e("12", Some("2"), 4)],
        3,
    ))
    .await;
    stop(d).await;
}

/// node-jet fetch-test "sort by path and differential": paths "10".."19" sort as strings,
/// one notification with n=10; a window 11-13 over them is empty.
#[tokio::test]
async fn ten_states_fill_the_default_window() {
    let states: Vec<(String, Value)> = (10..22).rev().map(|i| (i.to_string(), json!(i))).collect();
    let refs: Vec<(&str, Value)> = states
        .iter()
        .map(|(p, v)| (p.as_str(), v.clone()))
        .collect();
    let (d, _o, mut f) = bus(
        &refs,
        json!({"path":{"startsWith":"1"},"sort":{"byPath":true}}),
    )
    .await;
    let expected: Vec<String> = (10..20)
        .map(|i| e(&i.to_string(), Some(&i.to_string()), i - 9))
        .collect();
    f.expect(&sorted("s", &expected, 10)).await;
    f.request_ok(
        "fetch",
        json!({"id":"w","path":{"startsWith":"1"},"sort":{"from":11,"to":13}}),
    )
    .await;
    f.expect(r#"{"method":"w","params":{"changes":[],"n":0}}"#)
        .await;
    f.request_ok("fetch", json!({"id":"w2","sort":{"from":11,"to":13}}))
        .await;
    f.expect(&sorted(
        "w2",
        &[e("20", Some("20"), 11), e("21", Some("21"), 12)],
        2,
    ))
    .await;
    stop(d).await;
}

/// B Appendix A: fetchOnly in sorted entries — `path, value, fetchOnly, index` in the
/// flush, `path, value, index, fetchOnly` later; methods have no value.
#[tokio::test]
async fn appendix_a_sorted_session_with_fetch_only_entries() {
    let d = start_daemon().await;
    let mut o = tcp_client(&d).await;
    o.request_ok("add", json!({"path":"demo/state","value":{"x":1}}))
        .await;
    o.request_ok("add", json!({"path":"demo/ro","value":5,"fetchOnly":true}))
        .await;
    o.request_ok("add", json!({"path":"demo/sum"})).await;
    o.request_ok("add", json!({"path":"demo/async"})).await;
    let mut u = tcp_client(&d).await;
    u.send(r#"{"id":1,"method":"fetch","params":{"path":{"startsWith":"demo/"},"sort":{"byPath":true,"from":1,"to":3},"id":"__f__1"}}"#)
        .await;
    u.expect(r#"{"id":1,"result":true}"#).await;
    u.expect(r#"{"method":"__f__1","params":{"changes":[{"path":"demo/async","index":1},{"path":"demo/ro","value":5,"fetchOnly":true,"index":2},{"path":"demo/state","value":{"x":1},"index":3}],"n":3}}"#)
        .await;
    o.request_ok("change", json!({"path":"demo/state","value":{"x":2}}))
        .await;
    u.expect(r#"{"method":"__f__1","params":{"n":3,"changes":[{"path":"demo/state","value":{"x":2},"index":3}]}}"#)
        .await;
    o.send(r#"{"method":"change","params":{"path":"demo/ro","value":6}}"#)
        .await;
    u.expect(r#"{"method":"__f__1","params":{"n":3,"changes":[{"path":"demo/ro","value":6,"index":2,"fetchOnly":true}]}}"#)
        .await;
    // A fetch-only element entering the window later: the later-style order.
    o.request_ok("add", json!({"path":"demo/a","value":0,"fetchOnly":true}))
        .await;
    u.expect(r#"{"method":"__f__1","params":{"changes":[{"path":"demo/a","value":0,"index":1,"fetchOnly":true},{"path":"demo/async","index":2},{"path":"demo/ro","value":6,"index":3,"fetchOnly":true}],"n":3}}"#)
        .await;
    u.send(r#"{"id":6,"method":"unfetch","params":{"id":"__f__1"}}"#)
        .await;
    u.expect(r#"{"id":6,"result":true}"#).await;
    stop(d).await;
}

/// `get` with `sort` returns the flush `changes` array (node-jet peer-test "can add and
/// get sorted states"; B §4.8).
#[tokio::test]
async fn sorted_get_returns_the_flush_changes() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.request_ok("add", json!({"path":"path1","value":123,"fetchOnly":true}))
        .await;
    c.request_ok("add", json!({"path":"path2","value":333,"fetchOnly":true}))
        .await;
    c.request_ok("add", json!({"path":"meth"})).await;
    c.send(r#"{"id":1,"method":"get","params":{"sort":{"byValue":"number","descending":true}}}"#)
        .await;
    c.expect(r#"{"id":1,"result":[{"path":"path2","value":333,"fetchOnly":true,"index":1},{"path":"path1","value":123,"fetchOnly":true,"index":2}]}"#)
        .await;
    c.send(r#"{"id":2,"method":"get","params":{"sort":{"byPath":true,"from":2}}}"#)
        .await;
    c.expect(r#"{"id":2,"result":[{"path":"path1","value":123,"fetchOnly":true,"index":2},{"path":"path2","value":333,"fetchOnly":true,"index":3}]}"#)
        .await;
    c.send(r#"{"id":3,"method":"get","params":{"path":{"equals":"none"},"sort":{}}}"#)
        .await;
    c.expect(r#"{"id":3,"result":[]}"#).await;
    stop(d).await;
}

/// A sorted fetch with path and value rules (node-jet "startsWith + lessThan" sorted).
#[tokio::test]
async fn sorted_fetch_applies_path_and_value_rules() {
    let states = [
        ("a/3", json!(3)),
        ("a/1", json!(1)),
        ("a/9", json!(9)),
        ("b/0", json!(0)),
    ];
    let expr = json!({"path":{"startsWith":"a/"},"value":{"lessThan":5},"sort":{"byPath":true}});
    let (d, mut o, mut f) = bus(&states, expr).await;
    f.expect(&sorted(
        "s",
        &[e("a/1", Some("1"), 1), e("a/3", Some("3"), 2)],
        2,
    ))
    .await;
    o.request_ok("change", json!({"path":"a/9","value":2}))
        .await;
    f.expect(&sorted("s", &[e("a/9", Some("2"), 3)], 3)).await;
    o.request_ok("change", json!({"path":"a/1","value":7}))
        .await;
    f.expect(&sorted(
        "s",
        &[e("a/3", Some("3"), 1), e("a/9", Some("2"), 2)],
        2,
    ))
    .await;
    stop(d).await;
}
