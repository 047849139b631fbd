//! PROTOCOL.md A.11, nodes, rule by rule, raw JSON over real sockets: node add/remove
//! order on add, remove and disconnect, several owners under one node, initial adds,
//! `get`, path rules on nodes, `invalidFetch`, relaxed coexistence, strict refusals,
//! another separator, visibility under access control, `info`, and both transports.

use std::time::Duration;

use jet_tests::raw::{assert_invalid_params, result, stop, tcp_client, ws_client, RawClient};
use jet_tests::{start_daemon, start_daemon_with};
use jetd::bus::{Hierarchy, NodeOptions};
use serde_json::{json, Value};

const QUIET: Duration = Duration::from_millis(100);

/// The next notification of fetch `id` as `(path, event, type)`.
async fn event(c: &mut RawClient, id: &str) -> (String, String, String) {
    let m = c.recv().await;
    assert_eq!(m["method"], id, "expected a notification of {id}, got {m}");
    let p = &m["params"];
    let s = |k: &str| {
        p[k].as_str()
            .unwrap_or_else(|| panic!("{k} in {m}"))
            .to_owned()
    };
    (s("path"), s("event"), s("type"))
}

/// Assert the next notifications of fetch `id` are `expected`, in this order, and then
/// nothing more arrives.
async fn expect_events(c: &mut RawClient, id: &str, expected: &[(&str, &str, &str)]) {
    let mut got = Vec::new();
    for _ in expected {
        got.push(event(c, id).await);
    }
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(p, e, t)| (p.to_string(), e.to_string(), t.to_string()))
        .collect();
    assert_eq!(got, expected);
    c.expect_silence(QUIET).await;
}

fn daemon_config(separator: char, hierarchy: Hierarchy) -> jetd::Config {
    let mut config = jetd::Config::loopback_ephemeral();
    config.nodes = NodeOptions {
        separator,
        hierarchy,
    };
    config
}

async fn node_fetch(c: &mut RawClient, id: &str, path: Value) {
    let mut params = json!({"id": id, "nodes": true});
    if !path.is_null() {
        params["path"] = path;
    }
    c.request_ok("fetch", params).await;
}

/// Add, then remove: parents before children on add, children before parents on
/// remove, and the exact shape of node and element events.
async fn add_and_remove_order(mut owner: RawClient, mut fetcher: RawClient) {
    fetcher
        .request_ok("fetch", json!({"id":"n","nodes":true}))
        .await;
    owner
        .request_ok(
            "add",
            json!({"path":"plant/line1/boiler/setpoint","value":1}),
        )
        .await;
    for node in ["plant", "plant/line1", "plant/line1/boiler"] {
        fetcher
            .expect(&format!(
                r#"{{"method":"n","params":{{"path":"{node}","event":"add","type":"node"}}}}"#
            ))
            .await;
    }
    fetcher
        .expect(r#"{"method":"n","params":{"path":"plant/line1/boiler/setpoint","event":"add","type":"state","value":1}}"#)
        .await;
    owner
        .request_ok("add", json!({"path":"plant/line1/pump"}))
        .await;
    fetcher
        .expect(
            r#"{"method":"n","params":{"path":"plant/line1/pump","event":"add","type":"method"}}"#,
        )
        .await;
    owner
        .request_ok(
            "change",
            json!({"path":"plant/line1/boiler/setpoint","value":2}),
        )
        .await;
    fetcher
        .expect(r#"{"method":"n","params":{"path":"plant/line1/boiler/setpoint","event":"change","type":"state","value":2}}"#)
        .await;
    owner
        .request_ok("remove", json!({"path":"plant/line1/boiler/setpoint"}))
        .await;
    fetcher
        .expect(r#"{"method":"n","params":{"path":"plant/line1/boiler/setpoint","event":"remove","type":"state","value":2}}"#)
        .await;
    fetcher
        .expect(r#"{"method":"n","params":{"path":"plant/line1/boiler","event":"remove","type":"node"}}"#)
        .await;
    owner
        .request_ok("remove", json!({"path":"plant/line1/pump"}))
        .await;
    expect_events(
        &mut fetcher,
        "n",
        &[
            ("plant/line1/pump", "remove", "method"),
            ("plant/line1", "remove", "node"),
            ("plant", "remove", "node"),
        ],
    )
    .await;
}

#[tokio::test]
async fn add_and_remove_order_over_tcp() {
    let d = start_daemon().await;
    add_and_remove_order(tcp_client(&d).await, tcp_client(&d).await).await;
    stop(d).await;
}

#[tokio::test]
async fn add_and_remove_order_over_websocket() {
    let d = start_daemon().await;
    add_and_remove_order(ws_client(&d).await, ws_client(&d).await).await;
    stop(d).await;
}

#[tokio::test]
async fn disconnect_removes_children_before_parents_and_shared_nodes_stay() {
    let d = start_daemon().await;
    let mut fetcher = tcp_client(&d).await;
    let mut a = tcp_client(&d).await;
    let mut b = tcp_client(&d).await;
    node_fetch(&mut fetcher, "n", Value::Null).await;
    a.request_ok("add", json!({"path":"plant/a/x","value":1}))
        .await;
    a.request_ok("add", json!({"path":"plant/a/y/z","value":2}))
        .await;
    b.request_ok("add", json!({"path":"plant/b/y","value":3}))
        .await;
    expect_events(
        &mut fetcher,
        "n",
        &[
            ("plant", "add", "node"),
            ("plant/a", "add", "node"),
            ("plant/a/x", "add", "state"),
            ("plant/a/y", "add", "node"),
            ("plant/a/y/z", "add", "state"),
            ("plant/b", "add", "node"),
            ("plant/b/y", "add", "state"),
        ],
    )
    .await;
    a.close().await;
    // A's elements go in insertion order, each followed by the nodes it was the last of.
    expect_events(
        &mut fetcher,
        "n",
        &[
            ("plant/a/x", "remove", "state"),
            ("plant/a/y/z", "remove", "state"),
            ("plant/a/y", "remove", "node"),
            ("plant/a", "remove", "node"),
        ],
    )
    .await;
    b.close().await;
    expect_events(
        &mut fetcher,
        "n",
        &[
            ("plant/b/y", "remove", "state"),
            ("plant/b", "remove", "node"),
            ("plant", "remove", "node"),
        ],
    )
    .await;
    stop(d).await;
}

#[tokio::test]
async fn initial_adds_come_parents_first_in_insertion_order() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    for (path, value) in [
        ("b/x", json!(1)),
        ("a/y/1", json!(2)),
        ("b/z", Value::Null),
        ("a/y/2", json!(3)),
        ("flat", json!(4)),
    ] {
        let mut params = json!({"path": path});
        if !value.is_null() {
            params["value"] = value;
        }
        owner.request_ok("add", params).await;
    }
    let mut fetcher = tcp_client(&d).await;
    // The response comes first, then the initial adds.
    fetcher
        .send(r#"{"id":7,"method":"fetch","params":{"id":"n","nodes":true}}"#)
        .await;
    fetcher.expect(r#"{"id":7,"result":true}"#).await;
    let order = [
        ("b", "add", "node"),
        ("b/x", "add", "state"),
        ("a", "add", "node"),
        ("a/y", "add", "node"),
        ("a/y/1", "add", "state"),
        ("b/z", "add", "method"),
        ("a/y/2", "add", "state"),
        ("flat", "add", "state"),
    ];
    expect_events(&mut fetcher, "n", &order).await;
    // `get` gives the same entries in the same order.
    let got = fetcher.request("get", json!({"nodes":true})).await;
    let entries: Vec<(String, String, String)> = result(&got)
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| {
            assert_eq!(e["event"], "add", "{e}");
            (
                e["path"].as_str().unwrap().to_owned(),
                "add".to_owned(),
                e["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = order
        .iter()
        .map(|(p, e, t)| (p.to_string(), e.to_string(), t.to_string()))
        .collect();
    assert_eq!(entries, expected);
    assert_eq!(
        result(&got)[1],
        json!({"path":"b/x","event":"add","type":"state","value":1})
    );
    assert_eq!(
        result(&got)[0],
        json!({"path":"b","event":"add","type":"node"})
    );
    // Without `nodes`, `get` is unchanged: no nodes, no `type`.
    let plain = fetcher
        .request("get", json!({"path":{"startsWith":"b/"}}))
        .await;
    assert_eq!(
        result(&plain),
        &json!([{"path":"b/x","event":"add","value":1},{"path":"b/z","event":"add"}])
    );
    stop(d).await;
}

#[tokio::test]
async fn path_rules_select_nodes_by_their_own_path() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    owner
        .request_ok("add", json!({"path":"Plant/line1/boiler/temp","value":1}))
        .await;
    owner
        .request_ok("add", json!({"path":"Plant/line2/pump","value":2}))
        .await;
    let mut c = tcp_client(&d).await;
    let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
        (
            json!({"startsWith":"Plant/line1"}),
            vec![
                ("Plant/line1", "node"),
                ("Plant/line1/boiler", "node"),
                ("Plant/line1/boiler/temp", "state"),
            ],
        ),
        (json!({"equals":"Plant"}), vec![("Plant", "node")]),
        (
            json!({"contains":"line"}),
            vec![
                ("Plant/line1", "node"),
                ("Plant/line1/boiler", "node"),
                ("Plant/line1/boiler/temp", "state"),
                ("Plant/line2", "node"),
                ("Plant/line2/pump", "state"),
            ],
        ),
        (
            json!({"endsWith":"boiler"}),
            vec![("Plant/line1/boiler", "node")],
        ),
        (
            json!({"equalsOneOf":["Plant/line2","Plant/line2/pump"]}),
            vec![("Plant/line2", "node"), ("Plant/line2/pump", "state")],
        ),
        (
            json!({"equals":"plant","caseInsensitive":true}),
            vec![("Plant", "node")],
        ),
        (
            json!({"startsWith":"PLANT/LINE2","caseInsensitive":true}),
            vec![("Plant/line2", "node"), ("Plant/line2/pump", "state")],
        ),
        (json!({"equals":"plant"}), vec![]),
    ];
    for (i, (rule, expected)) in cases.iter().enumerate() {
        let id = format!("f{i}");
        node_fetch(&mut c, &id, rule.clone()).await;
        let events: Vec<(&str, &str, &str)> =
            expected.iter().map(|(p, t)| (*p, "add", *t)).collect();
        expect_events(&mut c, &id, &events).await;
        let got = c.request("get", json!({"nodes":true,"path":rule})).await;
        let paths: Vec<&str> = result(&got)
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = expected.iter().map(|(p, _)| *p).collect();
        assert_eq!(paths, want, "get with {rule}");
    }
    // Later events follow the same rules: a new node below Plant/line1 reaches the
    // startsWith fetch (f0) and the contains fetch (f2), and nobody else.
    owner
        .request_ok("add", json!({"path":"Plant/line1/valve/open","value":true}))
        .await;
    let mut got = Vec::new();
    for _ in 0..4 {
        let m = c.recv().await;
        got.push(format!(
            "{} {} {}",
            m["method"].as_str().unwrap(),
            m["params"]["path"].as_str().unwrap(),
            m["params"]["type"].as_str().unwrap()
        ));
    }
    c.expect_silence(QUIET).await;
    got.sort();
    assert_eq!(
        got,
        [
            "f0 Plant/line1/valve node",
            "f0 Plant/line1/valve/open state",
            "f2 Plant/line1/valve node",
            "f2 Plant/line1/valve/open state",
        ]
    );
    stop(d).await;
}

#[tokio::test]
async fn later_events_reach_only_fetches_whose_rule_matches() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut c = tcp_client(&d).await;
    node_fetch(&mut c, "ends", json!({"endsWith":"boiler"})).await;
    node_fetch(
        &mut c,
        "ci",
        json!({"contains":"LINE","caseInsensitive":true}),
    )
    .await;
    owner
        .request_ok("add", json!({"path":"p/line1/boiler/t","value":1}))
        .await;
    let mut got = Vec::new();
    for _ in 0..4 {
        let m = c.recv().await;
        got.push((
            m["method"].as_str().unwrap().to_owned(),
            m["params"]["path"].as_str().unwrap().to_owned(),
            m["params"]["event"].as_str().unwrap().to_owned(),
        ));
    }
    c.expect_silence(QUIET).await;
    let of = |id: &str| -> Vec<String> {
        got.iter()
            .filter(|(m, _, _)| m == id)
            .map(|(_, p, e)| format!("{e} {p}"))
            .collect()
    };
    assert_eq!(of("ends"), ["add p/line1/boiler"]);
    assert_eq!(
        of("ci"),
        ["add p/line1", "add p/line1/boiler", "add p/line1/boiler/t"]
    );
    owner
        .request_ok("remove", json!({"path":"p/line1/boiler/t"}))
        .await;
    let mut got = Vec::new();
    for _ in 0..4 {
        let m = c.recv().await;
        got.push(format!(
            "{} {} {}",
            m["method"].as_str().unwrap(),
            m["params"]["event"].as_str().unwrap(),
            m["params"]["path"].as_str().unwrap()
        ));
    }
    c.expect_silence(QUIET).await;
    let ci: Vec<&String> = got.iter().filter(|s| s.starts_with("ci ")).collect();
    assert_eq!(
        ci,
        [
            "ci remove p/line1/boiler/t",
            "ci remove p/line1/boiler",
            "ci remove p/line1"
        ]
    );
    assert!(got.contains(&"ends remove p/line1/boiler".to_owned()));
    stop(d).await;
}

#[tokio::test]
async fn nodes_with_value_valuefield_or_sort_is_invalid_fetch() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    for (method, extra) in [
        ("fetch", json!({"value":{"equals":1}})),
        ("fetch", json!({"valueField":{"x":{"equals":1}}})),
        ("fetch", json!({"sort":{"byPath":true}})),
        ("get", json!({"value":{"equals":1}})),
        ("get", json!({"sort":{"byPath":true}})),
    ] {
        let mut params = extra.clone();
        params["nodes"] = json!(true);
        if method == "fetch" {
            params["id"] = json!("x");
        }
        let resp = c.request(method, params).await;
        assert_invalid_params(
            &resp,
            json!({"invalidFetch":"nodes cannot be combined with value, valueField or sort"}),
        );
    }
    let resp = c.request("fetch", json!({"id":"x","nodes":"yes"})).await;
    assert_invalid_params(&resp, json!({"invalidFetch":"nodes must be a boolean"}));
    // `nodes:false` is a plain fetch (and the id is free: the refused ones left nothing).
    c.request_ok(
        "fetch",
        json!({"id":"x","nodes":false,"value":{"equals":1}}),
    )
    .await;
    stop(d).await;
}

#[tokio::test]
async fn classic_fetchers_see_exactly_what_they_saw_before() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut classic = tcp_client(&d).await;
    let mut nodes = tcp_client(&d).await;
    classic.request_ok("fetch", json!({"id":"c"})).await;
    node_fetch(&mut nodes, "n", Value::Null).await;
    owner
        .request_ok("add", json!({"path":"a/b","value":1}))
        .await;
    owner.request_ok("remove", json!({"path":"a/b"})).await;
    classic
        .expect(r#"{"method":"c","params":{"path":"a/b","event":"add","value":1}}"#)
        .await;
    classic
        .expect(r#"{"method":"c","params":{"path":"a/b","event":"remove","value":1}}"#)
        .await;
    classic.expect_silence(QUIET).await;
    expect_events(
        &mut nodes,
        "n",
        &[
            ("a", "add", "node"),
            ("a/b", "add", "state"),
            ("a/b", "remove", "state"),
            ("a", "remove", "node"),
        ],
    )
    .await;
    // After unfetch the node fetcher hears nothing more.
    nodes.request_ok("unfetch", json!({"id":"n"})).await;
    owner
        .request_ok("add", json!({"path":"q/r","value":1}))
        .await;
    nodes.expect_silence(QUIET).await;
    stop(d).await;
}

#[tokio::test]
async fn relaxed_lets_an_element_share_the_path_of_a_node() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    let mut f = tcp_client(&d).await;
    node_fetch(&mut f, "n", Value::Null).await;
    owner.request_ok("add", json!({"path":"a","value":0})).await;
    owner
        .request_ok("add", json!({"path":"a/b","value":1}))
        .await;
    expect_events(
        &mut f,
        "n",
        &[
            ("a", "add", "state"),
            ("a", "add", "node"),
            ("a/b", "add", "state"),
        ],
    )
    .await;
    owner.request_ok("remove", json!({"path":"a/b"})).await;
    expect_events(
        &mut f,
        "n",
        &[("a/b", "remove", "state"), ("a", "remove", "node")],
    )
    .await;
    // The state `a` is still there and works.
    owner
        .request_ok("change", json!({"path":"a","value":5}))
        .await;
    expect_events(&mut f, "n", &[("a", "change", "state")]).await;
    stop(d).await;
}

#[tokio::test]
async fn strict_refuses_positions_that_are_taken() {
    let d = start_daemon_with(daemon_config('/', Hierarchy::Strict)).await;
    let mut owner = tcp_client(&d).await;
    let info = owner.request("info", json!({})).await;
    assert_eq!(
        result(&info)["features"]["nodes"],
        json!({"separator":"/","hierarchy":"strict"})
    );
    owner
        .request_ok("add", json!({"path":"a/b","value":1}))
        .await;
    let resp = owner.request("add", json!({"path":"a","value":1})).await;
    assert_eq!(
        resp,
        json!({"id":resp["id"],"error":{"message":"Invalid params","code":-32602,
            "data":{"pathAlreadyExists":"a","occupiedBy":"a"}}})
    );
    let resp = owner.request("add", json!({"path":"a/b/c"})).await;
    assert_invalid_params(
        &resp,
        json!({"pathAlreadyExists":"a/b/c","occupiedBy":"a/b"}),
    );
    let resp = owner
        .request("add", json!({"path":"a/b/c/d","value":0}))
        .await;
    assert_invalid_params(
        &resp,
        json!({"pathAlreadyExists":"a/b/c/d","occupiedBy":"a/b"}),
    );
    // A duplicate is the classic refusal, without occupiedBy.
    let resp = owner.request("add", json!({"path":"a/b","value":1})).await;
    assert_invalid_params(&resp, json!({"pathAlreadyExists":"a/b"}));
    // A free position below the node is fine, and another peer is refused the same way.
    owner
        .request_ok("add", json!({"path":"a/c","value":1}))
        .await;
    let mut other = tcp_client(&d).await;
    let resp = other.request("add", json!({"path":"a","value":1})).await;
    assert_invalid_params(&resp, json!({"pathAlreadyExists":"a","occupiedBy":"a"}));
    // Once the last element below `a` is gone, `a` is a free position again.
    owner.request_ok("remove", json!({"path":"a/b"})).await;
    owner.request_ok("remove", json!({"path":"a/c"})).await;
    other.request_ok("add", json!({"path":"a","value":1})).await;
    stop(d).await;
}

#[tokio::test]
async fn another_separator_splits_paths_at_it() {
    let d = start_daemon_with(daemon_config('.', Hierarchy::Relaxed)).await;
    let mut owner = tcp_client(&d).await;
    let info = owner.request("info", json!({})).await;
    assert_eq!(
        result(&info)["features"]["nodes"],
        json!({"separator":".","hierarchy":"relaxed"})
    );
    let mut f = tcp_client(&d).await;
    node_fetch(&mut f, "n", Value::Null).await;
    owner
        .request_ok("add", json!({"path":"foo.bar.status","value":"ok"}))
        .await;
    owner
        .request_ok("add", json!({"path":"a/b/c","value":1}))
        .await;
    expect_events(
        &mut f,
        "n",
        &[
            ("foo", "add", "node"),
            ("foo.bar", "add", "node"),
            ("foo.bar.status", "add", "state"),
            ("a/b/c", "add", "state"),
        ],
    )
    .await;
    stop(d).await;
}

#[tokio::test]
async fn default_info_advertises_relaxed_nodes_at_slash() {
    let d = start_daemon().await;
    let mut c = tcp_client(&d).await;
    let info = c.request("info", json!({})).await;
    assert_eq!(
        result(&info)["features"]["nodes"],
        json!({"separator":"/","hierarchy":"relaxed"})
    );
    stop(d).await;
}

#[tokio::test]
async fn peers_cannot_set_call_change_or_remove_a_node() {
    let d = start_daemon().await;
    let mut owner = tcp_client(&d).await;
    owner
        .request_ok("add", json!({"path":"n/x","value":1}))
        .await;
    let mut other = tcp_client(&d).await;
    for (method, params) in [
        ("set", json!({"path":"n","value":1})),
        ("call", json!({"path":"n"})),
        ("change", json!({"path":"n","value":1})),
        ("remove", json!({"path":"n"})),
    ] {
        for c in [&mut owner, &mut other] {
            let resp = c.request(method, params.clone()).await;
            assert_invalid_params(&resp, json!({"pathNotExists":"n"}));
        }
    }
    stop(d).await;
}

/// A users file: `admin` fetches group `admin`; `guest` fetches group `guest`.
fn users() -> jetd::auth::Users {
    let mut toml = String::new();
    for name in ["admin", "guest"] {
        let hash = jetd::auth::hash_password(&format!("{name}-pw"));
        toml.push_str(&format!(
            "[users.{name}]\npassword = \"{hash}\"\nfetchGroups = [\"{name}\"]\nsetGroups = []\ncallGroups = []\n\n"
        ));
    }
    jetd::auth::Users::from_toml_str(&toml).expect("valid users file")
}

async fn login(c: &mut RawClient, user: &str) {
    let resp = c
        .request(
            "authenticate",
            json!({"user":user,"password":format!("{user}-pw")}),
        )
        .await;
    assert!(resp.get("result").is_some(), "authenticate {user}: {resp}");
}

#[tokio::test]
async fn nodes_are_visible_only_through_visible_elements() {
    let mut config = jetd::Config::loopback_ephemeral();
    config.users = users();
    let d = start_daemon_with(config).await;
    let mut owner = tcp_client(&d).await;
    let secret = json!({"fetchGroups":["admin"]});
    owner
        .request_ok("add", json!({"path":"sec/x/y","value":1,"access":secret}))
        .await;
    owner
        .request_ok("add", json!({"path":"pub/y","value":2}))
        .await;
    let mut anon = tcp_client(&d).await;
    let mut admin = tcp_client(&d).await;
    login(&mut admin, "admin").await;
    let mut guest = tcp_client(&d).await;
    login(&mut guest, "guest").await;
    node_fetch(&mut anon, "n", Value::Null).await;
    expect_events(
        &mut anon,
        "n",
        &[("pub", "add", "node"), ("pub/y", "add", "state")],
    )
    .await;
    node_fetch(&mut guest, "n", Value::Null).await;
    expect_events(
        &mut guest,
        "n",
        &[("pub", "add", "node"), ("pub/y", "add", "state")],
    )
    .await;
    node_fetch(&mut admin, "n", Value::Null).await;
    expect_events(
        &mut admin,
        "n",
        &[
            ("sec", "add", "node"),
            ("sec/x", "add", "node"),
            ("sec/x/y", "add", "state"),
            ("pub", "add", "node"),
            ("pub/y", "add", "state"),
        ],
    )
    .await;
    // `get` hides them as well.
    let got = anon
        .request("get", json!({"nodes":true,"path":{"startsWith":"sec"}}))
        .await;
    assert_eq!(result(&got), &json!([]));
    // An open element below `sec` makes `sec` visible to everybody, and only `sec`.
    owner
        .request_ok("add", json!({"path":"sec/z","value":3}))
        .await;
    for c in [&mut anon, &mut guest] {
        expect_events(c, "n", &[("sec", "add", "node"), ("sec/z", "add", "state")]).await;
    }
    expect_events(&mut admin, "n", &[("sec/z", "add", "state")]).await;
    // A second hidden element below a visible node reveals nothing.
    owner
        .request_ok("add", json!({"path":"sec/x/w","value":4,"access":secret}))
        .await;
    anon.expect_silence(QUIET).await;
    guest.expect_silence(QUIET).await;
    expect_events(&mut admin, "n", &[("sec/x/w", "add", "state")]).await;
    owner.request_ok("remove", json!({"path":"sec/z"})).await;
    for c in [&mut anon, &mut guest] {
        expect_events(
            c,
            "n",
            &[("sec/z", "remove", "state"), ("sec", "remove", "node")],
        )
        .await;
    }
    expect_events(&mut admin, "n", &[("sec/z", "remove", "state")]).await;
    // The owner disconnects: admin sees its elements go, the others only `pub`.
    owner.close().await;
    for c in [&mut anon, &mut guest] {
        expect_events(
            c,
            "n",
            &[("pub/y", "remove", "state"), ("pub", "remove", "node")],
        )
        .await;
    }
    expect_events(
        &mut admin,
        "n",
        &[
            ("sec/x/y", "remove", "state"),
            ("pub/y", "remove", "state"),
            ("pub", "remove", "node"),
            ("sec/x/w", "remove", "state"),
            ("sec/x", "remove", "node"),
            ("sec", "remove", "node"),
        ],
    )
    .await;
    stop(d).await;
}
