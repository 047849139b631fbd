//! PROTOCOL.md A.6 unsorted fetch and `get`: operators, notification shapes and order,
//! value-rule transitions, fetch ids, and the fetch rows of A.3; lua-jet daemon_spec and
//! peer_spec fetch cases, node-jet fetch-test, cjet fetch_test/combined_test.

use jet_tests::raw::{assert_invalid_params, stop, tcp_client, RawClient};
use jet_tests::start_daemon;
use serde_json::{json, Value};

/// The paths a `get` with `expr` returns, in order.
async fn get_paths(c: &mut RawClient, expr: Value) -> Vec<String> {
    let resp = c.request("get", expr.clone()).await;
    let Some(items) = resp["result"].as_array() else {
        panic!("get {expr} failed: {resp}");
    };
    items
        .iter()
        .map(|i| i["path"].as_str().expect("path").to_owned())
        .collect()
}

/// lua-jet daemon_spec "fetch with path matching works" (without the unknown operator,
/// which Part A refuses) and "... numeric fetch id works".
#[tokio::test]
async fn case_insensitive_contains_fetch_sends_exactly_the_matching_add() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"method":"add","params":{"path":"a","value":123}}"#)
        .await;
    c.send(r#"{"method":"add","params":{"path":"b","value":456}}"#)
        .await;
    c.send(r#"{"method":"add","params":{"path":"c","value":789}}"#)
        .await;
    c.send(r#"{"method":"fetch","params":{"id":"testFetch","path":{"caseInsensitive":true,"contains":"B"}}}"#)
        .await;
    c.expect(r#"{"method":"testFetch","params":{"path":"b","event":"add","value":456}}"#)
        .await;
    c.send(r#"{"method":"fetch","params":{"id":6,"path":{"equals":"c"}}}"#)
        .await;
    c.expect(r#"{"method":6,"params":{"path":"c","event":"add","value":789}}"#)
        .await;
    c.send(r#"{"id":1,"method":"echo","params":{}}"#).await;
    c.expect(r#"{"id":1,"result":{}}"#).await;
    stop(d).await;
}

/// Unknown operators and malformed operands are refused with `invalidFetch`, in `fetch`
/// and in `get`, and create no fetcher.
#[tokio::test]
async fn unknown_operators_and_malformed_rules_are_invalid_fetch() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let bad = [
        json!({"path":{"unequalsAllOf":["a"],"contains":"B"}}),
        json!({"path":{"EQUALS":"a"}}),
        json!({"path":{"equals":5}}),
        json!({"path":{"containsAllOf":"a"}}),
        json!({"path":{"equalsOneOf":["a",1]}}),
        json!({"path":"a"}),
        json!({"value":{"bogus":1}}),
        json!({"value":{"isType":5}}),
        json!({"valueField":{"age":{"nope":1}}}),
        json!({"valueField":5}),
        json!({"sort":{"byValue":"number","from":"x"}}),
        json!({"sort":5}),
    ];
    for (i, expr) in bad.into_iter().enumerate() {
        for method in ["fetch", "get"] {
            let mut params = expr.clone();
            if method == "fetch" {
                params["id"] = json!(format!("bad{i}"));
            }
            let resp = c.request(method, params.clone()).await;
            let err = &resp["error"];
            assert_eq!(err["code"], -32602, "{method} {params}: {resp}");
            assert_eq!(err["message"], "Invalid params", "{resp}");
            let data = err["data"].as_object().expect("data object");
            assert_eq!(data.len(), 1, "{resp}");
            assert!(
                data["invalidFetch"].is_string(),
                "{method} {params}: {resp}"
            );
        }
    }
    // The refused fetch ids are free.
    c.request_ok("fetch", json!({"id":"bad0"})).await;
    stop(d).await;
}

/// Insertion order holds for rules no index narrows (`contains`, no rule at all) even
/// when a removed element's storage was reused by a later one.
#[tokio::test]
async fn unindexed_rules_report_insertion_order_after_removals() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    for p in ["x1", "x2", "x3"] {
        owner.request_ok("add", json!({"path":p,"value":1})).await;
    }
    owner.request_ok("remove", json!({"path":"x1"})).await;
    owner
        .request_ok("add", json!({"path":"x4","value":1}))
        .await;
    owner
        .request_ok("add", json!({"path":"x0","value":1}))
        .await;
    let mut c = tcp_client(&d).await;
    let expected = vec!["x2", "x3", "x4", "x0"];
    assert_eq!(
        get_paths(&mut c, json!({"path":{"contains":"x"}})).await,
        expected
    );
    assert_eq!(get_paths(&mut c, json!({})).await, expected);
    assert_eq!(
        get_paths(&mut c, json!({"path":{"startsWith":"x"}})).await,
        expected
    );
    stop(d).await;
}

/// The response comes first, then one add per element in insertion order; methods carry
/// no value; `fetchOnly:true` comes first on add only.
#[tokio::test]
async fn fetch_answers_first_then_adds_in_insertion_order() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    owner.request_ok("add", json!({"path":"z","value":1})).await;
    owner
        .request_ok("add", json!({"path":"10","value":2}))
        .await;
    owner.request_ok("add", json!({"path":"m"})).await;
    owner
        .request_ok("add", json!({"path":"a","value":3,"fetchOnly":true}))
        .await;
    owner.request_ok("add", json!({"path":"2","value":4})).await;
    let mut f = tcp_client(&d).await;
    f.send(r#"{"id":"fr1","method":"fetch","params":{"id":"f1"}}"#)
        .await;
    f.expect(r#"{"id":"fr1","result":true}"#).await;
    f.expect(r#"{"method":"f1","params":{"path":"z","event":"add","value":1}}"#)
        .await;
    f.expect(r#"{"method":"f1","params":{"path":"10","event":"add","value":2}}"#)
        .await;
    f.expect(r#"{"method":"f1","params":{"path":"m","event":"add"}}"#)
        .await;
    f.expect(r#"{"method":"f1","params":{"fetchOnly":true,"path":"a","event":"add","value":3}}"#)
        .await;
    f.expect(r#"{"method":"f1","params":{"path":"2","event":"add","value":4}}"#)
        .await;
    owner
        .request_ok("change", json!({"path":"a","value":6}))
        .await;
    owner.request_ok("remove", json!({"path":"a"})).await;
    owner.request_ok("remove", json!({"path":"m"})).await;
    f.expect(r#"{"method":"f1","params":{"path":"a","event":"change","value":6}}"#)
        .await;
    f.expect(r#"{"method":"f1","params":{"path":"a","event":"remove","value":6}}"#)
        .await;
    f.expect(r#"{"method":"f1","params":{"path":"m","event":"remove"}}"#)
        .await;
    stop(d).await;
}

/// Notifications caused by an operation go out before that operation's response.
#[tokio::test]
async fn notifications_caused_by_an_operation_precede_its_response() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.request_ok("fetch", json!({"id":"f"})).await;
    c.send(r#"{"id":1,"method":"add","params":{"path":"x","value":1}}"#)
        .await;
    c.expect(r#"{"method":"f","params":{"path":"x","event":"add","value":1}}"#)
        .await;
    c.expect(r#"{"id":1,"result":true}"#).await;
    c.send(r#"{"id":2,"method":"change","params":{"path":"x","value":2}}"#)
        .await;
    c.expect(r#"{"method":"f","params":{"path":"x","event":"change","value":2}}"#)
        .await;
    c.expect(r#"{"id":2,"result":true}"#).await;
    c.send(r#"{"id":3,"method":"remove","params":{"path":"x"}}"#)
        .await;
    c.expect(r#"{"method":"f","params":{"path":"x","event":"remove","value":2}}"#)
        .await;
    c.expect(r#"{"id":3,"result":true}"#).await;
    stop(d).await;
}

/// All twelve path operators, `caseInsensitive` (Unicode), and AND of several operators
/// (lua-jet path_matcher_spec, node-jet fetch-test path rules, cjet fetch_matchers).
#[tokio::test]
async fn path_operators_select_the_right_elements() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let all = [
        "persons/1",
        "persons/1/hobby",
        "persons/2",
        "Persons/3",
        "abc",
        "aXXX",
        "Aa",
        "ab",
        "ÜBER/Öl",
        "some*path",
    ];
    for p in all {
        c.request_ok("add", json!({"path":p,"value":1})).await;
    }
    let except = |gone: &[&str]| -> Vec<String> {
        all.iter()
            .filter(|p| !gone.contains(p))
            .map(|p| p.to_string())
            .collect()
    };
    let cases: Vec<(Value, Vec<String>)> = vec![
        (json!({"equals":"abc"}), vec!["abc".into()]),
        (json!({"equals":"ABC"}), vec![]),
        (json!({"equalsNot":"abc"}), except(&["abc"])),
        (
            json!({"startsWith":"persons/"}),
            vec![
                "persons/1".into(),
                "persons/1/hobby".into(),
                "persons/2".into(),
            ],
        ),
        (
            json!({"startsNotWith":"persons/"}),
            except(&["persons/1", "persons/1/hobby", "persons/2"]),
        ),
        (
            json!({"startsWith":"a"}),
            vec!["abc".into(), "aXXX".into(), "ab".into()],
        ),
        (json!({"endsWith":"hobby"}), vec!["persons/1/hobby".into()]),
        // node-jet's lastIndexOf quirk would match "ab" here.
        (json!({"endsWith":"xab"}), vec![]),
        (json!({"endsNotWith":"hobby"}), except(&["persons/1/hobby"])),
        (json!({"contains":"XX"}), vec!["aXXX".into()]),
        (json!({"contains":"*"}), vec!["some*path".into()]),
        (
            json!({"containsNot":"/"}),
            vec![
                "abc".into(),
                "aXXX".into(),
                "Aa".into(),
                "ab".into(),
                "some*path".into(),
            ],
        ),
        (
            json!({"containsAllOf":["persons","1"]}),
            vec!["persons/1".into(), "persons/1/hobby".into()],
        ),
        (
            json!({"containsOneOf":["hobby","XX"]}),
            vec!["persons/1/hobby".into(), "aXXX".into()],
        ),
        (
            json!({"equalsOneOf":["abc","Aa","nope"]}),
            vec!["abc".into(), "Aa".into()],
        ),
        (
            json!({"equalsNotOneOf":["abc","Aa","nope"]}),
            except(&["abc", "Aa"]),
        ),
        (
            json!({"equals":"persons/3","caseInsensitive":true}),
            vec!["Persons/3".into()],
        ),
        (
            json!({"startsWith":"a","caseInsensitive":true}),
            vec!["abc".into(), "aXXX".into(), "Aa".into(), "ab".into()],
        ),
        (
            json!({"contains":"über/öl","caseInsensitive":true}),
            vec!["ÜBER/Öl".into()],
        ),
        (
            json!({"startsWith":"persons","endsWith":"hobby"}),
            vec!["persons/1/hobby".into()],
        ),
        (
            json!({"startsWith":"persons","containsNot":"hobby","equalsNot":"persons/2"}),
            vec!["persons/1".into()],
        ),
    ];
    for (rule, expected) in cases {
        let got = get_paths(&mut c, json!({ "path": rule.clone() })).await;
        assert_eq!(got, expected, "path rule {rule}");
    }
    // No rule at all: everything.
    assert_eq!(get_paths(&mut c, json!({})).await, except(&[]));
    stop(d).await;
}

/// Value operators: type-strict and deep equality, ordered comparisons within one type,
/// isType, hasOneOf/hasAllOf (lua-jet value_matcher_spec, node-jet "by value").
#[tokio::test]
async fn value_operators_select_the_right_states() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let states = [
        ("n1", json!(1)),
        ("n5", json!(5)),
        ("s5", json!("5")),
        ("sabc", json!("abc")),
        ("t", json!(true)),
        ("null", json!(null)),
        ("arr", json!([1, 2])),
        ("obj", json!({"a":1})),
        ("arr3", json!([3])),
    ];
    for (p, v) in &states {
        c.request_ok("add", json!({"path":p,"value":v})).await;
    }
    let names = |ps: &[&str]| -> Vec<String> { ps.iter().map(|p| p.to_string()).collect() };
    let cases = [
        (json!({"equals":5}), names(&["n5"])),
        (json!({"equals":"5"}), names(&["s5"])),
        (json!({"equals":[1,2]}), names(&["arr"])),
        (json!({"equals":{"a":1}}), names(&["obj"])),
        (json!({"equals":null}), names(&["null"])),
        (
            json!({"equalsNot":5}),
            names(&["n1", "s5", "sabc", "t", "null", "arr", "obj", "arr3"]),
        ),
        (json!({"lessThan":5}), names(&["n1"])),
        (json!({"greaterThan":1}), names(&["n5"])),
        (json!({"lessThan":"b"}), names(&["s5", "sabc"])),
        (json!({"greaterThan":0,"lessThan":3}), names(&["n1"])),
        (json!({"isType":"number"}), names(&["n1", "n5"])),
        (json!({"isType":"string"}), names(&["s5", "sabc"])),
        (json!({"isType":"boolean"}), names(&["t"])),
        (json!({"isType":"null"}), names(&["null"])),
        (json!({"isType":"array"}), names(&["arr", "arr3"])),
        (json!({"isType":"object"}), names(&["arr", "obj", "arr3"])),
        (json!({"hasOneOf":[2,3]}), names(&["arr", "arr3"])),
        (json!({"hasAllOf":[1,2]}), names(&["arr"])),
    ];
    for (rule, expected) in cases {
        let got = get_paths(&mut c, json!({ "value": rule.clone() })).await;
        assert_eq!(got, expected, "value rule {rule}");
    }
    stop(d).await;
}

/// `valueField` accessors: dotted names and `[n]` indices; a missing field never matches
/// (lua-jet "fetch with valueField array works", node-jet "by key").
#[tokio::test]
async fn value_field_rules_use_safe_accessors() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let states = [
        (
            "peter",
            json!({"age":25,"weight":80,"person":{"age":25},"friends":[{"name":"x"}]}),
        ),
        ("bob", json!({"age":35,"weight":80,"friends":[]})),
        ("tom", json!({"age":20,"weight":10,"person":{"age":"20"}})),
        ("num", json!(7)),
    ];
    for (p, v) in &states {
        c.request_ok("add", json!({"path":p,"value":v})).await;
    }
    let cases = [
        (
            json!({"age":{"lessThan":30},"weight":{"greaterThan":20}}),
            vec!["peter"],
        ),
        (
            json!({"age":{"greaterThan":0}}),
            vec!["peter", "bob", "tom"],
        ),
        (json!({"person.age":{"greaterThan":20}}), vec!["peter"]),
        (json!({"person.age":{"isType":"string"}}), vec!["tom"]),
        (json!({"friends[0].name":{"equals":"x"}}), vec!["peter"]),
        (json!({"friends[0]":{"isType":"object"}}), vec!["peter"]),
        // Missing fields never match, not even equalsNot.
        (json!({"person.age":{"equalsNot":1}}), vec!["peter", "tom"]),
        (json!({"nope":{"equalsNot":1}}), vec![]),
    ];
    for (rule, expected) in cases {
        let got = get_paths(&mut c, json!({ "valueField": rule.clone() })).await;
        assert_eq!(got, expected, "valueField rule {rule}");
    }
    stop(d).await;
}

/// lua-jet peer_spec "can fetch states with startsWith and valueField" and "... equals and
/// no prop value": elements enter and leave a value-ruled fetch as their values change.
#[tokio::test]
async fn value_rules_turn_changes_into_add_and_remove() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut f = tcp_client(&d).await;
    owner
        .request_ok("add", json!({"path":"persons/1","value":{"age":35}}))
        .await;
    owner
        .request_ok("add", json!({"path":"test","value":"foo"}))
        .await;
    f.request_ok(
        "fetch",
        json!({"id":"age","path":{"startsWith":"persons/"},"valueField":{"age":{"lessThan":40}}}),
    )
    .await;
    f.expect(r#"{"method":"age","params":{"path":"persons/1","event":"add","value":{"age":35}}}"#)
        .await;
    f.request_ok("fetch", json!({"id":"foo","value":{"equals":"foo"}}))
        .await;
    f.expect(r#"{"method":"foo","params":{"path":"test","event":"add","value":"foo"}}"#)
        .await;

    for (age, event) in [(36, "change"), (40, "remove"), (41, ""), (35, "add")] {
        owner
            .request_ok("change", json!({"path":"persons/1","value":{"age":age}}))
            .await;
        if !event.is_empty() {
            f.expect(&format!(
                r#"{{"method":"age","params":{{"path":"persons/1","event":"{event}","value":{{"age":{age}}}}}}}"#
            ))
            .await;
        }
    }
    for (value, event) in [
        ("bar", "remove"),
        ("baz", ""),
        ("foo", "add"),
        ("foo", "change"),
    ] {
        owner
            .request_ok("change", json!({"path":"test","value":value}))
            .await;
        if !event.is_empty() {
            f.expect(&format!(
                r#"{{"method":"foo","params":{{"path":"test","event":"{event}","value":"{value}"}}}}"#
            ))
            .await;
        }
    }
    // A new element whose value matches later is picked up (unlike lua-jet).
    owner
        .request_ok("add", json!({"path":"late","value":"no"}))
        .await;
    owner
        .request_ok("change", json!({"path":"late","value":"foo"}))
        .await;
    f.expect(r#"{"method":"foo","params":{"path":"late","event":"add","value":"foo"}}"#)
        .await;
    // Removing a matching element: remove; a non-matching one: nothing (the next event
    // is the removal of "test").
    owner.request_ok("remove", json!({"path":"late"})).await;
    f.expect(r#"{"method":"foo","params":{"path":"late","event":"remove","value":"foo"}}"#)
        .await;
    owner
        .request_ok("change", json!({"path":"persons/1","value":{"age":50}}))
        .await;
    owner
        .request_ok("remove", json!({"path":"persons/1"}))
        .await;
    owner.request_ok("remove", json!({"path":"test"})).await;
    f.expect(
        r#"{"method":"age","params":{"path":"persons/1","event":"remove","value":{"age":50}}}"#,
    )
    .await;
    f.expect(r#"{"method":"foo","params":{"path":"test","event":"remove","value":"foo"}}"#)
        .await;
    stop(d).await;
}

/// Path and value rules are ANDed (node-jet "byPath and byValue").
#[tokio::test]
async fn path_and_value_rules_are_combined() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    for (p, v) in [("a/1", 1), ("a/2", 20), ("b/1", 1)] {
        c.request_ok("add", json!({"path":p,"value":v})).await;
    }
    let got = get_paths(
        &mut c,
        json!({"path":{"startsWith":"a/"},"value":{"lessThan":10}}),
    )
    .await;
    assert_eq!(got, vec!["a/1"]);
    stop(d).await;
}

/// Fetch ids are per connection; duplicates are refused; `5` and `"5"` differ; unfetch
/// stops notifications and unknown ids are `fetchNotFound` (cjet double_fetch,
/// fetch_and_unfetch, unfetch_illegal_fetchid; lua-jet "can fetch and unfetch").
#[tokio::test]
async fn fetch_ids_duplicates_and_unfetch() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut f = tcp_client(&d).await;
    owner.request_ok("add", json!({"path":"s","value":1})).await;
    f.request_ok("fetch", json!({"id":5,"path":{"equals":"s"}}))
        .await;
    f.expect(r#"{"method":5,"params":{"path":"s","event":"add","value":1}}"#)
        .await;
    f.request_ok("fetch", json!({"id":"5","path":{"equals":"s"}}))
        .await;
    f.expect(r#"{"method":"5","params":{"path":"s","event":"add","value":1}}"#)
        .await;
    f.send(r#"{"id":1,"method":"fetch","params":{"id":5}}"#)
        .await;
    f.expect(
        r#"{"id":1,"error":{"message":"Invalid params","code":-32602,"data":{"fetchIdInUse":5}}}"#,
    )
    .await;
    let resp = f.request("fetch", json!({"id":"5"})).await;
    assert_invalid_params(&resp, json!({"fetchIdInUse":"5"}));

    f.request_ok("unfetch", json!({"id":"5"})).await;
    owner
        .request_ok("change", json!({"path":"s","value":2}))
        .await;
    f.expect(r#"{"method":5,"params":{"path":"s","event":"change","value":2}}"#)
        .await;
    f.request_ok("unfetch", json!({"id":5})).await;
    f.send(r#"{"id":2,"method":"unfetch","params":{"id":5}}"#)
        .await;
    f.expect(
        r#"{"id":2,"error":{"message":"Invalid params","code":-32602,"data":{"fetchNotFound":5}}}"#,
    )
    .await;
    let resp = f.request("unfetch", json!({"id":"nope"})).await;
    assert_invalid_params(&resp, json!({"fetchNotFound":"nope"}));

    // After unfetch nothing more arrives: the next event is from a new fetcher.
    owner
        .request_ok("change", json!({"path":"s","value":3}))
        .await;
    f.request_ok("fetch", json!({"id":5,"path":{"equals":"s"}}))
        .await;
    f.expect(r#"{"method":5,"params":{"path":"s","event":"add","value":3}}"#)
        .await;
    // Another connection may use the same fetch id.
    let mut g = tcp_client(&d).await;
    g.request_ok("fetch", json!({"id":5,"path":{"equals":"s"}}))
        .await;
    g.expect(r#"{"method":5,"params":{"path":"s","event":"add","value":3}}"#)
        .await;
    stop(d).await;
}

/// `get`: unsorted result shape (node-jet peer-test "can add and get a state", cjet
/// get_with_no_states / get_with_one_state, B §4.8).
#[tokio::test]
async fn get_returns_add_entries() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"{"id":1,"method":"get","params":{}}"#).await;
    c.expect(r#"{"id":1,"result":[]}"#).await;
    c.request_ok("add", json!({"path":"b1","value":1})).await;
    c.request_ok("add", json!({"path":"b2"})).await;
    c.request_ok("add", json!({"path":"c","value":2,"fetchOnly":true}))
        .await;
    c.send(r#"{"method":"get","params":{"path":{"startsWith":"b"}},"id":"g1"}"#)
        .await;
    c.expect(r#"{"id":"g1","result":[{"path":"b1","event":"add","value":1},{"path":"b2","event":"add"}]}"#)
        .await;
    c.send(r#"{"method":"get","params":{"path":{"equals":"c"}},"id":"g2"}"#)
        .await;
    c.expect(r#"{"id":"g2","result":[{"fetchOnly":true,"path":"c","event":"add","value":2}]}"#)
        .await;
    // A get creates no fetcher: a later change notifies nobody, and the connection may
    // still authenticate (no `alreadyFetching`).
    c.request_ok("change", json!({"path":"b1","value":9})).await;
    let resp = c
        .request("authenticate", json!({"user":"nobody","password":"x"}))
        .await;
    assert_invalid_params(&resp, json!({"invalidCredentials":true}));
    stop(d).await;
}

/// Many fetchers on one state, fetchers set up before the state exists, and fetchers of
/// two peers (cjet lots_of_fetches_to_single_state, multiple_fetches_before_state_add,
/// two_fetch_and_change).
#[tokio::test]
async fn many_fetchers_all_get_every_event() {
    let d = start_daemon().await;
    let mut f1 = tcp_client(&d).await;
    let mut f2 = tcp_client(&d).await;
    for i in 0..40 {
        f1.request_ok("fetch", json!({"id":i,"path":{"equals":"s"}}))
            .await;
    }
    f2.request_ok("fetch", json!({"id":"only","path":{"startsWith":"s"}}))
        .await;
    let mut owner = tcp_client(&d).await;
    owner.request_ok("add", json!({"path":"s","value":1})).await;
    owner
        .request_ok("change", json!({"path":"s","value":2}))
        .await;
    let mut ids: Vec<i64> = Vec::new();
    for _ in 0..40 {
        let v = f1.recv().await;
        assert_eq!(
            v["params"],
            json!({"path":"s","event":"add","value":1}),
            "{v}"
        );
        ids.push(v["method"].as_i64().expect("numeric fetch id"));
    }
    ids.sort_unstable();
    assert_eq!(ids, (0..40).collect::<Vec<_>>());
    for _ in 0..40 {
        let v = f1.recv().await;
        assert_eq!(
            v["params"],
            json!({"path":"s","event":"change","value":2}),
            "{v}"
        );
    }
    f2.expect(r#"{"method":"only","params":{"path":"s","event":"add","value":1}}"#)
        .await;
    f2.expect(r#"{"method":"only","params":{"path":"s","event":"change","value":2}}"#)
        .await;
    stop(d).await;
}

/// node-jet "immediate value changes are fetched in correct order".
#[tokio::test]
async fn an_add_immediately_followed_by_changes_arrives_in_order() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut f = tcp_client(&d).await;
    f.request_ok("fetch", json!({"id":"f","path":{"startsWith":"a"}}))
        .await;
    owner
        .send(r#"[{"method":"add","params":{"path":"abc","value":1}},{"method":"change","params":{"path":"abc","value":2}},{"method":"change","params":{"path":"abc","value":3}},{"method":"add","params":{"path":"Aa","value":0}}]"#)
        .await;
    f.expect(r#"{"method":"f","params":{"path":"abc","event":"add","value":1}}"#)
        .await;
    f.expect(r#"{"method":"f","params":{"path":"abc","event":"change","value":2}}"#)
        .await;
    f.expect(r#"{"method":"f","params":{"path":"abc","event":"change","value":3}}"#)
        .await;
    owner
        .request_ok("add", json!({"path":"aXXX","value":4}))
        .await;
    f.expect(r#"{"method":"f","params":{"path":"aXXX","event":"add","value":4}}"#)
        .await;
    stop(d).await;
}

/// lua-jet peer_spec "can fetch states with endsWith and value equalsNot": the element
/// leaves and re-enters the fetch as its value changes.
#[tokio::test]
async fn ends_with_and_value_equals_not_follow_value_changes() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut f = tcp_client(&d).await;
    owner
        .request_ok("add", json!({"path":"persons/1/hobby","value":"tennis"}))
        .await;
    owner
        .request_ok("add", json!({"path":"persons/2/age","value":3}))
        .await;
    f.request_ok(
        "fetch",
        json!({"id":"h","path":{"endsWith":"hobby"},"value":{"equalsNot":"sleeping"}}),
    )
    .await;
    f.expect(
        r#"{"method":"h","params":{"path":"persons/1/hobby","event":"add","value":"tennis"}}"#,
    )
    .await;
    for (value, event) in [("sleeping", "remove"), ("chess", "add"), ("golf", "change")] {
        owner
            .request_ok("change", json!({"path":"persons/1/hobby","value":value}))
            .await;
        f.expect(&format!(
            r#"{{"method":"h","params":{{"path":"persons/1/hobby","event":"{event}","value":"{value}"}}}}"#
        ))
        .await;
    }
    stop(d).await;
}
